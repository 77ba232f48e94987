//! Typed events (docs/rules.md 4.3) and the plan's money ledger (3.15-3.20): every ledger row
//! of a whole default run converts to a typed event, validates, survives JSON and converts
//! back to the same row; the plan ledger agrees with the snapshot to the cent; hand-computed
//! golden cases per rule; the JSON Schema and the JSON Lines validator on good and broken
//! files, from the library and the command line.

use crate::common;
use crate::util::TestCommand;

use std::collections::HashMap;
use workforce_sim::config::plan::ContributionTiming;
use workforce_sim::date::days_from_civil;
use workforce_sim::events::{Detail, EventCategory, EventRow, EventType, Member, YearEvents};
use workforce_sim::payload::{
    validate_jsonl, ComplianceType, ContributionSource as S, EmployerSource, Payload, TypedEvent,
};
use workforce_sim::plan_ledger::{self, PlanEvent, PlanLedger};
use workforce_sim::state::{Snapshot, Workforce};
use workforce_sim::year::band_tables;
use workforce_sim::Config;

#[test]
fn every_ledger_row_of_a_default_run_round_trips_through_its_typed_event() {
    let config = common::valid(Config::default());
    let census = common::prepared(&config, 5_000);
    let run = workforce_sim::simulate_in_memory(&config, &census, &common::options(1)).unwrap();
    let bands = band_tables(&config);
    let mut kinds: HashMap<&'static str, usize> = HashMap::new();
    for ((_, events, snapshot), ledger) in run.years.iter().zip(&run.plan_ledgers) {
        for i in 0..events.len() {
            let row = events.record(i, snapshot.roster_ids(), &config, (&bands.0, &bands.1));
            let typed = TypedEvent::from_ledger(&row, &config).unwrap();
            typed
                .validate()
                .unwrap_or_else(|e| panic!("{}: {e}", row.event_id));
            let line = serde_json::to_string(&typed).unwrap();
            let parsed = TypedEvent::parse_and_validate(&line).unwrap();
            assert_eq!(parsed, typed, "{line}");
            assert_eq!(parsed.to_ledger().unwrap(), row, "{line}");
            *kinds.entry(typed.payload.event_type()).or_default() += 1;
        }
        for i in 0..ledger.len() {
            let row = ledger.record(i, snapshot.roster_ids(), &config);
            let typed = TypedEvent::from_plan_ledger(&row, &config).unwrap();
            typed
                .validate()
                .unwrap_or_else(|e| panic!("{}: {e}", row.event_id));
            let line = serde_json::to_string(&typed).unwrap();
            let parsed = TypedEvent::parse_and_validate(&line).unwrap();
            assert_eq!(parsed, typed, "{line}");
            assert_eq!(
                parsed.to_plan_ledger(row.event_sequence).unwrap(),
                row,
                "{line}"
            );
            *kinds.entry(typed.payload.event_type()).or_default() += 1;
        }
    }
    // A voluntary enrollment's probability is a product of segment factors and can exceed
    // 1 (a sure event, seen at 10,000 employees): a rate, not a bounded probability.
    let (_, events, snapshot) = &run.years[0];
    let k = (0..events.len())
        .find(|&k| events.event_type[k] == EventType::Enrollment)
        .unwrap();
    let mut row = events.record(k, snapshot.roster_ids(), &config, (&bands.0, &bands.1));
    row.event_probability = Some(1.2);
    TypedEvent::from_ledger(&row, &config)
        .unwrap()
        .validate()
        .unwrap();
    row.event_probability = Some(-0.1);
    let e = TypedEvent::from_ledger(&row, &config).unwrap().validate();
    assert_eq!(e.unwrap_err().field, "ledger.event_probability");
    // Every payload the simulation writes appears in the default run (sabbatical is the
    // documented extension example, which it does not write).
    for kind in [
        "hire",
        "promotion",
        "termination",
        "merit",
        "eligibility",
        "enrollment",
        "enrollment_change",
        "deferral_escalation",
        "deferral_match_response",
        "auto_enrollment_window",
        "contribution",
        "vesting",
        "forfeiture",
        "hce_status",
        "compliance",
    ] {
        assert!(kinds.get(kind).copied().unwrap_or(0) > 0, "no {kind} event");
    }
}

