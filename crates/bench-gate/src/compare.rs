//! Base against head, measured in the same job on the same machine (`scripts/bench-compare.sh`):
//! the instruction counts of both commits (gungraun, the head run against a `base` baseline
//! saved by the base run) and, optionally, criterion wall times of interleaved rounds; one
//! Markdown table of bench, base, head, change and verdict.
//!
//! Verdicts: instructions fail above +2% (counts are exact for a binary and its inputs, so
//! any growth is the code's); wall time fails above +15% **and** only when the two sides'
//! intervals do not overlap (the interval of a side is the hull of its rounds' 95% intervals).
//! A bench that exists on one side only is reported, not failed. A failure that
//! `baselines/acknowledged.toml` acknowledges for a commit between base and head is shown as
//! *acknowledged* with its reason, and does not fail ([`acknowledge`]).

use crate::acknowledge::Acknowledgements;
use crate::measurement::{callgrind_metrics, files_named, read_json};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::Path;

/// What the comparison concluded for one bench.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    /// Faster beyond the threshold (reported, never failed).
    Faster,
    Fail,
    /// In the head only.
    New,
    /// In the base only.
    Gone,
    /// Beyond the threshold, acknowledged as intended (`baselines/acknowledged.toml`).
    Acknowledged,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Faster => "faster",
            Verdict::Fail => "**FAIL**",
            Verdict::New => "new",
            Verdict::Gone => "gone",
            Verdict::Acknowledged => "acknowledged",
        }
    }
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// `instructions` or `wall time`.
    pub kind: &'static str,
    pub bench: String,
    pub base: Option<f64>,
    pub head: Option<f64>,
    /// (head − base) / base, percent.
    pub change_pct: Option<f64>,
    pub verdict: Verdict,
    pub note: String,
}

/// The thresholds of the gate, percent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub instructions_pct: f64,
    pub wall_pct: f64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            instructions_pct: 2.0,
            wall_pct: 15.0,
        }
    }
}

/// The Ir count of a gungraun summary, new (this run) and old (the baseline compared with):
/// `profiles[].data.total.summary` (or the first part) `.Ir.values.{new,old}`.
fn ir_values(summary: &serde_json::Value) -> Option<(Option<u64>, Option<u64>)> {
    let metrics = callgrind_metrics(summary)?;
    let values = &metrics["Ir"]["values"];
    let get = |k: &str| -> Option<u64> {
        let v = &values[k];
        v.as_u64()
            .or_else(|| v.as_f64().map(|x| x as u64))
            .or_else(|| v["Int"].as_u64())
    };
    Some((get("new"), get("old")))
}

/// Every bench of a gungraun output tree (`GUNGRAUN_HOME`) after a head run against the base
/// baseline: one row per `summary.json`, ordered by bench id.
pub fn instruction_rows(dir: &Path, limits: &Limits) -> Vec<Row> {
    let mut rows = Vec::new();
    for p in files_named(dir, "summary.json") {
        let Ok(v) = read_json(&p) else { continue };
        let Some((head, base)) = ir_values(&v) else {
            continue;
        };
        let name = format!(
            "{}/{}.{}",
            v["group"].as_str().unwrap_or("?"),
            v["function_name"].as_str().unwrap_or("?"),
            v["id"].as_str().unwrap_or("?")
        );
        rows.push(row(
            "instructions",
            name,
            base.map(|x| x as f64),
            head.map(|x| x as f64),
            limits.instructions_pct,
            true,
        ));
    }
    rows.sort_by(|a, b| a.bench.cmp(&b.bench));
    rows
}

/// A row from the two sides' values; `exact` for instruction counts (no interval).
fn row(
    kind: &'static str,
    bench: String,
    base: Option<f64>,
    head: Option<f64>,
    limit_pct: f64,
    exact: bool,
) -> Row {
    let (verdict, change_pct) = match (base, head) {
        (Some(b), Some(h)) if b > 0.0 => {
            let c = (h - b) / b * 100.0;
            let v = if c > limit_pct {
                Verdict::Fail
            } else if c < -limit_pct {
                Verdict::Faster
            } else {
                Verdict::Pass
            };
            (v, Some(c))
        }
        (Some(_), None) => (Verdict::Gone, None),
        _ => (Verdict::New, None),
    };
    Row {
        kind,
        bench,
        base,
        head,
        change_pct,
        verdict,
        note: if exact {
            String::new()
        } else {
            "mean of the rounds' medians".into()
        },
    }
}

/// A side of a wall-time comparison: per round, criterion's median with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rounds {
    /// Mean of the rounds' medians, ns.
    pub point: f64,
    pub lower: f64,
    pub upper: f64,
}

