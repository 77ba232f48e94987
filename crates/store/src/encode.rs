//! Encoders: the simulation's columns as Arrow record batches in the lean stored types
//! ([`crate::schema`]): money as DECIMAL(15,2) from integer cents, rates as DECIMAL(7,6),
//! small integers in their own widths, low-cardinality text as dictionary arrays whose keys
//! are the ENUM codes. One batch per table and year: DuckDB's Arrow scan splits it into vectors itself.

use crate::StoreError;
use duckdb::arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, DictionaryArray, Float64Array,
    Int16Array, Int32Array, Int64Array, StringArray, StringBuilder, UInt16Array, UInt64Array,
    UInt8Array,
};
use duckdb::arrow::buffer::{BooleanBuffer, NullBuffer};
use duckdb::arrow::datatypes::UInt8Type;
use duckdb::arrow::error::ArrowError;
use duckdb::arrow::record_batch::RecordBatch;
use std::sync::Arc;
use workforce_sim_core::census::staging::StagedRow;
use workforce_sim_core::date::Day;
use workforce_sim_core::decimal::{round_to_i64, to_cents};
use workforce_sim_core::engine::Foundation;
use workforce_sim_core::events::{EventCategory, EventType, YearEvents};
use workforce_sim_core::plan_ledger::{PlanColumns, PlanLedger};
use workforce_sim_core::report::YearSummary;
use workforce_sim_core::rules::employer_eligibility::EmployerEligibility;
use workforce_sim_core::rules::irs_limits::LimitType;
use workforce_sim_core::state::plan::{EnrollmentMethod, MatchStatus};
use workforce_sim_core::state::{DetailedStatus, Snapshot};

/// An Arrow error while building a batch: a bug in this module (columns of one batch
/// disagree), reported rather than a panic.
fn arrow(table: &'static str) -> impl Fn(ArrowError) -> StoreError {
    move |e| StoreError::Encode {
        table,
        message: e.to_string(),
    }
}

fn decimal(values: Decimal128Array, precision: u8, scale: i8) -> Result<ArrayRef, ArrowError> {
    Ok(Arc::new(values.with_precision_and_scale(precision, scale)?))
}

/// The values of an optional column of rows `0..n` (`get`), each mapped by `f` (0 where
/// null), and its validity (`None` when no value is null). Collected over an exact range, so
/// no builder call and no capacity check per row.
fn optional<T: Default>(
    n: usize,
    get: impl Fn(usize) -> Option<f64>,
    f: impl Fn(f64) -> T,
) -> (Vec<T>, Option<NullBuffer>) {
    let values = (0..n).map(|i| get(i).map_or_else(T::default, &f)).collect();
    let nulls = (0..n)
        .any(|i| get(i).is_none())
        .then(|| NullBuffer::new(BooleanBuffer::collect_bool(n, |i| get(i).is_some())));
    (values, nulls)
}

/// Money at DECIMAL(15,2): integer cents.
fn cents(x: f64) -> i128 {
    i128::from(to_cents(x))
}

/// A rate at DECIMAL(7,6): integer millionths.
fn micros(x: f64) -> i128 {
    i128::from(round_to_i64(x * 1_000_000.0))
}

fn money(n: usize, get: impl Fn(usize) -> Option<f64>) -> Result<ArrayRef, ArrowError> {
    let (cents, nulls) = optional(n, get, cents);
    decimal(Decimal128Array::try_new(cents.into(), nulls)?, 15, 2)
}

/// Deferral rates at 6 decimals (the specification's DECIMAL(5,4) cannot hold rates such
/// as the 23,500 / pay cap of a match response exactly, and the ledger must replay exactly).
fn rate(n: usize, get: impl Fn(usize) -> Option<f64>) -> Result<ArrayRef, ArrowError> {
    let (micros, nulls) = optional(n, get, micros);
    decimal(Decimal128Array::try_new(micros.into(), nulls)?, 7, 6)
}

/// A summary total at DECIMAL(18,2), rounded as its two-decimal rendering rounds.
pub(crate) fn total(x: f64) -> i128 {
    format!("{x:.2}").replace('.', "").parse().unwrap_or(0)
}

