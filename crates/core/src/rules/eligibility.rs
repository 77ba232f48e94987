//! Plan eligibility (docs/rules.md 3.9): age and service test, eligibility date, and the
//! plan-ineligible override. Evaluated every year for employees not yet eligible (the
//! normative reading of the spec's parity note: a census employee under 21 becomes eligible
//! in the year they reach the minimum age).

use crate::config::plan::EligibilityConfig;
use crate::date::{self, Day};

/// The eligibility date of an employee who passes the test in `year`, else `None`.
/// Test: `age >= minimum_age` and (no waiting period or `days(hire → Dec 31) >= waiting`);
/// date = `max(hire + waiting, Jan 1 of (year − age + minimum_age))`.
pub fn eligibility_date(e: &EligibilityConfig, year: i32, age: u16, hire: Day) -> Option<Day> {
    let wait = e.waiting_period_days as i32;
    if age < e.minimum_age {
        return None;
    }
    if wait > 0 && date::dec31(year) - hire < wait {
        return None;
    }
    let age_date = date::jan1(year - age as i32 + e.minimum_age as i32);
    Some((hire + wait).max(age_date))
}

/// Whether a new hire is plan-ineligible: keyed draw `u < pct`.
pub fn new_hire_ineligible(u: f64, pct: f64) -> bool {
    u < pct
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_age_test() {
        let e = EligibilityConfig::default();
        let hire = date::days_from_civil(2025, 4, 1);
        assert_eq!(eligibility_date(&e, 2025, 30, hire), Some(hire));
        assert_eq!(eligibility_date(&e, 2025, 20, hire), None);
        // A long-serving census employee: the date they reached 21 (historical).
        let old_hire = date::days_from_civil(2000, 6, 1);
        assert_eq!(
            eligibility_date(&e, 2025, 40, old_hire),
            Some(date::days_from_civil(2006, 1, 1))
        );
        let w = EligibilityConfig {
            waiting_period_days: 90,
            ..e
        };
        assert_eq!(
            eligibility_date(&w, 2025, 30, date::days_from_civil(2025, 11, 1)),
            None
        );
        assert_eq!(eligibility_date(&w, 2025, 30, hire), Some(hire + 90));
    }
}
