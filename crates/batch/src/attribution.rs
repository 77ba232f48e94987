//! Which randomness matters: variance attribution by subsystem.
//!
//! Every draw of a run is keyed by its subsystem's seed (docs/rules.md 2.3): the synthetic
//! census, terminations, hiring, promotions, raise dates and the plan's behavioural draws.
//! So the seed of one subsystem can be changed while the others stay frozen, and the change
//! in a metric is the part of its randomness that subsystem brings.
//!
//! The shares are the Sobol indices of each metric over the subsystems' seeds, from the
//! standard design of Saltelli (Saltelli et al. 2010, *Variance based sensitivity analysis
//! of model output*, Computer Physics Communications 181). At each of N points j:
//!
//! * A_j, the ensemble run of seed k_j (every subsystem drawing with k_j);
//! * B_j, the *resample* run (every subsystem drawing with k'_j = [`resample_seed`]`(k_j)`);
//! * AB_j(s), A_j with subsystem s alone drawing with k'_j: one subsystem varied, the others
//!   frozen at A_j.
//!
//! A_j and B_j are independent, so D = Σ_j (f(A_j) − f(B_j))² estimates 2N times the
//! metric's variance V. Jansen's estimators (Jansen 1999), over that D:
//!
//! * first-order share S_s = 1 − Σ_j (f(B_j) − f(AB_j(s)))² / D: the share of the variance
//!   subsystem s explains on its own (B_j and AB_j(s) share only s's draws);
//! * total share ST_s = Σ_j (f(A_j) − f(AB_j(s)))² / D: its share with every interaction it
//!   takes part in (A_j and AB_j(s) differ only in s's draws).
//!
//! Taking V from the same pairs (rather than from the pooled runs) makes both exact at the
//! ends: a subsystem the metric does not depend on gets 0 and one that is all of its
//! randomness gets 1, whatever N, and the shares of a dominant subsystem are not swamped by
//! the noise of estimating V. Σ S_s ≤ 1 in expectation; what is left, 1 − Σ S_s, is
//! explained by interactions between subsystems. Each share comes with the standard error of
//! a ratio estimator (linearised: √(Σ_j (u_j − R v_j)² / (N (N − 1))) / mean(v)); a share
//! of a small subsystem can fall a little below 0 with few points, and the errors fall as
//! 1/√N (about ±0.1 on a dominant subsystem at 200 points). A metric that does not vary
//! (D = 0: the year-end headcount, fixed by the hiring arithmetic) has no shares (NULL). A
//! batch with attribution runs N × (subsystems + 1) runs per scenario on top of its
//! ensemble, which already holds the A_j.
//!
//! A subsystem seed pinned by a scenario's configuration (`random_seed_termination = 7`)
//! stays pinned in every run, so that subsystem explains nothing of the scenario's variance
//! (its shares are 0), as in its ensemble.

pub use crate::design::{resample_seed, Design, Subsystem};
use crate::metrics::Metric;
use crate::summary::RunSummary;
use std::collections::HashMap;

/// The attribution of one metric's variance in one scenario and year to one subsystem.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Share {
    /// The scenario's index in the batch (written by id: [`crate::ByScenario`]).
    #[serde(skip)]
    pub scenario: usize,
    pub year: i32,
    pub metric: Metric,
    pub subsystem: Subsystem,
    /// N, the points of the design.
    pub points: usize,
    /// The metric's sample variance over the 2N runs A and B (for reference: the shares
    /// divide by the variance the pairs estimate).
    pub variance: f64,
    /// S: the share of the variance the subsystem explains alone (`None` when D = 0).
    pub first_order: Option<f64>,
    pub first_order_se: Option<f64>,
    /// ST: its share with its interactions (`None` when D = 0).
    pub total_effect: Option<f64>,
    pub total_effect_se: Option<f64>,
}

/// The ratio Σu / Σv and its linearised standard error; `None` when Σv = 0.
fn ratio(u: &[f64], v: &[f64]) -> Option<(f64, f64)> {
    let (su, sv) = (u.iter().sum::<f64>(), v.iter().sum::<f64>());
    if sv <= 0.0 {
        return None;
    }
    let r = su / sv;
    let n = u.len() as f64;
    let spread = if u.len() > 1 {
        u.iter()
            .zip(v)
            .map(|(a, b)| (a - r * b) * (a - r * b))
            .sum::<f64>()
            / (n * (n - 1.0))
    } else {
        0.0
    };
    Some((r, spread.sqrt() / (sv / n)))
}

