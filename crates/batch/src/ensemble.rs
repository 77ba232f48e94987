//! Ensemble statistics over the seeds of a scenario: per year and metric the mean, the
//! sample standard deviation and the 5th, 25th, 50th, 75th and 95th percentiles, and the
//! probability that a metric passes a threshold.
//!
//! Percentiles interpolate linearly between the two nearest order statistics (the
//! "type 7" definition of R, NumPy's default and DuckDB's `quantile_cont`): with n values
//! sorted x(0) <= ... <= x(n-1), the p-th percentile is at rank h = p (n - 1). They are
//! ordered by construction, and one seed gives a band of zero width. The standard deviation
//! divides by n - 1 (0 for one seed). A threshold probability is the share of seeds whose
//! value is strictly above (or below) the threshold.

use crate::config::Threshold;
use crate::metrics::Metric;
use crate::summary::RunSummary;
use std::collections::BTreeMap;

/// The band of one scenario, year and metric.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Band {
    /// The scenario's index in the batch (written by id: [`crate::ByScenario`]).
    #[serde(skip)]
    pub scenario: usize,
    pub year: i32,
    pub metric: Metric,
    pub runs: usize,
    pub mean: f64,
    pub sd: f64,
    pub p5: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
}

/// The probability of one threshold for one scenario.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ThresholdResult {
    /// The scenario's index in the batch (written by id: [`crate::ByScenario`]).
    #[serde(skip)]
    pub scenario: usize,
    #[serde(flatten)]
    pub threshold: Threshold,
    pub runs: usize,
    pub probability: f64,
}

/// The percentile `p` (0..=1) of sorted values (type 7).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let h = p * (n - 1) as f64;
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
        }
    }
}

/// The values of `metric` in `year` over the seeds of each scenario's ensemble, in seed
/// order (the runs of an attribution design are not part of it).
fn values(runs: &[RunSummary]) -> BTreeMap<(usize, i32, usize), Vec<f64>> {
    let mut out: BTreeMap<(usize, i32, usize), Vec<f64>> = BTreeMap::new();
    for r in runs.iter().filter(|r| r.design == crate::Design::Ensemble) {
        for y in &r.years {
            for (k, m) in Metric::ALL.iter().enumerate() {
                out.entry((r.scenario, y.year, k))
                    .or_default()
                    .push(m.value(y));
            }
        }
    }
    out
}

/// Every band of the runs, ordered by scenario, year and metric.
pub fn bands(runs: &[RunSummary]) -> Vec<Band> {
    values(runs)
        .into_iter()
        .map(|((scenario, year, k), mut v)| {
            let n = v.len();
            let mean = v.iter().sum::<f64>() / n as f64;
            let sd = if n > 1 {
                (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64).sqrt()
            } else {
                0.0
            };
            v.sort_by(f64::total_cmp);
            Band {
                scenario,
                year,
                metric: Metric::ALL[k],
                runs: n,
                mean,
                sd,
                p5: percentile(&v, 0.05),
                p25: percentile(&v, 0.25),
                p50: percentile(&v, 0.50),
                p75: percentile(&v, 0.75),
                p95: percentile(&v, 0.95),
            }
        })
        .collect()
}

/// Every threshold's probability per scenario, over its ensemble.
pub fn thresholds(
    runs: &[RunSummary],
    scenarios: usize,
    thresholds: &[Threshold],
) -> Vec<ThresholdResult> {
    let mut out = Vec::new();
    for s in 0..scenarios {
        for t in thresholds {
            let v: Vec<f64> = runs
                .iter()
                .filter(|r| r.scenario == s && r.design == crate::Design::Ensemble)
                .filter_map(|r| r.years.iter().find(|y| y.year == t.year))
                .map(|y| t.metric.value(y))
                .collect();
            let hits = v
                .iter()
                .filter(|&&x| if t.above { x > t.value } else { x < t.value })
                .count();
            out.push(ThresholdResult {
                scenario: s,
                threshold: t.clone(),
                runs: v.len(),
                probability: if v.is_empty() {
                    f64::NAN
                } else {
                    hits as f64 / v.len() as f64
                },
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_like_type_7() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(percentile(&v, 0.5), 3.0);
        assert_eq!(percentile(&v, 0.25), 2.0);
        assert!((percentile(&v, 0.05) - 1.2).abs() < 1e-12);
        assert!((percentile(&v, 0.95) - 4.8).abs() < 1e-12);
        assert_eq!(percentile(&[7.0], 0.95), 7.0);
    }
}
