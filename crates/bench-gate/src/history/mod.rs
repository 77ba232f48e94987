//! The benchmark history: every figure of every bench run kept per commit and machine, the
//! way asv keeps results for a project's whole history. [`record`] turns what the benches
//! left behind into [`Record`]s, [`store`] keeps them as a Parquet dataset (one immutable
//! file per recorded run, so recording never rewrites what is there and a history can be
//! committed), [`series`] orders them into one series per (machine, bench, measure) over
//! commit order, [`detect`] runs the change-point detector over each, and [`trend`] writes
//! the HTML page and the Markdown summary.
//!
//! Figures from different machine fingerprints are never put in one series.

pub mod detect;
pub mod fingerprint;
pub mod record;
pub mod series;
pub mod store;
pub mod trend;

pub use fingerprint::Fingerprint;

use std::path::PathBuf;

/// The version of the history's columns; a file of another version is refused by name.
pub const SCHEMA_VERSION: u32 = 1;

/// One figure of one bench at one commit on one machine.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Record {
    pub machine: Fingerprint,
    /// The full commit id.
    pub commit: String,
    /// The commit's committer time, seconds since 1970 (the series' order).
    pub commit_time: i64,
    /// Whether the working tree had changes the commit does not hold.
    pub dirty: bool,
    /// When the figure was recorded, seconds since 1970.
    pub recorded_at: i64,
    /// `group/function.id` of an instruction bench, `group/function/parameter` of a
    /// criterion bench.
    pub bench: String,
    /// `Ir` and the other callgrind events, `time`, `throughput`, `peak_heap`,
    /// `allocations`, `digest`.
    pub measure: String,
    pub unit: String,
    pub value: f64,
    /// The 95% interval where the measurement has one (criterion).
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    /// A text figure: the output digest (its `value` is 0).
    pub text: Option<String>,
}

impl Record {
    /// Whether a larger value is worse (everything but throughput).
    pub fn lower_is_better(measure: &str) -> bool {
        measure != "throughput"
    }

    /// Whether a measure repeats exactly for one binary and input and moves only with the
    /// work done: instructions, data reads and writes, allocations and peak heap (the store
    /// benches' counts repeat within 0.05%, far below the detector's smallest change). Not
    /// times, and not the cache simulation's hits and misses: a few dozen misses move by one
    /// or two with the code's layout alone.
    pub fn is_exact(measure: &str) -> bool {
        matches!(measure, "Ir" | "Dr" | "Dw" | "allocations" | "peak_heap")
    }
}

/// What can go wrong with a history.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error(
        "{path}: a history file of schema version {found}; this bench-gate reads version {expected} (record into a new history, or use the bench-gate that wrote it)"
    )]
    SchemaVersion {
        path: PathBuf,
        found: String,
        expected: u32,
    },
    #[error("{path}: not a bench history file: {message}")]
    NotHistory { path: PathBuf, message: String },
    #[error(
        "no history at {0}: record one with `bench-gate history record` (or set WFS_BENCH_HISTORY)"
    )]
    Missing(PathBuf),
    #[error("nothing to record: no gungraun summary.json under {gungraun} and no criterion results under {criterion}")]
    NothingToRecord {
        gungraun: PathBuf,
        criterion: PathBuf,
    },
    #[error("no bench named {name} in the history (it has: {known})")]
    UnknownBench { name: String, known: String },
    #[error("the range {0} holds no commits")]
    EmptyRange(String),
    #[error("no figures recorded for the commits of {0}")]
    NothingInRange(String),
    #[error("git: {0}")]
    Git(String),
    #[error("{0}")]
    Invalid(String),
}
