//! # workforce-sim-store
//!
//! The embedded DuckDB store of a run: the schema, one transaction per simulated year, bulk
//! writes through Arrow record batches on the Appender (never a statement per row), resume
//! state, the participant history query, and Parquet census files.
//!
//! Every statement runs through one executor ([`exec`]) that counts what it actually runs;
//! the connection is never handed out, so the counts in a run's report are measured, and a
//! test holds the number of statements per year constant in the headcount.

mod encode;
mod exec;
pub mod history;
pub mod parquet;
mod resume;
mod schema;

pub use history::{participant_history, ParticipantHistory};
pub use parquet::DuckdbParquet;
pub use resume::ResumePoint;
pub use schema::TABLES;

use exec::Executor;
use std::path::{Path, PathBuf};
use workforce_sim_core::census::staging::StagedRow;
use workforce_sim_core::config::{Config, ValidConfig};
use workforce_sim_core::engine::Foundation;
use workforce_sim_core::events::YearEvents;
use workforce_sim_core::report::{StatementCounts, YearSummary};
use workforce_sim_core::rules::bands::BandTable;
use workforce_sim_core::state::Snapshot;

/// A store failure, with the database and what was being done.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {context}: {source}")]
    Duckdb {
        path: PathBuf,
        context: String,
        source: duckdb::Error,
    },
    #[error("database {path}: {message}")]
    State { path: PathBuf, message: String },
    #[error("cannot encode the {table} batch: {message}")]
    Encode {
        table: &'static str,
        message: String,
    },
}

/// Rows per record batch handed to the Appender.
pub const BATCH_ROWS: usize = 1 << 20;

/// Identification of a run, written once at its start.
#[derive(Debug, Clone)]
pub struct RunHeader {
    pub run_id: String,
    pub engine: String,
    pub config: Config,
    pub census_source: String,
    pub baseline_headcount: u64,
    pub threads: usize,
}

/// The tables of one simulated year, as the year loop hands them to the store.
pub struct YearTables<'a> {
    pub config: &'a ValidConfig,
    pub bands: (&'a BandTable, &'a BandTable),
    pub foundation: &'a Foundation,
    pub events: &'a YearEvents,
    pub snapshot: &'a Snapshot,
    pub summary: &'a YearSummary,
    /// `(stage, seconds)` of the year.
    pub timings: &'a [(String, f64)],
}

/// A DuckDB database file opened for a run.
pub struct Store {
    exec: Executor,
}

