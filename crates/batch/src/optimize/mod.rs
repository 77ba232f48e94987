//! Choosing a plan design under uncertainty.
//!
//! A spec ([`spec`]) names levers (configuration keys with alternatives); their grid is the
//! set of designs. Every design is judged on an ensemble with common random numbers: the
//! same seeds under every design, so differences between designs are paired.
//!
//! * **Which designs.** The full grid when it fits the budget at the first seeds; otherwise a
//!   seeded space-filling sample (a Latin hypercube over the levers' value indices, drawn
//!   from the keyed generator), then local refinement: the neighbours (one lever one step
//!   away) of the three best designs so far are added, round after round, until no new
//!   neighbour is left or half the budget is spent ([`search`]).
//! * **Racing.** All candidates run on the first seeds; then, round by round, a design is
//!   dropped when it is infeasible with 95% confidence, or when another design is better on
//!   every objective with paired 95% confidence *and* at least as good on every constraint in
//!   every seed so far (so a leader that later proves infeasible cannot have knocked out the
//!   true best: whatever made it infeasible would make the dropped one infeasible too). The
//!   survivors get more seeds, doubling, up to the spec's seeds or the budget. Each dropped
//!   candidate says why and at how many seeds.
//! * **Feasible** only when the seeds support it: a probability (or percentile) constraint
//!   needs the lower end of its Wilson 95% interval at or above the required probability, a
//!   mean constraint its mean's 95% interval clear of the bound, an every-seed constraint
//!   (ADP/ACP without a probability) every seed.
//! * **Best**: the feasible design with the best value of the first objective; its margin over
//!   the runner-up is their paired difference with its interval. The **frontier** is the
//!   Pareto set of the feasible designs over the objectives (with one objective: over it and
//!   the first constraint's metric, the trade-off a sponsor asks about).
//!
//! Deterministic: the same spec gives the same candidates, order and result for any thread
//! count and shard layout (shards evaluate every design on every seed; their merge replays
//! the same search over the stored values, see [`shard`]).

pub mod chart;
pub mod measure;
pub mod output;
pub mod shard;
pub mod spec;
pub mod stats;

pub use output::write_database;
pub use spec::{show, Constraint, Objective, Rule, Search, Spec};

use crate::config::{Scenario, ValidBatch};
use crate::runner::{jobs, run_batch};
use crate::BatchError;
use measure::Statistic;
use serde::Serialize;
use stats::{mean_sd, paired, wilson, Z95};
use std::collections::{BTreeMap, BTreeSet};
use workforce_sim_core::config::ValidConfig;
use workforce_sim_core::rng::{fnv1a64, mix, unit};

/// One run's values: the objectives' measures, then the constraints'.
pub type Row = Vec<f64>;

/// Where a search gets its values: the runs themselves, or a merge of shards that ran them.
pub trait Evaluate {
    /// Per design (in the order given), per seed (in the order given), the run's [`Row`].
    fn evaluate(
        &mut self,
        spec: &Spec,
        designs: &[(u64, ValidConfig)],
        seeds: &[u64],
    ) -> Result<Vec<Vec<Row>>, BatchError>;
}

/// Runs the designs, in parallel over `threads` workers.
pub struct Live {
    pub threads: usize,
}

/// A run's row.
pub fn row(spec: &Spec, run: &crate::RunSummary) -> Result<Row, BatchError> {
    spec.objectives
        .iter()
        .map(|o| &o.measure)
        .chain(spec.constraints.iter().map(|c| &c.measure))
        .map(|m| m.value_of(run).map_err(BatchError::Output))
        .collect()
}