#[test]
fn the_plan_ledger_agrees_with_the_snapshot_to_the_cent() {
    let config = common::valid(Config::default());
    let census = common::prepared(&config, 5_000);
    let run = workforce_sim::simulate_in_memory(&config, &census, &common::options(2)).unwrap();
    for ((_, _, s), ledger) in run.years.iter().zip(&run.plan_ledgers) {
        let n = s.len();
        let by = |src| ledger.contributions_by_position(src, n);
        let (pre, roth, catch, matched, core) = (
            by(S::EmployeePreTax),
            by(S::EmployeeRoth),
            by(S::EmployeeCatchUp),
            by(S::EmployerMatch),
            by(S::EmployerNonelective),
        );
        let mut forfeit = vec![0i64; n];
        let mut hce = vec![0; n];
        for (p, e) in ledger.position.iter().zip(&ledger.event) {
            match e {
                PlanEvent::Forfeiture { amount, .. } => {
                    forfeit[*p as usize] += (amount * 100.0).round() as i64
                }
                PlanEvent::HceStatus { is_hce, prior, .. } => {
                    hce[*p as usize] += 1;
                    assert_eq!(*is_hce, s.plan[*p as usize].is_hce);
                    assert!(*is_hce || *prior == Some(true), "only HCEs and leavers");
                }
                _ => {}
            }
        }
        let cents = |x: f64| (x * 100.0).round() as i64;
        let mut total = [0i64; 2];
        for p in 0..n {
            let y = &s.plan[p];
            assert_eq!(
                cents(pre[p]) + cents(catch[p]),
                cents(y.pre_tax_contribution)
            );
            assert_eq!(cents(roth[p]), cents(y.roth_contribution));
            assert_eq!(
                cents(pre[p]) + cents(catch[p]) + cents(roth[p]),
                cents(y.employee_contribution)
            );
            assert_eq!(cents(matched[p]), cents(y.employer_match));
            assert_eq!(cents(core[p]), cents(y.employer_core));
            assert_eq!(forfeit[p], cents(y.forfeiture));
            if y.is_hce {
                assert_eq!(hce[p], 1, "one HCE determination per HCE and year");
            } else {
                assert!(hce[p] <= 1);
            }
            total[0] += cents(matched[p]);
            total[1] += cents(y.employer_match);
        }
        assert!(total[0] > 0 && total[0] == total[1]);
        let hces = s.plan.iter().filter(|y| y.is_hce).count();
        assert!(hces > 0 && hce.iter().sum::<i32>() as usize >= hces);
    }
}

pub(crate) fn employee(
    birth: (i32, u32, u32),
    comp: f64,
    tenure: u16,
    rate: f64,
    hire: workforce_sim::date::Day,
) -> Workforce {
    let mut w = Workforce::with_capacity(1);
    let mut plan = workforce_sim::state::PlanCarry::from_census(
        Some(rate),
        None,
        None,
        true,
        days_from_civil(2024, 12, 31),
    );
    plan.plan_eligibility_date = Some(hire + 30);
    w.push(workforce_sim::state::workforce::Employee {
        employee_id: "EMP_G".into(),
        employee_ssn: "SSN-G".into(),
        birth_date: days_from_civil(birth.0, birth.1, birth.2),
        hire_date: hire,
        compensation: comp,
        level: 3,
        age: (2025 - birth.0) as u16,
        tenure,
        scheduled_hours: None,
        eligibility_date: hire + 30,
        waiting_period_days: 30,
        plan,
    });
    w
}

/// The year's snapshot and plan ledger of a one-employee workforce with the given events.
/// The experienced termination on `term` of the golden employee (age 40, tenure 2, level 3,
/// 60,000 of pay).
pub(crate) fn termination_at(term: workforce_sim::date::Day) -> EventRow {
    EventRow {
        event_type: EventType::Termination,
        category: EventCategory::Termination,
        effective_date: term,
        compensation_amount: Some(60_000.0),
        previous_compensation: Some(60_000.0),
        employee_deferral_rate: None,
        prev_employee_deferral_rate: None,
        employee_age: 40,
        employee_tenure: 2,
        level_id: 3,
        event_probability: None,
        detail: Detail::ExperiencedTermination,
    }
}

pub(crate) fn one_year(
    config: &workforce_sim::ValidConfig,
    prior: &Workforce,
    rows: &mut [EventRow],
) -> (Snapshot, PlanLedger) {
    let mut ev = YearEvents::new(2025);
    ev.roster.push(Member::Prior(0));
    ev.push_employee(0, rows);
    let mut s = workforce_sim::state::accumulate(prior, &ev);
    workforce_sim::state::accumulate_plan(config, prior, &ev, &mut s);
    let ledger = plan_ledger::build(config, prior, &ev, &s);
    let violations = workforce_sim::validation::validate_plan_ledger(config, &s, &ledger);
    assert!(violations.is_empty(), "{violations:?}");
    (s, ledger)
}

