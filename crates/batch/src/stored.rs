//! Comparisons read back from stored results: two scenarios of a batch database (paired by
//! seed), or two single-run databases.

use crate::attribution::Design;
use crate::compare::{compare, Difference};
use crate::config::BatchFile;
use crate::runner::RunSummary;
use crate::BatchError;
use std::collections::HashMap;
use std::path::Path;
use workforce_sim_store::batch_output::{read_batch, read_run_summaries};

/// Compares two scenarios of a batch database: alternative − base per year and metric,
/// paired by seed, with the interval of the per-seed differences.
pub fn compare_scenarios(
    db: &Path,
    base: &str,
    alternative: &str,
) -> Result<Vec<Difference>, BatchError> {
    let part = read_batch(db)?;
    if part.shard.is_some() {
        return Err(BatchError::Output(format!(
            "{} is one shard of a batch; merge the shards first",
            db.display()
        )));
    }
    let file: BatchFile = serde_json::from_str(&part.batch_json).map_err(|e| {
        BatchError::Output(format!(
            "{}: the stored batch file does not read back: {e}",
            db.display()
        ))
    })?;
    let index = |id: &str| {
        file.scenarios
            .iter()
            .position(|s| s.id == id)
            .ok_or_else(|| {
                BatchError::Output(format!(
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
                adp_acp_pass: Vec::new(),
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
pub fn compare_runs(base: &Path, alternative: &Path) -> Result<Vec<Difference>, BatchError> {
    let run = |path: &Path, scenario: usize| -> Result<RunSummary, BatchError> {
        Ok(RunSummary {
            scenario,
            seed: 0,
            design: Design::Ensemble,
            years: read_run_summaries(path)?,
            adp_acp_pass: Vec::new(),
            seconds: 0.0,
        })
    };
    Ok(compare(&[run(base, 0)?, run(alternative, 1)?], 0, 1))
}
