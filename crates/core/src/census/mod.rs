//! The census: one row per employee as of the census date (docs/rules.md 1.1), where it comes from
//! (a file or the synthetic generator) and how it is staged into the baseline workforce (1.2).

pub mod generate;
pub mod import;
pub mod staging;

use crate::date::Day;
use serde::{Deserialize, Serialize};

/// One census row after parsing (docs/rules.md 1.1). Money is rounded to cents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CensusRecord {
    pub employee_id: String,
    pub employee_ssn: String,
    pub employee_birth_date: Day,
    pub employee_hire_date: Day,
    pub employee_termination_date: Option<Day>,
    pub employee_gross_compensation: f64,
    /// Carried, not used for filtering (the termination date is).
    pub active: Option<bool>,
    /// Census election as a fraction (> 1 in the file is read as a percent).
    pub employee_deferral_rate: Option<f64>,
    /// NULL = full time (40 h/wk).
    pub scheduled_hours_per_week: Option<f64>,
    pub auto_escalation_opt_out: Option<bool>,
    /// FALSE = plan-ineligible for the whole horizon.
    pub eligibility_override: Option<bool>,
}

/// The census columns in file order, as written by the generator and read by the importer.
pub const COLUMNS: [&str; 11] = [
    "employee_id",
    "employee_ssn",
    "employee_birth_date",
    "employee_hire_date",
    "employee_termination_date",
    "employee_gross_compensation",
    "active",
    "employee_deferral_rate",
    "scheduled_hours_per_week",
    "auto_escalation_opt_out",
    "eligibility_override",
];
