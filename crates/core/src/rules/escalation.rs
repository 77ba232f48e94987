//! Automatic deferral escalation (docs/rules.md 3.12): +increment on Jan 1 up to the cap, with
//! every exclusion rule. An employee who ever opted out is never escalated (the normative
//! reading; the reference could re-escalate two years after an opt-out).

use crate::config::plan::AutoEscalationConfig;
use crate::date::Day;

/// What the escalation rule needs to know about one employee at the start of the year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EscalationInput {
    pub hire_date: Day,
    pub enrolled: bool,
    pub ever_opted_out: bool,
    pub census_opt_out: bool,
    /// Deferral rate at the end of the prior year.
    pub rate: f64,
    pub last_rate_change_year: i32,
    pub first_enrollment_year: i32,
}

/// An escalation smaller than 0.1% (after rounding, with a tolerance for the rounding) is
/// not made.
pub const MIN_INCREASE: f64 = 0.001 - 1e-12;

/// The new rate if the employee is escalated on Jan 1 of `year`, else `None`.
pub fn escalate(
    c: &AutoEscalationConfig,
    cutoff: Option<Day>,
    year: i32,
    e: &EscalationInput,
) -> Option<f64> {
    if !c.enabled
        || cutoff.is_some_and(|d| e.hire_date < d)
        || (c.require_active_enrollment && !e.enrolled)
        || e.ever_opted_out
        || e.census_opt_out
        || !(e.rate > 0.0 && e.rate < c.maximum_rate)
        || e.last_rate_change_year >= year
        || year - e.first_enrollment_year < c.first_escalation_delay_years as i32
    {
        return None;
    }
    let new = crate::rules::round_rate(c.maximum_rate.min(e.rate + c.increment));
    (new - e.rate >= MIN_INCREASE).then_some(new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::days_from_civil;

    #[test]
    fn g14_escalation_path_and_exclusions() {
        let c = AutoEscalationConfig::default();
        let cutoff = Some(days_from_civil(2020, 1, 1));
        let mut e = EscalationInput {
            hire_date: days_from_civil(2021, 3, 1),
            enrolled: true,
            ever_opted_out: false,
            census_opt_out: false,
            rate: 0.06,
            last_rate_change_year: 2024,
            first_enrollment_year: 2024,
        };
        let mut path = vec![];
        for year in 2025..=2029 {
            let r = escalate(&c, cutoff, year, &e);
            path.push(r);
            if let Some(r) = r {
                e.rate = r;
                e.last_rate_change_year = year;
            }
        }
        assert_eq!(
            path,
            vec![Some(0.07), Some(0.08), Some(0.09), Some(0.10), None]
        );
        e.rate = 0.095;
        e.last_rate_change_year = 2024;
        assert_eq!(escalate(&c, cutoff, 2025, &e), Some(0.10));
        e.rate = 0.10;
        assert_eq!(escalate(&c, cutoff, 2025, &e), None);
        // Hired before the cut-off: never.
        e.rate = 0.06;
        e.hire_date = days_from_civil(2018, 1, 1);
        assert_eq!(escalate(&c, cutoff, 2025, &e), None);
        e.hire_date = days_from_civil(2021, 3, 1);
        // New hire auto-enrolled in 2025 at 2%: first escalation on 2026-01-01.
        e.rate = 0.02;
        e.first_enrollment_year = 2025;
        e.last_rate_change_year = 2025;
        assert_eq!(escalate(&c, cutoff, 2025, &e), None);
        assert_eq!(escalate(&c, cutoff, 2026, &e), Some(0.03));
        // Opted out (sticky) or census opt-out: never.
        assert_eq!(
            escalate(
                &c,
                cutoff,
                2026,
                &EscalationInput {
                    ever_opted_out: true,
                    ..e
                }
            ),
            None
        );
        assert_eq!(
            escalate(
                &c,
                cutoff,
                2026,
                &EscalationInput {
                    census_opt_out: true,
                    ..e
                }
            ),
            None
        );
    }
}
