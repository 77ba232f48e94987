//! `[plan]`: the 401(k) plan's configuration with the effective defaults of docs/rules.md 1.4-1.5
//! (eligibility, enrollment, auto-escalation, match response, employer match and core,
//! vesting, IRS limits by year). Every key optional, unknown keys rejected, every value
//! range-checked by [`PlanConfig::validate`] with the key named.

mod checks;

use crate::date;
use crate::model::{default_irs_limits, IrsLimits, MatchFormula, MatchTier, VestingSchedule};
use serde::{Deserialize, Serialize};

/// The whole plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlanConfig {
    /// Master switch: `false` simulates the workforce only (no plan events or money).
    pub enabled: bool,
    pub eligibility: EligibilityConfig,
    pub auto_enrollment: AutoEnrollmentConfig,
    pub voluntary_enrollment: VoluntaryEnrollmentConfig,
    pub auto_escalation: AutoEscalationConfig,
    pub match_response: MatchResponseConfig,
    pub employer_match: EmployerMatchConfig,
    pub employer_core: EmployerCoreConfig,
    pub vesting: VestingConfig,
    /// IRS limits by plan year; every simulated year must be listed.
    pub irs_limits: Vec<IrsLimits>,
    /// `[plan.ledger]`: how the plan's money ledger is written (left out of the stored
    /// configuration while at its defaults, so older results keep their fingerprints).
    #[serde(skip_serializing_if = "PlanLedgerConfig::is_default")]
    pub ledger: PlanLedgerConfig,
    /// `[plan.nondiscrimination]`: how the ADP and ACP tests are run (left out of the stored
    /// configuration while at its defaults).
    #[serde(skip_serializing_if = "NondiscriminationConfig::is_default")]
    pub nondiscrimination: NondiscriminationConfig,
}

/// Which year's NHCE averages the ADP and ACP limits are built on (3.20).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestingMethod {
    /// The prior plan year's (the default of most plan documents).
    #[default]
    PriorYear,
    CurrentYear,
}

impl TestingMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            TestingMethod::PriorYear => "prior_year",
            TestingMethod::CurrentYear => "current_year",
        }
    }
}

/// `[plan.nondiscrimination]` (3.20).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NondiscriminationConfig {
    pub testing: TestingMethod,
    /// A safe-harbor plan passes ADP and ACP by design.
    pub safe_harbor: bool,
}

impl NondiscriminationConfig {
    pub fn is_default(&self) -> bool {
        *self == NondiscriminationConfig::default()
    }
}

/// When contributions are recorded (`plan.ledger.contributions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContributionTiming {
    /// One contribution event per source per year, dated December 31.
    #[default]
    Annual,
    /// One per source per biweekly pay period (26 a year, each ending on a Friday) in which
    /// the employee was employed.
    PerPayPeriod,
}

/// Which account-balance table a run writes (`plan.ledger.balances`, `--balances`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BalanceSnapshots {
    /// No balance table: the year-end balances are in the snapshot.
    #[default]
    None,
    /// Each participant's balances by source on every Friday employed
    /// ([`crate::balances`], the `weekly_balances` table).
    Weekly,
}

/// `[plan.ledger]` (the plan's money ledger, 3.15-3.20).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlanLedgerConfig {
    pub contributions: ContributionTiming,
    /// The optional weekly balance table, built from the money ledger.
    pub balances: BalanceSnapshots,
    /// A participant within this share of the 402(g) or 415(c) limit gets a compliance
    /// event (0.05: at 95% of the limit, the "at risk" line of 3.20).
    pub limit_margin: f64,
}

impl Default for PlanLedgerConfig {
    fn default() -> Self {
        PlanLedgerConfig {
            contributions: ContributionTiming::Annual,
            balances: BalanceSnapshots::None,
            limit_margin: 0.05,
        }
    }
}

impl PlanLedgerConfig {
    pub fn is_default(&self) -> bool {
        *self == PlanLedgerConfig::default()
    }
}

/// `[plan.eligibility]` (3.9).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EligibilityConfig {
    pub minimum_age: u16,
    /// Days from hire before plan eligibility (eligibility events).
    pub waiting_period_days: u32,
    /// Days from hire that date voluntary enrollment of a new hire (`eligibility.waiting_period_days`).
    pub enrollment_waiting_period_days: u32,
    /// Share of new hires that are plan-ineligible (keyed draw per hire). (The reference's
    /// `new_hire_eligibility_match_census` variant is not offered: set this share instead.)
    pub new_hire_ineligible_pct: f64,
}

/// Who auto-enrollment applies to (3.10.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AutoEnrollmentScope {
    /// Start year: hires on or after the cut-off; later years: that year's hires.
    NewHiresOnly,
    /// Everyone hired on or after the cut-off who is not enrolled, every year.
    AllEligibleEmployees,
}

