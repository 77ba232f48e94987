//! Measurement: what the benches left behind (criterion estimates, the bench binaries' side
//! outputs, gungraun instruction counts), read defensively (criterion calls its format private).

use crate::*;
use std::path::Path;

/// A JSON file, parsed (errors name the file).
pub fn read_json(path: &Path) -> Result<serde_json::Value, GateError> {
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

/// Every file called `name` anywhere under `dir` (unreadable directories are skipped), in
/// no particular order.
pub fn files_named(dir: &Path, name: &str) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for p in entries.flatten().map(|e| e.path()) {
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == name) {
                out.push(p);
            }
        }
    }
    out
}

/// The callgrind metrics of a gungraun `summary.json`: the object whose keys are the events
/// (`Ir`, ...), at `profiles[0].data.total.summary` or where older gungraun versions and
/// one-part runs put it.
pub fn callgrind_metrics(summary: &serde_json::Value) -> Option<&serde_json::Value> {
    let data = &summary["profiles"].as_array()?.first()?["data"];
    [
        &data["total"]["summary"]["Callgrind"],
        &data["total"]["summary"],
        &data["total"]["metrics"],
        &data["parts"][0]["metrics"],
    ]
    .into_iter()
    .find(|m| m.get("Ir").is_some())
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
    for p in files_named(dir, "summary.json") {
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
    out.sort();
    out
}