/// Reads `<bench>/<name>/estimates.json` (criterion's median) for every bench under the
/// criterion directory that has a saved baseline `name`.
fn criterion_medians(dir: &Path, name: &str) -> Vec<(String, f64, f64, f64)> {
    let mut out = Vec::new();
    for p in files_named(dir, "estimates.json") {
        let Some(saved) = p
            .parent()
            .filter(|d| d.file_name().is_some_and(|n| n == name))
        else {
            continue;
        };
        let Ok(v) = read_json(&p) else { continue };
        let m = &v["median"];
        let (Some(point), Some(lower), Some(upper)) = (
            m["point_estimate"].as_f64(),
            m["confidence_interval"]["lower_bound"].as_f64(),
            m["confidence_interval"]["upper_bound"].as_f64(),
        ) else {
            continue;
        };
        let id = saved
            .parent()
            .and_then(|b| b.strip_prefix(dir).ok())
            .map(|b| b.display().to_string())
            .unwrap_or_default();
        out.push((id, point, lower, upper));
    }
    out
}

/// The wall-time rows of `rounds` interleaved rounds saved as criterion baselines
/// `base-1`, `head-1`, ..., `base-R`, `head-R`.
pub fn wall_rows(criterion_dir: &Path, rounds: usize, limits: &Limits) -> Vec<Row> {
    use std::collections::BTreeMap;
    /// Per bench, base's and head's rounds: (median, lower, upper).
    type Sides = [Vec<(f64, f64, f64)>; 2];
    let mut sides: BTreeMap<String, Sides> = BTreeMap::new();
    for r in 1..=rounds {
        for (k, side) in ["base", "head"].iter().enumerate() {
            for (id, p, l, u) in criterion_medians(criterion_dir, &format!("{side}-{r}")) {
                sides.entry(id).or_default()[k].push((p, l, u));
            }
        }
    }
    let fold = |v: &[(f64, f64, f64)]| -> Option<Rounds> {
        if v.is_empty() {
            return None;
        }
        Some(Rounds {
            point: v.iter().map(|x| x.0).sum::<f64>() / v.len() as f64,
            lower: v.iter().map(|x| x.1).fold(f64::INFINITY, f64::min),
            upper: v.iter().map(|x| x.2).fold(f64::NEG_INFINITY, f64::max),
        })
    };
    sides
        .into_iter()
        .map(|(id, [b, h])| {
            let (b, h) = (fold(&b), fold(&h));
            let mut r = row(
                "wall time",
                id,
                b.map(|x| x.point),
                h.map(|x| x.point),
                limits.wall_pct,
                false,
            );
            if let (Some(b), Some(h)) = (b, h) {
                let overlap = h.lower <= b.upper && b.lower <= h.upper;
                if overlap && matches!(r.verdict, Verdict::Fail | Verdict::Faster) {
                    r.verdict = Verdict::Pass;
                    r.note = "intervals overlap".into();
                }
            }
            r
        })
        .collect()
}

/// The measure a row compares, as the history names it.
fn measure(kind: &str) -> &'static str {
    if kind == "instructions" {
        "Ir"
    } else {
        "time"
    }
}

/// Turns every failing row that one of `commits` (the commits between base and head)
/// acknowledges into an acknowledged row with the reason in its note.
pub fn acknowledge(rows: &mut [Row], acks: &Acknowledgements, commits: &BTreeSet<String>) {
    for r in rows.iter_mut().filter(|r| r.verdict == Verdict::Fail) {
        let pct = r.change_pct.unwrap_or(f64::INFINITY);
        if let Some(a) = acks.find(&r.bench, measure(r.kind), commits, pct) {
            r.verdict = Verdict::Acknowledged;
            r.note = crate::acknowledge::label(a);
        }
    }
}

