//! IRS limits by plan year (domain.md 1.5): 402(g) elective deferral limit, the totals with the
//! age-50 catch-up and the age-60-63 super catch-up, the 401(a)(17) compensation limit, the HCE
//! threshold, the 415(c) annual additions limit and the Social Security wage base. A year
//! missing from the table uses the nearest year in it.

use serde::{Deserialize, Serialize};

/// The limits of one plan year. Catch-up columns are totals, not increments.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IrsLimits {
    pub year: i32,
    pub elective_deferral_limit_402g: f64,
    pub catch_up_total: f64,
    pub super_catch_up_total: f64,
    pub compensation_limit_401a17: f64,
    pub hce_threshold: f64,
    pub annual_additions_limit_415c: f64,
    pub ss_wage_base: f64,
    pub estimated: bool,
}

/// The default table for 2024-2035.
pub fn default_table() -> Vec<IrsLimits> {
    #[rustfmt::skip]
    let rows: [(i32, f64, f64, f64, f64, f64, f64, f64, bool); 12] = [
        (2024, 23_000.0, 30_500.0, 30_500.0, 345_000.0, 155_000.0, 69_000.0, 168_600.0, false),
        (2025, 23_500.0, 31_000.0, 34_750.0, 350_000.0, 160_000.0, 70_000.0, 176_100.0, false),
        (2026, 23_500.0, 31_000.0, 34_750.0, 350_000.0, 160_000.0, 70_000.0, 184_500.0, false),
        (2027, 24_000.0, 31_500.0, 35_250.0, 355_000.0, 165_000.0, 71_000.0, 192_900.0, true),
        (2028, 24_500.0, 32_000.0, 35_750.0, 360_000.0, 170_000.0, 72_000.0, 201_300.0, true),
        (2029, 25_000.0, 32_500.0, 36_250.0, 365_000.0, 175_000.0, 73_000.0, 209_700.0, true),
        (2030, 25_500.0, 33_000.0, 36_750.0, 370_000.0, 180_000.0, 74_000.0, 218_100.0, true),
        (2031, 26_000.0, 33_500.0, 37_250.0, 375_000.0, 185_000.0, 75_000.0, 226_500.0, true),
        (2032, 26_500.0, 34_000.0, 37_750.0, 380_000.0, 190_000.0, 76_000.0, 234_900.0, true),
        (2033, 27_000.0, 34_500.0, 38_250.0, 385_000.0, 195_000.0, 77_000.0, 243_300.0, true),
        (2034, 27_500.0, 35_000.0, 38_750.0, 390_000.0, 200_000.0, 78_000.0, 251_700.0, true),
        (2035, 28_000.0, 35_500.0, 39_250.0, 395_000.0, 205_000.0, 79_000.0, 260_100.0, true),
    ];
    rows.iter()
        .map(
            |&(year, g, cu, scu, comp, hce, c415, ss, estimated)| IrsLimits {
                year,
                elective_deferral_limit_402g: g,
                catch_up_total: cu,
                super_catch_up_total: scu,
                compensation_limit_401a17: comp,
                hce_threshold: hce,
                annual_additions_limit_415c: c415,
                ss_wage_base: ss,
                estimated,
            },
        )
        .collect()
}

/// The limits for `year`: the exact row, else the nearest year in the table (ties to the
/// earlier year). `None` only for an empty table.
pub fn for_year(table: &[IrsLimits], year: i32) -> Option<&IrsLimits> {
    table.iter().min_by_key(|l| ((l.year - year).abs(), l.year))
}

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
