//! `workforce-sim batch FILE` (every scenario with every seed, or one shard of them) and
//! `workforce-sim batch merge PART...` (the shards' databases into the whole batch's).

use super::args::{BatchArgs, MergeArgs};
use super::print;
use anyhow::{bail, Result};
use serde::Serialize;
use std::path::Path;
use workforce_sim::batch::{
    by_scenario, Band, ByScenario, Shard, Share, ThresholdResult, ValidBatch,
};
use workforce_sim::batch::{BatchOptions, BatchReport};

/// What `batch --json` prints: the library's result rows, each with its scenario id.
#[derive(Serialize)]
struct BatchJson<'a> {
    database: String,
    runs: usize,
    seconds: f64,
    bands: Vec<ByScenario<'a, Band>>,
    thresholds: Vec<ByScenario<'a, ThresholdResult>>,
    attribution: Vec<ByScenario<'a, Share>>,
}

pub fn run(args: BatchArgs) -> Result<()> {
    let Some(file) = args.file.as_deref() else {
        bail!("a batch needs its batch file");
    };
    let (db, format) = args.format.target(&args.db, args.out.as_deref())?;
    let shard: Option<Shard> = match &args.shard {
        Some(s) => Some(s.parse().map_err(anyhow::Error::msg)?),
        None => None,
    };
    let b = ValidBatch::load(file)?;
    let all = b.scenarios.len() * b.seeds.len();
    let total = shard.map_or(all, |s| s.len_of(all));
    let bar = print::progress_bar(
        total,
        "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} runs, {eta} left",
        args.json,
    );
    let options = BatchOptions {
        threads: args.threads,
        overwrite: args.overwrite,
        shard,
        format,
    };
    let report = workforce_sim::batch::run_batch_to_database(&b, &db, &options, &|done, _| {
        bar.set_position(done as u64)
    })?;
    bar.finish_and_clear();
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    if let Some(s) = shard {
        eprintln!(
            "shard {}/{}: {} runs in {:.2} s -> {} (combine the shards with `workforce-sim batch merge`)",
            s.index,
            s.count,
            report.runs.len(),
            report.seconds,
            db.display()
        );
        return Ok(());
    }
    let id = |s: usize| b.scenarios[s].id.as_str();
    if args.json {
        return print::json_line(&BatchJson {
            database: db.display().to_string(),
            runs: report.runs.len(),
            seconds: report.seconds,
            bands: by_scenario(&report.bands, |x| x.scenario, id),
            thresholds: by_scenario(&report.thresholds, |x| x.scenario, id),
            attribution: by_scenario(&report.attribution, |x| x.scenario, id),
        });
    }
    tables(&b, &report, &db, &id);
    Ok(())
}

/// The batch's tables for people: where its files went, the last year's bands, the variance
/// shares and the threshold probabilities.
fn tables<'a>(b: &ValidBatch, report: &BatchReport, db: &Path, id: &dyn Fn(usize) -> &'a str) {
    let folder = |files: &[std::path::PathBuf]| {
        files
            .first()
            .and_then(|f| f.parent())
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    };
    if !report.charts.is_empty() {
        eprintln!(
            "fan charts (one SVG per metric) in {}",
            folder(&report.charts)
        );
    }
    if !report.detail.is_empty() {
        eprintln!(
            "{} runs kept in full (their own results databases) in {}",
            report.detail.len(),
            folder(&report.detail)
        );
    }
    let designs = match &b.attribution {
        Some(a) => format!(
            ", and {} x {} points x {} attribution designs",
            b.scenarios.len(),
            a.seeds.len(),
            a.subsystems.len() + 1
        ),
        None => String::new(),
    };
    println!(
        "{} runs ({} scenarios x {} seeds{designs}) in {:.2} s -> {}",
        report.runs.len(),
        b.scenarios.len(),
        b.seeds.len(),
        report.seconds,
        db.display()
    );
    println!();
    print::bands(&report.bands, b.scenarios.len(), id);
    if let Some(a) = &b.attribution {
        println!();
        print::attribution(&report.attribution, a, print::last_year(&report.bands), id);
    }
    if !report.thresholds.is_empty() {
        println!();
        print::thresholds(&report.thresholds, id);
    }
}

pub fn merge(
    MergeArgs {
        parts,
        db,
        overwrite,
    }: MergeArgs,
) -> Result<()> {
    let report = workforce_sim::batch::merge_batches(&parts, &db, overwrite)?;
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    eprintln!(
        "merged {} shard databases: {} runs -> {}",
        parts.len(),
        report.runs.len(),
        db.display()
    );
    Ok(())
}
