//! Encoders: the simulation's columns (events, snapshot, census) as Arrow record batches in
//! the store's column types (money as DECIMAL(15,2) from integer cents, rates as
//! DECIMAL(7,6)), ready for the Appender.

use crate::StoreError;
use duckdb::arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, Float64Array, Int32Array, StringArray,
    StringBuilder, UInt64Array,
};
use duckdb::arrow::error::ArrowError;
use duckdb::arrow::record_batch::RecordBatch;
use std::sync::Arc;
use workforce_sim_core::census::staging::StagedRow;
use workforce_sim_core::config::ValidConfig;
use workforce_sim_core::date::Day;
use workforce_sim_core::decimal::to_cents;
use workforce_sim_core::events::YearEvents;
use workforce_sim_core::rules::bands::BandTable;
use workforce_sim_core::rules::irs_limits::LimitType;
use workforce_sim_core::state::Snapshot;

/// An Arrow error while building a batch: a bug in this module (columns of one batch
/// disagree), reported rather than a panic.
fn arrow(table: &'static str) -> impl Fn(ArrowError) -> StoreError {
    move |e| StoreError::Encode {
        table,
        message: e.to_string(),
    }
}

fn money<I: IntoIterator<Item = Option<f64>>>(values: I) -> ArrayRef {
    Arc::new(
        Decimal128Array::from_iter(values.into_iter().map(|v| v.map(|x| to_cents(x) as i128)))
            .with_precision_and_scale(15, 2)
            .expect("DECIMAL(15,2) and DECIMAL(7,6) are valid types"),
    )
}

/// Deferral rates at 6 decimals (the specification's DECIMAL(5,4) cannot hold rates such
/// as the 23,500 / pay cap of a match response exactly, and the ledger must replay exactly).
fn rate<I: IntoIterator<Item = Option<f64>>>(values: I) -> ArrayRef {
    Arc::new(
        Decimal128Array::from_iter(
            values
                .into_iter()
                .map(|v| v.map(|x| (x * 1_000_000.0).round() as i128)),
        )
        .with_precision_and_scale(7, 6)
        .expect("DECIMAL(15,2) and DECIMAL(7,6) are valid types"),
    )
}

fn repeat(value: &str, n: usize) -> ArrayRef {
    let mut b = StringBuilder::with_capacity(n, n * value.len());
    for _ in 0..n {
        b.append_value(value);
    }
    Arc::new(b.finish())
}

pub(crate) fn census_batch(
    rows: &[StagedRow],
    waiting_days: u16,
) -> Result<RecordBatch, StoreError> {
    let r = |f: &dyn Fn(&StagedRow) -> i32| -> ArrayRef {
        Arc::new(Int32Array::from_iter_values(rows.iter().map(f)))
    };
    RecordBatch::try_from_iter([
        (
            "employee_id",
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|s| s.record.employee_id.as_str()),
            )) as ArrayRef,
        ),
        (
            "employee_ssn",
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|s| s.record.employee_ssn.as_str()),
            )),
        ),
        (
            "employee_birth_date",
            Arc::new(Date32Array::from_iter_values(
                rows.iter().map(|s| s.record.employee_birth_date),
            )),
        ),
        (
            "employee_hire_date",
            Arc::new(Date32Array::from_iter_values(
                rows.iter().map(|s| s.record.employee_hire_date),
            )),
        ),
        (
            "employee_termination_date",
            Arc::new(Date32Array::from_iter(
                rows.iter().map(|s| s.record.employee_termination_date),
            )),
        ),
        (
            "employee_gross_compensation",
            money(
                rows.iter()
                    .map(|s| Some(s.record.employee_gross_compensation)),
            ),
        ),
        (
            "active",
            Arc::new(BooleanArray::from_iter(
                rows.iter().map(|s| s.record.active),
            )),
        ),
        (
            "employee_deferral_rate",
            Arc::new(Float64Array::from_iter(
                rows.iter().map(|s| s.record.employee_deferral_rate),
            )),
        ),
        (
            "scheduled_hours_per_week",
            Arc::new(Float64Array::from_iter(
                rows.iter().map(|s| s.record.scheduled_hours_per_week),
            )),
        ),
        (
            "auto_escalation_opt_out",
            Arc::new(BooleanArray::from_iter(
                rows.iter().map(|s| s.record.auto_escalation_opt_out),
            )),
        ),
        (
            "eligibility_override",
            Arc::new(BooleanArray::from_iter(
                rows.iter().map(|s| s.record.eligibility_override),
            )),
        ),
        ("days_active", r(&|s| s.days_active)),
        (
            "plan_year_compensation",
            money(rows.iter().map(|s| Some(s.plan_year_compensation))),
        ),
        (
            "annualized_compensation",
            money(rows.iter().map(|s| Some(s.annualized_compensation))),
        ),
        (
            "eligibility_date",
            Arc::new(Date32Array::from_iter_values(
                rows.iter().map(|s| s.eligibility_date),
            )),
        ),
        (
            "current_eligibility_status",
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|s| s.eligibility_status),
            )),
        ),
        (
            "enrollment_date",
            Arc::new(Date32Array::from_iter(
                rows.iter().map(|s| s.enrollment_date),
            )),
        ),
        (
            "is_enrolled_at_census",
            Arc::new(BooleanArray::from_iter(
                rows.iter().map(|s| Some(s.is_enrolled_at_census)),
            )),
        ),
        ("level_id", r(&|s| s.level_id as i32)),
        ("current_age", r(&|s| s.age as i32)),
        ("current_tenure", r(&|s| s.tenure as i32)),
        (
            "in_baseline",
            Arc::new(BooleanArray::from_iter(
                rows.iter().map(|s| Some(s.in_baseline)),
            )),
        ),
        ("waiting_period_days", r(&|_| waiting_days as i32)),
    ])
    .map_err(arrow("census"))
}

