//! The runs of a batch: the job list (every scenario with every seed, scenario by
//! scenario, seeds in the file's order, then the runs of the variance attribution) and their
//! parallel execution over the cores, each run on one worker; results come back in job
//! order whatever the thread count.

use crate::config::{Attribution, BatchCensus, ValidBatch};
use crate::design::Design;
pub use crate::summary::RunSummary;
use crate::BatchError;
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use workforce_sim_core::config::ValidConfig;
use workforce_sim_core::engine::native::NativeEngine;
use workforce_sim_core::nondiscrimination::TestKind;
use workforce_sim_core::year::{
    self, new_report, CensusInput, Ledgers, PreparedCensus, RunOptions, YearLoop,
};
use workforce_sim_core::SimulationError;
use workforce_sim_store::DuckdbParquet;

/// One run of a batch: scenario index, seed, and which seeds its subsystems draw with
/// (the ensemble's, or a design of the variance attribution at the point of that seed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Job {
    pub scenario: usize,
    pub seed: u64,
    pub design: Design,
}

/// Every job of a batch: see [`job_list`].
pub fn jobs(batch: &ValidBatch) -> Vec<Job> {
    job_list(
        batch.scenarios.len(),
        &batch.seeds,
        batch.attribution.as_ref(),
    )
}

/// Every (scenario, seed) pair of the ensemble, scenario by scenario; then, with an
/// attribution, per scenario and point the resample run and one run per subsystem.
pub fn job_list(scenarios: usize, seeds: &[u64], attribution: Option<&Attribution>) -> Vec<Job> {
    let ensemble = (0..scenarios).flat_map(|scenario| {
        seeds.iter().map(move |&seed| Job {
            scenario,
            seed,
            design: Design::Ensemble,
        })
    });
    let designs = attribution.into_iter().flat_map(|a| {
        (0..scenarios).flat_map(move |scenario| {
            a.seeds.iter().flat_map(move |&seed| {
                std::iter::once(Design::Resample)
                    .chain(a.subsystems.iter().map(|&s| Design::Vary(s)))
                    .map(move |design| Job {
                        scenario,
                        seed,
                        design,
                    })
            })
        })
    });
    ensemble.chain(designs).collect()
}

/// One of `count` deterministic partitions of a batch's job list (`index` from 1): the jobs
/// at positions `index - 1`, `index - 1 + count`, ... (round robin, so every shard gets a
/// share of every scenario). What a Slurm array, a Kubernetes indexed job or a CI matrix
/// runs, one shard per task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl std::str::FromStr for Shard {
    type Err = String;

    /// `"2/4"`: the second of four shards.
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("shard {s:?}: write INDEX/COUNT with 1 <= INDEX <= COUNT, e.g. 1/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// How many of `total` jobs are this shard's.
    pub fn len_of(self, total: usize) -> usize {
        (total + self.count.saturating_sub(self.index) as usize) / self.count.max(1) as usize
    }

    /// This shard's jobs, in job order.
    pub fn jobs(self, all: &[Job]) -> Vec<Job> {
        all.iter()
            .enumerate()
            .filter(|(p, _)| *p as u64 % self.count as u64 == (self.index - 1) as u64)
            .map(|(_, j)| *j)
            .collect()
    }
}