/// The shares of every scenario, year, metric and subsystem, from the runs of the designs:
/// for each scenario, the ensemble runs of `seeds` (the points, in order) and their
/// `resample` and varied-subsystem runs. A run that is missing is an error naming it.
/// Ordered by scenario, year, metric and subsystem.
pub fn attribution(
    runs: &[RunSummary],
    scenarios: usize,
    seeds: &[u64],
    subsystems: &[Subsystem],
) -> Result<Vec<Share>, String> {
    let by: HashMap<(usize, u64, Design), &RunSummary> = runs
        .iter()
        .map(|r| ((r.scenario, r.seed, r.design), r))
        .collect();
    let n = seeds.len();
    let mut out = Vec::new();
    for scenario in 0..scenarios {
        let get = |seed: u64, design: Design| {
            by.get(&(scenario, seed, design)).copied().ok_or_else(|| {
                format!(
                    "the {} run of scenario {}, seed {seed}, is missing",
                    design.name(),
                    scenario + 1
                )
            })
        };
        let a: Vec<&RunSummary> = seeds
            .iter()
            .map(|&k| get(k, Design::Ensemble))
            .collect::<Result<_, _>>()?;
        let b: Vec<&RunSummary> = seeds
            .iter()
            .map(|&k| get(k, Design::Resample))
            .collect::<Result<_, _>>()?;
        let ab: Vec<Vec<&RunSummary>> = subsystems
            .iter()
            .map(|&s| {
                seeds
                    .iter()
                    .map(|&k| get(k, Design::Vary(s)))
                    .collect::<Result<_, _>>()
            })
            .collect::<Result<_, _>>()?;
        let Some(first) = a.first() else {
            continue;
        };
        for (y, year) in first.years.iter().enumerate() {
            let value = |r: &RunSummary, m: Metric| -> Result<f64, String> {
                match r.years.get(y) {
                    Some(s) if s.year == year.year => Ok(m.value(s)),
                    _ => Err(format!(
                        "the {} run of scenario {}, seed {}, has no year {}",
                        r.design.name(),
                        scenario + 1,
                        r.seed,
                        year.year
                    )),
                }
            };
            for metric in Metric::ALL {
                let fa: Vec<f64> = a
                    .iter()
                    .map(|r| value(r, metric))
                    .collect::<Result<_, _>>()?;
                let fb: Vec<f64> = b
                    .iter()
                    .map(|r| value(r, metric))
                    .collect::<Result<_, _>>()?;
                let m = (fa.iter().sum::<f64>() + fb.iter().sum::<f64>()) / (2 * n) as f64;
                let variance = fa.iter().chain(&fb).map(|x| (x - m) * (x - m)).sum::<f64>()
                    / (2 * n - 1).max(1) as f64;
                let d: Vec<f64> = (0..n).map(|j| (fa[j] - fb[j]) * (fa[j] - fb[j])).collect();
                for (k, &subsystem) in subsystems.iter().enumerate() {
                    let fab: Vec<f64> = ab[k]
                        .iter()
                        .map(|r| value(r, metric))
                        .collect::<Result<_, _>>()?;
                    let alone: Vec<f64> = (0..n)
                        .map(|j| (fb[j] - fab[j]) * (fb[j] - fab[j]))
                        .collect();
                    let with: Vec<f64> = (0..n)
                        .map(|j| (fa[j] - fab[j]) * (fa[j] - fab[j]))
                        .collect();
                    let first_order = ratio(&alone, &d).map(|(r, se)| (1.0 - r, se));
                    let total_effect = ratio(&with, &d);
                    out.push(Share {
                        scenario,
                        year: year.year,
                        metric,
                        subsystem,
                        points: n,
                        variance,
                        first_order: first_order.map(|x| x.0),
                        first_order_se: first_order.map(|x| x.1),
                        total_effect: total_effect.map(|x| x.0),
                        total_effect_se: total_effect.map(|x| x.1),
                    });
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use workforce_sim_core::report::YearSummary;

    fn run(seed: u64, design: Design, hires: u64) -> RunSummary {
        RunSummary {
            scenario: 0,
            seed,
            design,
            years: vec![YearSummary {
                year: 2025,
                hires,
                ending_headcount: 100,
                ..Default::default()
            }],
            adp_acp_pass: Vec::new(),
            seconds: 0.0,
        }
    }

    /// A model with a known answer: hires = x_termination + 10 x_plan, where each
    /// subsystem's "draw" is a function of its seed; with no interaction, the shares are
    /// 1/101 and 100/101, first order and total alike, and census has none.
    #[test]
    fn an_additive_model_gets_its_variance_shares() {
        let draw = |s: u64| workforce_sim_core::rng::mix(s) % 1000;
        let f = |d: Design, k: u64| {
            draw(d.seed_of(Subsystem::Termination, k))
                + 10 * draw(d.seed_of(Subsystem::Plan, k) ^ 1)
        };
        let seeds: Vec<u64> = (1..=4000).collect();
        let subsystems = [Subsystem::Census, Subsystem::Termination, Subsystem::Plan];
        let mut runs = Vec::new();
        for &k in &seeds {
            for d in [Design::Ensemble, Design::Resample]
                .into_iter()
                .chain(subsystems.map(Design::Vary))
            {
                runs.push(run(k, d, f(d, k)));
            }
        }
        let shares = attribution(&runs, 1, &seeds, &subsystems).unwrap();
        let get = |m: Metric, s: Subsystem| {
            shares
                .iter()
                .find(|x| x.metric == m && x.subsystem == s)
                .unwrap()
                .clone()
        };
        let close = |x: Option<f64>, want: f64, se: Option<f64>| {
            let (x, se) = (x.unwrap(), se.unwrap());
            assert!(
                (x - want).abs() < 4.0 * se + 1e-9,
                "{x} vs {want} (se {se})"
            );
            assert!(se < 0.03, "se {se}");
        };
        let plan = get(Metric::Hires, Subsystem::Plan);
        close(plan.first_order, 100.0 / 101.0, plan.first_order_se);
        close(plan.total_effect, 100.0 / 101.0, plan.total_effect_se);
        let term = get(Metric::Hires, Subsystem::Termination);
        close(term.total_effect, 1.0 / 101.0, term.total_effect_se);
        // A subsystem the metric does not depend on explains exactly nothing...
        let census = get(Metric::Hires, Subsystem::Census);
        assert_eq!(census.first_order, Some(0.0));
        assert_eq!(census.total_effect, Some(0.0));
        // ... and one it depends on alone explains exactly all (here, with only the plan
        // term varying, on a model hires = 10 x_plan).
        let only_plan: Vec<RunSummary> = runs
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r.years[0].hires = 10 * draw(r.design.seed_of(Subsystem::Plan, r.seed) ^ 1);
                r
            })
            .collect();
        let shares = attribution(&only_plan, 1, &seeds[..20], &subsystems).unwrap();
        let plan = shares
            .iter()
            .find(|x| x.metric == Metric::Hires && x.subsystem == Subsystem::Plan)
            .unwrap();
        assert_eq!(
            (plan.first_order, plan.total_effect),
            (Some(1.0), Some(1.0))
        );
        // A metric that does not vary has no shares.
        let headcount = get(Metric::Headcount, Subsystem::Plan);
        assert_eq!((headcount.variance, headcount.first_order), (0.0, None));
        // A missing run is named.
        let e = attribution(&runs[1..], 1, &seeds, &subsystems).unwrap_err();
        assert!(e.contains("ensemble run of scenario 1, seed 1"), "{e}");
    }

    #[test]
    fn designs_and_subsystems_round_trip() {
        for s in Subsystem::ALL {
            assert_eq!(Subsystem::parse(s.name()), Some(s));
            assert_eq!(Design::parse(s.name()), Some(Design::Vary(s)));
        }
        for d in [Design::Ensemble, Design::Resample] {
            assert_eq!(Design::parse(d.name()), Some(d));
        }
        assert_ne!(resample_seed(1), 1);
        assert_eq!(
            Design::Vary(Subsystem::Plan).seed_of(Subsystem::Hiring, 5),
            5
        );
        assert_eq!(
            Design::Vary(Subsystem::Plan).seed_of(Subsystem::Plan, 5),
            resample_seed(5)
        );
    }
}
