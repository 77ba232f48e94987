//! The results store: the lean schema keeps every column users query (views named as the
//! wide tables, same columns, same types, the README's queries), and a rerun never destroys
//! the last good result (written beside it, refused over another run unless told, a
//! `kill -9` of the new run leaves the old one whole).

use crate::common;
use crate::util::TestCommand;
use workforce_sim::store::pipeline::RunError;

use std::path::Path;
use workforce_sim::year::RunOptions;
use workforce_sim::{partial_path, resume_database, simulate_to, Error, Output};

/// The wide tables as they were stored before the lean schema: the views must describe
/// exactly as these did (column names, order and types). Columns added since come last, so a
/// query written against the old tables still works: `workforce_snapshot.employer_match_balance`
/// (the match part of the employer balance, for forfeitures by source), and
/// `employee_roth_balance` / `employee_catch_up_balance` (the employee balance by
/// source, which the weekly balances open each year from).
const WIDE: &str = "
CREATE TABLE census (
    employee_id VARCHAR NOT NULL PRIMARY KEY, employee_ssn VARCHAR NOT NULL, employee_birth_date DATE NOT NULL,
    employee_hire_date DATE NOT NULL, employee_termination_date DATE, employee_gross_compensation DECIMAL(15,2) NOT NULL,
    active BOOLEAN, employee_deferral_rate DOUBLE, scheduled_hours_per_week DOUBLE, auto_escalation_opt_out BOOLEAN,
    eligibility_override BOOLEAN, days_active INTEGER NOT NULL, plan_year_compensation DECIMAL(15,2) NOT NULL,
    annualized_compensation DECIMAL(15,2) NOT NULL, eligibility_date DATE NOT NULL, current_eligibility_status VARCHAR NOT NULL,
    enrollment_date DATE, is_enrolled_at_census BOOLEAN NOT NULL, level_id INTEGER NOT NULL, current_age INTEGER NOT NULL,
    current_tenure INTEGER NOT NULL, in_baseline BOOLEAN NOT NULL, waiting_period_days INTEGER NOT NULL);
CREATE TABLE events (
    event_id UBIGINT NOT NULL, scenario_id VARCHAR NOT NULL, plan_design_id VARCHAR NOT NULL,
    employee_id VARCHAR NOT NULL, employee_ssn VARCHAR NOT NULL, event_type VARCHAR NOT NULL,
    simulation_year INTEGER NOT NULL, effective_date DATE NOT NULL, event_details VARCHAR,
    compensation_amount DECIMAL(15,2), previous_compensation DECIMAL(15,2), employee_deferral_rate DECIMAL(7,6),
    prev_employee_deferral_rate DECIMAL(7,6), employee_age INTEGER, employee_tenure INTEGER, level_id INTEGER,
    age_band VARCHAR, tenure_band VARCHAR, event_probability DOUBLE, event_category VARCHAR NOT NULL,
    event_sequence INTEGER NOT NULL, data_quality_flag VARCHAR NOT NULL);
