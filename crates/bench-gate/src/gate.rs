//! The gate: a current run against a baseline, a regression flagged only beyond a threshold
//! and with non-overlapping confidence intervals; its Markdown table.

use crate::*;
use serde::{Deserialize, Serialize};

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
