//! Typed run configuration with the effective defaults of docs/rules.md 1.4-1.6.
//!
//! Loadable from TOML: every field optional (a missing field takes its default), unknown keys
//! rejected, every value range-checked by [`Config::validate`] with an error naming the key
//! and the allowed range. All problems are reported at once.

mod checks;
pub mod plan;
mod problems;

pub use crate::model::{Band, JobLevel};

use crate::date::{self, Day};
use crate::error::{ConfigError, ConfigProblem};
use crate::model::IrsLimits;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The whole configuration of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub simulation: SimulationConfig,
    pub census: CensusConfig,
    pub workforce: WorkforceConfig,
    pub compensation: CompensationConfig,
    pub promotion: PromotionConfig,
    pub hiring: HiringConfig,
    pub job_levels: Vec<JobLevel>,
    pub age_bands: Vec<Band>,
    pub tenure_bands: Vec<Band>,
    /// The 401(k) plan (docs/rules.md 3.9-3.20).
    pub plan: plan::PlanConfig,
}

/// `[simulation]`: horizon, seeds, growth, scenario labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimulationConfig {
    pub start_year: i32,
    pub end_year: i32,
    pub random_seed: u64,
    /// Falls back to `random_seed`.
    pub random_seed_termination: Option<u64>,
    /// Falls back to `random_seed`.
    pub random_seed_hiring: Option<u64>,
    /// Falls back to `random_seed`.
    pub random_seed_promotion: Option<u64>,
    /// The seed of the merit and COLA raise dates (3.7); falls back to `random_seed`.
    /// (Left out of the stored configuration when unset, so the fingerprints of results
    /// written before it existed still match.)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub random_seed_raises: Option<u64>,
    /// The seed of the plan's behavioural draws: the new-hire eligibility override (3.9),
    /// enrollment, opt-out, year-over-year changes and match responses (3.10-3.14); falls
    /// back to `random_seed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub random_seed_plan: Option<u64>,
    pub target_growth_rate: f64,
    pub scenario_id: String,
    pub plan_design_id: String,
}

/// `[census]`: the census plan year and staging rules (docs/rules.md 1.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CensusConfig {
    /// First day of the census plan year (ISO date).
    pub plan_year_start: String,
    /// Last day of the census plan year; also the census effective date for ages.
    pub plan_year_end: String,
    pub eligibility_waiting_period_days: u32,
    pub level_mapping: LevelMapping,
}

/// How a salary outside every level band is mapped (docs/rules.md 1.2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LevelMapping {
    /// The reference rule: smallest level whose band contains the salary, else level 1.
    Parity,
    /// Smallest containing level, else the level whose band is nearest.
    NearestBand,
}

/// `[workforce]`: turnover rates (docs/rules.md 1.4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkforceConfig {
    pub total_termination_rate: f64,
    pub new_hire_termination_rate: f64,
    pub part_time_new_hire_pct: f64,
    /// Whether, in the start year, the census employees hired during the census year count
    /// as last year's hires (docs/rules.md 3.2: the new-hire rate applies to them), as they
    /// would in a run continued from the year before. Off by default (parity: everyone is
    /// experienced in the start year); a fitted configuration and a backtest turn it on,
    /// since their rates were measured on years that were not start years. Left out of the
    /// stored configuration when off, so default fingerprints are unchanged.
    #[serde(skip_serializing_if = "is_false")]
    pub census_year_hires_are_new: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// `[compensation]`: merit, COLA and raise timing (docs/rules.md 1.4, 1.6, 3.8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CompensationConfig {
    pub cola_rate: f64,
    /// Rescales `merit_base` so that its mean over the levels equals this budget.
    pub merit_budget: f64,
    /// Per-level merit base rates (parameter table `merit_base`), level 1 first.
    pub merit_base: Vec<f64>,
    pub raise_timing: RaiseTiming,
    /// Month weights (January first) for `raise_timing = "realistic"`, normalised by their
    /// total (the spec's defaults sum to 1.07).
    pub raise_timing_distribution: Vec<f64>,
}

