//! Golden cases of docs/rules.md section 8 that belong to the workforce scope, checked through the
//! public library (the solver, quota, RNG and rule goldens also have unit tests beside the
//! rules).

use crate::common;

use workforce_sim::date::{self, days_from_civil};
use workforce_sim::events::{Detail, EventCategory, EventRow, EventType, Member, YearEvents};
use workforce_sim::rng::{draw, unit, Rng};
use workforce_sim::rules::{level_quotas, merit_raise, parameters, workforce_needs};
use workforce_sim::state::workforce::Employee;
use workforce_sim::state::{accumulate, DetailedStatus, Workforce};
use workforce_sim::Config;

fn one(comp: f64, level: u8, tenure: u16) -> Workforce {
    let mut w = Workforce::with_capacity(1);
    w.push(Employee {
        employee_id: "EMP_G".into(),
        employee_ssn: "SSN-G".into(),
        birth_date: days_from_civil(1980, 1, 1),
        hire_date: days_from_civil(2025 - tenure as i32, 3, 1),
        compensation: comp,
        level,
        age: 45,
        tenure,
        scheduled_hours: None,
        eligibility_date: days_from_civil(2025 - tenure as i32, 3, 31),
        waiting_period_days: 30,
        plan: Default::default(),
    });
    w
}

fn row(
    t: EventType,
    c: EventCategory,
    d: i32,
    comp: f64,
    prev: f64,
    level: u8,
    detail: Detail,
) -> EventRow {
    EventRow {
        event_type: t,
        category: c,
        effective_date: d,
        compensation_amount: Some(comp),
        previous_compensation: Some(prev),
        employee_deferral_rate: None,
        prev_employee_deferral_rate: None,
        employee_age: 45,
        employee_tenure: 3,
        level_id: level,
        event_probability: None,
        detail,
    }
}

#[test]
fn g1_g2_solver() {
    let y1 = workforce_needs::solve(10_000, 10_000, 0, 0.03, 0.12, 0.25).unwrap();
    assert_eq!(
        (
            y1.target_ending,
            y1.hires,
            y1.implied_new_hire_terminations,
            y1.total_experienced_terminations
        ),
        (10_300, 2_000, 500, 1_200)
    );
    let y2 = workforce_needs::solve(10_300, 8_800, 1_500, 0.03, 0.12, 0.25).unwrap();
    assert_eq!(
        (
            y2.target_ending,
            y2.hires,
            y2.implied_new_hire_terminations,
            y2.total_experienced_terminations
        ),
        (10_609, 2_320, 580, 1_431)
    );
    let small = workforce_needs::solve(149, 149, 0, 0.03, 0.12, 0.25).unwrap();
    assert_eq!(
        (
            small.target_ending,
            small.hires,
            small.implied_new_hire_terminations
        ),
        (153, 28, 7)
    );
    let rif = workforce_needs::solve(100, 100, 0, -0.10, 0.05, 0.25).unwrap();
    assert_eq!(
        (
            rif.hires,
            rif.total_experienced_terminations,
            rif.target_ending
        ),
        (0, 10, 90)
    );
}

#[test]
fn g3_quotas() {
    assert_eq!(
        level_quotas::termination_quotas(17, &[60, 45, 30, 10, 4]),
        vec![7, 5, 3, 1, 1]
    );
    assert_eq!(
        level_quotas::hire_quotas(28, &[60, 45, 30, 10, 4]),
        vec![11, 9, 5, 2, 1]
    );
}

#[test]
fn g9_merit_cola_and_proration() {
    let config = common::valid(Config::default());
    let merit = parameters::effective_merit(&config);
    let new = merit_raise::new_salary(60_000.0, merit[0], config.compensation.cola_rate);
    assert_eq!(new, 62_833.33);
    let prior = one(60_000.0, 1, 3);
    let mut ev = YearEvents::new(2025);
    ev.roster.push(Member::Prior(0));
    let jul15 = days_from_civil(2025, 7, 15);
    ev.push_employee(
        0,
        &mut [row(
            EventType::Raise,
            EventCategory::Raise,
            jul15,
            new,
            60_000.0,
            1,
            Detail::Raise {
                merit: merit[0],
                cola: 0.02,
            },
        )],
    );
    let s = accumulate(&prior, &ev);
    assert_eq!(s.current_compensation[0], 62_833.33);
    assert_eq!(s.prorated_annual_compensation[0], 61_319.63);
    assert_eq!(s.detailed_status[0], DetailedStatus::ContinuousActive);
}

