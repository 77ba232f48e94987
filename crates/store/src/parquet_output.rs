//! The Parquet output: each stored table as hive-partitioned Parquet files that any engine
//! reads (`events/simulation_year=2025/part-0.parquet`, ...), zstd-compressed, and beside
//! them `results.duckdb`, a small DuckDB file with the run's metadata and stage timings as
//! tables and views over the files, so `duckdb DIR/results.duckdb` queries `events`,
//! `workforce_snapshot`, `census`, `workforce_needs` and `year_summary` as a database file.
//!
//! Layout (the lean tables of [`crate::schema`]; the partition column is in the path only):
//! `events/` (event_records), `plan_ledger/` (plan_ledger_records), `workforce_snapshot/`
//! (snapshot_records), `employees/` (the
//! census rows under the census year, each year's hires under that year),
//! `workforce_needs/`, `year_summary/`.
//!
//! A year is whole or absent: its files are written under `.staging/YEAR/`, renamed into
//! their partitions, and only then is the year committed, in one transaction of
//! `results.duckdb` (`run_metadata.last_committed_year`). The views show committed years
//! only, and a resume removes the partitions of any year after the last committed one.

use crate::{EncodedYear, RunHeader, Store, StoreError};
use duckdb::arrow::record_batch::RecordBatch;
use std::path::{Path, PathBuf};
use workforce_sim_core::census::staging::StagedRow;
use workforce_sim_core::config::ValidConfig;

/// The file of metadata and views inside a Parquet output directory.
pub const RESULTS_DB: &str = "results.duckdb";

/// The partitioned tables: (directory, stored table whose columns the files hold).
pub const PARTITIONED: [(&str, &str); 9] = [
    ("events", "event_records"),
    ("plan_ledger", "plan_ledger_records"),
    ("workforce_snapshot", "snapshot_records"),
    ("employees", "employees"),
    ("workforce_needs", "workforce_needs"),
    ("year_summary", "year_summary"),
    ("employer_cost_by_cohort", "employer_cost_by_cohort"),
    ("compliance_tests", "compliance_tests"),
    ("weekly_balances", "weekly_balances"),
];

/// A Parquet output directory being written.
pub struct ParquetOut {
    /// The directory being written, absolute (the views name their files by it).
    dir: PathBuf,
    /// `results.duckdb`: metadata, timings, the commit of each year, the views.
    catalog: Store,
    /// The run's configuration (the views' band labels).
    config: ValidConfig,
    /// Whether the views exist: made after the first committed year (when every table has
    /// a file), on the writer thread while the next year is computed.
    views: bool,
}

fn io(path: &Path, what: &str) -> impl FnOnce(std::io::Error) -> StoreError {
    let (path, what) = (path.to_path_buf(), what.to_string());
    move |e| StoreError::State {
        path,
        message: format!("{what}: {e}"),
    }
}

impl ParquetOut {
    /// Creates the directory (which must not exist) and writes the run header and the
    /// census rows.
    pub fn create(
        dir: &Path,
        meta: &RunHeader,
        census: &[StagedRow],
        audited: bool,
    ) -> Result<ParquetOut, StoreError> {
        let catalog = ParquetOut::open_catalog(dir, audited)?;
        ParquetOut::begin(dir, catalog, meta, census)
    }

