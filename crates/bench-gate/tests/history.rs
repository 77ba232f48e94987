//! The benchmark history end to end through the `bench-gate` binary, in a scratch git
//! repository: record at commits, detect a step at its first commit, `--fail-on-new`, the
//! acknowledgement file in the detector and in the same-job gate (and the gate failing again
//! without it), the report, and bad input (another schema version, an unknown bench, a
//! range with no commits, a malformed acknowledgement).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A scratch repository with `n` empty commits an hour apart; their ids, oldest first.
fn repo(dir: &Path, n: usize) -> Vec<String> {
    let git = |args: &[&str], when: Option<String>| {
        let mut c = Command::new("git");
        c.arg("-C").arg(dir).args(args);
        c.env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com");
        if let Some(w) = when {
            c.env("GIT_COMMITTER_DATE", &w).env("GIT_AUTHOR_DATE", &w);
        }
        let o = c.output().expect("git runs");
        assert!(
            o.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    git(&["init", "-q", "-b", "main"], None);
    (0..n)
        .map(|i| {
            let when = format!("2026-01-01T{:02}:{:02}:00Z", i / 60, i % 60);
            git(
                &["commit", "-q", "--allow-empty", "-m", &format!("c{i}")],
                Some(when),
            );
            git(&["rev-parse", "HEAD"], None)
        })
        .collect()
}

/// A gungraun tree with one `summary.json` per (group/function, Ir).
fn gungraun(dir: &Path, benches: &[(&str, &str, u64)]) -> PathBuf {
    let _ = std::fs::remove_dir_all(dir);
    for (group, function, ir) in benches {
        let d = dir.join(group).join(format!("{function}.n1000"));
        std::fs::create_dir_all(&d).unwrap();
        let v = serde_json::json!({
            "group": group, "function_name": function, "id": "n1000",
            "profiles": [{"data": {"total": {"metrics": {"Ir": {"values": {"new": ir}}}}}}]
        });
        std::fs::write(d.join("summary.json"), v.to_string()).unwrap();
    }
    dir.to_path_buf()
}

fn bench_gate(repo: &Path, history: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bench-gate"))
        .current_dir(repo)
        .env("WFS_BENCH_HISTORY", history)
        .env_remove("WFS_BENCH_FEATURES")
        .args(args)
        .output()
        .expect("bench-gate runs")
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A repository of 12 commits whose `phases/hires` count steps +9% at commit 8 and whose
/// `phases/raises` count stays put, recorded into a history.
fn stepped_history(dir: &Path) -> (PathBuf, PathBuf, Vec<String>) {
    let r = dir.join("repo");
    std::fs::create_dir_all(&r).unwrap();
    let commits = repo(&r, 12);
    let history = dir.join("history");
    for (i, c) in commits.iter().enumerate() {
        let hires = if i >= 8 { 122_285 } else { 112_017 };
        let g = gungraun(
            &dir.join("g"),
            &[("phases", "hires", hires), ("phases", "raises", 50_000)],
        );
        let o = bench_gate(
            &r,
            &history,
            &[
                "history",
                "record",
                "--commit",
                c,
                "--gungraun-dir",
                g.to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}", text(&o));
    }
    (r, history, commits)
}

#[test]
fn a_recorded_step_is_found_at_its_first_commit() {
    let dir = tempfile::tempdir().unwrap();
    let (r, history, commits) = stepped_history(dir.path());
    let o = bench_gate(&r, &history, &["history", "detect"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("2 series on 1 machine(s), 1 change(s) listed"),
        "{out}"
    );
    let row = out
        .lines()
        .find(|l| l.starts_with("| phases/hires.n1000 | Ir |"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(row.contains(&commits[8][..9]), "{row}");
    assert!(row.contains("112,017") && row.contains("122,285"), "{row}");
    assert!(row.contains("+9.17%") && row.contains("strong"), "{row}");
    assert!(row.contains("| regression |"), "not new: {row}");
    // Only the commits of a range: before the step there is nothing to find.
    let range = format!("{}..{}", commits[0], commits[6]);
    let o = bench_gate(&r, &history, &["history", "detect", "--range", &range]);
    assert!(text(&o).contains("0 change(s) listed"), "{}", text(&o));
}

#[test]
fn fail_on_new_fails_on_a_new_strong_regression_unless_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let (r, history, commits) = stepped_history(dir.path());
    // One more commit that slows raises by 6%.
    let more = {
        let o = Command::new("git")
            .arg("-C")
            .arg(&r)
            .args(["commit", "-q", "--allow-empty", "-m", "slower"])
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_DATE", "2026-02-01T00:00:00Z")
            .output()
            .unwrap();
        assert!(o.status.success());
        let o = Command::new("git")
            .arg("-C")
            .arg(&r)
            .args(["rev-parse", "HEAD"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    let g = gungraun(
        &dir.path().join("g"),
        &[("phases", "hires", 122_285), ("phases", "raises", 53_000)],
    );
    let o = bench_gate(
        &r,
        &history,
        &["history", "record", "--gungraun-dir", g.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = bench_gate(&r, &history, &["history", "detect", "--fail-on-new"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains(&format!(
            "NEW REGRESSION phases/raises.n1000 Ir: +6.00% from {}",
            &more[..12]
        )),
        "{out}"
    );
    assert!(out.contains("**new regression**"), "{out}");
    // Acknowledged: shown with its reason, and the detector passes.
    std::fs::write(
        r.join("acknowledged.toml"),
        format!(
            "[[acknowledged]]\nbench = \"phases/raises.n1000\"\ncommit = \"{}\"\nreason = \"raises by band, on purpose\"\nby = \"t\"\ndate = \"2026-02-01\"\n",
            &more[..9]
        ),
    )
    .unwrap();
    let o = bench_gate(
        &r,
        &history,
        &[
            "history",
            "detect",
            "--fail-on-new",
            "--acknowledged",
            "acknowledged.toml",
        ],
    );
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("acknowledged at")
            && out.contains("raises by band, on purpose (t, 2026-02-01)"),
        "{out}"
    );
    // The old step of hires is not new.
    assert!(!out.contains("NEW REGRESSION"), "{out}");
    let _ = commits;
}

#[test]
fn the_acknowledgement_file_lets_a_gated_regression_pass_and_removing_it_fails_again() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path().join("repo");
    std::fs::create_dir_all(&r).unwrap();
    let commits = repo(&r, 3);
    // A same-job comparison tree: the head against the base's saved baseline.
    let g = dir.path().join("gungraun");
    let d = g.join("phases").join("experienced_terminations.n1000");
    std::fs::create_dir_all(&d).unwrap();
    let v = serde_json::json!({
        "group": "phases", "function_name": "experienced_terminations", "id": "n1000",
        "profiles": [{"data": {"parts": [{"metrics": {"Ir": {"values": {"new": 122_285, "old": 112_017}}}}]}}]
    });
    std::fs::write(d.join("summary.json"), v.to_string()).unwrap();
    let range = format!("{}..{}", commits[0], commits[2]);
    let compare = |ack: &str| {
        Command::new(env!("CARGO_BIN_EXE_bench-gate"))
            .current_dir(&r)
            .args([
                "compare",
                "--gungraun-dir",
                g.to_str().unwrap(),
                "--range",
                &range,
                "--acknowledged",
                ack,
            ])
            .output()
            .unwrap()
    };
    let o = compare("acknowledged.toml");
    assert_eq!(o.status.code(), Some(1), "no file: {}", text(&o));
    assert!(text(&o).contains("**FAIL**"), "{}", text(&o));
    std::fs::write(
        r.join("acknowledged.toml"),
        format!(
            "[[acknowledged]]\nbench = \"phases/experienced_terminations.n1000\"\nmeasure = \"Ir\"\ncommit = \"{}\"\nreason = \"termination dates are Option<Day>\"\nby = \"t\"\ndate = \"2026-12-01\"\nmax_pct = 10.0\n",
            commits[1]
        ),
    )
    .unwrap();
    let o = compare("acknowledged.toml");
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("acknowledged (acknowledged at"), "{out}");
    assert!(
        out.contains("termination dates are Option<Day> (t, 2026-12-01)"),
        "{out}"
    );
    assert!(
        out.contains("**Verdict: pass**, with 1 acknowledged slowdown(s)"),
        "{out}"
    );
    // A commit outside the compared range acknowledges nothing.
    std::fs::write(
        r.join("outside.toml"),
        format!(
            "[[acknowledged]]\nbench = \"phases/experienced_terminations.n1000\"\ncommit = \"{}\"\nreason = \"r\"\nby = \"t\"\ndate = \"d\"\n",
            commits[0]
        ),
    )
    .unwrap();
    assert_eq!(compare("outside.toml").status.code(), Some(1));
    // Nor does a larger change than the one acknowledged.
    let small = std::fs::read_to_string(r.join("acknowledged.toml"))
        .unwrap()
        .replace("max_pct = 10.0", "max_pct = 5.0");
    std::fs::write(r.join("small.toml"), small).unwrap();
    assert_eq!(compare("small.toml").status.code(), Some(1));
    // Removed: the gate fails again.
    std::fs::remove_file(r.join("acknowledged.toml")).unwrap();
    assert_eq!(compare("acknowledged.toml").status.code(), Some(1));
}

#[test]
fn the_report_is_one_page_with_the_change_marked() {
    let dir = tempfile::tempdir().unwrap();
    let (r, history, commits) = stepped_history(dir.path());
    let out = dir.path().join("bench-history.html");
    let md = dir.path().join("summary.md");
    let o = bench_gate(
        &r,
        &history,
        &[
            "history",
            "report",
            "--out",
            out.to_str().unwrap(),
            "--markdown",
            md.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("<figure").count(), 2, "one chart per series");
    assert!(html.matches("<svg").count() == 2);
    assert!(
        !html.contains("<script")
            && !html.contains("http://www.w3.org/1999/xlink\" href")
            && !html.contains("src=")
    );
    assert!(
        html.contains(&format!("{} +9.2%", &commits[8][..9])),
        "the change point's label"
    );
    assert!(
        html.contains("&lt; 1e-15") && !html.contains("< 1e"),
        "text is escaped"
    );
    let summary = std::fs::read_to_string(&md).unwrap();
    assert!(summary.contains("1 strong change(s)"), "{summary}");
    assert!(summary.contains("| phases/hires.n1000 | Ir |"), "{summary}");
}

#[test]
fn bad_input_gets_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let (r, history, commits) = stepped_history(dir.path());
    let fails = |args: &[&str], history: &Path, expect: &str| {
        let o = bench_gate(&r, history, args);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {out}");
        assert!(
            out.contains(expect),
            "{args:?}: expected {expect:?} in\n{out}"
        );
    };
    fails(
        &["history", "detect", "--bench", "phases/nope.n1000"],
        &history,
        "no bench named phases/nope.n1000 in the history (it has: phases/hires.n1000, phases/raises.n1000)",
    );
    let head = &commits[11];
    fails(
        &["history", "detect", "--range", &format!("{head}..{head}")],
        &history,
        &format!("the range {head}..{head} holds no commits"),
    );
    fails(
        &["history", "detect", "--range", "nope..HEAD"],
        &history,
        "is not a range of",
    );
    fails(
        &["history", "detect"],
        &dir.path().join("none"),
        "no history at",
    );
    fails(
        &[
            "history",
            "record",
            "--commit",
            "nope",
            "--gungraun-dir",
            ".",
        ],
        &history,
        "nope is not a commit of",
    );
    fails(&["history", "record"], &history, "nothing to record");
    fails(
        &[
            "history",
            "record",
            "--gungraun-dir",
            dir.path().join("empty").to_str().unwrap(),
        ],
        &history,
        "nothing to record: no gungraun summary.json",
    );
    fails(
        &["history", "detect", "--strong-p", "0.2"],
        &history,
        "--strong-p and --weak-p",
    );
    // A file of another schema version: refused by name.
    let other = history.join("feedfacefeedface").join("old.parquet");
    std::fs::create_dir_all(other.parent().unwrap()).unwrap();
    bench_gate::history::store::write_with_version(&other, "0").unwrap();
    fails(
        &["history", "detect"],
        &history,
        "old.parquet: a history file of schema version 0; this bench-gate reads version 1",
    );
    std::fs::write(&other, "not parquet").unwrap();
    fails(
        &["history", "detect"],
        &history,
        "old.parquet: not a bench history file",
    );
    std::fs::remove_file(&other).unwrap();
    // A malformed acknowledgement names the file and the entry.
    std::fs::write(r.join("ack.toml"), "[[acknowledged]]\nbench = \"phases/hires.n1000\"\ncommit = \"deadbeef\"\nreason = \"r\"\nby = \"t\"\ndate = \"d\"\n").unwrap();
    fails(
        &["history", "detect", "--acknowledged", "ack.toml"],
        &history,
        "ack.toml: acknowledgement 1 (phases/hires.n1000): commit deadbeef is not a commit of the repository",
    );
    std::fs::write(
        r.join("ack.toml"),
        "[[acknowledged]]\nbench = \"x\"\nwho = \"t\"\n",
    )
    .unwrap();
    fails(
        &["history", "detect", "--acknowledged", "ack.toml"],
        &history,
        "unknown field `who`",
    );
    // A history path that is a file.
    fails(
        &["history", "detect"],
        &r.join("ack.toml"),
        "a history is a directory of Parquet files",
    );
}

/// The committed backfill of main (`baselines/history`): the detector names the first commit
/// of each known step, and finds no step at the snapshot encoder's commit, whose -5.3% no
/// instruction bench isolates.
#[test]
fn the_committed_history_has_its_known_steps_at_their_first_commits() {
    use bench_gate::acknowledge::Acknowledgements;
    use bench_gate::changepoint::{Options, Shape, Strength};
    use bench_gate::history::{detect::detect, series, store};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../baselines/history");
    let records = store::load(&dir).unwrap();
    let filter = series::Filter {
        measures: vec!["Ir".into()],
        ..Default::default()
    };
    let (all, machines) = series::build(&records, &filter).unwrap();
    assert_eq!(machines.len(), 1);
    let detected = detect(
        all,
        &Options::default(),
        &Acknowledgements::default(),
        &dir,
        1,
    );
    let strong = |bench: &str| -> Vec<(String, f64)> {
        detected
            .iter()
            .filter(|d| d.series.bench == bench)
            .flat_map(|d| d.findings.iter())
            .filter(|f| f.change.strength == Strength::Strong && f.change.shape == Shape::Step)
            .map(|f| (f.first_commit[..7].to_string(), f.change.pct))
            .collect()
    };
    let e2e = strong("workflow/end_to_end.n500x2");
    assert!(
        e2e.iter()
            .any(|(c, p)| c == "5aecf20" && (39.0..40.0).contains(p)),
        "{e2e:?}"
    );
    let terminations = strong("phases/experienced_terminations.n1000");
    assert!(
        terminations
            .iter()
            .any(|(c, p)| c == "7090e34" && (9.0..10.0).contains(p)),
        "{terminations:?}"
    );
    let at_encoder: Vec<_> = detected
        .iter()
        .flat_map(|d| d.findings.iter())
        .filter(|f| f.first_commit.starts_with("e92739b"))
        .collect();
    assert!(at_encoder.is_empty(), "{at_encoder:?}");
}
