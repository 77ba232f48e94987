//! Writing a batch: run a validated batch file's (scenario, seed) runs in parallel, or one
//! shard of them, keep the runs the file asks for in full (each the `simulate` results
//! database of its scenario and seed), and write the runs' summaries, bands, threshold
//! probabilities and variance shares to a DuckDB file or a Parquet directory, with a fan
//! chart per metric. Every output is written beside and put in place whole.

use crate::attribution::{attribution, Design};
use crate::config::{Attribution, BatchCensus, BatchFile, Threshold, ValidBatch};
use crate::ensemble::{bands, thresholds, Band, ThresholdResult};
pub use crate::generation::{charts_dir, detail_dir};
use crate::generation::{check_owned, remove_other_generations, Generation};
use crate::runner::{jobs, run_batch, Job, RunSummary, Shard};
use crate::{BatchError, Share};
use std::path::{Path, PathBuf};
use std::time::Instant;
use workforce_sim_core::engine::native::NativeEngine;
use workforce_sim_core::year::{CensusInput, RunOptions};
use workforce_sim_store::batch_output::{
    write_batch, write_batch_parquet, BandRow, BatchRunRow, BatchTables, BatchYearRow, ShareRow,
    ThresholdRow,
};
use workforce_sim_store::lock::OutputLock;
use workforce_sim_store::pipeline::{simulate_to, Output};
use workforce_sim_store::place::fault;
use workforce_sim_store::Format;

/// How a batch runs.
#[derive(Debug, Clone, Default)]
pub struct BatchOptions {
    /// Worker threads (0 = one per core); each run uses one.
    pub threads: usize,
    /// Replace an existing database file.
    pub overwrite: bool,
    /// Run one shard of the job list only (its database is a partition for
    /// [`merge_batches`]; it holds runs and summaries, not bands).
    pub shard: Option<Shard>,
    /// A DuckDB file, or a directory of hive-partitioned Parquet (`scenario_id=/seed=/`) with
    /// a `batch.duckdb` of views.
    pub format: Format,
}

/// What a batch produced.
#[derive(Debug, Clone)]
pub struct BatchReport {
    pub runs: Vec<RunSummary>,
    /// The results databases of the runs kept in full (`detail`), in job order.
    pub detail: Vec<PathBuf>,
    /// The fan charts (one SVG per metric) of a whole batch; none for a shard.
    pub charts: Vec<PathBuf>,
    pub bands: Vec<Band>,
    pub thresholds: Vec<ThresholdResult>,
    /// The variance shares by subsystem, when the batch file asks for them (none for a
    /// shard).
    pub attribution: Vec<Share>,
    pub seconds: f64,
    pub database: PathBuf,
    /// What went wrong after the batch was in place (an older generation of its runs or
    /// charts that could not be removed).
    pub warnings: Vec<String>,
}

pub(crate) fn refuse_existing(db: &Path, overwrite: bool) -> Result<(), BatchError> {
    if db.exists() && !overwrite {
        return Err(BatchError::Exists(format!("{} exists", db.display())));
    }
    Ok(())
}

