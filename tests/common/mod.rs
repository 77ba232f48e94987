#![allow(dead_code)]
//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use workforce_sim::{
    CensusInput, Config, GeneratorParams, PreparedCensus, RunOptions, ValidConfig,
};

pub fn synthetic(n: usize, seed: u64) -> CensusInput {
    CensusInput::Synthetic(GeneratorParams::new(n, 2024, seed))
}

/// A configuration the tests know to be valid, validated.
pub fn valid(config: Config) -> ValidConfig {
    config
        .validate()
        .unwrap_or_else(|e| panic!("test configuration: {e}"))
}

pub fn prepared(config: &ValidConfig, n: usize) -> PreparedCensus {
    workforce_sim::prepare_census(config, &synthetic(n, config.simulation.random_seed)).unwrap()
}

pub fn config(start: i32, end: i32, seed: u64) -> Config {
    let mut c = Config::default();
    c.simulation.start_year = start;
    c.simulation.end_year = end;
    c.simulation.random_seed = seed;
    c
}

pub fn options(threads: usize) -> RunOptions {
    RunOptions {
        threads,
        ..Default::default()
    }
}

/// Exports a table ordered by `order_by` as CSV bytes (a byte-level comparison of results).
pub fn export(db: &Path, table: &str, order_by: &str, out: &Path) -> Vec<u8> {
    let conn = duckdb::Connection::open(db).unwrap();
    conn.execute_batch(&format!(
        "COPY (SELECT * FROM {table} ORDER BY {order_by}) TO '{}' (HEADER, DELIMITER ',')",
        out.display()
    ))
    .unwrap();
    std::fs::read(out).unwrap()
}

/// The result tables of a database as bytes: events, snapshot, needs, summary, census.
pub fn results(db: &Path, dir: &Path) -> Vec<(String, Vec<u8>)> {
    [
        ("events", "event_id"),
        ("plan_ledger", "event_id"),
        ("workforce_snapshot", "simulation_year, employee_id"),
        ("workforce_needs", "simulation_year"),
        ("year_summary", "simulation_year"),
        ("employer_cost_by_cohort", "simulation_year, hire_cohort"),
        ("compliance_tests", "simulation_year, test"),
        ("census", "employee_id"),
    ]
    .iter()
    .map(|(t, o)| {
        (
            t.to_string(),
            export(db, t, o, &dir.join(format!("{t}.csv"))),
        )
    })
    .collect()
}

pub fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

pub fn db_in(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

pub fn query_i64(db: &Path, sql: &str) -> i64 {
    let conn = duckdb::Connection::open(db).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Year `k` of an in-memory run as the store's encoders take it (no stage timings).
pub fn year_tables(
    run: &workforce_sim::InMemoryRun,
    k: usize,
) -> workforce_sim::store::YearTables<'_> {
    let (foundation, events, snapshot) = &run.years[k];
    workforce_sim::store::YearTables {
        foundation,
        events,
        snapshot,
        plan_ledger: &run.plan_ledgers[k],
        balances: &run.balances[k],
        compliance_tests: &run.report.years[k].compliance_tests,
        summary: &run.report.years[k].summary,
        timings: &[],
    }
}