/// The ENUM codes of one schema type: a value's position in the type's list, in DuckDB's
/// order. The values are the enums' `&'static str` names: a name seen before is found by its
/// address in a small direct-mapped table (one slot read and compare, inline), a new one by
/// text, then remembered in its slot (a name whose slot another took is found by text again,
/// so text that is not static costs a search, never a growing scan).
struct EnumCodes<'t> {
    type_name: &'t str,
    dict: &'static [&'static str],
    slots: [(*const u8, usize, u8); EnumCodes::SLOTS],
}

impl<'t> EnumCodes<'t> {
    const SLOTS: usize = 32;

    fn new(type_name: &'t str) -> Result<Self, ArrowError> {
        let dict = crate::schema::enum_values(type_name)
            .ok_or_else(|| ArrowError::InvalidArgumentError(format!("no ENUM {type_name}")))?;
        Ok(EnumCodes {
            type_name,
            dict,
            slots: [(std::ptr::null(), 0, 0); Self::SLOTS],
        })
    }

    fn slot(v: &str) -> usize {
        ((v.as_ptr() as usize >> 3) ^ v.len()) % Self::SLOTS
    }

    #[inline]
    fn code(&mut self, v: &str) -> Result<u8, ArrowError> {
        let (p, n, k) = self.slots[Self::slot(v)];
        if p == v.as_ptr() && n == v.len() {
            return Ok(k);
        }
        self.code_by_text(v)
    }

    #[cold]
    #[inline(never)]
    fn code_by_text(&mut self, v: &str) -> Result<u8, ArrowError> {
        let k = self.dict.iter().position(|d| *d == v).ok_or_else(|| {
            ArrowError::InvalidArgumentError(format!("{v:?} is not a value of {}", self.type_name))
        })? as u8;
        self.slots[Self::slot(v)] = (v.as_ptr(), v.len(), k);
        Ok(k)
    }

    /// The dictionary array of `keys` over the type's values.
    fn array(&self, keys: UInt8Array) -> Result<ArrayRef, ArrowError> {
        let values = Arc::new(StringArray::from_iter_values(self.dict.iter().copied()));
        Ok(Arc::new(DictionaryArray::<UInt8Type>::try_new(
            keys, values,
        )?))
    }
}

/// A column of one of the schema's ENUM types as an Arrow dictionary array whose
/// dictionary is the ENUM's value list in DuckDB's order, so its keys are DuckDB's ENUM codes
/// (the store copies them as they are; Parquet keeps them as dictionary-encoded strings).
fn enum_col<'a>(
    type_name: &str,
    values: impl Iterator<Item = Option<&'a str>>,
) -> Result<ArrayRef, ArrowError> {
    let mut codes = EnumCodes::new(type_name)?;
    let keys = values
        .map(|v| v.map(|v| codes.code(v)).transpose())
        .collect::<Result<UInt8Array, ArrowError>>()?;
    codes.array(keys)
}

/// [`enum_col`] of a column without nulls (its keys carry no validity buffer).
fn enum_values_col<'a>(
    type_name: &str,
    values: impl Iterator<Item = &'a str>,
) -> Result<ArrayRef, ArrowError> {
    let mut codes = EnumCodes::new(type_name)?;
    let keys = values
        .map(|v| codes.code(v))
        .collect::<Result<Vec<u8>, ArrowError>>()?;
    codes.array(UInt8Array::from(keys))
}

/// [`enum_values_col`] of rows `0..n` whose values are a Rust enum's (or a flag's), `get`:
/// each variant's code is found once by its name, then looked up by the variant's index
/// (`index`, its discriminant), one array read per row instead of a search.
fn variant_col<T: Copy>(
    type_name: &str,
    n: usize,
    get: impl Fn(usize) -> T,
    index: impl Fn(T) -> usize,
    name: impl Fn(T) -> &'static str,
) -> Result<ArrayRef, ArrowError> {
    let mut codes = EnumCodes::new(type_name)?;
    let mut memo = [None::<u8>; 64];
    let keys = (0..n)
        .map(|i| {
            let v = get(i);
            let d = index(v);
            if let Some(k) = memo.get(d).copied().flatten() {
                return Ok(k);
            }
            let k = codes.code(name(v))?;
            if let Some(m) = memo.get_mut(d) {
                *m = Some(k);
            }
            Ok(k)
        })
        .collect::<Result<Vec<u8>, ArrowError>>()?;
    codes.array(UInt8Array::from(keys))
}