/// `[plan.auto_enrollment]` (3.10.1, 3.10.4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AutoEnrollmentConfig {
    pub enabled: bool,
    pub scope: AutoEnrollmentScope,
    /// ISO date; only hires on or after it are in scope. `None` = no cut-off.
    pub hire_date_cutoff: Option<String>,
    pub window_days: u32,
    pub default_deferral_rate: f64,
    pub opt_out_grace_period_days: u32,
    /// Target opt-out rate T; the demographic rates derive from it (1.8T / 1.1T / 0.7T / 0.4T).
    pub opt_out_target_rate: f64,
}

/// `[plan.voluntary_enrollment]` (3.10.2, 3.10.3, 3.10.5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VoluntaryEnrollmentConfig {
    /// The dial that multiplies every voluntary pathway's probability.
    pub rate_multiplier: f64,
    pub max_deferral_rate: f64,
    pub proactive_enabled: bool,
    pub proactive_min_days: u32,
    pub proactive_max_days: u32,
    pub match_magnet_enabled: bool,
    pub match_magnet_snap_probability: f64,
    pub year_over_year_enabled: bool,
}

/// `[plan.auto_escalation]` (3.12).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AutoEscalationConfig {
    pub enabled: bool,
    pub increment: f64,
    pub maximum_rate: f64,
    /// ISO date; only hires on or after it are escalated. `None` = no cut-off.
    pub hire_date_cutoff: Option<String>,
    pub require_active_enrollment: bool,
    pub first_escalation_delay_years: u32,
}

/// `[plan.match_response]` (3.11).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MatchResponseConfig {
    pub enabled: bool,
    pub up_participation: f64,
    pub up_maximize: f64,
    pub up_partial_factor: f64,
    pub down_enabled: bool,
    pub down_participation: f64,
    pub down_reduce_to_max: f64,
    pub down_partial_factor: f64,
    /// The 402(g) dollar figure used as a rate cap (`dollars / comp`), fixed across years.
    pub rate_cap_dollars: f64,
}

/// Employer-contribution eligibility (3.16).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmployerEligibilityConfig {
    pub apply_eligibility: bool,
    pub minimum_tenure_years: u16,
    pub require_active_at_year_end: bool,
    pub minimum_hours_annual: f64,
    pub allow_new_hires: bool,
    pub allow_terminated_new_hires: bool,
    pub allow_experienced_terminations: bool,
}

/// How the match is computed (3.17).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchMode {
    /// One tier list plus a cap.
    DeferralBased,
    /// A tier list per tenure band, no cap.
    TenureGraded,
}

/// A tenure band `[min_years, max_years)` with its own tier list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenureTiers {
    pub min_years: u16,
    pub max_years: Option<u16>,
    pub tiers: Vec<MatchTier>,
}

/// `[plan.employer_match]` (3.17).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmployerMatchConfig {
    pub enabled: bool,
    pub mode: MatchMode,
    /// Deferral-based tiers (employee rate band → match rate), ascending.
    pub tiers: Vec<MatchTier>,
    /// Cap as a share of capped compensation; `None` = no cap.
    pub cap: Option<f64>,
    /// Tenure-graded tier lists, ascending by `min_years`, the first starting at 0.
    pub tenure_tiers: Vec<TenureTiers>,
    pub eligibility: EmployerEligibilityConfig,
}

/// How the core (non-elective) rate is chosen (3.18).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoreStatus {
    None,
    Flat,
    GradedByService,
    AgeBanded,
    PointsBased,
}

/// A step of a core schedule: from `min` (years, age or points) on, `rate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoreStep {
    pub min: u16,
    pub rate: f64,
}

/// `[plan.employer_core]` (3.18). Rates are fractions (0.02 = 2%).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmployerCoreConfig {
    pub enabled: bool,
    pub status: CoreStatus,
    pub rate: f64,
    /// `graded_by_service`: steps by completed years of service.
    pub graded_schedule: Vec<CoreStep>,
    /// `age_banded`: steps by age at year end.
    pub age_schedule: Vec<CoreStep>,
    /// `points_based`: steps by age + years of service.
    pub points_schedule: Vec<CoreStep>,
    pub eligibility: EmployerEligibilityConfig,
}

/// `[plan.vesting]` (3.19).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VestingConfig {
    pub schedule: VestingSchedule,
    /// With `schedule = "custom"`: vested share by completed years (index 0 = 0 years).
    pub custom_schedule: Vec<f64>,
    pub require_hours_credit: bool,
    pub hours_threshold: f64,
}

impl Default for PlanConfig {
    fn default() -> Self {
        PlanConfig {
            enabled: true,
            eligibility: EligibilityConfig::default(),
            auto_enrollment: AutoEnrollmentConfig::default(),
            voluntary_enrollment: VoluntaryEnrollmentConfig::default(),
            auto_escalation: AutoEscalationConfig::default(),
            match_response: MatchResponseConfig::default(),
            employer_match: EmployerMatchConfig::default(),
            employer_core: EmployerCoreConfig::default(),
            ledger: PlanLedgerConfig::default(),
            nondiscrimination: NondiscriminationConfig::default(),
            vesting: VestingConfig::default(),
            irs_limits: default_irs_limits(),
        }
    }
}

