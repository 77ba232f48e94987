//! # workforce-sim-store
//!
//! The embedded DuckDB store of a run: a lean, typed schema behind views named as the wide
//! tables ([`schema`]), one transaction per simulated year, bulk inserts of Arrow record
//! batches through DuckDB's own Arrow scan (never a statement per row), resume state, the
//! participant history query, Parquet census files and the Parquet output.
//!
//! Every statement runs through one executor ([`exec`]) that counts what it actually runs;
//! the connection is never handed out, so the counts in a run's report are measured, and a
//! test holds the number of statements per year constant in the headcount.
//!
//! Where things are: [`pipeline`] the store-backed run (writer thread, new run, resume) over
//! [`sink`] (the two outputs behind one trait); [`parquet_output`] the Parquet directory
//! output; `encode` one encoder per table; `schema` the tables and views; `resume` reading a
//! run back; [`history`] one employee across a run; [`typed_export`] typed events out;
//! [`batch_output`] a batch's database; [`census_parquet`] census files in Parquet; [`place`]
//! writing beside and putting in place.

pub mod batch_output;
pub mod census_parquet;
mod encode;
mod exec;
pub mod fault;
pub mod history;
pub mod lock;
pub mod memory;
pub mod ownership;
pub mod parquet_output;
pub mod pipeline;
pub mod place;
mod raw;
pub mod result_file;
mod resume;
mod schema;
pub mod sink;
pub mod typed_export;

pub use census_parquet::DuckdbParquet;
/// The Arrow crate the encoders build with (DuckDB's), for embeddings that take the
/// record batches.
pub use duckdb::arrow;
pub use exec::set_database_threads;
pub use history::{participant_history, ParticipantHistory};
pub use parquet_output::ParquetOut;
pub use resume::{stored_run, ResumePoint, StoredRun};
pub use schema::TABLES;
pub use sink::{Format, RunSink, SinkOptions};
pub use typed_export::write_typed_events;

use duckdb::arrow::record_batch::RecordBatch;
use exec::Executor;
use std::path::{Path, PathBuf};
use workforce_sim_core::census::staging::StagedRow;
use workforce_sim_core::config::ValidConfig;
use workforce_sim_core::engine::Foundation;
use workforce_sim_core::events::YearEvents;
use workforce_sim_core::report::{StatementCounts, YearSummary};
use workforce_sim_core::state::Snapshot;

/// A store failure, with the database and what was being done.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {context}: {cause}")]
    Duckdb {
        path: PathBuf,
        context: String,
        cause: duckdb::Error,
    },
    #[error("database {path}: {context}: {message}")]
    Sql {
        path: PathBuf,
        context: String,
        message: String,
    },
    #[error("database {path}: {message}")]
    State { path: PathBuf, message: String },
    /// An output is already there and this write would replace it.
    #[error("{} exists", path.display())]
    Exists { path: PathBuf },
    /// An output holds something workforce-sim did not write ([`ownership`]); it is left as
    /// it is.
    #[error("{} holds {}, which workforce-sim did not write: it will not {action} it (move that out of the way, or write elsewhere)", path.display(), foreign.display())]
    Foreign {
        path: PathBuf,
        foreign: PathBuf,
        action: &'static str,
    },
    /// The file or directory at an output's path is not one workforce-sim writes
    /// ([`ownership`]); it is left as it is.
    #[error("{} is not {what} of workforce-sim: it will not {action} it (write elsewhere)", path.display())]
    NotOurs {
        path: PathBuf,
        what: &'static str,
        action: &'static str,
    },
    /// Another writer holds the output's lock ([`lock::OutputLock`]).
    #[error("{} is in use by {} (another run is writing it)", path.display(), holder.map_or("another process".to_string(), |pid| format!("process {pid}")))]
    InUse { path: PathBuf, holder: Option<u32> },
    #[error("cannot encode the {table} batch: {message}")]
    Encode {
        table: &'static str,
        message: String,
    },
    /// A setting of the store (an environment variable) that cannot be used.
    #[error("{0}")]
    Setting(String),
}

impl StoreError {
    /// Whether the write stopped because its output is already there.
    pub fn is_output_exists(&self) -> bool {
        matches!(self, StoreError::Exists { .. })
    }
}

