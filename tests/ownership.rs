//! The tool replaces or removes only what it wrote: a file the user keeps in an output, an
//! unrelated folder or file given as the output, or the user's own `PATH.partial` are left
//! byte for byte and named in the error, `--overwrite` included.

use crate::common;
use crate::util::TestCommand;

use std::path::Path;

fn simulate(args: &[&str]) -> TestCommand {
    let mut cmd = TestCommand::new();
    cmd.args(["simulate", "--employees", "200", "--end-year", "2026"])
        .args(args);
    cmd
}

#[test]
fn a_parquet_output_holding_a_users_file_is_never_replaced() {
    let dir = common::tmp();
    let out = dir.path().join("out");
    let out_s = out.to_str().unwrap();
    simulate(&["--format", "parquet", "--out", out_s]).stdout();
    let notes = out.join("notes.md");
    std::fs::write(&notes, "my notes").unwrap();
    let catalog = std::fs::read(out.join("results.duckdb")).unwrap();
    for extra in [&[][..], &["--overwrite"][..]] {
        let mut cmd = simulate(&["--format", "parquet", "--out", out_s]);
        let err = cmd.args(extra).fails();
        assert!(
            err.contains("which workforce-sim did not write") && err.contains("notes.md"),
            "{extra:?}: {err}"
        );
        assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my notes");
        assert_eq!(std::fs::read(out.join("results.duckdb")).unwrap(), catalog);
        assert!(!dir.path().join("out.partial").exists());
    }
    // Without the user's file the rerun goes through.
    std::fs::remove_file(&notes).unwrap();
    simulate(&["--format", "parquet", "--out", out_s]).stdout();
}

#[test]
fn an_unrelated_folder_or_file_given_as_the_output_is_left_alone() {
    let dir = common::tmp();
    let folder = dir.path().join("thesis");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("thesis.tex"), "chapter 1").unwrap();
    let err = simulate(&["--overwrite", "--format", "parquet", "--out"])
        .arg(&folder)
        .fails();
    assert!(err.contains("thesis.tex"), "{err}");
    assert_eq!(
        std::fs::read_to_string(folder.join("thesis.tex")).unwrap(),
        "chapter 1"
    );
    let file = dir.path().join("thesis.tex");
    std::fs::write(&file, "chapter 1").unwrap();
    let err = simulate(&["--overwrite", "--db"]).arg(&file).fails();
    assert!(
        err.contains("not a results database") && !err.contains("--overwrite"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "chapter 1");
    assert!(!dir.path().join("thesis.tex.partial").exists());
}