/// Runs every (scenario, seed) of `batch`, or one shard of them, and writes `db` (replacing
/// an existing file only with `overwrite`, checked before any run starts).
/// `progress(done, total)` is called as each run finishes.
pub fn run_batch_to_database(
    batch: &ValidBatch,
    db: &Path,
    options: &BatchOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<BatchReport, BatchError> {
    let started = Instant::now();
    let db = &workforce_sim_store::ownership::output_path(db)?;
    // One writer of `db` (its runs and charts with it) until all of it is in place.
    let _lock = OutputLock::acquire(db)?;
    refuse_existing(db, options.overwrite)?;
    check_owned(db)?;
    let generation = Generation::next(db)?;
    let all = jobs(batch);
    let list = match options.shard {
        Some(s) => s.jobs(&all),
        None => all,
    };
    let runs = run_batch(batch, &list, options.threads, progress)?;
    let details = write_details(batch, &list, &generation, options)?;
    let fingerprints: Vec<String> = runs
        .iter()
        .map(|r| {
            batch
                .design_config(r.scenario, r.seed, r.design)
                .map(|c| c.0.fingerprint())
        })
        .collect::<Result<_, _>>()?;
    let scenarios: Vec<(String, String)> = batch
        .scenarios
        .iter()
        .map(|s| (s.id.clone(), s.label.clone()))
        .collect();
    let shard = options.shard.map(|s| (s.index, s.count));
    let inputs = inputs_json(batch)?;
    let report = write(BatchWrite {
        file: &batch.file,
        inputs_json: &inputs,
        scenarios: &scenarios,
        runs,
        fingerprints: &fingerprints,
        details: &details,
        wanted: &batch.thresholds,
        plan: batch.attribution.as_ref(),
        shard,
        db,
        generation: &generation,
        overwrite: options.overwrite,
        format: options.format,
        started,
    })?;
    Ok(report)
}

/// What a batch's results rest on beyond its file's text, as a JSON object of named
/// fingerprints: the build (`store::BUILD`), each scenario's resolved configuration at the
/// first seed (the base file and overlays as read, not their paths) and the census (a file's
/// content digest, or the synthetic size). `batch merge` refuses shards whose inputs differ,
/// naming the entry.
pub fn inputs_json(batch: &ValidBatch) -> Result<String, BatchError> {
    let mut inputs = std::collections::BTreeMap::new();
    inputs.insert("build".to_string(), workforce_sim_store::BUILD.to_string());
    let census = match &batch.census {
        BatchCensus::Synthetic { employees } => format!("synthetic {employees} employees"),
        BatchCensus::File(path) => {
            // Read in chunks: a census file can be large, and only its digest is kept.
            use std::io::Read;
            let io = |cause| BatchError::Io {
                path: path.clone(),
                cause,
            };
            let mut file = std::fs::File::open(path).map_err(io)?;
            let (mut d, mut len) = (workforce_sim_core::digest::Digest::default(), 0usize);
            let mut chunk = vec![0u8; 1 << 16];
            loop {
                let n = file.read(&mut chunk).map_err(io)?;
                if n == 0 {
                    break;
                }
                d.bytes(&chunk[..n]);
                len += n;
            }
            format!("file {:016x} ({len} bytes)", d.finish())
        }
    };
    inputs.insert("census".to_string(), census);
    let first_seed = batch.seeds.first().copied().unwrap_or_default();
    for (k, s) in batch.scenarios.iter().enumerate() {
        inputs.insert(
            format!("scenario {} configuration", s.id),
            batch.run_config(k, first_seed)?.fingerprint(),
        );
    }
    serde_json::to_string(&inputs).map_err(|e| BatchError::Output(e.to_string()))
}

/// Writes a fan chart per metric into the generation's charts folder
/// (`DB.charts/N/METRIC.svg` once sealed).
fn write_charts(
    bands: &[Band],
    scenarios: &[(String, String)],
    generation: &Generation,
) -> Result<Vec<PathBuf>, BatchError> {
    let dir = generation.charts();
    let partial = generation.writing(&dir)?;
    let names: Vec<&str> = scenarios.iter().map(|s| s.0.as_str()).collect();
    let mut written = Vec::new();
    for metric in crate::Metric::ALL {
        let svg = crate::fan_chart(bands, &names, metric)
            .map_err(|e| BatchError::Output(format!("fan chart of {}: {e}", metric.name())))?;
        let file = format!("{}.svg", metric.name());
        let path = partial.join(&file);
        std::fs::write(&path, svg)
            .map_err(|e| BatchError::Output(format!("{}: {e}", path.display())))?;
        written.push(dir.join(file));
    }
    Ok(written)
}

/// Writes the runs the batch keeps in full (`detail`), each the `simulate` results database
/// of its scenario and seed, into the generation's runs folder (`DB.runs/N/
/// SCENARIO-seedK.duckdb` once sealed). Returns each job's database path, if kept.
fn write_details(
    batch: &ValidBatch,
    list: &[Job],
    generation: &Generation,
    options: &BatchOptions,
) -> Result<Vec<Option<String>>, BatchError> {
    use rayon::prelude::*;
    let position = |seed: u64| {
        batch
            .seeds
            .iter()
            .position(|&s| s == seed)
            .unwrap_or(usize::MAX)
    };
    let kept: Vec<bool> = list
        .iter()
        .map(|j| j.design == Design::Ensemble && batch.file.batch.detail.keeps(position(j.seed)))
        .collect();
    if !kept.iter().any(|&k| k) {
        return Ok(vec![None; list.len()]);
    }
    let final_dir = generation.runs();
    let dir = generation.writing(&final_dir)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workforce_sim_core::year::effective_threads(options.threads))
        .build()
        .map_err(|e| BatchError::Output(format!("cannot start the worker threads: {e}")))?;
    pool.install(|| {
        list.par_iter()
            .zip(kept.par_iter())
            .map(|(job, &keep)| -> Result<Option<String>, BatchError> {
                if !keep {
                    return Ok(None);
                }
                let config = batch.run_config(job.scenario, job.seed)?;
                let input = match &batch.census {
                    BatchCensus::Synthetic { employees } => {
                        CensusInput::synthetic(&config, *employees, job.seed)
                    }
                    BatchCensus::File(path) => CensusInput::File(path.clone()),
                };
                let name = format!(
                    "{}-seed{}.duckdb",
                    batch.scenarios[job.scenario].id, job.seed
                );
                // Exactly `simulate` of this scenario and seed (the native engine, one thread).
                let run_options = RunOptions {
                    threads: 1,
                    ..Default::default()
                };
                simulate_to(
                    &config,
                    &input,
                    &Output::duckdb(dir.join(&name)),
                    &run_options,
                    &NativeEngine,
                    &mut |_| {},
                )?;
                Ok(Some(final_dir.join(&name).display().to_string()))
            })
            .collect()
    })
}

