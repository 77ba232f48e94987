//! Promotions where the files give no job level: a stayer's raise is classified by a
//! two-component normal mixture fitted by expectation-maximisation to the raises of the
//! year's stayers with a year of service. The lower component is the merit and COLA raise
//! everyone gets, the upper one the promotion raise (+20% ± 5% by default, docs/rules.md 3.7);
//! a raise is a promotion when the upper component's posterior is above one half. With
//! fewer than 20 raises, or components that do not separate (means closer than two
//! standard deviations of the lower one), no raise is classified a promotion.

use serde::Serialize;

/// A fitted two-component mixture.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Mixture {
    pub weight_upper: f64,
    pub mean_lower: f64,
    pub sd_lower: f64,
    pub mean_upper: f64,
    pub sd_upper: f64,
    /// Whether the components separate (else nothing is a promotion).
    pub separated: bool,
}

fn density(x: f64, mean: f64, sd: f64) -> f64 {
    let z = (x - mean) / sd;
    (-0.5 * z * z).exp() / sd
}

impl Mixture {
    /// Fits the mixture to `raises`.
    pub fn fit(raises: &[f64]) -> Mixture {
        let mut v: Vec<f64> = raises.iter().copied().filter(|x| x.is_finite()).collect();
        v.sort_by(f64::total_cmp);
        let none = Mixture {
            weight_upper: 0.0,
            mean_lower: crate::estimate::quantile(&v, 0.5),
            sd_lower: 0.0,
            mean_upper: f64::NAN,
            sd_upper: 0.0,
            separated: false,
        };
        if v.len() < 20 {
            return none;
        }
        let (mut w, mut m1, mut m2) = (
            0.1,
            crate::estimate::quantile(&v, 0.5),
            crate::estimate::quantile(&v, 0.97),
        );
        let spread =
            (crate::estimate::quantile(&v, 0.75) - crate::estimate::quantile(&v, 0.25)).max(1e-4);
        let (mut s1, mut s2) = (spread, spread);
        let floor = 1e-5;
        for _ in 0..300 {
            let (mut n1, mut n2, mut a1, mut a2) = (0.0, 0.0, 0.0, 0.0);
            let post: Vec<f64> = v
                .iter()
                .map(|&x| {
                    let (p1, p2) = ((1.0 - w) * density(x, m1, s1), w * density(x, m2, s2));
                    if p1 + p2 > 0.0 {
                        p2 / (p1 + p2)
                    } else if (x - m2).abs() < (x - m1).abs() {
                        1.0
                    } else {
                        0.0
                    }
                })
                .collect();
            for (&x, &r) in v.iter().zip(&post) {
                n1 += 1.0 - r;
                n2 += r;
                a1 += (1.0 - r) * x;
                a2 += r * x;
            }
            if n1 <= 0.0 || n2 <= 0.0 {
                return none;
            }
            let (new1, new2) = (a1 / n1, a2 / n2);
            let var = |mean: f64, upper: bool| {
                v.iter()
                    .zip(&post)
                    .map(|(&x, &r)| if upper { r } else { 1.0 - r } * (x - mean).powi(2))
                    .sum::<f64>()
            };
            s1 = (var(new1, false) / n1).sqrt().max(floor);
            s2 = (var(new2, true) / n2).sqrt().max(floor);
            let moved = (new1 - m1).abs() + (new2 - m2).abs();
            (m1, m2, w) = (new1, new2, n2 / v.len() as f64);
            if moved < 1e-12 {
                break;
            }
        }
        if m2 < m1 {
            (m1, m2, s1, s2, w) = (m2, m1, s2, s1, 1.0 - w);
        }
        Mixture {
            weight_upper: w,
            mean_lower: m1,
            sd_lower: s1,
            mean_upper: m2,
            sd_upper: s2,
            separated: m2 - m1 > 2.0 * s1 && w > 0.0,
        }
    }

    /// Whether a raise is a promotion.
    pub fn is_promotion(&self, raise: f64) -> bool {
        if !self.separated {
            return false;
        }
        let (p1, p2) = (
            (1.0 - self.weight_upper) * density(raise, self.mean_lower, self.sd_lower),
            self.weight_upper * density(raise, self.mean_upper, self.sd_upper),
        );
        p2 > p1 || (p1 == 0.0 && raise > self.mean_upper)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merit_and_promotion_raises_separate() {
        let mut raises = Vec::new();
        for i in 0..900 {
            raises.push(0.05 + (i % 7) as f64 * 0.001);
        }
        for i in 0..100 {
            raises.push(0.20 + (i % 11) as f64 * 0.01 - 0.05);
        }
        let m = Mixture::fit(&raises);
        assert!(m.separated, "{m:?}");
        assert!((m.weight_upper - 0.1).abs() < 0.01, "{m:?}");
        assert!(!m.is_promotion(0.055) && m.is_promotion(0.18));
        assert!(!Mixture::fit(&raises[..10]).separated);
    }
}
