//! Choosing a plan design under uncertainty: every combination of the spec's levers (the
//! full grid) is a candidate design, judged on an ensemble with common random numbers (the
//! same seeds under every design, so differences between designs are paired). Racing spends
//! the run budget where it matters: all candidates run on a few seeds, those worse than the
//! leader with paired confidence or infeasible with confidence are dropped (the result says
//! why and at how many seeds), and the survivors get more seeds, doubling, up to the spec's
//! seeds or the budget. A design is feasible only when the seeds support it: a probability
//! constraint needs the lower end of its Wilson 95% interval at or above the required
//! probability, a mean constraint the lower (or upper) end of its mean's 95% interval. The
//! best design is the feasible one with the best objective mean; its margin over the
//! runner-up is the paired difference with its interval. Deterministic: the same spec gives
//! the same candidates, order and result for any thread count.

use crate::calibrate::Goal;
use crate::config::{BatchCensus, Scenario, ValidBatch};
use crate::runner::{jobs, run_batch};
use crate::BatchError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use toml::Value;
use workforce_sim_core::config::{Config, ValidConfig};

const Z95: f64 = 1.959_963_984_540_054;

/// `optimize`'s spec file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecFile {
    pub base: BaseSpec,
    #[serde(rename = "lever")]
    pub levers: Vec<LeverSpec>,
    pub objective: ObjectiveSpec,
    #[serde(rename = "constraint", default)]
    pub constraints: Vec<ConstraintSpec>,
}

/// `[base]`: the configuration, the census, the seeds and the budget.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaseSpec {
    /// A configuration file, relative to the spec; absent = the defaults.
    #[serde(default)]
    pub config: Option<PathBuf>,
    #[serde(default)]
    pub census: Option<PathBuf>,
    #[serde(default)]
    pub employees: Option<usize>,
    /// Seeds per design at most (random_seed, random_seed + 1, ...).
    pub seeds: u64,
    /// Runs at most, over every design and seed.
    pub max_runs: u64,
    /// Seeds of the first racing round (default 5, at most `seeds`); equal to `seeds`, no
    /// racing: every design runs every seed.
    #[serde(default)]
    pub first_seeds: Option<u64>,
}

/// `[[lever]]`: a configuration key and its alternatives.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeverSpec {
    pub key: String,
    /// The alternatives (numbers, or whole values such as tier lists).
    #[serde(default)]
    pub values: Option<Vec<Value>>,
    /// Or a range with a step: `range = [0.02, 0.06]`, `step = 0.01`.
    #[serde(default)]
    pub range: Option<[f64; 2]>,
    #[serde(default)]
    pub step: Option<f64>,
}

/// `[objective]`: minimise or maximise a metric's mean over the seeds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectiveSpec {
    /// `employer_cost`, `participation_rate@2029`, `payroll_growth`, ...
    pub metric: String,
    /// `minimize` or `maximize`.
    pub sense: String,
}

/// `[[constraint]]`: a metric at least or at most a value, on the mean or with a probability.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConstraintSpec {
    pub metric: String,
    #[serde(default)]
    pub at_least: Option<f64>,
    #[serde(default)]
    pub at_most: Option<f64>,
    /// P(metric meets the bound) must be at least this; absent: the mean must meet it.
    #[serde(default)]
    pub probability: Option<f64>,
}

/// A checked constraint.
#[derive(Debug, Clone, Serialize)]
pub struct Constraint {
    pub metric: String,
    #[serde(skip)]
    pub goal: Goal,
    pub at_least: bool,
    pub value: f64,
    pub probability: Option<f64>,
}

/// A checked spec.
#[derive(Debug, Clone)]
pub struct Spec {
    pub base: ValidConfig,
    pub census: BatchCensus,
    pub seeds: Vec<u64>,
    pub first_seeds: usize,
    pub max_runs: u64,
    pub levers: Vec<(String, Vec<Value>)>,
    pub objective: Goal,
    pub objective_name: String,
    pub minimize: bool,
    pub constraints: Vec<Constraint>,
    /// Every design's configuration, in grid order (the first lever varies slowest).
    pub designs: Vec<(Vec<(String, Value)>, ValidConfig)>,
}

fn invalid(path: &Path, m: String) -> BatchError {
    BatchError::Invalid {
        path: path.to_path_buf(),
        message: m,
    }
}

