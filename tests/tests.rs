//! The integration tests of workforce-sim, in one test binary so that DuckDB and Polars are
//! linked once (each module is a concern; `common` holds the shared helpers).

mod common;
mod source_code;
mod util;

mod arrow_run;
mod bad_input;
mod balances;
mod batch;
mod calibrate;
mod cli;
mod derived_ledger;
mod determinism;
mod digests;
mod faults;
mod fit;
mod golden;
mod invariants;
mod modules;
mod optimize;
mod output_lock;
mod ownership;
mod parity;
mod plan;
mod report;
mod resume;
mod statements;
mod store;
mod typed_events;
