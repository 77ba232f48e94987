//! Target-seeking calibration: the value of one lever (a numeric configuration key, e.g.
//! `compensation.merit_budget`) at which a seed-averaged metric hits a target (e.g. payroll
//! growth of 3.5% a year). Every evaluation runs the same seeds (common random numbers: a
//! seed draws the same workforce whatever the lever), so the averaged metric is a
//! deterministic function of the lever and a root of `metric − target` can be bracketed.
//! The solver is the Illinois variant of regula falsi (a bracketed secant: the bracket
//! always holds the root, and the stale end's value is halved so that it converges
//! superlinearly), stopping when the averaged metric is within the tolerance of the target.
//! A bracket without a sign change (the target out of reach in the range), a lever that does
//! not move the metric, a key that is not a number of the configuration, a value the
//! configuration rejects: errors, before or instead of a result.

use crate::config::{BatchCensus, Scenario, ValidBatch};
use crate::runner::{jobs, run_batch};
use crate::summary::RunSummary;
use crate::{BatchError, Metric};
use serde::Serialize;
use toml::{Table, Value};
#[cfg(test)]
use workforce_sim_core::config::Config;
use workforce_sim_core::config::ValidConfig;

/// What the calibration aims at.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Goal {
    /// A metric in a year (`None`: the last simulated year).
    Metric { metric: Metric, year: Option<i32> },
    /// Payroll's compound annual growth from the first simulated year to the last.
    PayrollGrowth,
    /// Headcount's compound annual growth from the first simulated year to the last.
    HeadcountGrowth,
}

impl Goal {
    /// Parses `payroll_growth`, `headcount_growth`, `METRIC` or `METRIC@YEAR`.
    pub fn parse(text: &str) -> Result<Goal, String> {
        match text {
            "payroll_growth" => return Ok(Goal::PayrollGrowth),
            "headcount_growth" => return Ok(Goal::HeadcountGrowth),
            _ => {}
        }
        let (name, year) = match text.split_once('@') {
            Some((n, y)) => (
                n,
                Some(
                    y.parse::<i32>()
                        .map_err(|_| format!("{text:?}: the year after @ must be a year"))?,
                ),
            ),
            None => (text, None),
        };
        let metric = Metric::parse(name).ok_or_else(|| {
            format!(
                "{name:?} is not a target: payroll_growth, headcount_growth, or a metric ({})",
                Metric::ALL.map(|m| m.name()).join(", ")
            )
        })?;
        Ok(Goal::Metric { metric, year })
    }

    /// The goal's value in one run.
    pub fn value_of(&self, run: &RunSummary) -> Result<f64, String> {
        let (first, last) = match (run.years.first(), run.years.last()) {
            (Some(f), Some(l)) => (f, l),
            _ => return Err("a run with no year".into()),
        };
        let span = (last.year - first.year) as f64;
        let cagr = |a: f64, b: f64| {
            if span > 0.0 && a > 0.0 {
                Ok((b / a).powf(1.0 / span) - 1.0)
            } else {
                Err("a growth target needs at least two simulated years".to_string())
            }
        };
        match *self {
            Goal::PayrollGrowth => cagr(first.payroll, last.payroll),
            Goal::HeadcountGrowth => cagr(
                Metric::Headcount.value(first),
                Metric::Headcount.value(last),
            ),
            Goal::Metric { metric, year } => {
                let y = match year {
                    Some(y) => run
                        .years
                        .iter()
                        .find(|s| s.year == y)
                        .ok_or_else(|| format!("the runs do not simulate {y}"))?,
                    None => last,
                };
                Ok(metric.value(y))
            }
        }
    }
}

/// A calibration to run.
#[derive(Debug, Clone)]
pub struct CalibrateSpec {
    /// The base configuration (its seed is replaced by each seed of `seeds`).
    pub base: ValidConfig,
    pub census: BatchCensus,
    pub seeds: Vec<u64>,
    /// The dotted configuration key (`compensation.merit_budget`, `hiring.compensation_percentile[0]`).
    pub lever: String,
    /// The bracket searched.
    pub range: (f64, f64),
    pub goal: Goal,
    pub target: f64,
    /// Stop when the seed-averaged metric is this close to the target.
    pub tolerance: f64,
    pub max_evaluations: usize,
    pub threads: usize,
}

/// One evaluation of the lever.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub lever: f64,
    /// The metric averaged over the seeds.
    pub mean: f64,
    /// Its standard error over the seeds (a design's noise; the differences between
    /// evaluations are paired and much smaller).
    pub standard_error: f64,
    pub seeds: usize,
}