    /// Creates the directory and opens its (empty) `results.duckdb`: the part of
    /// [`ParquetOut::create`] that needs no census, so a run can do it while the census is
    /// read.
    pub fn open_catalog(dir: &Path, audited: bool) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(io(dir, "cannot create the output directory"))?;
        let db = dir.join(RESULTS_DB);
        if audited {
            Store::open_audited(&db)
        } else {
            Store::open(&db)
        }
    }

    /// Writes the run header and the census rows into a catalog from
    /// [`ParquetOut::open_catalog`].
    pub fn begin(
        dir: &Path,
        mut catalog: Store,
        meta: &RunHeader,
        census: &[StagedRow],
    ) -> Result<ParquetOut, StoreError> {
        let dir = &std::fs::canonicalize(dir).map_err(io(dir, "cannot resolve"))?;
        catalog.begin_catalog(meta, census.len())?;
        let out = ParquetOut {
            dir: dir.to_path_buf(),
            catalog,
            config: meta.config.clone(),
            views: false,
        };
        let census_year = meta.config.census_year();
        let batch = crate::encode::census_batch(census, census_year)?;
        let staging = out.staging(census_year);
        stage("employees", &batch, &staging)?;
        out.publish("employees", census_year, &staging)?;
        Ok(out)
    }

    /// Opens an existing output directory to resume it: removes what a crash left of an
    /// uncommitted year, and makes its views (over this directory) for reading the
    /// committed state back.
    pub fn open(dir: &Path, audited: bool) -> Result<ParquetOut, StoreError> {
        let db = dir.join(RESULTS_DB);
        if !db.exists() {
            return Err(StoreError::State {
                path: dir.to_path_buf(),
                message: format!("no {RESULTS_DB}: not a Parquet output of workforce-sim"),
            });
        }
        let catalog = if audited {
            Store::open_audited(&db)?
        } else {
            Store::open(&db)?
        };
        let dir = &std::fs::canonicalize(dir).map_err(io(dir, "cannot resolve"))?;
        let point = catalog.resume_point()?;
        let mut out = ParquetOut {
            dir: dir.to_path_buf(),
            catalog,
            config: point.config.clone(),
            views: true,
        };
        let staging = dir.join(".staging");
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(io(&staging, "cannot remove"))?;
        }
        let census_year = point.config.census_year();
        let last = point.last_committed_year.unwrap_or(census_year);
        for (table, _) in PARTITIONED {
            let root = dir.join(table);
            let Ok(entries) = std::fs::read_dir(&root) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let year: Option<i32> = name
                    .strip_prefix("simulation_year=")
                    .and_then(|y| y.parse().ok());
                if year.is_some_and(|y| y > last) {
                    std::fs::remove_dir_all(entry.path())
                        .map_err(io(&entry.path(), "cannot remove an uncommitted year"))?;
                }
            }
        }
        out.catalog.create_views(&point.config, dir)?;
        Ok(out)
    }

    /// The catalog: resume point, workforce read back, counts.
    pub fn catalog(&mut self) -> &mut Store {
        &mut self.catalog
    }

    fn staging(&self, year: i32) -> PathBuf {
        self.dir.join(".staging").join(year.to_string())
    }

    fn publish(&self, table: &str, year: i32, staging: &Path) -> Result<(), StoreError> {
        let file = staging.join(format!("{table}.parquet"));
        if !file.exists() {
            return Ok(());
        }
        let partition = self.dir.join(table).join(format!("simulation_year={year}"));
        std::fs::create_dir_all(&partition).map_err(io(&partition, "cannot create"))?;
        let target = partition.join("part-0.parquet");
        std::fs::rename(&file, &target).map_err(io(&target, "cannot rename into place"))?;
        // The partition's entry (and a new partition's own) on disk before the commit.
        crate::place::sync_dir(&partition)
            .and_then(|()| crate::place::sync_parent(&partition))
            .map_err(io(&partition, "cannot flush"))
    }

    /// Marks the run complete and closes `results.duckdb` (checkpointed). The views name
    /// this directory's path: a directory renamed afterwards needs [`make_views`] again
    /// (DuckDB binds a view's files as it creates it).
    pub fn finish(mut self, init_seconds: f64) -> Result<crate::StatementCounts, StoreError> {
        self.catalog.finish_run(init_seconds)?;
        let staging = self.dir.join(".staging");
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(io(&staging, "cannot remove"))?;
        }
        Ok(self.catalog.counts())
    }
}