impl Evaluate for Live {
    fn evaluate(
        &mut self,
        spec: &Spec,
        designs: &[(u64, ValidConfig)],
        seeds: &[u64],
    ) -> Result<Vec<Vec<Row>>, BatchError> {
        let scenarios = designs
            .iter()
            .map(|(d, config)| Scenario {
                id: format!("design{d}"),
                label: show(&spec.design(*d)),
                config: config.clone(),
            })
            .collect();
        let batch =
            ValidBatch::in_memory("optimize", scenarios, seeds.to_vec(), spec.census.clone());
        let runs = run_batch(&batch, &jobs(&batch), self.threads, &|_, _| {})?;
        let mut out: Vec<Vec<Row>> = vec![Vec::new(); designs.len()];
        for r in &runs {
            out[r.scenario].push(row(spec, r)?);
        }
        Ok(out)
    }
}

/// An objective's estimate for one design.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectiveResult {
    pub name: String,
    /// The objective's statistic (the mean, or the percentile).
    pub value: f64,
    pub mean: f64,
    pub sd: f64,
    pub standard_error: f64,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

/// A constraint's estimate for one design.
#[derive(Debug, Clone, Serialize)]
pub struct ConstraintResult {
    pub name: String,
    pub mean: f64,
    pub standard_error: f64,
    /// The seeds' percentile the spec named, if it named one.
    pub percentile_value: Option<f64>,
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
    /// The design's index in the grid (the first lever varies slowest).
    pub index: u64,
    pub levers: Vec<(String, String)>,
    pub seeds: usize,
    pub objectives: Vec<ObjectiveResult>,
    pub constraints: Vec<ConstraintResult>,
    pub feasible: bool,
    pub on_frontier: bool,
    /// The design's value on each frontier axis (empty when it never ran).
    pub axes: Vec<f64>,
    /// The frontier design that is at least as good on every frontier axis and better on one.
    pub dominated_by: Option<u64>,
    /// Seeds at which racing dropped it (0: never run), and why.
    pub dropped_at: Option<usize>,
    pub dropped_why: Option<String>,
    /// The design that beat it, and its paired difference to that design on the first
    /// objective with the 95% interval (dropped as worse only).
    pub dropped_by: Option<u64>,
    pub dropped_margin: Option<(f64, f64, f64)>,
}

/// An objective as the result names it.
#[derive(Debug, Clone, Serialize)]
pub struct Axis {
    pub name: String,
    pub minimize: bool,
}

/// The search's result.
#[derive(Debug, Clone, Serialize)]
pub struct Optimization {
    pub objectives: Vec<Axis>,
    pub constraints: Vec<String>,
    /// `grid` or `sample`.
    pub search: &'static str,
    pub grid_size: u64,
    /// Every design evaluated (or found invalid), in grid order.
    pub candidates: Vec<Candidate>,
    /// The best feasible design, if any is feasible.
    pub best: Option<u64>,
    /// The second best feasible design.
    pub runner_up: Option<u64>,
    /// The runner-up's paired difference to the best on the first objective (runner-up
    /// minus best: positive = the best is lower), with its 95% interval.
    pub margin: Option<(f64, f64, f64)>,
    /// The frontier's axes and its designs, best first on the first axis.
    pub frontier_axes: Vec<Axis>,
    pub frontier: Vec<u64>,
    /// Runs the search used.
    pub runs: u64,
    pub seeds: Vec<u64>,
    /// Every value the search rests on: per design, per seed in order, the row.
    #[serde(skip)]
    pub values: BTreeMap<u64, Vec<Row>>,
}

impl Optimization {
    /// The candidate of design `index`.
    pub fn candidate(&self, index: u64) -> Option<&Candidate> {
        self.candidates.iter().find(|c| c.index == index)
    }
}

/// Runs the search (see the module documentation).
pub fn optimize(spec: &Spec, threads: usize) -> Result<Optimization, BatchError> {
    search(spec, &mut Live { threads })
}

/// Why racing dropped a design: at how many seeds, why, and the design that beat it with
/// the paired difference on the first objective.
#[derive(Clone)]
struct Drop {
    at: usize,
    why: String,
    by: Option<(u64, (f64, f64, f64))>,
}

