//! The wall-time regression gate over criterion results (criterion itself never fails on a
//! regression), the scaling check, and the benchmark report. Used by the `bench-gate` binary.
//!
//! A regression is flagged only when it is larger than a threshold **and** the confidence
//! intervals of baseline and current do not overlap, because unchanged code on a shared
//! 2-core machine shows change intervals as wide as ±30%. Memory (peak Rust heap, counted by
//! the bench binaries) is deterministic and compared by threshold alone. A changed output
//! digest fails the gate: a faster-but-different simulation must refresh its baseline on
//! purpose.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A point estimate with its confidence interval (nanoseconds for times).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub point: f64,
    pub lower: f64,
    pub upper: f64,
}

/// One benchmark's result: criterion's median time plus the bench's side outputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchResult {
    /// `group/function/parameter`.
    pub id: String,
    pub group: String,
    pub function: String,
    pub parameter: String,
    /// Median time per iteration, ns.
    pub median_ns: Estimate,
    /// Elements per iteration (criterion `Throughput::Elements`).
    pub elements: Option<u64>,
    pub peak_heap_bytes: Option<u64>,
    pub allocations: Option<u64>,
    pub digest: Option<String>,
}

impl BenchResult {
    /// Elements per second, with the interval inverted from the time interval.
    pub fn throughput(&self) -> Option<Estimate> {
        let e = self.elements? as f64;
        Some(Estimate {
            point: e / self.median_ns.point * 1e9,
            lower: e / self.median_ns.upper * 1e9,
            upper: e / self.median_ns.lower * 1e9,
        })
    }
}

/// Where and with what a baseline was measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    pub commit: String,
    pub date: String,
    pub cpu_model: String,
    pub cores: usize,
    pub toolchain: String,
}

impl Meta {
    /// Reads this machine, the git commit and the toolchain.
    pub fn current() -> Meta {
        let run = |cmd: &str, args: &[&str]| {
            std::process::Command::new(cmd)
                .args(args)
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        };
        let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split(':').nth(1))
                    .map(|m| m.trim().to_string())
            })
            .unwrap_or_else(|| "unknown".into());
        Meta {
            commit: run("git", &["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".into()),
            date: run("date", &["-u", "+%Y-%m-%dT%H:%M:%SZ"]).unwrap_or_default(),
            cpu_model,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            toolchain: run("rustc", &["--version"]).unwrap_or_else(|| "unknown".into()),
        }
    }
}

/// A committed wall-time baseline (`baselines/criterion/*.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub meta: Meta,
    pub results: Vec<BenchResult>,
}

/// Gate thresholds, in percent (and the scaling exponent).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    pub time_pct: f64,
    pub throughput_pct: f64,
    pub memory_pct: f64,
    pub max_scaling_exponent: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            time_pct: 15.0,
            throughput_pct: 10.0,
            memory_pct: 20.0,
            max_scaling_exponent: 1.15,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GateError {
    #[error("no baseline at {0}: record one with `bench-gate save --out {0}` after `cargo bench`")]
    MissingBaseline(PathBuf),
    #[error("no criterion results under {0}: run `cargo bench` first")]
    NoResults(PathBuf),
    #[error("{path}: {message}")]
    Read { path: PathBuf, message: String },
}

