//! A crash while a year is being computed or written leaves the earlier years committed and
//! the run resumable; resuming produces exactly what an uninterrupted run produces. The crash
//! is the one users have: a `kill -9` of a `workforce-sim` process in the middle of a run.

use crate::common;
use workforce_sim::store::pipeline::RunError;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use workforce_sim::store::{census_fingerprint, RunHeader, Store};
use workforce_sim::year::RunOptions;
use workforce_sim::{resume_database, simulate_to_database, Error};

/// Starts `workforce-sim simulate ARGS --db DB` and kills it (SIGKILL) as soon as it reports
/// `committed` years, i.e. while it computes or writes the next one. Returns the years it
/// reported before the kill.
pub(crate) fn kill_after(db: &Path, args: &[&str], committed: usize) -> Vec<i32> {
    let mut all: Vec<&str> = args.to_vec();
    let db = db.to_str().unwrap();
    all.extend(["--db", db]);
    kill_with(&all, committed)
}

/// [`kill_after`] with the output given in `args` (e.g. `--format parquet --out DIR`).
pub(crate) fn kill_with(args: &[&str], committed: usize) -> Vec<i32> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_workforce-sim"))
        .arg("simulate")
        .args(args)
        .args(["--threads", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut seen = Vec::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.unwrap();
        // "year 2025 committed (1/5), 5045 active"
        if let Some(rest) = line.strip_prefix("year ") {
            if let Some((year, _)) = rest.split_once(" committed") {
                seen.push(year.parse().unwrap());
                if seen.len() == committed {
                    child.kill().unwrap(); // SIGKILL on Unix
                    break;
                }
            }
        }
    }
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the run finished before it could be killed ({seen:?})"
    );
    seen
}

fn same_results(dir: &Path, a: &Path, b: &Path) {
    let (da, db) = (dir.join("a"), dir.join("b"));
    std::fs::create_dir_all(&da).unwrap();
    std::fs::create_dir_all(&db).unwrap();
    let (x, y) = (common::results(a, &da), common::results(b, &db));
    for ((t, x), (_, y)) in x.iter().zip(&y) {
        assert!(
            x == y,
            "{t}: resumed run differs from the uninterrupted run"
        );
    }
}