/// Writes the views of the completed output in `dir` into its `results.duckdb`, over the
/// files at `dir`'s absolute path.
pub fn make_views(dir: &Path) -> Result<(), StoreError> {
    let t0 = std::time::Instant::now();
    let dir = std::fs::canonicalize(dir).map_err(io(dir, "cannot resolve"))?;
    let mut catalog = Store::open(&dir.join(RESULTS_DB))?;
    tracing::debug!(ms = t0.elapsed().as_secs_f64() * 1e3, "catalog reopened");
    let point = catalog.resume_point()?;
    catalog.create_views(&point.config, &dir)?;
    tracing::debug!(ms = t0.elapsed().as_secs_f64() * 1e3, "views created");
    catalog.checkpoint()?;
    tracing::debug!(
        ms = t0.elapsed().as_secs_f64() * 1e3,
        "catalog checkpointed"
    );
    drop(catalog);
    tracing::debug!(ms = t0.elapsed().as_secs_f64() * 1e3, "catalog closed");
    Ok(())
}

/// Writes `batch` as `staging/{table}.parquet` with arrow-rs's Parquet writer, zstd (then
/// [`ParquetOut::publish`] renames it into its partition). The partition column lives in
/// the path only.
fn stage(table: &str, batch: &RecordBatch, staging: &Path) -> Result<(), StoreError> {
    use parquet::arrow::ArrowWriter;
    use parquet::basic::{Compression, ZstdLevel};
    use parquet::file::properties::WriterProperties;
    std::fs::create_dir_all(staging).map_err(io(staging, "cannot create"))?;
    let path = staging.join(format!("{table}.parquet"));
    let fail = |e: parquet::errors::ParquetError| StoreError::State {
        path: path.clone(),
        message: format!("cannot write {table}: {e}"),
    };
    let keep: Vec<usize> = (0..batch.num_columns())
        .filter(|&i| batch.schema().field(i).name() != "simulation_year")
        .collect();
    let batch = batch.project(&keep).map_err(|e| StoreError::Encode {
        table: "parquet",
        message: e.to_string(),
    })?;
    let file = std::fs::File::create(&path).map_err(io(&path, "cannot create"))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(props)).map_err(fail)?;
    writer.write(&batch).map_err(fail)?;
    writer.close().map_err(fail)?;
    // On disk before the year's commit declares it (crate::place::sync_file).
    crate::place::sync_file(&path).map_err(io(&path, "cannot flush"))
}

impl ParquetOut {
    /// Stages the year's files, renames them into their partitions, then commits the year
    /// in `results.duckdb`.
    pub fn write_year(&mut self, y: &EncodedYear) -> Result<(), StoreError> {
        let staging = self.staging(y.year);
        let t0 = std::time::Instant::now();
        let files = [
            ("events", &y.events),
            ("plan_ledger", &y.plan_ledger),
            ("workforce_snapshot", &y.snapshot),
            ("employees", &y.hires),
            ("workforce_needs", &y.needs),
            ("year_summary", &y.summary),
            ("employer_cost_by_cohort", &y.cohorts),
            ("compliance_tests", &y.compliance_tests),
            ("weekly_balances", &y.balances),
        ];
        // The events file on a second thread while this one writes the others (arrow-rs's
        // writer is plain Rust: the two use both cores).
        std::thread::scope(|scope| -> Result<(), StoreError> {
            let at = &staging;
            let events = scope.spawn(move || stage("events", &y.events, at));
            for (table, batch) in &files[1..] {
                if batch.num_rows() > 0 {
                    stage(table, batch, at)?;
                }
            }
            events.join().map_err(|_| StoreError::State {
                path: at.clone(),
                message: "the events file writer panicked".into(),
            })?
        })?;
        tracing::debug!(
            year = y.year,
            ms = t0.elapsed().as_secs_f64() * 1e3,
            "staged"
        );
        for table in [
            "events",
            "plan_ledger",
            "workforce_snapshot",
            "employees",
            "workforce_needs",
            "year_summary",
            "employer_cost_by_cohort",
            "compliance_tests",
            "weekly_balances",
        ] {
            self.publish(table, y.year, &staging)?;
        }
        self.catalog.commit_parquet_year(y)?;
        if !self.views {
            self.catalog.create_views(&self.config, &self.dir)?;
            self.views = true;
        }
        tracing::debug!(
            year = y.year,
            ms = t0.elapsed().as_secs_f64() * 1e3,
            "committed"
        );
        Ok(())
    }
}
