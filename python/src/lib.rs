//! `workforce_sim._native`: the Python extension module over the library (PyO3). A thin
//! shell: it validates its arguments into the library's types, runs the library, and hands
//! every result table to Python through the Arrow C stream interface (a PyCapsule named
//! `arrow_array_stream`, which `pyarrow.RecordBatchReader.from_stream` imports without
//! copying a row). The Python package (`python/workforce_sim`) wraps it.
//!
//! Errors are `workforce_sim.WorkforceSimError` with the message the command line prints
//! (the error, then each cause); a panic is caught at this boundary and raised as the same
//! exception type, so none crosses into the interpreter.

/// The extension's Rust allocations (the run's columns, the Arrow buffers handed to pyarrow)
/// come from mimalloc, as Polars' Python package does with its own allocator. glibc's malloc,
/// left at its defaults in the interpreter's process (the command line puts it in a steady
/// state, [`workforce_sim::allocator`], but a library must not retune its host's allocator),
/// returns a year's large columns to the kernel and takes fresh zeroed pages for the next,
/// on both threads of a run at once. Only Rust code allocates and frees these blocks (Arrow's
/// release callbacks are Rust's; DuckDB's C++ and the interpreter keep their own malloc).
/// Measured with `python3 python/bench/overhead.py`, the README's figures.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use duckdb::arrow::datatypes::SchemaRef;
use duckdb::arrow::ffi_stream::FFI_ArrowArrayStream;
use duckdb::arrow::record_batch::{RecordBatch, RecordBatchIterator};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use std::ffi::CString;
use std::path::PathBuf;
use workforce_sim::year::RunOptions;
use workforce_sim::{ArrowRun, CensusInput, Config, EngineKind, ValidConfig};

create_exception!(
    _native,
    WorkforceSimError,
    PyException,
    "A simulation, census, configuration or store error, with the command line's message."
);

/// `value` as JSON, its error as the package's exception.
fn to_json(value: &impl serde::Serialize) -> PyResult<String> {
    serde_json::to_string(value).map_err(|e| WorkforceSimError::new_err(e.to_string()))
}

