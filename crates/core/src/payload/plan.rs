//! The plan events' payloads (docs/rules.md 4.3): eligibility, enrollment and its changes,
//! deferral changes, the auto-enrollment window, contributions, vesting, forfeitures, HCE
//! status and compliance; each field with its JSON Schema rule (validated by `rules`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EligibilityReason {
    AgeAndService,
    Immediate,
    HoursRequirement,
    Rehire,
    IneligibleOverride,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Eligibility {
    #[schemars(length(min = 1))]
    pub plan_id: String,
    pub eligible: bool,
    #[schemars(extend("format" = "date"))]
    pub eligibility_date: String,
    pub reason: EligibilityReason,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnrollmentSource {
    Proactive,
    Auto,
    Voluntary,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Enrollment {
    #[schemars(length(min = 1))]
    pub plan_id: String,
    #[schemars(extend("format" = "date"))]
    pub enrollment_date: String,
    /// The model elects one deferral rate (pre-tax); the 85/15 Roth split of 3.15 applies to
    /// the contribution dollars, which the contribution events carry by source.
    #[schemars(range(min = 0, max = 1))]
    pub pre_tax_rate: f64,
    #[schemars(range(min = 0, max = 1))]
    pub roth_rate: f64,
    #[schemars(range(min = 0, max = 1))]
    pub after_tax_rate: f64,
    pub auto_enrollment: bool,
    /// Auto-enrollment: the last day of the opt-out grace period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date"))]
    pub opt_out_window_expires: Option<String>,
    pub enrollment_source: EnrollmentSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date"))]
    pub auto_enrollment_window_start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date"))]
    pub auto_enrollment_window_end: Option<String>,
    pub proactive_enrollment_eligible: bool,
    pub window_timing_compliant: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeType {
    OptOut,
    RateChange,
    SourceChange,
    Cancellation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeReason {
    EmployeeOptOut,
    PlanAmendment,
    ComplianceCorrection,
    SystemCorrection,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollmentChange {
    #[schemars(length(min = 1))]
    pub plan_id: String,
    pub change_type: ChangeType,
    pub change_reason: ChangeReason,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date"))]
    pub previous_enrollment_date: Option<String>,
    #[schemars(range(min = 0, max = 1))]
    pub new_pre_tax_rate: f64,
    #[serde(default)]
    #[schemars(range(min = 0, max = 1))]
    pub new_roth_rate: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 1))]
    pub previous_pre_tax_rate: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 1))]
    pub previous_roth_rate: Option<f64>,
    pub within_opt_out_window: bool,
    pub penalty_applied: bool,
}

/// A deferral rate set by the plan (escalation) or by the employee's response to the match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeferralRateChange {
    #[schemars(length(min = 1))]
    pub plan_id: String,
    #[schemars(range(min = 0, max = 1))]
    pub new_deferral_rate: f64,
    #[schemars(range(min = 0, max = 1))]
    pub previous_deferral_rate: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WindowAction {
    Opened,
    Closed,
    Expired,
}

impl WindowAction {
    pub fn as_str(self) -> &'static str {
        match self {
            WindowAction::Opened => "opened",
            WindowAction::Closed => "closed",
            WindowAction::Expired => "expired",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AutoEnrollmentWindow {
    #[schemars(length(min = 1))]
    pub plan_id: String,
    pub action: WindowAction,
    #[schemars(extend("format" = "date"))]
    pub window_start_date: String,
    #[schemars(extend("format" = "date"))]
    pub window_end_date: String,
    #[schemars(range(min = 1, max = 365))]
    pub window_duration_days: u16,
    #[schemars(range(min = 0, max = 1))]
    pub default_deferral_rate: f64,
    pub eligible_for_proactive: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date"))]
    pub proactive_window_end: Option<String>,
}

/// Money sources of the plan (4.3 `contribution.source`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ContributionSource {
    EmployeePreTax,
    EmployeeRoth,
    EmployeeAfterTax,
    EmployeeCatchUp,
    EmployerMatch,
    EmployerMatchTrueUp,
    EmployerNonelective,
    EmployerProfitSharing,
    ForfeitureAllocation,
}

impl ContributionSource {
    pub const ALL: [ContributionSource; 9] = [
        ContributionSource::EmployeePreTax,
        ContributionSource::EmployeeRoth,
        ContributionSource::EmployeeAfterTax,
        ContributionSource::EmployeeCatchUp,
        ContributionSource::EmployerMatch,
        ContributionSource::EmployerMatchTrueUp,
        ContributionSource::EmployerNonelective,
        ContributionSource::EmployerProfitSharing,
        ContributionSource::ForfeitureAllocation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContributionSource::EmployeePreTax => "employee_pre_tax",
            ContributionSource::EmployeeRoth => "employee_roth",
            ContributionSource::EmployeeAfterTax => "employee_after_tax",
            ContributionSource::EmployeeCatchUp => "employee_catch_up",
            ContributionSource::EmployerMatch => "employer_match",
            ContributionSource::EmployerMatchTrueUp => "employer_match_true_up",
            ContributionSource::EmployerNonelective => "employer_nonelective",
            ContributionSource::EmployerProfitSharing => "employer_profit_sharing",
            ContributionSource::ForfeitureAllocation => "forfeiture_allocation",
        }
    }

