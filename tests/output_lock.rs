//! One writer per output: while a run writes an output, a second run, a resume or a batch on
//! the same path fails at once naming the process, and leaves the first run's work alone;
//! the first completes as if alone.

use crate::common;
use crate::util::TestCommand;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn a_second_writer_of_an_output_fails_at_once_and_the_first_completes() {
    let dir = common::tmp();
    let db = dir.path().join("busy.duckdb");
    let mut first = Command::new(env!("CARGO_BIN_EXE_workforce-sim"))
        .args(["simulate", "--employees", "20000", "--threads", "1", "--db"])
        .arg(&db)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = first.id();
    let mut lines = BufReader::new(first.stderr.take().unwrap()).lines();
    // Wait until the first run has committed a year: it is mid-run and holds the output.
    for line in lines.by_ref() {
        if line.unwrap().contains("committed") {
            break;
        }
    }
    let partial = dir.path().join("busy.duckdb.partial");
    assert!(partial.exists(), "the first run writes beside its output");
    for args in [
        vec!["simulate", "--employees", "100", "--overwrite"],
        vec!["simulate", "--resume"],
    ] {
        let err = TestCommand::new().args(&args).arg("--db").arg(&db).fails();
        assert!(
            err.contains(&format!("is in use by process {pid}")),
            "{args:?}: {err}"
        );
        assert!(
            partial.exists(),
            "{args:?} touched the first run's partial file"
        );
    }
    // The first run is undisturbed: it completes every year and puts its result in place.
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    assert!(first.wait().unwrap().success(), "{rest:?}");
    assert!(!partial.exists() && !dir.path().join("busy.duckdb.lock").exists());
    assert_eq!(
        common::query_i64(
            &db,
            "SELECT count(DISTINCT simulation_year) FROM year_summary"
        ),
        5
    );
    // Released: the next writer proceeds.
    TestCommand::new()
        .args(["simulate", "--employees", "20000", "--db"])
        .arg(&db)
        .stdout();
}

/// A results database open for writing in another program (a notebook, the DuckDB shell)
/// is reported as in use by that process, not as "not a results database" (which invited
/// an overwrite), and is left alone.
#[test]
fn a_database_another_program_holds_is_in_use_not_foreign() {
    let dir = common::tmp();
    let db = dir.path().join("held.duckdb");
    TestCommand::new()
        .args([
            "simulate",
            "--employees",
            "200",
            "--end-year",
            "2025",
            "--db",
        ])
        .arg(&db)
        .stdout();
    let held = duckdb::Connection::open(&db).unwrap();
    for extra in [&[][..], &["--overwrite"][..]] {
        let err = TestCommand::new()
            .args(["simulate", "--employees", "300", "--end-year", "2025"])
            .args(extra)
            .arg("--db")
            .arg(&db)
            .fails();
        assert!(
            err.contains(&format!("in use by process {}", std::process::id())),
            "{extra:?}: {err}"
        );
    }
    drop(held);
    assert_eq!(
        common::query_i64(&db, "SELECT census_rows FROM run_metadata"),
        200
    );
}