/// The build that writes and reads results (`tool_version` of runs and batches): the crate
/// version, and the git commit it was built from where there was one (`build.rs`).
pub const BUILD: &str = env!("WFS_BUILD");

/// Identification of a run, written once at its start.
#[derive(Debug, Clone)]
pub struct RunHeader {
    pub run_id: String,
    pub engine: String,
    pub config: ValidConfig,
    pub census_source: String,
    /// [`census_fingerprint`] of the staged census: which census a stored run was made from.
    pub census_fingerprint: String,
    pub baseline_headcount: u64,
    pub threads: usize,
    /// `duckdb` or `parquet`: where the year tables are.
    pub format: &'static str,
}

/// A digest of a staged census (every field of every row, in order): two runs have the same
/// census exactly when their fingerprints agree.
pub fn census_fingerprint(rows: &[StagedRow]) -> String {
    use std::fmt::Write;
    let mut d = workforce_sim_core::digest::Digest::default();
    let mut line = String::with_capacity(256);
    for r in rows {
        line.clear();
        let _ = write!(line, "{:?}", r.record);
        d.bytes(line.as_bytes());
    }
    d.hex()
}

/// The tables of one simulated year, as the year loop hands them to the store.
pub struct YearTables<'a> {
    pub foundation: &'a Foundation,
    pub events: &'a YearEvents,
    pub snapshot: &'a Snapshot,
    pub plan_ledger: &'a workforce_sim_core::plan_ledger::PlanLedger,
    /// The weekly balances (no rows unless the run asked for them).
    pub balances: &'a workforce_sim_core::balances::WeeklyBalances,
    pub compliance_tests: &'a [workforce_sim_core::nondiscrimination::ComplianceTest],
    pub summary: &'a YearSummary,
    /// `(stage, seconds)` of the year.
    pub timings: &'a [(String, f64)],
}

/// A DuckDB database file opened for a run.
pub struct Store {
    exec: Executor,
    /// Opened with DuckDB's statement log on ([`Store::open_audited`]).
    audited: bool,
    /// Every year's stages also to their own tables ([`sink::SinkOptions`]).
    materialize: bool,
    /// Metadata changes that take effect with the next committed year, in its transaction
    /// ([`Store::extend_end_year`]).
    pending: Vec<String>,
    /// The year whose transaction is open: its chunks of rows are being appended
    /// ([`Store::append_rows`]) and it commits with [`Store::write_encoded`].
    open_year: Option<i32>,
}

impl Store {
    fn over(exec: Executor) -> Store {
        Store {
            exec,
            audited: false,
            materialize: false,
            pending: Vec::new(),
            open_year: None,
        }
    }

