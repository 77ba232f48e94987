//! The `employees` table: the census rows (partition: the census year) and each year's
//! new hires.

use super::columns::{arrow, enum_col, money, strings};
use crate::StoreError;
use duckdb::arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Float64Array, Int16Array, UInt16Array, UInt8Array,
};
use duckdb::arrow::error::ArrowError;
use duckdb::arrow::record_batch::RecordBatch;
use std::sync::Arc;
use workforce_sim_core::census::staging::StagedRow;
use workforce_sim_core::date::Day;
use workforce_sim_core::state::{DetailedStatus, Snapshot};
/// The census rows of `employees` (partition: the census year).
pub(crate) fn census_batch(
    rows: &[StagedRow],
    census_year: i32,
) -> Result<RecordBatch, StoreError> {
    let r = || rows.iter();
    let opt_money = |f: &dyn Fn(&StagedRow) -> f64| money(rows.len(), |i| Some(f(&rows[i])));
    let go = || -> Result<RecordBatch, ArrowError> {
        RecordBatch::try_from_iter([
            (
                "employee_id",
                strings(r().map(|s| s.record.employee_id.as_str())),
            ),
            (
                "employee_ssn",
                strings(r().map(|s| s.record.employee_ssn.as_str())),
            ),
            (
                "employee_birth_date",
                Arc::new(Date32Array::from_iter_values(
                    r().map(|s| s.record.employee_birth_date),
                )) as ArrayRef,
            ),
            (
                "employee_hire_date",
                Arc::new(Date32Array::from_iter_values(
                    r().map(|s| s.record.employee_hire_date),
                )),
            ),
            (
                "simulation_year",
                Arc::new(Int16Array::from(vec![census_year as i16; rows.len()])),
            ),
            (
                "in_census",
                Arc::new(BooleanArray::from(vec![true; rows.len()])),
            ),
            (
                "employee_termination_date",
                Arc::new(Date32Array::from_iter(
                    r().map(|s| s.record.employee_termination_date),
                )),
            ),
            (
                "employee_gross_compensation",
                opt_money(&|s| s.record.employee_gross_compensation)?,
            ),
            (
                "active",
                Arc::new(BooleanArray::from_iter(r().map(|s| s.record.active))),
            ),
            (
                "employee_deferral_rate",
                Arc::new(Float64Array::from_iter(
                    r().map(|s| s.record.employee_deferral_rate),
                )),
            ),
            (
                "scheduled_hours_per_week",
                Arc::new(Float64Array::from_iter(
                    r().map(|s| s.record.scheduled_hours_per_week),
                )),
            ),
            (
                "auto_escalation_opt_out",
                Arc::new(BooleanArray::from_iter(
                    r().map(|s| s.record.auto_escalation_opt_out),
                )),
            ),
            (
                "eligibility_override",
                Arc::new(BooleanArray::from_iter(
                    r().map(|s| s.record.eligibility_override),
                )),
            ),
            (
                "days_active",
                Arc::new(Int16Array::from_iter_values(
                    r().map(|s| s.days_active as i16),
                )),
            ),
            (
                "plan_year_compensation",
                opt_money(&|s| s.plan_year_compensation)?,
            ),
            (
                "annualized_compensation",
                opt_money(&|s| s.annualized_compensation)?,
            ),
            (
                "eligibility_date",
                Arc::new(Date32Array::from_iter_values(
                    r().map(|s| s.eligibility_date),
                )),
            ),
            (
                "current_eligibility_status",
                enum_col(
                    "eligibility_status_t",
                    r().map(|s| Some(s.eligibility_status)),
                )?,
            ),
            (
                "enrollment_date",
                Arc::new(Date32Array::from_iter(r().map(|s| s.enrollment_date))),
            ),
            (
                "is_enrolled_at_census",
                Arc::new(BooleanArray::from_iter(
                    r().map(|s| Some(s.is_enrolled_at_census)),
                )),
            ),
            (
                "level_id",
                Arc::new(UInt8Array::from_iter_values(r().map(|s| s.level_id))),
            ),
            (
                "current_age",
                Arc::new(UInt16Array::from_iter_values(r().map(|s| s.age))),
            ),
            (
                "current_tenure",
                Arc::new(UInt16Array::from_iter_values(r().map(|s| s.tenure))),
            ),
            (
                "in_baseline",
                Arc::new(BooleanArray::from_iter(r().map(|s| Some(s.in_baseline)))),
            ),
        ])
    };
    go().map_err(arrow("employees"))
}

/// The `employees` rows of the year's new hires (the snapshot rows hired in the year); the
/// census columns are NULL for them.
pub(crate) fn hires_batch(s: &Snapshot) -> Result<RecordBatch, StoreError> {
    let hired: Vec<usize> = (0..s.len())
        .filter(|&i| {
            matches!(
                s.detailed_status[i],
                DetailedStatus::NewHireActive | DetailedStatus::NewHireTermination
            )
        })
        .collect();
    let n = hired.len();
    let idx = || hired.iter().copied();
    let none_day = || Arc::new(Date32Array::from(vec![None::<Day>; n])) as ArrayRef;
    let none_bool = || Arc::new(BooleanArray::from(vec![None::<bool>; n])) as ArrayRef;
    let none_f64 = || Arc::new(Float64Array::from(vec![None::<f64>; n])) as ArrayRef;
    let go = || -> Result<RecordBatch, ArrowError> {
        let none_money = || money(n, |_| None);
        RecordBatch::try_from_iter([
            ("employee_id", strings(idx().map(|i| &*s.employee_id[i]))),
            ("employee_ssn", strings(idx().map(|i| &*s.employee_ssn[i]))),
            (
                "employee_birth_date",
                Arc::new(Date32Array::from_iter_values(
                    idx().map(|i| s.birth_date[i]),
                )) as ArrayRef,
            ),
            (
                "employee_hire_date",
                Arc::new(Date32Array::from_iter_values(idx().map(|i| s.hire_date[i]))),
            ),
            (
                "simulation_year",
                Arc::new(Int16Array::from(vec![s.year as i16; n])),
            ),
            ("in_census", Arc::new(BooleanArray::from(vec![false; n]))),
            ("employee_termination_date", none_day()),
            ("employee_gross_compensation", none_money()?),
            ("active", none_bool()),
            ("employee_deferral_rate", none_f64()),
            ("scheduled_hours_per_week", none_f64()),
            ("auto_escalation_opt_out", none_bool()),
            ("eligibility_override", none_bool()),
            (
                "days_active",
                Arc::new(Int16Array::from(vec![None::<i16>; n])),
            ),
            ("plan_year_compensation", none_money()?),
            ("annualized_compensation", none_money()?),
            ("eligibility_date", none_day()),
            (
                "current_eligibility_status",
                enum_col("eligibility_status_t", std::iter::repeat_n(None, n))?,
            ),
            ("enrollment_date", none_day()),
            ("is_enrolled_at_census", none_bool()),
            ("level_id", Arc::new(UInt8Array::from(vec![None::<u8>; n]))),
            (
                "current_age",
                Arc::new(UInt16Array::from(vec![None::<u16>; n])),
            ),
            (
                "current_tenure",
                Arc::new(UInt16Array::from(vec![None::<u16>; n])),
            ),
            ("in_baseline", none_bool()),
        ])
    };
    go().map_err(arrow("employees"))
}
