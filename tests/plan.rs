//! The 401(k) plan over real multi-year runs: invariants of the plan rules, replay of the
//! deferral-rate state from the ledger alone, escalation and opt-out behaviour, golden money
//! cases through the accumulator, bad plan configuration, and the participant history.

use crate::common;
use crate::util::TestCommand;

use std::collections::HashMap;
use std::sync::Arc;
use workforce_sim::census::CensusRecord;
use workforce_sim::config::plan::AutoEnrollmentScope;
use workforce_sim::date::{self, days_from_civil};
use workforce_sim::events::{EventCategory, EventType, Member, YearEvents};
use workforce_sim::rules::irs_limits::deferral_limit;
use workforce_sim::state::{Snapshot, Workforce};
use workforce_sim::{CensusInput, Config};

fn run(
    config: &workforce_sim::ValidConfig,
    n: usize,
) -> (workforce_sim::PreparedCensus, workforce_sim::InMemoryRun) {
    let census = common::prepared(config, n);
    let run = workforce_sim::simulate_in_memory(config, &census, &common::options(1)).unwrap();
    (census, run)
}

fn id_of(s: &Snapshot, ev: &YearEvents, k: usize) -> Arc<str> {
    s.employee_id[ev.position[k] as usize].clone()
}

#[test]
fn plan_invariants_over_a_multi_year_run() {
    let config = common::valid(common::config(2025, 2029, 42));
    let (_, run) = run(&config, 2_000);
    let plan = &config.plan;
    let mut opted_out: std::collections::HashSet<Arc<str>> = Default::default();
    let mut terminated: std::collections::HashSet<Arc<str>> = Default::default();
    let mut counts: HashMap<&'static str, usize> = HashMap::new();
    for (_, ev, s) in &run.years {
        let year = ev.year;
        let limits = config.irs_limits(year);
        for k in 0..ev.len() {
            let id = id_of(s, ev, k);
            assert!(
                !terminated.contains(&id),
                "{id} has an event after termination"
            );
            match ev.event_type[k] {
                EventType::DeferralEscalation => {
                    assert!(
                        !opted_out.contains(&id),
                        "opted-out {id} escalated in {year}"
                    );
                    assert!(
                        ev.employee_deferral_rate[k].unwrap()
                            <= plan.auto_escalation.maximum_rate + 1e-12
                    );
                    *counts.entry("escalation").or_default() += 1;
                }
                EventType::EnrollmentChange => {
                    *counts.entry("opt_out").or_default() += 1;
                }
                EventType::Enrollment => {
                    *counts.entry(ev.category[k].as_str()).or_default() += 1;
                }
                EventType::Eligibility => *counts.entry("eligibility").or_default() += 1,
                EventType::DeferralMatchResponse => {
                    assert_eq!(year, 2025, "match response only in the start year");
                    *counts.entry("match_response").or_default() += 1;
                }
                _ => {}
            }
        }
        for k in 0..ev.len() {
            if ev.event_type[k] == EventType::EnrollmentChange {
                opted_out.insert(id_of(s, ev, k));
            }
        }
        for p in 0..s.len() {
            let y = &s.plan[p];
            let rate = y.carry.deferral_rate;
            assert!((0.0..=0.75).contains(&rate), "rate {rate}");
            let age = (year - date::year_of(s.birth_date[p])) as u16;
            assert!(y.employee_contribution <= deferral_limit(&limits, age).0);
            assert!(y.employee_contribution <= y.requested_contribution + 1e-9);
            let capped = y.contribution_base.min(limits.compensation_limit_401a17);
            assert!(y.employer_match <= (0.04 * capped * 100.0).round() / 100.0 + 1e-9);
            assert!(y.vested_balance <= y.carry.employer_balance + 1e-9);
            assert!(y.forfeiture >= 0.0);
            if y.carry.ever_opted_out {
                assert!(opted_out.contains(&s.employee_id[p]));
            }
            if !s.active[p] {
                assert_eq!(
                    y.employer_match + y.employer_core,
                    0.0,
                    "no employer money when terminated"
                );
                terminated.insert(s.employee_id[p].clone());
            }
            if !y.carry.enrolled {
                assert_eq!(rate, 0.0);
            }
        }
        let summary = &run.report.years[(year - 2025) as usize].summary;
        assert!(summary.participants > 0 && summary.participation_rate > 0.5);
        assert!(
            summary.employee_contributions > 0.0
                && summary.employer_match > 0.0
                && summary.employer_core > 0.0
        );
    }
    for kind in [
        "eligibility",
        "auto_enrollment",
        "voluntary_enrollment",
        "proactive_voluntary",
        "year_over_year_voluntary",
        "opt_out",
        "escalation",
        "match_response",
    ] {
        assert!(
            counts.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} events: {counts:?}"
        );
    }
    // Forfeitures happen: terminated employees with unvested employer money.
    assert!(run
        .report
        .years
        .iter()
        .skip(1)
        .any(|y| y.summary.forfeitures > 0.0));
}