#[test]
fn g10_promotion_and_raise_compound() {
    let config = common::valid(Config::default());
    let merit = parameters::effective_merit(&config);
    let raise = merit_raise::new_salary(100_000.0, merit[1], 0.02);
    assert_eq!(raise, 105_111.11);
    let prior = one(100_000.0, 2, 5);
    let mut ev = YearEvents::new(2025);
    ev.roster.push(Member::Prior(0));
    ev.push_employee(
        0,
        &mut [
            row(
                EventType::Raise,
                EventCategory::Raise,
                days_from_civil(2025, 7, 15),
                raise,
                100_000.0,
                3,
                Detail::Raise {
                    merit: merit[1],
                    cola: 0.02,
                },
            ),
            row(
                EventType::Promotion,
                EventCategory::Promotion,
                days_from_civil(2025, 2, 1),
                120_000.0,
                100_000.0,
                3,
                Detail::Promotion {
                    from_level: 2,
                    increase_pct: 0.2,
                },
            ),
        ],
    );
    assert_eq!(
        ev.event_type,
        vec![EventType::Promotion, EventType::Raise],
        "sequenced by date"
    );
    assert_eq!(ev.event_sequence, vec![1, 2]);
    let s = accumulate(&prior, &ev);
    assert_eq!(s.current_compensation[0], 126_133.33);
    assert_eq!(s.level_id[0], 3);
    // Jan (31 days) at 100,000; Feb 1-Jul 14 (164 days) at 120,000; Jul 15-Dec 31 (170 days) at the raise amount.
    let expected = (100_000.0 * 31.0 + 120_000.0 * 164.0 + 105_111.11 * 170.0) / 365.0;
    assert_eq!(
        s.prorated_annual_compensation[0],
        (expected * 100.0_f64).round() / 100.0
    );
    let next = s.next_workforce();
    assert_eq!(
        (
            next.compensation[0],
            next.level[0],
            next.tenure[0],
            next.age[0]
        ),
        (126_133.33, 3, 6, 46)
    );
}

#[test]
fn g11_new_hire_proration() {
    let mut ev = YearEvents::new(2025);
    let hire = workforce_sim::rules::hiring::Hire {
        seq: 1,
        employee_id: "NH_2025_000001".into(),
        employee_ssn: "SSN-900000001".into(),
        id_key: workforce_sim::rng::id_key("NH_2025_000001"),
        level: 1,
        age: 30,
        hire_date: days_from_civil(2025, 4, 1),
        birth_date: date::jan1(2025) - 30 * 365,
        compensation: 73_000.0,
        scheduled_hours: None,
    };
    ev.roster.push(Member::Hire(0));
    let mut r = row(
        EventType::Hire,
        EventCategory::Hire,
        hire.hire_date,
        73_000.0,
        0.0,
        1,
        Detail::Hire,
    );
    r.previous_compensation = None;
    ev.push_employee(0, &mut [r]);
    ev.hires.push(hire);
    let s = accumulate(&Workforce::default(), &ev);
    assert_eq!(s.prorated_annual_compensation[0], 55_000.00);
    assert_eq!(s.current_compensation[0], 73_000.0);
    assert_eq!(s.detailed_status[0], DetailedStatus::NewHireActive);
    assert_eq!(s.current_tenure[0], 0);
}

#[test]
fn experienced_termination_prorates_to_the_termination_date() {
    let prior = one(73_000.0, 1, 4);
    let mut ev = YearEvents::new(2025);
    ev.roster.push(Member::Prior(0));
    let term = days_from_civil(2025, 3, 31);
    ev.push_employee(
        0,
        &mut [row(
            EventType::Termination,
            EventCategory::Termination,
            term,
            73_000.0,
            73_000.0,
            1,
            Detail::ExperiencedTermination,
        )],
    );
    let s = accumulate(&prior, &ev);
    assert_eq!(s.prorated_annual_compensation[0], 18_000.0); // 90 days
    assert!(!s.active[0]);
    assert_eq!(s.termination_date[0], Some(term));
    assert_eq!(s.detailed_status[0], DetailedStatus::ExperiencedTermination);
    assert_eq!(s.current_tenure[0], 4); // hired 2021-03-01 → 4 completed years at 2025-03-31
    assert!(s.next_workforce().is_empty());
}

#[test]
fn g8_headcount_reconciliation_on_a_run() {
    let config = common::valid(common::config(2025, 2026, 42));
    let census = common::prepared(&config, 1_000);
    let run = workforce_sim::simulate_in_memory(&config, &census, &common::options(1)).unwrap();
    let (f, ev, s) = &run.years[0];
    let start = census.staged.baseline.len();
    let exp = ev.count_category(EventCategory::Termination);
    let nh = ev.count_category(EventCategory::NewHireTermination);
    let hires = ev.count(EventType::Hire);
    assert_eq!(s.len(), start + hires);
    assert_eq!(s.active_count(), start - exp + hires - nh);
    assert_eq!(s.len() - s.active_count(), exp + nh);
    assert_eq!(
        run.years[1].2.len() - run.years[1].1.hires.len(),
        s.active_count()
    );
    assert_eq!(s.active_count() as u64, f.needs.target_ending);
}

#[test]
fn g16_rng_vectors_through_the_public_api() {
    let rng = Rng::new(42);
    assert_eq!(
        rng.hash("EMP_000001", 2025, draw::TERMINATION_SELECT),
        0x0862_673a_7c00_2009
    );
    assert_eq!(
        unit(rng.hash("EMP_000001", 2025, draw::TERMINATION_SELECT)),
        0.032751514223491984
    );
    assert_eq!(
        Rng::new(7).uniform("EMP_000001", 2025, draw::TERMINATION_SELECT),
        0.2525352662391078
    );
    assert_eq!(
        rng.uniform("NH_2025_000001", 2025, draw::HIRE_AGE),
        0.3968744941028435
    );
    assert_eq!(
        rng.uniform("EMP_000001", 0, draw::TERMINATION_DATE_MIN),
        0.02303549504519642
    );
}
