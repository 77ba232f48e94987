//! The benchmark gate itself: a synthetic regression is caught, noise inside the confidence
//! interval is not, a digest change is caught, a missing baseline gives a clear message, and
//! a super-linear phase fails the scaling check.

use bench_gate::export::{Exporter, Markdown};
use bench_gate::{self, Baseline, BenchResult, Estimate, GateError, Meta, Status, Thresholds};
use std::path::Path;
use std::process::Command;

fn result(id: &str, point: f64, lower: f64, upper: f64) -> BenchResult {
    let parts: Vec<&str> = id.split('/').collect();
    BenchResult {
        id: id.into(),
        group: parts[0].into(),
        function: parts[1].into(),
        parameter: parts[2].into(),
        median_ns: Estimate {
            point,
            lower,
            upper,
        },
        elements: Some(1_000),
        peak_heap_bytes: Some(1 << 20),
        allocations: Some(10),
        digest: Some("abc".into()),
    }
}

fn meta() -> Meta {
    Meta {
        commit: "c0ffee".into(),
        date: "2026-11-22".into(),
        cpu_model: "test cpu".into(),
        cores: 2,
        toolchain: "rustc".into(),
    }
}

fn baseline(results: Vec<BenchResult>) -> Baseline {
    Baseline {
        meta: meta(),
        results,
    }
}

fn status(c: &bench_gate::Comparison, metric: &str) -> Status {
    c.rows.iter().find(|r| r.metric == metric).unwrap().status
}

#[test]
fn a_synthetic_regression_is_caught() {
    let base = baseline(vec![result("workflow/in_memory/5kx5", 100.0, 95.0, 105.0)]);
    let c = bench_gate::compare(
        &base,
        &[result("workflow/in_memory/5kx5", 130.0, 125.0, 135.0)],
        &Thresholds::default(),
    );
    assert_eq!(status(&c, "time"), Status::Regressed);
    assert_eq!(status(&c, "throughput"), Status::Regressed);
    assert!(!c.passed());
    let md = bench_gate::markdown(&c);
    assert!(md.starts_with("| benchmark | metric |"), "{md}");
    assert!(
        md.contains(
            "| workflow/in_memory/5kx5 | time | 100.0 ns | 130.0 ns | +30.0% | regressed |"
        ),
        "{md}"
    );
}

#[test]
fn noise_inside_the_confidence_interval_is_not_a_regression() {
    let base = baseline(vec![result("phases/raises/1000", 100.0, 80.0, 120.0)]);
    // 25% slower on the point estimate, but the intervals overlap: noise.
    let c = bench_gate::compare(
        &base,
        &[result("phases/raises/1000", 125.0, 90.0, 160.0)],
        &Thresholds::default(),
    );
    assert_eq!(status(&c, "time"), Status::Noise);
    assert!(c.passed());
    // Small changes are plain ok.
    let c = bench_gate::compare(
        &base,
        &[result("phases/raises/1000", 105.0, 100.0, 110.0)],
        &Thresholds::default(),
    );
    assert_eq!(status(&c, "time"), Status::Ok);
    // A clear speed-up is reported as such.
    let c = bench_gate::compare(
        &base,
        &[result("phases/raises/1000", 50.0, 45.0, 55.0)],
        &Thresholds::default(),
    );
    assert_eq!(status(&c, "time"), Status::Improved);
}

#[test]
fn memory_growth_beyond_the_limit_fails() {
    let base = baseline(vec![result("workflow/in_memory/small", 100.0, 99.0, 101.0)]);
    let mut cur = result("workflow/in_memory/small", 100.0, 99.0, 101.0);
    cur.peak_heap_bytes = Some((1 << 20) * 5 / 4);
    let c = bench_gate::compare(&base, &[cur], &Thresholds::default());
    assert_eq!(status(&c, "peak_heap"), Status::Regressed);
    assert!(!c.passed());
}

#[test]
fn a_digest_change_is_caught_even_when_faster() {
    let base = baseline(vec![result("workflow/in_memory/small", 100.0, 99.0, 101.0)]);
    let mut cur = result("workflow/in_memory/small", 50.0, 49.0, 51.0);
    cur.digest = Some("def".into());
    let c = bench_gate::compare(&base, &[cur], &Thresholds::default());
    assert_eq!(status(&c, "digest"), Status::Regressed);
    assert!(c
        .rows
        .iter()
        .any(|r| r.note.contains("output changed: abc -> def")));
    assert!(!c.passed());
}

