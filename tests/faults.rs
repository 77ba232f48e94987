//! Fault injection: each publication step of simulate, resume, batch, merge and the Parquet
//! outputs is made to abort the process there (`WORKFORCE_SIM_FAULT=STEP`, what a `kill -9`
//! at that moment leaves), and the output is then checked: the previous result is whole and
//! current, or the new one is, never a mix; and the next command on the path finishes or
//! clears what was left. The README's fault table lists these steps.

use crate::common;
use crate::util::TestCommand;

use std::path::{Path, PathBuf};
use workforce_sim::batch::{charts_dir, detail_dir};

/// Runs the command with the fault point `step` armed: it must die there (by a signal, not
/// an error exit), saying so.
fn dies_at(cmd: &mut TestCommand, step: &str) {
    let out = cmd.env("WORKFORCE_SIM_FAULT", step).output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.code().is_none() && stderr.contains(&format!("fault point {step}")),
        "did not abort at {step}: {} {stderr}",
        out.status
    );
}

fn simulate(out: &Path, seed: u64, parquet: bool) -> TestCommand {
    let mut c = TestCommand::new();
    c.args(["simulate", "--employees", "300", "--end-year", "2026"])
        .args(["--threads", "1", "--seed", &seed.to_string(), "--overwrite"]);
    if parquet {
        c.args(["--format", "parquet", "--out"]).arg(out);
    } else {
        c.arg("--db").arg(out);
    }
    c
}

/// A run's tables as bytes, through DuckDB (a Parquet output: its catalog's views).
fn tables(db: &Path, scratch: &Path) -> Vec<(String, Vec<u8>)> {
    std::fs::create_dir_all(scratch).unwrap();
    common::results(db, scratch)
}

#[test]
fn a_run_killed_before_its_rename_leaves_the_old_run_current_and_resume_publishes_it() {
    let dir = common::tmp();
    let db = dir.path().join("r.duckdb");
    simulate(&db, 1, false).succeeds();
    let old = tables(&db, &dir.path().join("old"));
    dies_at(&mut simulate(&db, 2, false), "run:before-publish");
    assert!(
        tables(&db, &dir.path().join("after")) == old,
        "the old run changed"
    );
    TestCommand::new()
        .args(["simulate", "--resume", "--db"])
        .arg(&db)
        .succeeds();
    let fresh = dir.path().join("fresh.duckdb");
    simulate(&fresh, 2, false).succeeds();
    assert!(
        tables(&db, &dir.path().join("new")) == tables(&fresh, &dir.path().join("fresh")),
        "the published run is not the new one"
    );
}

#[test]
fn a_parquet_rerun_killed_at_each_step_leaves_one_whole_output() {
    let dir = common::tmp();
    let fresh = dir.path().join("fresh");
    simulate(&fresh, 2, true).succeeds();
    let new = tables(&fresh.join("results.duckdb"), &dir.path().join("n"));
    // Before the swap the old output is current; after it, the new one (its views made by
    // the next command on the path when the crash came before them).
    for (k, (step, old_stays)) in [
        ("run:before-publish", true),
        ("replace-dir:staged", true),
        ("replace-dir:swapped", false),
        ("run:before-views", false),
    ]
    .into_iter()
    .enumerate()
    {
        let out = dir.path().join(format!("pq{k}"));
        simulate(&out, 1, true).succeeds();
        let old = tables(
            &out.join("results.duckdb"),
            &dir.path().join(format!("o{k}")),
        );
        dies_at(&mut simulate(&out, 2, true), step);
        if old_stays {
            let now = tables(
                &out.join("results.duckdb"),
                &dir.path().join(format!("a{k}")),
            );
            assert!(now == old, "{step}: the old output changed");
        }
        // The next command on the path: `--resume` puts an unfinished new run in place, or
        // makes the views of the new output; where the new run was staged and not swapped
        // in, it was never current and is gone (`--resume` has nothing to do), and a rerun
        // makes it again.
        let resume = TestCommand::new()
            .args(["simulate", "--resume", "--format", "parquet", "--out"])
            .arg(&out)
            .output();
        if step == "replace-dir:staged" {
            assert!(!resume.status.success());
            simulate(&out, 2, true).succeeds();
        } else {
            // In place already: `--resume` made its views and says there is nothing to do.
            let said = String::from_utf8_lossy(&resume.stderr);
            assert!(
                resume.status.success() || said.contains("nothing to resume"),
                "{step}: {said}"
            );
        }
        let now = tables(
            &out.join("results.duckdb"),
            &dir.path().join(format!("r{k}")),
        );
        assert!(
            now == new,
            "{step}: after --resume the output is not the new run"
        );
        for spare in [".partial", ".next", ".replaced"] {
            let p = workforce_sim::place::beside(&out, spare);
            assert!(!p.exists(), "{step}: {} left", p.display());
        }
    }
}