/// Snapshot column builders over rows `0..n`, one value per row from `f` (generic, so the
/// per-row call inlines; columns without nulls carry no validity buffer).
/// (Not through [`money`] and [`rate`]: their null scan costs the snapshot +12% instructions.)
fn cash_col(n: usize, f: impl Fn(usize) -> f64) -> Result<ArrayRef, ArrowError> {
    decimal(
        Decimal128Array::from_iter_values((0..n).map(|i| cents(f(i)))),
        15,
        2,
    )
}

fn ratio_col(n: usize, f: impl Fn(usize) -> f64) -> Result<ArrayRef, ArrowError> {
    decimal(
        Decimal128Array::from_iter_values((0..n).map(|i| micros(f(i)))),
        7,
        6,
    )
}

fn flag_col(n: usize, f: impl Fn(usize) -> bool) -> ArrayRef {
    Arc::new(BooleanArray::new(BooleanBuffer::collect_bool(n, f), None))
}

fn day_col(n: usize, f: impl Fn(usize) -> Option<Day>) -> ArrayRef {
    Arc::new(Date32Array::from_iter((0..n).map(f)))
}

fn small_col(n: usize, f: impl Fn(usize) -> i32) -> ArrayRef {
    Arc::new(Int16Array::from_iter_values((0..n).map(|i| f(i) as i16)))
}

fn float_col(n: usize, f: impl Fn(usize) -> f64) -> ArrayRef {
    Arc::new(Float64Array::from_iter_values((0..n).map(f)))
}

/// A two-valued ENUM column from a flag: `if_true` where `get` holds, else `if_false`.
fn flag_text_col(
    type_name: &str,
    n: usize,
    get: impl Fn(usize) -> bool,
    if_true: &'static str,
    if_false: &'static str,
) -> Result<ArrayRef, ArrowError> {
    variant_col(type_name, n, get, usize::from, |b| {
        if b {
            if_true
        } else {
            if_false
        }
    })
}

fn text_col(
    type_name: &str,
    n: usize,
    f: impl Fn(usize) -> &'static str,
) -> Result<ArrayRef, ArrowError> {
    enum_values_col(type_name, (0..n).map(f))
}

fn strings<'a>(values: impl Iterator<Item = &'a str>) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(values))
}

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

pub(crate) fn events_batch(
    ev: &YearEvents,
    snapshot: &Snapshot,
) -> Result<RecordBatch, StoreError> {
    let n = ev.len();
    let pos = |i: usize| ev.position[i] as usize;
    let mut details = StringBuilder::with_capacity(n, n * 24);
    let mut buf = String::with_capacity(64);
    for i in 0..n {
        ev.detail[i].render(ev.level_id[i], &mut buf);
        details.append_value(&buf);
    }
    let idx = || 0..n;
    let mut go = || -> Result<RecordBatch, ArrowError> {
        RecordBatch::try_from_iter([
            (
                "event_id",
                Arc::new(UInt64Array::from_iter_values(idx().map(|i| ev.event_id(i)))) as ArrayRef,
            ),
            (
                "employee_id",
                strings(idx().map(|i| &*snapshot.employee_id[pos(i)])),
            ),
            (
                "event_type",
                variant_col(
                    "event_type_t",
                    n,
                    |i| ev.event_type[i],
                    |t| t as usize,
                    EventType::as_str,
                )?,
            ),
            (
                "simulation_year",
                Arc::new(Int16Array::from(vec![ev.year as i16; n])),
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
                money(n, |i| ev.compensation_amount[i])?,
            ),
            (
                "previous_compensation",
                money(n, |i| ev.previous_compensation[i])?,
            ),
            (
                "employee_deferral_rate",
                rate(n, |i| ev.employee_deferral_rate[i])?,
            ),
            (
                "prev_employee_deferral_rate",
                rate(n, |i| ev.prev_employee_deferral_rate[i])?,
            ),
            (
                "employee_age",
                Arc::new(UInt16Array::from(ev.employee_age.clone())),
            ),
            (
                "employee_tenure",
                Arc::new(UInt16Array::from(ev.employee_tenure.clone())),
            ),
            ("level_id", Arc::new(UInt8Array::from(ev.level_id.clone()))),
            ("event_probability", {
                let (p, nulls) = optional(n, |i| ev.event_probability[i], |x| x);
                Arc::new(Float64Array::try_new(p.into(), nulls)?)
            }),
            (
                "event_category",
                variant_col(
                    "event_category_t",
                    n,
                    |i| ev.category[i],
                    |c| c as usize,
                    EventCategory::as_str,
                )?,
            ),
            (
                "event_sequence",
                Arc::new(UInt16Array::from(ev.event_sequence.clone())),
            ),
        ])
    };
    go().map_err(arrow("event_records"))
}

