//! Employer-contribution eligibility and hours (docs/rules.md 3.16): annual hours from the
//! scheduled week prorated by days employed, and the hours / tenure / year-end-active /
//! termination rules that decide who receives match or core money.

use crate::config::plan::EmployerEligibilityConfig;
use crate::date::{self, Day};
use serde::{Deserialize, Serialize};

/// Why an employee does or does not receive employer money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmployerEligibility {
    Eligible,
    InsufficientHours,
    InsufficientTenure,
    InactiveEoy,
}

impl EmployerEligibility {
    pub fn as_str(self) -> &'static str {
        match self {
            EmployerEligibility::Eligible => "eligible",
            EmployerEligibility::InsufficientHours => "insufficient_hours",
            EmployerEligibility::InsufficientTenure => "insufficient_tenure",
            EmployerEligibility::InactiveEoy => "inactive_eoy",
        }
    }
}

/// Annual hours: `weekly × 52` prorated by days employed. Hired in the year: `days(hire →
/// Dec 31) + 1` (also for new-hire terminations, as the specification states); experienced
/// termination: `days(max(hire, Jan 1) → term) + 1`; else the full year.
pub fn annual_hours(
    year: i32,
    weekly: Option<f64>,
    hire: Day,
    hired_this_year: bool,
    termination: Option<Day>,
) -> f64 {
    let full = weekly.unwrap_or(40.0) * 52.0;
    let days = if hired_this_year {
        date::dec31(year) - hire + 1
    } else if let Some(t) = termination {
        t - hire.max(date::jan1(year)) + 1
    } else {
        return full;
    };
    full * days.max(0) as f64 / 365.0
}

/// The eligibility rule of 3.16.
pub fn employer_eligibility(
    c: &EmployerEligibilityConfig,
    hours: f64,
    tenure: u16,
    hired_this_year: bool,
    active_eoy: bool,
    new_hire_termination: bool,
) -> EmployerEligibility {
    if !c.apply_eligibility {
        return if !active_eoy {
            EmployerEligibility::InactiveEoy
        } else if hours < 1_000.0 {
            EmployerEligibility::InsufficientHours
        } else {
            EmployerEligibility::Eligible
        };
    }
    if hours < c.minimum_hours_annual {
        return EmployerEligibility::InsufficientHours;
    }
    if !(tenure >= c.minimum_tenure_years || (c.allow_new_hires && hired_this_year)) {
        return EmployerEligibility::InsufficientTenure;
    }
    if !active_eoy {
        let allowed = if new_hire_termination {
            c.allow_terminated_new_hires
        } else {
            c.allow_experienced_terminations
        };
        // Terminated employees need the matching exception whether or not year-end activity
        // is required (3.16: "not (new-hire termination unless allowed) and not (experienced
        // termination unless allowed)").
        if !allowed {
            return EmployerEligibility::InactiveEoy;
        }
    }
    EmployerEligibility::Eligible
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::days_from_civil;

    #[test]
    fn g11_hours_of_new_hires() {
        let apr1 = days_from_civil(2025, 4, 1);
        let h = annual_hours(2025, None, apr1, true, None);
        assert!((h - 1_567.12).abs() < 0.01, "{h}");
        let aug1 = days_from_civil(2025, 8, 1);
        let h2 = annual_hours(2025, None, aug1, true, None);
        assert!((h2 - 871.9).abs() < 0.05, "{h2}");
        let c = EmployerEligibilityConfig::default();
        assert_eq!(
            employer_eligibility(&c, h, 0, true, true, false),
            EmployerEligibility::Eligible
        );
        assert_eq!(
            employer_eligibility(&c, h2, 0, true, true, false),
            EmployerEligibility::InsufficientHours
        );
        assert_eq!(
            employer_eligibility(&c, 2_080.0, 5, false, false, false),
            EmployerEligibility::InactiveEoy
        );
        let t = EmployerEligibilityConfig {
            minimum_tenure_years: 1,
            allow_new_hires: false,
            ..c
        };
        assert_eq!(
            employer_eligibility(&t, 2_080.0, 0, true, true, false),
            EmployerEligibility::InsufficientTenure
        );
        assert_eq!(
            annual_hours(2025, Some(20.0), apr1 - 400, false, None),
            1_040.0
        );
    }
}