/// Runs `jobs` of `batch` on `threads` workers (0 = one per core), calling `done(finished,
/// total)` as each run finishes (from the worker that ran it). Results are in job order.
pub fn run_batch(
    batch: &ValidBatch,
    jobs: &[Job],
    threads: usize,
    done: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<RunSummary>, BatchError> {
    let threads = year::effective_threads(threads);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| BatchError::Threads {
            threads,
            message: e.to_string(),
        })?;
    // A census file is staged once per scenario (staging depends on the configuration, not
    // on the seed); a synthetic census is generated per run, with the run's census seed.
    let sources: Vec<Source> = batch
        .scenarios
        .iter()
        .map(|s| match &batch.census {
            BatchCensus::File(path) => PreparedCensus::prepare(
                &s.config,
                &CensusInput::File(path.clone()),
                Some(&DuckdbParquet),
            )
            .map(|c| Source::Staged(Box::new(c)))
            .map_err(|source| BatchError::Run {
                scenario: s.id.clone(),
                seed: s.config.simulation.random_seed,
                cause: source,
            }),
            BatchCensus::Synthetic { employees } => Ok(Source::Synthetic(*employees)),
        })
        .collect::<Result<_, _>>()?;
    let finished = AtomicUsize::new(0);
    let total = jobs.len();
    pool.install(|| {
        jobs.par_iter()
            .map(|job| {
                let run = run_one(batch, job, &sources[job.scenario]);
                done(finished.fetch_add(1, Ordering::Relaxed) + 1, total);
                run
            })
            .collect()
    })
}

/// Where a scenario's runs get their census.
enum Source {
    /// A census file, staged once for the scenario.
    Staged(Box<PreparedCensus>),
    /// A synthetic census of this many employees, generated per run with its seed.
    Synthetic(usize),
}

/// One run: scenario `job.scenario`'s configuration with seed `job.seed` (for the ensemble,
/// exactly as `simulate --seed` runs it; for an attribution design, with the subsystem
/// seeds of that design), keeping the summaries only.
fn run_one(batch: &ValidBatch, job: &Job, source: &Source) -> Result<RunSummary, BatchError> {
    let started = Instant::now();
    let scenario = &batch.scenarios[job.scenario];
    let fail = |source: SimulationError| BatchError::Run {
        scenario: scenario.id.clone(),
        seed: job.seed,
        cause: source,
    };
    let (config, census_seed): (ValidConfig, u64) =
        batch.design_config(job.scenario, job.seed, job.design)?;
    let generated;
    let census = match source {
        Source::Staged(c) => c,
        Source::Synthetic(employees) => {
            let input = CensusInput::synthetic(&config, *employees, census_seed);
            generated = PreparedCensus::prepare(&config, &input, None).map_err(fail)?;
            &generated
        }
    };
    let options = RunOptions {
        threads: 1,
        ..Default::default()
    };
    let mut report = new_report(
        &config,
        &options,
        &census.source,
        census.staged.rows.len() as u64,
        census.staged.baseline.len() as u64,
        None,
    );
    // Only the year summaries are kept: the plan's money ledger is not built (its money is
    // in the summaries).
    YearLoop::<SimulationError>::new(&config, &NativeEngine)
        .ledgers(Ledgers::WorkforceOnly)
        .run(census.staged.baseline.clone(), config.years(), &mut report)
        .map_err(fail)?;
    Ok(RunSummary {
        scenario: job.scenario,
        seed: job.seed,
        design: job.design,
        adp_acp_pass: report
            .years
            .iter()
            .filter(|y| !y.compliance_tests.is_empty())
            .map(|y| {
                y.compliance_tests
                    .iter()
                    .filter(|t| matches!(t.test, TestKind::Adp | TestKind::Acp))
                    .all(|t| t.passed())
            })
            .collect(),
        years: report.years.into_iter().map(|y| y.summary).collect(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_partition_the_jobs() {
        assert_eq!("2/4".parse(), Ok(Shard { index: 2, count: 4 }));
        for bad in ["5/4", "0/4", "1/0", "1", "a/b", "-1/4"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        let all: Vec<Job> = (0..10)
            .map(|k| Job {
                scenario: 0,
                seed: k,
                design: Design::Ensemble,
            })
            .collect();
        let mut seen: Vec<u64> = (1..=3)
            .flat_map(|i| Shard { index: i, count: 3 }.jobs(&all))
            .map(|j| j.seed)
            .collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..10).collect::<Vec<_>>());
        for i in 1..=3 {
            let s = Shard { index: i, count: 3 };
            assert_eq!(s.len_of(all.len()), s.jobs(&all).len(), "shard {i}/3");
        }
    }
}