/// The search's working state.
#[derive(Default)]
struct State {
    values: BTreeMap<u64, Vec<Row>>,
    invalid: BTreeMap<u64, String>,
    dropped: BTreeMap<u64, Drop>,
    runs: u64,
}

impl State {
    /// Evaluates `designs` (new ones) on `seeds`; a design the configuration rejects is kept
    /// as invalid, not run.
    fn add(
        &mut self,
        spec: &Spec,
        eval: &mut dyn Evaluate,
        designs: &[u64],
        seeds: &[u64],
    ) -> Result<(), BatchError> {
        let mut valid = Vec::new();
        for &d in designs {
            match spec.config(d) {
                Ok(c) => valid.push((d, c)),
                Err(e) => {
                    self.invalid.insert(d, e.to_string());
                }
            }
        }
        self.extend(spec, eval, valid, seeds)
    }

    fn extend(
        &mut self,
        spec: &Spec,
        eval: &mut dyn Evaluate,
        designs: Vec<(u64, ValidConfig)>,
        seeds: &[u64],
    ) -> Result<(), BatchError> {
        if designs.is_empty() || seeds.is_empty() {
            return Ok(());
        }
        let got = eval.evaluate(spec, &designs, seeds)?;
        for ((d, _), rows) in designs.iter().zip(got) {
            self.values.entry(*d).or_default().extend(rows);
        }
        self.runs += (designs.len() * seeds.len()) as u64;
        Ok(())
    }
}

/// Column `i` of a design's rows.
fn column(rows: &[Row], i: usize) -> Vec<f64> {
    rows.iter().map(|r| r[i]).collect()
}

fn better(minimize: bool, a: f64, b: f64) -> bool {
    if minimize {
        a < b
    } else {
        a > b
    }
}

/// The Latin-hypercube sample of `size` designs (distinct, in draw order).
fn sample(spec: &Spec, size: u64) -> Vec<u64> {
    let key = mix(spec.base.simulation.random_seed ^ fnv1a64(b"optimize|sample"));
    let draw = |j: usize, i: u64, what: u64| unit(mix(key ^ ((j as u64) << 48) ^ (what << 40) ^ i));
    let columns: Vec<Vec<usize>> = spec
        .levers
        .iter()
        .enumerate()
        .map(|(j, (_, values))| {
            let mut strata: Vec<u64> = (0..size).collect();
            strata.sort_by(|a, b| draw(j, *a, 1).total_cmp(&draw(j, *b, 1)).then(a.cmp(b)));
            strata
                .iter()
                .enumerate()
                .map(|(i, &s)| {
                    let x = (s as f64 + draw(j, i as u64, 2)) / size as f64;
                    ((x * values.len() as f64) as usize).min(values.len() - 1)
                })
                .collect()
        })
        .collect();
    let mut seen = BTreeSet::new();
    (0..size as usize)
        .map(|i| spec.index_of(&columns.iter().map(|c| c[i]).collect::<Vec<_>>()))
        .filter(|d| seen.insert(*d))
        .collect()
}

/// A design's constraint estimates from its rows.
fn constraint_results(spec: &Spec, rows: &[Row]) -> Vec<ConstraintResult> {
    let base = spec.objectives.len();
    spec.constraints
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let xs = column(rows, base + i);
            let n = xs.len() as f64;
            let (mean, sd) = mean_sd(&xs);
            let se = if n > 1.0 {
                sd / n.sqrt()
            } else {
                f64::INFINITY
            };
            let k = xs.iter().filter(|x| c.meets(**x)).count() as f64;
            let (lo, hi) = wilson(k, n);
            let met = match c.rule {
                Rule::Probability(p) => lo >= p,
                Rule::EverySeed => n > 0.0 && k == n,
                Rule::Mean => {
                    if c.at_least {
                        mean - Z95 * se >= c.value
                    } else {
                        mean + Z95 * se <= c.value
                    }
                }
            };
            ConstraintResult {
                name: c.name.clone(),
                mean,
                standard_error: se,
                percentile_value: c.percentile.map(|q| Statistic::Percentile(q).of(&xs)),
                probability: k / n,
                probability_low: lo,
                probability_high: hi,
                met,
            }
        })
        .collect()
}