pub(crate) fn snapshot_batch(s: &Snapshot) -> Result<RecordBatch, StoreError> {
    let n = s.len();
    let idx = || 0..n;
    let p = |i: usize| &s.plan[i];
    let go = || -> Result<RecordBatch, ArrowError> {
        RecordBatch::try_from_iter([
            ("employee_id", strings(idx().map(|i| &*s.employee_id[i]))),
            (
                "current_compensation",
                cash_col(n, |i| s.current_compensation[i])?,
            ),
            (
                "prorated_annual_compensation",
                cash_col(n, |i| s.prorated_annual_compensation[i])?,
            ),
            (
                "current_age",
                Arc::new(UInt16Array::from(s.current_age.clone())) as ArrayRef,
            ),
            (
                "current_tenure",
                Arc::new(UInt16Array::from(s.current_tenure.clone())),
            ),
            ("level_id", Arc::new(UInt8Array::from(s.level_id.clone()))),
            (
                "employment_status",
                flag_text_col(
                    "employment_status_t",
                    n,
                    |i| s.active[i],
                    "active",
                    "terminated",
                )?,
            ),
            ("termination_date", day_col(n, |i| s.termination_date[i])),
            (
                "termination_reason",
                enum_col(
                    "termination_reason_t",
                    idx().map(|i| s.termination_reason[i].map(|r| r.as_str())),
                )?,
            ),
            (
                "detailed_status_code",
                variant_col(
                    "detailed_status_t",
                    n,
                    |i| s.detailed_status[i],
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
                day_col(n, |i| Some(s.eligibility_date[i])),
            ),
            (
                "waiting_period_days",
                Arc::new(UInt16Array::from(s.waiting_period_days.clone())),
            ),
            (
                "scheduled_hours_per_week",
                Arc::new(Float64Array::from(s.scheduled_hours.clone())),
            ),
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
    };
    go().map_err(arrow("snapshot_records"))
}

/// The year's plan ledger (`plan_ledger_records`): the money events' columns
/// (`PlanEvent::columns`), computed once per event.
pub(crate) fn plan_ledger_batch(
    ledger: &PlanLedger,
    snapshot: &Snapshot,
) -> Result<RecordBatch, StoreError> {
    let n = ledger.len();
    let cols: Vec<PlanColumns> = ledger.event.iter().map(|e| e.columns()).collect();
    let idx = || 0..n;
    let c = |i: usize| &cols[i];
    let go = || -> Result<RecordBatch, ArrowError> {
        RecordBatch::try_from_iter([
            (
                "event_id",
                Arc::new(UInt64Array::from_iter_values(
                    idx().map(|i| ledger.numeric_id(i)),
                )) as ArrayRef,
            ),
            (
                "employee_id",
                strings(idx().map(|i| &*snapshot.employee_id[ledger.position[i] as usize])),
            ),
            (
                "simulation_year",
                Arc::new(Int16Array::from(vec![ledger.year as i16; n])),
            ),
            (
                "event_type",
                enum_col(
                    "plan_event_type_t",
                    ledger.event.iter().map(|e| Some(e.event_type())),
                )?,
            ),
            (
                "effective_date",
                Arc::new(Date32Array::from(ledger.effective_date.clone())),
            ),
            (
                "event_sequence",
                Arc::new(UInt16Array::from(ledger.event_sequence.clone())),
            ),
            (
                "source",
                enum_col("money_source_t", idx().map(|i| c(i).source))?,
            ),
            ("amount", money(n, |i| c(i).amount)?),
            ("ytd_amount", money(n, |i| c(i).ytd_amount)?),
            ("rate", rate(n, |i| c(i).rate)?),
            ("vested_match", money(n, |i| c(i).vested_match)?),
            ("vested_core", money(n, |i| c(i).vested_core)?),
            ("applicable_limit", money(n, |i| c(i).applicable_limit)?),
            (
                "hours",
                Arc::new(Float64Array::from_iter(idx().map(|i| c(i).hours))),
            ),
            (
                "flag",
                Arc::new(BooleanArray::from_iter(idx().map(|i| c(i).flag))),
            ),
            (
                "prior_flag",
                Arc::new(BooleanArray::from_iter(idx().map(|i| c(i).prior_flag))),
            ),
            (
                "action",
                enum_col("plan_action_t", idx().map(|i| c(i).action))?,
            ),
            (
                "pay_period",
                Arc::new(UInt8Array::from_iter(idx().map(|i| c(i).pay_period))),
            ),
            (
                "start_date",
                Arc::new(Date32Array::from_iter(idx().map(|i| c(i).start_date))),
            ),
            (
                "end_date",
                Arc::new(Date32Array::from_iter(idx().map(|i| c(i).end_date))),
            ),
        ])
    };
    go().map_err(arrow("plan_ledger_records"))
}

/// The `workforce_needs` row of a year.
pub(crate) fn needs_batch(f: &Foundation) -> Result<RecordBatch, StoreError> {
    let n = &f.needs;
    let quotas = |q: &[u64]| {
        q.iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    let int = |v: i64| Arc::new(Int64Array::from(vec![v])) as ArrayRef;
    let text = |v: &str| Arc::new(StringArray::from(vec![v])) as ArrayRef;
    RecordBatch::try_from_iter([
        (
            "simulation_year",
            Arc::new(Int32Array::from(vec![f.year])) as ArrayRef,
        ),
        ("n_start", int(n.n_start as i64)),
        ("experienced", int(n.experienced as i64)),
        ("prior_year_hires", int(n.prior_year_hires as i64)),
        ("target_ending", int(n.target_ending as i64)),
        (
            "expected_experienced_terminations",
            int(n.expected_experienced_terminations as i64),
        ),
        ("survivors", int(n.survivors)),
        ("net_from_hires", int(n.net_from_hires)),
        ("hires", int(n.hires as i64)),
        (
            "implied_new_hire_terminations",
            int(n.implied_new_hire_terminations as i64),
        ),
        ("rif_terminations", int(n.rif_terminations as i64)),
        (
            "total_experienced_terminations",
            int(n.total_experienced_terminations as i64),
        ),
        ("balance_error", int(n.balance_error)),
        ("balance_status", text(n.balance_status())),
        ("failed_guards", text(&n.failed_guards.join(","))),
        ("termination_quotas", text(&quotas(&f.termination_quotas))),
        ("hire_quotas", text(&quotas(&f.hire_quotas))),
    ])
    .map_err(arrow("workforce_needs"))
}

/// The `year_summary` row of a year.
pub(crate) fn summary_batch(s: &YearSummary) -> Result<RecordBatch, StoreError> {
    let int = |v: u64| Arc::new(Int64Array::from(vec![v as i64])) as ArrayRef;
    let dbl = |v: f64| Arc::new(Float64Array::from(vec![v])) as ArrayRef;
    let go = || -> Result<RecordBatch, ArrowError> {
        let cash = |v: f64| decimal(Decimal128Array::from(vec![total(v)]), 18, 2);
        RecordBatch::try_from_iter([
            (
                "simulation_year",
                Arc::new(Int32Array::from(vec![s.year])) as ArrayRef,
            ),
            ("starting_headcount", int(s.starting_headcount)),
            ("hires", int(s.hires)),
            ("experienced_terminations", int(s.experienced_terminations)),
            ("new_hire_terminations", int(s.new_hire_terminations)),
            ("promotions", int(s.promotions)),
            ("raises", int(s.raises)),
            ("ending_headcount", int(s.ending_headcount)),
            ("target_ending", int(s.target_ending)),
            ("total_events", int(s.total_events)),
            ("snapshot_rows", int(s.snapshot_rows)),
            ("payroll", cash(s.payroll)?),
            ("prorated_payroll", cash(s.prorated_payroll)?),
            ("eligible", int(s.eligible)),
            ("participants", int(s.participants)),
            ("participation_rate", dbl(s.participation_rate)),
            ("average_deferral_rate", dbl(s.average_deferral_rate)),
            ("enrollments", int(s.enrollments)),
            ("opt_outs", int(s.opt_outs)),
            ("escalations", int(s.escalations)),
            ("match_responses", int(s.match_responses)),
            ("employee_contributions", cash(s.employee_contributions)?),
            ("employer_match", cash(s.employer_match)?),
            ("employer_core", cash(s.employer_core)?),
            ("forfeitures", cash(s.forfeitures)?),
            ("hce_count", int(s.hce_count)),
        ])
    };
    go().map_err(arrow("year_summary"))
}

/// The year's `employer_cost_by_cohort` rows.
pub(crate) fn cohort_batch(s: &Snapshot) -> Result<RecordBatch, StoreError> {
    let rows = workforce_sim_core::cohort_cost::by_hire_cohort(s);
    let go = || -> Result<RecordBatch, ArrowError> {
        let cash = |f: &dyn Fn(&workforce_sim_core::cohort_cost::CohortCost) -> f64| {
            decimal(
                Decimal128Array::from_iter_values(rows.iter().map(|r| total(f(r)))),
                18,
                2,
            )
        };
        RecordBatch::try_from_iter([
            (
                "simulation_year",
                Arc::new(Int32Array::from_iter_values(
                    rows.iter().map(|r| r.simulation_year),
                )) as ArrayRef,
            ),
            (
                "hire_cohort",
                Arc::new(Int32Array::from_iter_values(
                    rows.iter().map(|r| r.hire_cohort),
                )),
            ),
            (
                "headcount",
                Arc::new(Int64Array::from_iter_values(
                    rows.iter().map(|r| r.headcount as i64),
                )),
            ),
            ("employer_match", cash(&|r| r.employer_match)?),
            ("employer_core", cash(&|r| r.employer_core)?),
            ("forfeitures", cash(&|r| r.forfeitures)?),
            ("net_employer_cost", cash(&|r| r.net_employer_cost)?),
        ])
    };
    go().map_err(arrow("employer_cost_by_cohort"))
}

/// The year's `compliance_tests` rows (`nhce_current_average`: the year's own NHCE average,
/// which the next year's prior-year testing reads back on a resume).
pub(crate) fn compliance_batch(
    tests: &[workforce_sim_core::nondiscrimination::ComplianceTest],
) -> Result<RecordBatch, StoreError> {
    let t = || tests.iter();
    let opt =
        |f: &dyn Fn(&workforce_sim_core::nondiscrimination::ComplianceTest) -> Option<f64>| {
            Arc::new(Float64Array::from_iter(t().map(f))) as ArrayRef
        };
    let int = |f: &dyn Fn(&workforce_sim_core::nondiscrimination::ComplianceTest) -> u64| {
        Arc::new(Int64Array::from_iter_values(t().map(|r| f(r) as i64))) as ArrayRef
    };
    let go = || -> Result<RecordBatch, ArrowError> {
        RecordBatch::try_from_iter([
            (
                "simulation_year",
                Arc::new(Int32Array::from_iter_values(t().map(|r| r.simulation_year))) as ArrayRef,
            ),
            ("test", strings(t().map(|r| r.test.as_str()))),
            (
                "method",
                Arc::new(StringArray::from_iter(
                    t().map(|r| r.method.map(|m| m.as_str())),
                )),
            ),
            ("status", strings(t().map(|r| r.status.as_str()))),
            (
                "passed",
                Arc::new(BooleanArray::from_iter(t().map(|r| Some(r.passed())))),
            ),
            ("hce_count", int(&|r| r.hce_count)),
            ("nhce_count", int(&|r| r.nhce_count)),
            ("hce_average", opt(&|r| r.hce_average)),
            ("nhce_average", opt(&|r| r.nhce_average)),
            (
                "nhce_year",
                Arc::new(Int32Array::from_iter(t().map(|r| r.nhce_year))),
            ),
            ("basic_limit", opt(&|r| r.basic_limit)),
            ("alternative_limit", opt(&|r| r.alternative_limit)),
            ("applied_limit", opt(&|r| r.applied_limit)),
            ("margin", opt(&|r| r.margin)),
            (
                "excess",
                decimal(
                    Decimal128Array::from_iter_values(t().map(|r| total(r.excess))),
                    18,
                    2,
                )?,
            ),
            ("at_limit", int(&|r| r.at_limit)),
            ("capped", int(&|r| r.capped)),
            ("at_risk", int(&|r| r.at_risk)),
            ("nhce_current_average", opt(&|r| r.nhce_current_average)),
        ])
    };
    go().map_err(arrow("compliance_tests"))
}

/// The year's weekly balances (`weekly_balances`), in the builder's order (participants by
/// `employee_key`, then Friday), so the key's zone maps find one participant's rows.
pub(crate) fn balances_batch(
    b: &workforce_sim_core::balances::WeeklyBalances,
    snapshot: &Snapshot,
) -> Result<RecordBatch, StoreError> {
    let n = b.len();
    let cents = |v: &[i64]| {
        decimal(
            Decimal128Array::from_iter_values(v.iter().map(|&c| c as i128)),
            15,
            2,
        )
    };
    let go = || -> Result<RecordBatch, ArrowError> {
        RecordBatch::try_from_iter([
            (
                "simulation_year",
                Arc::new(Int32Array::from(vec![b.year; n])) as ArrayRef,
            ),
            (
                "employee_key",
                Arc::new(UInt64Array::from_iter_values(
                    b.position.iter().map(|&p| snapshot.id_key[p as usize]),
                )),
            ),
            (
                "employee_id",
                strings(
                    b.position
                        .iter()
                        .map(|&p| &*snapshot.employee_id[p as usize]),
                ),
            ),
            (
                "week_ending",
                Arc::new(Date32Array::from(b.week_ending.clone())),
            ),
            ("employee_pre_tax_balance", cents(&b.employee_pre_tax)?),
            ("employee_roth_balance", cents(&b.employee_roth)?),
            ("employee_catch_up_balance", cents(&b.employee_catch_up)?),
            ("employer_match_balance", cents(&b.employer_match)?),
            ("employer_core_balance", cents(&b.employer_core)?),
            ("vested_balance", cents(&b.vested)?),
            ("unvested_balance", cents(&b.unvested)?),
            ("ytd_employee_contributions", cents(&b.ytd_employee)?),
            ("ytd_employer_contributions", cents(&b.ytd_employer)?),
        ])
    };
    go().map_err(arrow("weekly_balances"))
}

/// The `stage_timings` rows of one year.
pub(crate) fn timings_batch(
    year: Option<i32>,
    timings: &[(String, f64)],
) -> Result<RecordBatch, StoreError> {
    RecordBatch::try_from_iter([
        (
            "simulation_year",
            Arc::new(Int32Array::from(vec![year; timings.len()])) as ArrayRef,
        ),
        ("stage", strings(timings.iter().map(|t| t.0.as_str()))),
        (
            "seconds",
            Arc::new(Float64Array::from_iter_values(timings.iter().map(|t| t.1))),
        ),
    ])
    .map_err(arrow("stage_timings"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn totals_round_like_their_rendering() {
        assert_eq!(super::total(1234.567), 123457);
        assert_eq!(super::total(0.0), 0);
        assert_eq!(super::total(-1.5), -150);
    }
}