impl Default for EligibilityConfig {
    fn default() -> Self {
        EligibilityConfig {
            minimum_age: 21,
            waiting_period_days: 0,
            enrollment_waiting_period_days: 0,
            new_hire_ineligible_pct: 0.0,
        }
    }
}

impl Default for AutoEnrollmentConfig {
    fn default() -> Self {
        AutoEnrollmentConfig {
            enabled: true,
            scope: AutoEnrollmentScope::NewHiresOnly,
            hire_date_cutoff: Some("2020-01-01".into()),
            window_days: 45,
            default_deferral_rate: 0.02,
            opt_out_grace_period_days: 30,
            opt_out_target_rate: 0.09,
        }
    }
}

impl Default for VoluntaryEnrollmentConfig {
    fn default() -> Self {
        VoluntaryEnrollmentConfig {
            rate_multiplier: 1.0,
            max_deferral_rate: 0.10,
            proactive_enabled: true,
            proactive_min_days: 7,
            proactive_max_days: 35,
            match_magnet_enabled: true,
            match_magnet_snap_probability: 0.45,
            year_over_year_enabled: true,
        }
    }
}

impl Default for AutoEscalationConfig {
    fn default() -> Self {
        AutoEscalationConfig {
            enabled: true,
            increment: 0.01,
            maximum_rate: 0.10,
            hire_date_cutoff: Some("2020-01-01".into()),
            require_active_enrollment: true,
            first_escalation_delay_years: 1,
        }
    }
}

impl Default for MatchResponseConfig {
    fn default() -> Self {
        MatchResponseConfig {
            enabled: true,
            up_participation: 0.40,
            up_maximize: 0.60,
            up_partial_factor: 0.50,
            down_enabled: true,
            down_participation: 0.15,
            down_reduce_to_max: 0.70,
            down_partial_factor: 0.50,
            rate_cap_dollars: 23_500.0,
        }
    }
}

impl Default for EmployerEligibilityConfig {
    fn default() -> Self {
        EmployerEligibilityConfig {
            apply_eligibility: true,
            minimum_tenure_years: 0,
            require_active_at_year_end: true,
            minimum_hours_annual: 1_000.0,
            allow_new_hires: true,
            allow_terminated_new_hires: false,
            allow_experienced_terminations: false,
        }
    }
}

impl Default for EmployerMatchConfig {
    fn default() -> Self {
        let f = MatchFormula::default_tiers();
        EmployerMatchConfig {
            enabled: true,
            mode: MatchMode::DeferralBased,
            tiers: f.tiers,
            cap: f.cap,
            tenure_tiers: Vec::new(),
            eligibility: EmployerEligibilityConfig::default(),
        }
    }
}

impl Default for EmployerCoreConfig {
    fn default() -> Self {
        EmployerCoreConfig {
            enabled: true,
            status: CoreStatus::Flat,
            rate: 0.01,
            graded_schedule: vec![
                CoreStep { min: 0, rate: 0.01 },
                CoreStep { min: 3, rate: 0.02 },
                CoreStep { min: 6, rate: 0.03 },
            ],
            age_schedule: Vec::new(),
            points_schedule: Vec::new(),
            eligibility: EmployerEligibilityConfig::default(),
        }
    }
}

impl Default for VestingConfig {
    fn default() -> Self {
        VestingConfig {
            schedule: VestingSchedule::Graded5Year,
            custom_schedule: Vec::new(),
            require_hours_credit: false,
            hours_threshold: 1_000.0,
        }
    }
}

impl PlanConfig {
    /// The deferral-based formula (tiers + cap).
    pub fn match_formula(&self) -> MatchFormula {
        MatchFormula {
            tiers: self.employer_match.tiers.clone(),
            cap: self.employer_match.cap,
        }
    }

    /// The match-maximising deferral rate (the magnet ceiling): the highest tier bound of the
    /// active tier list(s) (3.17 normative: one source of truth).
    pub fn match_ceiling(&self) -> f64 {
        let m = &self.employer_match;
        match m.mode {
            MatchMode::DeferralBased => self.match_formula().ceiling(),
            MatchMode::TenureGraded => m
                .tenure_tiers
                .iter()
                .flat_map(|b| b.tiers.iter().map(|t| t.employee_max))
                .fold(0.0, f64::max),
        }
    }

    /// The vesting table in force.
    pub fn vesting_table(&self) -> &[f64] {
        match self.vesting.schedule {
            VestingSchedule::Custom => &self.vesting.custom_schedule,
            s => s.table(),
        }
    }
}

/// `Some(day)` of an optional ISO date key (validated).
pub fn optional_day(v: &Option<String>) -> Option<crate::date::Day> {
    v.as_deref().and_then(date::parse)
}