#[test]
fn new_and_missing_benchmarks_are_reported_not_failed() {
    let base = baseline(vec![result("phases/a/1000", 100.0, 99.0, 101.0)]);
    let c = bench_gate::compare(
        &base,
        &[result("phases/b/1000", 100.0, 99.0, 101.0)],
        &Thresholds::default(),
    );
    assert!(c
        .rows
        .iter()
        .any(|r| r.id == "phases/b/1000" && r.status == Status::New));
    assert!(c
        .rows
        .iter()
        .any(|r| r.id == "phases/a/1000" && r.status == Status::NotRun));
    assert!(c.passed());
}

#[test]
fn missing_baseline_gives_a_clear_message() {
    let err = bench_gate::load_baseline(Path::new("/nonexistent/baseline.json")).unwrap_err();
    assert!(matches!(err, GateError::MissingBaseline(_)));
    assert!(err.to_string().contains("bench-gate save"), "{err}");
}

#[test]
fn scaling_fit_flags_super_linear_phases() {
    let mut results = Vec::new();
    for n in [1_000.0, 10_000.0, 50_000.0] {
        results.push(result(&format!("phases/linear/{n}"), 3.0 * n, 0.0, 0.0));
        results.push(result(
            &format!("phases/quadratic/{n}"),
            0.01 * n * n,
            0.0,
            0.0,
        ));
    }
    let fits = bench_gate::scaling(&results, "phases", 1.15);
    let lin = fits.iter().find(|f| f.function == "linear").unwrap();
    let quad = fits.iter().find(|f| f.function == "quadratic").unwrap();
    assert!((lin.b - 1.0).abs() < 1e-9 && (lin.a - 3.0).abs() < 1e-6 && lin.linear);
    assert!((quad.b - 2.0).abs() < 1e-9 && !quad.linear);
    let base = baseline(results.clone());
    assert!(!bench_gate::compare(&base, &results, &Thresholds::default()).passed());
}

#[test]
fn scaling_fit_ignores_cache_resident_sizes_but_not_large_ones() {
    let mut results = Vec::new();
    for (n, t) in [
        (1_000.0f64, 1_000.0),
        (10_000.0, 40_000.0),
        (50_000.0, 200_000.0),
        (100_000.0, 400_000.0),
    ] {
        // Linear from 10k on; the 1k point is faster per element (cache-resident).
        results.push(result(&format!("phases/cached/{n}"), t, 0.0, 0.0));
        // n log² n in a phase that must be linear: still flagged.
        results.push(result(
            &format!("phases/sorting_bug/{n}"),
            n * n.ln() * n.ln(),
            0.0,
            0.0,
        ));
        results.push(result(
            &format!("phases/staging/{n}"),
            n * n.ln() * n.ln(),
            0.0,
            0.0,
        ));
    }
    let fits = bench_gate::scaling(&results, "phases", 1.15);
    let get = |f: &str| fits.iter().find(|x| x.function == f).unwrap().clone();
    let cached = get("cached");
    assert!((cached.b - 1.0).abs() < 1e-9 && cached.linear, "{cached:?}");
    assert!(!get("sorting_bug").linear);
    let staging = get("staging");
    assert!(
        staging.b > 1.15 && staging.linear,
        "staging sorts: reported, not gated"
    );
}

/// Writes a criterion-shaped result tree: `<dir>/<group>/<function>/<param>/new/*.json`.
fn fake_criterion(
    dir: &Path,
    group: &str,
    function: &str,
    param: &str,
    median: f64,
    lo: f64,
    hi: f64,
) {
    let d = dir.join(group).join(function).join(param).join("new");
    std::fs::create_dir_all(&d).unwrap();
    let est = serde_json::json!({
        "mean": {"confidence_interval": {"confidence_level": 0.95, "lower_bound": lo, "upper_bound": hi}, "point_estimate": median, "standard_error": 1.0},
        "median": {"confidence_interval": {"confidence_level": 0.95, "lower_bound": lo, "upper_bound": hi}, "point_estimate": median, "standard_error": 1.0},
        "slope": null
    });
    let bench = serde_json::json!({"group_id": group, "function_id": function, "value_str": param, "throughput": {"Elements": 500}, "full_id": format!("{group}/{function}/{param}")});
    std::fs::write(d.join("estimates.json"), est.to_string()).unwrap();
    std::fs::write(d.join("benchmark.json"), bench.to_string()).unwrap();
}

#[test]
fn collect_reads_criterion_results_and_side_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let crit = dir.path().join("criterion");
    let extra = dir.path().join("extra");
    fake_criterion(&crit, "workflow", "in_memory", "small", 1e6, 0.9e6, 1.1e6);
    std::fs::create_dir_all(extra.join("workflow/in_memory")).unwrap();
    std::fs::write(
        extra.join("workflow/in_memory/small.json"),
        r#"{"peak_heap_bytes": 4096, "allocations": 7, "digest": "d1"}"#,
    )
    .unwrap();
    let r = bench_gate::collect(&crit, &extra).unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].id, "workflow/in_memory/small");
    assert_eq!(
        r[0].median_ns,
        Estimate {
            point: 1e6,
            lower: 0.9e6,
            upper: 1.1e6
        }
    );
    assert_eq!(
        (
            r[0].elements,
            r[0].peak_heap_bytes,
            r[0].allocations,
            r[0].digest.as_deref()
        ),
        (Some(500), Some(4096), Some(7), Some("d1"))
    );
    assert!((r[0].throughput().unwrap().point - 500_000.0).abs() < 1e-6);
    assert!(matches!(
        bench_gate::collect(&dir.path().join("none"), &extra),
        Err(GateError::NoResults(_))
    ));
}