/// A solved calibration.
#[derive(Debug, Clone, Serialize)]
pub struct Calibration {
    pub lever: String,
    pub goal: Goal,
    pub target: f64,
    pub tolerance: f64,
    /// The lever's value at the solution.
    pub value: f64,
    /// Its standard error from the seeds: the metric's standard error at the solution over
    /// the metric's slope there (the secant through the two nearest evaluations). Another
    /// draw of as many seeds would move the solution by about this much.
    pub value_standard_error: f64,
    /// The evaluation there.
    pub at_solution: Evaluation,
    /// Every evaluation in order (the two ends of the bracket first).
    pub evaluations: Vec<Evaluation>,
    pub seeds: Vec<u64>,
}

impl Calibration {
    /// The solved lever as a configuration overlay (`[section] key = value`; a list
    /// entry's key: the whole list).
    pub fn overlay(&self, base: &ValidConfig) -> Result<Table, BatchError> {
        crate::lever::overlay(&with_lever(base, &self.lever, self.value)?, &[&self.lever])
    }
}

/// `base` with the numeric key `lever` set to `value`, validated.
pub fn with_lever(base: &ValidConfig, lever: &str, value: f64) -> Result<ValidConfig, BatchError> {
    let numeric = {
        let mut t = crate::lever::table(base)?;
        let (path, index) = crate::lever::split_index(lever);
        let mut v = t.remove(path.split('.').next().unwrap_or_default());
        for p in path.split('.').skip(1) {
            v = v.and_then(|x| x.get(p).cloned());
        }
        if let Some(i) = index {
            v = v.and_then(|x| x.get(i).cloned());
        }
        matches!(v, Some(Value::Float(_) | Value::Integer(_)))
    };
    if !numeric {
        return Err(BatchError::Output(format!(
            "lever {lever:?} is not a numeric key of the configuration"
        )));
    }
    crate::lever::with_values(base, &[(lever.to_string(), Value::Float(value))])
        .map_err(|e| BatchError::Output(format!("lever {e}")))
}