impl Spec {
    /// Reads and checks a spec: unknown keys, a lever naming a missing key, a value the
    /// configuration rejects, an empty grid or a grid above the budget are errors naming
    /// the entry, before any run.
    pub fn load(path: &Path) -> Result<Spec, BatchError> {
        let text = std::fs::read_to_string(path).map_err(|cause| BatchError::Io {
            path: path.to_path_buf(),
            cause,
        })?;
        let file: SpecFile = toml::from_str(&text).map_err(|e| invalid(path, e.to_string()))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let base = match &file.base.config {
            Some(c) => Config::from_toml_file(&dir.join(c)),
            None => Ok(Config::default()),
        }
        .and_then(Config::validate)
        .map_err(|e| invalid(path, format!("[base] config: {e}")))?;
        let census = match (&file.base.census, file.base.employees) {
            (Some(c), _) => BatchCensus::File(dir.join(c)),
            (None, n) => BatchCensus::Synthetic {
                employees: n.unwrap_or(5_000),
            },
        };
        if !(1..=crate::config::MAX_SEEDS).contains(&file.base.seeds) {
            return Err(invalid(
                path,
                format!(
                    "[base] seeds must be within 1..={}",
                    crate::config::MAX_SEEDS
                ),
            ));
        }
        let first = base.simulation.random_seed;
        let seeds: Vec<u64> = (0..file.base.seeds)
            .map(|k| first.wrapping_add(k))
            .collect();
        let first_seeds = file.base.first_seeds.unwrap_or(5).clamp(1, file.base.seeds) as usize;
        let mut levers = Vec::new();
        for (i, l) in file.levers.iter().enumerate() {
            let at = format!("[[lever]] {} ({})", i + 1, l.key);
            if !crate::lever::exists(&base, &l.key)? {
                return Err(invalid(
                    path,
                    format!("{at}: not a key of the configuration"),
                ));
            }
            let values = match (&l.values, l.range, l.step) {
                (Some(v), None, None) if !v.is_empty() => v.clone(),
                (None, Some([lo, hi]), Some(step)) if step > 0.0 && lo <= hi => {
                    let n = ((hi - lo) / step + 1e-9).floor() as usize + 1;
                    if n > 10_000 {
                        return Err(invalid(path, format!("{at}: {n} values; use a coarser step")));
                    }
                    (0..n).map(|k| Value::Float(lo + k as f64 * step)).collect()
                }
                _ => {
                    return Err(invalid(
                        path,
                        format!("{at}: give `values = [...]` (not empty), or `range = [low, high]` with `step` > 0"),
                    ))
                }
            };
            levers.push((l.key.clone(), values));
        }
        if levers.is_empty() {
            return Err(invalid(path, "no [[lever]]".into()));
        }
        let objective = Goal::parse(&file.objective.metric)
            .map_err(|m| invalid(path, format!("[objective] metric: {m}")))?;
        let minimize = match file.objective.sense.as_str() {
            "minimize" => true,
            "maximize" => false,
            s => {
                return Err(invalid(
                    path,
                    format!("[objective] sense {s:?}: minimize or maximize"),
                ))
            }
        };
        let mut constraints = Vec::new();
        for (i, c) in file.constraints.iter().enumerate() {
            let at = format!("[[constraint]] {} ({})", i + 1, c.metric);
            let goal = Goal::parse(&c.metric).map_err(|m| invalid(path, format!("{at}: {m}")))?;
            let (at_least, value) = match (c.at_least, c.at_most) {
                (Some(v), None) => (true, v),
                (None, Some(v)) => (false, v),
                _ => {
                    return Err(invalid(
                        path,
                        format!("{at}: give one of at_least or at_most"),
                    ))
                }
            };
            if let Some(p) = c.probability {
                if !(0.0..=1.0).contains(&p) {
                    return Err(invalid(
                        path,
                        format!("{at}: probability must be within [0, 1]"),
                    ));
                }
            }
            constraints.push(Constraint {
                metric: c.metric.clone(),
                goal,
                at_least,
                value,
                probability: c.probability,
            });
        }
        // The grid, every design validated before any run.
        let mut grid: Vec<Vec<(String, Value)>> = vec![Vec::new()];
        for (key, values) in &levers {
            grid = grid
                .into_iter()
                .flat_map(|design| {
                    values.iter().map(move |v| {
                        let mut d = design.clone();
                        d.push((key.clone(), v.clone()));
                        d
                    })
                })
                .collect();
        }
        if grid.len() as u64 * first_seeds as u64 > file.base.max_runs {
            return Err(invalid(
                path,
                format!(
                    "{} designs x {first_seeds} first seeds = {} runs, above max_runs = {}: raise max_runs or use fewer values",
                    grid.len(),
                    grid.len() as u64 * first_seeds as u64,
                    file.base.max_runs
                ),
            ));
        }
        let designs = grid
            .into_iter()
            .map(|d| {
                let c = crate::lever::with_values(&base, &d)
                    .map_err(|e| invalid(path, format!("design {}: {e}", show(&d))))?;
                Ok((d, c))
            })
            .collect::<Result<_, BatchError>>()?;
        Ok(Spec {
            base,
            census,
            seeds,
            first_seeds,
            max_runs: file.base.max_runs,
            levers,
            objective,
            objective_name: file.objective.metric.clone(),
            minimize,
            constraints,
            designs,
        })
    }
}

