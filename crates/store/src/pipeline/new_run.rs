//! A new run into an output: the census read and staged (while the new output's catalog is
//! opened), what is in place checked, the years written beside it and the complete run put
//! in its place.

use super::writer::{run_into, Start, Years};
use super::{Output, RunError};
use crate::lock::OutputLock;
use crate::ownership::{check_owned_dir, database_kind, refusal, DatabaseKind, RUN_LAYOUT};
use crate::place::{partial_path, restore_replaced};
use crate::sink::{wal_path, SinkOptions};
use crate::{census_fingerprint, stored_run, DuckdbParquet, Format, RunHeader, Store, StoreError};
use std::path::Path;
use std::time::Instant;
use workforce_sim_core::config::ValidConfig;
use workforce_sim_core::report::{RunReport, Stage, StageTiming};
use workforce_sim_core::year::{
    effective_threads, new_report, run_id, CensusInput, PreparedCensus, Progress, RunOptions,
};
use workforce_sim_core::Engine;

/// Reads and stages the census, CSV or Parquet (through the store's Parquet reader). Fails
/// before anything is written anywhere.
pub fn prepare_census(
    config: &ValidConfig,
    input: &CensusInput,
) -> Result<PreparedCensus, RunError> {
    let census = PreparedCensus::prepare(config, input, Some(&DuckdbParquet))?;
    // The census is read; the years, which need far more, are not yet allocated.
    let years = (config.simulation.start_year..=config.simulation.end_year).count();
    memory_check(census.staged.rows.len(), years)?;
    Ok(census)
}

/// Refuses a run estimated to need more memory than is available (`memory`).
fn memory_check(employees: usize, years: usize) -> Result<(), RunError> {
    crate::memory::check(employees, years).map_err(RunError::Memory)
}

/// The options of the output a run writes.
pub(super) fn sink_options(options: &RunOptions) -> SinkOptions {
    SinkOptions {
        audited: options.audit_statements,
        materialize_stages: options.materialize_stages,
    }
}