/// Evaluates the lever at `value`: the goal over every seed (common random numbers).
pub fn evaluate(spec: &CalibrateSpec, value: f64) -> Result<Evaluation, BatchError> {
    let config = with_lever(&spec.base, &spec.lever, value)?;
    let batch = ValidBatch::in_memory(
        "calibrate",
        vec![Scenario {
            id: "calibrate".into(),
            label: spec.lever.clone(),
            config,
        }],
        spec.seeds.clone(),
        spec.census.clone(),
    );
    let runs = run_batch(&batch, &jobs(&batch), spec.threads, &|_, _| {})?;
    let values: Vec<f64> = runs
        .iter()
        .map(|r| spec.goal.value_of(r))
        .collect::<Result<_, _>>()
        .map_err(BatchError::Output)?;
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = if n > 1.0 {
        (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        f64::NAN
    };
    Ok(Evaluation {
        lever: value,
        mean,
        standard_error: sd / n.sqrt(),
        seeds: values.len(),
    })
}

/// Solves the calibration (see the module documentation); `progress` sees each evaluation.
pub fn calibrate(
    spec: &CalibrateSpec,
    progress: &mut dyn FnMut(&Evaluation),
) -> Result<Calibration, BatchError> {
    let (lo, hi) = spec.range;
    let fail = |m: String| Err(BatchError::Output(format!("calibrate {}: {m}", spec.lever)));
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return fail(format!(
            "the range {lo}:{hi} must be two numbers, low < high"
        ));
    }
    if !(spec.tolerance.is_finite() && spec.tolerance > 0.0) {
        return fail(format!("the tolerance must be > 0, got {}", spec.tolerance));
    }
    if spec.seeds.is_empty() {
        return fail("no seeds".into());
    }
    if spec.max_evaluations < 3 {
        return fail(
            "at least 3 evaluations are needed (the bracket's two ends and one more)".into(),
        );
    }
    let mut evaluations = Vec::new();
    let mut eval = |x: f64, evaluations: &mut Vec<Evaluation>| -> Result<f64, BatchError> {
        let e = evaluate(spec, x)?;
        progress(&e);
        let d = e.mean - spec.target;
        evaluations.push(e);
        Ok(d)
    };
    let (mut a, mut b) = (lo, hi);
    let (mut fa, mut fb) = (eval(a, &mut evaluations)?, eval(b, &mut evaluations)?);
    let done = |evaluations: Vec<Evaluation>, at: usize| {
        let at_solution = evaluations[at].clone();
        let mut others: Vec<&Evaluation> = evaluations
            .iter()
            .filter(|e| e.lever != at_solution.lever)
            .collect();
        others.sort_by(|a, b| {
            (a.lever - at_solution.lever)
                .abs()
                .total_cmp(&(b.lever - at_solution.lever).abs())
        });
        let slope = others.first().map_or(f64::NAN, |o| {
            (o.mean - at_solution.mean) / (o.lever - at_solution.lever)
        });
        Ok(Calibration {
            lever: spec.lever.clone(),
            goal: spec.goal,
            target: spec.target,
            tolerance: spec.tolerance,
            value: at_solution.lever,
            value_standard_error: at_solution.standard_error / slope.abs(),
            at_solution,
            evaluations,
            seeds: spec.seeds.clone(),
        })
    };
    if fa.abs() <= spec.tolerance {
        return done(evaluations, 0);
    }
    if fb.abs() <= spec.tolerance {
        return done(evaluations, 1);
    }
    if fa == fb {
        return fail(format!(
            "the metric is {} at both ends of the range: the lever does not move it",
            evaluations[0].mean
        ));
    }
    if fa.signum() == fb.signum() {
        return fail(format!(
            "the target {} is out of reach in {lo}:{hi}: the metric is {} at {lo} and {} at {hi} (no sign change; widen the range)",
            spec.target, evaluations[0].mean, evaluations[1].mean
        ));
    }
    // Illinois regula falsi.
    let mut side = 0i8;
    while evaluations.len() < spec.max_evaluations {
        let x = (a * fb - b * fa) / (fb - fa);
        let x = if x.is_finite() && x > a.min(b) && x < a.max(b) {
            x
        } else {
            0.5 * (a + b)
        };
        let fx = eval(x, &mut evaluations)?;
        if fx.abs() <= spec.tolerance {
            let at = evaluations.len() - 1;
            return done(evaluations, at);
        }
        if fx.signum() == fb.signum() {
            (b, fb) = (x, fx);
            if side == -1 {
                fa /= 2.0;
            }
            side = -1;
        } else {
            (a, fa) = (x, fx);
            if side == 1 {
                fb /= 2.0;
            }
            side = 1;
        }
        if (b - a).abs() <= 1e-12 * (hi - lo) {
            let near = |x: f64| {
                evaluations
                    .iter()
                    .find(|e| e.lever == x)
                    .map_or(f64::NAN, |e| e.mean)
            };
            return fail(format!(
                "the metric jumps across the target near {a}: {} on one side, {} on the other, and no value reaches {} within {}",
                near(a),
                near(b),
                spec.target,
                spec.tolerance
            ));
        }
    }
    let best = evaluations
        .iter()
        .min_by(|x, y| {
            (x.mean - spec.target)
                .abs()
                .total_cmp(&(y.mean - spec.target).abs())
        })
        .cloned();
    fail(format!(
        "no value within the tolerance {} after {} evaluations (the closest: {} gives {}); the metric may move in steps (counts are whole numbers): loosen the tolerance or add seeds",
        spec.tolerance,
        evaluations.len(),
        best.as_ref().map_or(f64::NAN, |b| b.lever),
        best.as_ref().map_or(f64::NAN, |b| b.mean)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goals_and_levers_parse_or_say_why_not() {
        assert_eq!(Goal::parse("payroll_growth"), Ok(Goal::PayrollGrowth));
        assert_eq!(
            Goal::parse("participation_rate@2029"),
            Ok(Goal::Metric {
                metric: Metric::ParticipationRate,
                year: Some(2029)
            })
        );
        assert!(Goal::parse("happiness")
            .unwrap_err()
            .contains("not a target"));
        let base = Config::default().validate().unwrap();
        let c = with_lever(&base, "compensation.merit_budget", 0.05).unwrap();
        assert_eq!(c.compensation.merit_budget, 0.05);
        let c = with_lever(&base, "hiring.compensation_percentile[1]", 0.4).unwrap();
        assert_eq!(c.hiring.compensation_percentile[1], 0.4);
        assert!(with_lever(&base, "compensation.nothing", 0.05)
            .unwrap_err()
            .to_string()
            .contains("not a numeric key"));
        assert!(with_lever(&base, "workforce.total_termination_rate", 7.0).is_err());
    }
}
