//! Results do not move by accident: the default run's events and snapshots, and every result
//! table of its database, hash to the digests pinned here. A change that must move a result
//! updates the digest in the same commit and says which result moved and why.

use crate::common;

use workforce_sim::digest::{run_digest, Digest};
use workforce_sim::{simulate_in_memory, simulate_to, simulate_to_database, Config, Output};

/// `run_digest` of the default run (5,000 synthetic employees, 2025-2029, seed 42).
const DEFAULT_RUN: &str = "64a6133cfaec0e6e";

/// The database of the default run: each result table exported as CSV in key order, hashed.
const DEFAULT_TABLES: &[(&str, &str)] = &[
    ("events", "e275e0f63bc9deb3"),
    ("plan_ledger", "0f421372b58ceec7"),
    ("workforce_snapshot", "895409d717e014e4"),
    ("workforce_needs", "11267d51a7f7dca5"),
    ("year_summary", "9aab031972bbb928"),
    ("employer_cost_by_cohort", "25ac2ef69f2bd6c8"),
    ("compliance_tests", "277ed1dc77a25c78"),
    ("census", "6252fc93997a3ec2"),
];

#[test]
fn the_default_run_keeps_its_digest() {
    let config = common::valid(Config::default());
    let census = common::prepared(&config, 5_000);
    let run = simulate_in_memory(&config, &census, &common::options(1)).unwrap();
    assert_eq!(run.years.len(), 5);
    let digest = run_digest(run.years.iter().map(|(_, e, s)| (e, s)));
    assert_eq!(
        digest, DEFAULT_RUN,
        "the default run's events or snapshots moved"
    );
}

/// The weekly balances of the default run with `balances = "weekly"` and per-pay-period
/// contributions: every column of every year, hashed.
const WEEKLY_BALANCES: &str = "7f783a7b3e4d2d9f";

#[test]
fn the_weekly_balances_keep_their_digest() {
    let mut config = Config::default();
    config.plan.ledger.balances = workforce_sim::config::plan::BalanceSnapshots::Weekly;
    config.plan.ledger.contributions =
        workforce_sim::config::plan::ContributionTiming::PerPayPeriod;
    let config = common::valid(config);
    let census = common::prepared(&config, 5_000);
    let run = simulate_in_memory(&config, &census, &common::options(2)).unwrap();
    let mut d = Digest::default();
    let mut rows = 0;
    for ((_, _, s), b) in run.years.iter().zip(&run.balances) {
        rows += b.len();
        for k in 0..b.len() {
            d.str(&s.employee_id[b.position[k] as usize]);
            d.u64(b.week_ending[k] as u64);
            for c in [
                &b.employee_pre_tax,
                &b.employee_roth,
                &b.employee_catch_up,
                &b.employer_match,
                &b.employer_core,
                &b.vested,
                &b.unvested,
                &b.ytd_employee,
                &b.ytd_employer,
            ] {
                d.u64(c[k] as u64);
            }
        }
    }
    assert!(rows > 5 * 52 * 2_500, "{rows} rows");
    assert_eq!(d.hex(), WEEKLY_BALANCES, "the weekly balances moved");
}

#[test]
fn the_default_database_keeps_its_tables() {
    let dir = common::tmp();
    let db = dir.path().join("default.duckdb");
    let config = common::valid(Config::default());
    simulate_to_database(
        &config,
        &common::synthetic(5_000, 42),
        &db,
        &common::options(2),
        &mut |_| {},
    )
    .unwrap();
    let got: Vec<(String, String)> = common::results(&db, dir.path())
        .into_iter()
        .map(|(table, bytes)| {
            assert!(bytes.len() > 100, "{table} exported");
            let mut d = Digest::default();
            d.bytes(&bytes);
            (table, d.hex())
        })
        .collect();
    let want: Vec<(String, String)> = DEFAULT_TABLES
        .iter()
        .map(|(t, d)| (t.to_string(), d.to_string()))
        .collect();
    assert_eq!(got, want, "a result table of the default database moved");
}

#[test]
fn the_default_parquet_output_keeps_the_tables() {
    let dir = common::tmp();
    let out = dir.path().join("parquet");
    let config = common::valid(Config::default());
    simulate_to(
        &config,
        &common::synthetic(5_000, 42),
        &Output::parquet(&out),
        &common::options(2),
        &mut |_| {},
    )
    .unwrap();
    let got: Vec<(String, String)> = common::results(&out.join("results.duckdb"), dir.path())
        .into_iter()
        .map(|(table, bytes)| {
            let mut d = Digest::default();
            d.bytes(&bytes);
            (table, d.hex())
        })
        .collect();
    let want: Vec<(String, String)> = DEFAULT_TABLES
        .iter()
        .map(|(t, d)| (t.to_string(), d.to_string()))
        .collect();
    assert_eq!(
        got, want,
        "the Parquet output's tables differ from the database's"
    );
}
