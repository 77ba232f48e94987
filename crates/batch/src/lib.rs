//! # workforce-sim-batch
//!
//! Many runs: a batch file names a base configuration and census, scenarios (each a
//! configuration overlay with an id and a label) and seeds; every (scenario, seed) pair is one
//! run. Runs execute in parallel over the cores, each single-threaded; each run's per-year
//! summary is kept, and per scenario, year and metric the ensemble's mean, standard deviation
//! and percentile bands, with the threshold probabilities the batch file asks for.
//!
//! With an `[attribution]` table, the batch also runs the designs of a variance attribution
//! by subsystem ([`attribution`]): how much of each metric's spread the census, termination,
//! hiring, promotion, raise and plan-behaviour draws explain.
//!
//! Its outputs ([`write`], [`merge`], [`stored`]): the batch database (DuckDB or Parquet),
//! the fan charts and the runs kept in full, each written beside and put in place whole;
//! shards merged; comparisons read back from stored batches and runs.
//!
//! A run (s, k) is exactly `simulate` with scenario s's configuration and seed k: the same
//! census (the synthetic one generated with seed k, or the batch's census file), the same
//! engine, so the same summaries to the cent.

pub mod attribution;
pub mod by_scenario;
pub mod calibrate;
pub mod chart;
pub mod compare;
pub mod config;
pub mod design;
pub mod ensemble;
pub mod generation;
pub mod lever;
pub mod merge;
pub mod metrics;
pub mod optimize;
pub mod runner;
pub mod stored;
pub mod summary;
pub mod write;

pub use attribution::{attribution, resample_seed, Design, Share, Subsystem};
pub use by_scenario::{by_scenario, ByScenario};
pub use chart::fan_chart;
pub use compare::{compare, Difference};
pub use config::{
    attribution_plan, seed_list, threshold_list, Attribution, AttributionSpec, BatchFile, Detail,
    ScenarioSpec, Seeds, Threshold, ThresholdSpec, ValidBatch,
};
pub use ensemble::{bands, thresholds, Band, ThresholdResult};
pub use merge::merge_batches;
pub use metrics::Metric;
pub use runner::{job_list, jobs, run_batch, Job, Shard};
pub use stored::{compare_runs, compare_scenarios};
pub use summary::RunSummary;
pub use write::{charts_dir, detail_dir, run_batch_to_database, BatchOptions, BatchReport};

use std::path::PathBuf;

/// A batch failure: the file, the scenario and key, or the run that failed.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("cannot read batch file {path}: {cause}")]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("batch file {path}: {message}")]
    Invalid { path: PathBuf, message: String },
    /// An `optimize` spec that cannot be used: the file, the line where known, and why.
    #[error("optimize spec {path}{}: {message}", .line.map(|l| format!(":{l}")).unwrap_or_default())]
    Spec {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },
    #[error("batch file {path}: scenario {scenario}: {cause}")]
    Scenario {
        path: PathBuf,
        scenario: String,
        cause: workforce_sim_core::ConfigError,
    },
    #[error("run of scenario {scenario}, seed {seed}: {cause}")]
    Run {
        scenario: String,
        seed: u64,
        cause: workforce_sim_core::SimulationError,
    },
    #[error("cannot start {threads} worker threads: {message}")]
    Threads { threads: usize, message: String },
    /// A run kept in full failed (its own results database).
    #[error(transparent)]
    Detail(#[from] workforce_sim_store::pipeline::RunError),
    #[error(transparent)]
    Store(#[from] workforce_sim_store::StoreError),
    /// The output holds something this batch would replace.
    #[error("{0}")]
    Exists(String),
    /// A file operation on the output, or a merge or comparison of stored batches, failed.
    #[error("{0}")]
    Output(String),
}

impl BatchError {
    /// Whether the batch stopped because its output (the database, its charts or its runs
    /// kept in full) is already there.
    pub fn is_output_exists(&self) -> bool {
        match self {
            BatchError::Exists(_) => true,
            BatchError::Store(e) => e.is_output_exists(),
            BatchError::Detail(e) => e.is_output_exists(),
            _ => false,
        }
    }
}
