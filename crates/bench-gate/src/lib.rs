//! The wall-time regression gate over criterion results (criterion itself never fails on a
//! regression), the scaling check, the benchmark report, and the benchmark history with its
//! change-point detector ([`history`], [`changepoint`]) and acknowledged slowdowns
//! ([`acknowledge`]). Used by the `bench-gate` binary.
//! Laid out the way criterion keeps measurement, analysis and report apart:
//! [`measurement`] reads what the benches wrote, [`analysis`] fits scaling laws, [`gate`]
//! compares against a baseline, [`report`] assembles the report and [`export`] writes it, one
//! file per format behind one [`export::Exporter`] trait (as hyperfine's `src/export/`).
//!
//! A regression is flagged only when it is larger than a threshold **and** the confidence
//! intervals of baseline and current do not overlap, because unchanged code on a shared
//! 2-core machine shows change intervals as wide as ±30%. Memory (peak Rust heap, counted by
//! the bench binaries) is deterministic and compared by threshold alone. A changed output
//! digest fails the gate: a faster-but-different simulation must refresh its baseline on
//! purpose.

pub mod acknowledge;
pub mod analysis;
pub mod changepoint;
pub mod compare;
pub mod export;
pub mod gate;
pub mod git;
pub mod history;
pub mod measurement;
pub mod report;

pub use analysis::*;
pub use gate::*;
pub use measurement::*;
pub use report::*;

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// A point estimate with its confidence interval (nanoseconds for times).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub point: f64,
    pub lower: f64,
    pub upper: f64,
}

/// One benchmark's result: criterion's median time plus the bench's side outputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchResult {
    /// `group/function/parameter`.
    pub id: String,
    pub group: String,
    pub function: String,
    pub parameter: String,
    /// Median time per iteration, ns.
    pub median_ns: Estimate,
    /// Elements per iteration (criterion `Throughput::Elements`).
    pub elements: Option<u64>,
    pub peak_heap_bytes: Option<u64>,
    pub allocations: Option<u64>,
    pub digest: Option<String>,
}

impl BenchResult {
    /// Elements per second, with the interval inverted from the time interval.
    pub fn throughput(&self) -> Option<Estimate> {
        let e = self.elements? as f64;
        Some(Estimate {
            point: e / self.median_ns.point * 1e9,
            lower: e / self.median_ns.upper * 1e9,
            upper: e / self.median_ns.lower * 1e9,
        })
    }
}

/// Where and with what a baseline was measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    pub commit: String,
    pub date: String,
    pub cpu_model: String,
    pub cores: usize,
    pub toolchain: String,
}

impl Meta {
    /// Reads this machine, the git commit and the toolchain.
    pub fn current() -> Meta {
        let run = git::output;
        let cpu_model = history::fingerprint::cpuinfo_field("model name");
        Meta {
            commit: run("git", &["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".into()),
            date: run("date", &["-u", "+%Y-%m-%dT%H:%M:%SZ"]).unwrap_or_default(),
            cpu_model,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            toolchain: run("rustc", &["--version"]).unwrap_or_else(|| "unknown".into()),
        }
    }
}

/// A committed wall-time baseline (`baselines/criterion/*.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub meta: Meta,
    pub results: Vec<BenchResult>,
}

/// Gate thresholds, in percent (and the scaling exponent).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    pub time_pct: f64,
    pub throughput_pct: f64,
    pub memory_pct: f64,
    pub max_scaling_exponent: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            time_pct: 15.0,
            throughput_pct: 10.0,
            memory_pct: 20.0,
            max_scaling_exponent: 1.15,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GateError {
    #[error("no baseline at {0}: record one with `bench-gate save --out {0}` after `cargo bench`")]
    MissingBaseline(PathBuf),
    #[error("no criterion results under {0}: run `cargo bench` first")]
    NoResults(PathBuf),
    #[error("{path}: {message}")]
    Read { path: PathBuf, message: String },
}