pub(crate) fn events_batch(
    config: &ValidConfig,
    (age_bands, tenure_bands): (&BandTable, &BandTable),
    ev: &YearEvents,
    snapshot: &Snapshot,
    range: std::ops::Range<usize>,
) -> Result<RecordBatch, StoreError> {
    let n = range.len();
    let pos = |i: usize| ev.position[i] as usize;
    let mut details = StringBuilder::with_capacity(n, n * 24);
    let mut buf = String::with_capacity(64);
    for i in range.clone() {
        ev.detail[i].render(ev.level_id[i], &mut buf);
        details.append_value(&buf);
    }
    let idx = || range.clone();
    RecordBatch::try_from_iter([
        (
            "event_id",
            Arc::new(UInt64Array::from_iter_values(idx().map(|i| ev.event_id(i)))) as ArrayRef,
        ),
        ("scenario_id", repeat(&config.simulation.scenario_id, n)),
        (
            "plan_design_id",
            repeat(&config.simulation.plan_design_id, n),
        ),
        (
            "employee_id",
            Arc::new(StringArray::from_iter_values(
                idx().map(|i| &*snapshot.employee_id[pos(i)]),
            )),
        ),
        (
            "employee_ssn",
            Arc::new(StringArray::from_iter_values(
                idx().map(|i| &*snapshot.employee_ssn[pos(i)]),
            )),
        ),
        (
            "event_type",
            Arc::new(StringArray::from_iter_values(
                idx().map(|i| ev.event_type[i].as_str()),
            )),
        ),
        (
            "simulation_year",
            Arc::new(Int32Array::from(vec![ev.year; n])),
        ),
        (
            "effective_date",
            Arc::new(Date32Array::from_iter_values(
                idx().map(|i| ev.effective_date[i]),
            )),
        ),
        ("event_details", Arc::new(details.finish())),
        (
            "compensation_amount",
            money(idx().map(|i| ev.compensation_amount[i])),
        ),
        (
            "previous_compensation",
            money(idx().map(|i| ev.previous_compensation[i])),
        ),
        (
            "employee_deferral_rate",
            rate(idx().map(|i| ev.employee_deferral_rate[i])),
        ),
        (
            "prev_employee_deferral_rate",
            rate(idx().map(|i| ev.prev_employee_deferral_rate[i])),
        ),
        (
            "employee_age",
            Arc::new(Int32Array::from_iter_values(
                idx().map(|i| ev.employee_age[i] as i32),
            )),
        ),
        (
            "employee_tenure",
            Arc::new(Int32Array::from_iter_values(
                idx().map(|i| ev.employee_tenure[i] as i32),
            )),
        ),
        (
            "level_id",
            Arc::new(Int32Array::from_iter_values(
                idx().map(|i| ev.level_id[i] as i32),
            )),
        ),
        (
            "age_band",
            Arc::new(StringArray::from_iter_values(
                idx().map(|i| age_bands.label(ev.employee_age[i])),
            )),
        ),
        (
            "tenure_band",
            Arc::new(StringArray::from_iter_values(
                idx().map(|i| tenure_bands.label(ev.employee_tenure[i])),
            )),
        ),
        (
            "event_probability",
            Arc::new(Float64Array::from_iter(
                idx().map(|i| ev.event_probability[i]),
            )),
        ),
        (
            "event_category",
            Arc::new(StringArray::from_iter_values(
                idx().map(|i| ev.category[i].as_str()),
            )),
        ),
        (
            "event_sequence",
            Arc::new(Int32Array::from_iter_values(
                idx().map(|i| ev.event_sequence[i] as i32),
            )),
        ),
        ("data_quality_flag", repeat("VALID", n)),
    ])
    .map_err(arrow("events"))
}