/// Whether the seeds so far rule the design out with confidence.
fn surely_infeasible(spec: &Spec, rows: &[Row]) -> bool {
    constraint_results(spec, rows)
        .iter()
        .zip(&spec.constraints)
        .any(|(r, c)| match c.rule {
            Rule::Probability(p) => r.probability_high < p,
            Rule::EverySeed => r.probability < 1.0,
            Rule::Mean => {
                if c.at_least {
                    r.mean + Z95 * r.standard_error < c.value
                } else {
                    r.mean - Z95 * r.standard_error > c.value
                }
            }
        })
}

/// Whether the point estimates meet every constraint.
fn point_feasible(spec: &Spec, rows: &[Row]) -> bool {
    constraint_results(spec, rows)
        .iter()
        .zip(&spec.constraints)
        .all(|(r, c)| match c.rule {
            Rule::Probability(p) => r.probability >= p,
            Rule::EverySeed => r.probability == 1.0,
            Rule::Mean => c.meets(r.mean),
        })
}

/// Whether `l` is at least as good as `d` on every constraint in every seed both ran.
fn constraint_dominates(spec: &Spec, l: &[Row], d: &[Row]) -> bool {
    let base = spec.objectives.len();
    spec.constraints.iter().enumerate().all(|(i, c)| {
        l.iter().zip(d).all(|(a, b)| {
            let (a, b) = (a[base + i], b[base + i]);
            match c.rule {
                Rule::Mean => {
                    if c.at_least {
                        a >= b
                    } else {
                        a <= b
                    }
                }
                _ => c.meets(a) || !c.meets(b),
            }
        })
    })
}

/// The primary objective's statistic of a design.
fn primary(spec: &Spec, rows: &[Row]) -> f64 {
    spec.objectives[0].statistic.of(&column(rows, 0))
}

/// Designs ranked for refinement and leadership: point-feasible first, then by the first
/// objective, then by index.
fn ranked(spec: &Spec, st: &State, among: &[u64]) -> Vec<u64> {
    let o = &spec.objectives[0];
    let mut keyed: Vec<(bool, f64, u64)> = among
        .iter()
        .map(|&d| {
            let rows = &st.values[&d];
            (!point_feasible(spec, rows), primary(spec, rows), d)
        })
        .collect();
    keyed.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| {
                if better(o.minimize, a.1, b.1) {
                    std::cmp::Ordering::Less
                } else if better(o.minimize, b.1, a.1) {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .then(a.2.cmp(&b.2))
    });
    keyed.into_iter().map(|k| k.2).collect()
}

/// Grid neighbours (one lever one step away) of the three best designs not yet evaluated.
fn neighbours(spec: &Spec, st: &State) -> Vec<u64> {
    let evaluated: Vec<u64> = st
        .values
        .keys()
        .copied()
        .filter(|d| !surely_infeasible(spec, &st.values[d]))
        .collect();
    let mut out = BTreeSet::new();
    for d in ranked(spec, st, &evaluated).into_iter().take(3) {
        let at = spec.indices(d);
        for (j, (_, values)) in spec.levers.iter().enumerate() {
            for step in [-1i64, 1] {
                let k = at[j] as i64 + step;
                if k < 0 || k >= values.len() as i64 {
                    continue;
                }
                let mut next = at.clone();
                next[j] = k as usize;
                let n = spec.index_of(&next);
                if !st.values.contains_key(&n) && !st.invalid.contains_key(&n) {
                    out.insert(n);
                }
            }
        }
    }
    out.into_iter().collect()
}