/// Rebuilds every employee's year-end deferral rate from the census rates and the event ledger
/// alone (3.13 precedence), independently of the accumulator, and compares.
#[test]
fn deferral_rate_state_replays_from_the_ledger() {
    let config = common::valid(common::config(2025, 2029, 7));
    let (census, run) = run(&config, 1_500);
    let plan = &config.plan;
    // Census baseline enrollment records.
    let mut state: HashMap<String, (f64, bool)> = census
        .staged
        .rows
        .iter()
        .map(|r| {
            let rate = workforce_sim::rules::enrollment::normalise_deferral_rate(
                r.record.employee_deferral_rate.unwrap_or(0.0),
            );
            (r.record.employee_id.clone(), (rate, rate > 0.0))
        })
        .collect();
    let mut compared = 0;
    for (_, ev, s) in &run.years {
        let ranges = ev.ranges();
        for (p, range) in ranges.iter().enumerate() {
            let id = s.employee_id[p].to_string();
            let (prior_rate, prior_enrolled) = state.get(&id).copied().unwrap_or((0.0, false));
            let (mut enroll, mut opt_out, mut mr, mut esc, mut comp) =
                (None, false, None, None, 0.0);
            for k in range.clone() {
                match ev.event_type[k] {
                    EventType::Enrollment => enroll = ev.employee_deferral_rate[k],
                    EventType::EnrollmentChange => opt_out = true,
                    EventType::DeferralMatchResponse => {
                        mr = ev.employee_deferral_rate[k];
                        comp = ev.compensation_amount[k].unwrap();
                    }
                    EventType::DeferralEscalation => esc = ev.employee_deferral_rate[k],
                    _ => {}
                }
            }
            let enrolled = (prior_enrolled || enroll.is_some()) && !opt_out;
            let rate = if !enrolled {
                0.0
            } else if let (Some(m), Some(_)) = (mr, esc) {
                let r: f64 = (m + plan.auto_escalation.increment)
                    .min(plan.auto_escalation.maximum_rate)
                    .min(plan.match_response.rate_cap_dollars / comp);
                (r * 1e6).round() / 1e6
            } else {
                esc.or(mr).or(enroll).unwrap_or(prior_rate)
            };
            assert_eq!(
                rate, s.plan[p].carry.deferral_rate,
                "{id} in {}: replayed {rate}, accumulator {}",
                ev.year, s.plan[p].carry.deferral_rate
            );
            assert_eq!(enrolled, s.plan[p].carry.enrolled, "{id} in {}", ev.year);
            state.insert(id, (rate, enrolled));
            compared += 1;
        }
    }
    assert!(compared > 7_000);
}

