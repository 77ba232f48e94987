//! Batches through the facade: run a validated batch file's (scenario, seed) runs in
//! parallel, or one shard of them, and write their summaries, bands and threshold
//! probabilities to a DuckDB file; merge shard databases into the database the unsharded
//! batch writes.

use crate::Error;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;
use workforce_sim_batch::{
    attribution, attribution_plan, bands, compare, job_list, jobs, run_batch, seed_list,
    threshold_list, thresholds, Attribution, Band, BatchFile, Design, Difference, RunSummary,
    Shard, Share, Threshold, ThresholdResult, ValidBatch,
};
use workforce_sim_store::batch_out::{
    read_batch, read_run_summaries, write_batch, write_batch_parquet, BandRow, BatchRunRow,
    BatchTables, BatchYearRow, ShareRow, ThresholdRow,
};
use workforce_sim_store::place::{beside, partial_path, replace_dir};

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
    pub format: crate::Format,
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
}

fn refuse_existing(db: &Path, overwrite: bool) -> Result<(), Error> {
    if db.exists() && !overwrite {
        return Err(Error::Exists(format!(
            "{} exists; pass --overwrite to replace it, or --db to write elsewhere",
            db.display()
        )));
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
) -> Result<BatchReport, Error> {
    let started = Instant::now();
    refuse_existing(db, options.overwrite)?;
    refuse_existing(&detail_dir(db), options.overwrite)?;
    if options.shard.is_none() {
        refuse_existing(&charts_dir(db), options.overwrite)?;
    }
    let all = jobs(batch);
    let list = match options.shard {
        Some(s) => s.jobs(&all),
        None => all,
    };
    let runs = run_batch(batch, &list, options.threads, progress)?;
    let details = write_details(batch, &list, db, options)?;
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
    let report = write(
        &batch.file,
        &scenarios,
        runs,
        &fingerprints,
        &details,
        &batch.thresholds,
        batch.attribution.as_ref(),
        shard,
        db,
        options.overwrite,
        options.format,
        started,
    )?;
    if details.iter().any(Option::is_some) {
        replace_dir(&partial_path(&detail_dir(db)), &detail_dir(db))?;
    }
    Ok(report)
}

/// `DB.charts`: the directory of a batch's fan charts.
pub fn charts_dir(db: &Path) -> PathBuf {
    beside(db, ".charts")
}

/// Writes a fan chart per metric (`DB.charts/METRIC.svg`), the directory written beside and
/// put in place whole.
fn write_charts(
    bands: &[Band],
    scenarios: &[(String, String)],
    db: &Path,
) -> Result<Vec<PathBuf>, Error> {
    let (dir, partial) = (charts_dir(db), partial_path(&charts_dir(db)));
    let io = |p: &Path| {
        let m = p.display().to_string();
        move |e: std::io::Error| Error::Output(format!("{m}: {e}"))
    };
    if partial.exists() {
        std::fs::remove_dir_all(&partial).map_err(io(&partial))?;
    }
    std::fs::create_dir_all(&partial).map_err(io(&partial))?;
    let names: Vec<&str> = scenarios.iter().map(|s| s.0.as_str()).collect();
    let mut written = Vec::new();
    for metric in workforce_sim_batch::Metric::ALL {
        let svg = workforce_sim_batch::fan_chart(bands, &names, metric)
            .map_err(|e| Error::Output(format!("fan chart of {}: {e}", metric.name())))?;
        let file = format!("{}.svg", metric.name());
        std::fs::write(partial.join(&file), svg).map_err(io(&partial.join(&file)))?;
        written.push(dir.join(file));
    }
    replace_dir(&partial, &dir)?;
    Ok(written)
}

/// `DB.runs`: the directory of a batch's runs kept in full.
pub fn detail_dir(db: &Path) -> PathBuf {
    beside(db, ".runs")
}

/// Writes the runs the batch keeps in full (`detail`), each the `simulate` results database
/// of its scenario and seed, into `DB.runs.partial/SCENARIO-seedK.duckdb` (renamed to
/// `DB.runs` with the batch database). Returns each job's database path, if kept.
fn write_details(
    batch: &ValidBatch,
    list: &[workforce_sim_batch::Job],
    db: &Path,
    options: &BatchOptions,
) -> Result<Vec<Option<String>>, Error> {
    use rayon::prelude::*;
    use workforce_sim_batch::config::BatchCensus;
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
    let (final_dir, dir) = (detail_dir(db), partial_path(&detail_dir(db)));
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .map_err(|e| Error::Output(format!("cannot remove {}: {e}", dir.display())))?;
    }
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::Output(format!("cannot create {}: {e}", dir.display())))?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workforce_sim_core::year::effective_threads(options.threads))
        .build()
        .map_err(|e| Error::Output(format!("cannot start the worker threads: {e}")))?;
    pool.install(|| {
        list.par_iter()
            .zip(kept.par_iter())
            .map(|(job, &keep)| -> Result<Option<String>, Error> {
                if !keep {
                    return Ok(None);
                }
                let config = batch.run_config(job.scenario, job.seed)?;
                let input = match &batch.census {
                    BatchCensus::Synthetic { employees } => {
                        let base_year =
                            workforce_sim_core::date::year_of(config.census_plan_year().1);
                        crate::CensusInput::Synthetic(crate::GeneratorParams::new(
                            *employees, base_year, job.seed,
                        ))
                    }
                    BatchCensus::File(path) => crate::CensusInput::File(path.clone()),
                };
                let name = format!(
                    "{}-seed{}.duckdb",
                    batch.scenarios[job.scenario].id, job.seed
                );
                let run_options = crate::RunOptions {
                    threads: 1,
                    ..Default::default()
                };
                crate::simulate_to(
                    &config,
                    &input,
                    &crate::Output::duckdb(dir.join(&name)),
                    &run_options,
                    &mut |_| {},
                )?;
                Ok(Some(final_dir.join(&name).display().to_string()))
            })
            .collect()
    })
}