const BATCH: &str = r#"
[batch]
employees = 200
detail = "first_seed"
seeds = [SEEDS]

[[scenario]]
id = "base"
label = "Base"
[scenario.overlay.simulation]
end_year = 2026
"#;

/// The batch at `db` is whole: its database names one generation, whose charts (a whole
/// batch) and runs kept in full are all there as its manifest lists them, and the seeds it
/// holds. Returns the seeds.
fn whole_batch(db: &Path, charts: bool) -> Vec<i64> {
    whole_output(db, db, charts)
}

/// [`whole_batch`] of the batch output `output` whose catalog is `catalog` (a Parquet
/// batch: `DIR/batch.duckdb`, its runs and charts beside `DIR`).
fn whole_output(catalog: &Path, db: &Path, charts: bool) -> Vec<i64> {
    let conn = duckdb::Connection::open(catalog).unwrap();
    let generation: i64 = conn
        .query_row("SELECT generation FROM batch_metadata", [], |r| r.get(0))
        .unwrap();
    let runs = detail_dir(db).join(generation.to_string());
    let mut stmt = conn
        .prepare("SELECT seed, detail_database FROM batch_runs ORDER BY seed")
        .unwrap();
    let rows: Vec<(i64, Option<String>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (_, d) in &rows {
        if let Some(d) = d {
            let d = PathBuf::from(d);
            assert_eq!(d.parent(), Some(runs.as_path()), "{}", d.display());
            assert!(d.is_file(), "{} is missing", d.display());
        }
    }
    let mut sealed = vec![runs];
    if charts {
        sealed.push(charts_dir(db).join(generation.to_string()));
    }
    for folder in sealed {
        let m: workforce_sim::batch::generation::Manifest =
            serde_json::from_str(&std::fs::read_to_string(folder.join("manifest.json")).unwrap())
                .unwrap();
        assert!(!m.files.is_empty());
        for f in &m.files {
            let len = std::fs::metadata(folder.join(&f.name)).unwrap().len();
            assert_eq!(len, f.bytes, "{}", f.name);
        }
    }
    rows.iter().map(|r| r.0).collect()
}

fn batch_file(dir: &Path, name: &str, seeds: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, BATCH.replace("SEEDS", seeds)).unwrap();
    path
}

fn batch(file: &Path, db: &Path) -> TestCommand {
    let mut c = TestCommand::new();
    c.arg("batch")
        .arg(file)
        .arg("--db")
        .arg(db)
        .args(["--threads", "1", "--overwrite"]);
    c
}

#[test]
fn a_batch_killed_at_each_publication_step_is_the_old_batch_or_the_new_never_a_mix() {
    let dir = common::tmp();
    let (first, second) = (
        batch_file(dir.path(), "a.toml", "1, 2"),
        batch_file(dir.path(), "b.toml", "5, 6, 7"),
    );
    for (k, (step, old_stays)) in [
        ("batch:sealed", true),
        ("batch:database-written", true),
        ("batch:published", false),
        ("batch:cleaned", false),
    ]
    .into_iter()
    .enumerate()
    {
        let db = dir.path().join(format!("b{k}.duckdb"));
        batch(&first, &db).succeeds();
        assert_eq!(whole_batch(&db, true), vec![1, 2]);
        dies_at(&mut batch(&second, &db), step);
        let want = if old_stays { vec![1, 2] } else { vec![5, 6, 7] };
        assert_eq!(whole_batch(&db, true), want, "{step}");
        // The next batch on the path publishes and clears every other generation.
        batch(&second, &db).succeeds();
        assert_eq!(whole_batch(&db, true), vec![5, 6, 7], "{step}");
        for folder in [detail_dir(&db), charts_dir(&db)] {
            let left: Vec<_> = std::fs::read_dir(&folder)
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(left.len(), 1, "{step}: {left:?} in {}", folder.display());
        }
    }
}