fn read_json(path: &Path) -> Result<serde_json::Value, GateError> {
    let text = std::fs::read_to_string(path).map_err(|e| GateError::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    serde_json::from_str(&text).map_err(|e| GateError::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Reads every `<criterion_dir>/**/new/{estimates,benchmark}.json` (criterion's private
/// format, read defensively) and joins the side outputs under `extra_dir`.
pub fn collect(criterion_dir: &Path, extra_dir: &Path) -> Result<Vec<BenchResult>, GateError> {
    let mut out = Vec::new();
    let mut stack = vec![criterion_dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let p = entry.path();
            if !p.is_dir() {
                continue;
            }
            if p.file_name().is_some_and(|n| n == "new")
                && p.join("estimates.json").exists()
                && p.join("benchmark.json").exists()
            {
                let est = read_json(&p.join("estimates.json"))?;
                let bench = read_json(&p.join("benchmark.json"))?;
                let median = &est["median"];
                let num = |v: &serde_json::Value| v.as_f64().unwrap_or(f64::NAN);
                let group = bench["group_id"].as_str().unwrap_or_default().to_string();
                let function = bench["function_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let parameter = bench["value_str"].as_str().unwrap_or_default().to_string();
                let mut r = BenchResult {
                    id: format!("{group}/{function}/{parameter}"),
                    median_ns: Estimate {
                        point: num(&median["point_estimate"]),
                        lower: num(&median["confidence_interval"]["lower_bound"]),
                        upper: num(&median["confidence_interval"]["upper_bound"]),
                    },
                    elements: bench["throughput"]["Elements"].as_u64(),
                    group,
                    function,
                    parameter,
                    peak_heap_bytes: None,
                    allocations: None,
                    digest: None,
                };
                let extra = extra_dir
                    .join(&r.group)
                    .join(&r.function)
                    .join(format!("{}.json", r.parameter));
                if let Ok(x) = read_json(&extra) {
                    r.peak_heap_bytes = x["peak_heap_bytes"].as_u64();
                    r.allocations = x["allocations"].as_u64();
                    r.digest = x["digest"].as_str().map(str::to_string);
                }
                out.push(r);
            } else {
                stack.push(p);
            }
        }
    }
    if out.is_empty() {
        return Err(GateError::NoResults(criterion_dir.to_path_buf()));
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// Reads a committed baseline.
pub fn load_baseline(path: &Path) -> Result<Baseline, GateError> {
    if !path.exists() {
        return Err(GateError::MissingBaseline(path.to_path_buf()));
    }
    serde_json::from_value(read_json(path)?).map_err(|e| GateError::Read {
        path: path.to_path_buf(),
        message: format!("not a bench-gate baseline: {e}"),
    })
}

/// Outcome of one compared metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    /// Beyond the threshold but inside the noise (intervals overlap).
    Noise,
    Improved,
    Regressed,
    New,
    NotRun,
}

/// One row of the comparison table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub id: String,
    pub metric: String,
    pub baseline: Option<f64>,
    pub current: Option<f64>,
    pub change_pct: Option<f64>,
    pub status: Status,
    pub note: String,
}

/// The gate's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub rows: Vec<Row>,
    pub scaling: Vec<ScalingFit>,
}

impl Comparison {
    pub fn regressions(&self) -> Vec<&Row> {
        self.rows
            .iter()
            .filter(|r| r.status == Status::Regressed)
            .collect()
    }
    pub fn passed(&self) -> bool {
        self.regressions().is_empty() && self.scaling.iter().all(|s| s.linear)
    }
}

fn pct(base: f64, cur: f64) -> f64 {
    (cur / base - 1.0) * 100.0
}

/// Compares current results with a baseline.
pub fn compare(baseline: &Baseline, current: &[BenchResult], t: &Thresholds) -> Comparison {
    let mut rows = Vec::new();
    for cur in current {
        let Some(base) = baseline.results.iter().find(|b| b.id == cur.id) else {
            rows.push(Row {
                id: cur.id.clone(),
                metric: "time".into(),
                baseline: None,
                current: Some(cur.median_ns.point),
                change_pct: None,
                status: Status::New,
                note: "not in the baseline".into(),
            });
            continue;
        };
        // Time: slower by more than the threshold and intervals apart.
        let change = pct(base.median_ns.point, cur.median_ns.point);
        let apart_slower = cur.median_ns.lower > base.median_ns.upper;
        let apart_faster = cur.median_ns.upper < base.median_ns.lower;
        let status = if change > t.time_pct && apart_slower {
            Status::Regressed
        } else if change > t.time_pct {
            Status::Noise
        } else if change < -t.time_pct && apart_faster {
            Status::Improved
        } else {
            Status::Ok
        };
        rows.push(Row {
            id: cur.id.clone(),
            metric: "time".into(),
            baseline: Some(base.median_ns.point),
            current: Some(cur.median_ns.point),
            change_pct: Some(change),
            status,
            note: String::new(),
        });
        // Throughput: lower by more than the threshold and intervals apart.
        if let (Some(bt), Some(ct)) = (base.throughput(), cur.throughput()) {
            let change = pct(bt.point, ct.point);
            let status = if change < -t.throughput_pct && ct.upper < bt.lower {
                Status::Regressed
            } else if change < -t.throughput_pct {
                Status::Noise
            } else if change > t.throughput_pct && ct.lower > bt.upper {
                Status::Improved
            } else {
                Status::Ok
            };
            rows.push(Row {
                id: cur.id.clone(),
                metric: "throughput".into(),
                baseline: Some(bt.point),
                current: Some(ct.point),
                change_pct: Some(change),
                status,
                note: String::new(),
            });
        }
        if let (Some(bm), Some(cm)) = (base.peak_heap_bytes, cur.peak_heap_bytes) {
            let change = if bm == 0 {
                if cm == 0 {
                    0.0
                } else {
                    100.0
                }
            } else {
                pct(bm as f64, cm as f64)
            };
            let status = if change > t.memory_pct {
                Status::Regressed
            } else if change < -t.memory_pct {
                Status::Improved
            } else {
                Status::Ok
            };
            rows.push(Row {
                id: cur.id.clone(),
                metric: "peak_heap".into(),
                baseline: Some(bm as f64),
                current: Some(cm as f64),
                change_pct: Some(change),
                status,
                note: String::new(),
            });
        }
        if let (Some(bd), Some(cd)) = (&base.digest, &cur.digest) {
            let same = bd == cd;
            rows.push(Row {
                id: cur.id.clone(),
                metric: "digest".into(),
                baseline: None,
                current: None,
                change_pct: None,
                status: if same { Status::Ok } else { Status::Regressed },
                note: if same {
                    bd.clone()
                } else {
                    format!("output changed: {bd} -> {cd}; if intended, refresh the baseline")
                },
            });
        }
    }
    for base in &baseline.results {
        if !current.iter().any(|c| c.id == base.id) {
            rows.push(Row {
                id: base.id.clone(),
                metric: "time".into(),
                baseline: Some(base.median_ns.point),
                current: None,
                change_pct: None,
                status: Status::NotRun,
                note: "in the baseline, not in this run".into(),
            });
        }
    }
    Comparison {
        rows,
        scaling: scaling(current, "phases", t.max_scaling_exponent),
    }
}

/// A fit `time ≈ a · n^b` of one phase across census sizes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScalingFit {
    pub function: String,
    /// ns at n = 1.
    pub a: f64,
    pub b: f64,
    pub points: Vec<(f64, f64)>,
    pub linear: bool,
}

/// Per-element time falls off a cache cliff at small sizes (a 1,000-employee year's working set
/// sits in L1/L2), which is not algorithmic growth; the fit uses the sizes at or above this one
/// when there are two or more of them (the phase benches measure 10k, 50k and 100k).
pub const MIN_FIT_SIZE: f64 = 10_000.0;

/// Phases whose cost is `n log n` by design and that are reported but not held to `max_b`:
/// staging sorts the census by employee id.
pub const SORTING_PHASES: &[&str] = &["staging"];

/// The Markdown table of scaling fits (gate output and report). A sorting phase is marked as
/// such rather than "linear", since its `b` is reported, not gated.
pub fn scaling_table(fits: &[ScalingFit]) -> String {
    let mut s = String::from("| phase | a (ns) | b | linear |\n|---|---|---|---|\n");
    for f in fits {
        let verdict = if SORTING_PHASES.contains(&f.function.as_str()) {
            "n log n (sorts; not gated)"
        } else if f.linear {
            "yes"
        } else {
            "**no**"
        };
        s.push_str(&format!(
            "| {} | {:.2} | {:.3} | {verdict} |\n",
            f.function, f.a, f.b
        ));
    }
    s
}

/// Least-squares fit of log t = log a + b log n for every function of `group` measured at two
/// or more numeric sizes (those ≥ [`MIN_FIT_SIZE`] when at least two are). `linear` = `b ≤
/// max_b`, or the phase is one of [`SORTING_PHASES`] (then `b` is reported only).
pub fn scaling(results: &[BenchResult], group: &str, max_b: f64) -> Vec<ScalingFit> {
    let mut functions: Vec<&str> = results
        .iter()
        .filter(|r| r.group == group)
        .map(|r| r.function.as_str())
        .collect();
    functions.sort_unstable();
    functions.dedup();
    functions
        .into_iter()
        .filter_map(|f| {
            let mut points: Vec<(f64, f64)> = results
                .iter()
                .filter(|r| r.group == group && r.function == f)
                .filter_map(|r| Some((r.parameter.parse::<f64>().ok()?, r.median_ns.point)))
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            let large: Vec<(f64, f64)> = points
                .iter()
                .copied()
                .filter(|p| p.0 >= MIN_FIT_SIZE)
                .collect();
            let (a, b) = fit_power_law(if large.len() >= 2 { &large } else { &points })?;
            Some(ScalingFit {
                function: f.to_string(),
                a,
                b,
                linear: b <= max_b || SORTING_PHASES.contains(&f),
                points,
            })
        })
        .collect()
}

/// `(a, b)` of `y = a · x^b` by least squares in log-log space; `None` under two points.
pub fn fit_power_law(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    if points.len() < 2 {
        return None;
    }
    let n = points.len() as f64;
    let (sx, sy) = points
        .iter()
        .fold((0.0, 0.0), |(sx, sy), (x, y)| (sx + x.ln(), sy + y.ln()));
    let (mx, my) = (sx / n, sy / n);
    let (sxy, sxx) = points.iter().fold((0.0, 0.0), |(sxy, sxx), (x, y)| {
        (
            sxy + (x.ln() - mx) * (y.ln() - my),
            sxx + (x.ln() - mx).powi(2),
        )
    });
    if sxx == 0.0 {
        return None;
    }
    let b = sxy / sxx;
    Some(((my - b * mx).exp(), b))
}

/// Human units for a metric value.
pub fn format_value(metric: &str, v: f64) -> String {
    match metric {
        "time" => {
            if v >= 1e9 {
                format!("{:.3} s", v / 1e9)
            } else if v >= 1e6 {
                format!("{:.3} ms", v / 1e6)
            } else if v >= 1e3 {
                format!("{:.3} µs", v / 1e3)
            } else {
                format!("{v:.1} ns")
            }
        }
        "throughput" => format!("{:.3} M/s", v / 1e6),
        "peak_heap" => format!("{:.2} MiB", v / 1_048_576.0),
        _ => format!("{v}"),
    }
}

/// The comparison as a Markdown table (regressions first).
pub fn markdown(c: &Comparison) -> String {
    let mut rows: Vec<&Row> = c.rows.iter().collect();
    rows.sort_by_key(|r| {
        (
            r.status != Status::Regressed,
            r.id.clone(),
            r.metric.clone(),
        )
    });
    let mut s = String::from("| benchmark | metric | baseline | current | change | status | note |\n|---|---|---|---|---|---|---|\n");
    for r in rows {
        let f = |v: Option<f64>| {
            v.map(|x| format_value(&r.metric, x))
                .unwrap_or_else(|| "-".into())
        };
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            r.id,
            r.metric,
            f(r.baseline),
            f(r.current),
            r.change_pct
                .map(|p| format!("{p:+.1}%"))
                .unwrap_or_else(|| "-".into()),
            serde_json::to_value(r.status)
                .unwrap()
                .as_str()
                .unwrap_or(""),
            r.note
        ));
    }
    if !c.scaling.is_empty() {
        s.push('\n');
        s.push_str(&scaling_table(&c.scaling));
    }
    s
}

