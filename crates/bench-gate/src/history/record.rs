//! What a bench run left behind, as history records: every callgrind event of gungraun's
//! `summary.json` files (instruction counts first), and criterion's median time with its
//! interval, the throughput, the peak heap, the allocation count and the output digest.

use super::{Fingerprint, HistoryError, Record};
use crate::measurement::{callgrind_metrics, collect, files_named, read_json};
use std::path::Path;

/// The commit a run measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    pub commit: String,
    pub commit_time: i64,
    pub dirty: bool,
}

fn git(repo: &Path, args: &[&str]) -> Result<String, HistoryError> {
    crate::git::run(repo, args).map_err(HistoryError::Git)
}

impl CommitInfo {
    /// `rev` of the repository at `repo`; dirty when `rev` is the checked-out commit and the
    /// tracked files differ from it.
    pub fn of(repo: &Path, rev: &str) -> Result<CommitInfo, HistoryError> {
        let commit = git(
            repo,
            &["rev-parse", "--verify", &format!("{rev}^{{commit}}")],
        )
        .map_err(|_| HistoryError::Git(format!("{rev} is not a commit of {}", repo.display())))?;
        let commit_time = git(repo, &["log", "-1", "--format=%ct", &commit])?
            .parse()
            .map_err(|e| HistoryError::Git(format!("the time of {commit}: {e}")))?;
        let head = git(repo, &["rev-parse", "HEAD"]).unwrap_or_default();
        let dirty = head == commit
            && !git(repo, &["status", "--porcelain", "--untracked-files=no"])?.is_empty();
        Ok(CommitInfo {
            commit,
            commit_time,
            dirty,
        })
    }
}

/// Seconds since 1970, now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A callgrind metric's value in a gungraun summary: a number, or `{"Int": n}` /
/// `{"Float": x}`.
fn metric_value(v: &serde_json::Value) -> Option<f64> {
    v.as_f64()
        .or_else(|| v["Int"].as_f64())
        .or_else(|| v["Float"].as_f64())
        .filter(|x| x.is_finite())
}

/// Every metric of one gungraun summary, `(event, value)`, in the summary's order.
fn summary_metrics(v: &serde_json::Value) -> Vec<(String, f64)> {
    let Some(serde_json::Value::Object(map)) = callgrind_metrics(v) else {
        return Vec::new();
    };
    map.iter()
        .filter_map(|(k, m)| Some((k.clone(), metric_value(&m["values"]["new"])?)))
        .collect()
}

/// The unit of a callgrind event.
fn event_unit(event: &str) -> &'static str {
    match event {
        "Ir" => "instructions",
        e if e.ends_with("Rate") => "percent",
        "EstimatedCycles" => "cycles",
        _ => "events",
    }
}

/// Every callgrind event of every `summary.json` under a gungraun tree:
/// `(group/function.id, event, value)`, ordered by file.
pub fn gungraun_figures(dir: &Path) -> Result<Vec<(String, String, f64)>, HistoryError> {
    let mut summaries = files_named(dir, "summary.json");
    summaries.sort();
    let mut out = Vec::new();
    for p in summaries {
        let v = read_json(&p).map_err(|e| HistoryError::Invalid(e.to_string()))?;
        let bench = format!(
            "{}/{}.{}",
            v["group"].as_str().unwrap_or("?"),
            v["function_name"].as_str().unwrap_or("?"),
            v["id"].as_str().unwrap_or("?")
        );
        for (event, value) in summary_metrics(&v) {
            out.push((bench.clone(), event, value));
        }
    }
    Ok(out)
}

/// The records of one bench run: the gungraun tree at `gungraun` and the criterion results
/// at `criterion` (with their side outputs at `extra`), any of which may be missing.
pub fn figures(
    gungraun: Option<&Path>,
    criterion: Option<(&Path, &Path)>,
    machine: &Fingerprint,
    at: &CommitInfo,
    recorded_at: i64,
) -> Result<Vec<Record>, HistoryError> {
    let base = |bench: String, measure: &str, unit: &str, value: f64| Record {
        machine: machine.clone(),
        commit: at.commit.clone(),
        commit_time: at.commit_time,
        dirty: at.dirty,
        recorded_at,
        bench,
        measure: measure.into(),
        unit: unit.into(),
        value,
        lower: None,
        upper: None,
        text: None,
    };
    let mut out = Vec::new();
    if let Some(dir) = gungraun {
        for (bench, event, value) in gungraun_figures(dir)? {
            out.push(base(bench, &event, event_unit(&event), value));
        }
    }
    if let Some((dir, extra)) = criterion {
        // No criterion results is not an error here: a run may be instructions only.
        for r in collect(dir, extra).unwrap_or_default() {
            let mut time = base(r.id.clone(), "time", "ns", r.median_ns.point);
            time.lower = Some(r.median_ns.lower);
            time.upper = Some(r.median_ns.upper);
            out.push(time);
            if let Some(t) = r.throughput() {
                let mut x = base(r.id.clone(), "throughput", "elements/s", t.point);
                x.lower = Some(t.lower);
                x.upper = Some(t.upper);
                out.push(x);
            }
            if let Some(b) = r.peak_heap_bytes {
                out.push(base(r.id.clone(), "peak_heap", "bytes", b as f64));
            }
            if let Some(a) = r.allocations {
                out.push(base(r.id.clone(), "allocations", "count", a as f64));
            }
            if let Some(d) = &r.digest {
                let mut x = base(r.id.clone(), "digest", "", 0.0);
                x.text = Some(d.clone());
                out.push(x);
            }
        }
    }
    if out.is_empty() {
        return Err(HistoryError::NothingToRecord {
            gungraun: gungraun.map(Path::to_path_buf).unwrap_or_default(),
            criterion: criterion.map(|c| c.0.to_path_buf()).unwrap_or_default(),
        });
    }
    Ok(out)
}
