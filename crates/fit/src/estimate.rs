//! One fitted quantity with its uncertainty: the raw estimate from the history, its standard
//! error and 95% interval, and the credibility-weighted value `Z × raw + (1 − Z) × configured`
//! with `Z = e / (e + k)` (e the exposure, k `--credibility-k`); below `--min-exposure` the
//! configured value is kept (Z = 0). The interval is the raw estimate's 95% interval (what
//! the history supports), widened to take in the fitted value where the shrinkage moved it
//! outside: it never claims more certainty than the data give, nor hides the prior's pull.

use serde::Serialize;

/// The normal quantile of a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// How raw estimates are weighed against the configured values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Credibility {
    /// `k` of `Z = e / (e + k)`, in the exposure's unit (employee-years, hires, raises).
    pub k: f64,
    /// Below this exposure the configured value is kept.
    pub min_exposure: f64,
}

impl Default for Credibility {
    fn default() -> Self {
        Credibility {
            k: 50.0,
            min_exposure: 30.0,
        }
    }
}

/// One fitted quantity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    /// What it is, for people ("experienced termination rate").
    pub name: String,
    /// The configuration key it sets (`workforce.total_termination_rate`,
    /// `compensation.merit_base[2]`), or none for a quantity reported only.
    pub key: Option<String>,
    /// The exposure it rests on (employee-years, hires, raises, expected events).
    pub exposure: f64,
    /// The events observed (exits, promotions, ...), where it is a rate.
    pub events: f64,
    pub raw: f64,
    pub standard_error: f64,
    /// The configured value it is shrunk toward.
    pub configured: f64,
    /// `Z`.
    pub credibility: f64,
    pub fitted: f64,
    /// The 95% interval of the fitted value.
    pub low: f64,
    pub high: f64,
    /// Why the value is what it is, when not plain (too little exposure, a floor).
    pub note: Option<String>,
    /// The range the value stays in.
    #[serde(skip)]
    pub bounds: (f64, f64),
}

/// The pieces of an estimate before shrinkage.
#[derive(Debug, Clone)]
pub struct Raw {
    pub name: String,
    pub key: Option<String>,
    pub exposure: f64,
    pub events: f64,
    pub raw: f64,
    pub standard_error: f64,
    pub configured: f64,
    /// The range the value must stay in (a rate: [0, 1]).
    pub bounds: (f64, f64),
    pub note: Option<String>,
}

impl Raw {
    /// Shrinks toward the configured value by the credibility of the exposure.
    pub fn shrink(self, c: Credibility) -> Estimate {
        let usable = self.exposure >= c.min_exposure && self.raw.is_finite();
        let z = if usable {
            self.exposure / (self.exposure + c.k.max(0.0))
        } else {
            0.0
        };
        let raw = if self.raw.is_finite() {
            self.raw
        } else {
            self.configured
        };
        let (lo, hi) = self.bounds;
        let clamp = |x: f64| x.clamp(lo, hi);
        // Nothing configured to shrink toward (a quantity reported only): the raw value.
        let z = if self.configured.is_finite() {
            z
        } else if usable {
            1.0
        } else {
            0.0
        };
        let shrink = |x: f64| {
            if self.configured.is_finite() {
                z * x + (1.0 - z) * self.configured
            } else {
                x
            }
        };
        let half = Z95 * self.standard_error;
        let note = if usable {
            self.note
        } else {
            Some(format!(
                "exposure {} is below the minimum {}: the configured value is kept",
                self.exposure, c.min_exposure
            ))
        };
        Estimate {
            name: self.name,
            key: self.key,
            exposure: self.exposure,
            events: self.events,
            raw,
            standard_error: self.standard_error,
            configured: self.configured,
            credibility: z,
            fitted: clamp(shrink(raw)),
            low: clamp((raw - half).min(shrink(raw))),
            high: clamp((raw + half).max(shrink(raw))),
            note,
            bounds: self.bounds,
        }
    }
}

/// A binomial rate `events / exposure` with its standard error `sqrt(p (1 − p) / n)`, floored
/// at the resolution of a count (`0.5 / n`) so that a rate observed without spread still has
/// an interval as wide as its rounding.
pub fn binomial(events: f64, exposure: f64) -> (f64, f64) {
    if exposure <= 0.0 {
        return (f64::NAN, f64::NAN);
    }
    let p = events / exposure;
    let se = (p * (1.0 - p) / exposure)
        .max(0.0)
        .sqrt()
        .max(0.5 / exposure);
    (p, se)
}

/// The mean and its standard error of `values`.
pub fn mean_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    if n == 0.0 {
        return (f64::NAN, f64::NAN);
    }
    let mean = values.iter().sum::<f64>() / n;
    if n < 2.0 {
        return (mean, f64::NAN);
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// The median and its standard error (`1.2533 × sd / √n`, the normal approximation),
/// floored at 1e-6: pay is rounded to cents, so a raise is known to about that.
pub fn median_se(values: &[f64]) -> (f64, f64) {
    if values.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let m = quantile(&v, 0.5);
    let (_, se_mean) = mean_se(values);
    let se = if se_mean.is_finite() {
        (1.2533 * se_mean).max(1e-6)
    } else {
        f64::NAN
    };
    (m, se)
}

/// The `q` quantile of sorted values, interpolated linearly between order statistics.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let at = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (i, frac) = (at.floor() as usize, at.fract());
    match sorted.get(i + 1) {
        Some(next) => sorted[i] + frac * (next - sorted[i]),
        None => sorted[i],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(exposure: f64, value: f64) -> Raw {
        Raw {
            name: "rate".into(),
            key: None,
            exposure,
            events: value * exposure,
            raw: value,
            standard_error: 0.01,
            configured: 0.10,
            bounds: (0.0, 1.0),
            note: None,
        }
    }

    #[test]
    fn credibility_weighs_the_history_by_its_exposure() {
        let c = Credibility {
            k: 100.0,
            min_exposure: 30.0,
        };
        let e = raw(100.0, 0.20).shrink(c);
        assert!((e.credibility - 0.5).abs() < 1e-12);
        assert!((e.fitted - 0.15).abs() < 1e-12);
        assert!(e.low <= e.fitted && e.fitted < e.high);
        // The interval takes in the raw 95% interval and the fitted value.
        assert!(e.low <= 0.20 - Z95 * 0.01 + 1e-12 && e.high >= 0.20 + Z95 * 0.01 - 1e-12);
        let big = raw(1e6, 0.20).shrink(c);
        assert!((big.fitted - 0.20).abs() < 1e-4);
        let small = raw(10.0, 0.20).shrink(c);
        assert_eq!((small.credibility, small.fitted), (0.0, 0.10));
        assert!(small.note.is_some());
    }

    #[test]
    fn rates_and_quantiles() {
        let (p, se) = binomial(18.0, 100.0);
        assert!((p - 0.18).abs() < 1e-12 && (se - (0.18f64 * 0.82 / 100.0).sqrt()).abs() < 1e-12);
        assert_eq!(binomial(0.0, 100.0).1, 0.005);
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.5);
        assert_eq!(median_se(&[0.03, 0.03, 0.03]).0, 0.03);
    }
}
