//! What a run is scored on (a metric in a year, a growth, a present value, the ADP/ACP
//! tests) and the statistic over the seeds an objective takes (the mean or a percentile).

use crate::calibrate::Goal;
use crate::metrics::Metric;
use crate::summary::RunSummary;

/// `0.07` -> `7`, `0.125` -> `12.5`: a fraction in hundredths, without binary noise.
pub fn hundredths(x: f64) -> f64 {
    (x * 1e6).round() / 1e4
}

/// One number per run.
#[derive(Debug, Clone, PartialEq)]
pub enum Measure {
    /// A metric in a year or the last year, or a growth ([`Goal`]).
    Goal(Goal),
    /// The metric summed over the simulated years, each discounted to the first year at
    /// `rate`: sum of value(y) / (1 + rate)^(y - first year).
    PresentValue { metric: Metric, rate: f64 },
    /// 1 when the ADP and ACP tests pass in every simulated year (or the last), else 0.
    AdpAcpPass { every_year: bool },
}

impl Measure {
    /// For people and column names.
    pub fn name(&self) -> String {
        match self {
            Measure::Goal(Goal::PayrollGrowth) => "payroll_growth".into(),
            Measure::Goal(Goal::HeadcountGrowth) => "headcount_growth".into(),
            Measure::Goal(Goal::Metric { metric, year: None }) => metric.name().into(),
            Measure::Goal(Goal::Metric {
                metric,
                year: Some(y),
            }) => format!("{}@{y}", metric.name()),
            Measure::PresentValue { metric, rate } => {
                format!("{} pv@{}%", metric.name(), hundredths(*rate))
            }
            Measure::AdpAcpPass { every_year: true } => "adp_acp_pass every year".into(),
            Measure::AdpAcpPass { every_year: false } => "adp_acp_pass last year".into(),
        }
    }

    /// The measure's value in one run.
    pub fn value_of(&self, run: &RunSummary) -> Result<f64, String> {
        match self {
            Measure::Goal(g) => g.value_of(run),
            Measure::PresentValue { metric, rate } => {
                let first = run.years.first().ok_or("a run with no year")?.year;
                Ok(run
                    .years
                    .iter()
                    .map(|y| metric.value(y) / (1.0 + rate).powi(y.year - first))
                    .sum())
            }
            Measure::AdpAcpPass { every_year } => {
                let pass = if *every_year {
                    run.adp_acp_pass.iter().all(|p| *p)
                } else {
                    run.adp_acp_pass.last().copied().unwrap_or(false)
                };
                if run.adp_acp_pass.is_empty() {
                    return Err("no ADP/ACP test ran (the plan is off)".into());
                }
                Ok(if pass { 1.0 } else { 0.0 })
            }
        }
    }
}

/// A statistic over the seeds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Statistic {
    Mean,
    /// The percentile at this fraction (0.9 = the 90th), interpolated between seeds.
    Percentile(f64),
}

impl Statistic {
    /// `""`, `" p90"`.
    pub fn suffix(self) -> String {
        match self {
            Statistic::Mean => String::new(),
            Statistic::Percentile(q) => format!(" p{}", hundredths(q)),
        }
    }

    /// The statistic of `values` (any order).
    pub fn of(self, values: &[f64]) -> f64 {
        match self {
            Statistic::Mean => values.iter().sum::<f64>() / values.len() as f64,
            Statistic::Percentile(q) => {
                let mut sorted = values.to_vec();
                sorted.sort_by(f64::total_cmp);
                crate::ensemble::percentile(&sorted, q)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use workforce_sim_core::report::YearSummary;

    fn run(pass: Vec<bool>) -> RunSummary {
        RunSummary {
            scenario: 0,
            seed: 1,
            design: crate::Design::Ensemble,
            years: (0..3)
                .map(|k| YearSummary {
                    year: 2025 + k,
                    employer_match: 100.0 * (k + 1) as f64,
                    ..Default::default()
                })
                .collect(),
            adp_acp_pass: pass,
            seconds: 0.0,
        }
    }

    #[test]
    fn a_present_value_discounts_each_year_to_the_first() {
        let pv = Measure::PresentValue {
            metric: Metric::EmployerMatch,
            rate: 0.1,
        };
        let r = run(vec![true; 3]);
        let want = 100.0 + 200.0 / 1.1 + 300.0 / 1.21;
        assert!((pv.value_of(&r).unwrap() - want).abs() < 1e-9);
        assert_eq!(pv.name(), "employer_match pv@10%");
    }

    #[test]
    fn adp_acp_pass_reads_every_year_or_the_last() {
        let every = Measure::AdpAcpPass { every_year: true };
        let last = Measure::AdpAcpPass { every_year: false };
        assert_eq!(every.value_of(&run(vec![true, false, true])), Ok(0.0));
        assert_eq!(last.value_of(&run(vec![true, false, true])), Ok(1.0));
        assert_eq!(every.value_of(&run(vec![true; 3])), Ok(1.0));
        assert!(every.value_of(&run(Vec::new())).is_err());
    }

    #[test]
    fn statistics_of_values() {
        assert_eq!(Statistic::Mean.of(&[1.0, 2.0, 6.0]), 3.0);
        assert_eq!(Statistic::Percentile(0.5).of(&[6.0, 1.0, 2.0]), 2.0);
        assert_eq!(Statistic::Percentile(0.9).suffix(), " p90");
    }
}
