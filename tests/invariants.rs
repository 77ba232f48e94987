//! Invariants of docs/rules.md 5.7 checked independently of the validation stage, over a
//! 1,000 × 5 and a 10,000 × 3 run.

use crate::common;

use std::collections::HashSet;
use workforce_sim::events::{EventCategory, EventType, Member};
use workforce_sim::{date, simulate_in_memory};

fn check_run(n: usize, start: i32, end: i32) {
    let config = common::valid(common::config(start, end, 42));
    let census = common::prepared(&config, n);
    let run = simulate_in_memory(&config, &census, &common::options(1)).unwrap();
    assert_eq!(run.years.len(), (end - start + 1) as usize);

    let mut prior_active: Vec<String> = census
        .staged
        .baseline
        .employee_id
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut ever_terminated: HashSet<String> = HashSet::new();
    let mut all_event_ids = HashSet::new();
    for (foundation, events, snapshot) in &run.years {
        let year = events.year;
        // One snapshot row per employee, ids unique and sorted.
        let ids: Vec<&str> = snapshot.employee_id.iter().map(|s| &**s).collect();
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "year {year}: ids unique and ordered"
        );
        // Every snapshot row is explained by the prior population or a hire event.
        let starting: HashSet<&str> = prior_active.iter().map(|s| s.as_str()).collect();
        let hired: HashSet<&str> = events
            .hires
            .iter()
            .map(|h| h.employee_id.as_str())
            .collect();
        for id in &ids {
            assert!(
                starting.contains(id) ^ hired.contains(id),
                "year {year}: {id} explained exactly once"
            );
            assert!(!ever_terminated.contains(*id), "year {year}: zombie {id}");
        }
        assert_eq!(ids.len(), starting.len() + hired.len());

        // Headcount reconciliation and growth exactness.
        let hires = events.count(EventType::Hire);
        let terms = events.count(EventType::Termination);
        let active = snapshot.active_count();
        assert_eq!(
            active,
            prior_active.len() + hires - terms,
            "year {year}: reconciliation"
        );
        assert_eq!(
            active as u64, foundation.needs.target_ending,
            "year {year}: growth exactness"
        );
        assert_eq!(foundation.needs.balance_error, 0);
        assert_eq!(hires as u64, foundation.needs.hires);
        assert_eq!(
            events.count_category(EventCategory::NewHireTermination) as u64,
            foundation.needs.implied_new_hire_terminations
        );
        assert_eq!(
            events.count_category(EventCategory::Termination) as u64,
            foundation.needs.total_experienced_terminations
        );
        // Quotas per level were honoured.
        let mut by_level = vec![0u64; 5];
        for i in 0..events.len() {
            if events.category[i] == EventCategory::Termination {
                by_level[events.level_id[i] as usize - 1] += 1;
            }
        }
        assert_eq!(by_level, foundation.termination_quotas, "year {year}");

        // No event after an employee's termination; dates within the year.
        let ranges = events.ranges();
        for (p, r) in ranges.iter().enumerate() {
            let term = r
                .clone()
                .filter(|&k| events.event_type[k] == EventType::Termination)
                .map(|k| events.effective_date[k])
                .min();
            for k in r.clone() {
                if let Some(t) = term {
                    assert!(
                        events.event_type[k] == EventType::Termination
                            || events.effective_date[k] <= t,
                        "year {year}: event after termination"
                    );
                }
                if events.event_type[k] == EventType::Termination {
                    assert!(
                        events.effective_date[k] >= date::jan1(year)
                            && events.effective_date[k] <= date::dec31(year)
                    );
                    assert!(snapshot.hire_date[p] <= events.effective_date[k]);
                }
                assert!(
                    all_event_ids.insert(events.event_id(k)),
                    "event ids unique across years"
                );
            }
            if let Member::Hire(j) = events.roster[p] {
                assert_eq!(
                    &*snapshot.employee_id[p],
                    events.hires[j as usize].employee_id
                );
            }
        }
        // Employment status agrees with the events.
        for (p, range) in ranges.iter().enumerate().take(snapshot.len()) {
            let terminated = range
                .clone()
                .any(|k| events.event_type[k] == EventType::Termination);
            assert_eq!(snapshot.active[p], !terminated);
            if terminated {
                ever_terminated.insert(snapshot.employee_id[p].to_string());
            }
            assert!(snapshot.current_compensation[p] > 0.0);
            assert!(snapshot.prorated_annual_compensation[p] > 0.0);
        }
        // Ending actives are the next starting population.
        prior_active = (0..snapshot.len())
            .filter(|&p| snapshot.active[p])
            .map(|p| snapshot.employee_id[p].to_string())
            .collect();
        let next = snapshot.next_workforce();
        assert_eq!(next.len(), prior_active.len());
        assert!(next.is_sorted_unique());
    }
}

#[test]
fn invariants_hold_for_1000_employees_over_5_years() {
    check_run(1_000, 2025, 2029);
}

#[test]
fn invariants_hold_for_10000_employees_over_3_years() {
    check_run(10_000, 2025, 2027);
}

#[test]
fn reduction_in_force_year_shrinks_exactly() {
    let mut config = common::config(2025, 2026, 7);
    config.simulation.target_growth_rate = -0.10;
    config.workforce.total_termination_rate = 0.05;
    let config = common::valid(config);
    let census = common::prepared(&config, 800);
    let run = simulate_in_memory(&config, &census, &common::options(1)).unwrap();
    for (f, events, snapshot) in &run.years {
        assert_eq!(f.needs.hires, 0);
        assert!(f.needs.rif_terminations > 0);
        assert!(events.hires.is_empty());
        assert_eq!(snapshot.active_count() as u64, f.needs.target_ending);
    }
}

#[test]
fn single_employee_census_runs() {
    let config = common::valid(common::config(2025, 2027, 42));
    let record = workforce_sim::CensusRecord {
        employee_id: "ONLY".into(),
        employee_ssn: "SSN-1".into(),
        employee_birth_date: date::days_from_civil(1980, 1, 1),
        employee_hire_date: date::days_from_civil(2010, 1, 1),
        employee_termination_date: None,
        employee_gross_compensation: 70_000.0,
        active: Some(true),
        employee_deferral_rate: None,
        scheduled_hours_per_week: None,
        auto_escalation_opt_out: None,
        eligibility_override: None,
    };
    let input = workforce_sim::CensusInput::Records {
        records: vec![record],
        source: "one".into(),
    };
    let census = workforce_sim::prepare_census(&config, &input).unwrap();
    let run = simulate_in_memory(&config, &census, &common::options(1)).unwrap();
    assert_eq!(run.years.len(), 3);
}
