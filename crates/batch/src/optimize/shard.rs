//! `optimize --shard I/N` and `--merge`: a search spread over machines.
//!
//! Racing needs every design's values after each round, so shards do not race: shard I of
//! N runs the (design, seed) pairs of the whole grid at positions I-1, I-1+N, ... (design
//! by design, seed by seed), and stores each run's values (`opt_runs`) with the spec's
//! inputs. The merge checks that the shards belong to one search and cover every pair once,
//! then replays the search over the stored values: the same candidates, drops, best and
//! frontier as the unsharded command, whatever the shard layout. Only a grid search can be
//! sharded, and its every design on every seed must fit `max_runs`.

use super::{row, Evaluate, Row, Search, Spec};
use crate::config::{Scenario, ValidBatch};
use crate::runner::{jobs, run_batch, Shard};
use crate::BatchError;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use workforce_sim_core::config::ValidConfig;

/// A shard's values: `(design, seed) -> row`.
pub type Values = HashMap<(u64, u64), Row>;

/// Checks that the spec can be sharded.
fn shardable(spec: &Spec) -> Result<(), BatchError> {
    let all = spec.grid_size.saturating_mul(spec.seeds.len() as u64);
    if spec.search != Search::Grid || all > spec.max_runs {
        return Err(BatchError::Spec {
            path: spec.path.clone(),
            line: None,
            message: format!(
                "a sharded search runs every design on every seed ({} x {} = {all} runs), above max_runs = {}: raise max_runs, or run it unsharded (racing)",
                spec.grid_size,
                spec.seeds.len(),
                spec.max_runs
            ),
        });
    }
    Ok(())
}

/// Runs shard `shard` of the spec's grid x seeds.
pub fn run_shard(spec: &Spec, shard: Shard, threads: usize) -> Result<Values, BatchError> {
    shardable(spec)?;
    let scenarios = (0..spec.grid_size)
        .map(|d| {
            Ok(Scenario {
                id: format!("design{d}"),
                label: super::show(&spec.design(d)),
                config: spec.config(d)?,
            })
        })
        .collect::<Result<Vec<_>, BatchError>>()?;
    let batch = ValidBatch::in_memory(
        "optimize",
        scenarios,
        spec.seeds.clone(),
        spec.census.clone(),
    );
    let mine = shard.jobs(&jobs(&batch));
    let runs = run_batch(&batch, &mine, threads, &|_, _| {})?;
    runs.iter()
        .map(|r| Ok(((r.scenario as u64, r.seed), row(spec, r)?)))
        .collect()
}

/// The stored values of a merge: replayed to the search in the order it asks.
pub struct Replay {
    pub values: Values,
}

impl Evaluate for Replay {
    fn evaluate(
        &mut self,
        _spec: &Spec,
        designs: &[(u64, ValidConfig)],
        seeds: &[u64],
    ) -> Result<Vec<Vec<Row>>, BatchError> {
        designs
            .iter()
            .map(|(d, _)| {
                seeds
                    .iter()
                    .map(|s| {
                        self.values.get(&(*d, *s)).cloned().ok_or_else(|| {
                            BatchError::Output(format!(
                                "the shards hold no run of design {d} at seed {s}"
                            ))
                        })
                    })
                    .collect()
            })
            .collect()
    }
}

/// One shard database as read back.
pub struct StoredShard {
    pub path: PathBuf,
    pub shard: Shard,
    pub inputs: String,
    pub values: Values,
}

/// Merges shards of `spec`'s search: each must record the spec's inputs and the same shard
/// count, every shard index once, and together every (design, seed) pair of the grid once.
pub fn merge(spec: &Spec, shards: &[StoredShard]) -> Result<super::Optimization, BatchError> {
    shardable(spec)?;
    let inputs = spec.inputs()?;
    let bad = |m: String| BatchError::Output(m);
    let count = shards.first().map(|s| s.shard.count).unwrap_or(0);
    let mut seen = vec![false; count as usize];
    let mut values = Values::new();
    for s in shards {
        if s.inputs != inputs {
            return Err(bad(format!(
                "{} is a shard of another search (its spec, configuration, census or build differ): {} against {inputs}",
                s.path.display(),
                s.inputs
            )));
        }
        if s.shard.count != count {
            return Err(bad(format!(
                "{} is shard {}/{}, the first shard is of {count}",
                s.path.display(),
                s.shard.index,
                s.shard.count
            )));
        }
        let slot = &mut seen[(s.shard.index - 1) as usize];
        if *slot {
            return Err(bad(format!(
                "{}: shard {}/{count} is given twice",
                s.path.display(),
                s.shard.index
            )));
        }
        *slot = true;
        for (k, v) in &s.values {
            if values.insert(*k, v.clone()).is_some() {
                return Err(bad(format!(
                    "design {} at seed {} is in two shards",
                    k.0, k.1
                )));
            }
        }
    }
    if let Some(i) = seen.iter().position(|s| !s) {
        return Err(bad(format!("shard {}/{count} is missing", i + 1)));
    }
    let want = spec.grid_size * spec.seeds.len() as u64;
    if values.len() as u64 != want {
        return Err(bad(format!(
            "the shards hold {} runs, the grid x seeds is {want}",
            values.len()
        )));
    }
    super::search(spec, &mut Replay { values })
}

/// Reads a shard database written by [`super::output::write_shard`].
pub fn read_shard(path: &Path) -> Result<StoredShard, BatchError> {
    let fail = |e: duckdb::Error| {
        BatchError::Output(format!(
            "{}: not an optimize shard database: {e}",
            path.display()
        ))
    };
    if !path.is_file() {
        return Err(BatchError::Output(format!(
            "{}: no such shard database",
            path.display()
        )));
    }
    let conn = duckdb::Connection::open_with_flags(
        path,
        duckdb::Config::default()
            .access_mode(duckdb::AccessMode::ReadOnly)
            .map_err(fail)?,
    )
    .map_err(fail)?;
    let (shard, inputs): (String, String) = conn
        .query_row("SELECT shard, inputs FROM opt_shard", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .map_err(fail)?;
    let shard: Shard = shard
        .parse()
        .map_err(|e: String| BatchError::Output(format!("{}: {e}", path.display())))?;
    let mut values = Values::new();
    let mut stmt = conn
        .prepare("SELECT design, seed, measure, value FROM opt_runs ORDER BY design, seed, measure")
        .map_err(fail)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)? as u64,
                r.get::<_, u64>(1)?,
                r.get::<_, i64>(2)? as usize,
                r.get::<_, f64>(3)?,
            ))
        })
        .map_err(fail)?;
    for r in rows {
        let (d, s, m, v) = r.map_err(fail)?;
        let row = values.entry((d, s)).or_default();
        if row.len() != m {
            return Err(BatchError::Output(format!(
                "{}: design {d} at seed {s} lacks measure {}",
                path.display(),
                row.len()
            )));
        }
        row.push(v);
    }
    Ok(StoredShard {
        path: path.to_path_buf(),
        shard,
        inputs,
        values,
    })
}