CREATE TABLE workforce_snapshot (
    employee_id VARCHAR NOT NULL, employee_ssn VARCHAR NOT NULL, employee_birth_date DATE NOT NULL,
    employee_hire_date DATE NOT NULL, current_compensation DECIMAL(15,2) NOT NULL,
    prorated_annual_compensation DECIMAL(15,2) NOT NULL, full_year_equivalent_compensation DECIMAL(15,2) NOT NULL,
    current_age INTEGER NOT NULL, current_tenure INTEGER NOT NULL, level_id INTEGER NOT NULL, age_band VARCHAR NOT NULL,
    tenure_band VARCHAR NOT NULL, employment_status VARCHAR NOT NULL, termination_date DATE, termination_reason VARCHAR,
    detailed_status_code VARCHAR NOT NULL, simulation_year INTEGER NOT NULL, employee_eligibility_date DATE NOT NULL,
    waiting_period_days INTEGER NOT NULL, scheduled_hours_per_week DOUBLE, scenario_id VARCHAR NOT NULL,
    plan_design_id VARCHAR NOT NULL,
    current_eligibility_status VARCHAR NOT NULL, plan_ineligible BOOLEAN NOT NULL, plan_eligibility_date DATE,
    is_enrolled_flag BOOLEAN NOT NULL, employee_enrollment_date DATE, enrollment_method VARCHAR NOT NULL,
    ever_opted_out BOOLEAN NOT NULL, current_deferral_rate DECIMAL(7,6) NOT NULL, original_deferral_rate DECIMAL(7,6) NOT NULL,
    participation_status VARCHAR NOT NULL, participation_status_detail VARCHAR NOT NULL,
    first_enrollment_year INTEGER NOT NULL, last_rate_change_year INTEGER NOT NULL,
    total_deferral_escalations INTEGER NOT NULL, total_escalation_amount DECIMAL(7,6) NOT NULL, last_escalation_date DATE,
    auto_escalation_opt_out BOOLEAN NOT NULL, annual_hours_worked DOUBLE NOT NULL,
    contribution_deferral_rate DECIMAL(7,6) NOT NULL, total_contribution_base_compensation DECIMAL(15,2) NOT NULL,
    requested_contributions DECIMAL(15,2) NOT NULL, prorated_annual_contributions DECIMAL(15,2) NOT NULL,
    pre_tax_contributions DECIMAL(15,2) NOT NULL, roth_contributions DECIMAL(15,2) NOT NULL,
    capped_excess DECIMAL(15,2) NOT NULL, applied_irs_limit DECIMAL(15,2) NOT NULL, limit_type VARCHAR NOT NULL,
    irs_limit_reached BOOLEAN NOT NULL, match_eligibility VARCHAR NOT NULL, match_status VARCHAR NOT NULL,
    employer_match_amount DECIMAL(15,2) NOT NULL, core_eligibility VARCHAR NOT NULL,
    employer_core_amount DECIMAL(15,2) NOT NULL, total_employer_contributions DECIMAL(15,2) NOT NULL,
    employer_balance DECIMAL(15,2) NOT NULL, employee_balance DECIMAL(15,2) NOT NULL, vested_percentage DOUBLE NOT NULL,
    vested_balance DECIMAL(15,2) NOT NULL, forfeiture_amount DECIMAL(15,2) NOT NULL, is_hce BOOLEAN NOT NULL,
    employer_match_balance DECIMAL(15,2) NOT NULL, employee_roth_balance DECIMAL(15,2) NOT NULL,
    employee_catch_up_balance DECIMAL(15,2) NOT NULL);
";

fn describe(conn: &duckdb::Connection, relation: &str) -> Vec<(String, String)> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT column_name, column_type FROM (DESCRIBE {relation})"
        ))
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn run(config: &workforce_sim::ValidConfig, n: usize, output: &Output) -> Result<(), Error> {
    simulate_to(
        config,
        &common::synthetic(n, config.simulation.random_seed),
        output,
        &RunOptions::default(),
        &mut |_| {},
    )
    .map(|_| ())
}

#[test]
fn the_views_describe_as_the_wide_tables_did() {
    let dir = common::tmp();
    let db = dir.path().join("v.duckdb");
    run(
        &common::valid(common::config(2025, 2026, 5)),
        300,
        &Output::duckdb(&db),
    )
    .unwrap();
    let wide = duckdb::Connection::open_in_memory().unwrap();
    wide.execute_batch(WIDE).unwrap();
    let lean = duckdb::Connection::open(&db).unwrap();
    for relation in ["events", "workforce_snapshot", "census"] {
        assert_eq!(
            describe(&lean, relation),
            describe(&wide, relation),
            "{relation}: columns or types moved"
        );
    }
    // The stored tables are lean: ENUMs, no constant or derivable column.
    let stored = describe(&lean, "event_records");
    assert!(stored.contains(&("event_type".into(), stored_enum(&lean, "event_type_t"))));
    for gone in [
        "scenario_id",
        "age_band",
        "employee_ssn",
        "data_quality_flag",
    ] {
        assert!(
            stored.iter().all(|(c, _)| c != gone),
            "event_records still stores {gone}"
        );
    }
}

fn stored_enum(conn: &duckdb::Connection, name: &str) -> String {
    conn.query_row(
        &format!("SELECT column_type FROM (DESCRIBE SELECT NULL::{name} AS x)"),
        [],
        |r| r.get(0),
    )
    .unwrap()
}