/// Writes a batch database: the runs and their summaries, and (for a whole batch, not a
/// shard) the bands, threshold probabilities and variance shares over them.
#[allow(clippy::too_many_arguments)]
fn write(
    file: &BatchFile,
    scenarios: &[(String, String)],
    runs: Vec<RunSummary>,
    fingerprints: &[String],
    details: &[Option<String>],
    wanted: &[Threshold],
    plan: Option<&Attribution>,
    shard: Option<(u32, u32)>,
    db: &Path,
    overwrite: bool,
    format: crate::Format,
    started: Instant,
) -> Result<BatchReport, Error> {
    let (bands, thresholds) = if shard.is_some() {
        (Vec::new(), Vec::new())
    } else {
        (bands(&runs), thresholds(&runs, scenarios.len(), wanted))
    };
    let shares = match plan {
        Some(a) if shard.is_none() => attribution(&runs, scenarios.len(), &a.seeds, &a.subsystems)
            .map_err(|m| Error::Output(format!("variance attribution: {m}")))?,
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
        shard,
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
    match format {
        crate::Format::Duckdb => write_batch(db, &tables, overwrite)?,
        crate::Format::Parquet => write_batch_parquet(db, &tables, overwrite)?,
    }
    let charts = if shard.is_none() {
        write_charts(&bands, scenarios, db)?
    } else {
        Vec::new()
    };
    Ok(BatchReport {
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

/// Merges the shard databases of one batch (every shard of a `--shard I/N` split, each
/// once) into `db`: the database the unsharded batch writes, with the same runs in the same
/// order and the same bands and threshold probabilities, and the runs the shards kept in
/// full (each in its `PART.runs/`, so shards may be moved before the merge) copied into
/// `DB.runs/` (so they may be removed after it).
pub fn merge_batches(parts: &[PathBuf], db: &Path, overwrite: bool) -> Result<BatchReport, Error> {
    let started = Instant::now();
    refuse_existing(db, overwrite)?;
    refuse_existing(&charts_dir(db), overwrite)?;
    let bad = |m: String| Error::Output(format!("cannot merge: {m}"));
    if parts.is_empty() {
        return Err(bad("no shard databases given".into()));
    }
    let read: Vec<_> = parts
        .iter()
        .map(|p| read_batch(p).map(|b| (p, b)))
        .collect::<Result<_, _>>()?;
    let json = &read[0].1.batch_json;
    let mut shards = Vec::new();
    for (p, part) in &read {
        if &part.batch_json != json {
            return Err(bad(format!(
                "{} is a shard of another batch than {}",
                p.display(),
                parts[0].display()
            )));
        }
        let Some(s) = part.shard else {
            return Err(bad(format!(
                "{} is a whole batch, not a shard",
                p.display()
            )));
        };
        shards.push(s);
    }
    let count = shards[0].1;
    let mut indices: Vec<u32> = shards.iter().map(|s| s.0).collect();
    indices.sort_unstable();
    if shards.iter().any(|s| s.1 != count) || indices != (1..=count).collect::<Vec<_>>() {
        return Err(bad(format!(
            "the shards given are {:?} of {count}: every shard 1..{count} must be given once",
            indices
        )));
    }
    let file: BatchFile = serde_json::from_str(json)
        .map_err(|e| bad(format!("the stored batch file does not read back: {e}")))?;
    let seeds = seed_list(&file.batch.seeds).map_err(bad)?;
    let wanted = threshold_list(&file.thresholds).map_err(bad)?;
    let plan = attribution_plan(&file, &seeds).map_err(bad)?;
    let scenarios: Vec<(String, String)> = file
        .scenarios
        .iter()
        .map(|s| (s.id.clone(), s.label.clone()))
        .collect();
    let mut by_run: HashMap<(String, u64, String), (BatchRunRow, Vec<_>)> = HashMap::new();
    for (p, part) in read {
        for mut r in part.runs {
            // A shard keeps its runs in full in `PART.runs/`: read them from there, wherever
            // the shard was written (another machine, another directory) before the merge.
            r.detail = r.detail.map(|d| match Path::new(&d).file_name() {
                Some(name) => detail_dir(p).join(name).display().to_string(),
                None => d,
            });
            let key = (r.scenario_id.clone(), r.seed, r.design.clone());
            by_run.insert(key, (r, Vec::new()));
        }
        let ensemble = part
            .years
            .into_iter()
            .map(|(id, seed, y)| (id, seed, Design::Ensemble.name().to_string(), y));
        for (id, seed, design, y) in ensemble.chain(part.attribution_years) {
            if let Some(run) = by_run.get_mut(&(id, seed, design)) {
                run.1.push(y);
            }
        }
    }
    let mut runs = Vec::new();
    let mut fingerprints = Vec::new();
    let mut details = Vec::new();
    for job in job_list(scenarios.len(), &seeds, plan.as_ref()) {
        let (id, design) = (&scenarios[job.scenario].0, job.design.name());
        let (row, mut years) = by_run
            .remove(&(id.clone(), job.seed, design.to_string()))
            .ok_or_else(|| {
                bad(format!(
                    "the {design} run of scenario {id}, seed {}, is in no shard",
                    job.seed
                ))
            })?;
        years.sort_by_key(|y| y.year);
        fingerprints.push(row.config_fingerprint);
        details.push(row.detail.map(PathBuf::from));
        runs.push(RunSummary {
            scenario: job.scenario,
            seed: job.seed,
            design: job.design,
            years,
            seconds: row.seconds,
        });
    }
    let details = collect_details(&details, db, overwrite)?;
    let report = write(
        &file,
        &scenarios,
        runs,
        &fingerprints,
        &details,
        &wanted,
        plan.as_ref(),
        None,
        db,
        overwrite,
        crate::Format::Duckdb,
        started,
    )?;
    if details.iter().any(Option::is_some) {
        replace_dir(&partial_path(&detail_dir(db)), &detail_dir(db))?;
    }
    Ok(report)
}

/// Copies the runs the shards kept in full into `DB.runs.partial/` (put in place as
/// `DB.runs` after the merged database), so that the merged batch names them where the
/// unsharded batch does (`DB.runs/SCENARIO-seedK.duckdb`) and holds them whatever becomes of
/// the shards. Returns each job's new path, if kept.
fn collect_details(
    kept: &[Option<PathBuf>],
    db: &Path,
    overwrite: bool,
) -> Result<Vec<Option<String>>, Error> {
    if kept.iter().all(Option::is_none) {
        return Ok(vec![None; kept.len()]);
    }
    refuse_existing(&detail_dir(db), overwrite)?;
    let (final_dir, dir) = (detail_dir(db), partial_path(&detail_dir(db)));
    let io = |what: &'static str, p: &Path| {
        let p = p.display().to_string();
        move |e: std::io::Error| Error::Output(format!("{what} {p}: {e}"))
    };
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(io("cannot remove", &dir))?;
    }
    std::fs::create_dir_all(&dir).map_err(io("cannot create", &dir))?;
    kept.iter()
        .map(|k| {
            let Some(from) = k else { return Ok(None) };
            let name = from.file_name().ok_or_else(|| {
                Error::Output(format!(
                    "cannot merge: a shard names {} as a run kept in full",
                    from.display()
                ))
            })?;
            std::fs::copy(from, dir.join(name))
                .map_err(io("cannot copy the run kept in full", from))?;
            Ok(Some(final_dir.join(name).display().to_string()))
        })
        .collect()
}

/// Compares two scenarios of a batch database: alternative − base per year and metric,
/// paired by seed, with the interval of the per-seed differences.
pub fn compare_scenarios(
    db: &Path,
    base: &str,
    alternative: &str,
) -> Result<Vec<Difference>, Error> {
    let part = read_batch(db)?;
    if part.shard.is_some() {
        return Err(Error::Output(format!(
            "{} is one shard of a batch; merge the shards first (workforce-sim batch merge)",
            db.display()
        )));
    }
    let file: BatchFile = serde_json::from_str(&part.batch_json).map_err(|e| {
        Error::Output(format!(
            "{}: the stored batch file does not read back: {e}",
            db.display()
        ))
    })?;
    let index = |id: &str| {
        file.scenarios
            .iter()
            .position(|s| s.id == id)
            .ok_or_else(|| {
                Error::Output(format!(
                    "{} has no scenario {id:?} (it has {})",
                    db.display(),
                    file.scenarios
                        .iter()
                        .map(|s| s.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
    };
    let (a, b) = (index(base)?, index(alternative)?);
    let mut runs: HashMap<(usize, u64), RunSummary> = HashMap::new();
    for (id, seed, y) in part.years {
        let s = index(&id)?;
        runs.entry((s, seed))
            .or_insert_with(|| RunSummary {
                scenario: s,
                seed,
                design: Design::Ensemble,
                years: Vec::new(),
                seconds: 0.0,
            })
            .years
            .push(y);
    }
    let mut runs: Vec<RunSummary> = runs.into_values().collect();
    runs.sort_by_key(|r| (r.scenario, r.seed));
    for r in &mut runs {
        r.years.sort_by_key(|y| y.year);
    }
    Ok(compare(&runs, a, b))
}

/// Compares two single-run results databases: per year and metric, `alternative` − `base`
/// (one pair: the interval is the difference itself).
pub fn compare_runs(base: &Path, alternative: &Path) -> Result<Vec<Difference>, Error> {
    let run = |path: &Path, scenario: usize| -> Result<RunSummary, Error> {
        Ok(RunSummary {
            scenario,
            seed: 0,
            design: Design::Ensemble,
            years: read_run_summaries(path)?,
            seconds: 0.0,
        })
    };
    Ok(compare(&[run(base, 0)?, run(alternative, 1)?], 0, 1))
}
