//! The statistics a search judges designs by: a share's Wilson 95% interval, a mean's
//! standard error, and the paired difference of two designs on common seeds (a normal
//! interval for a mean, a paired bootstrap for a percentile, its resamples drawn from the
//! keyed generator so the interval is the same on every run).

use super::measure::Statistic;
use workforce_sim_core::rng::{fnv1a64, mix, unit};

pub const Z95: f64 = 1.959_963_984_540_054;

/// Bootstrap resamples of a percentile's paired difference.
const RESAMPLES: usize = 999;

/// The Wilson 95% interval of `k` successes in `n`.
pub fn wilson(k: f64, n: f64) -> (f64, f64) {
    if n == 0.0 {
        return (0.0, 1.0);
    }
    let p = k / n;
    let z2 = Z95 * Z95;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Mean and sample standard deviation (NaN for fewer than two values).
pub fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let sd = if n > 1.0 {
        (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        f64::NAN
    };
    (mean, sd)
}

/// The paired difference `stat(a) − stat(b)` over the seeds both ran (the first ones), with
/// its 95% interval `(difference, low, high)`. With one seed the interval is unbounded.
pub fn paired(a: &[f64], b: &[f64], statistic: Statistic) -> (f64, f64, f64) {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    match statistic {
        Statistic::Mean => {
            let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
            let (mean, sd) = mean_sd(&d);
            let half = if sd.is_finite() {
                Z95 * sd / (n as f64).sqrt()
            } else {
                f64::INFINITY
            };
            (mean, mean - half, mean + half)
        }
        Statistic::Percentile(_) => {
            let diff = statistic.of(a) - statistic.of(b);
            if n < 2 {
                return (diff, f64::NEG_INFINITY, f64::INFINITY);
            }
            let key = mix(fnv1a64(b"optimize|bootstrap"));
            let (mut ra, mut rb) = (vec![0.0; n], vec![0.0; n]);
            let mut diffs: Vec<f64> = (0..RESAMPLES)
                .map(|r| {
                    for i in 0..n {
                        let u = unit(mix(key ^ ((r as u64) << 24) ^ i as u64));
                        let k = ((u * n as f64) as usize).min(n - 1);
                        ra[i] = a[k];
                        rb[i] = b[k];
                    }
                    statistic.of(&ra) - statistic.of(&rb)
                })
                .collect();
            diffs.sort_by(f64::total_cmp);
            let q = |p: f64| crate::ensemble::percentile(&diffs, p);
            (diff, q(0.025), q(0.975))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_the_textbook_values() {
        let (lo, hi) = wilson(40.0, 40.0);
        assert!((lo - 0.9124).abs() < 1e-3 && hi == 1.0, "{lo} {hi}");
        let (lo, hi) = wilson(5.0, 10.0);
        assert!((lo - 0.2366).abs() < 1e-3 && (hi - 0.7634).abs() < 1e-3);
    }

    #[test]
    fn a_paired_difference_sees_through_the_common_noise() {
        // Large noise shared by both designs, a constant difference of 1.
        let a: Vec<f64> = (0..20)
            .map(|k| (k * 37 % 11) as f64 * 100.0 + 1.0)
            .collect();
        let b: Vec<f64> = (0..20).map(|k| (k * 37 % 11) as f64 * 100.0).collect();
        let (d, lo, hi) = paired(&a, &b, Statistic::Mean);
        assert!((d - 1.0).abs() < 1e-12 && (lo - 1.0).abs() < 1e-9 && (hi - 1.0).abs() < 1e-9);
        let (d, lo, hi) = paired(&a, &b, Statistic::Percentile(0.9));
        assert!(
            (d - 1.0).abs() < 1e-9 && lo <= d && d <= hi && lo > 0.0,
            "{d} {lo} {hi}"
        );
        // Deterministic.
        assert_eq!(
            paired(&a, &b, Statistic::Percentile(0.9)),
            paired(&a, &b, Statistic::Percentile(0.9))
        );
        let (_, lo, hi) = paired(&a[..1], &b[..1], Statistic::Mean);
        assert!(lo.is_infinite() && hi.is_infinite());
    }
}
