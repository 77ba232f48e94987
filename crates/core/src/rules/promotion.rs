//! Promotions on Feb 1 (docs/rules.md 3.7). Candidates: level below the top, tenure ≥ 1, age < 65,
//! not terminated before Feb 1. `hazard = min(1, base × tenure_mult × age_mult × max(0, 1 −
//! dampener × (level − 1)) × rate_multiplier)`; promoted iff the keyed draw `u < hazard`. New
//! pay `round2(min(prev × (1 + cap_pct), prev + cap_amount, max(prev × (1 + pct), prev)))`
//! with `pct` = the level override, or base ± uniform jitter (default 15%..25%), or a normal
//! jitter. The raise draw is keyed per year (the reference's ignores year and seed).

use crate::config::{PromotionConfig, PromotionDistribution};
use crate::date::{self, Day};
use crate::decimal::round2;
use crate::rng::{draw, unit, Rng};

/// Candidates have at least this many completed years of service.
pub const MIN_TENURE: u16 = 1;
/// Candidates are younger than this.
pub const AGE_LIMIT: u16 = 65;

/// Promotion effective date: Feb 1 of N.
pub fn promotion_date(year: i32) -> Day {
    date::days_from_civil(year, 2, 1)
}

/// The promotion hazard of one employee.
#[inline]
pub fn hazard(p: &PromotionConfig, level: u8, tenure_mult: f64, age_mult: f64) -> f64 {
    let dampen = (1.0 - p.level_dampener_factor * (level as f64 - 1.0)).max(0.0);
    (p.base_rate * tenure_mult * age_mult * dampen * p.rate_multiplier).min(1.0)
}

/// The increase percentage for a promotion out of `level`, from the employee's draw halves.
pub fn increase_pct(p: &PromotionConfig, level: u8, employee: u64, year: i32) -> f64 {
    if let Some(o) = p.level_overrides.iter().find(|o| o.level == level) {
        return o.increase_pct;
    }
    let v = || {
        unit(Rng::combine(
            employee,
            Rng::year_code(year, draw::PROMOTION_RAISE),
        ))
    };
    let jitter = match p.distribution_type {
        PromotionDistribution::Uniform => (v() - 0.5) * 2.0 * p.distribution_range,
        PromotionDistribution::Normal => {
            let v1 = ((1000.0 * v()).floor() + 1.0) / 1001.0;
            let v2 = unit(Rng::combine(
                employee,
                Rng::year_code(year, draw::PROMOTION_RAISE2),
            ));
            (-2.0 * v1.ln()).sqrt() * (std::f64::consts::TAU * v2).cos() * p.normal_std_dev
        }
        PromotionDistribution::Deterministic => 0.0,
    };
    p.base_increase_pct + jitter
}

/// New salary after a promotion of `prev` by `pct`, with the caps.
#[inline]
pub fn new_salary(p: &PromotionConfig, prev: f64, pct: f64) -> f64 {
    round2(
        (prev * (1.0 + p.max_cap_pct))
            .min(prev + p.max_cap_amount)
            .min((prev * (1.0 + pct)).max(prev)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, LevelOverride};

    #[test]
    fn g12_promotion_hazards() {
        let p = Config::default().promotion;
        assert!((hazard(&p, 1, 1.5, 1.4) - 0.084).abs() < 1e-12);
        assert!((hazard(&p, 4, 0.8, 0.7) - 0.01232).abs() < 1e-12);
        assert_eq!(
            hazard(
                &PromotionConfig {
                    base_rate: 1.0,
                    ..p.clone()
                },
                1,
                1.8,
                1.6
            ),
            1.0
        );
    }

    #[test]
    fn raise_caps_and_range() {
        let mut p = Config::default().promotion;
        let e = Rng::new(42).employee(crate::rng::id_key("EMP_000001"));
        let pct = increase_pct(&p, 2, e, 2025);
        assert!((0.15..0.25).contains(&pct), "{pct}");
        assert_eq!(new_salary(&p, 100_000.0, 0.20), 120_000.0);
        assert_eq!(new_salary(&p, 100_000.0, 0.45), 130_000.0); // 30% cap
        assert_eq!(new_salary(&p, 2_000_000.0, 0.25), 2_500_000.0); // $500k cap
        assert_eq!(new_salary(&p, 100_000.0, -0.1), 100_000.0); // never negative
        p.level_overrides = vec![LevelOverride {
            level: 2,
            increase_pct: 0.10,
        }];
        assert_eq!(increase_pct(&p, 2, e, 2025), 0.10);
        p.distribution_type = PromotionDistribution::Deterministic;
        assert_eq!(increase_pct(&p, 1, e, 2025), 0.20);
        p.distribution_type = PromotionDistribution::Normal;
        assert!((increase_pct(&p, 1, e, 2025) - 0.20).abs() < 0.2);
    }
}
