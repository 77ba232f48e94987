//! Scenario comparison: per year and metric, the difference alternative − base, paired by
//! seed (the same seed draws the same workforce in both scenarios, so the difference is the
//! design's effect, not the seeds' noise), with its ensemble interval: the mean difference
//! and the 5th, 50th and 95th percentiles of the per-seed differences.

use crate::ensemble::percentile;
use crate::metrics::Metric;
use crate::summary::RunSummary;
use serde::Serialize;
use std::collections::BTreeMap;

/// The difference of one metric in one year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    pub year: i32,
    pub metric: &'static str,
    /// Seeds paired (run in both scenarios and reaching this year).
    pub pairs: usize,
    pub base_mean: f64,
    pub alternative_mean: f64,
    pub mean: f64,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

/// Every difference alternative − base over the seeds both scenarios ran in their
/// ensembles, by year, then metric (in [`Metric::ALL`] order).
pub fn compare(runs: &[RunSummary], base: usize, alternative: usize) -> Vec<Difference> {
    let of = |s: usize| -> BTreeMap<u64, &RunSummary> {
        runs.iter()
            .filter(|r| r.scenario == s && r.design == crate::Design::Ensemble)
            .map(|r| (r.seed, r))
            .collect()
    };
    let (a, b) = (of(base), of(alternative));
    let mut cells: BTreeMap<(i32, usize), Vec<(f64, f64)>> = BTreeMap::new();
    for (seed, ra) in &a {
        let Some(rb) = b.get(seed) else { continue };
        for ya in &ra.years {
            let Some(yb) = rb.years.iter().find(|y| y.year == ya.year) else {
                continue;
            };
            for (k, m) in Metric::ALL.iter().enumerate() {
                cells
                    .entry((ya.year, k))
                    .or_default()
                    .push((m.value(ya), m.value(yb)));
            }
        }
    }
    cells
        .into_iter()
        .map(|((year, k), pairs)| {
            let n = pairs.len() as f64;
            let mut d: Vec<f64> = pairs.iter().map(|(x, y)| y - x).collect();
            let mean = d.iter().sum::<f64>() / n;
            d.sort_by(f64::total_cmp);
            Difference {
                year,
                metric: Metric::ALL[k].name(),
                pairs: pairs.len(),
                base_mean: pairs.iter().map(|p| p.0).sum::<f64>() / n,
                alternative_mean: pairs.iter().map(|p| p.1).sum::<f64>() / n,
                mean,
                p5: percentile(&d, 0.05),
                p50: percentile(&d, 0.50),
                p95: percentile(&d, 0.95),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use workforce_sim_core::report::YearSummary;

    fn run(scenario: usize, seed: u64, hires: u64) -> RunSummary {
        RunSummary {
            scenario,
            seed,
            design: crate::Design::Ensemble,
            years: vec![YearSummary {
                year: 2025,
                hires,
                ..Default::default()
            }],
            adp_acp_pass: Vec::new(),
            seconds: 0.0,
        }
    }

    #[test]
    fn differences_are_paired_by_seed() {
        let runs = [
            run(0, 1, 10),
            run(0, 2, 20),
            run(1, 1, 13),
            run(1, 2, 23),
            run(1, 3, 99),
        ];
        let d = compare(&runs, 0, 1);
        let hires = d.iter().find(|x| x.metric == "hires").unwrap();
        assert_eq!(hires.pairs, 2);
        assert_eq!((hires.mean, hires.p5, hires.p95), (3.0, 3.0, 3.0));
        assert_eq!((hires.base_mean, hires.alternative_mean), (15.0, 18.0));
    }
}