#[test]
fn kill_9_mid_run_then_resume_equals_uninterrupted() {
    let dir = common::tmp();
    let args = ["--employees", "20000", "--end-year", "2029", "--seed", "42"];
    let crashed = dir.path().join("crashed.duckdb");
    let seen = kill_after(&crashed, &args, 1);
    assert_eq!(seen, vec![2025]);
    // The unfinished run is beside the file it will become, never in its place.
    let partial = workforce_sim::partial_path(&crashed);
    assert!(!crashed.exists() && partial.exists());

    // Only whole years survive: the last committed one and nothing after it.
    let last = common::query_i64(&partial, "SELECT last_committed_year FROM run_metadata");
    assert!(last >= 2025, "last committed year {last}");
    for table in [
        "events",
        "workforce_snapshot",
        "year_summary",
        "workforce_needs",
    ] {
        assert_eq!(
            common::query_i64(
                &partial,
                &format!("SELECT count(*) FROM {table} WHERE simulation_year > {last}")
            ),
            0,
            "{table} has rows of a year after the last committed one"
        );
        assert!(
            common::query_i64(
                &partial,
                &format!("SELECT count(*) FROM {table} WHERE simulation_year = {last}")
            ) > 0,
            "{table} lost the committed year {last}"
        );
    }

    let report =
        resume_database(&crashed, None, None, &RunOptions::default(), &mut |_| {}).unwrap();
    assert_eq!(report.resumed_after, Some(last as i32));
    assert!(
        crashed.exists() && !partial.exists(),
        "the completed run is renamed into place"
    );
    assert_eq!(
        report.years.first().map(|y| y.summary.year),
        Some(last as i32 + 1)
    );

    let full = dir.path().join("full.duckdb");
    let config = common::valid(common::config(2025, 2029, 42));
    simulate_to_database(
        &config,
        &common::synthetic(20_000, 42),
        &full,
        &RunOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    same_results(dir.path(), &full, &crashed);

    // A second resume has nothing to do.
    assert!(matches!(
        resume_database(&crashed, None, None, &RunOptions::default(), &mut |_| {}),
        Err(Error::Run(e)) if matches!(*e, RunError::Resume(_))
    ));
}

#[test]
fn a_run_that_died_before_its_first_year_resumes_from_the_census() {
    let dir = common::tmp();
    let config = common::valid(common::config(2025, 2026, 9));
    let census = common::synthetic(500, 9);
    let full = dir.path().join("full.duckdb");
    simulate_to_database(&config, &census, &full, &RunOptions::default(), &mut |_| {}).unwrap();

    // What a run leaves when it dies after its header and census and before its first
    // commit: written through the store as the run itself writes it.
    let crashed = dir.path().join("crashed.duckdb");
    let prepared = workforce_sim::prepare_census(&config, &census).unwrap();
    {
        let mut store = Store::open(&crashed).unwrap();
        store
            .begin_run(
                &RunHeader {
                    run_id: "died".into(),
                    engine: "native".into(),
                    config: config.clone(),
                    census_source: prepared.source.clone(),
                    census_fingerprint: census_fingerprint(&prepared.staged.rows),
                    baseline_headcount: prepared.staged.baseline.len() as u64,
                    threads: 1,
                    format: "duckdb",
                },
                &prepared.staged.rows,
            )
            .unwrap();
    }
    assert_eq!(
        common::query_i64(&crashed, "SELECT count(*) FROM events"),
        0
    );
    resume_database(
        &crashed,
        Some(&config),
        None,
        &RunOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    same_results(dir.path(), &full, &crashed);
}

#[test]
fn resume_rejects_a_different_configuration_and_extends_a_later_end_year() {
    let dir = common::tmp();
    let db = dir.path().join("r.duckdb");
    let seen = kill_after(
        &db,
        &["--employees", "20000", "--end-year", "2027", "--seed", "1"],
        1,
    );
    assert_eq!(seen, vec![2025]);
    let other = common::valid(common::config(2025, 2027, 2));
    let err =
        resume_database(&db, Some(&other), None, &RunOptions::default(), &mut |_| {}).unwrap_err();
    assert!(err.to_string().contains("configuration differs"), "{err}");
    // A later end year extends the run.
    let longer = common::valid(common::config(2025, 2028, 1));
    resume_database(
        &db,
        Some(&longer),
        None,
        &RunOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(
        common::query_i64(&db, "SELECT max(simulation_year) FROM year_summary"),
        2028
    );
    assert_eq!(
        common::query_i64(&db, "SELECT end_year FROM run_metadata"),
        2028
    );
}

#[test]
fn a_tampered_stored_configuration_is_an_error_not_a_panic() {
    let dir = common::tmp();
    let db = dir.path().join("t.duckdb");
    stopped_after_2025(
        &db,
        "config_json = replace(config_json, '\"total_termination_rate\":0.12', '\"total_termination_rate\":7.5')",
    );
    let err = resume_database(&db, None, None, &RunOptions::default(), &mut |_| {}).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("stored configuration does not validate")
            && text.contains("workforce.total_termination_rate"),
        "{text}"
    );
}

/// A run written by another build (its rules may differ) is not continued: the resume says
/// which build wrote it and writes nothing.
#[test]
fn a_run_of_another_build_is_not_resumed() {
    let dir = common::tmp();
    let db = dir.path().join("b.duckdb");
    stopped_after_2025(&db, "tool_version = '0.0.1+0123456789ab'");
    let before = std::fs::read(&db).unwrap();
    let err = resume_database(&db, None, None, &RunOptions::default(), &mut |_| {}).unwrap_err();
    assert!(
        err.to_string()
            .contains("was written by workforce-sim 0.0.1+0123456789ab"),
        "{err}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

/// Stopped after its last commit but before the rename that puts it in place: the resume
/// puts the completed run in place (it used to say "nothing to resume" and leave it aside),
/// over the previous result, for a DuckDB file and a Parquet folder.
#[test]
fn a_completed_run_left_beside_its_output_is_put_in_place_by_resume() {
    use workforce_sim::{resume_output, Output};
    let dir = common::tmp();
    for output in [
        Output::duckdb(dir.path().join("r.duckdb")),
        Output::parquet(dir.path().join("r_parquet")),
    ] {
        let config = common::valid(common::config(2025, 2026, 4));
        let run = |out: &Output| {
            workforce_sim::simulate_to(
                &config,
                &common::synthetic(300, 4),
                out,
                &RunOptions::default(),
                &mut |_| {},
            )
            .unwrap()
        };
        run(&output);
        // The new run, complete, where a rerun writes it: at PATH.partial.
        let aside = Output {
            path: dir.path().join("aside"),
            ..output.clone()
        };
        let new = run(&aside);
        let partial = workforce_sim::store::place::partial_path(&output.path);
        std::fs::rename(&aside.path, &partial).unwrap();
        let report =
            resume_output(&output, None, None, &RunOptions::default(), &mut |_| {}).unwrap();
        assert!(report.warnings.iter().any(|w| w.contains("now in place")));
        assert!(!partial.exists());
        let catalog = output.format.catalog(&output.path);
        assert_eq!(
            common::query_i64(
                &catalog,
                &format!(
                    "SELECT count(*) FROM run_metadata WHERE run_id = '{}' AND status = 'completed'",
                    new.run_id
                )
            ),
            1,
            "the completed run is the one in place"
        );
        assert_eq!(
            common::query_i64(&catalog, "SELECT max(simulation_year) FROM year_summary"),
            2026
        );
    }
}

/// A resume with the other format is refused before anything is read or written, and an
/// extended run is not "completed" until its new years are in.
#[test]
fn resume_with_the_other_format_writes_nothing_and_an_extension_runs_until_done() {
    use workforce_sim::{resume_output, Output};
    let dir = common::tmp();
    let config = common::valid(common::config(2025, 2026, 5));
    let db = Output::duckdb(dir.path().join("f.duckdb"));
    workforce_sim::simulate_to(
        &config,
        &common::synthetic(300, 5),
        &db,
        &RunOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    let before = std::fs::read(&db.path).unwrap();
    let as_parquet = Output::parquet(&db.path);
    let err = resume_output(&as_parquet, None, None, &RunOptions::default(), &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(err.contains("is a DuckDB file"), "{err}");
    assert_eq!(std::fs::read(&db.path).unwrap(), before);
    // Extending: the run is running while the new years are written, completed after.
    let longer = common::valid(common::config(2025, 2027, 5));
    let mut seen = Vec::new();
    resume_output(&db, Some(&longer), None, &RunOptions::default(), &mut |p| {
        seen.push(p.year)
    })
    .unwrap();
    assert_eq!(seen, vec![2027], "only the new year is run");
    assert_eq!(
        common::query_i64(
            &db.path,
            "SELECT count(*) FROM run_metadata WHERE status = 'completed' AND end_year = 2027"
        ),
        1
    );
}

/// A finished 2025-2026 run in `db` (which records the build that wrote it), set back to
/// "stopped after 2025" with `change` made to its metadata.
fn stopped_after_2025(db: &Path, change: &str) {
    let config = common::valid(common::config(2025, 2026, 3));
    simulate_to_database(
        &config,
        &common::synthetic(200, 3),
        db,
        &RunOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(
        common::query_i64(
            db,
            &format!(
                "SELECT count(*) FROM run_metadata WHERE tool_version = '{}'",
                workforce_sim::store::BUILD
            )
        ),
        1,
        "the run records the build that wrote it"
    );
    let conn = duckdb::Connection::open(db).unwrap();
    conn.execute_batch(&format!(
        "UPDATE run_metadata SET last_committed_year = 2025, status = 'running', {change}"
    ))
    .unwrap();
}