fn contributions(l: &PlanLedger) -> Vec<(S, f64)> {
    l.event
        .iter()
        .filter_map(|e| match e {
            PlanEvent::Contribution { source, amount, .. } => Some((*source, *amount)),
            _ => None,
        })
        .collect()
}

/// Age 55 in 2025 at 200,000 and 15%: requested 30,000 under the catch-up total of 31,000;
/// pre-tax 85% = 25,500 of which catch-up 30,000 − 23,500 = 6,500, so pre-tax 19,000 and
/// catch-up 6,500; Roth 15% = 4,500; match 100% of 3% + 50% of 2% = 4% of 200,000 = 8,000;
/// core 1% = 2,000. HCE: 200,000 in 2024 > 155,000. Vesting: first employer money, tenure
/// 3 on graded 5-year = 60%: vested match 4,800, core 1,200. Compliance: 30,000 ≥ 95% of
/// 31,000 (29,450); additions 23,500 + 8,000 + 2,000 = 33,500 < 95% of 70,000: no 415(c)
/// event; 55 in the start year: catch-up eligible, allowance 7,500, 6,500 used.
#[test]
fn golden_contributions_by_source_hce_vesting_and_compliance() {
    let config = common::valid(Config::default());
    let prior = employee(
        (1970, 3, 1),
        200_000.0,
        3,
        0.15,
        days_from_civil(2021, 6, 1),
    );
    let (s, l) = one_year(&config, &prior, &mut []);
    assert_eq!(s.plan[0].employee_contribution, 30_000.0);
    assert_eq!(
        contributions(&l),
        vec![
            (S::EmployeePreTax, 19_000.0),
            (S::EmployeeRoth, 4_500.0),
            (S::EmployeeCatchUp, 6_500.0),
            (S::EmployerMatch, 8_000.0),
            (S::EmployerNonelective, 2_000.0),
        ]
    );
    let jan1 = days_from_civil(2025, 1, 1);
    let dec31 = days_from_civil(2025, 12, 31);
    assert_eq!(
        l.effective_date[0], jan1,
        "the HCE determination comes first"
    );
    assert_eq!(
        l.event[0],
        PlanEvent::HceStatus {
            compensation: 200_000.0,
            threshold: 155_000.0,
            is_hce: true,
            prior: None,
        }
    );
    let vesting: Vec<_> = l
        .event
        .iter()
        .filter(|e| matches!(e, PlanEvent::Vesting { .. }))
        .collect();
    assert_eq!(
        vesting,
        vec![&PlanEvent::Vesting {
            vested_pct: 0.6,
            vested_match: 4_800.0,
            vested_core: 1_200.0,
            hours: 2_080.0,
            service_start: days_from_civil(2021, 6, 1),
        }]
    );
    let compliance: Vec<_> = l
        .event
        .iter()
        .zip(&l.effective_date)
        .filter_map(|(e, d)| match e {
            PlanEvent::Compliance {
                kind,
                limit,
                amount,
            } => Some((*kind, *limit, *amount, *d)),
            _ => None,
        })
        .collect();
    assert_eq!(
        compliance,
        vec![
            (ComplianceType::CatchUpEligible, 7_500.0, 6_500.0, jan1),
            (ComplianceType::Limit402gApproach, 31_000.0, 30_000.0, dec31),
        ]
    );
    assert_eq!(l.len(), 9);
    assert_eq!(l.event_sequence, (1..=9).collect::<Vec<u16>>());
    // The next year: the same share, the same money source: no second vesting event.
    let next = s.next_workforce();
    let mut ev = YearEvents::new(2026);
    ev.roster.push(Member::Prior(0));
    let mut s2 = workforce_sim::state::accumulate(&next, &ev);
    workforce_sim::state::accumulate_plan(&config, &next, &ev, &mut s2);
    assert_eq!(s2.plan[0].vested_pct, 0.8, "tenure 4: 80%");
    let l2 = plan_ledger::build(&config, &next, &ev, &s2);
    assert!(
        l2.event
            .iter()
            .any(|e| matches!(e, PlanEvent::Vesting { vested_pct, .. } if *vested_pct == 0.8)),
        "the share moved 60% -> 80%: a vesting event"
    );
    assert!(!l2.event.iter().any(|e| matches!(
        e,
        PlanEvent::Compliance {
            kind: ComplianceType::CatchUpEligible,
            ..
        }
    )));
}

