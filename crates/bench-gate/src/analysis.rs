//! Analysis: power-law fits of phase time against census size (the linear-cost check) and
//! value formatting.

use crate::*;
use serde::{Deserialize, Serialize};

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
