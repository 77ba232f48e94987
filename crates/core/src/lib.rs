//! # workforce-sim-core
//!
//! The model of a multi-year workforce and 401(k) plan simulation, with no database, no
//! dataframe library and no command line: a census goes in; each simulated year produces
//! immutable events and a year-end snapshot built from last year's state plus this year's
//! events (the accumulator pattern).
//!
//! Modules, in the one direction imports flow (a module imports only modules above it):
//!
//! | layer | modules |
//! |---|---|
//! | foundations | [`date`], [`decimal`], [`rng`], [`error`], [`place`] (files written whole) |
//! | vocabulary | [`model`] (job levels, bands, IRS limits, match tiers, vesting schedules, the hire record) |
//! | configuration | [`config`] (typed, validated into [`config::ValidConfig`]) |
//! | rules | [`rules`] (one pure module per domain concept) |
//! | ledger and state | [`events`] (the workforce ledger), [`payload`] (typed events and their JSON Schema), [`state`] (the accumulators), [`plan_ledger`] (the plan's money events, from the accumulators), [`balances`] (weekly account balances, from the money ledger), [`cohort_cost`] (employer cost by hire cohort), [`nondiscrimination`] (ADP/ACP and the limit counts of a plan year), [`census`] (generation, CSV import, staging) |
//! | engines | [`engine`] (the interface, the decisions record, the shared foundation and publication, the native engine) |
//! | the year | [`validation`], [`footprint`] (the bytes of a year's state), [`report`], [`year`] (the year loop), [`digest`] |
//!
//! The rules are written down in `docs/rules.md` of the repository; each module cites its
//! section there.

pub mod balances;
pub mod census;
pub mod cohort_cost;
pub mod config;
pub mod date;
pub mod decimal;
pub mod digest;
pub mod engine;
pub mod error;
pub mod events;
pub mod footprint;
pub mod model;
pub mod nondiscrimination;
pub mod payload;
pub mod place;
pub mod plan_ledger;
pub mod report;
pub mod rng;
pub mod rules;
pub mod state;
pub mod validation;
pub mod year;

pub use census::generate::GeneratorParams;
pub use census::CensusRecord;
pub use config::{Config, ValidConfig};
pub use engine::{Engine, EngineKind};
pub use error::{CensusError, ConfigError, EngineError, SimulationError};
pub use events::YearEvents;
pub use report::RunReport;
pub use state::{Snapshot, Workforce};
pub use year::{CensusInput, InMemoryRun, PreparedCensus, RunOptions, YearLoop};