/// The command line's rendering of an error: the error, then `caused by:` lines.
fn message(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str("\n  caused by: ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// The error as a Python exception; where an overwrite would resolve it, says so in the
/// package's words (the library's errors name no flag or argument).
fn fail(e: impl std::error::Error + 'static) -> PyErr {
    let any: &(dyn std::error::Error + 'static) = &e;
    let exists = any
        .downcast_ref::<workforce_sim::Error>()
        .is_some_and(|e| e.is_output_exists())
        || any
            .downcast_ref::<workforce_sim::batch::BatchError>()
            .is_some_and(|e| e.is_output_exists());
    let mut text = message(&e);
    if exists {
        text.push_str("\n  pass overwrite=True to replace it, or write elsewhere");
    }
    WorkforceSimError::new_err(text)
}

/// Runs `f` with the interpreter released, turning a panic into a Python exception.
fn guarded<T: Send>(py: Python<'_>, f: impl FnOnce() -> PyResult<T> + Send) -> PyResult<T> {
    py.detach(|| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|p| {
            let what = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            Err(WorkforceSimError::new_err(format!(
                "internal error (please report it): {what}"
            )))
        })
    })
}

/// The configuration: defaults, a TOML file or a JSON object (a Python dict, serialised by
/// the package), then the keyword overrides, validated.
fn config(
    path: Option<PathBuf>,
    json: Option<String>,
    seed: Option<u64>,
    start_year: Option<i32>,
    end_year: Option<i32>,
) -> PyResult<ValidConfig> {
    let mut c = match (path, json) {
        (Some(p), _) => Config::from_toml_file(&p).map_err(fail)?,
        (None, Some(j)) => serde_json::from_str::<Config>(&j)
            .map_err(|e| WorkforceSimError::new_err(format!("invalid configuration: {e}")))?,
        (None, None) => Config::default(),
    };
    if let Some(s) = seed {
        c.simulation.random_seed = s;
    }
    if let Some(y) = start_year {
        c.simulation.start_year = y;
    }
    if let Some(y) = end_year {
        c.simulation.end_year = y;
    }
    c.validate().map_err(fail)
}

fn engine(name: &str) -> PyResult<EngineKind> {
    match name {
        "native" => Ok(EngineKind::Native),
        "polars" => Ok(EngineKind::Polars),
        "sql" => Ok(EngineKind::Sql),
        other => Err(WorkforceSimError::new_err(format!(
            "engine {other:?}: choose \"native\", \"polars\" or \"sql\""
        ))),
    }
}

/// What a run reads its census from: a file, or the synthetic census of `employees` (the
/// command line's, generated with the run's seed).
fn census(config: &ValidConfig, path: Option<PathBuf>, employees: usize) -> CensusInput {
    match path {
        Some(p) => CensusInput::File(p),
        None => CensusInput::synthetic(config, employees, config.simulation.random_seed),
    }
}

/// A completed in-memory simulation ([`workforce_sim::ArrowRun`]: its tables as Arrow record
/// batches in the store's column types, the events, snapshot, workforce needs and year
/// summary encoded on a second thread while the run went on) and what reruns it to a file.
#[pyclass(module = "workforce_sim._native", frozen)]
struct Simulation {
    run: ArrowRun,
    /// The report as JSON, written when first asked for (most calls never read it).
    report_json: std::sync::OnceLock<String>,
    config: ValidConfig,
    census_path: Option<PathBuf>,
    employees: usize,
    engine: EngineKind,
    /// `(census and run, the wait for the encoder after the run)`, in seconds.
    handover: (f64, f64),
}

/// An Arrow C stream of `batches` as a PyCapsule (the Arrow PyCapsule interface).
fn stream(py: Python<'_>, batches: Vec<RecordBatch>) -> PyResult<Bound<'_, PyCapsule>> {
    let schema: SchemaRef = match batches.first() {
        Some(b) => b.schema(),
        None => return Err(WorkforceSimError::new_err("the run has no years")),
    };
    let reader = RecordBatchIterator::new(batches.into_iter().map(Ok), schema);
    let ffi = FFI_ArrowArrayStream::new(Box::new(reader));
    PyCapsule::new(py, ffi, Some(capsule_name()))
}

#[pymethods]
impl Simulation {
    /// The names of the result tables.
    #[staticmethod]
    fn tables() -> Vec<&'static str> {
        workforce_sim::arrow_run::TABLES.to_vec()
    }

    /// The Arrow C stream (PyCapsule) of one table, every year in order.
    fn arrow_stream<'py>(&self, py: Python<'py>, table: &str) -> PyResult<Bound<'py, PyCapsule>> {
        let batches = guarded(py, || self.run.table(table).map_err(fail))?;
        stream(py, batches)
    }

    /// The run report (timings, year summaries, cohort costs, compliance tests) as JSON.
    fn report_json(&self) -> PyResult<String> {
        if let Some(json) = self.report_json.get() {
            return Ok(json.clone());
        }
        let json = serde_json::to_string(&self.run.report)
            .map_err(|e| WorkforceSimError::new_err(format!("report: {e}")))?;
        Ok(self.report_json.get_or_init(|| json).clone())
    }

    /// `(census and run, wait)` in seconds: the call's census and year loop (the encoder
    /// working beside it), then its wait for the encoder to finish the last year's tables.
    /// What `python/bench/overhead.py` prints of the call.
    fn handover_seconds(&self) -> (f64, f64) {
        self.handover
    }

    /// The validated configuration the run used, as JSON.
    fn config_json(&self) -> String {
        self.config.to_json()
    }

    /// Writes the run into a DuckDB file at `path`, as `workforce-sim simulate --db` does
    /// (the same census, configuration and engine give the same tables, to the byte; the
    /// file is written beside and renamed into place when complete).
    #[pyo3(signature = (path, overwrite = false))]
    fn write_duckdb(&self, py: Python<'_>, path: PathBuf, overwrite: bool) -> PyResult<()> {
        guarded(py, || {
            let input = census(&self.config, self.census_path.clone(), self.employees);
            let output = workforce_sim::Output {
                path,
                format: workforce_sim::Format::Duckdb,
                overwrite,
            };
            let options = RunOptions {
                engine: self.engine,
                ..RunOptions::default()
            };
            workforce_sim::simulate_to(&self.config, &input, &output, &options, &mut |_| {})
                .map(|_| ())
                .map_err(fail)
        })
    }
}