/// One racing round's drops among `alive` (at `have` seeds).
fn drops(spec: &Spec, st: &State, alive: &[u64], have: usize) -> Vec<(u64, Drop)> {
    let infeasible: BTreeSet<u64> = alive
        .iter()
        .copied()
        .filter(|d| surely_infeasible(spec, &st.values[d]))
        .collect();
    let contenders: Vec<u64> = alive
        .iter()
        .copied()
        .filter(|d| !infeasible.contains(d))
        .collect();
    // Who may knock others out: the point frontier over the objectives and the five best on
    // the first objective.
    let stats = |d: u64| -> Vec<f64> {
        spec.objectives
            .iter()
            .enumerate()
            .map(|(j, o)| o.statistic.of(&column(&st.values[&d], j)))
            .collect()
    };
    let minimize: Vec<bool> = spec.objectives.iter().map(|o| o.minimize).collect();
    let points: Vec<(u64, Vec<f64>)> = contenders.iter().map(|&d| (d, stats(d))).collect();
    let mut leaders: BTreeSet<u64> = ranked(spec, st, &contenders).into_iter().take(5).collect();
    for (d, p) in &points {
        if !points
            .iter()
            .any(|(e, q)| e != d && dominates(&minimize, q, p))
        {
            leaders.insert(*d);
        }
    }
    let mut out = Vec::new();
    for &d in alive {
        if infeasible.contains(&d) {
            out.push((
                d,
                Drop {
                    at: have,
                    why: format!("infeasible with 95% confidence at {have} seeds"),
                    by: None,
                },
            ));
            continue;
        }
        for &l in &leaders {
            if l == d || !constraint_dominates(spec, &st.values[&l], &st.values[&d]) {
                continue;
            }
            let diffs: Vec<(f64, f64, f64)> = spec
                .objectives
                .iter()
                .enumerate()
                .map(|(j, o)| {
                    paired(
                        &column(&st.values[&d], j),
                        &column(&st.values[&l], j),
                        o.statistic,
                    )
                })
                .collect();
            // d − l: worse when minimising if the whole interval is above 0.
            let worse = diffs.iter().zip(&spec.objectives).all(|(&(_, lo, hi), o)| {
                if o.minimize {
                    lo > 0.0
                } else {
                    hi < 0.0
                }
            });
            if worse {
                let (diff, lo, hi) = diffs[0];
                out.push((
                    d,
                    Drop {
                        at: have,
                        why: format!(
                            "worse than design {l} on {} by {diff:.2} (95% {lo:.2} to {hi:.2}, paired){}",
                            spec.objectives[0].name,
                            if diffs.len() > 1 { " and on every other objective" } else { "" }
                        ),
                        by: Some((l, diffs[0])),
                    },
                ));
                break;
            }
        }
    }
    out
}

/// Whether point `a` dominates `b`: no worse on every axis, better on one.
fn dominates(minimize: &[bool], a: &[f64], b: &[f64]) -> bool {
    let no_worse = a
        .iter()
        .zip(b)
        .zip(minimize)
        .all(|((x, y), &m)| !better(m, *y, *x));
    let better_one = a
        .iter()
        .zip(b)
        .zip(minimize)
        .any(|((x, y), &m)| better(m, *x, *y));
    no_worse && better_one
}