/// A design's lever values, for people.
pub fn show(design: &[(String, Value)]) -> String {
    design
        .iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A constraint's estimate for one design.
#[derive(Debug, Clone, Serialize)]
pub struct ConstraintResult {
    pub metric: String,
    pub mean: f64,
    pub standard_error: f64,
    /// The share of seeds meeting the bound, with its Wilson 95% interval.
    pub probability: f64,
    pub probability_low: f64,
    pub probability_high: f64,
    /// Met with the seeds' confidence.
    pub met: bool,
}

/// One design's result.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub index: usize,
    pub levers: Vec<(String, String)>,
    pub seeds: usize,
    pub objective_mean: f64,
    pub objective_sd: f64,
    pub objective_p5: f64,
    pub objective_p50: f64,
    pub objective_p95: f64,
    pub constraints: Vec<ConstraintResult>,
    pub feasible: bool,
    /// Seeds at which racing dropped it, and why.
    pub dropped_at: Option<usize>,
    pub dropped_why: Option<String>,
}

/// The search's result.
#[derive(Debug, Clone, Serialize)]
pub struct Optimization {
    pub objective: String,
    pub minimize: bool,
    pub candidates: Vec<Candidate>,
    /// The index of the best feasible design, if any is feasible.
    pub best: Option<usize>,
    /// The second best feasible design.
    pub runner_up: Option<usize>,
    /// The best's paired difference to the runner-up on the objective (runner-up minus
    /// best, so positive = the best is better when minimising), with its 95% interval.
    pub margin: Option<(f64, f64, f64)>,
    pub runs: u64,
    pub seeds: Vec<u64>,
}