/// Simulates in memory. `census_path` is a CSV or Parquet census; without it, the synthetic
/// census of `employees`.
#[pyfunction]
#[pyo3(signature = (config_path = None, config_json = None, census_path = None, employees = 5000, seed = None, start_year = None, end_year = None, engine_name = "native", threads = 0))]
#[allow(clippy::too_many_arguments)]
fn simulate(
    py: Python<'_>,
    config_path: Option<PathBuf>,
    config_json: Option<String>,
    census_path: Option<PathBuf>,
    employees: usize,
    seed: Option<u64>,
    start_year: Option<i32>,
    end_year: Option<i32>,
    engine_name: &str,
    threads: usize,
) -> PyResult<Simulation> {
    let config = config(config_path, config_json, seed, start_year, end_year)?;
    let engine = engine(engine_name)?;
    guarded(py, move || {
        let started = std::time::Instant::now();
        let input = census(&config, census_path.clone(), employees);
        let prepared = workforce_sim::prepare_census(&config, &input).map_err(fail)?;
        let options = RunOptions {
            engine,
            threads,
            ..RunOptions::default()
        };
        let run = workforce_sim::simulate_to_arrow(&config, &prepared, &options).map_err(fail)?;
        let handover = (
            started.elapsed().as_secs_f64() - run.wait_seconds,
            run.wait_seconds,
        );
        Ok(Simulation {
            run,
            report_json: std::sync::OnceLock::new(),
            config,
            census_path,
            employees,
            engine,
            handover,
        })
    })
}

/// Runs a batch (scenarios × seeds) into a DuckDB file, as `workforce-sim batch` does (or
/// one shard of it, `shard = (index, count)`), returning the database's path. The batch is
/// a TOML file, or a JSON object of the same keys (`batch_json`, a Python dict serialised by
/// the package; paths in it are relative to the working directory).
#[pyfunction]
#[pyo3(signature = (batch_path = None, db = None, threads = 0, shard = None, overwrite = false, batch_json = None, batch_text = None))]
#[allow(clippy::too_many_arguments)] // Python's keyword arguments, one per option
fn run_batch(
    py: Python<'_>,
    batch_path: Option<PathBuf>,
    db: Option<PathBuf>,
    threads: usize,
    shard: Option<(u32, u32)>,
    overwrite: bool,
    batch_json: Option<String>,
    batch_text: Option<String>,
) -> PyResult<PathBuf> {
    let db = db.ok_or_else(|| WorkforceSimError::new_err("run_batch: db is required"))?;
    guarded(py, move || {
        let batch = match (batch_path, batch_json) {
            // The text of the batch file at `path` (a Ray worker gets the driver's file as
            // text): its relative paths resolve against the file's folder, as for the file.
            (Some(path), _) if batch_text.is_some() => workforce_sim::batch::ValidBatch::parse(
                &path,
                batch_text.as_deref().unwrap_or_default(),
            )
            .map_err(fail)?,
            (Some(path), _) => workforce_sim::batch::ValidBatch::load(&path).map_err(fail)?,
            (None, Some(json)) => {
                let value: serde_json::Value = serde_json::from_str(&json)
                    .map_err(|e| WorkforceSimError::new_err(format!("batch: {e}")))?;
                if let Some(key) = first_null(&value, String::new()) {
                    return Err(WorkforceSimError::new_err(format!(
                        "batch: {key} is None; leave the key out for its default"
                    )));
                }
                let text = toml::to_string(&value)
                    .map_err(|e| WorkforceSimError::new_err(format!("batch: {e}")))?;
                workforce_sim::batch::ValidBatch::parse(std::path::Path::new("<dict>"), &text)
                    .map_err(fail)?
            }
            (None, None) => {
                return Err(WorkforceSimError::new_err(
                    "run_batch: give a batch file or a batch dict",
                ))
            }
        };
        let shard = match shard {
            Some((index, count)) => Some(
                format!("{index}/{count}")
                    .parse::<workforce_sim::batch::Shard>()
                    .map_err(WorkforceSimError::new_err)?,
            ),
            None => None,
        };
        let options = workforce_sim::batch::BatchOptions {
            threads,
            overwrite,
            shard,
            format: workforce_sim::Format::Duckdb,
        };
        workforce_sim::batch::run_batch_to_database(&batch, &db, &options, &|_, _| {})
            .map_err(fail)?;
        Ok(db)
    })
}