#[test]
fn the_bench_gate_binary_exits_0_1_and_2() {
    let dir = tempfile::tempdir().unwrap();
    let crit = dir.path().join("criterion");
    fake_criterion(&crit, "phases", "raises", "1000", 100.0, 95.0, 105.0);
    let gate = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_bench-gate"))
            .arg("--criterion-dir")
            .arg(&crit)
            .arg("--extra-dir")
            .arg(dir.path().join("x"))
            .args(args)
            .output()
            .unwrap()
    };
    let base = dir.path().join("base.json");
    let missing = gate(&["check", "--baseline", base.to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no baseline"));
    assert!(gate(&["save", "--out", base.to_str().unwrap()])
        .status
        .success());
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&base).unwrap()).unwrap();
    assert!(saved["meta"]["cores"].as_u64().unwrap() >= 1);
    assert!(saved["meta"]["toolchain"]
        .as_str()
        .unwrap()
        .contains("rustc"));
    let same = gate(&["check", "--baseline", base.to_str().unwrap()]);
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&same.stdout)
    );
    fake_criterion(&crit, "phases", "raises", "1000", 200.0, 190.0, 210.0);
    let slower = gate(&["check", "--baseline", base.to_str().unwrap()]);
    assert_eq!(slower.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&slower.stdout).contains("REGRESSION phases/raises/1000 time"));
    let out = dir.path().join("report");
    let rep = gate(&[
        "report",
        "--out-dir",
        out.to_str().unwrap(),
        "--gungraun-dir",
        dir.path().join("none").to_str().unwrap(),
    ]);
    assert!(
        rep.status.success(),
        "{}",
        String::from_utf8_lossy(&rep.stderr)
    );
    for f in [
        "bench-report.json",
        "bench-report.csv",
        "bench-report.md",
        "scaling.svg",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    assert!(std::fs::read_to_string(out.join("bench-report.md"))
        .unwrap()
        .contains("## Targets"));
}

#[test]
fn the_report_states_each_engine_against_native_and_the_history_target() {
    let report = bench_gate::Report::build(
        meta(),
        vec![
            result("engines/native/5kx5", 20e6, 19e6, 21e6),
            result("engines/polars/5kx5", 60e6, 58e6, 62e6),
            result("engines/sql/5kx5", 200e6, 190e6, 210e6),
            result("phases/participant_history/100000", 40e6, 39e6, 41e6),
        ],
        vec![],
    );
    let ratio = |engine: &str| {
        report
            .engines
            .iter()
            .find(|e| e.1 == engine)
            .map(|e| e.3)
            .unwrap()
    };
    assert_eq!(ratio("native"), 1.0);
    assert_eq!(ratio("polars"), 3.0);
    assert_eq!(ratio("sql"), 10.0);
    let md = Markdown.render(&report);
    assert!(md.contains("| 5kx5 | sql | 200.000 ms | 10.0× |"), "{md}");
    let history = report
        .targets
        .iter()
        .find(|t| t.name == "participant history query")
        .unwrap();
    assert_eq!(history.pass, Some(true));
}

#[test]
fn every_exporter_writes_its_file() {
    let report = bench_gate::Report::build(
        Meta::current(),
        vec![result("phases/raises/1000", 1e6, 0.9e6, 1.1e6)],
        vec![("phases::raises".into(), 1234)],
    );
    let dir = tempfile::tempdir().unwrap();
    bench_gate::export::write_all(&report, dir.path()).unwrap();
    for e in bench_gate::export::all() {
        let text = std::fs::read_to_string(dir.path().join(e.file_name())).unwrap();
        assert_eq!(text, e.render(&report), "{}", e.file_name());
        assert!(text.len() > 20, "{} is empty", e.file_name());
    }
    let csv = std::fs::read_to_string(dir.path().join("bench-report.csv")).unwrap();
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .starts_with("phases/raises/1000,phases,raises,1000,"),
        "{csv}"
    );
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("bench-report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["results"][0]["id"], "phases/raises/1000");
    assert!(std::fs::read_to_string(dir.path().join("scaling.svg"))
        .unwrap()
        .starts_with("<svg"));
}