/// Hired 2022-06-01, terminated 2025-06-30 with 5,000 of employer money (4,000 match,
/// 1,000 core): tenure at termination 3 (graded 5-year: 60%): vested 3,000, forfeited 2,000:
/// from the match 4,000 − 2,400 = 1,600, from core 400; no employer money this year (not
/// active at year end).
#[test]
fn golden_forfeiture_on_termination_by_source() {
    let config = common::valid(Config::default());
    let mut prior = employee((1985, 5, 5), 60_000.0, 2, 0.06, days_from_civil(2022, 6, 1));
    prior.plan[0].employer_balance = 5_000.0;
    prior.plan[0].employer_match_balance = 4_000.0;
    prior.plan[0].vested_pct = 0.2;
    let term = days_from_civil(2025, 6, 30);
    let mut rows = [termination_at(term)];
    let (s, l) = one_year(&config, &prior, &mut rows);
    assert!(!s.active[0]);
    assert_eq!(s.current_tenure[0], 3);
    assert_eq!(s.plan[0].vested_pct, 0.6);
    assert_eq!(s.plan[0].forfeiture, 2_000.0);
    let forfeitures: Vec<_> = l
        .event
        .iter()
        .zip(&l.effective_date)
        .filter_map(|(e, d)| match e {
            PlanEvent::Forfeiture {
                source,
                amount,
                vested_pct,
            } => Some((*source, *amount, *vested_pct, *d)),
            _ => None,
        })
        .collect();
    assert_eq!(
        forfeitures,
        vec![
            (EmployerSource::EmployerMatch, 1_600.0, 0.6, term),
            (EmployerSource::EmployerNonelective, 400.0, 0.6, term),
        ]
    );
    // Deferrals stop at the termination: 6% of 60,000 × 181/365, dated on the last day.
    let deferrals: f64 = contributions(&l)
        .iter()
        .filter(|(src, _)| !src.is_employer())
        .map(|(_, a)| a)
        .sum();
    assert!((deferrals - s.plan[0].employee_contribution).abs() < 0.005);
    assert!(contributions(&l).iter().all(|(src, _)| !src.is_employer()));
    assert!(l
        .event
        .iter()
        .zip(&l.effective_date)
        .all(|(e, d)| !matches!(e, PlanEvent::Contribution { .. }) || *d == term));
}

/// Per pay period: 26 biweekly Fridays from January 3, 2025; 19,000 of pre-tax money is
/// 1,900,000 cents / 26 = 73,076 cents per period with 24 cents left, which the last period
/// takes (731.00); each source sums to its annual amount and ends the year at it.
#[test]
fn golden_contributions_per_pay_period() {
    let mut config = Config::default();
    config.plan.ledger.contributions = ContributionTiming::PerPayPeriod;
    let config = common::valid(config);
    let ends = plan_ledger::pay_period_ends(2025);
    assert_eq!(ends[0], days_from_civil(2025, 1, 3));
    assert_eq!(ends[25], days_from_civil(2025, 12, 19));
    let prior = employee(
        (1970, 3, 1),
        200_000.0,
        3,
        0.15,
        days_from_civil(2021, 6, 1),
    );
    let (_, l) = one_year(&config, &prior, &mut []);
    let pre: Vec<(f64, f64, u8, i32)> = l
        .event
        .iter()
        .zip(&l.effective_date)
        .filter_map(|(e, d)| match e {
            PlanEvent::Contribution {
                source: S::EmployeePreTax,
                amount,
                ytd,
                period,
                ..
            } => Some((*amount, *ytd, *period, *d)),
            _ => None,
        })
        .collect();
    assert_eq!(pre.len(), 26);
    assert!(pre[..25].iter().all(|p| p.0 == 730.76));
    assert_eq!(pre[25].0, 731.0);
    assert_eq!(pre[25].1, 19_000.0);
    assert_eq!(pre[0], (730.76, 730.76, 1, ends[0]));
    for src in [
        S::EmployeeRoth,
        S::EmployeeCatchUp,
        S::EmployerMatch,
        S::EmployerNonelective,
    ] {
        let total: i64 = contributions(&l)
            .iter()
            .filter(|(s, _)| *s == src)
            .map(|(_, a)| (a * 100.0).round() as i64)
            .sum();
        let annual = match src {
            S::EmployeeRoth => 450_000,
            S::EmployeeCatchUp => 650_000,
            S::EmployerMatch => 800_000,
            _ => 200_000,
        };
        assert_eq!(total, annual, "{src:?}");
    }
}