/// Instruction counts (`Ir`) from gungraun's `summary.json` files under `dir`, by bench id.
pub fn instruction_counts(dir: &Path) -> Vec<(String, u64)> {
    fn first_ir(v: &serde_json::Value) -> Option<u64> {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(ir) = m.get("Ir") {
                    if let Some(n) = first_int(ir) {
                        return Some(n);
                    }
                }
                m.values().find_map(first_ir)
            }
            serde_json::Value::Array(a) => a.iter().find_map(first_ir),
            _ => None,
        }
    }
    fn first_int(v: &serde_json::Value) -> Option<u64> {
        match v {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::Object(m) => m.values().find_map(first_int),
            serde_json::Value::Array(a) => a.iter().find_map(first_int),
            _ => None,
        }
    }
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == "summary.json") {
                if let Ok(v) = read_json(&p) {
                    let id = v["module_path"]
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| {
                            p.parent()
                                .map(|x| x.display().to_string())
                                .unwrap_or_default()
                        });
                    let id = match v["id"].as_str() {
                        Some(bench_id) => format!("{id} {bench_id}"),
                        None => id,
                    };
                    if let Some(ir) = first_ir(&v["profiles"]).or_else(|| first_ir(&v)) {
                        out.push((id, ir));
                    }
                }
            }
        }
    }
    out.sort();
    out
}

