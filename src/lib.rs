//! # workforce-sim
//!
//! A multi-year workforce and 401(k) plan simulation. A census goes in; each simulated year
//! produces immutable events and a year-end snapshot built from last year's state plus this
//! year's events (the accumulator pattern). Results go to an embedded DuckDB file.
//!
//! This crate is the facade over the workspace: re-exports of the model
//! ([`workforce_sim_core`], module by module), the store and its run pipeline ([`store`]),
//! batches ([`batch`]); workbooks, HTML reports and explanations ([`reporting`]); engine
//! selection ([`engines`]: the optional Polars and SQL engines);
//! the runs on a chosen engine ([`run`], [`arrow_run`]); and one [`Error`]. The command line
//! (`src/main.rs` and `src/cli/`) is a thin shell over this library.
//!
//! ```no_run
//! use workforce_sim::{Config, CensusInput, GeneratorParams, RunOptions, simulate_to_database};
//! let config = Config::default().validate()?;
//! let census = CensusInput::Synthetic(GeneratorParams::new(5_000, 2024, 42));
//! let report = simulate_to_database(&config, &census, "simulation.duckdb".as_ref(), &RunOptions::default(), &mut |_| {})?;
//! println!("{}", report.to_table());
//! # Ok::<(), workforce_sim::Error>(())
//! ```
//!
//! The rules are written down in `docs/rules.md`; each module cites its section there.

#![warn(missing_docs)]

pub mod allocator;
pub mod arrow_run;
pub mod census_files;
pub mod engines;
pub mod run;

pub use workforce_sim_batch as batch;
pub use workforce_sim_core::{
    balances, census, cohort_cost, config, date, decimal, digest, engine, error, events, model,
    nondiscrimination, payload, place, plan_ledger, report, rng, rules, state, validation, year,
};
pub use workforce_sim_fit as fit;
pub use workforce_sim_report as reporting;
pub use workforce_sim_store as store;
pub use workforce_sim_store::history;

pub use arrow_run::{simulate_to_arrow, ArrowRun};
pub use census::generate::GeneratorParams;
pub use census::CensusRecord;
pub use config::{Config, ValidConfig};
pub use engine::EngineKind;
pub use engines::build_engine;
pub use error::{CensusError, ConfigError, EngineError, SimulationError};
pub use events::YearEvents;
pub use report::RunReport;
pub use run::{
    partial_path, prepare_census, resume_database, resume_output, simulate_in_memory, simulate_to,
    simulate_to_database, Format, Output,
};
pub use state::{Snapshot, Workforce};
pub use store::history::{participant_history, HistoryReader, ParticipantHistory};
pub use store::StoreError;
pub use year::{CensusInput, InMemoryRun, PreparedCensus, Progress, RunOptions, YearLoop};

/// Every failure of a run through the facade: the simulation's own (configuration, census,
/// invariants, engines), the store's, and resume's.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration, the census, an engine or a broken invariant.
    #[error(transparent)]
    Simulation(#[from] SimulationError),
    /// The database or the Parquet output.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A batch file or run failure (boxed: it carries a configuration error and paths).
    #[error(transparent)]
    Batch(Box<workforce_sim_batch::BatchError>),
    /// The store-backed run itself: a resume that cannot continue, an output that is there,
    /// a file operation or a thread of the run (the run's simulation and store failures are
    /// [`Error::Simulation`] and [`Error::Store`]; boxed, as its type also carries those).
    #[error(transparent)]
    Run(Box<workforce_sim_store::pipeline::RunError>),
    /// The in-memory Arrow run: an unknown table, or its encoder thread failed.
    #[error("{0}")]
    Output(String),
    /// The engine asked for was left out of this build (its cargo feature is off).
    #[error("the {0} engine is not built into this binary (enable the cargo feature `{0}`)")]
    EngineNotBuilt(EngineKind),
}

impl Error {
    /// Whether the run or batch stopped because its output is already there (a run of
    /// another census or configuration, another file, an existing batch database): the
    /// failure an overwrite (or another output path) resolves. The command line and the
    /// Python package say so in their own words.
    pub fn is_output_exists(&self) -> bool {
        match self {
            Error::Run(e) => e.is_output_exists(),
            Error::Store(e) => e.is_output_exists(),
            Error::Batch(e) => e.is_output_exists(),
            _ => false,
        }
    }
}

impl From<workforce_sim_batch::BatchError> for Error {
    fn from(e: workforce_sim_batch::BatchError) -> Self {
        Error::Batch(Box::new(e))
    }
}

impl From<workforce_sim_store::pipeline::RunError> for Error {
    fn from(e: workforce_sim_store::pipeline::RunError) -> Self {
        use workforce_sim_store::pipeline::RunError;
        match e {
            RunError::Simulation(e) => Error::Simulation(e),
            RunError::Store(e) => Error::Store(e),
            other => Error::Run(Box::new(other)),
        }
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Simulation(e.into())
    }
}

impl From<CensusError> for Error {
    fn from(e: CensusError) -> Self {
        Error::Simulation(e.into())
    }
}

impl From<EngineError> for Error {
    fn from(e: EngineError) -> Self {
        Error::Simulation(e.into())
    }
}
