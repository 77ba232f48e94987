//! Parameter resolution (docs/rules.md 1.6) for one year: effective merit per level (the merit
//! budget rescales the per-level merit base), COLA, and new-hire average pay per level (3.5).

use crate::config::ValidConfig;

/// Everything year N's compensation rules need, resolved once per year.
#[derive(Debug, Clone, PartialEq)]
pub struct YearParameters {
    pub year: i32,
    /// Effective merit rate per level (index 0 = level 1).
    pub merit: Vec<f64>,
    /// Effective COLA, the same for every level.
    pub cola: f64,
    /// Average new-hire pay per level.
    pub new_hire_average: Vec<f64>,
}

impl YearParameters {
    pub fn new(config: &ValidConfig, year: i32) -> YearParameters {
        YearParameters {
            year,
            merit: effective_merit(config),
            cola: config.compensation.cola_rate,
            new_hire_average: new_hire_average(config, year),
        }
    }
}

/// `merit_base_l × (merit_budget / mean(merit_base))`. Defaults: 0.027222, 0.031111, 0.035,
/// 0.038889, 0.042778.
pub fn effective_merit(config: &ValidConfig) -> Vec<f64> {
    let base = &config.compensation.merit_base;
    let mean = base.iter().sum::<f64>() / base.len() as f64;
    if mean <= 0.0 {
        return base.clone();
    }
    let scale = config.compensation.merit_budget / mean;
    base.iter().map(|b| b * scale).collect()
}

/// Market multiplier of a level in a year; 1.0 where no configured range covers the year.
pub fn market_multiplier(config: &ValidConfig, level: usize, year: i32) -> f64 {
    config
        .hiring
        .market_adjustment
        .iter()
        .find(|a| (a.from_year..=a.to_year).contains(&year))
        .map_or(1.0, |a| a.multipliers[level])
}

/// `avg_l = min_l + (max_l − min_l) × percentile_l × market_mult(l, N) × (1 + scenario% / 100)`.
pub fn new_hire_average(config: &ValidConfig, year: i32) -> Vec<f64> {
    let scenario = 1.0 + config.hiring.market_scenario.pct() / 100.0;
    config
        .job_levels
        .iter()
        .enumerate()
        .map(|(l, jl)| {
            let pct = config.hiring.compensation_percentile[l];
            jl.min_compensation
                + (jl.max_compensation - jl.min_compensation)
                    * pct
                    * market_multiplier(config, l, year)
                    * scenario
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_effective_rates() {
        let c = crate::config::Config::default().validate().unwrap();
        let m = effective_merit(&c);
        let expect = [0.027222, 0.031111, 0.035, 0.038889, 0.042778];
        for (a, b) in m.iter().zip(expect) {
            assert!((a - b).abs() < 5e-7, "{a} vs {b}");
        }
    }

    #[test]
    fn new_hire_averages_of_3_5() {
        let c = crate::config::Config::default().validate().unwrap();
        let a25 = new_hire_average(&c, 2025);
        let a26 = new_hire_average(&c, 2026);
        let r = |v: &[f64]| {
            v.iter()
                .map(|x| crate::decimal::round2(*x))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            r(&a25),
            vec![58_100.00, 84_861.00, 125_095.00, 176_568.00, 300_312.50]
        );
        assert_eq!(
            r(&a26),
            vec![62_120.00, 92_700.00, 134_377.00, 219_380.00, 386_375.00]
        );
        assert_eq!(market_multiplier(&c, 0, 2040), 1.0);
    }
}