/// One performance target of the project and whether the measurements meet it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub name: String,
    pub limit: String,
    pub measured: Option<String>,
    /// `None` = not measured in this run.
    pub pass: Option<bool>,
}

/// The benchmark report: every result, instruction counts, scaling fits, targets and the
/// orchestration overhead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub meta: Meta,
    pub results: Vec<BenchResult>,
    pub instructions: Vec<(String, u64)>,
    pub scaling: Vec<ScalingFit>,
    pub targets: Vec<Target>,
    /// (scenario, in-memory ns, duckdb ns, naive duckdb ns, overhead reduction × )
    pub orchestration: Vec<(String, f64, f64, f64, f64)>,
    /// The `engines` group: (scenario, engine, median ns, ratio to native).
    #[serde(default)]
    pub engines: Vec<(String, String, f64, f64)>,
}

impl Report {
    pub fn build(
        meta: Meta,
        results: Vec<BenchResult>,
        instructions: Vec<(String, u64)>,
    ) -> Report {
        let find = |id: &str| results.iter().find(|r| r.id == id);
        let largest = |group: &str, function: &str| {
            results
                .iter()
                .filter(|r| r.group == group && r.function == function)
                .max_by_key(|r| r.parameter.parse::<u64>().unwrap_or(0))
        };
        let mut targets = Vec::new();
        let mut target = |name: &str, limit: &str, measured: Option<String>, pass: Option<bool>| {
            targets.push(Target {
                name: name.into(),
                limit: limit.into(),
                measured,
                pass,
            })
        };
        let w = find("workflow/duckdb/5kx5");
        target(
            "5,000 × 5 end to end (DuckDB file)",
            "≤ 60 s",
            w.map(|r| format_value("time", r.median_ns.point)),
            w.map(|r| r.median_ns.point <= 60e9),
        );
        // A phase's median at its largest size, described, and whether it is within `limit` ns.
        let phase_time = |phase: &str, limit: f64, describe: &dyn Fn(&str) -> String| {
            let r = largest("phases", phase);
            (
                r.map(|r| {
                    format!(
                        "{} {}",
                        format_value("time", r.median_ns.point),
                        describe(&r.parameter)
                    )
                }),
                r.map(|r| r.median_ns.point <= limit),
            )
        };
        let (measured, pass) =
            phase_time("state_accumulation", 5e9, &|n| format!("at {n} employees"));
        target("state accumulation per year", "< 5 s/year", measured, pass);
        let i = largest("phases", "duckdb_ingest");
        target(
            "DuckDB ingest",
            "≥ 100K events/s",
            i.and_then(|r| r.throughput())
                .map(|t| format_value("throughput", t.point)),
            i.and_then(|r| r.throughput()).map(|t| t.point >= 100_000.0),
        );
        let (measured, pass) = phase_time("participant_history", 5e9, &|n| {
            format!("from a {n} × 3 database")
        });
        target("participant history query", "≤ 5 s", measured, pass);
        let j = largest("phases", "event_json");
        let per_event = j.and_then(|r| Some(r.median_ns.point / r.elements? as f64));
        target(
            "event serialisation + validation",
            "< 10 ms/event",
            per_event.map(|ns| format!("{ns:.0} ns/event")),
            per_event.map(|ns| ns < 1e7),
        );
        let e = find("workflow/in_memory/enterprise");
        target(
            "peak memory at 100K employees",
            "< 8 GB",
            e.and_then(|r| r.peak_heap_bytes)
                .map(|b| format_value("peak_heap", b as f64)),
            e.and_then(|r| r.peak_heap_bytes).map(|b| b < 8 << 30),
        );
        let mut orchestration = Vec::new();
        for r in results
            .iter()
            .filter(|r| r.group == "workflow" && r.function == "in_memory")
        {
            let (Some(db), Some(naive)) = (
                find(&format!("workflow/duckdb/{}", r.parameter)),
                find(&format!("workflow/duckdb_naive/{}", r.parameter)),
            ) else {
                continue;
            };
            let (m, d, n) = (r.median_ns.point, db.median_ns.point, naive.median_ns.point);
            let reduction = if d > m { (n - m) / (d - m) } else { f64::NAN };
            orchestration.push((r.parameter.clone(), m, d, n, reduction));
        }
        let mut engines = Vec::new();
        for r in results.iter().filter(|r| r.group == "engines") {
            if let Some(native) = find(&format!("engines/native/{}", r.parameter)) {
                let ratio = r.median_ns.point / native.median_ns.point;
                engines.push((
                    r.parameter.clone(),
                    r.function.clone(),
                    r.median_ns.point,
                    ratio,
                ));
            }
        }
        // Scenario by scenario (smallest native time first), native, polars, sql.
        let rank = |e: &str| ["native", "polars", "sql"].iter().position(|x| *x == e);
        let native_ns = |sc: &str| {
            engines
                .iter()
                .find(|(s, e, _, _)| s == sc && e == "native")
                .map_or(f64::INFINITY, |r| r.2)
        };
        let mut keyed: Vec<_> = engines
            .iter()
            .map(|r| (native_ns(&r.0), rank(&r.1), r.clone()))
            .collect();
        keyed.sort_by(|a, b| {
            a.0.total_cmp(&b.0)
                .then(a.1.cmp(&b.1))
                .then(a.2 .0.cmp(&b.2 .0))
        });
        let engines: Vec<_> = keyed.into_iter().map(|(_, _, r)| r).collect();
        let scaling = scaling(
            &results,
            "phases",
            Thresholds::default().max_scaling_exponent,
        );
        Report {
            meta,
            results,
            instructions,
            scaling,
            targets,
            orchestration,
            engines,
        }
    }