fn participant(id: &str, hired: (i32, u32, u32), rate: f64, opt_out: bool) -> CensusRecord {
    CensusRecord {
        employee_id: id.into(),
        employee_ssn: format!("SSN-{id}"),
        employee_birth_date: days_from_civil(1985, 5, 5),
        employee_hire_date: days_from_civil(hired.0, hired.1, hired.2),
        employee_termination_date: None,
        employee_gross_compensation: 100_000.0,
        active: Some(true),
        employee_deferral_rate: Some(rate),
        scheduled_hours_per_week: None,
        auto_escalation_opt_out: Some(opt_out),
        eligibility_override: None,
    }
}

/// G14 through the whole pipeline: with no turnover and no match response, a census
/// participant hired 2021 at 6% escalates 7, 8, 9, 10% and then stops; one hired 2018 (before
/// the cut-off) and a census escalation opt-out never move.
#[test]
fn g14_escalation_path_through_the_pipeline() {
    let mut config = common::config(2025, 2029, 42);
    config.workforce.total_termination_rate = 0.0;
    config.simulation.target_growth_rate = 0.0;
    config.plan.match_response.enabled = false;
    let records = vec![
        participant("A", (2021, 3, 1), 0.06, false),
        participant("B", (2018, 3, 1), 0.06, false),
        participant("C", (2021, 3, 1), 0.06, true),
        participant("D", (2021, 3, 1), 0.095, false),
    ];
    let config = common::valid(config);
    let census = workforce_sim::prepare_census(
        &config,
        &CensusInput::Records {
            records,
            source: "g14".into(),
        },
    )
    .unwrap();
    let run = workforce_sim::simulate_in_memory(&config, &census, &common::options(1)).unwrap();
    let rate_of = |id: &str| -> Vec<f64> {
        run.years
            .iter()
            .map(|(_, _, s)| {
                let p = s.employee_id.iter().position(|e| &**e == id).unwrap();
                s.plan[p].carry.deferral_rate
            })
            .collect()
    };
    assert_eq!(rate_of("A"), vec![0.07, 0.08, 0.09, 0.10, 0.10]);
    assert_eq!(rate_of("B"), vec![0.06; 5]);
    assert_eq!(rate_of("C"), vec![0.06; 5]);
    assert_eq!(rate_of("D"), vec![0.10; 5]);
    let escalations: usize = run
        .years
        .iter()
        .map(|(_, ev, _)| ev.count(EventType::DeferralEscalation))
        .sum();
    assert_eq!(escalations, 5);
}

/// Opt-out is sticky: under the all-eligible scope an opted-out employee is auto-enrolled
/// again the next Jan 15 (3.10.1) but is never escalated and never enrolls voluntarily.
#[test]
fn opt_out_is_sticky() {
    let mut config = common::config(2025, 2029, 3);
    config.plan.auto_enrollment.scope = AutoEnrollmentScope::AllEligibleEmployees;
    config.plan.auto_enrollment.opt_out_target_rate = 0.3;
    let config = common::valid(config);
    let (_, run) = run(&config, 1_500);
    let mut opted: HashMap<Arc<str>, i32> = HashMap::new();
    let mut re_enrolled = 0;
    for (_, ev, s) in &run.years {
        for k in 0..ev.len() {
            let id = id_of(s, ev, k);
            if let Some(&year) = opted.get(&id) {
                if year < ev.year {
                    match ev.event_type[k] {
                        EventType::DeferralEscalation => panic!("{id} escalated after opting out"),
                        EventType::Enrollment => {
                            assert_eq!(ev.category[k], EventCategory::AutoEnrollment, "{id}");
                            re_enrolled += 1;
                        }
                        _ => {}
                    }
                }
            }
        }
        for k in 0..ev.len() {
            if ev.event_type[k] == EventType::EnrollmentChange {
                opted.entry(id_of(s, ev, k)).or_insert(ev.year);
            }
        }
        for p in 0..s.len() {
            if opted.contains_key(&s.employee_id[p]) {
                assert!(s.plan[p].carry.ever_opted_out);
            }
        }
    }
    assert!(opted.len() > 50, "{}", opted.len());
    assert!(re_enrolled > 0);
}

