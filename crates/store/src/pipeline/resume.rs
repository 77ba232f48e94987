//! Resume: continue an interrupted run from its last committed year, or extend a completed
//! one to a later end year, a year per transaction.

use super::new_run::{prepare_census, sink_options};
use super::writer::{run_into, Start, Years};
use super::{Output, RunError};
use crate::lock::OutputLock;
use crate::place::{partial_path, restore_replaced};
use crate::{census_fingerprint, Format, ResumePoint, Store};
use std::path::Path;
use std::time::Instant;
use workforce_sim_core::config::ValidConfig;
use workforce_sim_core::report::RunReport;
use workforce_sim_core::state::Workforce;
use workforce_sim_core::year::{new_report, CensusInput, Progress, RunOptions};
use workforce_sim_core::Engine;

/// Continues an interrupted run on `engine` from its last committed year: the unfinished
/// `PATH.partial` of a new run if there is one (put over `PATH` when it completes), else
/// `PATH` itself (a later `end_year` extends a completed run in place). The stored
/// configuration is used (validated again as it is read); a `config` given by the caller
/// must match it except for a later `end_year`, and a `census` given by the caller must be
/// the one the run was started from. A Parquet directory first loses the files of any year
/// after the last committed one, left by a crash.
pub fn resume_output(
    output: &Output,
    config: Option<&ValidConfig>,
    census: Option<&CensusInput>,
    options: &RunOptions,
    engine: &dyn Engine,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<RunReport, RunError> {
    let root = &crate::ownership::output_path(&output.path)?;
    let (root, format) = (root.as_path(), output.format);
    let _lock = OutputLock::acquire(root)?;
    if format == Format::Parquet {
        restore_replaced(root)?;
    }
    let partial = partial_path(root);
    if format == Format::Parquet
        && !partial.exists()
        && root.join(crate::parquet_output::RESULTS_DB).is_file()
    {
        // A crash after the folder was put in place and before its views named its files:
        // they are made here, whatever the resume does next.
        crate::parquet_output::make_views(root)?;
    }
    let target = if partial.exists() {
        partial.clone()
    } else if root.exists() {
        root.to_path_buf()
    } else {
        return Err(RunError::Resume(format!(
            "{} does not exist",
            root.display()
        )));
    };
    // The other format's output is refused before anything is read or written.
    let folder = target.is_dir();
    if folder != (format == Format::Parquet) {
        return Err(RunError::Resume(format!(
            "{} is {}, not {}",
            target.display(),
            if folder {
                "a Parquet output folder"
            } else {
                "a DuckDB file"
            },
            if folder {
                "a DuckDB file (resume it with the Parquet format)"
            } else {
                "a Parquet output folder (resume it as a DuckDB file)"
            },
        )));
    }
    let started = Instant::now();
    let mut sink = format.reopen(&target, sink_options(options))?;
    if target == partial {
        // Every year committed but never put in place (stopped between its last commit and
        // the rename): the resume is the rename.
        let point = sink.catalog().resume_point()?;
        let end = point.config.simulation.end_year;
        let later = config.is_some_and(|c| c.simulation.end_year > end);
        if point.last_committed_year == Some(end) && !later {
            check_build(&point, &target)?;
            drop(sink);
            format.publish(&partial, root)?;
            let mut report = new_report(
                &point.config,
                options,
                "resumed",
                point.census_rows,
                0,
                Some(root),
            );
            report.run_id = point.run_id;
            report.resumed_after = point.last_committed_year;
            report.warnings.push(format!(
                "every year was committed in {}; it is now in place",
                partial.display()
            ));
            report.total_seconds = started.elapsed().as_secs_f64();
            return Ok(report);
        }
    }
    let (stored, first, prior, mut report) =
        resume_plan(sink.catalog(), &target, root, config, census, options)?;
    let years = Years {
        config: &stored,
        engine,
        prior,
        years: first..=stored.simulation.end_year,
    };
    let (sink, _) = run_into(years, Start::Ready(sink), options, &mut report, progress)?;
    report.statements = sink.finish(0.0)?;
    if target == partial {
        format.publish(&partial, root)?;
    } else if format == Format::Parquet {
        crate::parquet_output::make_views(root)?;
    }
    report.total_seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Another build may have other rules: its years and this build's would not be one run.
fn check_build(point: &ResumePoint, target: &Path) -> Result<(), RunError> {
    if point.tool_version == crate::BUILD {
        return Ok(());
    }
    Err(RunError::Resume(format!(
        "the run in {} was written by workforce-sim {}, and this is {}; a new run (not a resume) starts over with this build's rules",
        target.display(),
        point.tool_version,
        crate::BUILD
    )))
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
) -> Result<(ValidConfig, i32, Workforce, RunReport), RunError> {
    let point: ResumePoint = store.resume_point()?;
    check_build(&point, target)?;
    let mut stored = point.config.clone().into_inner();
    if let Some(c) = config {
        let mut a = c.config().clone();
        a.simulation.end_year = stored.simulation.end_year;
        if a != stored {
            return Err(RunError::Resume(format!(
                "the configuration differs from the one the run in {} was started with (fingerprint {} vs {}); a new run (not a resume) starts over",
                target.display(),
                c.fingerprint(),
                stored.fingerprint()
            )));
        }
        if c.simulation.end_year < stored.simulation.end_year {
            return Err(RunError::Resume(format!(
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
            return Err(RunError::Resume(format!(
                "the census given ({}, {} rows, fingerprint {fingerprint}) is not the one the run in {} was started from (fingerprint {}); a new run (not a resume) starts over",
                given.source,
                given.staged.rows.len(),
                target.display(),
                point.census_fingerprint
            )));
        }
    }
    if point.engine != options.engine.as_str() {
        return Err(RunError::Resume(format!(
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
        return Err(RunError::Resume(format!(
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