/// When in the year the merit + COLA raise takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RaiseTiming {
    /// July 15 for everyone (the reference's effective behaviour).
    CalendarDriven,
    /// January 1 when the id has an even length, else July 1.
    Legacy,
    /// Month drawn from `raise_timing_distribution`, day uniform within the month.
    Realistic,
}

/// `[promotion]`: hazard and raise on promotion (docs/rules.md 1.5, 3.7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PromotionConfig {
    pub base_rate: f64,
    pub level_dampener_factor: f64,
    pub rate_multiplier: f64,
    pub base_increase_pct: f64,
    pub distribution_range: f64,
    pub distribution_type: PromotionDistribution,
    pub normal_std_dev: f64,
    pub max_cap_pct: f64,
    pub max_cap_amount: f64,
    /// Per-level increase replacing base + jitter.
    pub level_overrides: Vec<LevelOverride>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromotionDistribution {
    Uniform,
    Normal,
    Deterministic,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelOverride {
    pub level: u8,
    pub increase_pct: f64,
}

/// `[hiring]`: new-hire pay, ages and level mix (docs/rules.md 1.5, 3.3, 3.5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HiringConfig {
    pub market_scenario: MarketScenario,
    /// Per-level pay percentile within the level band, level 1 first.
    pub compensation_percentile: Vec<f64>,
    /// Per-level market multipliers by year range; years not covered use 1.0.
    pub market_adjustment: Vec<MarketAdjustment>,
    pub age_distribution: Vec<AgeWeight>,
    /// Fixed share of hires per level (normalised); empty = adaptive (current headcount mix).
    pub level_distribution: Vec<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarketScenario {
    Conservative,
    Baseline,
    Competitive,
    Aggressive,
}

impl MarketScenario {
    /// The percentage adjustment of new-hire pay.
    pub fn pct(self) -> f64 {
        match self {
            MarketScenario::Conservative => -5.0,
            MarketScenario::Baseline => 0.0,
            MarketScenario::Competitive => 5.0,
            MarketScenario::Aggressive => 10.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketAdjustment {
    pub from_year: i32,
    pub to_year: i32,
    pub multipliers: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgeWeight {
    pub age: u16,
    pub weight: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            simulation: SimulationConfig::default(),
            census: CensusConfig::default(),
            workforce: WorkforceConfig::default(),
            compensation: CompensationConfig::default(),
            promotion: PromotionConfig::default(),
            hiring: HiringConfig::default(),
            job_levels: default_job_levels(),
            age_bands: default_age_bands(),
            tenure_bands: default_tenure_bands(),
            plan: crate::config::plan::PlanConfig::default(),
        }
    }
}

impl Default for SimulationConfig {
    fn default() -> Self {
        SimulationConfig {
            start_year: 2025,
            end_year: 2029,
            random_seed: 42,
            random_seed_termination: None,
            random_seed_hiring: None,
            random_seed_promotion: None,
            random_seed_raises: None,
            random_seed_plan: None,
            target_growth_rate: 0.03,
            scenario_id: "default".into(),
            plan_design_id: "default".into(),
        }
    }
}

impl Default for CensusConfig {
    fn default() -> Self {
        CensusConfig {
            plan_year_start: "2024-01-01".into(),
            plan_year_end: "2024-12-31".into(),
            eligibility_waiting_period_days: 30,
            level_mapping: LevelMapping::Parity,
        }
    }
}

impl Default for WorkforceConfig {
    fn default() -> Self {
        WorkforceConfig {
            total_termination_rate: 0.12,
            new_hire_termination_rate: 0.25,
            part_time_new_hire_pct: 0.0,
            census_year_hires_are_new: false,
        }
    }
}

impl Default for CompensationConfig {
    fn default() -> Self {
        CompensationConfig {
            cola_rate: 0.02,
            merit_budget: 0.035,
            merit_base: vec![0.035, 0.040, 0.045, 0.050, 0.055],
            raise_timing: RaiseTiming::CalendarDriven,
            raise_timing_distribution: vec![
                0.28, 0.03, 0.07, 0.18, 0.04, 0.05, 0.23, 0.03, 0.04, 0.08, 0.02, 0.02,
            ],
        }
    }
}

impl Default for PromotionConfig {
    fn default() -> Self {
        PromotionConfig {
            base_rate: 0.04,
            level_dampener_factor: 0.15,
            rate_multiplier: 1.0,
            base_increase_pct: 0.20,
            distribution_range: 0.05,
            distribution_type: PromotionDistribution::Uniform,
            normal_std_dev: 0.02,
            max_cap_pct: 0.30,
            max_cap_amount: 500_000.0,
            level_overrides: Vec::new(),
        }
    }
}

impl Default for HiringConfig {
    fn default() -> Self {
        HiringConfig {
            market_scenario: MarketScenario::Baseline,
            compensation_percentile: vec![0.25, 0.30, 0.35, 0.40, 0.45],
            market_adjustment: vec![
                MarketAdjustment {
                    from_year: 2025,
                    to_year: 2025,
                    multipliers: vec![0.35, 0.33, 0.30, 0.28, 0.25],
                },
                MarketAdjustment {
                    from_year: 2026,
                    to_year: 2035,
                    multipliers: vec![1.02, 1.00, 0.98, 1.05, 1.10],
                },
            ],
            age_distribution: [
                (22, 0.05),
                (25, 0.15),
                (28, 0.20),
                (32, 0.25),
                (35, 0.15),
                (40, 0.10),
                (45, 0.08),
                (50, 0.02),
            ]
            .into_iter()
            .map(|(age, weight)| AgeWeight { age, weight })
            .collect(),
            level_distribution: Vec::new(),
        }
    }
}

fn default_job_levels() -> Vec<JobLevel> {
    [
        (1, "Staff", 56_000.0, 80_000.0),
        (2, "Manager", 81_000.0, 120_000.0),
        (3, "SrMgr", 121_000.0, 160_000.0),
        (4, "Director", 161_000.0, 300_000.0),
        (5, "VP", 275_000.0, 500_000.0),
    ]
    .into_iter()
    .map(
        |(level, name, min_compensation, max_compensation)| JobLevel {
            level,
            name: name.into(),
            min_compensation,
            max_compensation,
        },
    )
    .collect()
}

fn default_age_bands() -> Vec<Band> {
    [
        ("< 25", 0, Some(25), 1.6),
        ("25-34", 25, Some(35), 1.4),
        ("35-44", 35, Some(45), 1.1),
        ("45-54", 45, Some(55), 0.7),
        ("55-64", 55, Some(65), 0.3),
        ("65+", 65, None, 0.1),
    ]
    .into_iter()
    .map(|(label, min, max, promotion_multiplier)| Band {
        label: label.into(),
        min,
        max,
        promotion_multiplier,
    })
    .collect()
}

fn default_tenure_bands() -> Vec<Band> {
    [
        ("< 2", 0, Some(2), 0.5),
        ("2-4", 2, Some(5), 1.5),
        ("5-9", 5, Some(10), 1.8),
        ("10-19", 10, Some(20), 0.8),
        ("20+", 20, None, 0.2),
    ]
    .into_iter()
    .map(|(label, min, max, promotion_multiplier)| Band {
        label: label.into(),
        min,
        max,
        promotion_multiplier,
    })
    .collect()
}

impl Config {
    /// Reads a TOML file; unknown keys and type errors are reported with the file and the
    /// position `toml` gives; then every value is range-checked.
    pub fn from_toml_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            cause: source,
        })?;
        Config::from_toml_str(&text).map_err(|e| e.with_path(path))
    }

    /// Parses TOML text and range-checks every value (the returned configuration is known to
    /// validate; [`Config::validate`] turns it into the [`ValidConfig`] the simulation takes).
    pub fn from_toml_str(text: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: None,
            message: e.to_string(),
        })?;
        config.check()?;
        Ok(config)
    }

    /// Validates the configuration: the only way to a [`ValidConfig`], which is what every
    /// rule, engine and run function takes. Every broken key is reported at once.
    pub fn validate(self) -> Result<ValidConfig, ConfigError> {
        self.check()?;
        let census_plan_year = match (
            date::parse(&self.census.plan_year_start),
            date::parse(&self.census.plan_year_end),
        ) {
            (Some(a), Some(b)) => (a, b),
            // `check` rejects both; kept total so that no path here can panic.
            _ => {
                return Err(ConfigError::Invalid {
                    path: None,
                    problems: vec![ConfigProblem {
                        key: "census.plan_year_start".into(),
                        rule: "must be a date YYYY-MM-DD".into(),
                    }],
                })
            }
        };
        Ok(ValidConfig {
            config: self,
            census_plan_year,
        })
    }

    pub fn termination_seed(&self) -> u64 {
        self.simulation
            .random_seed_termination
            .unwrap_or(self.simulation.random_seed)
    }
    pub fn hiring_seed(&self) -> u64 {
        self.simulation
            .random_seed_hiring
            .unwrap_or(self.simulation.random_seed)
    }
    pub fn promotion_seed(&self) -> u64 {
        self.simulation
            .random_seed_promotion
            .unwrap_or(self.simulation.random_seed)
    }
    pub fn raises_seed(&self) -> u64 {
        self.simulation
            .random_seed_raises
            .unwrap_or(self.simulation.random_seed)
    }
    pub fn plan_seed(&self) -> u64 {
        self.simulation
            .random_seed_plan
            .unwrap_or(self.simulation.random_seed)
    }

    /// The simulated years, in order.
    pub fn years(&self) -> std::ops::RangeInclusive<i32> {
        self.simulation.start_year..=self.simulation.end_year
    }

    /// Canonical JSON of the configuration (stored with every run). Serialising plain
    /// structs, strings and finite or non-finite numbers cannot fail; a failure would give
    /// an empty object rather than a panic.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    /// A fingerprint of everything that influences results (the whole configuration).
    pub fn fingerprint(&self) -> String {
        format!("{:016x}", crate::rng::fnv1a64(self.to_json().as_bytes()))
    }
}

