//! Merging a sharded batch: the databases of every shard of one `--shard I/N` split into
//! the database the unsharded batch writes, with its runs kept in full copied beside it.

use crate::attribution::Design;
use crate::config::{attribution_plan, seed_list, threshold_list, BatchFile};
use crate::generation::{check_owned, detail_dir, Generation};
use crate::runner::{job_list, RunSummary};
use crate::write::{refuse_existing, write, BatchReport, BatchWrite};
use crate::BatchError;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;
use workforce_sim_store::batch_output::{read_batch, BatchRunRow};
use workforce_sim_store::lock::OutputLock;
use workforce_sim_store::Format;

/// The entries in which two shards' recorded inputs differ, or `None` when they agree (a
/// shard from a build that recorded none agrees with nothing).
fn inputs_differ(a: &Option<String>, b: &Option<String>) -> Option<String> {
    type Inputs = std::collections::BTreeMap<String, String>;
    let parse = |x: &Option<String>| {
        x.as_deref()
            .and_then(|t| serde_json::from_str::<Inputs>(t).ok())
    };
    let (Some(a), Some(b)) = (parse(a), parse(b)) else {
        return Some("a shard made by a build that did not record its inputs".into());
    };
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let differs: Vec<String> = keys
        .into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| {
            let show = |m: &Inputs| m.get(k).map_or("none".to_string(), Clone::clone);
            format!("{k}: {} vs {}", show(&a), show(&b))
        })
        .collect();
    (!differs.is_empty()).then(|| differs.join("; "))
}

/// Merges the shard databases of one batch (every shard of a `--shard I/N` split, each
/// once) into `db`: the database the unsharded batch writes, with the same runs in the same
/// order and the same bands and threshold probabilities, and the runs the shards kept in
/// full (each in its `PART.runs/`, so shards may be moved before the merge) copied into
/// `DB.runs/` (so they may be removed after it).
pub fn merge_batches(
    parts: &[PathBuf],
    db: &Path,
    overwrite: bool,
) -> Result<BatchReport, BatchError> {
    let started = Instant::now();
    let db = &workforce_sim_store::ownership::output_path(db)?;
    let _lock = OutputLock::acquire(db)?;
    refuse_existing(db, overwrite)?;
    check_owned(db)?;
    let bad = |m: String| BatchError::Output(format!("cannot merge: {m}"));
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
        if let Some(differs) = inputs_differ(&read[0].1.inputs_json, &part.inputs_json) {
            return Err(bad(format!(
                "{} was made from other inputs than {} ({differs}); rerun the shards from the same files with one build",
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
    let inputs = read[0].1.inputs_json.clone().unwrap_or_default();
    for (p, part) in read {
        for mut r in part.runs {
            // A shard keeps its runs in full in `PART.runs/`: read them from there, wherever
            // the shard was written (another machine, another directory) before the merge.
            r.detail = r.detail.map(|d| shard_detail(p, &d));
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
            adp_acp_pass: Vec::new(),
            seconds: row.seconds,
        });
    }
    let generation = Generation::next(db)?;
    let details = collect_details(&details, &generation)?;
    let report = write(BatchWrite {
        file: &file,
        inputs_json: &inputs,
        scenarios: &scenarios,
        runs,
        fingerprints: &fingerprints,
        details: &details,
        wanted: &wanted,
        plan: plan.as_ref(),
        shard: None,
        db,
        generation: &generation,
        overwrite,
        format: Format::Duckdb,
        started,
    })?;
    Ok(report)
}

/// Where a run a shard kept in full is now: in the shard's own `PART.runs/` folder (its
/// generation folder `N/`, or flat as builds before generations kept them), whatever
/// folder the shard was written in.
fn shard_detail(part: &Path, stored: &str) -> String {
    let stored = Path::new(stored);
    let Some(name) = stored.file_name() else {
        return stored.display().to_string();
    };
    let generation = stored
        .parent()
        .and_then(Path::file_name)
        .and_then(|g| g.to_str())
        .filter(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()));
    let dir = match generation {
        Some(g) => detail_dir(part).join(g),
        None => detail_dir(part),
    };
    dir.join(name).display().to_string()
}

/// Copies the runs the shards kept in full into the merged batch's new generation (sealed
/// and published with the merged database), so that the merged batch names them as the
/// unsharded batch does (`DB.runs/N/SCENARIO-seedK.duckdb`) and holds them whatever becomes
/// of the shards. Returns each job's new path, if kept.
fn collect_details(
    kept: &[Option<PathBuf>],
    generation: &Generation,
) -> Result<Vec<Option<String>>, BatchError> {
    if kept.iter().all(Option::is_none) {
        return Ok(vec![None; kept.len()]);
    }
    let final_dir = generation.runs();
    let dir = generation.writing(&final_dir)?;
    let io = |what: &'static str, p: &Path| {
        let p = p.display().to_string();
        move |e: std::io::Error| BatchError::Output(format!("{what} {p}: {e}"))
    };
    kept.iter()
        .map(|k| {
            let Some(from) = k else { return Ok(None) };
            let name = from.file_name().ok_or_else(|| {
                BatchError::Output(format!(
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
