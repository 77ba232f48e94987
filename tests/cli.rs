//! The command line as a user runs it from the README.

use crate::common;
use crate::util::TestCommand;

#[test]
fn simulate_writes_a_queryable_database_and_a_report() {
    let dir = common::tmp();
    let db = dir.path().join("out.duckdb");
    let table = TestCommand::new()
        .args([
            "simulate",
            "--employees",
            "1000",
            "--end-year",
            "2027",
            "--db",
        ])
        .arg(&db)
        .stdout();
    assert!(
        table.contains("2025") && table.contains("2027") && table.contains("event_generation"),
        "{table}"
    );
    assert_eq!(
        common::query_i64(
            &db,
            "SELECT count(DISTINCT simulation_year) FROM workforce_snapshot"
        ),
        3
    );
    assert_eq!(
        common::query_i64(
            &db,
            "SELECT count(*) FROM run_metadata WHERE status = 'completed'"
        ),
        1
    );
    assert!(common::query_i64(&db, "SELECT count(*) FROM events WHERE event_type = 'hire'") > 0);
}

#[test]
fn json_report_and_census_round_trip_through_csv_and_parquet() {
    let dir = common::tmp();
    for ext in ["csv", "parquet"] {
        let census = dir.path().join(format!("census.{ext}"));
        TestCommand::new()
            .args(["census", "generate", "--employees", "400", "--out"])
            .arg(&census)
            .stdout();
        let db = dir.path().join(format!("{ext}.duckdb"));
        let out = TestCommand::new()
            .args(["simulate", "--json", "--end-year", "2026", "--census"])
            .arg(&census)
            .arg("--db")
            .arg(&db)
            .stdout();
        let report: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(report["years"].as_array().unwrap().len(), 2);
        assert_eq!(report["census_rows"], 400);
    }
    // A census file that is there is not replaced without --overwrite.
    let census = dir.path().join("census.csv");
    let before = std::fs::read(&census).unwrap();
    let err = TestCommand::new()
        .args(["census", "generate", "--employees", "10", "--out"])
        .arg(&census)
        .fails();
    assert!(err.contains("exists; pass --overwrite"), "{err}");
    assert_eq!(std::fs::read(&census).unwrap(), before);
    // The same census through CSV and Parquet gives the same events.
    let a = common::export(
        &dir.path().join("csv.duckdb"),
        "events",
        "event_id",
        &dir.path().join("a.csv"),
    );
    let b = common::export(
        &dir.path().join("parquet.duckdb"),
        "events",
        "event_id",
        &dir.path().join("b.csv"),
    );
    assert_eq!(a, b);
}

#[test]
fn bad_census_exits_non_zero_with_the_location() {
    let dir = common::tmp();
    let census = dir.path().join("bad.csv");
    std::fs::write(&census, "employee_id,employee_ssn,employee_birth_date,employee_hire_date,employee_gross_compensation\nE1,S1,1980-01-01,2010-01-01,-3\n").unwrap();
    let db = dir.path().join("x.duckdb");
    let err = TestCommand::new()
        .args(["simulate", "--census"])
        .arg(&census)
        .arg("--db")
        .arg(&db)
        .fails();
    assert!(
        err.contains("line 2, column employee_gross_compensation"),
        "{err}"
    );
    assert!(!db.exists());
}

#[test]
fn kill_9_then_resume_from_the_cli() {
    let dir = common::tmp();
    let db = dir.path().join("r.duckdb");
    let seen = crate::resume::kill_after(&db, &["--employees", "20000"], 2);
    assert_eq!(seen, vec![2025, 2026]);
    TestCommand::new()
        .args(["simulate", "--resume", "--db"])
        .arg(&db)
        .stdout();
    assert_eq!(
        common::query_i64(&db, "SELECT max(simulation_year) FROM year_summary"),
        2029
    );
}

#[test]
fn bad_config_exits_non_zero_naming_the_key() {
    let dir = common::tmp();
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "[workforce]\nnew_hire_termination_rate = 2\n").unwrap();
    let err = TestCommand::new()
        .args(["simulate", "--employees", "10", "--config"])
        .arg(&cfg)
        .arg("--db")
        .arg(dir.path().join("x.duckdb"))
        .fails();
    assert!(err.contains("workforce.new_hire_termination_rate"), "{err}");
}
