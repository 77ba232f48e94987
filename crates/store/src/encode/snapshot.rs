//! The year-end snapshot of a year (`snapshot_records`), built by column group: the
//! workforce, then the plan's eligibility and enrollment, contributions, and employer money.

use super::columns::decimal;
use super::columns::{
    arrow, cash_col, day_col, enum_col, flag_col, flag_text_col, float_col, ratio_col, small_col,
    strings, text_col, variant_col,
};
use super::derived::{Anchor, Derivation};
use crate::StoreError;
use duckdb::arrow::array::{
    ArrayRef, Decimal128Array, Float64Array, Int16Array, UInt16Array, UInt64Array, UInt8Array,
};
use duckdb::arrow::error::ArrowError;
use duckdb::arrow::record_batch::RecordBatch;
use std::ops::Range;
use std::sync::Arc;
use workforce_sim_core::rules::employer_eligibility::EmployerEligibility;
use workforce_sim_core::rules::irs_limits::LimitType;
use workforce_sim_core::state::plan::{EnrollmentMethod, MatchStatus};
use workforce_sim_core::state::{DetailedStatus, Snapshot};

pub(crate) fn snapshot_batch(s: &Snapshot, rows: Range<usize>) -> Result<RecordBatch, StoreError> {
    let go = || -> Result<RecordBatch, ArrowError> {
        let mut columns = workforce_columns(s, rows.clone())?;
        columns.extend(enrollment_columns(s, rows.clone())?);
        columns.extend(contribution_columns(s, rows.clone())?);
        columns.extend(employer_columns(s, rows.clone())?);
        RecordBatch::try_from_iter(columns)
    };
    go().map_err(arrow("snapshot_records"))
}

/// The stored snapshot rows `rows`: the snapshot's columns and the anchors of the money
/// ledger's derived contributions ([`super::derived`]), null where none is derived.
pub(crate) fn stored_snapshot_batch(
    s: &Snapshot,
    rows: Range<usize>,
    d: &Derivation,
) -> Result<RecordBatch, StoreError> {
    let batch = snapshot_batch(s, rows.clone())?;
    let go = || -> Result<RecordBatch, ArrowError> {
        let anchor = |i: usize| d.anchor(rows.start + i);
        let n = rows.len();
        let idx = || 0..n;
        let sequence = |first: fn(&Anchor) -> u16| {
            Arc::new(UInt16Array::from_iter(
                idx().map(|i| anchor(i).map(first).filter(|&q| q > 0)),
            )) as ArrayRef
        };
        let schema = batch.schema();
        let mut columns: Vec<(&str, ArrayRef)> = schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .zip(batch.columns().iter().cloned())
            .collect();
        columns.extend([
            (
                "ledger_base",
                Arc::new(UInt64Array::from_iter(
                    idx().map(|i| anchor(i).map(|a| a.base)),
                )) as ArrayRef,
            ),
            (
                "employee_contribution_sequence",
                sequence(|a| a.employee_sequence),
            ),
            (
                "employer_contribution_sequence",
                sequence(|a| a.employer_sequence),
            ),
            (
                "contribution_sources",
                Arc::new(UInt8Array::from_iter(
                    idx().map(|i| anchor(i).map(|a| a.sources)),
                )),
            ),
            (
                "catch_up_contribution",
                decimal(
                    Decimal128Array::from_iter(
                        idx().map(|i| anchor(i).map(|a| i128::from(a.catch_up_cents))),
                    ),
                    15,
                    2,
                )?,
            ),
        ]);
        RecordBatch::try_from_iter(columns)
    };
    go().map_err(arrow("snapshot_records"))
}

