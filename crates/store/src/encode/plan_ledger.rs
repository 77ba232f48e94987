//! The plan's money ledger of a year (`plan_ledger_records`).

use super::columns::{arrow, enum_col, money, rate, strings};
use crate::StoreError;
use duckdb::arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Float64Array, Int16Array, UInt16Array, UInt64Array,
    UInt8Array,
};
use duckdb::arrow::error::ArrowError;
use duckdb::arrow::record_batch::RecordBatch;
use std::sync::Arc;
use workforce_sim_core::plan_ledger::{PlanColumns, PlanLedger};
use workforce_sim_core::state::Snapshot;

/// The rows `rows` (indices, in ledger order) of the year's plan ledger
/// (`plan_ledger_records`): the money events' columns
/// (`PlanEvent::columns`), computed per column as it is filled (inlined: each column's pass
/// keeps only its own field), so no table of every event's columns is held beside the
/// arrays (at ~170 bytes an event, it was the encoder's largest buffer: ~1 KB per employee).
pub(crate) fn plan_ledger_batch(
    ledger: &PlanLedger,
    snapshot: &Snapshot,
    rows: &[u32],
) -> Result<RecordBatch, StoreError> {
    let n = rows.len();
    let idx = || 0..n;
    let at = |i: usize| rows[i] as usize;
    let c = |i: usize| -> PlanColumns { ledger.event[at(i)].columns() };
    let go = || -> Result<RecordBatch, ArrowError> {
        RecordBatch::try_from_iter([
            (
                "event_id",
                Arc::new(UInt64Array::from_iter_values(
                    idx().map(|i| ledger.numeric_id(at(i))),
                )) as ArrayRef,
            ),
            (
                "employee_id",
                strings(idx().map(|i| &*snapshot.employee_id[ledger.position[at(i)] as usize])),
            ),
            (
                "simulation_year",
                Arc::new(Int16Array::from(vec![ledger.year as i16; n])),
            ),
            (
                "event_type",
                enum_col(
                    "plan_event_type_t",
                    idx().map(|i| Some(ledger.event[at(i)].event_type())),
                )?,
            ),
            (
                "effective_date",
                Arc::new(Date32Array::from_iter_values(
                    idx().map(|i| ledger.effective_date[at(i)]),
                )),
            ),
            (
                "event_sequence",
                Arc::new(UInt16Array::from_iter_values(
                    idx().map(|i| ledger.event_sequence[at(i)]),
                )),
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
