//! Employer match (docs/rules.md 3.17). One source of truth: the active tier list drives both the
//! calculation and the match-magnet ceiling (its highest tier bound). The match is computed
//! from the deferral **rate**, not the 402(g)-capped dollars, on compensation capped at the
//! 401(a)(17) limit.

pub use crate::model::{MatchFormula, MatchTier};

use crate::decimal::round2;

impl MatchFormula {
    /// 100% of the first 3% + 50% of the next 2%, cap 4% (the effective default).
    pub fn default_tiers() -> MatchFormula {
        MatchFormula {
            tiers: vec![
                MatchTier {
                    employee_min: 0.0,
                    employee_max: 0.03,
                    match_rate: 1.0,
                },
                MatchTier {
                    employee_min: 0.03,
                    employee_max: 0.05,
                    match_rate: 0.5,
                },
            ],
            cap: Some(0.04),
        }
    }
    /// 50% up to 6%, cap 3%.
    pub fn simple_match() -> MatchFormula {
        MatchFormula {
            tiers: vec![MatchTier {
                employee_min: 0.0,
                employee_max: 0.06,
                match_rate: 0.5,
            }],
            cap: Some(0.03),
        }
    }
    /// QACA safe harbor: 100% of 1% + 50% of the next 5%, cap 3.5%.
    pub fn qaca_safe_harbor() -> MatchFormula {
        MatchFormula {
            tiers: vec![
                MatchTier {
                    employee_min: 0.0,
                    employee_max: 0.01,
                    match_rate: 1.0,
                },
                MatchTier {
                    employee_min: 0.01,
                    employee_max: 0.06,
                    match_rate: 0.5,
                },
            ],
            cap: Some(0.035),
        }
    }

    /// The match-maximising deferral rate (the magnet ceiling): the highest tier bound.
    pub fn ceiling(&self) -> f64 {
        self.tiers
            .iter()
            .map(|t| t.employee_max)
            .fold(0.0, f64::max)
    }

    /// `Σ [r > lo] × min(r − lo, hi − lo) × rate × C`, then `min(·, cap × C)`, in cents.
    pub fn amount(&self, rate: f64, capped_compensation: f64) -> f64 {
        tiered_amount(&self.tiers, self.cap, rate, capped_compensation)
    }
}

/// The tier formula over a borrowed tier list (so per-employee callers such as the
/// tenure-graded match need no owned [`MatchFormula`]).
pub fn tiered_amount(
    tiers: &[MatchTier],
    cap: Option<f64>,
    rate: f64,
    capped_compensation: f64,
) -> f64 {
    let raw: f64 = tiers
        .iter()
        .filter(|t| rate > t.employee_min)
        .map(|t| {
            (rate - t.employee_min).min(t.employee_max - t.employee_min)
                * t.match_rate
                * capped_compensation
        })
        .sum();
    round2(match cap {
        Some(cap) => raw.min(cap * capped_compensation),
        None => raw,
    })
}

/// Compensation for employer contributions: `min(eligible comp, 401(a)(17) limit)`.
pub fn capped_compensation(eligible: f64, limit_401a17: f64) -> f64 {
    eligible.min(limit_401a17)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g4_default_tiers() {
        let f = MatchFormula::default_tiers();
        assert_eq!(f.amount(0.02, 100_000.0), 2_000.0);
        assert_eq!(f.amount(0.04, 100_000.0), 3_500.0);
        assert_eq!(f.amount(0.06, 100_000.0), 4_000.0);
        assert_eq!(f.amount(0.10, 100_000.0), 4_000.0);
        assert_eq!(
            f.amount(0.10, capped_compensation(400_000.0, 350_000.0)),
            14_000.0
        );
        assert_eq!(f.amount(0.0, 100_000.0), 0.0);
        assert_eq!(f.ceiling(), 0.05);
    }

    #[test]
    fn g4_named_templates() {
        assert_eq!(
            MatchFormula::simple_match().amount(0.10, 100_000.0),
            3_000.0
        );
        assert_eq!(
            MatchFormula::qaca_safe_harbor().amount(0.05, 100_000.0),
            3_000.0
        );
        // G5: the match is rate-based even when deferrals hit 402(g).
        assert_eq!(
            MatchFormula::default_tiers().amount(0.10, 300_000.0),
            12_000.0
        );
    }
}
