//! Fitting the model to a client's own history, and proving it with a backtest.
//!
//! Data flows one way: annual census snapshots ([`history`]) give the observed flows of each
//! year ([`flows`]); the flows give exposure-weighted rates with standard errors and
//! credibility shrinkage toward the configured values ([`estimate`], [`hazard`] for the
//! multiplicative band models, [`mixture`] for promotions where no level is given), gathered
//! in a [`fitted::Fit`] that writes a configuration overlay; [`backtest`] fits the early
//! snapshots, simulates the held-out years over many seeds and scores them against what
//! happened. [`export`] turns a simulated year-end snapshot into census rows, so that a
//! simulated history can be fitted and runs chained.

pub mod backtest;
pub mod estimate;
pub mod export;
pub mod fitted;
pub mod flows;
pub mod hazard;
pub mod history;
pub mod mixture;
pub mod overlay;

pub use backtest::{backtest, Backtest, BacktestOptions, Score, Status};
pub use fitted::{fit, Fit, FitOptions};
pub use history::{History, Snapshot};

use std::path::PathBuf;

/// What can go wrong fitting or backtesting.
#[derive(Debug, thiserror::Error)]
pub enum FitError {
    /// A snapshot file cannot be read, or a row breaks a census rule.
    #[error(transparent)]
    Census(#[from] workforce_sim_core::CensusError),
    /// The snapshots do not make one history: the file, its line and the rule.
    #[error("{}{}: {rule}", path.display(), line.map(|l| format!(", {unit} {l}")).unwrap_or_default())]
    History {
        path: PathBuf,
        unit: &'static str,
        line: Option<usize>,
        rule: String,
    },
    /// The history as a whole cannot be used (too few snapshots, years not consecutive).
    #[error("history: {0}")]
    Input(String),
    #[error(transparent)]
    Config(#[from] workforce_sim_core::ConfigError),
    #[error(transparent)]
    Simulation(#[from] workforce_sim_core::SimulationError),
    #[error(transparent)]
    Store(#[from] workforce_sim_store::StoreError),
    /// An output could not be written.
    #[error("{0}")]
    Output(String),
}
