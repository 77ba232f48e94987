//! The two outputs of a run behind one interface (the shape of hyperfine's exporters): a
//! DuckDB file ([`Store`]) and a Parquet directory ([`ParquetOut`]). [`Format`] says how an
//! output of its kind is opened, begun, reopened and put in place; [`RunSink`] is the output
//! being written, one year per call, each committed whole or not at all. The run pipeline
//! ([`crate::pipeline`]) is written once against these.

use crate::ownership::{check_owned_dir, RUN_LAYOUT};
use crate::parquet_output::{make_views, RESULTS_DB};
use crate::place::{beside, failed, replace_dir};
use crate::{EncodedYear, ParquetOut, RowChunk, RunHeader, Store, StoreError};
use std::path::{Path, PathBuf};
use workforce_sim_core::census::staging::StagedRow;
use workforce_sim_core::report::StatementCounts;

/// How a run's results are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// One DuckDB file.
    #[default]
    Duckdb,
    /// A directory of hive-partitioned Parquet files and a `results.duckdb` of views.
    Parquet,
}

/// What an output records beyond the results, set when it is opened.
#[derive(Debug, Clone, Copy, Default)]
pub struct SinkOptions {
    /// DuckDB's own statement log, counted beside the store's ([`Store::audited_statements`]).
    pub audited: bool,
    /// The naive orchestration: every stage also to its own table in its own transaction
    /// (a DuckDB file only).
    pub materialize_stages: bool,
}

/// A run's output being written.
pub trait RunSink: Send {
    /// Writes one chunk of a year's large tables; the year is committed by
    /// [`RunSink::write`], with the rest of it.
    fn append_rows(&mut self, chunk: &RowChunk) -> Result<(), StoreError>;
    /// Writes (the rest of) one year and commits it.
    fn write(&mut self, year: &EncodedYear) -> Result<(), StoreError>;
    /// The DuckDB catalog of the run (its metadata, resume point and committed state).
    fn catalog(&mut self) -> &mut Store;
    /// Marks the run complete and closes the output (checkpointed: no write-ahead log);
    /// returns the statements it ran.
    fn finish(self: Box<Self>, init_seconds: f64) -> Result<StatementCounts, StoreError>;
}

impl RunSink for Store {
    fn append_rows(&mut self, chunk: &RowChunk) -> Result<(), StoreError> {
        self.append_rows(chunk)
    }

    fn write(&mut self, year: &EncodedYear) -> Result<(), StoreError> {
        if self.materialize {
            self.materialize_stages(year)?;
        }
        self.write_encoded(year)
    }

    fn catalog(&mut self) -> &mut Store {
        self
    }

    fn finish(mut self: Box<Self>, init_seconds: f64) -> Result<StatementCounts, StoreError> {
        self.finish_run(init_seconds)?;
        let mut counts = self.counts();
        if self.audited {
            counts.audited = Some(self.audited_statements()?);
        }
        Ok(counts)
    }
}

impl RunSink for ParquetOut {
    fn append_rows(&mut self, chunk: &RowChunk) -> Result<(), StoreError> {
        self.append_rows(chunk)
    }

    fn write(&mut self, year: &EncodedYear) -> Result<(), StoreError> {
        self.write_year(year)
    }

    fn catalog(&mut self) -> &mut Store {
        ParquetOut::catalog(self)
    }

    fn finish(self: Box<Self>, init_seconds: f64) -> Result<StatementCounts, StoreError> {
        ParquetOut::finish(*self, init_seconds)
    }
}

impl Format {
    /// `duckdb` or `parquet`, as the run header records it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Duckdb => "duckdb",
            Format::Parquet => "parquet",
        }
    }

    /// The DuckDB file that describes an output at `root`: the file itself, or the
    /// directory's `results.duckdb`.
    pub fn catalog(self, root: &Path) -> PathBuf {
        match self {
            Format::Duckdb => root.to_path_buf(),
            Format::Parquet => root.join(RESULTS_DB),
        }
    }

    /// Opens the (empty) catalog of a new output at `path`: the part of beginning a run that
    /// needs no census, so a run does it while the census is read.
    pub fn open_catalog(self, path: &Path, options: SinkOptions) -> Result<Store, StoreError> {
        match self {
            Format::Duckdb => open_store(path, options),
            Format::Parquet => ParquetOut::open_catalog(path, options.audited),
        }
    }

    /// Writes the run header and the census rows into a catalog from [`Format::open_catalog`]:
    /// the new output, ready for its years.
    pub fn begin(
        self,
        path: &Path,
        mut catalog: Store,
        header: &RunHeader,
        census: &[StagedRow],
    ) -> Result<Box<dyn RunSink>, StoreError> {
        Ok(match self {
            Format::Duckdb => {
                catalog.begin_run(header, census)?;
                Box::new(catalog)
            }
            Format::Parquet => Box::new(ParquetOut::begin(path, catalog, header, census)?),
        })
    }

    /// Opens an existing output at `path` to continue it (a Parquet directory loses what a
    /// crash left of an uncommitted year).
    pub fn reopen(self, path: &Path, options: SinkOptions) -> Result<Box<dyn RunSink>, StoreError> {
        Ok(match self {
            Format::Duckdb => Box::new(open_store(path, options)?),
            Format::Parquet => Box::new(ParquetOut::open(path, options.audited)?),
        })
    }

    /// Puts the complete output written at `partial` in place of `root` (one rename for a
    /// file; a directory is replaced whole, see [`replace_dir`]), then makes what must name
    /// the final path (a Parquet output's views).
    pub fn publish(self, partial: &Path, root: &Path) -> Result<(), StoreError> {
        match self {
            Format::Duckdb => {
                if wal_path(partial).exists() {
                    return Err(StoreError::State {
                        path: partial.to_path_buf(),
                        message: format!(
                            "still has a write-ahead log after its checkpoint; {} was left as it was",
                            root.display()
                        ),
                    });
                }
                crate::place::fault::point("run:before-publish");
                std::fs::rename(partial, root)
                    .and_then(|()| crate::place::sync_parent(root))
                    .map_err(failed(root, "cannot rename the completed run into place"))
            }
            Format::Parquet => {
                if root.exists() {
                    check_owned_dir(root, RUN_LAYOUT, "replace")?;
                }
                crate::place::fault::point("run:before-publish");
                replace_dir(partial, root)?;
                crate::place::fault::point("run:before-views");
                make_views(root)
            }
        }
    }

    /// Removes an unfinished output: a database file and its write-ahead log, or a
    /// directory.
    pub fn remove_unfinished(path: &Path) -> Result<(), StoreError> {
        if path.is_dir() {
            return std::fs::remove_dir_all(path).map_err(failed(path, "cannot remove"));
        }
        for p in [path.to_path_buf(), wal_path(path)] {
            if p.exists() {
                std::fs::remove_file(&p).map_err(failed(&p, "cannot remove"))?;
            }
        }
        Ok(())
    }
}

/// `DB.wal`: DuckDB's write-ahead log of a database file.
pub fn wal_path(db: &Path) -> PathBuf {
    beside(db, ".wal")
}

fn open_store(path: &Path, options: SinkOptions) -> Result<Store, StoreError> {
    let mut store = if options.audited {
        Store::open_audited(path)?
    } else {
        Store::open(path)?
    };
    store.materialize = options.materialize_stages;
    Ok(store)
}
