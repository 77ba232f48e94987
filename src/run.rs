//! Runs with a store: the year loop of the core ([`workforce_sim_core::year`]) on the chosen
//! engine, each year persisted by the store in one transaction, and resume from the last
//! committed year. Also the in-memory run on any engine.

use crate::engines::build_engine;
use crate::Error;
use std::path::{Path, PathBuf};
use std::time::Instant;
use workforce_sim_core::config::ValidConfig;
use workforce_sim_core::report::{RunReport, Stage, StageTiming, StatementCounts};
use workforce_sim_core::state::Workforce;
use workforce_sim_core::year::{
    self, band_tables, effective_threads, new_report, run_id, with_pool, CensusInput, InMemoryRun,
    PreparedCensus, Progress, RunOptions, YearOutput,
};
use workforce_sim_store::{DuckdbParquet, RunHeader, Store, YearTables};

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

/// Runs a whole simulation into a DuckDB file, replacing this tool's tables in it. Bad input
/// fails before the file is touched; if the run fails before its first commit and the file
/// did not exist, no file is left behind.
pub fn simulate_to_database(
    config: &ValidConfig,
    input: &CensusInput,
    db: &Path,
    options: &RunOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<RunReport, Error> {
    let started = Instant::now();
    let census = prepare_census(config, input)?;
    let engine = build_engine(options.engine)?;
    let existed = db.exists();
    let init = Instant::now();
    let mut store = open_store(db, options)?;
    let header = RunHeader {
        run_id: run_id(),
        engine: options.engine.as_str().to_string(),
        config: config.config().clone(),
        census_source: census.source.clone(),
        baseline_headcount: census.staged.baseline.len() as u64,
        threads: effective_threads(options.threads),
    };
    if let Err(e) = store.begin_run(
        &header,
        &census.staged.rows,
        config.census.eligibility_waiting_period_days as u16,
    ) {
        drop(store);
        if !existed {
            remove_database(db);
        }
        return Err(e.into());
    }
    let init_seconds = init.elapsed().as_secs_f64();
    let mut report = new_report(
        config,
        options,
        &census.source,
        census.staged.rows.len() as u64,
        census.staged.baseline.len() as u64,
        Some(db),
    );
    report.run_id = header.run_id.clone();
    report.warnings = census.warnings.clone();
    report.stages.push(StageTiming {
        year: None,
        stage: Stage::Initialization,
        seconds: init_seconds,
    });
    run_into_store(
        config,
        engine.as_ref(),
        &mut store,
        census.staged.baseline.clone(),
        config.years(),
        options,
        &mut report,
        progress,
    )?;
    store.finish_run(init_seconds)?;
    report.statements = counts(&store, options)?;
    report.total_seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

#[allow(clippy::too_many_arguments)]
fn run_into_store(
    config: &ValidConfig,
    engine: &dyn workforce_sim_core::Engine,
    store: &mut Store,
    prior: Workforce,
    years: std::ops::RangeInclusive<i32>,
    options: &RunOptions,
    report: &mut RunReport,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<(), Error> {
    let (age, tenure) = band_tables(config);
    let naive = options.materialize_stages;
    let mut sink = |y: &YearOutput<'_>, timings: &[(String, f64)]| -> Result<(), Error> {
        let tables = YearTables {
            config,
            bands: (&age, &tenure),
            foundation: y.foundation,
            events: y.events,
            snapshot: y.snapshot,
            summary: y.summary,
            timings,
        };
        if naive {
            store.materialize_stages(&tables)?;
        }
        Ok(store.write_year(&tables)?)
    };
    with_pool(options.threads, || {
        year::run_years(config, engine, prior, years, report, &mut sink, progress)
    })??;
    Ok(())
}

/// Continues an interrupted run from its last committed year. The stored configuration is
/// used (validated again as it is read: a stored configuration edited by hand gets a
/// configuration error, not a panic); a `config` given by the caller must match it, except
/// for a later `end_year`, which extends the run.
pub fn resume_database(
    db: &Path,
    config: Option<&ValidConfig>,
    options: &RunOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<RunReport, Error> {
    if !db.exists() {
        return Err(Error::Resume(format!("{} does not exist", db.display())));
    }
    let started = Instant::now();
    let mut store = open_store(db, options)?;
    let point = store.resume_point()?;
    let mut stored = point.config.clone().into_inner();
    if let Some(c) = config {
        let mut a = c.config().clone();
        a.simulation.end_year = stored.simulation.end_year;
        if a != stored {
            return Err(Error::Resume(format!(
                "the configuration differs from the one the run in {} was started with (fingerprint {} vs {}); run without --resume to start over",
                db.display(),
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
    let engine = build_engine(options.engine)?;
    let prior = store.load_workforce(point.last_committed_year)?;
    let mut report = new_report(
        &stored,
        options,
        "resumed",
        point.census_rows,
        prior.len() as u64,
        Some(db),
    );
    report.run_id = point.run_id;
    report.resumed_after = point.last_committed_year;
    run_into_store(
        &stored,
        engine.as_ref(),
        &mut store,
        prior,
        first..=stored.simulation.end_year,
        options,
        &mut report,
        progress,
    )?;
    store.finish_run(0.0)?;
    report.statements = counts(&store, options)?;
    report.total_seconds = started.elapsed().as_secs_f64();
    Ok(report)
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

/// Removes a database file and its write-ahead log.
fn remove_database(db: &Path) {
    let _ = std::fs::remove_file(db);
    let mut wal = db.as_os_str().to_owned();
    wal.push(".wal");
    let _ = std::fs::remove_file(PathBuf::from(wal));
}
