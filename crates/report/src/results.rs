//! Which results a path holds: a run (a DuckDB results database, or a Parquet output's
//! folder through its `results.duckdb`), a batch, an optimisation or a backtest, told apart by
//! their tables and opened read-only. Anything else is an error naming the path.

use crate::ReportError;
use std::path::{Path, PathBuf};

/// The kind of results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Run,
    Batch,
    Optimization,
    Backtest,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Run => "run",
            Kind::Batch => "batch",
            Kind::Optimization => "optimisation",
            Kind::Backtest => "backtest",
        }
    }
}

/// Opened results.
pub struct Results {
    /// The path as given.
    pub path: PathBuf,
    /// The DuckDB file (a Parquet output's `results.duckdb`).
    pub file: PathBuf,
    pub kind: Kind,
    pub conn: duckdb::Connection,
}

fn not_results(path: &Path, why: &str) -> ReportError {
    ReportError::NotResults {
        path: path.to_path_buf(),
        why: why.to_string(),
    }
}

impl Results {
    /// Opens `path` read-only and tells its kind.
    pub fn open(path: &Path) -> Result<Results, ReportError> {
        let file = if path.is_dir() {
            let db = path.join("results.duckdb");
            if !db.is_file() {
                return Err(not_results(
                    path,
                    "a folder without results.duckdb (not a Parquet output of workforce-sim)",
                ));
            }
            db
        } else if path.is_file() {
            path.to_path_buf()
        } else {
            return Err(not_results(path, "no such file or folder"));
        };
        // A DuckDB file starts with a block header whose magic is at byte 8.
        let mut head = [0u8; 12];
        let is_duckdb = std::fs::File::open(&file)
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
            .map(|_| &head[8..12] == b"DUCK")
            .unwrap_or(false);
        if !is_duckdb {
            return Err(not_results(path, "not a DuckDB database"));
        }
        let config = duckdb::Config::default()
            .access_mode(duckdb::AccessMode::ReadOnly)
            .map_err(|e| not_results(path, &e.to_string()))?;
        let conn = duckdb::Connection::open_with_flags(&file, config)
            .map_err(|e| not_results(path, &format!("cannot open it: {e}")))?;
        let tables: Vec<String> = {
            let mut stmt = conn
                .prepare("SELECT table_name FROM information_schema.tables")
                .map_err(|e| not_results(path, &e.to_string()))?;
            let rows = stmt
                .query_map([], |r| r.get::<_, String>(0))
                .map_err(|e| not_results(path, &e.to_string()))?;
            rows.filter_map(Result::ok).collect()
        };
        let has = |t: &str| tables.iter().any(|x| x == t);
        let kind = if has("run_metadata") && has("year_summary") {
            Kind::Run
        } else if has("batch_metadata") && has("batch_bands") {
            Kind::Batch
        } else if has("opt_metadata") && has("opt_candidates") {
            Kind::Optimization
        } else if has("backtest_metadata") && has("backtest_scores") {
            Kind::Backtest
        } else {
            return Err(not_results(
                path,
                "a DuckDB database, but not a workforce-sim run, batch, optimisation or backtest",
            ));
        };
        Ok(Results {
            path: path.to_path_buf(),
            file,
            kind,
            conn,
        })
    }

    /// The run's simulated years (a run only).
    pub fn years(&self) -> Result<Vec<i32>, ReportError> {
        let t = crate::table::query(
            &self.conn,
            "the simulated years",
            "SELECT simulation_year FROM year_summary ORDER BY 1",
        )?;
        Ok(t.rows
            .iter()
            .filter_map(|r| r[0].number().map(|y| y as i32))
            .collect())
    }
}
