//! Batches through the facade: run a validated batch file's (scenario, seed) runs in
//! parallel and write their summaries, bands and threshold probabilities to a DuckDB file.

use crate::Error;
use std::path::{Path, PathBuf};
use std::time::Instant;
use workforce_sim_batch::{
    bands, jobs, run_batch, thresholds, Band, RunSummary, ThresholdResult, ValidBatch,
};
use workforce_sim_store::batch_out::{
    write_batch, BandRow, BatchRunRow, BatchTables, BatchYearRow, ThresholdRow,
};

/// How a batch runs.
#[derive(Debug, Clone, Default)]
pub struct BatchOptions {
    /// Worker threads (0 = one per core); each run uses one.
    pub threads: usize,
    /// Replace an existing database file.
    pub overwrite: bool,
}

/// What a batch produced.
#[derive(Debug, Clone)]
pub struct BatchReport {
    pub runs: Vec<RunSummary>,
    pub bands: Vec<Band>,
    pub thresholds: Vec<ThresholdResult>,
    pub seconds: f64,
    pub database: PathBuf,
}

/// Runs every (scenario, seed) of `batch` and writes `db` (replacing an existing file only
/// with `overwrite`, checked before any run starts). `progress(done, total)` is called as each
/// run finishes.
pub fn run_batch_to_database(
    batch: &ValidBatch,
    db: &Path,
    options: &BatchOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<BatchReport, Error> {
    let started = Instant::now();
    if db.exists() && !options.overwrite {
        return Err(Error::Exists(format!(
            "{} exists; pass --overwrite to replace it, or --db to write elsewhere",
            db.display()
        )));
    }
    let list = jobs(batch);
    let runs = run_batch(batch, &list, options.threads, progress)?;
    let bands = bands(&runs);
    let thresholds = thresholds(&runs, batch.scenarios.len(), &batch.thresholds);
    let id = |s: usize| batch.scenarios[s].id.as_str();
    let tables = BatchTables {
        batch_json: serde_json::to_string(&batch.file).unwrap_or_default(),
        runs: runs
            .iter()
            .map(|r| BatchRunRow {
                scenario_id: id(r.scenario).to_string(),
                label: batch.scenarios[r.scenario].label.clone(),
                seed: r.seed,
                config_fingerprint: batch
                    .run_config(r.scenario, r.seed)
                    .map(|c| c.fingerprint())
                    .unwrap_or_default(),
                seconds: r.seconds,
            })
            .collect(),
        years: runs
            .iter()
            .flat_map(|r| {
                r.years.iter().map(move |y| BatchYearRow {
                    scenario_id: id(r.scenario),
                    seed: r.seed,
                    summary: y,
                })
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
    write_batch(db, &tables, options.overwrite)?;
    Ok(BatchReport {
        runs,
        bands,
        thresholds,
        seconds: started.elapsed().as_secs_f64(),
        database: db.to_path_buf(),
    })
}