#[test]
fn a_users_own_partial_is_not_removed() {
    let dir = common::tmp();
    let db = dir.path().join("run.duckdb");
    let users = dir.path().join("run.duckdb.partial");
    std::fs::write(&users, "draft").unwrap();
    let err = simulate(&["--db"]).arg(&db).fails();
    assert!(err.contains("run.duckdb.partial"), "{err}");
    assert_eq!(std::fs::read_to_string(&users).unwrap(), "draft");
    let out = dir.path().join("pq");
    let partial = dir.path().join("pq.partial");
    std::fs::create_dir(&partial).unwrap();
    std::fs::write(partial.join("keep.txt"), "mine").unwrap();
    // The first run writes in place (nothing was at `out`) and does not touch it.
    simulate(&["--format", "parquet", "--out"])
        .arg(&out)
        .stdout();
    assert!(partial.join("keep.txt").exists());
    // A second run writes beside the first (out exists now) and meets the user's partial.
    let err = simulate(&["--format", "parquet", "--out"])
        .arg(&out)
        .fails();
    assert!(err.contains("keep.txt"), "{err}");
    assert_eq!(
        std::fs::read_to_string(partial.join("keep.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn a_batch_never_replaces_what_is_not_a_batch() {
    let dir = common::tmp();
    let spec = dir.path().join("b.toml");
    std::fs::write(
        &spec,
        "[batch]\nemployees = 100\nseeds = [1, 2]\n\n[[scenario]]\nid = \"base\"\nlabel = \"Base\"\n",
    )
    .unwrap();
    let file = dir.path().join("notes.duckdb");
    std::fs::write(&file, "not a batch").unwrap();
    let err = TestCommand::new()
        .arg("batch")
        .arg(&spec)
        .args(["--overwrite", "--db"])
        .arg(&file)
        .fails();
    assert!(err.contains("notes.duckdb"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a batch");
    let folder = dir.path().join("work");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("analysis.py"), "print(1)").unwrap();
    let err = TestCommand::new()
        .arg("batch")
        .arg(&spec)
        .args(["--overwrite", "--format", "parquet", "--out"])
        .arg(&folder)
        .fails();
    assert!(err.contains("analysis.py"), "{err}");
    assert!(folder.join("analysis.py").exists());
}

/// Paths are taken literally: glob characters, quotes, spaces and unicode in the output's
/// folders are not patterns, and no `key=value` of a folder above an output labels its rows.
#[test]
fn output_paths_are_literal() {
    let dir = common::tmp();
    let odd = dir
        .path()
        .join("Clients [ACME]/simulation_year=2020/scenario_id=all");
    std::fs::create_dir_all(&odd).unwrap();
    let out = odd.join("run* 'x' é");
    let plain = dir.path().join("plain");
    for target in [&out, &plain] {
        simulate(&["--format", "parquet", "--out"])
            .arg(target)
            .stdout();
    }
    let q = |dir: &Path, sql: &str| common::query_i64(&dir.join("results.duckdb"), sql);
    for sql in [
        "SELECT count(*) FROM events",
        "SELECT min(simulation_year) * 10000 + max(simulation_year) FROM workforce_snapshot",
        "SELECT count(DISTINCT simulation_year) FROM year_summary",
    ] {
        assert_eq!(q(&out, sql), q(&plain, sql), "{sql}");
    }
    assert_eq!(
        q(&out, "SELECT min(simulation_year) FROM events"),
        2025,
        "not the 2020 of a folder above"
    );
    // A census whose name has brackets is read as named.
    let census = dir.path().join("c[1].parquet");
    TestCommand::new()
        .args(["census", "generate", "--employees", "200", "--out"])
        .arg(&census)
        .stdout();
    let from_file = dir.path().join("from_file.duckdb");
    TestCommand::new()
        .args(["simulate", "--end-year", "2026", "--db"])
        .arg(&from_file)
        .arg("--census")
        .arg(&census)
        .stdout();
    assert!(common::query_i64(&from_file, "SELECT count(*) FROM census") == 200);
    // DuckDB reads '?' in a database path as options: refused up front, nothing left.
    let err = simulate(&["--format", "parquet", "--out"])
        .arg(dir.path().join("run?"))
        .fails();
    assert!(err.contains("path with '?'"), "{err}");
    assert!(!dir.path().join("run?").exists() && !dir.path().join("run?.lock").exists());
    // A batch under a scenario_id=... folder keeps its own scenario ids.
    let spec = dir.path().join("b.toml");
    std::fs::write(
        &spec,
        "[batch]\nemployees = 100\nseeds = [1, 2]\n\n[[scenario]]\nid = \"base\"\nlabel = \"Base\"\n",
    )
    .unwrap();
    let batch_out = odd.join("batch [1]");
    TestCommand::new()
        .arg("batch")
        .arg(&spec)
        .args(["--format", "parquet", "--out"])
        .arg(&batch_out)
        .stdout();
    let db = batch_out.join("batch.duckdb");
    assert_eq!(
        common::query_i64(
            &db,
            "SELECT count(*) FROM batch_year_summary WHERE scenario_id = 'base' AND seed IN (1, 2)"
        ),
        common::query_i64(&db, "SELECT count(*) FROM batch_year_summary")
    );
    assert!(
        common::query_i64(
            &db,
            "SELECT count(*) FROM batch_runs WHERE scenario_id = 'base'"
        ) == 2
    );
}

/// An output path as users type it: a trailing slash names the same folder, a link is
/// followed so its target gets the new results, and '.' is refused (it names no output).
#[test]
fn trailing_slashes_links_and_dot() {
    let dir = common::tmp();
    let out = dir.path().join("tp");
    let with_slash = format!("{}/", out.display());
    simulate(&["--format", "parquet", "--out", &with_slash]).stdout();
    simulate(&["--format", "parquet", "--out", &with_slash]).stdout();
    assert!(out.join("results.duckdb").exists());
    assert!(!out.join(".partial").exists() && !dir.path().join("tp.partial").exists());
    // A link to a results database: the target is replaced, the link stays a link.
    let target = dir.path().join("real.duckdb");
    simulate(&["--seed", "1", "--db"]).arg(&target).stdout();
    let link = dir.path().join("link.duckdb");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    simulate(&["--seed", "2", "--overwrite", "--db"])
        .arg(&link)
        .stdout();
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        common::query_i64(&target, "SELECT random_seed FROM run_metadata"),
        2
    );
    for dot in [".", ".."] {
        // (Run in the scratch folder: whatever '.' names, it is not the source tree.)
        let err = TestCommand::new()
            .current_dir(&out)
            .args([
                "simulate",
                "--employees",
                "100",
                "--format",
                "parquet",
                "--out",
                dot,
            ])
            .fails();
        assert!(err.contains("names an output"), "{err}");
    }
}