fn one(comp: f64, tenure: u16, hire: workforce_sim::date::Day) -> Workforce {
    let mut w = Workforce::with_capacity(1);
    w.push(workforce_sim::state::workforce::Employee {
        employee_id: "EMP_P".into(),
        employee_ssn: "SSN-P".into(),
        birth_date: days_from_civil(1980, 1, 1),
        hire_date: hire,
        compensation: comp,
        level: 2,
        age: 45,
        tenure,
        scheduled_hours: None,
        eligibility_date: hire + 30,
        waiting_period_days: 30,
        plan: workforce_sim::state::PlanCarry::from_census(
            Some(0.06),
            None,
            None,
            true,
            days_from_civil(2024, 12, 31),
        ),
    });
    w
}

/// G4/G5/G7/G9 through the accumulator: a continuing participant's base is the
/// start-of-year pay; 402(g) caps the dollars, not the match; vesting follows graded 5-year.
#[test]
fn golden_money_through_the_accumulator() {
    let config = common::valid(Config::default());
    let ctx_year = 2025;
    // Continuing employee at 60,000 and 6%: base 60,000, deferrals 3,600, match 4% = 2,400,
    // core 1% = 600; tenure 3 → 60% vested of 3,000.
    let prior = one(60_000.0, 3, days_from_civil(2021, 6, 1));
    let mut ev = YearEvents::new(ctx_year);
    ev.roster.push(Member::Prior(0));
    let mut s = workforce_sim::state::accumulate(&prior, &ev);
    workforce_sim::state::accumulate_plan(&config, &prior, &ev, &mut s);
    let y = &s.plan[0];
    assert_eq!(y.contribution_base, 60_000.0);
    assert_eq!(y.employee_contribution, 3_600.0);
    assert_eq!(y.employer_match, 2_400.0);
    assert_eq!(y.employer_core, 600.0);
    assert_eq!(y.vested_pct, 0.60);
    assert_eq!(y.vested_balance, 1_800.0);
    assert!(!y.is_hce);
    // G5: 300,000 at 10%, age 45 in 2025 → 23,500 (BASE), match still 12,000.
    let mut prior = one(300_000.0, 3, days_from_civil(2021, 6, 1));
    prior.plan[0].deferral_rate = 0.10;
    let mut s = workforce_sim::state::accumulate(&prior, &ev);
    workforce_sim::state::accumulate_plan(&config, &prior, &ev, &mut s);
    let y = &s.plan[0];
    assert_eq!(
        (
            y.requested_contribution,
            y.employee_contribution,
            y.capped_excess
        ),
        (30_000.0, 23_500.0, 6_500.0)
    );
    assert!(y.irs_limit_reached);
    assert_eq!(y.employer_match, 12_000.0);
    assert!(
        y.is_hce,
        "300,000 in 2024 is above the 2024 threshold of 155,000"
    );
}

fn config_err(toml: &str) -> String {
    Config::from_toml_str(toml).unwrap_err().to_string()
}