/// `alternative − base` per year and metric between two scenarios of a batch database,
/// paired by seed (as `workforce-sim compare`), as JSON rows.
/// The history and fit options of `fit` and `backtest`.
fn history_input(
    files: Vec<PathBuf>,
    years: Option<Vec<i32>>,
    config_path: Option<PathBuf>,
    config_json: Option<String>,
    credibility_k: f64,
    min_exposure: f64,
    allow_rehires: bool,
) -> PyResult<(
    workforce_sim::fit::History,
    ValidConfig,
    workforce_sim::fit::FitOptions,
)> {
    use workforce_sim::fit::estimate::Credibility;
    use workforce_sim::fit::history::HistoryOptions;
    if !(credibility_k.is_finite() && credibility_k >= 0.0) {
        return Err(WorkforceSimError::new_err(format!(
            "credibility_k must be a number >= 0, got {credibility_k}"
        )));
    }
    if !(min_exposure.is_finite() && min_exposure >= 0.0) {
        return Err(WorkforceSimError::new_err(format!(
            "min_exposure must be a number >= 0, got {min_exposure}"
        )));
    }
    let config = config(config_path, config_json, None, None, None)?;
    let options = HistoryOptions {
        years,
        allow_rehires,
    };
    let history = workforce_sim::fit::History::read(&files, &options, &config).map_err(fail)?;
    let fit = workforce_sim::fit::FitOptions {
        credibility: Credibility {
            k: credibility_k,
            min_exposure,
        },
    };
    Ok((history, config, fit))
}

/// Fits a history (`workforce-sim fit`): the fit as JSON, and the fitted configuration as
/// JSON (the overlay's table) and as the commented TOML `fit --out` writes.
#[pyfunction]
#[pyo3(signature = (files, years = None, config_path = None, config_json = None, credibility_k = 50.0, min_exposure = 30.0, allow_rehires = false))]
#[allow(clippy::too_many_arguments)]
fn fit(
    py: Python<'_>,
    files: Vec<PathBuf>,
    years: Option<Vec<i32>>,
    config_path: Option<PathBuf>,
    config_json: Option<String>,
    credibility_k: f64,
    min_exposure: f64,
    allow_rehires: bool,
) -> PyResult<(String, String, String)> {
    let (history, config, options) = history_input(
        files,
        years,
        config_path,
        config_json,
        credibility_k,
        min_exposure,
        allow_rehires,
    )?;
    guarded(py, move || {
        let f = workforce_sim::fit::fit(&history, &config, &options).map_err(fail)?;
        let overlay = f.overlay(&config).map_err(fail)?;
        let text = f.overlay_text(&config, None).map_err(fail)?;
        let json = to_json(&f)?;
        let overlay = to_json(&overlay)?;
        Ok((json, overlay, text))
    })
}