/// The table, with the thresholds and the failing benches named under it.
pub fn markdown(rows: &[Row], limits: &Limits, title: &str) -> String {
    let mut s = format!("### {title}\n\n");
    s.push_str("| kind | bench | base | head | change | verdict |\n|---|---|---:|---:|---:|---|\n");
    let fmt = |kind: &str, v: Option<f64>| match (kind, v) {
        (_, None) => "–".to_string(),
        ("instructions", Some(x)) => group_thousands(x as u64),
        (_, Some(x)) => format_ns(x),
    };
    for r in rows {
        let change = r
            .change_pct
            .map_or("–".to_string(), |c| format!("{c:+.2}%"));
        let verdict = if r.note.is_empty() {
            r.verdict.label().to_string()
        } else {
            format!("{} ({})", r.verdict.label(), r.note)
        };
        s.push_str(&format!(
            "| {} | `{}` | {} | {} | {} | {} |\n",
            r.kind,
            r.bench,
            fmt(r.kind, r.base),
            fmt(r.kind, r.head),
            change,
            verdict
        ));
    }
    s.push_str(&format!(
        "\nThresholds: instructions fail above +{}%; wall time fails above +{}% with \
         non-overlapping intervals. Base and head were measured in the same job on the same \
         machine.\n",
        limits.instructions_pct, limits.wall_pct
    ));
    let failed: Vec<&str> = rows
        .iter()
        .filter(|r| r.verdict == Verdict::Fail)
        .map(|r| r.bench.as_str())
        .collect();
    let acknowledged = rows
        .iter()
        .filter(|r| r.verdict == Verdict::Acknowledged)
        .count();
    if failed.is_empty() && acknowledged > 0 {
        s.push_str(&format!(
            "\n**Verdict: pass**, with {acknowledged} acknowledged slowdown(s) (reasons above, from baselines/acknowledged.toml).\n"
        ));
    } else if failed.is_empty() {
        s.push_str("\n**Verdict: pass.**\n");
    } else {
        s.push_str(&format!(
            "\n**Verdict: FAIL** ({}).\n",
            failed
                .iter()
                .map(|b| format!("`{b}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    s
}

fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn format_ns(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.3} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(dir: &Path, group: &str, f: &str, new: u64, old: Option<u64>) {
        let d = dir.join(group).join(format!("{f}.n1000"));
        std::fs::create_dir_all(&d).unwrap();
        let values = match old {
            Some(o) => serde_json::json!({"new": new, "old": o}),
            None => serde_json::json!({"new": new, "old": null}),
        };
        let v = serde_json::json!({
            "group": group, "function_name": f, "id": "n1000",
            "profiles": [{"data": {"parts": [{"metrics": {"Ir": {"values": values}}}]}}]
        });
        std::fs::write(d.join("summary.json"), v.to_string()).unwrap();
    }

    #[test]
    fn instruction_rows_fail_above_the_limit_and_name_the_bench() {
        let dir = tempfile::tempdir().unwrap();
        summary(
            dir.path(),
            "phases",
            "experienced_terminations",
            129_621,
            Some(122_285),
        );
        summary(dir.path(), "phases", "hires", 100_100, Some(100_000));
        summary(dir.path(), "phases", "raises", 90_000, Some(100_000));
        summary(dir.path(), "store", "write_year", 5_000, None);
        let limits = Limits::default();
        let rows = instruction_rows(dir.path(), &limits);
        let verdict = |b: &str| rows.iter().find(|r| r.bench.contains(b)).unwrap().verdict;
        assert_eq!(verdict("experienced_terminations"), Verdict::Fail);
        assert_eq!(verdict("hires"), Verdict::Pass);
        assert_eq!(verdict("raises"), Verdict::Faster);
        assert_eq!(verdict("write_year"), Verdict::New);
        let md = markdown(&rows, &limits, "t");
        assert!(md.contains("| instructions | `phases/experienced_terminations.n1000` | 122,285 | 129,621 | +6.00% | **FAIL** |"), "{md}");
        assert!(
            md.contains("**Verdict: FAIL** (`phases/experienced_terminations.n1000`)"),
            "{md}"
        );
        // Unchanged counts pass.
        let dir = tempfile::tempdir().unwrap();
        summary(dir.path(), "phases", "hires", 100_000, Some(100_000));
        let rows = instruction_rows(dir.path(), &limits);
        assert!(markdown(&rows, &limits, "t").contains("**Verdict: pass.**"));
    }

    fn estimates(dir: &Path, bench: &str, name: &str, point: f64, half: f64) {
        let d = dir.join(bench).join(name);
        std::fs::create_dir_all(&d).unwrap();
        let v = serde_json::json!({"median": {"point_estimate": point,
            "confidence_interval": {"lower_bound": point - half, "upper_bound": point + half}}});
        std::fs::write(d.join("estimates.json"), v.to_string()).unwrap();
    }

    #[test]
    fn wall_rows_need_a_change_beyond_the_limit_and_apart_intervals() {
        let dir = tempfile::tempdir().unwrap();
        for r in 1..=2 {
            estimates(
                dir.path(),
                "workflow/a/quick",
                &format!("base-{r}"),
                100.0,
                2.0,
            );
            estimates(
                dir.path(),
                "workflow/a/quick",
                &format!("head-{r}"),
                130.0,
                2.0,
            );
            estimates(
                dir.path(),
                "workflow/b/quick",
                &format!("base-{r}"),
                100.0,
                30.0,
            );
            estimates(
                dir.path(),
                "workflow/b/quick",
                &format!("head-{r}"),
                125.0,
                30.0,
            );
        }
        let rows = wall_rows(dir.path(), 2, &Limits::default());
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].verdict, Verdict::Fail, "{rows:?}");
        assert_eq!(rows[1].verdict, Verdict::Pass, "overlapping: {rows:?}");
    }
}
