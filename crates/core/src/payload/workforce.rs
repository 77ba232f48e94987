//! The workforce events' payloads (docs/rules.md 4.3): hire, promotion, termination, merit,
//! sabbatical; each field with its JSON Schema rule (validated by `rules`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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
