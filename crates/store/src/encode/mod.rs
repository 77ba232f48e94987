//! Encoders: the simulation's columns as Arrow record batches in the lean stored types
//! ([`crate::schema`]): money as DECIMAL(15,2) from integer cents, rates as DECIMAL(7,6),
//! small integers in their own widths, low-cardinality text as dictionary arrays whose keys
//! are the ENUM codes. One batch per table and year: DuckDB's Arrow scan splits it into vectors itself.
//!
//! One file per table ([`employees`], [`events`], [`snapshot`], [`plan_ledger`], and the
//! small tables of a year in [`year_tables`]), over the column helpers of [`columns`].

mod columns;
pub(crate) mod derived;
mod employees;
mod events;
mod plan_ledger;
mod snapshot;
mod year_tables;

pub(crate) use columns::total;
pub(crate) use employees::{census_batch, hires_batch};
pub(crate) use events::events_batch;
pub(crate) use plan_ledger::plan_ledger_batch;
pub(crate) use snapshot::{snapshot_batch, stored_snapshot_batch};
pub(crate) use year_tables::{
    balances_batch, cohort_batch, compliance_batch, needs_batch, summary_batch, timings_batch,
};

#[cfg(test)]
mod tests {
    #[test]
    fn totals_round_like_their_rendering() {
        assert_eq!(super::total(1234.567), 123457);
        assert_eq!(super::total(0.0), 0);
        assert_eq!(super::total(-1.5), -150);
    }
}