    pub fn parse(s: &str) -> Option<ContributionSource> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Employer money (subject to vesting).
    pub fn is_employer(self) -> bool {
        matches!(
            self,
            ContributionSource::EmployerMatch
                | ContributionSource::EmployerMatchTrueUp
                | ContributionSource::EmployerNonelective
                | ContributionSource::EmployerProfitSharing
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contribution {
    #[schemars(length(min = 1))]
    pub plan_id: String,
    pub source: ContributionSource,
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub amount: f64,
    #[schemars(extend("format" = "date"))]
    pub pay_period_end: String,
    #[schemars(extend("format" = "date"))]
    pub contribution_date: String,
    /// The source's year-to-date total including this contribution.
    #[schemars(range(min = 0))]
    pub ytd_amount: f64,
    #[schemars(length(min = 1))]
    pub payroll_id: String,
    pub irs_limit_applied: bool,
    /// True when the amount is the model's estimate rather than a payroll record.
    pub inferred_value: bool,
}

/// Vested employer money by source.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VestedBalances {
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub employer_match: f64,
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub employer_nonelective: f64,
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub employer_profit_sharing: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleType {
    Graded,
    Cliff,
    Immediate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Vesting {
    #[schemars(length(min = 1))]
    pub plan_id: String,
    #[schemars(range(min = 0, max = 1))]
    pub vested_percentage: f64,
    pub source_balances_vested: VestedBalances,
    pub schedule_type: ScheduleType,
    /// The start of service (the hire date).
    #[schemars(extend("format" = "date"))]
    pub service_computation_date: String,
    #[schemars(range(min = 0))]
    pub service_credited_hours: f64,
    #[schemars(extend("format" = "date"))]
    pub service_period_end_date: String,
}

/// Employer sources money can be forfeited from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmployerSource {
    EmployerMatch,
    EmployerNonelective,
    EmployerProfitSharing,
}

impl EmployerSource {
    pub fn as_str(self) -> &'static str {
        match self {
            EmployerSource::EmployerMatch => "employer_match",
            EmployerSource::EmployerNonelective => "employer_nonelective",
            EmployerSource::EmployerProfitSharing => "employer_profit_sharing",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ForfeitureReason {
    UnvestedTermination,
    BreakInService,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Forfeiture {
    #[schemars(length(min = 1))]
    pub plan_id: String,
    pub forfeited_from_source: EmployerSource,
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub amount: f64,
    pub reason: ForfeitureReason,
    #[schemars(range(min = 0, max = 1))]
    pub vested_percentage: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeterminationMethod {
    PriorYear,
    CurrentYear,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HceStatus {
    #[schemars(length(min = 1))]
    pub plan_id: String,
    pub determination_method: DeterminationMethod,
    #[schemars(range(min = 0))]
    pub ytd_compensation: f64,
    #[schemars(range(min = 0))]
    pub annualized_compensation: f64,
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub hce_threshold: f64,
    pub is_hce: bool,
    #[schemars(extend("format" = "date"))]
    pub determination_date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior_year_hce: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ComplianceType {
    #[serde(rename = "402g_limit_approach")]
    Limit402gApproach,
    #[serde(rename = "415c_limit_approach")]
    Limit415cApproach,
    #[serde(rename = "catch_up_eligible")]
    CatchUpEligible,
}

impl ComplianceType {
    pub fn as_str(self) -> &'static str {
        match self {
            ComplianceType::Limit402gApproach => "402g_limit_approach",
            ComplianceType::Limit415cApproach => "415c_limit_approach",
            ComplianceType::CatchUpEligible => "catch_up_eligible",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    ElectiveDeferral,
    AnnualAdditions,
    CatchUp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Compliance {
    #[schemars(length(min = 1))]
    pub plan_id: String,
    pub compliance_type: ComplianceType,
    pub limit_type: LimitKind,
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub applicable_limit: f64,
    #[schemars(range(min = 0))]
    pub current_amount: f64,
    #[schemars(extend("format" = "date"))]
    pub monitoring_date: String,
}
