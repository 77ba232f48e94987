//! `[plan]`: the 401(k) plan's configuration with the effective defaults of docs/rules.md 1.4-1.5
//! (eligibility, enrollment, auto-escalation, match response, employer match and core,
//! vesting, IRS limits by year). Every key optional, unknown keys rejected, every value
//! range-checked by [`PlanConfig::validate`] with the key named.

use crate::config::problems::Problems;
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

    /// Range checks of the plan keys (called from [`crate::Config::validate`]).
    pub(crate) fn check(&self, years: std::ops::RangeInclusive<i32>, p: &mut Problems) {
        p.range(
            "plan.ledger.limit_margin",
            self.ledger.limit_margin,
            0.0,
            0.5,
        );
        let e = &self.eligibility;
        p.range_i(
            "plan.eligibility.minimum_age",
            e.minimum_age as f64,
            0.0,
            100.0,
        );
        p.range_i(
            "plan.eligibility.waiting_period_days",
            e.waiting_period_days as f64,
            0.0,
            3650.0,
        );
        p.range_i(
            "plan.eligibility.enrollment_waiting_period_days",
            e.enrollment_waiting_period_days as f64,
            0.0,
            3650.0,
        );
        p.range(
            "plan.eligibility.new_hire_ineligible_pct",
            e.new_hire_ineligible_pct,
            0.0,
            1.0,
        );

        let a = &self.auto_enrollment;
        p.optional_date("plan.auto_enrollment.hire_date_cutoff", &a.hire_date_cutoff);
        p.range_i(
            "plan.auto_enrollment.window_days",
            a.window_days as f64,
            0.0,
            365.0,
        );
        p.range(
            "plan.auto_enrollment.default_deferral_rate",
            a.default_deferral_rate,
            0.0,
            0.75,
        );
        p.range_i(
            "plan.auto_enrollment.opt_out_grace_period_days",
            a.opt_out_grace_period_days as f64,
            0.0,
            365.0,
        );
        // The youngest segment's rate is 1.8 T and must stay a probability.
        p.range(
            "plan.auto_enrollment.opt_out_target_rate",
            a.opt_out_target_rate,
            0.0,
            1.0 / 1.8 / 1.3,
        );

        let v = &self.voluntary_enrollment;
        p.range(
            "plan.voluntary_enrollment.rate_multiplier",
            v.rate_multiplier,
            0.0,
            5.0,
        );
        p.range(
            "plan.voluntary_enrollment.max_deferral_rate",
            v.max_deferral_rate,
            0.01,
            0.75,
        );
        p.range(
            "plan.voluntary_enrollment.match_magnet_snap_probability",
            v.match_magnet_snap_probability,
            0.0,
            1.0,
        );
        p.range_i(
            "plan.voluntary_enrollment.proactive_max_days",
            v.proactive_max_days as f64,
            v.proactive_min_days as f64,
            365.0,
        );

        let s = &self.auto_escalation;
        p.range("plan.auto_escalation.increment", s.increment, 0.0, 0.1);
        p.range(
            "plan.auto_escalation.maximum_rate",
            s.maximum_rate,
            0.0,
            0.75,
        );
        p.optional_date("plan.auto_escalation.hire_date_cutoff", &s.hire_date_cutoff);
        p.range_i(
            "plan.auto_escalation.first_escalation_delay_years",
            s.first_escalation_delay_years as f64,
            0.0,
            50.0,
        );

        let r = &self.match_response;
        for (k, x) in [
            ("up_participation", r.up_participation),
            ("up_maximize", r.up_maximize),
            ("up_partial_factor", r.up_partial_factor),
            ("down_participation", r.down_participation),
            ("down_reduce_to_max", r.down_reduce_to_max),
            ("down_partial_factor", r.down_partial_factor),
        ] {
            p.range(&format!("plan.match_response.{k}"), x, 0.0, 1.0);
        }
        p.range(
            "plan.match_response.rate_cap_dollars",
            r.rate_cap_dollars,
            1.0,
            1e7,
        );

        let m = &self.employer_match;
        check_tiers(p, "plan.employer_match.tiers", &m.tiers);
        if let Some(cap) = m.cap {
            p.range("plan.employer_match.cap", cap, 0.0, 1.0);
        }
        if m.mode == MatchMode::TenureGraded {
            if m.tenure_tiers.is_empty() {
                p.push(
                    "plan.employer_match.tenure_tiers",
                    "must list at least one tenure band when mode = \"tenure_graded\"".into(),
                );
            } else if m.tenure_tiers[0].min_years != 0 {
                p.push(
                    "plan.employer_match.tenure_tiers[0].min_years",
                    format!(
                        "the first band must start at 0, got {}",
                        m.tenure_tiers[0].min_years
                    ),
                );
            }
            for (i, b) in m.tenure_tiers.iter().enumerate() {
                let key = format!("plan.employer_match.tenure_tiers[{i}]");
                check_tiers(p, &format!("{key}.tiers"), &b.tiers);
                if let Some(next) = m.tenure_tiers.get(i + 1) {
                    if next.min_years <= b.min_years {
                        p.push(
                            &format!("plan.employer_match.tenure_tiers[{}].min_years", i + 1),
                            format!(
                                "bands must be ascending: must be > {}, got {}",
                                b.min_years, next.min_years
                            ),
                        );
                    }
                }
                if let Some(max) = b.max_years {
                    if max <= b.min_years {
                        p.push(
                            &format!("{key}.max_years"),
                            format!("must be > min_years ({}), got {max}", b.min_years),
                        );
                    }
                }
            }
        }
        check_eligibility(p, "plan.employer_match.eligibility", &m.eligibility);

        let c = &self.employer_core;
        p.range("plan.employer_core.rate", c.rate, 0.0, 1.0);
        for (name, steps, needed) in [
            (
                "graded_schedule",
                &c.graded_schedule,
                c.status == CoreStatus::GradedByService,
            ),
            (
                "age_schedule",
                &c.age_schedule,
                c.status == CoreStatus::AgeBanded,
            ),
            (
                "points_schedule",
                &c.points_schedule,
                c.status == CoreStatus::PointsBased,
            ),
        ] {
            let key = format!("plan.employer_core.{name}");
            if needed && steps.is_empty() {
                p.push(
                    &key,
                    format!(
                        "must list at least one step when status uses it ({:?})",
                        c.status
                    ),
                );
            }
            for (i, s) in steps.iter().enumerate() {
                p.range(&format!("{key}[{i}].rate"), s.rate, 0.0, 1.0);
                if i > 0 && s.min <= steps[i - 1].min {
                    p.push(
                        &format!("{key}[{i}].min"),
                        format!(
                            "steps must be ascending: must be > {}, got {}",
                            steps[i - 1].min,
                            s.min
                        ),
                    );
                }
            }
        }
        check_eligibility(p, "plan.employer_core.eligibility", &c.eligibility);

        let g = &self.vesting;
        p.range(
            "plan.vesting.hours_threshold",
            g.hours_threshold,
            0.0,
            8784.0,
        );
        if g.schedule == VestingSchedule::Custom {
            let t = &g.custom_schedule;
            if t.is_empty() {
                p.push(
                    "plan.vesting.custom_schedule",
                    "must list the vested share by year of service when schedule = \"custom\""
                        .into(),
                );
            }
            for (i, x) in t.iter().enumerate() {
                p.range(&format!("plan.vesting.custom_schedule[{i}]"), *x, 0.0, 1.0);
                if i > 0 && *x < t[i - 1] {
                    p.push(
                        &format!("plan.vesting.custom_schedule[{i}]"),
                        format!(
                            "schedule must be monotone (never decreasing): {x} after {}",
                            t[i - 1]
                        ),
                    );
                }
            }
            if t.last().is_some_and(|&x| x != 1.0) {
                p.push(
                    "plan.vesting.custom_schedule",
                    "must end fully vested (1.0)".into(),
                );
            }
        } else if !g.custom_schedule.is_empty() {
            p.push(
                "plan.vesting.custom_schedule",
                "is only used with schedule = \"custom\"".into(),
            );
        }

        if self.irs_limits.is_empty() {
            p.push(
                "plan.irs_limits",
                "must list the limits of every simulated year".into(),
            );
        }
        for (i, l) in self.irs_limits.iter().enumerate() {
            let key = format!("plan.irs_limits[{i}]");
            for (k, x) in [
                (
                    "elective_deferral_limit_402g",
                    l.elective_deferral_limit_402g,
                ),
                ("catch_up_total", l.catch_up_total),
                ("super_catch_up_total", l.super_catch_up_total),
                ("compensation_limit_401a17", l.compensation_limit_401a17),
                ("hce_threshold", l.hce_threshold),
                ("annual_additions_limit_415c", l.annual_additions_limit_415c),
                ("ss_wage_base", l.ss_wage_base),
            ] {
                p.range(&format!("{key}.{k}"), x, 1.0, 1e8);
            }
            if l.catch_up_total < l.elective_deferral_limit_402g {
                p.push(
                    &format!("{key}.catch_up_total"),
                    "is a total and must be >= elective_deferral_limit_402g".into(),
                );
            }
            if self.irs_limits[..i].iter().any(|o| o.year == l.year) {
                p.push(
                    &format!("{key}.year"),
                    format!("year {} is listed twice", l.year),
                );
            }
        }
        if self.enabled {
            for y in years {
                if !self.irs_limits.iter().any(|l| l.year == y) {
                    p.push(
                        "plan.irs_limits",
                        format!("limits missing for simulated year {y} (add a [[plan.irs_limits]] row with year = {y})"),
                    );
                }
            }
        }
    }
}

