//! Typed errors of the library. Every error carries the context a user needs to fix the input:
//! the file, the line or key, the field, and the rule that was broken.

use std::fmt;
use std::path::{Path, PathBuf};

/// One broken configuration rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// Dotted key, e.g. `workforce.total_termination_rate`.
    pub key: String,
    /// The rule and the offending value.
    pub rule: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.rule)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {cause}")]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("config{}: {message}", at(path))]
    Parse {
        path: Option<PathBuf>,
        message: String,
    },
    #[error("config{} has {} invalid value(s):\n{}", at(path), problems.len(), list(problems))]
    Invalid {
        path: Option<PathBuf>,
        problems: Vec<ConfigProblem>,
    },
}

impl ConfigError {
    /// Attaches the file the configuration came from.
    pub fn with_path(self, p: &Path) -> ConfigError {
        match self {
            ConfigError::Parse { message, .. } => ConfigError::Parse {
                path: Some(p.to_path_buf()),
                message,
            },
            ConfigError::Invalid { problems, .. } => ConfigError::Invalid {
                path: Some(p.to_path_buf()),
                problems,
            },
            other => other,
        }
    }

    /// The broken keys (empty for I/O errors).
    pub fn problems(&self) -> &[ConfigProblem] {
        match self {
            ConfigError::Invalid { problems, .. } => problems,
            _ => &[],
        }
    }
}

fn at(path: &Option<PathBuf>) -> String {
    path.as_ref()
        .map(|p| format!(" {}", p.display()))
        .unwrap_or_default()
}

fn list<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One bad census cell or row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// 1-based position in the file: a CSV line (the header is line 1) or a Parquet row (the
    /// first data row is row 1), as `unit` says.
    pub line: u64,
    /// `"line"` (CSV) or `"row"` (Parquet).
    pub unit: &'static str,
    /// Column (field) name.
    pub column: String,
    /// The rule that was broken, with the offending value.
    pub rule: String,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}, column {}: {}",
            self.unit, self.line, self.column, self.rule
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CensusError {
    #[error("cannot read census {path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error("census {path}: unsupported file type (expected .csv or .parquet)")]
    UnsupportedFormat { path: PathBuf },
    #[error("census {path}: missing required column(s): {}", columns.join(", "))]
    MissingColumns { path: PathBuf, columns: Vec<String> },
    #[error("census {path} has {} problem(s){}:\n{}", total, if *total > problems.len() { format!(" (first {} shown)", problems.len()) } else { String::new() }, list(problems))]
    Rows {
        path: PathBuf,
        problems: Vec<RowProblem>,
        total: usize,
    },
    #[error("census {path} has no active employees (every row has a termination date)")]
    Empty { path: PathBuf },
    #[error("invalid census generator parameter {key}: {rule}")]
    Generator { key: &'static str, rule: String },
}

impl CensusError {
    pub fn problems(&self) -> &[RowProblem] {
        match self {
            CensusError::Rows { problems, .. } => problems,
            _ => &[],
        }
    }
}

/// An engine failed to compute a year (a DuckDB or Polars error: a bug, or out of memory), or
/// returned a table the shared decoder rejects (a null where a decision is required, an index
/// outside the workforce).
#[derive(Debug, thiserror::Error)]
#[error("{engine} engine, year {year}, {step}: {message}")]
pub struct EngineError {
    pub engine: &'static str,
    pub year: i32,
    pub step: &'static str,
    pub message: String,
}

/// An invariant of docs/rules.md 5.7 that a simulated year broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvariantViolation {
    pub year: i32,
    pub invariant: &'static str,
    pub detail: String,
}

impl fmt::Display for InvariantViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "year {}: {}: {}", self.year, self.invariant, self.detail)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SimulationError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Census(#[from] CensusError),
    #[error("validation failed with {} broken invariant(s):\n{}", .0.len(), list(.0))]
    Invariants(Vec<InvariantViolation>),
    #[error("cannot build the thread pool: {0}")]
    Threads(String),
    #[error(transparent)]
    Engine(#[from] EngineError),
}