/// Backtests a history (`workforce-sim backtest`): the result as JSON and the Markdown
/// scorecard.
#[pyfunction]
#[pyo3(signature = (files, holdout = 1, seeds = 20, threads = 0, years = None, config_path = None, config_json = None, credibility_k = 50.0, min_exposure = 30.0, allow_rehires = false, parameter_uncertainty = true))]
#[allow(clippy::too_many_arguments)]
fn backtest(
    py: Python<'_>,
    files: Vec<PathBuf>,
    holdout: usize,
    seeds: u32,
    threads: usize,
    years: Option<Vec<i32>>,
    config_path: Option<PathBuf>,
    config_json: Option<String>,
    credibility_k: f64,
    min_exposure: f64,
    allow_rehires: bool,
    parameter_uncertainty: bool,
) -> PyResult<(String, String)> {
    let (history, config, fit) = history_input(
        files,
        years,
        config_path,
        config_json,
        credibility_k,
        min_exposure,
        allow_rehires,
    )?;
    guarded(py, move || {
        let options = workforce_sim::fit::BacktestOptions {
            holdout,
            seeds,
            threads,
            fit,
            bands: Default::default(),
            parameter_uncertainty,
        };
        let b = workforce_sim::fit::backtest(&history, &config, &options).map_err(fail)?;
        let json = to_json(&b)?;
        Ok((json, workforce_sim::fit::backtest::markdown(&b)))
    })
}

/// Solves one lever for one target (`workforce-sim calibrate`): the calibration as JSON and
/// the solved overlay as JSON.
#[pyfunction]
#[pyo3(signature = (lever, low, high, goal, target, tolerance = 1e-5, max_evaluations = 30, seeds = 20, config_path = None, config_json = None, employees = 5000, census_path = None, threads = 0))]
#[allow(clippy::too_many_arguments)]
fn calibrate(
    py: Python<'_>,
    lever: String,
    low: f64,
    high: f64,
    goal: String,
    target: f64,
    tolerance: f64,
    max_evaluations: usize,
    seeds: u64,
    config_path: Option<PathBuf>,
    config_json: Option<String>,
    employees: usize,
    census_path: Option<PathBuf>,
    threads: usize,
) -> PyResult<(String, String)> {
    use workforce_sim::batch::calibrate::{CalibrateSpec, Goal};
    use workforce_sim::batch::config::{BatchCensus, MAX_SEEDS};
    let base = config(config_path, config_json, None, None, None)?;
    let goal = Goal::parse(&goal).map_err(|m| WorkforceSimError::new_err(format!("goal: {m}")))?;
    if seeds == 0 || seeds > MAX_SEEDS {
        return Err(WorkforceSimError::new_err(format!(
            "seeds must be within 1..={MAX_SEEDS}, got {seeds}"
        )));
    }
    if census_path.is_none()
        && (employees == 0 || employees > workforce_sim::census::generate::MAX_EMPLOYEES)
    {
        return Err(WorkforceSimError::new_err(format!(
            "employees must be within 1..={}, got {employees}",
            workforce_sim::census::generate::MAX_EMPLOYEES
        )));
    }
    let first = base.simulation.random_seed;
    let spec = CalibrateSpec {
        census: match census_path {
            Some(p) => BatchCensus::File(p),
            None => BatchCensus::Synthetic { employees },
        },
        seeds: (0..seeds).map(|k| first.wrapping_add(k)).collect(),
        lever,
        range: (low, high),
        goal,
        target,
        tolerance,
        max_evaluations,
        threads,
        base,
    };
    guarded(py, move || {
        let c = workforce_sim::batch::calibrate::calibrate(&spec, &mut |_| {}).map_err(fail)?;
        let overlay = c.overlay(&spec.base).map_err(fail)?;
        let json = to_json(&c)?;
        let overlay = to_json(&overlay)?;
        Ok((json, overlay))
    })
}