/// Runs the search with values from `eval` (see the module documentation).
pub fn search(spec: &Spec, eval: &mut dyn Evaluate) -> Result<Optimization, BatchError> {
    let mut st = State::default();
    let first = &spec.seeds[..spec.first_seeds];
    match spec.search {
        Search::Grid => {
            let all: Vec<u64> = (0..spec.grid_size).collect();
            st.add(spec, eval, &all, first)?;
        }
        Search::Sample(size) => {
            st.add(spec, eval, &sample(spec, size), first)?;
            let explore = spec.max_runs / 2;
            loop {
                let mut next = neighbours(spec, &st);
                let room = explore.saturating_sub(st.runs) / first.len() as u64;
                if next.is_empty() || room == 0 {
                    break;
                }
                next.truncate(room as usize);
                st.add(spec, eval, &next, first)?;
            }
        }
    }
    // Racing.
    let mut have = spec.first_seeds;
    loop {
        let alive: Vec<u64> = st
            .values
            .keys()
            .copied()
            .filter(|d| !st.dropped.contains_key(d))
            .collect();
        if have == spec.seeds.len() || alive.is_empty() {
            break;
        }
        for (d, drop) in drops(spec, &st, &alive, have) {
            st.dropped.insert(d, drop);
        }
        let alive: Vec<u64> = alive
            .into_iter()
            .filter(|d| !st.dropped.contains_key(d))
            .collect();
        if alive.is_empty() {
            break;
        }
        // Double the seeds, or as many as the budget allows.
        let affordable = (spec.max_runs.saturating_sub(st.runs) / alive.len() as u64) as usize;
        let want = (have * 2).min(spec.seeds.len()).min(have + affordable);
        if want == have {
            break;
        }
        let designs = alive
            .iter()
            .map(|&d| Ok((d, spec.config(d)?)))
            .collect::<Result<Vec<_>, BatchError>>()?;
        st.extend(spec, eval, designs, &spec.seeds[have..want])?;
        have = want;
    }
    Ok(finish(spec, st))
}

/// A frontier axis's value of a candidate.
type AxisValue = Box<dyn Fn(&Candidate) -> f64>;

