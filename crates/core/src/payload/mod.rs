//! Typed events (docs/rules.md 4.3): the common envelope and one serde discriminated union over
//! every payload type, each field with its validation rule, and a JSON Schema of the whole
//! (`schemars`). The ledger (4.1, [`crate::events`]) stays the system of record in columns; a
//! typed event is its API form: every ledger row converts to one ([`convert`]), validates, and
//! converts back to the same row.
//!
//! Choices where 4.3 is silent or cannot hold for this model (each also in the README):
//! * `event_id` is the ledger's deterministic id (`EVT_{year}_{seq:09}`, `PLN_...` for the
//!   plan's money events), not a UUID: 4.1 makes ids deterministic so that two runs of one
//!   seed are byte-identical, and a random UUID would break that.
//! * `created_at` is optional: 4.1 makes it audit-only and excluded from determinism, so the
//!   simulation does not stamp its events; an event from elsewhere may carry one (RFC 3339).
//! * Money is quantised to 6 decimals as 4.3 says; **rates to 6 decimals, not 4**: the model's
//!   rates carry 6 (a match response to 5.875%, `round_rate`), and cutting them to 4 would
//!   change the rate the contributions were computed from.
//! * The ledger's `deferral_escalation` and `deferral_match_response` rows get payloads of
//!   their own (like `sabbatical`, extensions of 4.3's list), because 4.3's `enrollment_change`
//!   reasons name neither an escalation nor a match response.

pub mod convert;
mod rules;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use rules::FieldError;

/// `source_system` of the events this simulation writes.
pub const SOURCE_SYSTEM: &str = "workforce-sim";

/// One typed event: the envelope of 4.3 and its payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TypedEvent {
    /// Unique within a run (non-empty, trimmed).
    #[schemars(length(min = 1))]
    pub event_id: String,
    #[schemars(length(min = 1))]
    pub employee_id: String,
    /// ISO date, `YYYY-MM-DD`.
    #[schemars(extend("format" = "date"))]
    pub effective_date: String,
    /// Audit only (RFC 3339, UTC); the simulation leaves it out so its output is deterministic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date-time"))]
    pub created_at: Option<String>,
    #[schemars(length(min = 1))]
    pub scenario_id: String,
    #[schemars(length(min = 1))]
    pub plan_design_id: String,
    #[schemars(length(min = 1))]
    pub source_system: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// The plan year the event belongs to (4.1); an auto-enrollment or opt-out may be dated in
    /// the next calendar year. Optional for events from elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulation_year: Option<i32>,
    /// The workforce ledger's columns that no payload carries (present on events converted
    /// from a ledger row, so they convert back to the same row).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ledger: Option<LedgerContext>,
    pub payload: Payload,
}

/// The columns of a workforce ledger row (4.1) beyond the envelope and the payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LedgerContext {
    #[schemars(length(min = 1))]
    pub employee_ssn: String,
    pub event_category: crate::events::EventCategory,
    #[schemars(range(min = 1))]
    pub event_sequence: u16,
    pub employee_age: u16,
    pub employee_tenure: u16,
    #[schemars(range(min = 1, max = 10))]
    pub level_id: u8,
    pub age_band: String,
    pub tenure_band: String,
    pub event_details: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_probability: Option<f64>,
    /// The row's compensation where the payload has none (termination, eligibility,
    /// enrollment, opt-out, match response).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compensation_amount: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_compensation: Option<f64>,
    /// The row's deferral rate where the payload has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_deferral_rate: Option<f64>,
    /// The row's previous deferral rate where the payload has none (enrollment: 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_employee_deferral_rate: Option<f64>,
}

/// The payload, discriminated by `event_type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "event_type", rename_all = "snake_case")]
pub enum Payload {
    Hire(Hire),
    Promotion(Promotion),
    Termination(Termination),
    /// The ledger's `raise` (merit and COLA in one event, 3.8).
    Merit(Merit),
    /// The documented extension example of 4.3; the simulation writes none.
    Sabbatical(Sabbatical),
    Eligibility(Eligibility),
    Enrollment(Enrollment),
    EnrollmentChange(EnrollmentChange),
    /// Extension: the ledger's `deferral_escalation` (3.12).
    DeferralEscalation(DeferralRateChange),
    /// Extension: the ledger's `deferral_match_response` (3.11).
    DeferralMatchResponse(DeferralRateChange),
    AutoEnrollmentWindow(AutoEnrollmentWindow),
    Contribution(Contribution),
    Vesting(Vesting),
    Forfeiture(Forfeiture),
    HceStatus(HceStatus),
    Compliance(Compliance),
}

