//! The detector over the history: [`crate::changepoint`] on every series, each change named
//! by its first commit at the new level (and the last commit before it), marked as a
//! regression or an improvement, as *new* when it starts in the newest commits, and as
//! acknowledged when `baselines/acknowledged.toml` names a commit it covers.

use super::series::Series;
use super::Record;
use crate::acknowledge::{Acknowledgement, Acknowledgements};
use crate::changepoint::{analyse, Analysis, Change, Options, Shape, Strength};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One change of one series, with its commits.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Finding {
    pub machine: String,
    pub bench: String,
    pub measure: String,
    pub unit: String,
    /// The first commit at the new level (a drift: the first commit of the climb).
    pub first_commit: String,
    /// The last commit before the change, when there is one.
    pub last_before: Option<String>,
    /// A drift's first commit at the new level.
    pub end_commit: String,
    pub change: Change,
    /// Worse: larger, or smaller for throughput.
    pub regression: bool,
    /// Starts within the newest commits of its series.
    pub new: bool,
    pub acknowledged: Option<Acknowledgement>,
}

impl Finding {
    /// Fails `--fail-on-new`: a strong, new, unacknowledged regression.
    pub fn fails(&self) -> bool {
        self.new
            && self.regression
            && self.change.strength == Strength::Strong
            && self.acknowledged.is_none()
    }
}

/// A series with what the detector said of it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Detected {
    pub series: Series,
    pub analysis: Analysis,
    pub findings: Vec<Finding>,
}

/// Runs the detector on every series; a change is new when its first commit is one of the
/// `newest` newest commits recorded on its machine (a series no longer recorded has none);
/// acknowledgements are matched through git in `repo`.
pub fn detect(
    series: Vec<Series>,
    options: &Options,
    acks: &Acknowledgements,
    repo: &Path,
    newest: usize,
) -> Vec<Detected> {
    let mut recent: BTreeMap<&str, BTreeSet<(i64, &str)>> = BTreeMap::new();
    for s in &series {
        let set = recent.entry(s.machine.as_str()).or_default();
        set.extend(s.points.iter().map(|p| (p.commit_time, p.commit.as_str())));
    }
    let recent: BTreeMap<String, BTreeSet<String>> = recent
        .into_iter()
        .map(|(m, set)| {
            let last = set
                .iter()
                .rev()
                .take(newest)
                .map(|c| c.1.to_string())
                .collect();
            (m.to_string(), last)
        })
        .collect();
    series
        .into_iter()
        .map(|s| {
            let values: Vec<f64> = s.points.iter().map(|p| p.value).collect();
            let analysis = analyse(&values, options, Record::is_exact(&s.measure));
            let n = s.points.len();
            let findings = analysis
                .changes
                .iter()
                .map(|c| {
                    let first = &s.points[c.start].commit;
                    let last_before = c.start.checked_sub(1).map(|i| s.points[i].commit.clone());
                    let end = &s.points[c.end.min(n - 1)].commit;
                    let regression = if Record::lower_is_better(&s.measure) {
                        c.pct > 0.0
                    } else {
                        c.pct < 0.0
                    };
                    let acknowledged = regression
                        .then(|| {
                            let range = match &last_before {
                                Some(b) => format!("{b}..{end}"),
                                None => end.clone(),
                            };
                            acks.find_in_range(repo, &s.bench, &s.measure, &range, first, c.pct)
                                .cloned()
                        })
                        .flatten();
                    Finding {
                        machine: s.machine.clone(),
                        bench: s.bench.clone(),
                        measure: s.measure.clone(),
                        unit: s.unit.clone(),
                        first_commit: first.clone(),
                        last_before,
                        end_commit: end.clone(),
                        change: *c,
                        regression,
                        new: recent.get(&s.machine).is_some_and(|r| r.contains(first)),
                        acknowledged,
                    }
                })
                .collect();
            Detected {
                series: s,
                analysis,
                findings,
            }
        })
        .collect()
}

/// A number of `unit` for a table: counts with thousands separators, times in ms.
pub fn format_value(v: f64, unit: &str) -> String {
    match unit {
        "ns" => format!("{:.3} ms", v / 1e6),
        "percent" => format!("{v:.2}%"),
        _ if v.abs() >= 1000.0 => {
            let s = format!("{}", v.abs().round() as u64);
            let mut out = String::new();
            for (i, ch) in s.chars().enumerate() {
                if i > 0 && (s.len() - i) % 3 == 0 {
                    out.push(',');
                }
                out.push(ch);
            }
            if v < 0.0 {
                format!("-{out}")
            } else {
                out
            }
        }
        _ => format!("{v:.4}"),
    }
}

/// A p-value for a table.
pub fn format_p(p: f64) -> String {
    if p < 1e-15 {
        "< 1e-15".into()
    } else if p < 1e-4 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}

/// The change list as a Markdown table (strong first, then by bench).
pub fn markdown_table(findings: &[&Finding]) -> String {
    let mut s = String::from(
        "| bench | measure | first commit | last before | kind | before | after | change | p | strength | status |\n|---|---|---|---|---|---:|---:|---:|---:|---|---|\n",
    );
    for f in findings {
        let kind = match f.change.shape {
            Shape::Step => "step".to_string(),
            Shape::Drift => format!("drift to {}", &f.end_commit[..9.min(f.end_commit.len())]),
        };
        let status = match (&f.acknowledged, f.regression, f.new) {
            (Some(a), _, _) => crate::acknowledge::label(a),
            (None, true, true) => "**new regression**".into(),
            (None, true, false) => "regression".into(),
            (None, false, _) => "improvement".into(),
        };
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {:+.2}% | {} | {} | {} |\n",
            f.bench,
            f.measure,
            &f.first_commit[..9.min(f.first_commit.len())],
            f.last_before
                .as_deref()
                .map_or("–", |c| &c[..9.min(c.len())]),
            kind,
            format_value(f.change.before, &f.unit),
            format_value(f.change.after, &f.unit),
            f.change.pct,
            format_p(f.change.p_value),
            match f.change.strength {
                Strength::Strong => "strong",
                Strength::Weak => "weak",
            },
            status
        ));
    }
    s
}