fn finish(spec: &Spec, st: State) -> Optimization {
    let mut candidates: Vec<Candidate> = st
        .values
        .iter()
        .map(|(&d, rows)| {
            let objectives = spec
                .objectives
                .iter()
                .enumerate()
                .map(|(j, o)| {
                    let xs = column(rows, j);
                    let mut sorted = xs.clone();
                    sorted.sort_by(f64::total_cmp);
                    let (mean, sd) = mean_sd(&xs);
                    let q = |p: f64| crate::ensemble::percentile(&sorted, p);
                    ObjectiveResult {
                        name: o.name.clone(),
                        value: o.statistic.of(&xs),
                        mean,
                        sd,
                        standard_error: sd / (xs.len() as f64).sqrt(),
                        p5: q(0.05),
                        p50: q(0.5),
                        p95: q(0.95),
                    }
                })
                .collect();
            let constraints = constraint_results(spec, rows);
            let dropped = st.dropped.get(&d);
            Candidate {
                index: d,
                levers: lever_text(spec, d),
                seeds: rows.len(),
                objectives,
                feasible: dropped.is_none() && constraints.iter().all(|r| r.met),
                constraints,
                on_frontier: false,
                axes: Vec::new(),
                dominated_by: None,
                dropped_at: dropped.map(|x| x.at),
                dropped_why: dropped.map(|x| x.why.clone()),
                dropped_by: dropped.and_then(|x| x.by.map(|b| b.0)),
                dropped_margin: dropped.and_then(|x| x.by.map(|b| b.1)),
            }
        })
        .collect();
    for (&d, why) in &st.invalid {
        candidates.push(Candidate {
            index: d,
            levers: lever_text(spec, d),
            seeds: 0,
            objectives: Vec::new(),
            constraints: Vec::new(),
            feasible: false,
            on_frontier: false,
            axes: Vec::new(),
            dominated_by: None,
            dropped_at: Some(0),
            dropped_why: Some(format!("not a valid configuration: {why}")),
            dropped_by: None,
            dropped_margin: None,
        });
    }
    candidates.sort_by_key(|c| c.index);
    let o = &spec.objectives[0];
    let mut feasible: Vec<&Candidate> = candidates.iter().filter(|c| c.feasible).collect();
    feasible.sort_by(|a, b| {
        let (x, y) = (a.objectives[0].value, b.objectives[0].value);
        if better(o.minimize, x, y) {
            std::cmp::Ordering::Less
        } else if better(o.minimize, y, x) {
            std::cmp::Ordering::Greater
        } else {
            a.index.cmp(&b.index)
        }
    });
    let best = feasible.first().map(|c| c.index);
    let runner_up = feasible.get(1).map(|c| c.index);
    let margin = match (best, runner_up) {
        (Some(b), Some(r)) => Some(paired(
            &column(&st.values[&r], 0),
            &column(&st.values[&b], 0),
            o.statistic,
        )),
        _ => None,
    };
    // The frontier's axes: the objectives, or the objective and the first constraint on a
    // metric (more is better under at_least).
    let mut axes: Vec<(Axis, AxisValue)> = spec
        .objectives
        .iter()
        .enumerate()
        .map(|(j, o)| {
            (
                Axis {
                    name: o.name.clone(),
                    minimize: o.minimize,
                },
                Box::new(move |c: &Candidate| c.objectives[j].value)
                    as Box<dyn Fn(&Candidate) -> f64>,
            )
        })
        .collect();
    if axes.len() == 1 {
        if let Some((i, c)) = spec
            .constraints
            .iter()
            .enumerate()
            .find(|(_, c)| !matches!(c.measure, measure::Measure::AdpAcpPass { .. }))
        {
            axes.push((
                Axis {
                    name: format!("{} (mean)", c.measure.name()),
                    minimize: !c.at_least,
                },
                Box::new(move |x: &Candidate| x.constraints[i].mean),
            ));
        }
    }
    let minimize: Vec<bool> = axes.iter().map(|a| a.0.minimize).collect();
    let point = |c: &Candidate| -> Vec<f64> { axes.iter().map(|a| (a.1)(c)).collect() };
    let feasible_points: Vec<(u64, Vec<f64>)> = candidates
        .iter()
        .filter(|c| c.feasible)
        .map(|c| (c.index, point(c)))
        .collect();
    let mut frontier: Vec<(u64, Vec<f64>)> = feasible_points
        .iter()
        .filter(|(d, p)| {
            !feasible_points
                .iter()
                .any(|(e, q)| e != d && dominates(&minimize, q, p))
        })
        .cloned()
        .collect();
    frontier.sort_by(|a, b| {
        if better(minimize[0], a.1[0], b.1[0]) {
            std::cmp::Ordering::Less
        } else if better(minimize[0], b.1[0], a.1[0]) {
            std::cmp::Ordering::Greater
        } else {
            a.0.cmp(&b.0)
        }
    });
    for c in &mut candidates {
        if c.seeds == 0 {
            continue;
        }
        let p = point(c);
        c.axes = p.clone();
        c.on_frontier = frontier.iter().any(|(d, _)| *d == c.index);
        if !c.on_frontier {
            c.dominated_by = frontier
                .iter()
                .filter(|(_, q)| dominates(&minimize, q, &p))
                .map(|(d, _)| *d)
                .min();
        }
    }
    Optimization {
        objectives: spec
            .objectives
            .iter()
            .map(|o| Axis {
                name: o.name.clone(),
                minimize: o.minimize,
            })
            .collect(),
        constraints: spec.constraints.iter().map(|c| c.name.clone()).collect(),
        search: match spec.search {
            Search::Grid => "grid",
            Search::Sample(_) => "sample",
        },
        grid_size: spec.grid_size,
        candidates,
        best,
        runner_up,
        margin,
        frontier_axes: axes.into_iter().map(|a| a.0).collect(),
        frontier: frontier.into_iter().map(|f| f.0).collect(),
        runs: st.runs,
        seeds: spec.seeds.clone(),
        values: st.values,
    }
}

fn lever_text(spec: &Spec, d: u64) -> Vec<(String, String)> {
    spec.design(d)
        .into_iter()
        .map(|(k, v)| (k, spec::show_value(&v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dominance_is_strict_and_respects_the_sense() {
        assert!(dominates(&[true, false], &[1.0, 5.0], &[2.0, 5.0]));
        assert!(!dominates(&[true, false], &[1.0, 5.0], &[1.0, 5.0]));
        assert!(!dominates(&[true, false], &[1.0, 4.0], &[2.0, 5.0]));
        assert!(dominates(&[false], &[3.0], &[2.0]));
    }
}
