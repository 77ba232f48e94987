//! Runs with a store: the year loop of the core ([`workforce_sim_core::year`]) on the chosen
//! engine, each year persisted in one transaction by a writer thread while the next year is
//! computed, and resume from the last committed year. Also the in-memory run on any engine.
//!
//! A run never destroys the last good result: a new run is written beside the old one
//! (`FILE.partial`) and renamed over it only once complete, and it refuses to replace a run
//! of another census or configuration unless told to ([`Output::overwrite`]).

use crate::engines::build_engine;
use crate::Error;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Instant;
use workforce_sim_core::config::ValidConfig;
use workforce_sim_core::report::{RunReport, Stage, StageTiming, StatementCounts};
use workforce_sim_core::state::Workforce;
use workforce_sim_core::year::{
    self, effective_threads, new_report, run_id, with_pool, CensusInput, InMemoryRun,
    PreparedCensus, Progress, RunOptions, YearOutput,
};
use workforce_sim_store::parquet_out::{make_views, RESULTS_DB};
use workforce_sim_store::{
    census_fingerprint, stored_run, DuckdbParquet, EncodedYear, ParquetOut, ResumePoint, RunHeader,
    Store, StoreError, YearTables, YearWriter,
};

/// How a run's results are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// One DuckDB file.
    #[default]
    Duckdb,
    /// A directory of hive-partitioned Parquet files and a `results.duckdb` of views.
    Parquet,
}

/// Where a run's results go.
#[derive(Debug, Clone)]
pub struct Output {
    /// The results database file, or the Parquet output directory.
    pub path: PathBuf,
    pub format: Format,
    /// Replace an existing run even if it was made from another census or configuration.
    pub overwrite: bool,
}

impl Output {
    pub fn duckdb(path: impl Into<PathBuf>) -> Output {
        Output {
            path: path.into(),
            format: Format::Duckdb,
            overwrite: false,
        }
    }

    pub fn parquet(dir: impl Into<PathBuf>) -> Output {
        Output {
            path: dir.into(),
            format: Format::Parquet,
            overwrite: false,
        }
    }

    /// The DuckDB file that describes the run: the file itself, or the directory's
    /// `results.duckdb`.
    fn catalog(&self, root: &Path) -> PathBuf {
        match self.format {
            Format::Duckdb => root.to_path_buf(),
            Format::Parquet => root.join(RESULTS_DB),
        }
    }
}

pub use workforce_sim_store::place::partial_path;
use workforce_sim_store::place::{beside, replace_dir, restore_replaced};

fn wal_path(db: &Path) -> PathBuf {
    beside(db, ".wal")
}

fn io(what: &str, path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let message = format!("{what} {}", path.display());
    move |e| Error::Output(format!("{message}: {e}"))
}

/// Reads and stages the census, CSV or Parquet. Fails before anything is written anywhere.
pub fn prepare_census(config: &ValidConfig, input: &CensusInput) -> Result<PreparedCensus, Error> {
    Ok(year::prepare_census_with(
        config,
        input,
        Some(&DuckdbParquet),
    )?)
}

/// Simulates without a database on `options.engine`, keeping every year's events and
/// snapshot.
pub fn simulate_in_memory(
    config: &ValidConfig,
    census: &PreparedCensus,
    options: &RunOptions,
) -> Result<InMemoryRun, Error> {
    let engine = build_engine(options.engine)?;
    Ok(year::simulate_in_memory_on(
        config,
        census,
        options,
        engine.as_ref(),
    )?)
}

