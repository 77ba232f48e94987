//! Employee deferral contributions (docs/rules.md 3.15): `min(base × rate, age-appropriate
//! limit)`, with the requested amount, the capped excess and the limit that applied recorded;
//! split 85% pre-tax / 15% Roth for reporting. No 415(c) cap at calculation time (that is a
//! compliance test).

use super::irs_limits::{deferral_limit, IrsLimits, LimitType};
use crate::decimal::round2;
use serde::{Deserialize, Serialize};

/// One employee's deferrals for a year.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    pub requested: f64,
    pub amount: f64,
    pub capped_excess: f64,
    pub applied_limit: f64,
    pub limit_type: LimitType,
    pub irs_limit_applied: bool,
    pub pre_tax: f64,
    pub roth: f64,
}

/// Deferrals on contribution base `base` (already prorated, in dollars) at `rate`, for an
/// employee of `age` at Dec 31 of the plan year.
pub fn employee_contribution(base: f64, rate: f64, age: u16, limits: &IrsLimits) -> Contribution {
    let requested = round2(base * rate);
    let (limit, limit_type) = deferral_limit(limits, age);
    let amount = requested.min(limit);
    let pre_tax = round2(amount * 0.85);
    Contribution {
        requested,
        amount,
        capped_excess: round2(requested - amount),
        applied_limit: limit,
        limit_type,
        irs_limit_applied: requested > limit,
        pre_tax,
        roth: round2(amount - pre_tax),
    }
}

/// The catch-up part of an employee's deferrals (3.15, 3.20): what is above the base 402(g)
/// limit when the age-appropriate limit is a catch-up one (50 and over), else 0. ADP testing
/// leaves it out; the plan ledger records it as its own source.
pub fn catch_up_part(amount: f64, limit_type: LimitType, limits: &IrsLimits) -> f64 {
    if limit_type == LimitType::Base {
        0.0
    } else {
        round2((amount - limits.elective_deferral_limit_402g).max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::irs_limits::{default_table, for_year};

    #[test]
    fn g5_402g_cap() {
        let l = *for_year(&default_table(), 2025).unwrap();
        let c = employee_contribution(300_000.0, 0.10, 40, &l);
        assert_eq!(
            (
                c.requested,
                c.amount,
                c.capped_excess,
                c.limit_type,
                c.irs_limit_applied
            ),
            (30_000.0, 23_500.0, 6_500.0, LimitType::Base, true)
        );
        assert_eq!(c.pre_tax + c.roth, c.amount);
    }

    #[test]
    fn g6_catch_up() {
        let l = *for_year(&default_table(), 2025).unwrap();
        let c = employee_contribution(300_000.0, 0.10, 52, &l);
        assert_eq!(
            (c.amount, c.limit_type, c.irs_limit_applied),
            (30_000.0, LimitType::CatchUp, false)
        );
        assert_eq!(
            employee_contribution(300_000.0, 0.15, 61, &l).amount,
            34_750.0
        );
        assert_eq!(
            employee_contribution(300_000.0, 0.15, 64, &l).amount,
            31_000.0
        );
        assert_eq!(
            employee_contribution(300_000.0, 0.15, 49, &l).amount,
            23_500.0
        );
    }
}