/// Chooses a design (`workforce-sim optimize SPEC`): the result as JSON, and the best
/// design's overlay as JSON (null when no design is feasible).
#[pyfunction]
#[pyo3(signature = (spec, threads = 0))]
fn optimize(py: Python<'_>, spec: PathBuf, threads: usize) -> PyResult<(String, String)> {
    guarded(py, move || {
        let spec = workforce_sim::batch::optimize::Spec::load(&spec).map_err(fail)?;
        let o = workforce_sim::batch::optimize::optimize(&spec, threads).map_err(fail)?;
        let overlay = match o.best {
            Some(b) => {
                let keys: Vec<&str> = spec.levers.iter().map(|(k, _)| k.as_str()).collect();
                let t = workforce_sim::batch::lever::overlay(&spec.config(b).map_err(fail)?, &keys)
                    .map_err(fail)?;
                to_json(&t)?
            }
            None => "null".to_string(),
        };
        let json = to_json(&o)?;
        Ok((json, overlay))
    })
}

/// Writes the Excel workbook and/or the HTML report of the results at `results`, as
/// `workforce-sim report` does.
#[pyfunction]
#[pyo3(signature = (results, xlsx = None, html = None, max_rows = None, overwrite = false))]
fn report(
    py: Python<'_>,
    results: PathBuf,
    xlsx: Option<PathBuf>,
    html: Option<PathBuf>,
    max_rows: Option<u64>,
    overwrite: bool,
) -> PyResult<()> {
    use workforce_sim::reporting::{build, Export, Html, Results, Xlsx};
    guarded(py, move || {
        for path in [&xlsx, &html].into_iter().flatten() {
            if !overwrite && path.exists() {
                return Err(WorkforceSimError::new_err(format!(
                    "{} exists; pass overwrite=True to replace it",
                    path.display()
                )));
            }
        }
        let r = Results::open(&results).map_err(fail)?;
        let report = build(&r).map_err(fail)?;
        if let Some(path) = &xlsx {
            Xlsx {
                max_rows,
                ..Xlsx::default()
            }
            .export(&r, &report, path)
            .map_err(fail)?;
        }
        if let Some(path) = &html {
            Html.export(&r, &report, path).map_err(fail)?;
        }
        Ok(())
    })
}

/// Explains a money metric's change (`workforce-sim explain`), as JSON.
#[pyfunction]
#[pyo3(signature = (results, metric, start = None, end = None, base = None, alternative = None, year = None))]
#[allow(clippy::too_many_arguments)]
fn explain(
    py: Python<'_>,
    results: Vec<PathBuf>,
    metric: String,
    start: Option<i32>,
    end: Option<i32>,
    base: Option<String>,
    alternative: Option<String>,
    year: Option<i32>,
) -> PyResult<String> {
    guarded(py, move || {
        let x = workforce_sim::reporting::explain::explain_results(
            &results,
            &workforce_sim::reporting::explain::Request {
                metric,
                from: start,
                to: end,
                base,
                alternative,
                year,
            },
        )
        .map_err(fail)?;
        to_json(&x)
    })
}

#[pyfunction]
fn compare_scenarios(
    py: Python<'_>,
    db: PathBuf,
    base: String,
    alternative: String,
) -> PyResult<String> {
    guarded(py, move || {
        let d = workforce_sim::batch::compare_scenarios(&db, &base, &alternative).map_err(fail)?;
        to_json(&d)
    })
}