/// Simulates without a database on `options.engine`, handing each year's events and
/// snapshot to `accumulated` as soon as they are built and each completed year to `keep`
/// before the next one starts (see [`year::simulate_each_year`]; either can pass them to
/// another thread, as [`crate::arrow_run`]'s encoder does); returns the report.
pub fn simulate_each_year(
    config: &ValidConfig,
    census: &PreparedCensus,
    options: &RunOptions,
    accumulated: &mut year::AccumulatedHook<'_, Error>,
    keep: &mut (dyn FnMut(&year::YearOutput<'_>) -> Result<(), Error> + Send),
) -> Result<RunReport, Error> {
    let engine = build_engine(options.engine)?;
    year::simulate_each_year(config, census, options, engine.as_ref(), accumulated, keep)
}

/// Runs a whole simulation into a new DuckDB file at `db` (see [`simulate_to`]); an existing
/// run there is replaced only if it is the same census and configuration.
pub fn simulate_to_database(
    config: &ValidConfig,
    input: &CensusInput,
    db: &Path,
    options: &RunOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<RunReport, Error> {
    simulate_to(config, input, &Output::duckdb(db), options, progress)
}

/// Runs a whole simulation into `output`. Bad input fails leaving no file behind. The
/// run is written to `FILE.partial` and renamed over `FILE` when complete, so the previous
/// result stays whole and readable until then, and a crash leaves it untouched (and the
/// partial run to `--resume`). A previous run of another census or configuration is
/// replaced only with [`Output::overwrite`]; the same census and configuration give the
/// same result, so that one is simply rerun.
pub fn simulate_to(
    config: &ValidConfig,
    input: &CensusInput,
    output: &Output,
    options: &RunOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<RunReport, Error> {
    let started = Instant::now();
    let root = output.path.as_path();
    if output.format == Format::Parquet && options.materialize_stages {
        return Err(Error::Output(
            "--materialize-stages writes each stage to its own DuckDB table; it has no Parquet form (use --db)".into(),
        ));
    }
    if output.format == Format::Parquet {
        restore_replaced(root)?;
        if root.exists() && !output.catalog(root).exists() && !output.overwrite {
            return Err(Error::Exists(format!(
                "{} exists and is not a Parquet output of workforce-sim (no {RESULTS_DB}); pass --overwrite to replace it, or --out to write elsewhere",
                root.display()
            )));
        }
    }
    let engine = build_engine(options.engine)?;
    // A Parquet output with nothing in its place is written in place (no rename, its views
    // made once, after the first year); otherwise beside, and renamed when complete.
    let in_place = output.format == Format::Parquet && !root.exists();
    let partial = if in_place {
        root.to_path_buf()
    } else {
        partial_path(root)
    };
    if !in_place && partial.exists() {
        tracing::warn!(
            "replacing the unfinished run in {} (--resume would have continued it)",
            partial.display()
        );
        remove_output(&partial)?;
    }
    // The new file is opened (DuckDB's start-up) while the census is read and staged; if the
    // census or the check of what is in place fails, the new file is removed again.
    let (census, opened) = std::thread::scope(|scope| {
        let opener = scope.spawn(|| match output.format {
            Format::Duckdb => open_store(&partial, options),
            Format::Parquet => Ok(ParquetOut::open_catalog(
                &partial,
                options.audit_statements,
            )?),
        });
        let census = prepare_census(config, input).and_then(|census| {
            let fingerprint = census_fingerprint(&census.staged.rows);
            // (In place, nothing was there: the catalog being created is the new run's.)
            if !in_place {
                check_replaceable(
                    &output.catalog(root),
                    config,
                    &fingerprint,
                    output.overwrite,
                )?;
            }
            Ok((census, fingerprint))
        });
        let opened = opener
            .join()
            .unwrap_or_else(|_| Err(Error::Output("opening the output panicked".into())));
        (census, opened)
    });
    let (store, census, fingerprint) = match (opened, census) {
        (Ok(store), Ok((census, fingerprint))) => (store, census, fingerprint),
        (opened, Err(e)) => {
            drop(opened);
            let _ = remove_output(&partial);
            return Err(e);
        }
        (Err(e), Ok(_)) => {
            let _ = remove_output(&partial);
            return Err(e);
        }
    };
    let header = RunHeader {
        run_id: run_id(),
        engine: options.engine.as_str().to_string(),
        config: config.clone(),
        census_source: census.source.clone(),
        census_fingerprint: fingerprint,
        baseline_headcount: census.staged.baseline.len() as u64,
        threads: effective_threads(options.threads),
        format: match output.format {
            Format::Duckdb => "duckdb",
            Format::Parquet => "parquet",
        },
    };
    let mut report = new_report(
        config,
        options,
        &census.source,
        census.staged.rows.len() as u64,
        census.staged.baseline.len() as u64,
        Some(root),
    );
    report.run_id = header.run_id.clone();
    report.warnings = census.warnings.clone();
    let baseline = census.staged.baseline.clone();
    let (header_ref, rows, partial_ref) = (&header, &census.staged.rows, &partial);
    match output.format {
        Format::Duckdb => {
            let begin = move || -> Result<Store, Error> {
                let mut store = store;
                if let Err(e) = store.begin_run(header_ref, rows) {
                    drop(store);
                    let _ = remove_output(partial_ref);
                    return Err(e.into());
                }
                Ok(store)
            };
            let (mut store, init_seconds) = run_into(
                config,
                engine.as_ref(),
                Start::Begin(Box::new(begin)),
                baseline,
                config.years(),
                options,
                &mut report,
                progress,
            )?;
            initialized(&mut report, init_seconds);
            store.finish_run(init_seconds)?;
            report.statements = counts(&store, options)?;
            drop(store);
            replace(&partial, root)?;
        }
        Format::Parquet => {
            let begin = move || -> Result<ParquetOut, Error> {
                ParquetOut::begin(partial_ref, store, header_ref, rows).map_err(|e| {
                    let _ = remove_output(partial_ref);
                    e.into()
                })
            };
            let (out, init_seconds) = run_into(
                config,
                engine.as_ref(),
                Start::Begin(Box::new(begin)),
                baseline,
                config.years(),
                options,
                &mut report,
                progress,
            )?;
            initialized(&mut report, init_seconds);
            report.statements = out.finish(init_seconds)?;
            if !in_place {
                replace_dir(&partial, root)?;
                make_views(root)?;
            }
        }
    }
    report.total_seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Records the initialization stage (the schema, run header and census rows written).
fn initialized(report: &mut RunReport, seconds: f64) {
    report.stages.push(StageTiming {
        year: None,
        stage: Stage::Initialization,
        seconds,
    });
}

/// Refuses to replace a results database of another census or configuration (or a file
/// that is not one) unless `overwrite`; the message says what is there. A database with a
/// write-ahead log left by a crash is checkpointed first, so that it stays whole until the
/// new run replaces it.
fn check_replaceable(
    db: &Path,
    config: &ValidConfig,
    census: &str,
    overwrite: bool,
) -> Result<(), Error> {
    if !db.exists() {
        return Ok(());
    }
    if wal_path(db).exists() {
        drop(Store::open(db)?);
    }
    if overwrite {
        return Ok(());
    }
    let hint = "pass --overwrite to replace it, or --db to write elsewhere";
    let stored = stored_run(db).map_err(|e| {
        Error::Exists(format!(
            "{} exists and cannot be read as a results database ({e}); {hint}",
            db.display()
        ))
    })?;
    let mut differs = Vec::new();
    if stored.census_fingerprint != census {
        differs.push(format!("census {}", stored.census_fingerprint));
    }
    if stored.config_fingerprint != config.fingerprint() {
        differs.push(format!("configuration {}", stored.config_fingerprint));
    }
    if differs.is_empty() {
        return Ok(());
    }
    Err(Error::Exists(format!(
        "{} holds {}; this run has another {} (census {}, configuration {}); {hint}",
        db.display(),
        stored.describe(),
        if differs.len() == 2 {
            "census and configuration"
        } else if differs[0].starts_with("census") {
            "census"
        } else {
            "configuration"
        },
        census,
        config.fingerprint(),
    )))
}

/// Renames a completed `partial` database over `db` (one atomic rename on the same file
/// system). The partial was checkpointed and closed, so it has no write-ahead log.
fn replace(partial: &Path, db: &Path) -> Result<(), Error> {
    if wal_path(partial).exists() {
        return Err(Error::Output(format!(
            "{} still has a write-ahead log after its checkpoint; {} was left as it was",
            partial.display(),
            db.display()
        )));
    }
    std::fs::rename(partial, db).map_err(io("cannot rename the completed run to", db))
}

/// The year loop with a writer thread: year N is encoded on the loop's thread and handed to
/// the writer, which writes and commits it while the loop computes year N+1. The channel
/// holds no year (a rendezvous), so at most one year is in flight besides the one being
/// computed and memory stays bounded. Progress is reported as the writer commits.
#[allow(clippy::too_many_arguments)]
fn run_into<W: YearWriter + Materialize>(
    config: &ValidConfig,
    engine: &dyn workforce_sim_core::Engine,
    start: Start<'_, W>,
    prior: Workforce,
    years: std::ops::RangeInclusive<i32>,
    options: &RunOptions,
    report: &mut RunReport,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<(W, f64), Error> {
    let naive = options.materialize_stages;
    let years_total = years.clone().count();
    std::thread::scope(|scope| {
        let (send, receive) = mpsc::sync_channel::<EncodedYear>(0);
        let writer = scope.spawn(move || -> Result<(W, f64), Error> {
            let begun = Instant::now();
            let mut store = match start {
                Start::Ready(w) => w,
                Start::Begin(begin) => begin()?,
            };
            let init_seconds = begun.elapsed().as_secs_f64();
            for (done, year) in receive.into_iter().enumerate() {
                if naive {
                    store.materialize(&year)?;
                }
                store.write(&year)?;
                progress(Progress {
                    year: year.year,
                    years_done: done + 1,
                    years_total,
                    ending_headcount: year.ending_headcount,
                });
            }
            Ok((store, init_seconds))
        });
        let mut sink = move |y: &YearOutput<'_>, timings: &[(String, f64)]| -> Result<(), Error> {
            let encoded = EncodedYear::new(&YearTables {
                foundation: y.foundation,
                events: y.events,
                snapshot: y.snapshot,
                plan_ledger: y.plan_ledger,
                balances: y.balances,
                compliance_tests: y.compliance_tests,
                summary: y.summary,
                timings,
            })?;
            // A closed channel means the writer failed; its error is reported below.
            send.send(encoded).map_err(|_| Error::WriterStopped)
        };
        let computed = with_pool(options.threads, || {
            year::run_years(config, engine, prior, years, report, &mut sink, &mut |_| {})
        });
        drop(sink);
        let wait = Instant::now();
        let written = writer
            .join()
            .map_err(|_| Error::Output("the writer thread panicked".into()))?;
        report.stages.push(StageTiming {
            year: None,
            stage: Stage::Persistence,
            seconds: wait.elapsed().as_secs_f64(),
        });
        match (computed, written) {
            (_, Err(e)) => Err(e),
            (Err(e), _) => Err(e.into()),
            (Ok(Err(e)), _) => Err(e),
            (Ok(Ok(_)), Ok(written)) => Ok(written),
        }
    })
}

/// How the writer thread gets its writer: already open (a resume), or made there (a new
/// run: its schema and census rows are written while the loop computes the first year).
enum Start<'a, W> {
    Ready(W),
    Begin(Box<dyn FnOnce() -> Result<W, Error> + Send + 'a>),
}

/// The naive orchestration's extra writes (each stage to its own table): a DuckDB file
/// only.
trait Materialize {
    fn materialize(&mut self, y: &EncodedYear) -> Result<(), StoreError>;
}

impl Materialize for Store {
    fn materialize(&mut self, y: &EncodedYear) -> Result<(), StoreError> {
        self.materialize_stages(y)
    }
}

/// Never called: [`simulate_to`] refuses `materialize_stages` with a Parquet output.
impl Materialize for ParquetOut {
    fn materialize(&mut self, _: &EncodedYear) -> Result<(), StoreError> {
        Ok(())
    }
}

/// Continues an interrupted run from its last committed year: the unfinished `FILE.partial`
/// of a new run if there is one (renamed over `FILE` when it completes), else `FILE` itself
/// (a later `end_year` extends a completed run in place, a year per transaction). The
/// stored configuration is used (validated again as it is read); a `config` given by the
/// caller must match it except for a later `end_year`, and a `census` given by the caller
/// must be the one the run was started from.
pub fn resume_database(
    db: &Path,
    config: Option<&ValidConfig>,
    census: Option<&CensusInput>,
    options: &RunOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<RunReport, Error> {
    resume_output(&Output::duckdb(db), config, census, options, progress)
}

/// [`resume_database`] for any output: a DuckDB file or a Parquet directory (where the
/// files of a year after the last committed one, left by a crash, are removed first).
pub fn resume_output(
    output: &Output,
    config: Option<&ValidConfig>,
    census: Option<&CensusInput>,
    options: &RunOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<RunReport, Error> {
    let root = output.path.as_path();
    if output.format == Format::Parquet {
        restore_replaced(root)?;
    }
    let partial = partial_path(root);
    let target = if partial.exists() {
        partial.clone()
    } else if root.exists() {
        root.to_path_buf()
    } else {
        return Err(Error::Resume(format!("{} does not exist", root.display())));
    };
    let started = Instant::now();
    let mut report = match output.format {
        Format::Duckdb => {
            let mut store = open_store(&target, options)?;
            let (stored, first, prior, mut report) =
                resume_plan(&mut store, &target, root, config, census, options)?;
            let engine = build_engine(options.engine)?;
            let (mut store, _) = run_into(
                &stored,
                engine.as_ref(),
                Start::Ready(store),
                prior,
                first..=stored.simulation.end_year,
                options,
                &mut report,
                progress,
            )?;
            store.finish_run(0.0)?;
            report.statements = counts(&store, options)?;
            drop(store);
            if target == partial {
                replace(&partial, root)?;
            }
            report
        }
        Format::Parquet => {
            let mut out = ParquetOut::open(&target, options.audit_statements)?;
            let (stored, first, prior, mut report) =
                resume_plan(out.catalog(), &target, root, config, census, options)?;
            let engine = build_engine(options.engine)?;
            let (out, _) = run_into(
                &stored,
                engine.as_ref(),
                Start::Ready(out),
                prior,
                first..=stored.simulation.end_year,
                options,
                &mut report,
                progress,
            )?;
            report.statements = out.finish(0.0)?;
            if target == partial {
                replace_dir(&partial, root)?;
            }
            make_views(root)?;
            report
        }
    };
    report.total_seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// What a resume continues: the stored configuration (with a later end year if asked),
/// the first year to run, the workforce after the last committed year and the report.
/// Flags that contradict the stored run (configuration, census, engine) are errors.
fn resume_plan(
    store: &mut Store,
    target: &Path,
    root: &Path,
    config: Option<&ValidConfig>,
    census: Option<&CensusInput>,
    options: &RunOptions,
) -> Result<(ValidConfig, i32, Workforce, RunReport), Error> {
    let point: ResumePoint = store.resume_point()?;
    let mut stored = point.config.clone().into_inner();
    if let Some(c) = config {
        let mut a = c.config().clone();
        a.simulation.end_year = stored.simulation.end_year;
        if a != stored {
            return Err(Error::Resume(format!(
                "the configuration differs from the one the run in {} was started with (fingerprint {} vs {}); run without --resume to start over",
                target.display(),
                c.fingerprint(),
                stored.fingerprint()
            )));
        }
        if c.simulation.end_year < stored.simulation.end_year {
            return Err(Error::Resume(format!(
                "end year {} is before the run's end year {}",
                c.simulation.end_year, stored.simulation.end_year
            )));
        }
        stored.simulation.end_year = c.simulation.end_year;
    }
    if let Some(input) = census {
        let given = prepare_census(&point.config, input)?;
        let fingerprint = census_fingerprint(&given.staged.rows);
        if fingerprint != point.census_fingerprint {
            return Err(Error::Resume(format!(
                "the census given ({}, {} rows, fingerprint {fingerprint}) is not the one the run in {} was started from (fingerprint {}); run without --resume to start over",
                given.source,
                given.staged.rows.len(),
                target.display(),
                point.census_fingerprint
            )));
        }
    }
    if point.engine != options.engine.as_str() {
        return Err(Error::Resume(format!(
            "the run was started with the {} engine, not {}",
            point.engine,
            options.engine.as_str()
        )));
    }
    let stored = stored.validate()?;
    let first = point
        .last_committed_year
        .map_or(stored.simulation.start_year, |y| y + 1);
    if first > stored.simulation.end_year {
        return Err(Error::Resume(format!(
            "nothing to resume: every year through {} is already committed",
            stored.simulation.end_year
        )));
    }
    if stored.simulation.end_year != point.config.simulation.end_year {
        store.extend_end_year(&stored)?;
    }
    let prior = store.load_workforce(point.last_committed_year)?;
    let mut report = new_report(
        &stored,
        options,
        "resumed",
        point.census_rows,
        prior.len() as u64,
        Some(root),
    );
    report.run_id = point.run_id;
    report.resumed_after = point.last_committed_year;
    Ok((stored, first, prior, report))
}

fn open_store(db: &Path, options: &RunOptions) -> Result<Store, Error> {
    Ok(if options.audit_statements {
        Store::open_audited(db)?
    } else {
        Store::open(db)?
    })
}

/// The store's counts, with DuckDB's own count beside them when the run is audited.
fn counts(store: &Store, options: &RunOptions) -> Result<StatementCounts, Error> {
    let mut c = store.counts();
    if options.audit_statements {
        c.audited = Some(store.audited_statements()?);
    }
    Ok(c)
}

/// Removes an unfinished output: a database file and its write-ahead log, or a directory.
fn remove_output(db: &Path) -> Result<(), Error> {
    if db.is_dir() {
        return std::fs::remove_dir_all(db).map_err(io("cannot remove", db));
    }
    for p in [db.to_path_buf(), wal_path(db)] {
        if p.exists() {
            std::fs::remove_file(&p).map_err(io("cannot remove", &p))?;
        }
    }
    Ok(())
}