    /// Opens (or creates) a database file.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let exec = Executor::open(path)?;
        settings(&exec)?;
        Ok(Store::over(exec))
    }

    /// Opens a database file with DuckDB's own query log on (see [`Store::audited_statements`]).
    pub fn open_audited(path: &Path) -> Result<Store, StoreError> {
        let exec = Executor::open(path)?;
        exec.enable_audit()?;
        settings(&exec)?;
        Ok(Store {
            audited: true,
            ..Store::over(exec)
        })
    }

    /// The number of statements DuckDB itself logged on a store opened with
    /// [`Store::open_audited`]: an independent count of what [`Store::counts`] reports, equal
    /// to it unless a statement bypassed the executor.
    pub fn audited_statements(&self) -> Result<u64, StoreError> {
        self.exec.audited()
    }

    /// An in-memory database (tests, benches).
    pub fn in_memory() -> Result<Store, StoreError> {
        Ok(Store::over(Executor::in_memory()?))
    }

    pub fn path(&self) -> &Path {
        self.exec.path()
    }

    /// The statements and appends this store has run, as its executor counted them.
    pub fn counts(&self) -> StatementCounts {
        self.exec.counts()
    }

    /// Creates the schema in an empty database and writes the run header and the staged
    /// census, in one transaction: either the whole new run exists or nothing does.
    pub fn begin_run(&mut self, meta: &RunHeader, census: &[StagedRow]) -> Result<(), StoreError> {
        let x = &self.exec;
        let exists: i64 = x.query_row(
            "check the database is empty",
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'run_metadata'",
            [],
            |r| r.get(0),
        )?;
        if exists > 0 {
            return Err(StoreError::State {
                path: x.path().to_path_buf(),
                message: "already holds a run; a new run is written to a new file".into(),
            });
        }
        let t0 = std::time::Instant::now();
        let tx = x.begin("begin run")?;
        let schema = schema::create(&meta.config);
        x.run("create schema", schema.iter().map(String::as_str))?;
        tracing::debug!(ms = t0.elapsed().as_secs_f64() * 1e3, "schema created");
        x.run(
            "write run metadata",
            [metadata_insert(meta, census.len()).as_str()],
        )?;
        let census_year = meta.config.census_year();
        x.insert(
            "write census",
            "employees",
            encode::census_batch(census, census_year)?,
        )?;
        tracing::debug!(ms = t0.elapsed().as_secs_f64() * 1e3, "census inserted");
        tx.commit("commit run header")?;
        tracing::debug!(
            ms = t0.elapsed().as_secs_f64() * 1e3,
            "run header committed"
        );
        Ok(())
    }

    /// The catalog of a Parquet output (`results.duckdb`): ENUM types, `run_metadata` and
    /// `stage_timings` as tables, the run header; the year tables are files.
    pub(crate) fn begin_catalog(
        &mut self,
        meta: &RunHeader,
        census_rows: usize,
    ) -> Result<(), StoreError> {
        let x = &self.exec;
        let tx = x.begin("begin run")?;
        let ddl = schema::catalog();
        x.run("create catalog", ddl.iter().map(String::as_str))?;
        x.run(
            "write run metadata",
            [metadata_insert(meta, census_rows).as_str()],
        )?;
        tx.commit("commit run header")
    }

    /// Commits a year of a Parquet output whose files are in place: its stage timings and
    /// the last committed year, in one transaction.
    pub(crate) fn commit_parquet_year(&mut self, y: &EncodedYear) -> Result<(), StoreError> {
        let year = y.year;
        let x = &self.exec;
        let at = |what: &str| format!("year {year}: {what}");
        let tx = x.begin(&at("begin"))?;
        x.insert(&at("stage_timings"), "stage_timings", y.timings.clone())?;
        let mark = format!("UPDATE run_metadata SET last_committed_year = {year}");
        x.run(&at("metadata"), self.pending.iter().map(String::as_str))?;
        x.run(&at("mark year"), [mark.as_str()])?;
        place::fault::point("year:before-commit");
        tx.commit(&at("commit"))?;
        self.pending.clear();
        Ok(())
    }

    /// The views of a Parquet output's catalog over the files in `dir`: the stored tables
    /// as views of their partitions (committed years only; an empty table where a table has
    /// no file yet), then the public views. Made again, with the final paths, when the run
    /// completes (DuckDB binds a view's files as it creates it).
    pub(crate) fn create_views(
        &mut self,
        config: &ValidConfig,
        dir: &Path,
    ) -> Result<(), StoreError> {
        let tables = self.exec.query(
            "list tables",
            "SELECT table_name FROM duckdb_tables()",
            [],
            |r| r.get::<_, String>(0),
        )?;
        let views = self.exec.query(
            "list views",
            "SELECT view_name FROM duckdb_views() WHERE NOT internal",
            [],
            |r| r.get::<_, String>(0),
        )?;
        let mut sql = Vec::new();
        for (table, stored) in parquet_output::PARTITIONED {
            let has_files = std::fs::read_dir(dir.join(table))
                .map(|mut d| d.next().is_some())
                .unwrap_or(false);
            let committed = if stored == "employees" {
                String::new()
            } else {
                " WHERE simulation_year <= (SELECT last_committed_year FROM run_metadata)".into()
            };
            if has_files {
                if tables.iter().any(|t| t == stored) {
                    sql.push(format!("DROP TABLE {stored}"));
                }
                sql.push(format!(
                    "CREATE OR REPLACE VIEW {stored} AS SELECT {}::INTEGER AS simulation_year, * EXCLUDE (filename) FROM {}{committed}",
                    schema::partition_value("simulation_year", 1),
                    schema::read_partitions(&dir.join(table), 1),
                ));
            } else {
                if views.iter().any(|v| v == stored) {
                    sql.push(format!("DROP VIEW {stored}"));
                }
                sql.push(schema::stored_table(stored, "CREATE TABLE IF NOT EXISTS"));
            }
        }
        sql.extend(schema::views(config));
        self.exec
            .run("create views", sql.iter().map(String::as_str))
    }

    /// Writes one simulated year in one transaction: a crash leaves whole years only.
    pub fn write_year(&mut self, y: &YearTables<'_>) -> Result<(), StoreError> {
        self.write_encoded(&EncodedYear::new(y)?)
    }

    /// Begins `year`'s transaction unless it is open; another year's open transaction is an
    /// error (a writer hands over one year at a time).
    fn begin_year(&mut self, year: i32) -> Result<(), StoreError> {
        match self.open_year {
            Some(open) if open == year => Ok(()),
            Some(open) => Err(StoreError::State {
                path: self.exec.path().to_path_buf(),
                message: format!("rows of year {year} while year {open} is not committed"),
            }),
            None => {
                self.exec
                    .run(&format!("year {year}: begin"), ["BEGIN TRANSACTION"])?;
                self.open_year = Some(year);
                Ok(())
            }
        }
    }

    /// Undoes the open year's writes after a failure (a rollback that fails leaves the
    /// transaction to DuckDB, which aborts it when the connection closes).
    fn abandon(&mut self) {
        if self.open_year.take().is_some() {
            let _ = self.exec.run("rollback", ["ROLLBACK"]);
        }
    }

    /// Appends one chunk of a year's rows in the year's transaction (begun by its first
    /// chunk, committed by [`Store::write_encoded`]).
    pub fn append_rows(&mut self, c: &RowChunk) -> Result<(), StoreError> {
        let appended = self.begin_year(c.year).and_then(|()| {
            self.exec.insert(
                &format!("year {}: {}", c.year, c.table),
                c.table,
                c.batch.clone(),
            )
        });
        appended.inspect_err(|_| self.abandon())
    }

    /// Writes one encoded year and commits it, in the transaction its chunks began if they
    /// came first ([`Store::append_rows`]): a crash leaves whole years only.
    pub fn write_encoded(&mut self, y: &EncodedYear) -> Result<(), StoreError> {
        let written = self.commit_encoded(y);
        written.inspect_err(|_| self.abandon())
    }

    fn commit_encoded(&mut self, y: &EncodedYear) -> Result<(), StoreError> {
        let year = y.year;
        self.begin_year(year)?;
        let x = &self.exec;
        let at = |what: &str| format!("year {year}: {what}");
        let t0 = std::time::Instant::now();
        for (table, batch) in y.tables() {
            x.insert(&at(table), table, batch.clone())?;
        }
        tracing::debug!(year, ms = t0.elapsed().as_secs_f64() * 1e3, "year inserted");
        let mark = format!("UPDATE run_metadata SET last_committed_year = {year}");
        x.run(&at("metadata"), self.pending.iter().map(String::as_str))?;
        x.run(&at("mark year"), [mark.as_str()])?;
        place::fault::point("year:before-commit");
        let t1 = std::time::Instant::now();
        x.run(&at("commit"), ["COMMIT"])?;
        self.open_year = None;
        self.pending.clear();
        tracing::debug!(year, ms = t1.elapsed().as_secs_f64() * 1e3, "committed");
        Ok(())
    }

    /// The naive mode: each stage's output to its own table, one transaction per stage.
    pub fn materialize_stages(&mut self, y: &EncodedYear) -> Result<(), StoreError> {
        let year = y.year;
        let x = &self.exec;
        x.run(
            "materialise",
            [
                "CREATE TABLE IF NOT EXISTS stage_workforce_needs AS SELECT * FROM workforce_needs LIMIT 0",
                "CREATE TABLE IF NOT EXISTS stage_events AS SELECT * FROM event_records LIMIT 0",
                "CREATE TABLE IF NOT EXISTS stage_snapshot AS SELECT * FROM snapshot_records LIMIT 0",
            ],
        )?;
        let rows = |stored: &'static str| {
            y.rows
                .iter()
                .filter(move |c| c.table == stored)
                .map(|c| &c.batch)
        };
        for (table, batches) in [
            ("stage_workforce_needs", vec![&y.needs]),
            ("stage_events", rows("event_records").collect()),
            ("stage_snapshot", rows("snapshot_records").collect()),
        ] {
            let tx = x.begin("materialise")?;
            let delete = format!("DELETE FROM {table} WHERE simulation_year = {year}");
            x.run("materialise", [delete.as_str()])?;
            for batch in batches {
                x.insert("materialise", table, batch.clone())?;
            }
            tx.commit("materialise")?;
        }
        Ok(())
    }

    /// Marks the run complete, records the initialization timing and checkpoints the file
    /// (so it is whole without its write-ahead log, ready to be renamed into place).
    pub fn finish_run(&mut self, init_seconds: f64) -> Result<(), StoreError> {
        let x = &self.exec;
        let tx = x.begin("finish run")?;
        x.run(
            "finish run",
            [
                "UPDATE run_metadata SET status = 'completed', finished_at = now()::TIMESTAMP",
                "DELETE FROM stage_timings WHERE simulation_year IS NULL",
            ],
        )?;
        x.insert(
            "finish run",
            "stage_timings",
            encode::timings_batch(None, &[("initialization".to_string(), init_seconds)])?,
        )?;
        tx.commit("finish run")?;
        let t0 = std::time::Instant::now();
        x.run("checkpoint", ["CHECKPOINT"])?;
        tracing::debug!(ms = t0.elapsed().as_secs_f64() * 1e3, "checkpointed");
        Ok(())
    }

    /// Writes everything to the database file (no write-ahead log left).
    pub(crate) fn checkpoint(&mut self) -> Result<(), StoreError> {
        self.exec.run("checkpoint", ["CHECKPOINT"])
    }

    /// Records a later end year for a resumed run (the configuration stored with it too),
    /// in the transaction of the first new year: until that year is in, the stored run is
    /// exactly the completed run it was (a crash before it changes nothing). From then the
    /// run is running again (not `completed`) until the new years are in, so a crash
    /// meanwhile does not leave a "completed" run with years missing.
    pub fn extend_end_year(&mut self, config: &ValidConfig) -> Result<(), StoreError> {
        let sql = format!(
            "UPDATE run_metadata SET end_year = {}, config_json = {}, config_fingerprint = {}, status = 'running', finished_at = NULL",
            config.simulation.end_year,
            schema::quote(&config.to_json()),
            schema::quote(&config.fingerprint()),
        );
        self.pending.push(sql);
        Ok(())
    }
}