    pub fn csv(&self) -> String {
        let mut s = String::from("id,group,function,parameter,median_ns,lower_ns,upper_ns,elements,throughput_per_s,peak_heap_bytes,allocations,digest\n");
        for r in &self.results {
            let o = |v: Option<String>| v.unwrap_or_default();
            s.push_str(&format!(
                "{},{},{},{},{:.1},{:.1},{:.1},{},{},{},{},{}\n",
                r.id,
                r.group,
                r.function,
                r.parameter,
                r.median_ns.point,
                r.median_ns.lower,
                r.median_ns.upper,
                o(r.elements.map(|x| x.to_string())),
                o(r.throughput().map(|t| format!("{:.1}", t.point))),
                o(r.peak_heap_bytes.map(|x| x.to_string())),
                o(r.allocations.map(|x| x.to_string())),
                o(r.digest.clone())
            ));
        }
        s
    }

    pub fn markdown(&self) -> String {
        let mut s = format!(
            "# Benchmark report\n\ncommit {} · {} · {} ({} cores) · {}\n\n",
            self.meta.commit,
            self.meta.date,
            self.meta.cpu_model,
            self.meta.cores,
            self.meta.toolchain
        );
        s.push_str("## Targets\n\n| target | limit | measured | pass |\n|---|---|---|---|\n");
        for t in &self.targets {
            let pass = match t.pass {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "not measured",
            };
            s.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                t.name,
                t.limit,
                t.measured.clone().unwrap_or_else(|| "-".into()),
                pass
            ));
        }
        s.push_str("\n## Results (median, 95% CI)\n\n| benchmark | median | CI | throughput | peak heap | allocations | digest |\n|---|---|---|---|---|---|---|\n");
        for r in &self.results {
            s.push_str(&format!(
                "| {} | {} | [{}, {}] | {} | {} | {} | {} |\n",
                r.id,
                format_value("time", r.median_ns.point),
                format_value("time", r.median_ns.lower),
                format_value("time", r.median_ns.upper),
                r.throughput()
                    .map(|t| format_value("throughput", t.point))
                    .unwrap_or_else(|| "-".into()),
                r.peak_heap_bytes
                    .map(|b| format_value("peak_heap", b as f64))
                    .unwrap_or_else(|| "-".into()),
                r.allocations
                    .map(|a| a.to_string())
                    .unwrap_or_else(|| "-".into()),
                r.digest.clone().unwrap_or_else(|| "-".into())
            ));
        }
        if !self.scaling.is_empty() {
            s.push_str("\n## Scaling (time ≈ a · n^b per phase)\n\n");
            s.push_str(&scaling_table(&self.scaling));
        }
        if !self.orchestration.is_empty() {
            s.push_str("\n## Orchestration overhead (time outside the in-memory compute)\n\n| scenario | in memory | DuckDB (default) | DuckDB, every stage materialised | naive overhead / default overhead |\n|---|---|---|---|---|\n");
            for (sc, m, d, n, red) in &self.orchestration {
                s.push_str(&format!(
                    "| {sc} | {} | {} | {} | {red:.2}× |\n",
                    format_value("time", *m),
                    format_value("time", *d),
                    format_value("time", *n)
                ));
            }
        }
        if !self.engines.is_empty() {
            s.push_str("\n## Engines (whole in-memory run; every engine's digest equals native's)\n\n| scenario | engine | median | × native |\n|---|---|---|---|\n");
            for (sc, engine, ns, ratio) in &self.engines {
                s.push_str(&format!(
                    "| {sc} | {engine} | {} | {ratio:.1}× |\n",
                    format_value("time", *ns)
                ));
            }
        }
        if !self.instructions.is_empty() {
            s.push_str("\n## Instruction counts (callgrind, gungraun)\n\n| bench | instructions |\n|---|---|\n");
            for (id, ir) in &self.instructions {
                s.push_str(&format!("| {id} | {ir} |\n"));
            }
        }
        s
    }

    /// A log-log plot of phase time against census size.
    pub fn scaling_svg(&self) -> String {
        let (w, h, pad) = (720.0, 440.0, 60.0);
        let pts: Vec<(f64, f64)> = self
            .scaling
            .iter()
            .flat_map(|f| f.points.iter().copied())
            .filter(|p| p.0 > 0.0 && p.1 > 0.0)
            .collect();
        let mut s = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        if pts.is_empty() {
            s.push_str("<text x=\"20\" y=\"30\">no phase results</text>\n</svg>\n");
            return s;
        }
        let (x0, x1) = pts.iter().fold((f64::MAX, f64::MIN), |(a, b), p| {
            (a.min(p.0.log10()), b.max(p.0.log10()))
        });
        let (y0, y1) = pts.iter().fold((f64::MAX, f64::MIN), |(a, b), p| {
            (a.min(p.1.log10()), b.max(p.1.log10()))
        });
        let (x1, y1) = (
            if x1 > x0 { x1 } else { x0 + 1.0 },
            if y1 > y0 { y1 } else { y0 + 1.0 },
        );
        let px = |x: f64| pad + (x.log10() - x0) / (x1 - x0) * (w - 2.0 * pad - 160.0);
        let py = |y: f64| h - pad - (y.log10() - y0) / (y1 - y0) * (h - 2.0 * pad);
        s.push_str(&format!("<text x=\"{pad}\" y=\"24\" font-size=\"14\">Phase time vs. employees (log-log)</text>\n"));
        s.push_str(&format!("<line x1=\"{pad}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>\n<line x1=\"{pad}\" y1=\"{pad}\" x2=\"{pad}\" y2=\"{}\" stroke=\"black\"/>\n", h - pad, w - pad - 160.0, h - pad, h - pad));
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\">employees</text><text x=\"8\" y=\"{}\">time</text>\n",
            w / 2.0 - 80.0,
            h - 20.0,
            pad - 8.0
        ));
        for e in (x0.floor() as i32)..=(x1.ceil() as i32) {
            let v = 10f64.powi(e);
            if (x0..=x1).contains(&(e as f64)) {
                s.push_str(&format!(
                    "<text x=\"{:.1}\" y=\"{}\">{}</text>\n",
                    px(v) - 10.0,
                    h - pad + 16.0,
                    v
                ));
            }
        }
        for e in (y0.floor() as i32)..=(y1.ceil() as i32) {
            let v = 10f64.powi(e);
            if (y0..=y1).contains(&(e as f64)) {
                s.push_str(&format!(
                    "<text x=\"4\" y=\"{:.1}\">{}</text>\n",
                    py(v) + 4.0,
                    format_value("time", v)
                ));
            }
        }
        let colours = [
            "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
            "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39",
        ];
        for (k, f) in self.scaling.iter().enumerate() {
            let c = colours[k % colours.len()];
            let line: Vec<String> = f
                .points
                .iter()
                .map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
                .collect();
            s.push_str(&format!(
                "<polyline fill=\"none\" stroke=\"{c}\" stroke-width=\"2\" points=\"{}\"/>\n",
                line.join(" ")
            ));
            s.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" fill=\"{c}\">{} (b={:.2})</text>\n",
                w - pad - 150.0,
                pad + 14.0 * k as f64,
                f.function,
                f.b
            ));
        }
        s.push_str("</svg>\n");
        s
    }
}
