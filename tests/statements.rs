//! The number of SQL statements (and bulk appends) per simulated year does not grow with the
//! number of employees.

use crate::common;

use workforce_sim::{simulate_to_database, RunOptions};

/// `(statements, appends)` of an n × years run, audited: DuckDB's own query log must have
/// recorded exactly the statements the store's executor counted, so a statement that
/// bypassed the executor would fail every test here.
fn per_year(n: usize, years: i32) -> (u64, u64) {
    let dir = common::tmp();
    let config = common::valid(common::config(2025, 2024 + years, 42));
    let db = dir.path().join("s.duckdb");
    let options = RunOptions {
        threads: 1,
        audit_statements: true,
        ..Default::default()
    };
    let r = simulate_to_database(
        &config,
        &common::synthetic(n, 42),
        &db,
        &options,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(
        r.statements.audited,
        Some(r.statements.sql),
        "DuckDB ran a different number of statements than the store counted"
    );
    (r.statements.sql, r.statements.appends)
}

#[test]
fn statements_per_year_are_independent_of_headcount() {
    let (small_1, small_app_1) = per_year(1_000, 1);
    let (small_3, small_app_3) = per_year(1_000, 3);
    let (large_3, large_app_3) = per_year(10_000, 3);
    assert_eq!(
        small_3, large_3,
        "SQL statements for 3 years: 1k vs 10k employees"
    );
    assert_eq!(
        small_app_3, large_app_3,
        "bulk appends for 3 years: 1k vs 10k employees"
    );
    let per_year_sql = (small_3 - small_1) / 2;
    assert!(
        per_year_sql > 0 && per_year_sql <= 16,
        "{per_year_sql} statements per year"
    );
    assert_eq!(
        (small_app_3 - small_app_1) / 2,
        9,
        "events, plan ledger, snapshot, new employees, needs, summary, cost by cohort, compliance tests and timings: one append each per year"
    );
}

/// The per-table write record (issue 31's measurement of where the write goes) counts every
/// append and every row the database holds.
#[test]
fn the_write_is_recorded_per_table() {
    let dir = common::tmp();
    let config = common::valid(common::config(2025, 2027, 42));
    let db = dir.path().join("t.duckdb");
    let r = simulate_to_database(
        &config,
        &common::synthetic(500, 42),
        &db,
        &RunOptions {
            threads: 1,
            ..Default::default()
        },
        &mut |_| {},
    )
    .unwrap();
    let tables = &r.statements.tables;
    assert_eq!(
        tables.iter().map(|t| t.appends).sum::<u64>(),
        r.statements.appends
    );
    for name in [
        "plan_ledger_records",
        "event_records",
        "snapshot_records",
        "employees",
    ] {
        let t = tables.iter().find(|t| t.table == name).unwrap();
        assert_eq!(
            t.rows as i64,
            common::query_i64(&db, &format!("SELECT count(*) FROM {name}")),
            "{name}"
        );
        assert!(t.arrow_bytes > 0 && t.seconds > 0.0, "{t:?}");
    }
}
