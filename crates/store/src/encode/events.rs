//! The workforce ledger of a year (`event_records`).

use super::columns::{arrow, money, optional, rate, strings, variant_col};
use crate::StoreError;
use duckdb::arrow::array::{
    ArrayRef, Date32Array, Float64Array, Int16Array, StringBuilder, UInt16Array, UInt64Array,
    UInt8Array,
};
use duckdb::arrow::error::ArrowError;
use duckdb::arrow::record_batch::RecordBatch;
use std::ops::Range;
use std::sync::Arc;
use workforce_sim_core::events::{EventCategory, EventType, YearEvents};
use workforce_sim_core::state::Snapshot;

pub(crate) fn events_batch(
    ev: &YearEvents,
    snapshot: &Snapshot,
    r: Range<usize>,
) -> Result<RecordBatch, StoreError> {
    let (n, o) = (r.len(), r.start);
    let pos = |i: usize| ev.position[o + i] as usize;
    let mut details = StringBuilder::with_capacity(n, n * 24);
    let mut buf = String::with_capacity(64);
    for i in 0..n {
        ev.detail[o + i].render(ev.level_id[o + i], &mut buf);
        details.append_value(&buf);
    }
    let idx = || 0..n;
    let mut go = || -> Result<RecordBatch, ArrowError> {
        RecordBatch::try_from_iter([
            (
                "event_id",
                Arc::new(UInt64Array::from_iter_values(
                    idx().map(|i| ev.event_id(o + i)),
                )) as ArrayRef,
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
                    |i| ev.event_type[o + i],
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
                    idx().map(|i| ev.effective_date[o + i]),
                )),
            ),
            ("event_details", Arc::new(details.finish())),
            (
                "compensation_amount",
                money(n, |i| ev.compensation_amount[o + i])?,
            ),
            (
                "previous_compensation",
                money(n, |i| ev.previous_compensation[o + i])?,
            ),
            (
                "employee_deferral_rate",
                rate(n, |i| ev.employee_deferral_rate[o + i])?,
            ),
            (
                "prev_employee_deferral_rate",
                rate(n, |i| ev.prev_employee_deferral_rate[o + i])?,
            ),
            (
                "employee_age",
                Arc::new(UInt16Array::from(ev.employee_age[r.clone()].to_vec())),
            ),
            (
                "employee_tenure",
                Arc::new(UInt16Array::from(ev.employee_tenure[r.clone()].to_vec())),
            ),
            (
                "level_id",
                Arc::new(UInt8Array::from(ev.level_id[r.clone()].to_vec())),
            ),
            ("event_probability", {
                let (p, nulls) = optional(n, |i| ev.event_probability[o + i], |x| x);
                Arc::new(Float64Array::try_new(p.into(), nulls)?)
            }),
            (
                "event_category",
                variant_col(
                    "event_category_t",
                    n,
                    |i| ev.category[o + i],
                    |c| c as usize,
                    EventCategory::as_str,
                )?,
            ),
            (
                "event_sequence",
                Arc::new(UInt16Array::from(ev.event_sequence[r.clone()].to_vec())),
            ),
        ])
    };
    go().map_err(arrow("event_records"))
}