/// DuckDB's memory for a database the store writes, unless [`DATABASE_MEMORY_VARIABLE`] says
/// otherwise: DuckDB's own default (80% of the machine) lets its buffers of written blocks
/// grow with the file; this bounds them, at a small cost in speed (issue 31: 1,000,000 x 10
/// from 5.4 GB to 3.6 GB peak RSS, see docs/figures.md).
pub const DATABASE_MEMORY: &str = "1GB";
/// The variable that sets DuckDB's memory limit for the databases the store writes, as DuckDB
/// writes sizes (`4GB`, `512MB`).
pub const DATABASE_MEMORY_VARIABLE: &str = "WORKFORCE_SIM_DATABASE_MEMORY";

/// DuckDB's memory limit for a write: [`DATABASE_MEMORY_VARIABLE`] if set (a number and a
/// unit, checked before it goes into SQL), else [`DATABASE_MEMORY`].
fn database_memory() -> Result<String, StoreError> {
    let Some(v) = std::env::var_os(DATABASE_MEMORY_VARIABLE) else {
        return Ok(DATABASE_MEMORY.to_string());
    };
    let text = v.to_string_lossy().trim().to_string();
    let digits = text.chars().take_while(|c| c.is_ascii_digit()).count();
    let unit = text[digits..].trim().to_ascii_uppercase();
    let units = ["B", "KB", "MB", "GB", "TB", "KIB", "MIB", "GIB", "TIB"];
    if digits == 0 || !units.contains(&unit.as_str()) {
        return Err(StoreError::Setting(format!(
            "{DATABASE_MEMORY_VARIABLE} must be a size such as 4GB or 512MB, got {text:?}"
        )));
    }
    Ok(format!("{}{unit}", &text[..digits]))
}