/// What a batch database is written from: the batch file and its scenarios (id, label),
/// the runs in job order with their configuration fingerprints and kept databases, the
/// thresholds and attribution plan to compute over them, and where it goes.
pub(crate) struct BatchWrite<'a> {
    pub file: &'a BatchFile,
    /// [`inputs_json`] of the batch (a merge: its shards').
    pub inputs_json: &'a str,
    pub scenarios: &'a [(String, String)],
    pub runs: Vec<RunSummary>,
    pub fingerprints: &'a [String],
    pub details: &'a [Option<String>],
    pub wanted: &'a [Threshold],
    pub plan: Option<&'a Attribution>,
    /// `(index, count)` of a shard; none for a whole batch.
    pub shard: Option<(u32, u32)>,
    pub db: &'a Path,
    /// Where its runs kept in full were written and its charts go.
    pub generation: &'a Generation,
    pub overwrite: bool,
    pub format: Format,
    pub started: Instant,
}

/// Writes a batch database: the runs and their summaries, and (for a whole batch, not a
/// shard) the bands, threshold probabilities and variance shares over them.
pub(crate) fn write(w: BatchWrite<'_>) -> Result<BatchReport, BatchError> {
    let BatchWrite {
        file,
        inputs_json,
        scenarios,
        runs,
        fingerprints,
        details,
        wanted,
        plan,
        shard,
        db,
        generation,
        overwrite,
        format,
        started,
    } = w;
    let (bands, thresholds) = if shard.is_some() {
        (Vec::new(), Vec::new())
    } else {
        (bands(&runs), thresholds(&runs, scenarios.len(), wanted))
    };
    let shares = match plan {
        Some(a) if shard.is_none() => attribution(&runs, scenarios.len(), &a.seeds, &a.subsystems)
            .map_err(|m| BatchError::Output(format!("variance attribution: {m}")))?,
        _ => Vec::new(),
    };
    let id = |s: usize| scenarios[s].0.as_str();
    let year_rows = |ensemble: bool| -> Vec<BatchYearRow<'_>> {
        runs.iter()
            .filter(|r| (r.design == Design::Ensemble) == ensemble)
            .flat_map(|r| {
                r.years.iter().map(move |y| BatchYearRow {
                    scenario_id: id(r.scenario),
                    seed: r.seed,
                    design: r.design.name(),
                    summary: y,
                })
            })
            .collect()
    };
    let tables = BatchTables {
        batch_json: serde_json::to_string(file).unwrap_or_default(),
        inputs_json: inputs_json.to_string(),
        shard,
        generation: generation.number,
        runs: runs
            .iter()
            .zip(fingerprints)
            .zip(details)
            .map(|((r, f), d)| BatchRunRow {
                scenario_id: id(r.scenario).to_string(),
                label: scenarios[r.scenario].1.clone(),
                seed: r.seed,
                design: r.design.name().to_string(),
                config_fingerprint: f.clone(),
                seconds: r.seconds,
                detail: d.clone(),
            })
            .collect(),
        years: year_rows(true),
        attribution_years: year_rows(false),
        attribution: shares
            .iter()
            .map(|x| ShareRow {
                scenario_id: id(x.scenario),
                year: x.year,
                metric: x.metric.name(),
                subsystem: x.subsystem.name(),
                points: x.points as u64,
                variance: x.variance,
                shares: [
                    x.first_order,
                    x.first_order_se,
                    x.total_effect,
                    x.total_effect_se,
                ],
            })
            .collect(),
        bands: bands
            .iter()
            .map(|b| BandRow {
                scenario_id: id(b.scenario),
                year: b.year,
                metric: b.metric.name(),
                runs: b.runs as u64,
                stats: [b.mean, b.sd, b.p5, b.p25, b.p50, b.p75, b.p95],
            })
            .collect(),
        thresholds: thresholds
            .iter()
            .map(|t| ThresholdRow {
                scenario_id: id(t.scenario),
                metric: t.threshold.metric.name(),
                year: t.threshold.year,
                comparison: if t.threshold.above { "above" } else { "below" },
                value: t.threshold.value,
                runs: t.runs as u64,
                probability: t.probability,
            })
            .collect(),
    };
    let charts = if shard.is_none() {
        write_charts(&bands, scenarios, generation)?
    } else {
        Vec::new()
    };
    // The runs and charts sealed and checked, then the one rename that makes the batch
    // current (see `generation`), then the older generations removed.
    generation.seal(&generation.runs())?;
    generation.seal(&generation.charts())?;
    generation.verify()?;
    fault::point("batch:sealed");
    match format {
        Format::Duckdb => write_batch(db, &tables, overwrite)?,
        Format::Parquet => write_batch_parquet(db, &tables, overwrite)?,
    }
    fault::point("batch:published");
    let warnings = remove_other_generations(db, Some(generation.number));
    Ok(BatchReport {
        warnings,
        charts,
        detail: details.iter().flatten().map(PathBuf::from).collect(),
        runs,
        bands,
        thresholds,
        attribution: shares,
        seconds: started.elapsed().as_secs_f64(),
        database: db.to_path_buf(),
    })
}
