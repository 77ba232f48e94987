//! The store-backed run: the core's year loop on a caller's engine, each year persisted in
//! one transaction by a writer thread while the next year is computed ([`writer`]), a new
//! run written beside the last good result and put in place only when complete
//! ([`new_run`]), and resume from the last committed year ([`resume`]). One path for both
//! outputs: everything format-specific is behind [`crate::sink`].
//!
//! A run never destroys the last good result: a new run is written beside the old one
//! (`PATH.partial`) and put over it only once complete, and it refuses to replace a run of
//! another census or configuration unless told to ([`Output::overwrite`]).

pub mod new_run;
mod queue;
pub mod resume;
pub mod writer;

pub use new_run::{prepare_census, simulate_to};
pub use resume::resume_output;

use crate::{Format, StoreError};
use std::path::PathBuf;
use workforce_sim_core::SimulationError;

/// Where a run's results go.
#[derive(Debug, Clone)]
pub struct Output {
    /// The results database file, or the Parquet output directory.
    pub path: PathBuf,
    pub format: Format,
    /// Replace an existing run even if it was made from another census or configuration.
    pub overwrite: bool,
}

impl Output {
    /// A DuckDB file at `path`.
    pub fn duckdb(path: impl Into<PathBuf>) -> Output {
        Output {
            path: path.into(),
            format: Format::Duckdb,
            overwrite: false,
        }
    }

    /// A Parquet directory at `dir`.
    pub fn parquet(dir: impl Into<PathBuf>) -> Output {
        Output {
            path: dir.into(),
            format: Format::Parquet,
            overwrite: false,
        }
    }
}

/// A failure of a store-backed run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Simulation(#[from] SimulationError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The run cannot be continued (what is there, or what was asked, says why).
    #[error("cannot resume: {0}")]
    Resume(String),
    /// The output holds another run (or something else) that this one would replace; the
    /// caller decides whether to overwrite it ([`Output::overwrite`]).
    #[error("{0}")]
    Exists(String),
    /// A file operation on the output, or a thread of the run, failed.
    #[error("{0}")]
    Output(String),
    /// The run is estimated to need more memory than is available
    /// (`crate::memory::check`).
    #[error("not enough memory: {0}")]
    Memory(String),
    /// The writer thread stopped taking years (its own error is reported instead).
    #[error("the writer thread stopped")]
    WriterStopped,
}

impl RunError {
    /// Whether the run stopped because its output holds something it would replace.
    pub fn is_output_exists(&self) -> bool {
        match self {
            RunError::Exists(_) => true,
            RunError::Store(e) => e.is_output_exists(),
            _ => false,
        }
    }
}

impl From<workforce_sim_core::ConfigError> for RunError {
    fn from(e: workforce_sim_core::ConfigError) -> Self {
        RunError::Simulation(e.into())
    }
}