/// Merges the shard databases of one batch into `db`, as `workforce-sim batch merge` does.
#[pyfunction]
#[pyo3(signature = (parts, db, overwrite = false))]
fn merge_batches(
    py: Python<'_>,
    parts: Vec<PathBuf>,
    db: PathBuf,
    overwrite: bool,
) -> PyResult<PathBuf> {
    guarded(py, move || {
        workforce_sim::batch::merge_batches(&parts, &db, overwrite).map_err(fail)?;
        Ok(db)
    })
}

/// One table or view of a results database as an Arrow C stream (read-only).
#[pyfunction]
fn read_table<'py>(py: Python<'py>, db: PathBuf, name: &str) -> PyResult<Bound<'py, PyCapsule>> {
    let name = name.to_string();
    let (schema, batches) = guarded(py, move || {
        let conn = open_read_only(&db)?;
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM {quoted}"))
            .map_err(|e| WorkforceSimError::new_err(format!("{}: {name}: {e}", db.display())))?;
        let batches: Vec<RecordBatch> = stmt
            .query_arrow([])
            .map_err(|e| WorkforceSimError::new_err(format!("{}: {name}: {e}", db.display())))?
            .collect();
        Ok((stmt.schema(), batches))
    })?;
    let reader = RecordBatchIterator::new(batches.into_iter().map(Ok), schema);
    let ffi = FFI_ArrowArrayStream::new(Box::new(reader));
    PyCapsule::new(py, ffi, Some(capsule_name()))
}

/// The tables and views of a results database.
#[pyfunction]
fn list_tables(py: Python<'_>, db: PathBuf) -> PyResult<Vec<String>> {
    guarded(py, move || {
        let conn = open_read_only(&db)?;
        let mut stmt = conn
            .prepare(
                "SELECT table_name FROM duckdb_tables() UNION SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1",
            )
            .map_err(|e| WorkforceSimError::new_err(format!("{}: {e}", db.display())))?;
        let names = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| WorkforceSimError::new_err(format!("{}: {e}", db.display())))?;
        Ok(names)
    })
}

fn open_read_only(db: &std::path::Path) -> PyResult<duckdb::Connection> {
    if !db.exists() {
        return Err(WorkforceSimError::new_err(format!(
            "{}: no such database file",
            db.display()
        )));
    }
    let config = duckdb::Config::default()
        .access_mode(duckdb::AccessMode::ReadOnly)
        .map_err(|e| WorkforceSimError::new_err(e.to_string()))?;
    duckdb::Connection::open_with_flags(db, config)
        .map_err(|e| WorkforceSimError::new_err(format!("{}: {e}", db.display())))
}

fn capsule_name() -> CString {
    CString::new("arrow_array_stream").expect("no NUL in the name")
}

/// The Rust calls the Python call is compared with: the library's in-memory run of the
/// default configuration as a Rust program makes it, its wall time in seconds. The timing
/// holds the same work as `workforce_sim.simulate()` does in Rust: the synthetic census
/// (`workforce_sim::prepare_census`), the run, and freeing it (criterion's `iter` times the
/// drop too). The run is `workforce_sim::simulate_in_memory` (`cargo bench --bench workflow
/// -- in_memory`: the columns, no Arrow), or with `arrow` `workforce_sim::simulate_to_arrow`
/// and its four eager tables (`-- workflow/arrow`: the same record batches the Python call
/// hands over). Against the first the Python call adds the Arrow encoding and the
/// hand-over; against the second only the hand-over: arguments, result object, import.
#[pyfunction]
#[pyo3(signature = (employees = 5000, arrow = false))]
fn rust_in_memory_seconds(py: Python<'_>, employees: usize, arrow: bool) -> PyResult<f64> {
    rust_in_memory_parts(py, employees, arrow).map(|(run, free)| run + free)
}