/// Session settings of a write: committed years stay in the write-ahead log until it holds
/// 256 MB, then DuckDB checkpoints them into the file; DuckDB's memory is bounded
/// ([`DATABASE_MEMORY`]).
fn settings(x: &Executor) -> Result<(), StoreError> {
    let memory = format!("SET memory_limit = '{}'", database_memory()?);
    x.run(
        "settings",
        ["SET checkpoint_threshold = '256MB'", memory.as_str()],
    )
}

/// The `INSERT` of a run's metadata row (values inlined: the write connection takes no
/// parameters; text is quoted by [`schema::quote`]).
fn metadata_insert(meta: &RunHeader, census_rows: usize) -> String {
    let c = &meta.config;
    let q = schema::quote;
    format!(
        "INSERT INTO run_metadata VALUES ({}, now()::TIMESTAMP, NULL, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, 'running', NULL, {}, {}, {}, {}, 'VALID', {}, {})",
        q(&meta.run_id),
        q(BUILD),
        q(&meta.engine),
        c.simulation.random_seed,
        c.simulation.start_year,
        c.simulation.end_year,
        q(&meta.census_source),
        census_rows,
        meta.baseline_headcount,
        q(&c.fingerprint()),
        q(&c.to_json()),
        meta.threads,
        q(&meta.census_fingerprint),
        q(&c.simulation.scenario_id),
        q(&c.simulation.plan_design_id),
        c.census.eligibility_waiting_period_days,
        q(meta.format),
    )
}