pub(crate) fn snapshot_batch(
    config: &ValidConfig,
    (age_bands, tenure_bands): (&BandTable, &BandTable),
    s: &Snapshot,
    range: std::ops::Range<usize>,
) -> Result<RecordBatch, StoreError> {
    let n = range.len();
    let idx = || range.clone();
    let int = |f: &dyn Fn(usize) -> i32| -> ArrayRef {
        Arc::new(Int32Array::from_iter_values(idx().map(f)))
    };
    let boolean = |f: &dyn Fn(usize) -> bool| -> ArrayRef {
        Arc::new(BooleanArray::from_iter(idx().map(|i| Some(f(i)))))
    };
    let day = |f: &dyn Fn(usize) -> Option<Day>| -> ArrayRef {
        Arc::new(Date32Array::from_iter(idx().map(f)))
    };
    let cash = |f: &dyn Fn(usize) -> f64| -> ArrayRef { money(idx().map(|i| Some(f(i)))) };
    let text = |f: &dyn Fn(usize) -> &'static str| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(idx().map(f)))
    };
    let float = |f: &dyn Fn(usize) -> f64| -> ArrayRef {
        Arc::new(Float64Array::from_iter_values(idx().map(f)))
    };
    RecordBatch::try_from_iter([
        (
            "employee_id",
            Arc::new(StringArray::from_iter_values(
                idx().map(|i| &*s.employee_id[i]),
            )) as ArrayRef,
        ),
        (
            "employee_ssn",
            Arc::new(StringArray::from_iter_values(
                idx().map(|i| &*s.employee_ssn[i]),
            )),
        ),
        (
            "employee_birth_date",
            Arc::new(Date32Array::from_iter_values(
                idx().map(|i| s.birth_date[i]),
            )),
        ),
        (
            "employee_hire_date",
            Arc::new(Date32Array::from_iter_values(idx().map(|i| s.hire_date[i]))),
        ),
        (
            "current_compensation",
            money(idx().map(|i| Some(s.current_compensation[i]))),
        ),
        (
            "prorated_annual_compensation",
            money(idx().map(|i| Some(s.prorated_annual_compensation[i]))),
        ),
        (
            "full_year_equivalent_compensation",
            money(idx().map(|i| Some(s.current_compensation[i]))),
        ),
        ("current_age", int(&|i| s.current_age[i] as i32)),
        ("current_tenure", int(&|i| s.current_tenure[i] as i32)),
        ("level_id", int(&|i| s.level_id[i] as i32)),
        (
            "age_band",
            Arc::new(StringArray::from_iter_values(
                idx().map(|i| age_bands.label(s.current_age[i])),
            )),
        ),
        (
            "tenure_band",
            Arc::new(StringArray::from_iter_values(
                idx().map(|i| tenure_bands.label(s.current_tenure[i])),
            )),
        ),
        (
            "employment_status",
            Arc::new(StringArray::from_iter_values(idx().map(|i| {
                if s.active[i] {
                    "active"
                } else {
                    "terminated"
                }
            }))),
        ),
        (
            "termination_date",
            Arc::new(Date32Array::from_iter(idx().map(|i| s.termination_date[i]))),
        ),
        (
            "termination_reason",
            Arc::new(StringArray::from_iter(
                idx().map(|i| s.termination_reason[i].map(|r| r.as_str())),
            )),
        ),
        (
            "detailed_status_code",
            Arc::new(StringArray::from_iter_values(
                idx().map(|i| s.detailed_status[i].as_str()),
            )),
        ),
        (
            "simulation_year",
            Arc::new(Int32Array::from(vec![s.year; n])),
        ),
        (
            "employee_eligibility_date",
            Arc::new(Date32Array::from_iter_values(
                idx().map(|i| s.eligibility_date[i]),
            )),
        ),
        (
            "waiting_period_days",
            int(&|i| s.waiting_period_days[i] as i32),
        ),
        (
            "scheduled_hours_per_week",
            Arc::new(Float64Array::from_iter(idx().map(|i| s.scheduled_hours[i]))),
        ),
        ("scenario_id", repeat(&config.simulation.scenario_id, n)),
        (
            "plan_design_id",
            repeat(&config.simulation.plan_design_id, n),
        ),
        (
            "current_eligibility_status",
            text(&|i| {
                if s.plan[i].carry.eligible {
                    "eligible"
                } else {
                    "pending"
                }
            }),
        ),
        (
            "plan_ineligible",
            boolean(&|i| s.plan[i].carry.plan_ineligible),
        ),
        (
            "plan_eligibility_date",
            day(&|i| s.plan[i].carry.plan_eligibility_date),
        ),
        ("is_enrolled_flag", boolean(&|i| s.plan[i].carry.enrolled)),
        (
            "employee_enrollment_date",
            day(&|i| s.plan[i].carry.enrollment_date),
        ),
        (
            "enrollment_method",
            text(&|i| s.plan[i].carry.enrollment_method.as_str()),
        ),
        (
            "ever_opted_out",
            boolean(&|i| s.plan[i].carry.ever_opted_out),
        ),
        (
            "current_deferral_rate",
            rate(idx().map(|i| Some(s.plan[i].carry.deferral_rate))),
        ),
        (
            "original_deferral_rate",
            rate(idx().map(|i| Some(s.plan[i].carry.original_deferral_rate))),
        ),
        (
            "participation_status",
            text(&|i| {
                if s.plan[i].participating() {
                    "participating"
                } else {
                    "not_participating"
                }
            }),
        ),
        (
            "participation_status_detail",
            text(&|i| s.plan[i].participation_detail()),
        ),
        (
            "first_enrollment_year",
            int(&|i| s.plan[i].carry.first_enrollment_year),
        ),
        (
            "last_rate_change_year",
            int(&|i| s.plan[i].carry.last_rate_change_year),
        ),
        (
            "total_deferral_escalations",
            int(&|i| s.plan[i].carry.escalations as i32),
        ),
        (
            "total_escalation_amount",
            rate(idx().map(|i| Some(s.plan[i].carry.total_escalation_amount))),
        ),
        (
            "last_escalation_date",
            day(&|i| s.plan[i].carry.last_escalation_date),
        ),
        (
            "auto_escalation_opt_out",
            boolean(&|i| s.plan[i].carry.census_escalation_opt_out),
        ),
        ("annual_hours_worked", float(&|i| s.plan[i].annual_hours)),
        (
            "contribution_deferral_rate",
            rate(idx().map(|i| Some(s.plan[i].contribution_rate))),
        ),
        (
            "total_contribution_base_compensation",
            cash(&|i| s.plan[i].contribution_base),
        ),
        (
            "requested_contributions",
            cash(&|i| s.plan[i].requested_contribution),
        ),
        (
            "prorated_annual_contributions",
            cash(&|i| s.plan[i].employee_contribution),
        ),
        (
            "pre_tax_contributions",
            cash(&|i| s.plan[i].pre_tax_contribution),
        ),
        ("roth_contributions", cash(&|i| s.plan[i].roth_contribution)),
        ("capped_excess", cash(&|i| s.plan[i].capped_excess)),
        ("applied_irs_limit", cash(&|i| s.plan[i].applied_limit)),
        (
            "limit_type",
            Arc::new(StringArray::from_iter_values(idx().map(
                |i| match s.plan[i].limit_type {
                    LimitType::Base => "BASE",
                    LimitType::CatchUp => "CATCH_UP",
                    LimitType::SuperCatchUp => "SUPER_CATCH_UP",
                },
            ))),
        ),
        (
            "irs_limit_reached",
            boolean(&|i| s.plan[i].irs_limit_reached),
        ),
        (
            "match_eligibility",
            text(&|i| s.plan[i].match_eligibility.as_str()),
        ),
        ("match_status", text(&|i| s.plan[i].match_status.as_str())),
        ("employer_match_amount", cash(&|i| s.plan[i].employer_match)),
        (
            "core_eligibility",
            text(&|i| s.plan[i].core_eligibility.as_str()),
        ),
        ("employer_core_amount", cash(&|i| s.plan[i].employer_core)),
        (
            "total_employer_contributions",
            cash(&|i| s.plan[i].employer_total()),
        ),
        (
            "employer_balance",
            cash(&|i| s.plan[i].carry.employer_balance),
        ),
        (
            "employee_balance",
            cash(&|i| s.plan[i].carry.employee_balance),
        ),
        ("vested_percentage", float(&|i| s.plan[i].vested_pct)),
        ("vested_balance", cash(&|i| s.plan[i].vested_balance)),
        ("forfeiture_amount", cash(&|i| s.plan[i].forfeiture)),
        ("is_hce", boolean(&|i| s.plan[i].is_hce)),
    ])
    .map_err(arrow("workforce_snapshot"))
}

/// The `stage_timings` rows of one year.
pub(crate) fn timings_batch(
    year: i32,
    timings: &[(String, f64)],
) -> Result<RecordBatch, StoreError> {
    RecordBatch::try_from_iter([
        (
            "simulation_year",
            Arc::new(Int32Array::from(vec![year; timings.len()])) as ArrayRef,
        ),
        (
            "stage",
            Arc::new(StringArray::from_iter_values(
                timings.iter().map(|t| t.0.as_str()),
            )),
        ),
        (
            "seconds",
            Arc::new(Float64Array::from_iter_values(timings.iter().map(|t| t.1))),
        ),
    ])
    .map_err(arrow("stage_timings"))
}