/// A configuration that passed [`Config::validate`]: the only way to obtain one, so an
/// unvalidated value cannot reach a rule. Read it as a [`Config`] (it dereferences to one);
/// it cannot be changed, only turned back into a `Config` with [`ValidConfig::into_inner`]
/// and validated again.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidConfig {
    config: Config,
    census_plan_year: (Day, Day),
}

impl std::ops::Deref for ValidConfig {
    type Target = Config;

    fn deref(&self) -> &Config {
        &self.config
    }
}

impl ValidConfig {
    /// The configuration as validated.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Back to a plain configuration (to change it and validate again).
    pub fn into_inner(self) -> Config {
        self.config
    }

    /// The census plan year `(start, end)` as day numbers.
    pub fn census_plan_year(&self) -> (Day, Day) {
        self.census_plan_year
    }

    /// The census year: the calendar year the census plan year ends in (a synthetic census
    /// hires up to its Dec 31).
    pub fn census_year(&self) -> i32 {
        date::year_of(self.census_plan_year.1)
    }

    /// The IRS limits of `year`: the exact row, else the nearest year in the table (e.g. for
    /// the HCE look-back to the census year). Validation requires a row for every simulated
    /// year, so the table is never empty here.
    pub fn irs_limits(&self, year: i32) -> IrsLimits {
        crate::model::irs_limits_for_year(&self.config.plan.irs_limits, year)
            .copied()
            .unwrap_or_else(|| crate::model::default_irs_limits()[0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        Config::default().validate().unwrap();
        assert_eq!(Config::from_toml_str("").unwrap(), Config::default());
    }

    #[test]
    fn partial_file_overrides_one_key() {
        let c = Config::from_toml_str("[simulation]\nend_year = 2027\n").unwrap();
        assert_eq!(c.simulation.end_year, 2027);
        assert_eq!(c.simulation.start_year, 2025);
    }
}