/// Rows per chunk of a year's large tables (events, money ledger, snapshot) on their way to
/// the writer: DuckDB's row group. A run hands the writer its years a chunk at a time, so
/// what is in flight is bounded by chunks, not by a year (issue 31: at 1,000,000 employees
/// a year's Arrow arrays are ~1.5 GB).
pub const CHUNK_ROWS: usize = 122_880;

/// One chunk of rows of a year's large table, owned, for a writer.
pub struct RowChunk {
    pub year: i32,
    /// The stored table (`event_records`, `plan_ledger_records`, `snapshot_records`).
    pub table: &'static str,
    pub batch: RecordBatch,
}

/// The row ranges of a table of `len` rows in chunks of [`CHUNK_ROWS`]: one empty range for
/// an empty table (a year with no events still has its, empty, events file).
fn chunk_ranges(len: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    (0..len.div_ceil(CHUNK_ROWS).max(1))
        .map(move |k| k * CHUNK_ROWS..((k + 1) * CHUNK_ROWS).min(len))
}

/// One simulated year encoded as record batches, owned: what the year loop hands to a
/// writer thread while it computes the next year. Its large tables are in `rows`, as
/// chunks; a run that streamed them ([`EncodedYear::chunks`]) hands over a year without
/// them ([`EncodedYear::small`]), which closes the year.
pub struct EncodedYear {
    pub year: i32,
    /// The large tables' chunks not yet handed over, in write order.
    pub rows: Vec<RowChunk>,
    pub hires: RecordBatch,
    pub needs: RecordBatch,
    pub summary: RecordBatch,
    pub cohorts: RecordBatch,
    pub compliance_tests: RecordBatch,
    pub balances: RecordBatch,
    pub timings: RecordBatch,
    /// The active headcount at the year's end (for progress).
    pub ending_headcount: u64,
}

impl EncodedYear {
    /// The whole year encoded: its large tables as chunks and its small tables.
    pub fn new(y: &YearTables<'_>) -> Result<EncodedYear, StoreError> {
        let mut out = EncodedYear::small(y)?;
        out.rows = EncodedYear::chunks(y).collect::<Result<_, _>>()?;
        Ok(out)
    }

    /// The year's small tables (the large ones go as [`EncodedYear::chunks`]).
    pub fn small(y: &YearTables<'_>) -> Result<EncodedYear, StoreError> {
        let year = y.events.year;
        Ok(EncodedYear {
            year,
            rows: Vec::new(),
            hires: encode::hires_batch(y.snapshot)?,
            needs: encode::needs_batch(y.foundation)?,
            summary: encode::summary_batch(y.summary)?,
            cohorts: encode::cohort_batch(y.snapshot)?,
            compliance_tests: encode::compliance_batch(y.compliance_tests)?,
            balances: encode::balances_batch(y.balances, y.snapshot)?,
            timings: encode::timings_batch(Some(year), y.timings)?,
            ending_headcount: y.summary.ending_headcount,
        })
    }

