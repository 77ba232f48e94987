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

use crate::{EncodedYear, RowChunk, RunHeader, Store, StoreError};
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
    /// The year whose large tables are being written, a chunk at a time, into their staged
    /// files ([`ParquetOut::append_rows`]); closed and published by [`ParquetOut::write_year`].
    open: Option<OpenYear>,
}

/// The staged files of a year's large tables, open for more chunks.
struct OpenYear {
    year: i32,
    files: Vec<(&'static str, StagedFile)>,
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
            open: None,
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
            open: None,
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

/// The directory of a large stored table's partitions.
fn directory_of(stored: &str) -> &'static str {
    PARTITIONED
        .iter()
        .find(|(_, t)| *t == stored)
        .map_or("unknown", |(dir, _)| dir)
}

/// A staged file being written: `staging/{table}.parquet` with arrow-rs's Parquet writer,
/// zstd, its row groups as the writer closes them (encoded pages, not the chunks' arrays, are
/// what it holds in between; then [`ParquetOut::publish`] renames it into its
/// partition). The partition column lives in the path only.
struct StagedFile {
    path: PathBuf,
    table: String,
    writer: parquet::arrow::ArrowWriter<std::fs::File>,
}

impl StagedFile {
    /// A staged file of `table` with the columns of `first`; `chunked`: more batches follow,
    /// whose columns may have nulls where `first`'s have none, so every column is optional.
    fn create(
        table: &str,
        first: &RecordBatch,
        staging: &Path,
        chunked: bool,
    ) -> Result<StagedFile, StoreError> {
        use parquet::arrow::ArrowWriter;
        use parquet::basic::{Compression, ZstdLevel};
        use parquet::file::properties::WriterProperties;
        std::fs::create_dir_all(staging).map_err(io(staging, "cannot create"))?;
        let path = staging.join(format!("{table}.parquet"));
        let file = std::fs::File::create(&path).map_err(io(&path, "cannot create"))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .build();
        let mut schema = without_year(first)?.schema();
        if chunked {
            let fields: Vec<_> = schema
                .fields()
                .iter()
                .map(|f| f.as_ref().clone().with_nullable(true))
                .collect();
            schema = std::sync::Arc::new(duckdb::arrow::datatypes::Schema::new(fields));
        }
        let writer = ArrowWriter::try_new(file, schema, Some(props))
            .map_err(|e| parquet_error(&path, table, e))?;
        Ok(StagedFile {
            path,
            table: table.to_string(),
            writer,
        })
    }

    fn write(&mut self, batch: &RecordBatch) -> Result<(), StoreError> {
        let batch = without_year(batch)?;
        self.writer
            .write(&batch)
            .map_err(|e| parquet_error(&self.path, &self.table, e))
    }

    fn close(self) -> Result<(), StoreError> {
        let StagedFile {
            path,
            table,
            writer,
        } = self;
        writer
            .close()
            .map_err(|e| parquet_error(&path, &table, e))?;
        // On disk before the year's commit declares it (crate::place::sync_file).
        crate::place::sync_file(&path).map_err(io(&path, "cannot flush"))
    }
}

fn parquet_error(path: &Path, table: &str, e: parquet::errors::ParquetError) -> StoreError {
    StoreError::State {
        path: path.to_path_buf(),
        message: format!("cannot write {table}: {e}"),
    }
}

/// The batch without its `simulation_year` column (a partition's value is in its path).
fn without_year(batch: &RecordBatch) -> Result<RecordBatch, StoreError> {
    let keep: Vec<usize> = (0..batch.num_columns())
        .filter(|&i| batch.schema().field(i).name() != "simulation_year")
        .collect();
    batch.project(&keep).map_err(|e| StoreError::Encode {
        table: "parquet",
        message: e.to_string(),
    })
}

/// Writes `batch` as the staged file `staging/{table}.parquet`, whole.
fn stage(table: &str, batch: &RecordBatch, staging: &Path) -> Result<(), StoreError> {
    let mut file = StagedFile::create(table, batch, staging, false)?;
    file.write(batch)?;
    file.close()
}

impl ParquetOut {
    /// Writes one chunk of a year's large table into its staged file (opened by the year's
    /// first chunk of it), so a year's rows are never all held at once.
    pub fn append_rows(&mut self, c: &RowChunk) -> Result<(), StoreError> {
        let appended = self.append(c);
        self.abandon_on_error(appended)
    }

    /// A failed year's staged files are dropped (the year is not committed; a resume or
    /// the next run removes what is staged).
    fn abandon_on_error(&mut self, r: Result<(), StoreError>) -> Result<(), StoreError> {
        if r.is_err() {
            self.open = None;
        }
        r
    }

    fn append(&mut self, c: &RowChunk) -> Result<(), StoreError> {
        // A year with no events still has its (empty) events file; an empty money ledger or
        // snapshot has none.
        if c.batch.num_rows() == 0 && c.table != "event_records" {
            return Ok(());
        }
        match &self.open {
            Some(open) if open.year != c.year => {
                return Err(StoreError::State {
                    path: self.dir.clone(),
                    message: format!(
                        "rows of year {} while year {} is not committed",
                        c.year, open.year
                    ),
                })
            }
            Some(_) => {}
            None => {
                let staging = self.staging(c.year);
                if staging.exists() {
                    std::fs::remove_dir_all(&staging).map_err(io(&staging, "cannot remove"))?;
                }
                self.open = Some(OpenYear {
                    year: c.year,
                    files: Vec::new(),
                });
            }
        }
        let staging = self.staging(c.year);
        let dir = directory_of(c.table);
        let open = self.open.as_mut().expect("opened above");
        let k = match open.files.iter().position(|(d, _)| *d == dir) {
            Some(k) => k,
            None => {
                open.files
                    .push((dir, StagedFile::create(dir, &c.batch, &staging, true)?));
                open.files.len() - 1
            }
        };
        open.files[k].1.write(&c.batch)
    }

    /// Writes the rest of the year (the chunks it still holds, its small tables), closes
    /// its staged files, renames them into their partitions, then commits the year in
    /// `results.duckdb`.
    pub fn write_year(&mut self, y: &EncodedYear) -> Result<(), StoreError> {
        let written = self.finish_year(y);
        self.abandon_on_error(written)
    }

    fn finish_year(&mut self, y: &EncodedYear) -> Result<(), StoreError> {
        let staging = self.staging(y.year);
        let t0 = std::time::Instant::now();
        for c in &y.rows {
            self.append(c)?;
        }
        if let Some(open) = self.open.take() {
            for (_, file) in open.files {
                file.close()?;
            }
        }
        let files = [
            ("employees", &y.hires),
            ("workforce_needs", &y.needs),
            ("year_summary", &y.summary),
            ("employer_cost_by_cohort", &y.cohorts),
            ("compliance_tests", &y.compliance_tests),
            ("weekly_balances", &y.balances),
        ];
        for (table, batch) in files {
            if batch.num_rows() > 0 {
                stage(table, batch, &staging)?;
            }
        }
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