/// A group of named columns, in the table's order.
type Columns = Vec<(&'static str, ArrayRef)>;

/// The workforce columns: identity, pay, age and tenure, status, termination, and the
/// inputs of the employer's eligibility (the year, hours, waiting period).
fn workforce_columns(s: &Snapshot, r: Range<usize>) -> Result<Columns, ArrowError> {
    let (n, o) = (r.len(), r.start);
    let idx = || 0..n;
    Ok(vec![
        (
            "employee_id",
            strings(idx().map(|i| &*s.employee_id[o + i])),
        ),
        (
            "current_compensation",
            cash_col(n, |i| s.current_compensation[o + i])?,
        ),
        (
            "prorated_annual_compensation",
            cash_col(n, |i| s.prorated_annual_compensation[o + i])?,
        ),
        (
            "current_age",
            Arc::new(UInt16Array::from(s.current_age[r.clone()].to_vec())) as ArrayRef,
        ),
        (
            "current_tenure",
            Arc::new(UInt16Array::from(s.current_tenure[r.clone()].to_vec())),
        ),
        (
            "level_id",
            Arc::new(UInt8Array::from(s.level_id[r.clone()].to_vec())),
        ),
        (
            "employment_status",
            flag_text_col(
                "employment_status_t",
                n,
                |i| s.active[o + i],
                "active",
                "terminated",
            )?,
        ),
        (
            "termination_date",
            day_col(n, |i| s.termination_date[o + i]),
        ),
        (
            "termination_reason",
            enum_col(
                "termination_reason_t",
                idx().map(|i| s.termination_reason[o + i].map(|r| r.as_str())),
            )?,
        ),
        (
            "detailed_status_code",
            variant_col(
                "detailed_status_t",
                n,
                |i| s.detailed_status[o + i],
                |d| d as usize,
                DetailedStatus::as_str,
            )?,
        ),
        (
            "simulation_year",
            Arc::new(Int16Array::from(vec![s.year as i16; n])),
        ),
        (
            "employee_eligibility_date",
            day_col(n, |i| Some(s.eligibility_date[o + i])),
        ),
        (
            "waiting_period_days",
            Arc::new(UInt16Array::from(s.waiting_period_days[r.clone()].to_vec())),
        ),
        (
            "scheduled_hours_per_week",
            Arc::new(Float64Array::from(s.scheduled_hours[r.clone()].to_vec())),
        ),
    ])
}

/// Plan eligibility, enrollment and the deferral rate's history (the carried plan state).
fn enrollment_columns(s: &Snapshot, r: Range<usize>) -> Result<Columns, ArrowError> {
    let (n, o) = (r.len(), r.start);
    let idx = || 0..n;
    let p = |i: usize| &s.plan[o + i];
    Ok(vec![
        (
            "current_eligibility_status",
            flag_text_col(
                "eligibility_status_t",
                n,
                |i| p(i).carry.eligible,
                "eligible",
                "pending",
            )?,
        ),
        (
            "plan_ineligible",
            flag_col(n, |i| p(i).carry.plan_ineligible),
        ),
        (
            "plan_eligibility_date",
            day_col(n, |i| p(i).carry.plan_eligibility_date),
        ),
        ("is_enrolled_flag", flag_col(n, |i| p(i).carry.enrolled)),
        (
            "employee_enrollment_date",
            day_col(n, |i| p(i).carry.enrollment_date),
        ),
        (
            "enrollment_method",
            variant_col(
                "enrollment_method_t",
                n,
                |i| p(i).carry.enrollment_method,
                |m| m as usize,
                EnrollmentMethod::as_str,
            )?,
        ),
        ("ever_opted_out", flag_col(n, |i| p(i).carry.ever_opted_out)),
        (
            "current_deferral_rate",
            ratio_col(n, |i| p(i).carry.deferral_rate)?,
        ),
        (
            "original_deferral_rate",
            ratio_col(n, |i| p(i).carry.original_deferral_rate)?,
        ),
        (
            "participation_status",
            flag_text_col(
                "participation_status_t",
                n,
                |i| p(i).participating(),
                "participating",
                "not_participating",
            )?,
        ),
        (
            "participation_status_detail",
            text_col("participation_detail_t", n, |i| p(i).participation_detail())?,
        ),
        (
            "first_enrollment_year",
            small_col(n, |i| p(i).carry.first_enrollment_year),
        ),
        (
            "last_rate_change_year",
            small_col(n, |i| p(i).carry.last_rate_change_year),
        ),
        (
            "total_deferral_escalations",
            Arc::new(UInt16Array::from_iter_values(
                idx().map(|i| p(i).carry.escalations),
            )),
        ),
        (
            "total_escalation_amount",
            ratio_col(n, |i| p(i).carry.total_escalation_amount)?,
        ),
        (
            "last_escalation_date",
            day_col(n, |i| p(i).carry.last_escalation_date),
        ),
        (
            "auto_escalation_opt_out",
            flag_col(n, |i| p(i).carry.census_escalation_opt_out),
        ),
    ])
}

/// The year's contributions: hours, base, requested and capped amounts, the IRS limit
/// applied.
fn contribution_columns(s: &Snapshot, r: Range<usize>) -> Result<Columns, ArrowError> {
    let (n, o) = (r.len(), r.start);
    let p = |i: usize| &s.plan[o + i];
    Ok(vec![
        ("annual_hours_worked", float_col(n, |i| p(i).annual_hours)),
        (
            "contribution_deferral_rate",
            ratio_col(n, |i| p(i).contribution_rate)?,
        ),
        (
            "total_contribution_base_compensation",
            cash_col(n, |i| p(i).contribution_base)?,
        ),
        (
            "requested_contributions",
            cash_col(n, |i| p(i).requested_contribution)?,
        ),
        (
            "prorated_annual_contributions",
            cash_col(n, |i| p(i).employee_contribution)?,
        ),
        (
            "pre_tax_contributions",
            cash_col(n, |i| p(i).pre_tax_contribution)?,
        ),
        (
            "roth_contributions",
            cash_col(n, |i| p(i).roth_contribution)?,
        ),
        ("capped_excess", cash_col(n, |i| p(i).capped_excess)?),
        ("applied_irs_limit", cash_col(n, |i| p(i).applied_limit)?),
        (
            "limit_type",
            variant_col(
                "limit_type_t",
                n,
                |i| p(i).limit_type,
                |t| t as usize,
                |t| match t {
                    LimitType::Base => "BASE",
                    LimitType::CatchUp => "CATCH_UP",
                    LimitType::SuperCatchUp => "SUPER_CATCH_UP",
                },
            )?,
        ),
        ("irs_limit_reached", flag_col(n, |i| p(i).irs_limit_reached)),
    ])
}

/// Employer money: match and core eligibility and amounts, balances by source, vesting, HCE.
fn employer_columns(s: &Snapshot, r: Range<usize>) -> Result<Columns, ArrowError> {
    let (n, o) = (r.len(), r.start);
    let p = |i: usize| &s.plan[o + i];
    Ok(vec![
        (
            "match_eligibility",
            variant_col(
                "employer_eligibility_t",
                n,
                |i| p(i).match_eligibility,
                |e| e as usize,
                EmployerEligibility::as_str,
            )?,
        ),
        (
            "match_status",
            variant_col(
                "match_status_t",
                n,
                |i| p(i).match_status,
                |m| m as usize,
                MatchStatus::as_str,
            )?,
        ),
        (
            "employer_match_amount",
            cash_col(n, |i| p(i).employer_match)?,
        ),
        (
            "core_eligibility",
            variant_col(
                "employer_eligibility_t",
                n,
                |i| p(i).core_eligibility,
                |e| e as usize,
                EmployerEligibility::as_str,
            )?,
        ),
        ("employer_core_amount", cash_col(n, |i| p(i).employer_core)?),
        (
            "total_employer_contributions",
            cash_col(n, |i| p(i).employer_total())?,
        ),
        (
            "employer_balance",
            cash_col(n, |i| p(i).carry.employer_balance)?,
        ),
        (
            "employer_match_balance",
            cash_col(n, |i| p(i).carry.employer_match_balance)?,
        ),
        (
            "employee_balance",
            cash_col(n, |i| p(i).carry.employee_balance)?,
        ),
        (
            "employee_roth_balance",
            cash_col(n, |i| p(i).carry.employee_roth_balance)?,
        ),
        (
            "employee_catch_up_balance",
            cash_col(n, |i| p(i).carry.employee_catch_up_balance)?,
        ),
        ("vested_percentage", float_col(n, |i| p(i).vested_pct)),
        ("vested_balance", cash_col(n, |i| p(i).vested_balance)?),
        ("forfeiture_amount", cash_col(n, |i| p(i).forfeiture)?),
        ("is_hce", flag_col(n, |i| p(i).is_hce)),
    ])
}