    /// The year's large tables, events, money ledger and snapshot in that order, encoded a
    /// chunk of [`CHUNK_ROWS`] rows at a time as the iterator is advanced.
    pub fn chunks<'y>(
        y: &'y YearTables<'y>,
    ) -> impl Iterator<Item = Result<RowChunk, StoreError>> + 'y {
        let year = y.events.year;
        let chunk = move |table: &'static str, batch: Result<RecordBatch, StoreError>| {
            batch.map(|batch| RowChunk { year, table, batch })
        };
        // The annual contributions the `plan_ledger_rows` view makes again are not written
        // (`encode::derived`); their anchors go with the snapshot rows.
        let derived = std::rc::Rc::new(encode::derived::Derivation::of(y.plan_ledger, y.snapshot));
        let events = chunk_ranges(y.events.len()).map(move |r| {
            chunk(
                "event_records",
                encode::events_batch(y.events, y.snapshot, r),
            )
        });
        let stored = derived.clone();
        let ledger = chunk_ranges(stored.stored.len()).map(move |r| {
            chunk(
                "plan_ledger_records",
                encode::plan_ledger_batch(y.plan_ledger, y.snapshot, &stored.stored[r]),
            )
        });
        let snapshot = chunk_ranges(y.snapshot.len()).map(move |r| {
            chunk(
                "snapshot_records",
                encode::stored_snapshot_batch(y.snapshot, r, &derived),
            )
        });
        events.chain(ledger).chain(snapshot)
    }

    /// The year's `events` table alone (the snapshot gives each event's employee id).
    pub fn events_table(
        events: &YearEvents,
        snapshot: &Snapshot,
    ) -> Result<RecordBatch, StoreError> {
        encode::events_batch(events, snapshot, 0..events.len())
    }

    /// The year's `snapshot` table alone.
    pub fn snapshot_table(snapshot: &Snapshot) -> Result<RecordBatch, StoreError> {
        encode::snapshot_batch(snapshot, 0..snapshot.len())
    }

    /// One table of a year, encoded alone (`events`, `snapshot`, `workforce_needs`,
    /// `year_summary`, `plan_ledger`, `employer_cost_by_cohort`, `compliance_tests`,
    /// `weekly_balances`), for a reader that wants some tables only; `None` for another name.
    pub fn encode_table(
        y: &YearTables<'_>,
        table: &str,
    ) -> Result<Option<RecordBatch>, StoreError> {
        Ok(Some(match table {
            "events" => encode::events_batch(y.events, y.snapshot, 0..y.events.len())?,
            "snapshot" => encode::snapshot_batch(y.snapshot, 0..y.snapshot.len())?,
            "workforce_needs" => encode::needs_batch(y.foundation)?,
            "year_summary" => encode::summary_batch(y.summary)?,
            "plan_ledger" => encode::plan_ledger_batch(
                y.plan_ledger,
                y.snapshot,
                &encode::derived::Derivation::none(y.plan_ledger).stored,
            )?,
            "employer_cost_by_cohort" => encode::cohort_batch(y.snapshot)?,
            "compliance_tests" => encode::compliance_batch(y.compliance_tests)?,
            "weekly_balances" => encode::balances_batch(y.balances, y.snapshot)?,
            _ => return Ok(None),
        }))
    }

    /// The bytes of the year's Arrow arrays.
    pub fn arrow_bytes(&self) -> u64 {
        self.tables()
            .iter()
            .map(|(_, b)| b.get_array_memory_size() as u64)
            .sum()
    }

    /// `(stored table, batch)` in write order: the chunks of the large tables still held,
    /// then the small tables.
    pub fn tables(&self) -> Vec<(&'static str, &RecordBatch)> {
        let mut out: Vec<(&'static str, &RecordBatch)> =
            self.rows.iter().map(|c| (c.table, &c.batch)).collect();
        out.extend([
            ("employees", &self.hires),
            ("workforce_needs", &self.needs),
            ("year_summary", &self.summary),
            ("employer_cost_by_cohort", &self.cohorts),
            ("compliance_tests", &self.compliance_tests),
            ("weekly_balances", &self.balances),
            ("stage_timings", &self.timings),
        ]);
        out
    }
}