/// Runs a whole simulation on `engine` into `output`. Bad input fails leaving no file
/// behind. The run is written to `PATH.partial` and put over `PATH` when complete, so the
/// previous result stays whole and readable until then, and a crash leaves it untouched
/// (and the partial run to resume). A previous run of another census or configuration is
/// replaced only with [`Output::overwrite`]; the same census and configuration give the
/// same result, so that one is simply rerun.
pub fn simulate_to(
    config: &ValidConfig,
    input: &CensusInput,
    output: &Output,
    options: &RunOptions,
    engine: &dyn Engine,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<RunReport, RunError> {
    let started = Instant::now();
    let root = &crate::ownership::output_path(&output.path)?;
    let (root, format) = (root.as_path(), output.format);
    if format == Format::Parquet && options.materialize_stages {
        return Err(RunError::Output(
            "materializing stages writes each stage to its own DuckDB table; a Parquet output has no such tables (write a DuckDB file)".into(),
        ));
    }
    let years = (config.simulation.start_year..=config.simulation.end_year).count();
    // (A size beyond the generator's maximum gets the generator's error, naming it.)
    if let CensusInput::Synthetic(params) = input {
        if params.employees <= workforce_sim_core::census::generate::MAX_EMPLOYEES {
            memory_check(params.employees, years)?;
        }
    }
    // One writer per output, from before anything of it is touched until it is published.
    let _lock = OutputLock::acquire(root)?;
    // (A DuckDB file in place is read as a run by check_replaceable below.)
    if format == Format::Parquet {
        check_owned(format, root, "replace")?;
    }
    if format == Format::Parquet {
        restore_replaced(root)?;
        if root.exists() && !format.catalog(root).exists() && !output.overwrite {
            return Err(RunError::Exists(format!(
                "{} exists and is not a Parquet output of workforce-sim (no {})",
                root.display(),
                crate::parquet_output::RESULTS_DB
            )));
        }
    }
    // A Parquet output with nothing in its place is written in place (no rename, its views
    // made once, after the first year); otherwise beside, and put in place when complete.
    let in_place = format == Format::Parquet && !root.exists();
    let partial = if in_place {
        root.to_path_buf()
    } else {
        partial_path(root)
    };
    if !in_place && partial.exists() {
        check_owned(format, &partial, "remove")?;
        tracing::warn!(
            "replacing the unfinished run in {} (resuming would have continued it)",
            partial.display()
        );
        Format::remove_unfinished(&partial)?;
    }
    let sink_options = sink_options(options);
    // The new output's catalog is opened (DuckDB's start-up) while the census is read and
    // staged; if the census or the check of what is in place fails, it is removed again.
    let (census, opened) = std::thread::scope(|scope| {
        let opener = scope.spawn(|| {
            format
                .open_catalog(&partial, sink_options)
                .map_err(RunError::from)
        });
        let census = prepare_census(config, input).and_then(|census| {
            let fingerprint = census_fingerprint(&census.staged.rows);
            // (In place, nothing was there: the catalog being created is the new run's.)
            if !in_place {
                check_replaceable(
                    &format.catalog(root),
                    config,
                    &fingerprint,
                    output.overwrite,
                )?;
            }
            Ok((census, fingerprint))
        });
        let opened = opener
            .join()
            .unwrap_or_else(|_| Err(RunError::Output("opening the output panicked".into())));
        (census, opened)
    });
    let (catalog, census, fingerprint) = match (opened, census) {
        (Ok(catalog), Ok((census, fingerprint))) => (catalog, census, fingerprint),
        (opened, Err(e)) => {
            drop(opened);
            let _ = Format::remove_unfinished(&partial);
            return Err(e);
        }
        (Err(e), Ok(_)) => {
            let _ = Format::remove_unfinished(&partial);
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
        format: format.name(),
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
    let (header_ref, rows, partial_ref) = (&header, &census.staged.rows, &partial);
    let begin = move || {
        format
            .begin(partial_ref, catalog, header_ref, rows)
            .map_err(|e| {
                let _ = Format::remove_unfinished(partial_ref);
                RunError::from(e)
            })
    };
    let years = Years {
        config,
        engine,
        prior: census.staged.baseline.clone(),
        years: config.years(),
    };
    let (sink, init_seconds) = run_into(
        years,
        Start::Begin(Box::new(begin)),
        options,
        &mut report,
        progress,
    )?;
    report.stages.push(StageTiming {
        year: None,
        stage: Stage::Initialization,
        seconds: init_seconds,
    });
    report.statements = sink.finish(init_seconds)?;
    if !in_place {
        format.publish(&partial, root)?;
    }
    report.total_seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// What a run finds at `path` (its output, or an unfinished `PATH.partial`) must be the
/// tool's to `action`: a Parquet directory of the run layout (nothing of the user's in it),
/// a DuckDB file that is a results database, or an unfinished one (no tables yet).
pub(super) fn check_owned(
    format: Format,
    path: &Path,
    action: &'static str,
) -> Result<(), RunError> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    let refuse = |what| {
        Err(RunError::Store(StoreError::NotOurs {
            path: path.to_path_buf(),
            what,
            action,
        }))
    };
    match format {
        Format::Parquet if meta.is_dir() => Ok(check_owned_dir(path, RUN_LAYOUT, action)?),
        Format::Parquet => refuse("a Parquet output directory"),
        Format::Duckdb if meta.is_file() => match database_kind(path) {
            DatabaseKind::Results | DatabaseKind::Empty => Ok(()),
            kind => Err(RunError::Store(refusal(
                path,
                kind,
                "a results database",
                action,
            ))),
        },
        Format::Duckdb => refuse("a results database file"),
    }
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
) -> Result<(), RunError> {
    if !db.exists() {
        return Ok(());
    }
    if wal_path(db).exists() {
        drop(Store::open(db)?);
    }
    let refuse = |kind| RunError::Store(refusal(db, kind, "a results database", "replace"));
    if overwrite {
        return match database_kind(db) {
            DatabaseKind::Results => Ok(()),
            kind => Err(refuse(kind)),
        };
    }
    let stored = match stored_run(db) {
        Ok(stored) => stored,
        Err(e) => {
            return Err(match database_kind(db) {
                // A run of an older version of the tool: replaced with an overwrite.
                DatabaseKind::Results => RunError::Exists(format!(
                    "{} exists and cannot be read as a results database ({e})",
                    db.display()
                )),
                kind => refuse(kind),
            });
        }
    };
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
    Err(RunError::Exists(format!(
        "{} holds {}; this run has another {} (census {}, configuration {})",
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