/// The ```sql block of docs/outputs.md's "Querying the results", statement by statement.
fn readme_queries() -> Vec<String> {
    let readme = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("docs")
            .join("outputs.md"),
    )
    .unwrap();
    let start = readme.find("## Querying the results").unwrap();
    let block = &readme[start..];
    let sql = block.split("```sql").nth(1).unwrap();
    let sql = sql.split("```").next().unwrap();
    sql.split(';')
        .map(|s| {
            s.lines()
                .filter(|l| !l.trim_start().starts_with("--"))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .filter(|s| !s.trim().is_empty())
        .collect()
}

#[test]
fn the_documented_queries_answer_on_the_results_file() {
    let dir = common::tmp();
    let db = dir.path().join("simulation.duckdb");
    run(
        &common::valid(common::config(2025, 2027, 42)),
        1_000,
        &Output::duckdb(&db),
    )
    .unwrap();
    let queries = readme_queries();
    assert!(queries.len() >= 3, "{queries:?}");
    let conn = duckdb::Connection::open(&db).unwrap();
    for q in &queries {
        let mut stmt = conn.prepare(q).unwrap_or_else(|e| panic!("{q}: {e}"));
        let rows = stmt.query_map([], |_| Ok(())).unwrap().count();
        assert!(rows > 0, "no rows from the README query {q}");
    }
    // The headcount query's answer is the year summary's.
    let active: i64 = conn
        .query_row(
            "SELECT count(*) FILTER (employment_status = 'active') FROM workforce_snapshot WHERE simulation_year = 2027",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let summary: i64 = conn
        .query_row(
            "SELECT ending_headcount FROM year_summary WHERE simulation_year = 2027",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(active, summary);
}

#[test]
fn a_run_of_another_configuration_is_refused_unless_overwrite() {
    let dir = common::tmp();
    let db = dir.path().join("r.duckdb");
    let first = common::valid(common::config(2025, 2026, 1));
    run(&first, 300, &Output::duckdb(&db)).unwrap();

    let second = common::valid(common::config(2025, 2026, 2));
    let err = run(&second, 300, &Output::duckdb(&db)).unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(&err, Error::Run(e) if matches!(**e, RunError::Exists(_)))
            && err.is_output_exists(),
        "{text}"
    );
    // The library's message says what is there and names no flag (the CLI adds its own).
    assert!(
        text.contains("holds a completed run of seed 1") && !text.contains("--"),
        "{text}"
    );
    assert_eq!(
        common::query_i64(&db, "SELECT random_seed FROM run_metadata"),
        1
    );
    // Another census, same configuration: refused too.
    let err = run(&first, 301, &Output::duckdb(&db)).unwrap_err();
    assert!(err.to_string().contains("another census"), "{err}");

    // The same run again is simply rerun; --overwrite replaces.
    run(&first, 300, &Output::duckdb(&db)).unwrap();
    run(
        &second,
        300,
        &Output {
            overwrite: true,
            ..Output::duckdb(&db)
        },
    )
    .unwrap();
    assert_eq!(
        common::query_i64(&db, "SELECT random_seed FROM run_metadata"),
        2
    );
    assert!(!partial_path(&db).exists());
}

#[test]
fn a_file_that_is_not_a_results_database_is_not_replaced() {
    let dir = common::tmp();
    let db = dir.path().join("notes.duckdb");
    std::fs::write(&db, "my notes").unwrap();
    let config = common::valid(common::config(2025, 2025, 1));
    // Not a run: never replaced, whether or not an overwrite is asked for, and the error is
    // not the one an overwrite resolves.
    for overwrite in [false, true] {
        let err = run(
            &config,
            100,
            &Output {
                overwrite,
                ..Output::duckdb(&db)
            },
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("is not a results database of workforce-sim")
                && !err.is_output_exists(),
            "{err}"
        );
        assert_eq!(std::fs::read(&db).unwrap(), b"my notes");
    }
}

#[test]
fn kill_9_of_a_rerun_leaves_the_old_results_whole_and_readable() {
    let dir = common::tmp();
    let db = dir.path().join("kept.duckdb");
    run(
        &common::valid(common::config(2025, 2027, 3)),
        3_000,
        &Output::duckdb(&db),
    )
    .unwrap();
    let before_dir = dir.path().join("before");
    std::fs::create_dir_all(&before_dir).unwrap();
    let before = common::results(&db, &before_dir);

    // A bigger run of another seed over it, killed mid-year.
    let seen = crate::resume::kill_after(
        &db,
        &[
            "--employees",
            "50000",
            "--end-year",
            "2030",
            "--seed",
            "4",
            "--overwrite",
        ],
        1,
    );
    assert_eq!(seen, vec![2025]);
    let after_dir = dir.path().join("after");
    std::fs::create_dir_all(&after_dir).unwrap();
    let after = common::results(&db, &after_dir);
    assert!(before == after, "the old run's results changed");
    assert_eq!(
        common::query_i64(&db, "SELECT random_seed FROM run_metadata"),
        3
    );
    assert!(partial_path(&db).exists());

    // Resuming finishes the new run and only then replaces the old one.
    resume_database(&db, None, None, &RunOptions::default(), &mut |_| {}).unwrap();
    assert_eq!(
        common::query_i64(&db, "SELECT random_seed FROM run_metadata"),
        4
    );
    assert_eq!(
        common::query_i64(&db, "SELECT max(simulation_year) FROM year_summary"),
        2030
    );
    assert!(!partial_path(&db).exists());
}

#[test]
fn resume_flags_that_contradict_the_stored_run_are_errors() {
    let dir = common::tmp();
    let db = dir.path().join("c.duckdb");
    let seen = crate::resume::kill_after(
        &db,
        &["--employees", "20000", "--end-year", "2028", "--seed", "8"],
        1,
    );
    assert_eq!(seen, vec![2025]);
    let resume = |extra: &[&str]| {
        TestCommand::new()
            .args(["simulate", "--resume", "--db"])
            .arg(&db)
            .args(extra)
            .output()
    };
    for (flags, says) in [
        (&["--seed", "9"][..], "configuration differs"),
        (&["--employees", "19999"][..], "census given"),
        (&["--overwrite"][..], "cannot be used with"),
    ] {
        let out = resume(flags);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{flags:?} was accepted");
        assert!(stderr.contains(says), "{flags:?}: {stderr}");
    }
    // The run's own flags are accepted, and it completes.
    let out = resume(&["--employees", "20000", "--seed", "8", "--end-year", "2028"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        common::query_i64(&db, "SELECT max(simulation_year) FROM year_summary"),
        2028
    );
}

#[test]
fn parquet_output_is_hive_partitioned_and_readable_without_the_catalog() {
    let dir = common::tmp();
    let out = dir.path().join("pq");
    run(
        &common::valid(common::config(2025, 2027, 6)),
        500,
        &Output::parquet(&out),
    )
    .unwrap();
    for table in [
        "events",
        "workforce_snapshot",
        "workforce_needs",
        "year_summary",
    ] {
        for year in 2025..=2027 {
            let file = out
                .join(table)
                .join(format!("simulation_year={year}"))
                .join("part-0.parquet");
            assert!(file.exists(), "{} missing", file.display());
        }
    }
    assert!(out
        .join("employees/simulation_year=2024/part-0.parquet")
        .exists());
    assert!(!out.join(".staging").exists());
    // Any engine reads the files; DuckDB in memory stands for them here.
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let files: i64 = conn
        .query_row(
            &format!(
                "SELECT count(*) FROM read_parquet('{}/events/*/*.parquet', hive_partitioning = true)",
                out.display()
            ),
            [],
            |r| r.get(0),
        )
        .unwrap();
    let catalog = out.join("results.duckdb");
    assert_eq!(
        files,
        common::query_i64(&catalog, "SELECT count(*) FROM events")
    );
    assert_eq!(
        common::query_i64(
            &catalog,
            "SELECT count(DISTINCT simulation_year) FROM workforce_snapshot"
        ),
        3
    );
}

#[test]
fn kill_9_mid_parquet_rerun_keeps_the_old_output_and_resume_equals_uninterrupted() {
    let dir = common::tmp();
    let out = dir.path().join("pq");
    // A completed Parquet output is there first.
    run(
        &common::valid(common::config(2025, 2027, 3)),
        3_000,
        &Output::parquet(&out),
    )
    .unwrap();
    let catalog = out.join("results.duckdb");
    let old_dir = dir.path().join("old");
    std::fs::create_dir_all(&old_dir).unwrap();
    let old = common::results(&catalog, &old_dir);

    // Another run over it, killed mid-year: the old output stays whole and readable.
    let out_s = out.to_str().unwrap().to_string();
    let seen = crate::resume::kill_with(
        &[
            "--employees",
            "20000",
            "--end-year",
            "2029",
            "--seed",
            "42",
            "--format",
            "parquet",
            "--out",
            &out_s,
            "--overwrite",
        ],
        1,
    );
    assert_eq!(seen, vec![2025]);
    let partial = partial_path(&out);
    assert!(partial.join("results.duckdb").exists());
    let kept_dir = dir.path().join("kept");
    std::fs::create_dir_all(&kept_dir).unwrap();
    assert!(
        common::results(&catalog, &kept_dir) == old,
        "the old output changed"
    );

    // Resume finishes the new run, then replaces the old output with it.
    let report = workforce_sim::resume_output(
        &Output::parquet(&out),
        None,
        None,
        &RunOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    assert!(report.resumed_after >= Some(2025));
    assert!(!partial.exists());
    let full = dir.path().join("full.duckdb");
    run(
        &common::valid(common::config(2025, 2029, 42)),
        20_000,
        &Output::duckdb(&full),
    )
    .unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    let (x, y) = (common::results(&full, &a), common::results(&catalog, &b));
    for ((t, x), (_, y)) in x.iter().zip(&y) {
        assert!(
            x == y,
            "{t}: the resumed Parquet run differs from the uninterrupted run"
        );
    }
}
