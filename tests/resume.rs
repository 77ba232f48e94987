//! A crash while writing a year leaves the earlier years committed and the run resumable;
//! resuming produces exactly what an uninterrupted run produces.

mod common;

use workforce_sim::orchestrator::RunOptions;
use workforce_sim::{resume_database, simulate_to_database, SimulationError};

#[test]
fn crash_in_year_3_then_resume_equals_uninterrupted() {
    let dir = common::tmp();
    let config = common::config(2025, 2029, 42);
    let census = common::synthetic(2_000, 42);

    let full = dir.path().join("full.duckdb");
    simulate_to_database(&config, &census, &full, &RunOptions::default(), &mut |_| {}).unwrap();

    let crashed = dir.path().join("crashed.duckdb");
    let failing = RunOptions {
        fail_before_commit_of: Some(2027),
        ..Default::default()
    };
    let err = simulate_to_database(&config, &census, &crashed, &failing, &mut |_| {}).unwrap_err();
    assert!(
        matches!(err, SimulationError::InjectedFailure { year: 2027 }),
        "{err}"
    );
    // Only whole years survive the crash: 2025 and 2026, nothing of 2027.
    assert_eq!(
        common::query_i64(&crashed, "SELECT max(simulation_year) FROM year_summary"),
        2026
    );
    assert_eq!(
        common::query_i64(
            &crashed,
            "SELECT count(*) FROM events WHERE simulation_year = 2027"
        ),
        0
    );
    assert_eq!(
        common::query_i64(
            &crashed,
            "SELECT count(*) FROM workforce_snapshot WHERE simulation_year = 2027"
        ),
        0
    );
    assert_eq!(
        common::query_i64(&crashed, "SELECT last_committed_year FROM run_metadata"),
        2026
    );

    let report = resume_database(&crashed, None, &RunOptions::default(), &mut |_| {}).unwrap();
    assert_eq!(report.resumed_after, Some(2026));
    assert_eq!(
        report
            .years
            .iter()
            .map(|y| y.summary.year)
            .collect::<Vec<_>>(),
        vec![2027, 2028, 2029]
    );

    let a = common::results(&full, &dir.path().join("a").tap_mkdir());
    let b = common::results(&crashed, &dir.path().join("b").tap_mkdir());
    for ((t, x), (_, y)) in a.iter().zip(&b) {
        assert!(
            x == y,
            "{t}: resumed run differs from the uninterrupted run"
        );
    }
    // A second resume has nothing to do.
    assert!(matches!(
        resume_database(&crashed, None, &RunOptions::default(), &mut |_| {}),
        Err(SimulationError::Resume(_))
    ));
}

#[test]
fn crash_in_the_first_year_resumes_from_the_census() {
    let dir = common::tmp();
    let config = common::config(2025, 2026, 9);
    let census = common::synthetic(500, 9);
    let full = dir.path().join("full.duckdb");
    simulate_to_database(&config, &census, &full, &RunOptions::default(), &mut |_| {}).unwrap();
    let crashed = dir.path().join("crashed.duckdb");
    let failing = RunOptions {
        fail_before_commit_of: Some(2025),
        ..Default::default()
    };
    assert!(simulate_to_database(&config, &census, &crashed, &failing, &mut |_| {}).is_err());
    assert_eq!(
        common::query_i64(&crashed, "SELECT count(*) FROM events"),
        0
    );
    resume_database(&crashed, Some(&config), &RunOptions::default(), &mut |_| {}).unwrap();
    let a = common::results(&full, &dir.path().join("a").tap_mkdir());
    let b = common::results(&crashed, &dir.path().join("b").tap_mkdir());
    assert_eq!(a, b);
}

#[test]
fn resume_rejects_a_different_configuration() {
    let dir = common::tmp();
    let config = common::config(2025, 2026, 1);
    let db = dir.path().join("r.duckdb");
    let failing = RunOptions {
        fail_before_commit_of: Some(2026),
        ..Default::default()
    };
    assert!(simulate_to_database(
        &config,
        &common::synthetic(300, 1),
        &db,
        &failing,
        &mut |_| {}
    )
    .is_err());
    let other = common::config(2025, 2026, 2);
    let err = resume_database(&db, Some(&other), &RunOptions::default(), &mut |_| {}).unwrap_err();
    assert!(err.to_string().contains("configuration differs"), "{err}");
    // A later end year extends the run.
    let longer = common::config(2025, 2027, 1);
    let report = resume_database(&db, Some(&longer), &RunOptions::default(), &mut |_| {}).unwrap();
    assert_eq!(report.years.len(), 2);
    assert_eq!(
        common::query_i64(&db, "SELECT max(simulation_year) FROM year_summary"),
        2027
    );
}

trait TapMkdir {
    fn tap_mkdir(self) -> Self;
}

impl TapMkdir for std::path::PathBuf {
    fn tap_mkdir(self) -> Self {
        std::fs::create_dir_all(&self).unwrap();
        self
    }
}