impl Store {
    /// Opens (or creates) a database file.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Ok(Store {
            exec: Executor::open(path)?,
        })
    }

    /// Opens a database file with DuckDB's own query log on (see [`Store::audited_statements`]).
    pub fn open_audited(path: &Path) -> Result<Store, StoreError> {
        let store = Store::open(path)?;
        store.exec.enable_audit()?;
        Ok(store)
    }

    /// The number of statements DuckDB itself logged on a store opened with
    /// [`Store::open_audited`]: an independent count of what [`Store::counts`] reports, equal
    /// to it unless a statement bypassed the executor.
    pub fn audited_statements(&self) -> Result<u64, StoreError> {
        self.exec.audited()
    }

    /// An in-memory database (tests, benches).
    pub fn in_memory() -> Result<Store, StoreError> {
        Ok(Store {
            exec: Executor::in_memory()?,
        })
    }

    pub fn path(&self) -> &Path {
        self.exec.path()
    }

    /// The statements and appends this store has run, as its executor counted them.
    pub fn counts(&self) -> StatementCounts {
        self.exec.counts()
    }

    /// Replaces this tool's tables and writes the run header and the staged census, in one
    /// transaction: either the whole new run exists or the file is as it was.
    pub fn begin_run(
        &mut self,
        meta: &RunHeader,
        census: &[StagedRow],
        waiting_days: u16,
    ) -> Result<(), StoreError> {
        let x = &self.exec;
        let tx = x.begin("begin run")?;
        let drops: Vec<String> = TABLES
            .iter()
            .map(|t| format!("DROP TABLE IF EXISTS {t}"))
            .collect();
        x.run("drop old tables", drops.iter().map(String::as_str))?;
        x.run("create schema", schema::SCHEMA.split(';'))?;
        x.execute(
            "write run metadata",
            "INSERT INTO run_metadata VALUES (?, now()::TIMESTAMP, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', NULL, ?)",
            duckdb::params![
                meta.run_id,
                env!("CARGO_PKG_VERSION"),
                meta.engine,
                meta.config.simulation.random_seed,
                meta.config.simulation.start_year,
                meta.config.simulation.end_year,
                meta.census_source,
                census.len() as i64,
                meta.baseline_headcount as i64,
                meta.config.fingerprint(),
                meta.config.to_json(),
                meta.threads as i32,
            ],
        )?;
        if !census.is_empty() {
            x.append(
                "append census",
                "census",
                census
                    .chunks(BATCH_ROWS)
                    .map(|chunk| encode::census_batch(chunk, waiting_days)),
            )?;
        }
        tx.commit("commit run header")
    }

    /// Writes one simulated year in one transaction: a crash leaves whole years only.
    pub fn write_year(&mut self, y: &YearTables<'_>) -> Result<(), StoreError> {
        let year = y.events.year;
        let x = &self.exec;
        let at = |what: &str| format!("year {year}: {what}");
        let tx = x.begin(&at("begin"))?;
        let t0 = std::time::Instant::now();
        let clears: Vec<String> = [
            "events",
            "workforce_snapshot",
            "workforce_needs",
            "year_summary",
            "stage_timings",
        ]
        .iter()
        .map(|t| format!("DELETE FROM {t} WHERE simulation_year = {year}"))
        .collect();
        x.run(&at("clear year"), clears.iter().map(String::as_str))?;
        let ranges = |n: usize| {
            (0..n)
                .step_by(BATCH_ROWS)
                .map(move |s| s..(s + BATCH_ROWS).min(n))
        };
        x.append(
            &at("append events"),
            "events",
            ranges(y.events.len())
                .map(|r| encode::events_batch(y.config, y.bands, y.events, y.snapshot, r)),
        )?;
        tracing::debug!(
            year,
            rows = y.events.len(),
            ms = t0.elapsed().as_secs_f64() * 1e3,
            "events appended"
        );
        x.append(
            &at("append snapshot"),
            "workforce_snapshot",
            ranges(y.snapshot.len())
                .map(|r| encode::snapshot_batch(y.config, y.bands, y.snapshot, r)),
        )?;
        tracing::debug!(
            year,
            rows = y.snapshot.len(),
            ms = t0.elapsed().as_secs_f64() * 1e3,
            "snapshot appended"
        );
        let n = &y.foundation.needs;
        let quotas = |q: &[u64]| {
            q.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        x.execute(
            &at("write needs"),
            "INSERT INTO workforce_needs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            duckdb::params![
                year,
                n.n_start as i64,
                n.experienced as i64,
                n.prior_year_hires as i64,
                n.target_ending as i64,
                n.expected_experienced_terminations as i64,
                n.survivors,
                n.net_from_hires,
                n.hires as i64,
                n.implied_new_hire_terminations as i64,
                n.rif_terminations as i64,
                n.total_experienced_terminations as i64,
                n.balance_error,
                n.balance_status(),
                n.failed_guards.join(","),
                quotas(&y.foundation.termination_quotas),
                quotas(&y.foundation.hire_quotas),
            ],
        )?;
        let s = y.summary;
        x.execute(
            &at("write summary"),
            "INSERT INTO year_summary VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::DECIMAL(18,2), ?::DECIMAL(18,2),
                ?, ?, ?, ?, ?, ?, ?, ?, ?::DECIMAL(18,2), ?::DECIMAL(18,2), ?::DECIMAL(18,2), ?::DECIMAL(18,2), ?)",
            duckdb::params![
                year,
                s.starting_headcount as i64,
                s.hires as i64,
                s.experienced_terminations as i64,
                s.new_hire_terminations as i64,
                s.promotions as i64,
                s.raises as i64,
                s.ending_headcount as i64,
                s.target_ending as i64,
                s.total_events as i64,
                s.snapshot_rows as i64,
                format!("{:.2}", s.payroll),
                format!("{:.2}", s.prorated_payroll),
                s.eligible as i64,
                s.participants as i64,
                s.participation_rate,
                s.average_deferral_rate,
                s.enrollments as i64,
                s.opt_outs as i64,
                s.escalations as i64,
                s.match_responses as i64,
                format!("{:.2}", s.employee_contributions),
                format!("{:.2}", s.employer_match),
                format!("{:.2}", s.employer_core),
                format!("{:.2}", s.forfeitures),
                s.hce_count as i64,
            ],
        )?;
        x.append(
            &at("append timings"),
            "stage_timings",
            [encode::timings_batch(year, y.timings)],
        )?;
        x.execute(
            &at("mark year"),
            "UPDATE run_metadata SET last_committed_year = ?",
            duckdb::params![year],
        )?;
        let t1 = std::time::Instant::now();
        tx.commit(&at("commit"))?;
        tracing::debug!(year, ms = t1.elapsed().as_secs_f64() * 1e3, "committed");
        Ok(())
    }

    /// The naive mode: each stage's output to its own table, one transaction per stage.
    pub fn materialize_stages(&mut self, y: &YearTables<'_>) -> Result<(), StoreError> {
        let year = y.events.year;
        let n = &y.foundation.needs;
        let x = &self.exec;
        let needs = format!(
            "INSERT INTO stage_workforce_needs VALUES ({year}, {}, {}, {})",
            n.target_ending, n.hires, n.total_experienced_terminations
        );
        let delete = format!("DELETE FROM stage_workforce_needs WHERE simulation_year = {year}");
        x.run(
            "materialise needs",
            [
                "CREATE TABLE IF NOT EXISTS stage_workforce_needs AS SELECT simulation_year, target_ending, hires, total_experienced_terminations FROM workforce_needs LIMIT 0",
                "CREATE TABLE IF NOT EXISTS stage_events AS SELECT * FROM events LIMIT 0",
                "CREATE TABLE IF NOT EXISTS stage_snapshot AS SELECT * FROM workforce_snapshot LIMIT 0",
            ],
        )?;
        let tx = x.begin("materialise needs")?;
        x.run("materialise needs", [delete.as_str(), needs.as_str()])?;
        tx.commit("materialise needs")?;
        for (table, batch) in [
            (
                "stage_events",
                encode::events_batch(y.config, y.bands, y.events, y.snapshot, 0..y.events.len()),
            ),
            (
                "stage_snapshot",
                encode::snapshot_batch(y.config, y.bands, y.snapshot, 0..y.snapshot.len()),
            ),
        ] {
            let tx = x.begin("materialise")?;
            let delete = format!("DELETE FROM {table} WHERE simulation_year = {year}");
            x.run("materialise", [delete.as_str()])?;
            x.append("materialise", table, [batch])?;
            tx.commit("materialise")?;
        }
        Ok(())
    }

    /// Marks the run complete and records the initialization timing.
    pub fn finish_run(&mut self, init_seconds: f64) -> Result<(), StoreError> {
        let timing =
            format!("INSERT INTO stage_timings VALUES (NULL, 'initialization', {init_seconds})");
        self.exec.run(
            "finish run",
            [
                "UPDATE run_metadata SET status = 'completed', finished_at = now()::TIMESTAMP",
                "DELETE FROM stage_timings WHERE simulation_year IS NULL",
                timing.as_str(),
            ],
        )
    }

    /// Records a later end year for a resumed run (the configuration stored with it too).
    pub fn extend_end_year(&mut self, config: &ValidConfig) -> Result<(), StoreError> {
        self.exec.execute(
            "extend end year",
            "UPDATE run_metadata SET end_year = ?, config_json = ?",
            duckdb::params![config.simulation.end_year, config.to_json()],
        )?;
        Ok(())
    }
}
