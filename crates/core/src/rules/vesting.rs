//! Vesting schedules and forfeitures (docs/rules.md 3.19). Years of service = the integer part of
//! tenure, clamped to the schedule's last year; with the hours rule, a final year under the
//! threshold (1,000 hours) does not count. Forfeiture on termination: basis × (1 − vested %).

pub use crate::model::VestingSchedule;

use crate::decimal::round2;

impl VestingSchedule {
    /// Vested share at `tenure` years; `final_year_hours` below `hours_threshold` drops the
    /// final year when the hours rule applies.
    pub fn vested_pct(self, tenure: f64, hours_rule: Option<(f64, f64)>) -> f64 {
        vested_share(self.table(), tenure, hours_rule)
    }
}

/// Vested share from a schedule table (index = completed years; the last entry holds; an
/// empty table vests nothing).
pub fn vested_share(table: &[f64], tenure: f64, hours_rule: Option<(f64, f64)>) -> f64 {
    let mut years = tenure.max(0.0).floor() as usize;
    if let Some((hours, threshold)) = hours_rule {
        if hours < threshold {
            years = years.saturating_sub(1);
        }
    }
    match table.len() {
        0 => 0.0,
        n => table[years.min(n - 1)],
    }
}

/// `(vested, forfeited)` of an employer-money basis at a vested share, in cents.
pub fn forfeiture(basis: f64, vested_pct: f64) -> (f64, f64) {
    (
        round2(basis * vested_pct),
        round2(basis * (1.0 - vested_pct)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g7_vesting_and_forfeiture() {
        let g5 = VestingSchedule::Graded5Year;
        assert_eq!(g5.vested_pct(3.7, None), 0.60);
        assert_eq!(forfeiture(10_000.0, 0.60), (6_000.0, 4_000.0));
        assert_eq!(VestingSchedule::Graded6Year.vested_pct(1.0, None), 0.0);
        assert_eq!(VestingSchedule::Graded6Year.vested_pct(2.0, None), 0.20);
        assert_eq!(VestingSchedule::Cliff3Year.vested_pct(2.0, None), 0.0);
        assert_eq!(forfeiture(5_000.0, 0.0), (0.0, 5_000.0));
        assert_eq!(g5.vested_pct(3.7, Some((900.0, 1_000.0))), 0.40);
        assert_eq!(g5.vested_pct(40.0, None), 1.0);
        assert_eq!(VestingSchedule::Immediate.vested_pct(0.0, None), 1.0);
    }

    #[test]
    fn schedules_are_monotone_and_end_fully_vested() {
        use VestingSchedule::*;
        for s in [
            Immediate,
            Cliff1Year,
            Cliff2Year,
            Qaca2Year,
            Cliff3Year,
            Cliff4Year,
            Graded3Year,
            Graded4Year,
            Graded5Year,
            Graded6Year,
        ] {
            let t = s.table();
            assert!(t.windows(2).all(|w| w[0] <= w[1]), "{s:?}");
            assert_eq!(*t.last().unwrap(), 1.0);
        }
    }
}