#[test]
fn the_json_schema_names_every_payload_and_its_rules() {
    let schema = workforce_sim::payload::json_schema();
    let text = serde_json::to_string(&schema).unwrap();
    for name in [
        "hire",
        "promotion",
        "termination",
        "merit",
        "sabbatical",
        "eligibility",
        "enrollment",
        "enrollment_change",
        "auto_enrollment_window",
        "contribution",
        "vesting",
        "forfeiture",
        "hce_status",
        "compliance",
        "employer_match_true_up",
        "402g_limit_approach",
    ] {
        assert!(
            text.contains(&format!("\"{name}\"")),
            "{name} not in the schema"
        );
    }
    // deny_unknown_fields and the field rules reach the schema.
    assert!(text.contains("\"additionalProperties\":false"));
    assert!(text.contains("\"exclusiveMinimum\":0"));
    assert!(text.contains("\"maximum\":1"));
    let required = schema["required"].as_array().unwrap();
    for key in ["event_id", "employee_id", "effective_date", "payload"] {
        assert!(required.iter().any(|r| r == key), "{key} required");
    }
}

const GOOD: &str = r#"{"event_id":"E1","employee_id":"EMP_1","effective_date":"2025-12-31","scenario_id":"s","plan_design_id":"p","source_system":"payroll","payload":{"event_type":"contribution","plan_id":"p","source":"employee_pre_tax","amount":125.5,"pay_period_end":"2025-12-26","contribution_date":"2025-12-31","ytd_amount":3000.0,"payroll_id":"PR-26","irs_limit_applied":false,"inferred_value":false}}"#;

fn with(from: &str, to: &str) -> String {
    assert!(GOOD.contains(from), "{from}");
    GOOD.replacen(from, to, 1)
}