impl Payload {
    /// The `event_type` tag.
    pub fn event_type(&self) -> &'static str {
        match self {
            Payload::Hire(_) => "hire",
            Payload::Promotion(_) => "promotion",
            Payload::Termination(_) => "termination",
            Payload::Merit(_) => "merit",
            Payload::Sabbatical(_) => "sabbatical",
            Payload::Eligibility(_) => "eligibility",
            Payload::Enrollment(_) => "enrollment",
            Payload::EnrollmentChange(_) => "enrollment_change",
            Payload::DeferralEscalation(_) => "deferral_escalation",
            Payload::DeferralMatchResponse(_) => "deferral_match_response",
            Payload::AutoEnrollmentWindow(_) => "auto_enrollment_window",
            Payload::Contribution(_) => "contribution",
            Payload::Vesting(_) => "vesting",
            Payload::Forfeiture(_) => "forfeiture",
            Payload::HceStatus(_) => "hce_status",
            Payload::Compliance(_) => "compliance",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Hire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<String>,
    #[schemars(extend("format" = "date"))]
    pub hire_date: String,
    /// The census carries no department (1.1): the simulation writes `unassigned`.
    #[schemars(length(min = 1))]
    pub department: String,
    #[schemars(range(min = 1, max = 10))]
    pub job_level: u8,
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub annual_compensation: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Promotion {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<String>,
    #[schemars(range(min = 1, max = 10))]
    pub new_job_level: u8,
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub new_annual_compensation: f64,
    #[schemars(extend("format" = "date"))]
    pub effective_date: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TerminationReason {
    Voluntary,
    Involuntary,
    Retirement,
    Death,
    Disability,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Termination {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<String>,
    /// The model's turnover (3.4, 3.6) does not tell quits from dismissals; its rates are
    /// withdrawal rates as a valuation actuary uses them, so it writes `voluntary`.
    pub termination_reason: TerminationReason,
    #[schemars(extend("format" = "date"))]
    pub final_pay_date: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Merit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<String>,
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub new_compensation: f64,
    #[schemars(range(min = 0, max = 1))]
    pub merit_percentage: f64,
    /// Extension: the cost-of-living part of the same raise (3.8), -1..1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = -1, max = 1))]
    pub cola_percentage: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SabbaticalReason {
    Academic,
    Personal,
    Medical,
    CommunityService,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sabbatical {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<String>,
    #[schemars(extend("format" = "date"))]
    pub start_date: String,
    /// After `start_date`.
    #[schemars(extend("format" = "date"))]
    pub end_date: String,
    pub reason: SabbaticalReason,
    #[schemars(range(min = 0, max = 1))]
    pub compensation_percentage: f64,
}

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

/// The JSON Schema of one typed event (what `workforce-sim schema events` prints).
pub fn json_schema() -> serde_json::Value {
    let mut schema: serde_json::Value = schemars::schema_for!(TypedEvent).into();
    if let Some(o) = schema.as_object_mut() {
        o.insert(
            "$id".into(),
            "https://workforce-sim.dev/schema/typed-event.json".into(),
        );
        o.insert(
            "description".into(),
            "One typed workforce or DC plan event (docs/rules.md 4.3): the envelope and a payload discriminated by event_type. Money is quantised to 6 decimals, rates to 6.".into(),
        );
    }
    schema
}

/// The serde name of a payload enum value (`opened`, `402g_limit_approach`, ...).
pub fn enum_name<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// Quantises money and rates to 6 decimals (4.3).
pub fn quantise(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The envelope fields every stored ledger row has (workforce and plan ledger alike).
pub(crate) struct RowIds<'a> {
    pub event_id: &'a str,
    pub scenario_id: &'a str,
    pub plan_design_id: &'a str,
    pub employee_id: &'a str,
    pub simulation_year: i32,
}

impl TypedEvent {
    /// A typed event of a row this simulation wrote: `source_system` is [`SOURCE_SYSTEM`],
    /// no `created_at` or `correlation_id` (4.1: audit only).
    pub(crate) fn simulated(
        ids: RowIds<'_>,
        effective_date: String,
        ledger: Option<LedgerContext>,
        payload: Payload,
    ) -> TypedEvent {
        TypedEvent {
            event_id: ids.event_id.to_string(),
            employee_id: ids.employee_id.to_string(),
            effective_date,
            created_at: None,
            scenario_id: ids.scenario_id.to_string(),
            plan_design_id: ids.plan_design_id.to_string(),
            source_system: SOURCE_SYSTEM.into(),
            correlation_id: None,
            simulation_year: Some(ids.simulation_year),
            ledger,
            payload,
        }
    }

    /// Parses one JSON line and checks every rule; the error names the field and the rule.
    pub fn parse_and_validate(line: &str) -> Result<TypedEvent, FieldError> {
        let mut e: TypedEvent = serde_json::from_str(line).map_err(FieldError::from_json)?;
        e.quantise();
        e.validate()?;
        Ok(e)
    }
}

/// One bad line of a JSON Lines file of typed events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// 1-based line number.
    pub line: usize,
    pub error: FieldError,
}

/// The outcome of checking a JSON Lines file of typed events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JsonlReport {
    /// Non-blank lines read.
    pub events: usize,
    /// One error per bad line (its first broken rule), in line order.
    pub bad: Vec<BadLine>,
}

/// Checks every line of a JSON Lines file of typed events (blank lines are skipped): each
/// must parse as a [`TypedEvent`] (serde names a wrong type, a missing or an unknown field),
/// pass the rules of 4.3, and carry an `event_id` no earlier line has. Reading stops at an
/// I/O error, which is returned.
pub fn validate_jsonl(reader: impl std::io::BufRead) -> std::io::Result<JsonlReport> {
    let mut report = JsonlReport::default();
    let mut ids: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (k, line) in reader.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        report.events += 1;
        let n = k + 1;
        match TypedEvent::parse_and_validate(&line) {
            Ok(e) => {
                if let Some(first) = ids.get(&e.event_id) {
                    report.bad.push(BadLine {
                        line: n,
                        error: FieldError {
                            field: "event_id".into(),
                            rule: format!("must be unique (line {first} has {:?})", e.event_id),
                        },
                    });
                } else {
                    ids.insert(e.event_id, n);
                }
            }
            Err(error) => report.bad.push(BadLine { line: n, error }),
        }
    }
    Ok(report)
}