fn wilson(k: f64, n: f64) -> (f64, f64) {
    if n == 0.0 {
        return (0.0, 1.0);
    }
    let p = k / n;
    let z2 = Z95 * Z95;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let sd = if n > 1.0 {
        (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        f64::NAN
    };
    (mean, sd)
}

/// Per design and seed: the objective and every constraint metric.
type Values = Vec<Vec<(f64, Vec<f64>)>>;

/// Runs `designs` (indices) on `seeds`, returning per design the values per seed.
fn run(
    spec: &Spec,
    designs: &[usize],
    seeds: &[u64],
    threads: usize,
) -> Result<Values, BatchError> {
    let scenarios = designs
        .iter()
        .map(|&d| Scenario {
            id: format!("design{d}"),
            label: show(&spec.designs[d].0),
            config: spec.designs[d].1.clone(),
        })
        .collect();
    let batch = ValidBatch::in_memory("optimize", scenarios, seeds.to_vec(), spec.census.clone());
    let runs = run_batch(&batch, &jobs(&batch), threads, &|_, _| {})?;
    let mut out: Values = vec![Vec::new(); designs.len()];
    for r in &runs {
        let objective = spec.objective.value_of(r).map_err(BatchError::Output)?;
        let cons = spec
            .constraints
            .iter()
            .map(|c| c.goal.value_of(r))
            .collect::<Result<Vec<_>, _>>()
            .map_err(BatchError::Output)?;
        out[r.scenario].push((objective, cons));
    }
    Ok(out)
}

/// Runs the search (see the module documentation).
pub fn optimize(spec: &Spec, threads: usize) -> Result<Optimization, BatchError> {
    let n = spec.designs.len();
    let mut values: Values = vec![Vec::new(); n];
    let mut alive: Vec<usize> = (0..n).collect();
    let mut dropped: Vec<Option<(usize, String)>> = vec![None; n];
    let mut runs = 0u64;
    let mut have = 0usize;
    let mut want = spec.first_seeds.min(spec.seeds.len());
    loop {
        let new_seeds = &spec.seeds[have..want];
        let cost = (alive.len() * new_seeds.len()) as u64;
        if !new_seeds.is_empty() && runs + cost <= spec.max_runs {
            let got = run(spec, &alive, new_seeds, threads)?;
            for (k, &d) in alive.iter().enumerate() {
                values[d].extend(got[k].iter().cloned());
            }
            runs += cost;
            have = want;
        } else if !new_seeds.is_empty() {
            break; // the budget is spent
        }
        if have == spec.seeds.len() || alive.is_empty() {
            break;
        }
        // (A last survivor still gets every seed: its feasibility rests on them.)
        // Drop with confidence: infeasible, or worse than the leader (paired).
        let summary: Vec<(usize, bool, bool)> = alive
            .iter()
            .map(|&d| {
                let cons = constraint_results(spec, &values[d]);
                let surely_not =
                    cons.iter()
                        .zip(&spec.constraints)
                        .any(|(r, c)| match c.probability {
                            Some(p) => r.probability_high < p,
                            None => {
                                if c.at_least {
                                    r.mean + Z95 * r.standard_error < c.value
                                } else {
                                    r.mean - Z95 * r.standard_error > c.value
                                }
                            }
                        });
                (d, surely_not, cons.iter().all(|r| r.met))
            })
            .collect();
        for &(d, surely_not, _) in &summary {
            if surely_not {
                dropped[d] = Some((have, "infeasible with 95% confidence".into()));
            }
        }
        let better = |a: f64, b: f64| if spec.minimize { a < b } else { a > b };
        let leader = summary
            .iter()
            .filter(|s| !s.1)
            .map(|s| s.0)
            .min_by(|&a, &b| {
                let (ma, mb) = (
                    mean_sd(&objective(&values[a])).0,
                    mean_sd(&objective(&values[b])).0,
                );
                if better(ma, mb) {
                    std::cmp::Ordering::Less
                } else if better(mb, ma) {
                    std::cmp::Ordering::Greater
                } else {
                    a.cmp(&b)
                }
            });
        if let Some(l) = leader {
            for &(d, surely_not, _) in &summary {
                if d == l || surely_not {
                    continue;
                }
                let (diff, half) = paired(&values[d], &values[l]);
                // d minus leader: worse when minimising if the whole interval is above 0.
                let worse = if spec.minimize {
                    diff - half > 0.0
                } else {
                    diff + half < 0.0
                };
                if worse {
                    dropped[d] = Some((
                        have,
                        format!(
                            "worse than design {l} by {diff:.4} (95% {:.4} to {:.4}, paired)",
                            diff - half,
                            diff + half
                        ),
                    ));
                }
            }
        }
        alive.retain(|&d| dropped[d].is_none());
        want = (want * 2).min(spec.seeds.len());
    }
    let candidates: Vec<Candidate> = (0..n)
        .map(|d| {
            let obj = objective(&values[d]);
            let mut sorted = obj.clone();
            sorted.sort_by(f64::total_cmp);
            let (mean, sd) = mean_sd(&obj);
            let constraints = constraint_results(spec, &values[d]);
            let feasible = dropped[d].is_none() && constraints.iter().all(|r| r.met);
            let q = |p: f64| crate::ensemble::percentile(&sorted, p);
            Candidate {
                index: d,
                levers: spec.designs[d]
                    .0
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_string()))
                    .collect(),
                seeds: obj.len(),
                objective_mean: mean,
                objective_sd: sd,
                objective_p5: q(0.05),
                objective_p50: q(0.5),
                objective_p95: q(0.95),
                constraints,
                feasible,
                dropped_at: dropped[d].as_ref().map(|x| x.0),
                dropped_why: dropped[d].as_ref().map(|x| x.1.clone()),
            }
        })
        .collect();
    let better = |a: f64, b: f64| if spec.minimize { a < b } else { a > b };
    let mut feasible: Vec<&Candidate> = candidates.iter().filter(|c| c.feasible).collect();
    feasible.sort_by(|a, b| {
        if better(a.objective_mean, b.objective_mean) {
            std::cmp::Ordering::Less
        } else if better(b.objective_mean, a.objective_mean) {
            std::cmp::Ordering::Greater
        } else {
            a.index.cmp(&b.index)
        }
    });
    let best = feasible.first().map(|c| c.index);
    let runner_up = feasible.get(1).map(|c| c.index);
    let margin = match (feasible.first(), feasible.get(1)) {
        (Some(b), Some(r)) => {
            let (diff, half) = paired(&values[r.index], &values[b.index]);
            Some((diff, diff - half, diff + half))
        }
        _ => None,
    };
    Ok(Optimization {
        objective: spec.objective_name.clone(),
        minimize: spec.minimize,
        candidates,
        best,
        runner_up,
        margin,
        runs,
        seeds: spec.seeds.clone(),
    })
}