#[test]
fn a_broken_jsonl_file_gets_one_clear_error_per_bad_line() {
    let lines = [
        GOOD.to_string(),
        with(r#""amount":125.5"#, r#""amount":"lots""#), // wrong type
        with(r#""payroll_id":"PR-26","#, ""),            // missing field
        with(r#""inferred_value":false"#, r#""inferred_value":false,"memo":"x""#), // unknown field
        with(
            r#""payload":{"event_type":"contribution""#,
            r#""payload":{"event_type":"raise""#,
        ), // unknown type
        with(r#""amount":125.5"#, r#""amount":-5"#),     // negative amount
        r#"{"event_id":"E7","employee_id":"EMP_1","effective_date":"2025-01-15","scenario_id":"s","plan_design_id":"p","source_system":"hr","payload":{"event_type":"enrollment","plan_id":"p","enrollment_date":"2025-01-15","pre_tax_rate":1.5,"roth_rate":0,"after_tax_rate":0,"auto_enrollment":false,"enrollment_source":"voluntary","proactive_enrollment_eligible":false,"window_timing_compliant":true}}"#.to_string(), // rate above 1
        String::new(),
        GOOD.to_string(), // duplicate event id
        with(r#""effective_date":"2025-12-31""#, r#""effective_date":"2025-13-01""#)
            .replace("\"E1\"", "\"E10\""), // not a date
    ];
    let text = lines.join("\n");
    let report = validate_jsonl(text.as_bytes()).unwrap();
    assert_eq!(report.events, 9);
    let bad: Vec<(usize, String, String)> = report
        .bad
        .iter()
        .map(|b| (b.line, b.error.field.clone(), b.error.rule.clone()))
        .collect();
    let lines_bad: Vec<usize> = bad.iter().map(|b| b.0).collect();
    assert_eq!(lines_bad, vec![2, 3, 4, 5, 6, 7, 9, 10], "{bad:#?}");
    let rule = |line: usize| bad.iter().find(|b| b.0 == line).unwrap();
    assert!(rule(2).2.contains("invalid type"), "{:?}", rule(2));
    assert_eq!(rule(3).1, "payroll_id");
    assert!(rule(3).2.contains("missing field"));
    assert_eq!(rule(4).1, "memo");
    assert!(rule(4).2.contains("unknown field"));
    assert!(
        rule(5).2.contains("unknown variant `raise`"),
        "{:?}",
        rule(5)
    );
    assert_eq!(rule(6).1, "payload.amount");
    assert_eq!(rule(6).2, "must be > 0 (got -5)");
    assert_eq!(rule(7).1, "payload.pre_tax_rate");
    assert!(rule(7).2.contains("within [0, 1]"));
    assert_eq!(rule(9).1, "event_id");
    assert!(rule(9).2.contains("line 1"));
    assert_eq!(rule(10).1, "effective_date");
    // Money and rates are quantised to 6 decimals on the way in.
    let e = TypedEvent::parse_and_validate(&with(r#""amount":125.5"#, r#""amount":125.50000049"#))
        .unwrap();
    let Payload::Contribution(c) = e.payload else {
        panic!()
    };
    assert_eq!(c.amount, 125.5);
}

#[test]
fn the_cli_writes_the_schema_exports_typed_events_and_validates_them() {
    let dir = common::tmp();
    let schema = TestCommand::new().args(["schema", "events"]).stdout();
    let v: serde_json::Value = serde_json::from_str(&schema).unwrap();
    assert_eq!(v["title"], "TypedEvent");

    let db = dir.path().join("run.duckdb");
    TestCommand::new()
        .args([
            "simulate",
            "--employees",
            "300",
            "--end-year",
            "2026",
            "--db",
        ])
        .arg(&db)
        .stdout();
    let jsonl = dir.path().join("events.jsonl");
    TestCommand::new()
        .args(["events", "--db"])
        .arg(&db)
        .arg("--out")
        .arg(&jsonl)
        .stdout();
    let text = std::fs::read_to_string(&jsonl).unwrap();
    let lines = text.lines().count() as i64;
    let stored = common::query_i64(&db, "SELECT count(*) FROM events")
        + common::query_i64(&db, "SELECT count(*) FROM plan_ledger");
    assert_eq!(lines, stored, "one typed event per ledger row");
    assert!(
        common::query_i64(
            &db,
            "SELECT count(*) FROM plan_ledger WHERE event_type = 'contribution'"
        ) > 0
    );
    let ok = TestCommand::new().arg("validate").arg(&jsonl).succeeds();
    assert!(String::from_utf8_lossy(&ok.stderr).contains(&format!("{lines} events, all valid")));

    let broken = dir.path().join("broken.jsonl");
    std::fs::write(
        &broken,
        format!("{GOOD}\n{}\n", with(r#""amount":125.5"#, r#""amount":-5"#)),
    )
    .unwrap();
    let err = TestCommand::new().arg("validate").arg(&broken).fails();
    assert!(
        err.contains("broken.jsonl:2: field payload.amount: must be > 0 (got -5)"),
        "{err}"
    );
    assert!(err.contains("1 of 2 events are invalid"), "{err}");
    // A failed export writes nothing.
    let missing = dir.path().join("nothing.jsonl");
    TestCommand::new()
        .args(["events", "--db"])
        .arg(dir.path().join("absent.duckdb"))
        .arg("--out")
        .arg(&missing)
        .fails();
    assert!(!missing.exists());
    assert!(!dir.path().join("nothing.jsonl.partial").exists());
    // An existing file is the user's: refused without --overwrite, and the results database
    // itself never (it used to be replaced by its own events as JSON Lines).
    let before = std::fs::read(&jsonl).unwrap();
    let err = TestCommand::new()
        .args(["events", "--db"])
        .arg(&db)
        .arg("--out")
        .arg(&jsonl)
        .fails();
    assert!(err.contains("exists; pass --overwrite"), "{err}");
    assert_eq!(std::fs::read(&jsonl).unwrap(), before);
    let db_bytes = std::fs::read(&db).unwrap();
    let err = TestCommand::new()
        .args(["events", "--overwrite", "--db"])
        .arg(&db)
        .arg("--out")
        .arg(&db)
        .fails();
    assert!(err.contains("is the results database itself"), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), db_bytes);
    TestCommand::new()
        .args(["events", "--overwrite", "--db"])
        .arg(&db)
        .arg("--out")
        .arg(&jsonl)
        .stdout();
    assert_eq!(
        std::fs::read(&jsonl).unwrap(),
        before,
        "the same run, the same events"
    );
}

/// Employer cost by hire cohort: the cohorts of a year sum to the year's match, core,
/// forfeitures and ending headcount to the cent; the run's own hires form their cohorts, and
/// the database table and the report say the same.
#[test]
fn employer_cost_by_hire_cohort_sums_to_the_year() {
    let dir = common::tmp();
    let db = dir.path().join("c.duckdb");
    let config = common::valid(Config::default());
    let report = workforce_sim::simulate_to_database(
        &config,
        &common::synthetic(2_000, 42),
        &db,
        &common::options(2),
        &mut |_| {},
    )
    .unwrap();
    let cents = |x: f64| (x * 100.0).round() as i64;
    for y in &report.years {
        let s = &y.summary;
        let c = &y.cohort_costs;
        assert!(c.windows(2).all(|w| w[0].hire_cohort < w[1].hire_cohort));
        let sum = |f: &dyn Fn(&workforce_sim::cohort_cost::CohortCost) -> f64| -> i64 {
            c.iter().map(|r| cents(f(r))).sum()
        };
        assert_eq!(sum(&|r| r.employer_match), cents(s.employer_match));
        assert_eq!(sum(&|r| r.employer_core), cents(s.employer_core));
        assert_eq!(sum(&|r| r.forfeitures), cents(s.forfeitures));
        assert_eq!(
            sum(&|r| r.net_employer_cost),
            cents(s.employer_match) + cents(s.employer_core) - cents(s.forfeitures)
        );
        assert_eq!(
            c.iter().map(|r| r.headcount).sum::<u64>(),
            s.ending_headcount
        );
        let own = c.iter().find(|r| r.hire_cohort == s.year).unwrap();
        assert!(own.headcount > 0 && own.headcount <= s.hires);
        let stored = common::query_i64(
            &db,
            &format!(
                "SELECT (sum(net_employer_cost) * 100)::BIGINT FROM employer_cost_by_cohort WHERE simulation_year = {}",
                s.year
            ),
        );
        assert_eq!(stored, sum(&|r| r.net_employer_cost));
    }
    let table = report.to_table();
    assert!(table.contains("Net employer $ by hire cohort"), "{table}");
    assert!(table.contains("hired < 2025") && table.contains("hired 2029"));
}

/// Three continuing participants, 2025, under 50, full year, eligible: one HCE at 200,000
/// (2024 pay above the 155,000 threshold) and two NHCEs at 50,000 / 4% and 60,000 / 6%.
fn three(hce_rate: f64) -> Workforce {
    let mut w = Workforce::with_capacity(3);
    for (id, comp, rate) in [
        ("A_HCE", 200_000.0, hce_rate),
        ("B_NHCE", 50_000.0, 0.04),
        ("C_NHCE", 60_000.0, 0.06),
    ] {
        let one = employee((1980, 1, 1), comp, 3, rate, days_from_civil(2021, 6, 1));
        let mut e = workforce_sim::state::workforce::Employee {
            employee_id: id.into(),
            employee_ssn: format!("SSN-{id}"),
            birth_date: one.birth_date[0],
            hire_date: one.hire_date[0],
            compensation: comp,
            level: 3,
            age: 45,
            tenure: 3,
            scheduled_hours: None,
            eligibility_date: one.eligibility_date[0],
            waiting_period_days: 30,
            plan: one.plan[0],
        };
        e.plan.deferral_rate = rate;
        w.push(e);
    }
    w
}

fn tests_of(
    config: &workforce_sim::ValidConfig,
    prior: &Workforce,
    prior_nhce: Option<workforce_sim::state::plan::NhceAverages>,
) -> Vec<workforce_sim::nondiscrimination::ComplianceTest> {
    let mut ev = YearEvents::new(2025);
    ev.roster = (0..prior.len() as u32).map(Member::Prior).collect();
    let mut s = workforce_sim::state::accumulate(prior, &ev);
    workforce_sim::state::accumulate_plan(config, prior, &ev, &mut s);
    workforce_sim::nondiscrimination::tests(config, &s, prior_nhce).0
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

/// ADP: NHCEs defer 4% and 6% (average 5%): basic limit 6.25%, alternative min(10%, 7%) =
/// 7%, limit 7%. The HCE at 10% fails by 3 points: excess 3% × 200,000 = 6,000. ACP: match
/// 3.5% (3% + half of 1%) and 4%, average 3.75%: limit max(4.6875%, min(7.5%, 5.75%)) =
/// 5.75%; the HCE's 4% passes by 1.75 points. At a 6% HCE deferral ADP passes by 1 point.
#[test]
fn golden_adp_and_acp_pass_and_fail() {
    use workforce_sim::nondiscrimination::{TestKind, TestStatus};
    let config = common::valid(Config::default());
    let t = tests_of(&config, &three(0.10), None);
    let adp = t.iter().find(|r| r.test == TestKind::Adp).unwrap();
    assert_eq!((adp.hce_count, adp.nhce_count), (1, 2));
    assert!(close(adp.hce_average, 0.10));
    assert!(close(adp.nhce_average, 0.05));
    assert_eq!(
        adp.nhce_year,
        Some(2025),
        "first simulated year: the current year's NHCEs"
    );
    assert!(close(adp.basic_limit, 0.0625));
    assert!(close(adp.alternative_limit, 0.07));
    assert!(close(adp.applied_limit, 0.07));
    assert!(close(adp.margin, -0.03));
    assert_eq!(adp.status, TestStatus::Fail);
    assert_eq!(adp.excess, 6_000.0);
    let acp = t.iter().find(|r| r.test == TestKind::Acp).unwrap();
    assert!(close(acp.hce_average, 0.04));
    assert!(close(acp.nhce_average, 0.0375));
    assert!(close(acp.applied_limit, 0.0575));
    assert!(close(acp.margin, 0.0175));
    assert_eq!(acp.status, TestStatus::Pass);
    assert_eq!(acp.excess, 0.0);

    let t = tests_of(&config, &three(0.06), None);
    let adp = t.iter().find(|r| r.test == TestKind::Adp).unwrap();
    assert!(close(adp.margin, 0.01) && adp.passed());

    // Prior-year testing: a 2024 NHCE average of 2% gives a limit of max(2.5%, min(4%, 4%))
    // = 4%, so the same 6% now fails; current-year testing ignores the prior year.
    let prior = workforce_sim::state::plan::NhceAverages {
        year: 2024,
        adp: Some(0.02),
        acp: Some(0.02),
    };
    let t = tests_of(&config, &three(0.06), Some(prior));
    let adp = t.iter().find(|r| r.test == TestKind::Adp).unwrap();
    assert_eq!(adp.nhce_year, Some(2024));
    assert!(close(adp.applied_limit, 0.04) && adp.status == TestStatus::Fail);
    assert!(close(adp.nhce_current_average, 0.05));
    let mut current = Config::default();
    current.plan.nondiscrimination.testing =
        workforce_sim::config::plan::TestingMethod::CurrentYear;
    let t = tests_of(&common::valid(current), &three(0.06), Some(prior));
    let adp = t.iter().find(|r| r.test == TestKind::Adp).unwrap();
    assert!(adp.nhce_year == Some(2025) && adp.passed());
    // A safe-harbor plan passes by design.
    let mut safe = Config::default();
    safe.plan.nondiscrimination.safe_harbor = true;
    let t = tests_of(&common::valid(safe), &three(0.10), None);
    assert_eq!(t[0].status, TestStatus::PassSafeHarbor);
    // 402(g) and 415(c): nobody above a limit here.
    let g = t.iter().find(|r| r.test == TestKind::Limit402g).unwrap();
    assert!(g.passed() && g.at_limit == 0 && g.capped == 0);
}

/// The tests over a whole run, in the database and the report: four per plan year, prior-
/// year testing from the second year on reading the year before (also after a resume, which
/// the resume tests compare table by table).
#[test]
fn compliance_tests_per_plan_year_in_the_database() {
    let dir = common::tmp();
    let db = dir.path().join("t.duckdb");
    let config = common::valid(Config::default());
    let report = workforce_sim::simulate_to_database(
        &config,
        &common::synthetic(2_000, 42),
        &db,
        &common::options(2),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(
        common::query_i64(&db, "SELECT count(*) FROM compliance_tests"),
        4 * 5
    );
    for w in report.years.windows(2) {
        let (a, b) = (&w[0].compliance_tests[0], &w[1].compliance_tests[0]);
        assert_eq!(b.nhce_year, Some(a.simulation_year));
        assert_eq!(b.nhce_average, a.nhce_current_average);
    }
    assert_eq!(
        common::query_i64(
            &db,
            "SELECT count(*) FROM compliance_tests WHERE test = 'ADP' AND nhce_year = simulation_year - 1"
        ),
        4
    );
    let table = report.to_table();
    assert!(table.contains("ADP") && table.contains("ACP"), "{table}");
}