/// [`rust_in_memory_seconds`] in its two parts: `(census and run, freeing the run)`.
#[pyfunction]
#[pyo3(signature = (employees = 5000, arrow = false))]
fn rust_in_memory_parts(py: Python<'_>, employees: usize, arrow: bool) -> PyResult<(f64, f64)> {
    guarded(py, move || {
        let config = Config::default().validate().map_err(fail)?;
        let options = RunOptions::default();
        let t0 = std::time::Instant::now();
        let input = census(&config, None, employees);
        let prepared = workforce_sim::prepare_census(&config, &input).map_err(fail)?;
        let run: Box<dyn Send> = if arrow {
            let run =
                workforce_sim::simulate_to_arrow(&config, &prepared, &options).map_err(fail)?;
            let tables = workforce_sim::arrow_run::EAGER
                .iter()
                .map(|t| run.table(t))
                .collect::<Result<Vec<_>, _>>()
                .map_err(fail)?;
            Box::new((run, tables))
        } else {
            Box::new(workforce_sim::simulate_in_memory(&config, &prepared, &options).map_err(fail)?)
        };
        let t1 = std::time::Instant::now();
        drop(run);
        drop(prepared);
        Ok(((t1 - t0).as_secs_f64(), t1.elapsed().as_secs_f64()))
    })
}

/// The library's version.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// One writer of an output at a time (the store's `PATH.lock`), held from Python: the Ray
/// driver holds its scratch folder's while its shards run and merge.
#[pyclass(module = "workforce_sim._native")]
struct OutputLock(Option<workforce_sim::store::lock::OutputLock>);

#[pymethods]
impl OutputLock {
    /// Takes the lock of the output at `path`, or raises `WorkforceSimError` naming the
    /// process that holds it.
    #[new]
    fn new(path: PathBuf) -> PyResult<Self> {
        workforce_sim::store::lock::OutputLock::acquire(&path)
            .map(|l| OutputLock(Some(l)))
            .map_err(fail)
    }

    /// Releases the lock (also when the object is dropped).
    fn release(&mut self) {
        self.0 = None;
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __exit__(
        &mut self,
        _kind: Option<Bound<'_, PyAny>>,
        _value: Option<Bound<'_, PyAny>>,
        _traceback: Option<Bound<'_, PyAny>>,
    ) {
        self.release();
    }
}

/// The key path (`scenario[0].label`) of the first `None` in a batch dict, which TOML cannot
/// hold.
fn first_null(value: &serde_json::Value, at: String) -> Option<String> {
    match value {
        serde_json::Value::Null => Some(if at.is_empty() { "the spec".into() } else { at }),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| first_null(v, format!("{at}[{i}]"))),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
            first_null(
                v,
                if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                },
            )
        }),
        _ => None,
    }
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("WorkforceSimError", m.py().get_type::<WorkforceSimError>())?;
    m.add(
        "MAX_EMPLOYEES",
        workforce_sim::census::generate::MAX_EMPLOYEES,
    )?;
    m.add_class::<Simulation>()?;
    m.add_class::<OutputLock>()?;
    m.add_function(wrap_pyfunction!(simulate, m)?)?;
    m.add_function(wrap_pyfunction!(run_batch, m)?)?;
    m.add_function(wrap_pyfunction!(merge_batches, m)?)?;
    m.add_function(wrap_pyfunction!(fit, m)?)?;
    m.add_function(wrap_pyfunction!(backtest, m)?)?;
    m.add_function(wrap_pyfunction!(calibrate, m)?)?;
    m.add_function(wrap_pyfunction!(optimize, m)?)?;
    m.add_function(wrap_pyfunction!(report, m)?)?;
    m.add_function(wrap_pyfunction!(explain, m)?)?;
    m.add_function(wrap_pyfunction!(compare_scenarios, m)?)?;
    m.add_function(wrap_pyfunction!(read_table, m)?)?;
    m.add_function(wrap_pyfunction!(list_tables, m)?)?;
    m.add_function(wrap_pyfunction!(rust_in_memory_seconds, m)?)?;
    m.add_function(wrap_pyfunction!(rust_in_memory_parts, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    Ok(())
}
