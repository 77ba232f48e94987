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
mod jsonl;
mod plan;
mod rules;
mod workforce;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use jsonl::{validate_jsonl, BadLine, JsonlReport};
pub use plan::*;
pub use rules::FieldError;
pub use workforce::*;

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
