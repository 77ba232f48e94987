//! Merit + COLA raise, one `raise` event (docs/rules.md 3.8). Candidates: tenure ≥ 1, a merit
//! rate above 0, not terminated before the raise date. `new = round2(min(prev × 1.5, prev + 250,000,
//! prev × (1 + merit_l + cola)))`; a total above 50% uses × 1.5, a negative total keeps
//! `prev`. `prev` is the start-of-year pay, not the post-promotion pay (compounding happens in
//! the accumulator, 3.14). Raise date: Jul 15 (calendar), Jan 1 / Jul 1 by id length
//! (legacy), or a keyed month and day (realistic).

use crate::config::{RaiseTiming, ValidConfig};
use crate::date::{self, Day};
use crate::decimal::round2;
use crate::rng::{categorical, draw, unit, Rng};

/// The realistic timing's month when its distribution sums to zero (July).
pub const DEFAULT_MONTH: u32 = 7;
/// Candidates have at least this many completed years of service.
pub const MIN_TENURE: u16 = 1;
/// A merit + COLA total above this rate raises pay by [`MAX_FACTOR`] instead.
pub const MAX_TOTAL_RATE: f64 = 0.5;
/// The largest raise as a factor of the previous pay.
pub const MAX_FACTOR: f64 = 1.5;
/// The largest raise in dollars.
pub const MAX_INCREASE: f64 = 250_000.0;

/// New salary after the raise.
#[inline]
pub fn new_salary(prev: f64, merit: f64, cola: f64) -> f64 {
    let total = merit + cola;
    let raised = if total > MAX_TOTAL_RATE {
        prev * MAX_FACTOR
    } else if total < 0.0 {
        prev
    } else {
        prev * (1.0 + total)
    };
    round2((prev * MAX_FACTOR).min(prev + MAX_INCREASE).min(raised))
}

/// The calendar-driven raise date: Jul 15.
#[inline]
pub fn calendar_date(year: i32) -> Day {
    date::days_from_civil(year, 7, 15)
}

/// The legacy raise date: Jan 1 when the id has an even length, else Jul 1.
#[inline]
pub fn legacy_date(year: i32, even_id_length: bool) -> Day {
    if even_id_length {
        date::jan1(year)
    } else {
        date::days_from_civil(year, 7, 1)
    }
}

/// The first day of `month` (1-12) in `year` and the month's length in days: a realistic
/// raise falls on `first + (h mod length)`.
#[inline]
pub fn month_window(year: i32, month: u32) -> (Day, u64) {
    let first = date::days_from_civil(year, month, 1);
    let next = if month == 12 {
        date::jan1(year + 1)
    } else {
        date::days_from_civil(year, month + 1, 1)
    };
    (first, (next - first) as u64)
}

/// The raise date of one employee in `year`.
pub fn raise_date(config: &ValidConfig, year: i32, employee_id: &str, employee: u64) -> Day {
    match config.compensation.raise_timing {
        RaiseTiming::CalendarDriven => calendar_date(year),
        RaiseTiming::Legacy => legacy_date(year, employee_id.len().is_multiple_of(2)),
        RaiseTiming::Realistic => {
            let month = categorical(
                &config.compensation.raise_timing_distribution,
                unit(Rng::combine(
                    employee,
                    Rng::year_code(year, draw::RAISE_MONTH),
                )),
            )
            .map_or(DEFAULT_MONTH, |m| m as u32 + 1);
            let (first, length) = month_window(year, month);
            let h = Rng::combine(employee, Rng::year_code(year, draw::RAISE_DAY));
            first + (h % length) as Day
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g9_merit_plus_cola() {
        let merit = crate::rules::parameters::effective_merit(
            &crate::config::Config::default().validate().unwrap(),
        );
        assert_eq!(new_salary(60_000.0, merit[0], 0.02), 62_833.33);
        // G10: level 2 on 100,000 → 105,111.11
        assert_eq!(new_salary(100_000.0, merit[1], 0.02), 105_111.11);
    }

    #[test]
    fn clamps() {
        assert_eq!(new_salary(100_000.0, 0.6, 0.0), 150_000.0);
        assert_eq!(new_salary(100_000.0, -0.1, 0.02), 100_000.0);
        assert_eq!(new_salary(1_000_000.0, 0.4, 0.0), 1_250_000.0);
    }

    #[test]
    fn raise_dates() {
        let timed = |t: RaiseTiming| {
            let mut c = crate::config::Config::default();
            c.compensation.raise_timing = t;
            c.validate().unwrap()
        };
        let c = timed(RaiseTiming::CalendarDriven);
        assert_eq!(
            raise_date(&c, 2025, "E1", 0),
            date::days_from_civil(2025, 7, 15)
        );
        let c = timed(RaiseTiming::Legacy);
        assert_eq!(raise_date(&c, 2025, "E1", 0), date::jan1(2025));
        assert_eq!(
            raise_date(&c, 2025, "E12", 0),
            date::days_from_civil(2025, 7, 1)
        );
        let c = timed(RaiseTiming::Realistic);
        for k in 0..500u64 {
            let d = raise_date(&c, 2025, "x", crate::rng::mix(k));
            assert_eq!(date::year_of(d), 2025);
        }
    }
}