#[test]
fn a_merge_killed_before_or_after_its_rename_is_the_old_batch_or_the_new() {
    let dir = common::tmp();
    let file = batch_file(dir.path(), "a.toml", "1, 2, 3");
    let parts: Vec<PathBuf> = (1..=2)
        .map(|i| {
            let p = dir.path().join(format!("part{i}.duckdb"));
            batch(&file, &p)
                .args(["--shard", &format!("{i}/2")])
                .succeeds();
            p
        })
        .collect();
    let old_file = batch_file(dir.path(), "old.toml", "9");
    for (k, (step, old_stays)) in [("batch:sealed", true), ("batch:published", false)]
        .into_iter()
        .enumerate()
    {
        let db = dir.path().join(format!("m{k}.duckdb"));
        batch(&old_file, &db).succeeds();
        let mut merge = TestCommand::new();
        merge
            .args(["batch", "merge"])
            .args(&parts)
            .arg("--db")
            .arg(&db)
            .arg("--overwrite");
        dies_at(&mut merge, step);
        let want = if old_stays { vec![9] } else { vec![1, 2, 3] };
        assert_eq!(whole_batch(&db, true), want, "{step}");
    }
}

#[test]
fn a_parquet_batch_killed_around_its_swap_is_the_old_batch_or_the_new() {
    let dir = common::tmp();
    let (first, second) = (
        batch_file(dir.path(), "a.toml", "1, 2"),
        batch_file(dir.path(), "b.toml", "5, 6, 7"),
    );
    for (k, (step, old_stays)) in [("replace-dir:staged", true), ("replace-dir:swapped", false)]
        .into_iter()
        .enumerate()
    {
        let out = dir.path().join(format!("pq{k}"));
        let run = |file: &Path| {
            let mut c = TestCommand::new();
            c.arg("batch")
                .arg(file)
                .args(["--format", "parquet", "--out"])
                .arg(&out)
                .args(["--threads", "1", "--overwrite"]);
            c
        };
        run(&first).succeeds();
        dies_at(&mut run(&second), step);
        let catalog = out.join("batch.duckdb");
        let conn = duckdb::Connection::open(&catalog).unwrap();
        let runs: i64 = conn
            .query_row("SELECT runs FROM batch_metadata", [], |r| r.get(0))
            .unwrap();
        drop(conn);
        // The folder current is the old batch's or the new one's, whole (its views, which
        // name files by their final path, are written after the swap).
        assert_eq!(runs, if old_stays { 2 } else { 3 }, "{step}");
        if old_stays {
            assert_eq!(whole_output(&catalog, &out, true), vec![1, 2], "{step}");
        }
        run(&second).succeeds();
        assert_eq!(whole_output(&catalog, &out, true), vec![5, 6, 7]);
        assert!(!workforce_sim::place::beside(&out, ".next").exists());
    }
}

#[test]
fn an_extension_killed_before_its_first_new_year_leaves_the_completed_run_as_it_was() {
    let dir = common::tmp();
    for parquet in [false, true] {
        let out = dir.path().join(if parquet { "pq" } else { "r.duckdb" });
        simulate(&out, 1, parquet).succeeds();
        let catalog = if parquet {
            out.join("results.duckdb")
        } else {
            out.clone()
        };
        let meta = || {
            let conn = duckdb::Connection::open(&catalog).unwrap();
            conn.query_row(
                "SELECT end_year, status, config_fingerprint, last_committed_year FROM run_metadata",
                [],
                |r| {
                    Ok((
                        r.get::<_, i32>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i32>(3)?,
                    ))
                },
            )
            .unwrap()
        };
        let before = meta();
        assert_eq!((before.0, before.1.as_str()), (2026, "completed"));
        let mut extend = TestCommand::new();
        extend.args(["simulate", "--resume", "--end-year", "2028", "--seed", "1"]);
        if parquet {
            extend.args(["--format", "parquet", "--out"]).arg(&out);
        } else {
            extend.arg("--db").arg(&out);
        }
        dies_at(&mut extend, "year:before-commit");
        assert_eq!(meta(), before, "parquet {parquet}: the stored run changed");
        // Extended for real, it is running until its new years are in, then completed.
        let mut extend = TestCommand::new();
        extend.args(["simulate", "--resume", "--end-year", "2028", "--seed", "1"]);
        if parquet {
            extend.args(["--format", "parquet", "--out"]).arg(&out);
        } else {
            extend.arg("--db").arg(&out);
        }
        extend.succeeds();
        let after = meta();
        assert_eq!(
            (after.0, after.1.as_str(), after.3),
            (2028, "completed", 2028)
        );
        assert_ne!(after.2, before.2);
    }
}
