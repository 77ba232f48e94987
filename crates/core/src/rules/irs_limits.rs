//! IRS limits by plan year (docs/rules.md 1.5): 402(g) elective deferral limit, the totals with the
//! age-50 catch-up and the age-60-63 super catch-up, the 401(a)(17) compensation limit, the HCE
//! threshold, the 415(c) annual additions limit and the Social Security wage base. A year
//! missing from the table uses the nearest year in it.

pub use crate::model::{
    default_irs_limits as default_table, irs_limits_for_year as for_year, IrsLimits,
};

use serde::{Deserialize, Serialize};

/// Which elective deferral limit applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LimitType {
    Base,
    CatchUp,
    SuperCatchUp,
}

/// The age-appropriate elective deferral limit: ages 60-63 the super catch-up total, 50 and
/// over the catch-up total, else the 402(g) base. `age` is the age at Dec 31 of the plan year
/// ("attains 50 by year end").
pub fn deferral_limit(limits: &IrsLimits, age: u16) -> (f64, LimitType) {
    if (60..=63).contains(&age) {
        (limits.super_catch_up_total, LimitType::SuperCatchUp)
    } else if age >= 50 {
        (limits.catch_up_total, LimitType::CatchUp)
    } else {
        (limits.elective_deferral_limit_402g, LimitType::Base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_year_fallback() {
        let t = default_table();
        assert_eq!(
            for_year(&t, 2027).unwrap().elective_deferral_limit_402g,
            24_000.0
        );
        assert_eq!(for_year(&t, 2040).unwrap().year, 2035);
        assert_eq!(for_year(&t, 2010).unwrap().year, 2024);
        assert!(for_year(&[], 2025).is_none());
    }

    #[test]
    fn g6_limits_by_age() {
        let l = *for_year(&default_table(), 2025).unwrap();
        assert_eq!(deferral_limit(&l, 49), (23_500.0, LimitType::Base));
        assert_eq!(deferral_limit(&l, 50), (31_000.0, LimitType::CatchUp));
        assert_eq!(deferral_limit(&l, 61), (34_750.0, LimitType::SuperCatchUp));
        assert_eq!(deferral_limit(&l, 64), (31_000.0, LimitType::CatchUp));
    }
}