#[test]
fn bad_plan_configuration_names_the_key() {
    let e = config_err(
        "[[plan.employer_match.tiers]]\nemployee_min = 0.03\nemployee_max = 0.05\nmatch_rate = 0.5\n\
         [[plan.employer_match.tiers]]\nemployee_min = 0.0\nemployee_max = 0.03\nmatch_rate = 1.0\n",
    );
    assert!(
        e.contains("plan.employer_match.tiers[1].employee_min: tiers must be ascending"),
        "{e}"
    );
    let e = config_err(
        "[plan.auto_enrollment]\ndefault_deferral_rate = 1.5\n[plan.employer_core]\nrate = -0.1\n",
    );
    assert!(
        e.contains("plan.auto_enrollment.default_deferral_rate: must be within [0, 0.75], got 1.5"),
        "{e}"
    );
    assert!(
        e.contains("plan.employer_core.rate: must be within [0, 1], got -0.1"),
        "{e}"
    );
    let e = config_err(
        "[plan.vesting]\nschedule = \"custom\"\ncustom_schedule = [0.0, 0.5, 0.4, 1.0]\n",
    );
    assert!(
        e.contains("plan.vesting.custom_schedule[2]: schedule must be monotone"),
        "{e}"
    );
    let e = config_err("[simulation]\nend_year = 2036\n");
    assert!(
        e.contains("plan.irs_limits: limits missing for simulated year 2036"),
        "{e}"
    );
    // A custom table replaces the default one: every simulated year must then be listed.
    let e = Config::from_toml_str(
        "[simulation]\nend_year = 2036\n[plan.vesting]\nschedule = \"custom\"\ncustom_schedule = [0.0, 0.5, 1.0]\n\
         [[plan.irs_limits]]\nyear = 2025\nelective_deferral_limit_402g = 23500\ncatch_up_total = 31000\nsuper_catch_up_total = 34750\n\
         compensation_limit_401a17 = 350000\nhce_threshold = 160000\nannual_additions_limit_415c = 70000\nss_wage_base = 176100\nestimated = false\n",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("limits missing for simulated year 2026"), "{e}");
    assert!(
        !e.contains("custom_schedule"),
        "a monotone custom schedule is valid: {e}"
    );
}

#[test]
fn bad_plan_configuration_writes_nothing() {
    let dir = common::tmp();
    let cfg = dir.path().join("bad.toml");
    std::fs::write(&cfg, "[plan.employer_match]\ncap = 2.0\n").unwrap();
    let db = dir.path().join("out.duckdb");
    let err = TestCommand::new()
        .args(["simulate", "--employees", "50", "--config"])
        .arg(&cfg)
        .arg("--db")
        .arg(&db)
        .fails();
    assert!(err.contains("plan.employer_match.cap"), "{err}");
    assert!(!db.exists());
}

#[test]
fn participant_history_from_the_database() {
    let dir = common::tmp();
    let db = dir.path().join("h.duckdb");
    let config = common::valid(common::config(2025, 2027, 42));
    workforce_sim::simulate_to_database(
        &config,
        &common::synthetic(400, 42),
        &db,
        &common::options(1),
        &mut |_| {},
    )
    .unwrap();
    let conn = duckdb::Connection::open(&db).unwrap();
    // Someone still employed at the end, with plan activity.
    let id: String = conn
        .query_row(
            "SELECT employee_id FROM workforce_snapshot WHERE simulation_year = 2027 AND employment_status = 'active'
             AND is_enrolled_flag ORDER BY employee_id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let expected_events: i64 = conn
        .query_row(
            "SELECT count(*) FROM events WHERE employee_id = ?",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    drop(conn);
    let h = workforce_sim::participant_history(&db, &id).unwrap();
    assert_eq!(
        h.years
            .iter()
            .map(|y| y.simulation_year)
            .collect::<Vec<_>>(),
        vec![2025, 2026, 2027]
    );
    assert_eq!(h.events.len() as i64, expected_events);
    assert!(h
        .events
        .windows(2)
        .all(|w| (w[0].simulation_year, w[0].event_sequence)
            < (w[1].simulation_year, w[1].event_sequence)));
    assert!(h
        .years
        .iter()
        .all(|y| y.is_enrolled_flag || y.current_deferral_rate == 0.0));
    assert!(workforce_sim::participant_history(&db, "NOBODY")
        .unwrap()
        .is_empty());

    let table = TestCommand::new()
        .args(["history", &id, "--db"])
        .arg(&db)
        .stdout();
    assert!(table.contains(&id), "{table}");
    let err = TestCommand::new()
        .args(["history", "NOBODY", "--db"])
        .arg(&db)
        .fails();
    assert!(err.contains("no employee NOBODY"), "{err}");
}
