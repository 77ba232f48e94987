//! # workforce-sim
//!
//! A multi-year workforce and 401(k) plan simulation. A census goes in; each simulated year
//! produces immutable events and a year-end snapshot built from last year's state plus this
//! year's events (the accumulator pattern). Results go to an embedded DuckDB file.
//!
//! ```no_run
//! use workforce_sim::{Config, CensusInput, GeneratorParams, RunOptions, simulate_to_database};
//! let config = Config::default();
//! let census = CensusInput::Synthetic(GeneratorParams::new(5_000, 2024, 42));
//! let report = simulate_to_database(&config, &census, "simulation.duckdb".as_ref(), &RunOptions::default(), &mut |_| {})?;
//! println!("{}", report.to_table());
//! # Ok::<(), workforce_sim::SimulationError>(())
//! ```
//!
//! The rules follow `domain.md` of the project's shared reference; each module says which
//! section it implements.

pub mod bench_gate;
pub mod census;
pub mod config;
pub mod date;
pub mod decimal;
pub mod digest;
pub mod engine;
pub mod error;
pub mod events;
pub mod history;
pub mod orchestrator;
pub mod plan;
pub mod report;
pub mod rng;
pub mod rules;
pub mod state;
pub mod store;
pub mod validation;

pub use census::generate::GeneratorParams;
pub use census::CensusRecord;
pub use config::Config;
pub use engine::EngineKind;
pub use error::{CensusError, ConfigError, SimulationError, StoreError};
pub use events::YearEvents;
pub use history::{participant_history, ParticipantHistory};
pub use orchestrator::{
    prepare_census, resume_database, simulate_in_memory, simulate_to_database, CensusInput,
    InMemoryRun, PreparedCensus, RunOptions,
};
pub use report::RunReport;
pub use state::{Snapshot, Workforce};
