//! Employer core (non-elective) contribution (docs/rules.md 3.18): the rate by status (flat,
//! graded by service, age-banded, points) applied to the core base capped at the 401(a)(17)
//! limit. Permitted disparity (integration) is not modelled (disabled by default in the
//! specification).

use crate::config::plan::{CoreStatus, CoreStep, EmployerCoreConfig};
use crate::decimal::round2;

fn step_rate(steps: &[CoreStep], x: u16) -> f64 {
    steps
        .iter()
        .rev()
        .find(|s| s.min <= x)
        .map_or(0.0, |s| s.rate)
}

/// The core rate for an employee with `years` of service and `age`.
pub fn core_rate(c: &EmployerCoreConfig, years: u16, age: u16) -> f64 {
    match c.status {
        CoreStatus::None => 0.0,
        CoreStatus::Flat => c.rate,
        CoreStatus::GradedByService => step_rate(&c.graded_schedule, years),
        CoreStatus::AgeBanded => step_rate(&c.age_schedule, age),
        CoreStatus::PointsBased => step_rate(&c.points_schedule, age + years),
    }
}

/// `round2(rate × min(base, 401(a)(17) limit))`, or 0 when not eligible or disabled.
pub fn core_amount(
    c: &EmployerCoreConfig,
    eligible: bool,
    rate: f64,
    base: f64,
    limit: f64,
) -> f64 {
    if !c.enabled || !eligible || base <= 0.0 {
        return 0.0;
    }
    round2(rate * base.min(limit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g11_core_and_variants() {
        let c = EmployerCoreConfig::default();
        assert_eq!(
            core_amount(&c, true, core_rate(&c, 0, 30), 55_000.0, 350_000.0),
            550.0
        );
        assert_eq!(core_amount(&c, false, 0.01, 55_000.0, 350_000.0), 0.0);
        assert_eq!(core_amount(&c, true, 0.01, 500_000.0, 350_000.0), 3_500.0);
        let g = EmployerCoreConfig {
            status: CoreStatus::GradedByService,
            ..c.clone()
        };
        assert_eq!(core_rate(&g, 2, 30), 0.01);
        assert_eq!(core_rate(&g, 3, 30), 0.02);
        assert_eq!(core_rate(&g, 9, 30), 0.03);
        let a = EmployerCoreConfig {
            status: CoreStatus::AgeBanded,
            age_schedule: vec![
                CoreStep { min: 0, rate: 0.01 },
                CoreStep {
                    min: 50,
                    rate: 0.04,
                },
            ],
            ..c.clone()
        };
        assert_eq!(core_rate(&a, 1, 49), 0.01);
        assert_eq!(core_rate(&a, 1, 50), 0.04);
        let p = EmployerCoreConfig {
            status: CoreStatus::PointsBased,
            points_schedule: vec![
                CoreStep { min: 0, rate: 0.01 },
                CoreStep {
                    min: 60,
                    rate: 0.03,
                },
            ],
            ..c
        };
        assert_eq!(core_rate(&p, 10, 49), 0.01);
        assert_eq!(core_rate(&p, 10, 50), 0.03);
    }
}