fn check_tiers(p: &mut Problems, key: &str, tiers: &[MatchTier]) {
    for (i, t) in tiers.iter().enumerate() {
        let k = format!("{key}[{i}]");
        p.range(&format!("{k}.employee_min"), t.employee_min, 0.0, 1.0);
        p.range(&format!("{k}.employee_max"), t.employee_max, 0.0, 1.0);
        p.range(&format!("{k}.match_rate"), t.match_rate, 0.0, 1.0);
        if t.employee_max <= t.employee_min {
            p.push(
                &format!("{k}.employee_max"),
                format!(
                    "must be > employee_min ({}), got {}",
                    t.employee_min, t.employee_max
                ),
            );
        }
        if i > 0 && t.employee_min < tiers[i - 1].employee_max {
            p.push(
                &format!("{k}.employee_min"),
                format!(
                    "tiers must be ascending and not overlap: must be >= {}, got {}",
                    tiers[i - 1].employee_max,
                    t.employee_min
                ),
            );
        }
    }
}

fn check_eligibility(p: &mut Problems, key: &str, e: &EmployerEligibilityConfig) {
    p.range(
        &format!("{key}.minimum_hours_annual"),
        e.minimum_hours_annual,
        0.0,
        8784.0,
    );
    p.range_i(
        &format!("{key}.minimum_tenure_years"),
        e.minimum_tenure_years as f64,
        0.0,
        50.0,
    );
}

/// `Some(day)` of an optional ISO date key (validated).
pub fn optional_day(v: &Option<String>) -> Option<crate::date::Day> {
    v.as_deref().and_then(date::parse)
}