fn objective(v: &[(f64, Vec<f64>)]) -> Vec<f64> {
    v.iter().map(|x| x.0).collect()
}

/// The paired difference `a − b` over the seeds both ran (the first seeds), and the half
/// width of its 95% interval.
fn paired(a: &[(f64, Vec<f64>)], b: &[(f64, Vec<f64>)]) -> (f64, f64) {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x.0 - y.0).collect();
    let (mean, sd) = mean_sd(&d);
    let half = if sd.is_finite() {
        Z95 * sd / (d.len() as f64).sqrt()
    } else {
        f64::INFINITY
    };
    (mean, half)
}

fn constraint_results(spec: &Spec, v: &[(f64, Vec<f64>)]) -> Vec<ConstraintResult> {
    spec.constraints
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let xs: Vec<f64> = v.iter().map(|x| x.1[i]).collect();
            let n = xs.len() as f64;
            let (mean, sd) = mean_sd(&xs);
            let se = sd / n.sqrt();
            let meets = |x: f64| {
                if c.at_least {
                    x >= c.value
                } else {
                    x <= c.value
                }
            };
            let k = xs.iter().filter(|x| meets(**x)).count() as f64;
            let (lo, hi) = wilson(k, n);
            let met = match c.probability {
                Some(p) => lo >= p,
                None => {
                    let se = if se.is_finite() { se } else { f64::INFINITY };
                    if c.at_least {
                        mean - Z95 * se >= c.value
                    } else {
                        mean + Z95 * se <= c.value
                    }
                }
            };
            ConstraintResult {
                metric: c.metric.clone(),
                mean,
                standard_error: se,
                probability: k / n,
                probability_low: lo,
                probability_high: hi,
                met,
            }
        })
        .collect()
}

/// Writes the search as the tables `opt_candidates` (one row per design: its lever values,
/// seeds, the objective's mean, sd and percentiles, feasibility, dropped-at and why, each
/// constraint's mean, probability and interval as JSON) and `opt_metadata` (objective,
/// sense, best, runner-up, margin, runs, seeds, build) of a new DuckDB file at `path`, whole
/// or not at all; an existing file is replaced only with `overwrite`.
pub fn write_database(o: &Optimization, path: &Path, overwrite: bool) -> Result<(), BatchError> {
    workforce_sim_store::result_file::write_database(path, overwrite, |conn| {
        conn.execute_batch(
            "CREATE TABLE opt_candidates (design INTEGER, levers VARCHAR, seeds INTEGER,
                    objective_mean DOUBLE, objective_sd DOUBLE, objective_p5 DOUBLE,
                    objective_p50 DOUBLE, objective_p95 DOUBLE, feasible BOOLEAN, best BOOLEAN,
                    dropped_at INTEGER, dropped_why VARCHAR, constraints_json VARCHAR);
                 CREATE TABLE opt_metadata (objective VARCHAR, sense VARCHAR, best INTEGER,
                    runner_up INTEGER, margin DOUBLE, margin_low DOUBLE, margin_high DOUBLE,
                    runs BIGINT, seeds VARCHAR, tool_version VARCHAR);",
        )?;
        let finite = |v: f64| v.is_finite().then_some(v);
        {
            let mut s = conn.prepare(
                "INSERT INTO opt_candidates VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )?;
            for c in &o.candidates {
                let levers = serde_json::to_string(&c.levers).unwrap_or_default();
                let constraints = serde_json::to_string(&c.constraints).unwrap_or_default();
                s.execute(duckdb::params![
                    c.index as i64,
                    levers,
                    c.seeds as i64,
                    finite(c.objective_mean),
                    finite(c.objective_sd),
                    finite(c.objective_p5),
                    finite(c.objective_p50),
                    finite(c.objective_p95),
                    c.feasible,
                    Some(c.index) == o.best,
                    c.dropped_at.map(|d| d as i64),
                    c.dropped_why,
                    constraints
                ])?;
            }
        }
        let (m, lo, hi) = match o.margin {
            Some((m, lo, hi)) => (finite(m), finite(lo), finite(hi)),
            None => (None, None, None),
        };
        conn.execute(
            "INSERT INTO opt_metadata VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            duckdb::params![
                o.objective,
                if o.minimize { "minimize" } else { "maximize" },
                o.best.map(|b| b as i64),
                o.runner_up.map(|b| b as i64),
                m,
                lo,
                hi,
                o.runs as i64,
                o.seeds
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
                workforce_sim_store::BUILD
            ],
        )?;
        Ok(())
    })?;
    Ok(())
}
