//! `optimize`'s spec: the base (configuration, census, seeds, budget), the levers and their
//! grid, the objectives and the constraints, checked before any run. Every error names the
//! spec's line.

use super::measure::{Measure, Statistic};
use crate::calibrate::Goal;
use crate::config::BatchCensus;
use crate::BatchError;
use serde::{Deserialize, Deserializer};
use std::path::{Path, PathBuf};
use toml::Value;
use workforce_sim_core::config::{Config, ValidConfig};

/// The largest grid a spec may span (the designs are indexed, not listed, so a grid this
/// large costs nothing until it is sampled).
pub const MAX_GRID: u64 = 1 << 40;

/// `optimize`'s spec file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecFile {
    pub base: BaseSpec,
    #[serde(rename = "lever")]
    pub levers: Vec<LeverSpec>,
    /// `[objective]`, or `[[objective]]` two or three times for a Pareto frontier.
    #[serde(deserialize_with = "one_or_many")]
    pub objective: Vec<ObjectiveSpec>,
    #[serde(rename = "constraint", default)]
    pub constraints: Vec<ConstraintSpec>,
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ObjectiveSpec>, D::Error> {
    use serde::de::Error;
    match Value::deserialize(d)? {
        Value::Array(items) => items
            .into_iter()
            .map(|v| ObjectiveSpec::deserialize(v).map_err(D::Error::custom))
            .collect(),
        v => Ok(vec![
            ObjectiveSpec::deserialize(v).map_err(D::Error::custom)?
        ]),
    }
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
    /// Designs of the space-filling sample when the grid is above the budget (default: a
    /// quarter of the budget at the first seeds).
    #[serde(default)]
    pub sample: Option<u64>,
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

/// `[objective]`: minimise or maximise a metric's statistic over the seeds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectiveSpec {
    /// `employer_cost` (the last year), `participation_rate@2029`, `payroll_growth`, ...
    pub metric: String,
    /// `minimize` or `maximize`.
    pub sense: String,
    /// `mean` (the default) or a percentile over the seeds: `p90`, `p50`, ...
    #[serde(default)]
    pub statistic: Option<String>,
    /// The present value over the simulated years at this discount rate (a money metric,
    /// no `@YEAR`): each year's value discounted to the first year.
    #[serde(default)]
    pub discount_rate: Option<f64>,
}

/// `[[constraint]]`: a metric at least or at most a value, at the mean, at a percentile or
/// with a probability; or the ADP and ACP tests passing.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConstraintSpec {
    #[serde(default)]
    pub metric: Option<String>,
    #[serde(default)]
    pub at_least: Option<f64>,
    #[serde(default)]
    pub at_most: Option<f64>,
    /// P(metric meets the bound) must be at least this; absent: the mean must meet it.
    #[serde(default)]
    pub probability: Option<f64>,
    /// A percentile over the seeds (`p10`) must meet the bound: the same as a probability
    /// (`p10 >= v` is `P(metric >= v) >= 0.9`).
    #[serde(default)]
    pub statistic: Option<String>,
    #[serde(default)]
    pub discount_rate: Option<f64>,
    /// `every_year` or `last_year`: the ADP and ACP tests pass (in every seed, or with
    /// `probability`).
    #[serde(default)]
    pub adp_acp_pass: Option<String>,
}

/// A checked objective.
#[derive(Debug, Clone)]
pub struct Objective {
    /// For people and column names: `employer_cost`, `employer_cost p90`,
    /// `employer_cost pv@4%`.
    pub name: String,
    pub measure: Measure,
    pub statistic: Statistic,
    pub minimize: bool,
}

/// How a constraint is judged over the seeds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule {
    /// The mean meets the bound with 95% confidence (the mean's interval clears it).
    Mean,
    /// P(the metric meets the bound) >= p: the Wilson 95% interval's lower end clears p.
    Probability(f64),
    /// Every seed meets the bound.
    EverySeed,
}

/// A checked constraint.
#[derive(Debug, Clone)]
pub struct Constraint {
    /// For people: `participation_rate >= 0.85 with P >= 0.9`.
    pub name: String,
    pub measure: Measure,
    pub at_least: bool,
    pub value: f64,
    pub rule: Rule,
    /// The percentile the spec gave (`p10` = 0.10), kept for the report.
    pub percentile: Option<f64>,
}

impl Constraint {
    /// Whether one seed's value meets the bound.
    pub fn meets(&self, x: f64) -> bool {
        if self.at_least {
            x >= self.value
        } else {
            x <= self.value
        }
    }
}

/// How the designs are searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Search {
    /// Every design of the grid (it fits the budget at the first seeds).
    Grid,
    /// A space-filling (Latin hypercube) sample of this many designs, then local
    /// refinement around the best.
    Sample(u64),
}

/// A checked spec.
#[derive(Debug, Clone)]
pub struct Spec {
    pub path: PathBuf,
    /// The spec's text (its digest identifies shards of one search).
    pub text: String,
    pub base: ValidConfig,
    pub census: BatchCensus,
    pub seeds: Vec<u64>,
    pub first_seeds: usize,
    pub max_runs: u64,
    pub levers: Vec<(String, Vec<Value>)>,
    pub objectives: Vec<Objective>,
    pub constraints: Vec<Constraint>,
    /// The number of designs of the grid (the product of the levers' value counts).
    pub grid_size: u64,
    pub search: Search,
    /// Grid search: every design's configuration, validated when the spec was read.
    grid: Vec<ValidConfig>,
}

fn invalid(path: &Path, line: Option<usize>, message: String) -> BatchError {
    BatchError::Spec {
        path: path.to_path_buf(),
        line,
        message,
    }
}

/// The line numbers (1-based) of each header `[name]` / `[[name]]` in `text`, in order.
fn headers(text: &str, name: &str) -> Vec<usize> {
    let (one, many) = (format!("[{name}]"), format!("[[{name}]]"));
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let l = l.trim_start();
            l.starts_with(&one) || l.starts_with(&many)
        })
        .map(|(i, _)| i + 1)
        .collect()
}

fn statistic(at: &str, text: Option<&str>) -> Result<Statistic, String> {
    match text {
        None | Some("mean") => Ok(Statistic::Mean),
        Some("median") => Ok(Statistic::Percentile(0.5)),
        Some(s) => match s.strip_prefix('p').and_then(|p| p.parse::<f64>().ok()) {
            Some(p) if p > 0.0 && p < 100.0 => Ok(Statistic::Percentile(p / 100.0)),
            _ => Err(format!(
                "{at}: statistic {s:?}: `mean`, `median` or a percentile `p1` to `p99`"
            )),
        },
    }
}

fn measure(at: &str, metric: &str, discount_rate: Option<f64>) -> Result<Measure, String> {
    let goal = Goal::parse(metric).map_err(|m| format!("{at}: {m}"))?;
    match (discount_rate, goal) {
        (None, goal) => Ok(Measure::Goal(goal)),
        (Some(r), Goal::Metric { metric, year: None }) if metric.is_money() => {
            if !(r.is_finite() && r > -1.0 && r < 1.0) {
                return Err(format!("{at}: discount_rate {r} must be within (-1, 1)"));
            }
            Ok(Measure::PresentValue { metric, rate: r })
        }
        (Some(_), _) => Err(format!(
            "{at}: a present value (discount_rate) takes a money metric without @YEAR"
        )),
    }
}

impl Spec {
    /// Reads and checks a spec: unknown keys, a lever naming a missing key, a value the
    /// configuration rejects, an empty grid or a first round above the budget are errors
    /// naming the spec's line, before any run.
    pub fn load(path: &Path) -> Result<Spec, BatchError> {
        let text = std::fs::read_to_string(path).map_err(|cause| BatchError::Io {
            path: path.to_path_buf(),
            cause,
        })?;
        // toml's own message names the line and column.
        let file: SpecFile =
            toml::from_str(&text).map_err(|e| invalid(path, None, e.to_string()))?;
        let lever_lines = headers(&text, "lever");
        let constraint_lines = headers(&text, "constraint");
        let objective_lines = headers(&text, "objective");
        let base_line = headers(&text, "base").first().copied();
        let dir = path.parent().unwrap_or(Path::new("."));
        let base = match &file.base.config {
            Some(c) => Config::from_toml_file(&dir.join(c)),
            None => Ok(Config::default()),
        }
        .and_then(Config::validate)
        .map_err(|e| invalid(path, base_line, format!("[base] config: {e}")))?;
        let census = match (&file.base.census, file.base.employees) {
            (Some(c), _) => BatchCensus::File(dir.join(c)),
            (None, n) => BatchCensus::Synthetic {
                employees: n.unwrap_or(5_000),
            },
        };
        if !(1..=crate::config::MAX_SEEDS).contains(&file.base.seeds) {
            return Err(invalid(
                path,
                base_line,
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
            let line = lever_lines.get(i).copied();
            let at = format!("[[lever]] {} ({})", i + 1, l.key);
            if !crate::lever::exists(&base, &l.key)? {
                return Err(invalid(
                    path,
                    line,
                    format!("{at}: not a key of the configuration"),
                ));
            }
            let values = match (&l.values, l.range, l.step) {
                (Some(v), None, None) if !v.is_empty() => v.clone(),
                (None, Some([lo, hi]), Some(step)) if step > 0.0 && lo <= hi => {
                    let n = ((hi - lo) / step + 1e-9).floor() as usize + 1;
                    if n > 10_000 {
                        return Err(invalid(path, line, format!("{at}: {n} values; use a coarser step")));
                    }
                    (0..n).map(|k| Value::Float(lo + k as f64 * step)).collect()
                }
                _ => {
                    return Err(invalid(
                        path,
                        line,
                        format!("{at}: give `values = [...]` (not empty), or `range = [low, high]` with `step` > 0"),
                    ))
                }
            };
            // Each value alone must make a valid configuration.
            for v in &values {
                crate::lever::with_values(&base, &[(l.key.clone(), v.clone())])
                    .map_err(|e| invalid(path, line, format!("{at}: {e}")))?;
            }
            levers.push((l.key.clone(), values));
        }
        if levers.is_empty() {
            return Err(invalid(path, None, "no [[lever]]".into()));
        }
        if !(1..=3).contains(&file.objective.len()) {
            return Err(invalid(
                path,
                objective_lines.first().copied(),
                "give one [objective], or two or three [[objective]] for a Pareto frontier".into(),
            ));
        }
        let mut objectives = Vec::new();
        for (i, o) in file.objective.iter().enumerate() {
            let line = objective_lines.get(i).copied();
            let at = format!("[objective] {} ({})", i + 1, o.metric);
            let m = measure(&at, &o.metric, o.discount_rate).map_err(|m| invalid(path, line, m))?;
            let stat =
                statistic(&at, o.statistic.as_deref()).map_err(|m| invalid(path, line, m))?;
            let minimize = match o.sense.as_str() {
                "minimize" => true,
                "maximize" => false,
                s => {
                    return Err(invalid(
                        path,
                        line,
                        format!("{at}: sense {s:?}: minimize or maximize"),
                    ))
                }
            };
            objectives.push(Objective {
                name: format!("{}{}", m.name(), stat.suffix()),
                measure: m,
                statistic: stat,
                minimize,
            });
        }
        let mut constraints = Vec::new();
        for (i, c) in file.constraints.iter().enumerate() {
            let line = constraint_lines.get(i).copied();
            let err = |m: String| invalid(path, line, m);
            let (m, at_least, value) = match (&c.metric, &c.adp_acp_pass) {
                (None, Some(when)) => {
                    let at = format!("[[constraint]] {} (adp_acp_pass)", i + 1);
                    let every_year = match when.as_str() {
                        "every_year" => true,
                        "last_year" => false,
                        w => return Err(err(format!("{at}: {w:?}: every_year or last_year"))),
                    };
                    if c.at_least.is_some() || c.at_most.is_some() || c.statistic.is_some() {
                        return Err(err(format!(
                            "{at}: takes no bound or statistic (only probability)"
                        )));
                    }
                    if !base.plan.enabled {
                        return Err(err(format!(
                            "{at}: the base configuration's plan is off (plan.enabled = false): no ADP/ACP test runs"
                        )));
                    }
                    (Measure::AdpAcpPass { every_year }, true, 1.0)
                }
                (Some(metric), None) => {
                    let at = format!("[[constraint]] {} ({metric})", i + 1);
                    let m = measure(&at, metric, c.discount_rate).map_err(err)?;
                    match (c.at_least, c.at_most) {
                        (Some(v), None) => (m, true, v),
                        (None, Some(v)) => (m, false, v),
                        _ => return Err(err(format!("{at}: give one of at_least or at_most"))),
                    }
                }
                _ => {
                    return Err(err(format!(
                    "[[constraint]] {}: give `metric` (with at_least or at_most) or `adp_acp_pass`",
                    i + 1
                )))
                }
            };
            let at = format!("[[constraint]] {} ({})", i + 1, m.name());
            if let Some(p) = c.probability {
                if !(p > 0.0 && p <= 1.0) {
                    return Err(err(format!("{at}: probability must be within (0, 1]")));
                }
            }
            let percentile = match statistic(&at, c.statistic.as_deref()).map_err(err)? {
                Statistic::Mean => None,
                Statistic::Percentile(q) => Some(q),
            };
            let rule = match (c.probability, percentile, &m) {
                (Some(_), Some(_), _) => {
                    return Err(err(format!(
                        "{at}: give a probability or a percentile statistic, not both"
                    )))
                }
                (Some(p), None, _) => Rule::Probability(p),
                // p10 >= v: P(x >= v) >= 0.9; p90 <= v: P(x <= v) >= 0.9.
                (None, Some(q), _) => Rule::Probability(if at_least { 1.0 - q } else { q }),
                (None, None, Measure::AdpAcpPass { .. }) => Rule::EverySeed,
                (None, None, _) => Rule::Mean,
            };
            let bound = if at_least { ">=" } else { "<=" };
            let name = match (&m, rule, percentile) {
                (Measure::AdpAcpPass { .. }, Rule::Probability(p), _) => {
                    format!("{} with P >= {p}", m.name())
                }
                (Measure::AdpAcpPass { .. }, _, _) => format!("{} in every seed", m.name()),
                (_, _, Some(q)) => format!(
                    "{} p{} {bound} {value}",
                    m.name(),
                    super::measure::hundredths(q)
                ),
                (_, Rule::Probability(p), _) => {
                    format!("{} {bound} {value} with P >= {p}", m.name())
                }
                _ => format!("mean {} {bound} {value}", m.name()),
            };
            constraints.push(Constraint {
                name,
                measure: m,
                at_least,
                value,
                rule,
                percentile,
            });
        }
        let grid_size = levers
            .iter()
            .try_fold(1u64, |n, (_, v)| n.checked_mul(v.len() as u64))
            .filter(|n| *n <= MAX_GRID)
            .ok_or_else(|| {
                invalid(
                    path,
                    None,
                    format!("the grid has more than {MAX_GRID} designs: use fewer values"),
                )
            })?;
        let first_round = grid_size.saturating_mul(first_seeds as u64);
        let search = if first_round <= file.base.max_runs {
            Search::Grid
        } else {
            let default = (file.base.max_runs / (4 * first_seeds as u64)).max(2);
            let size = file.base.sample.unwrap_or(default).min(grid_size);
            if size == 0 || size.saturating_mul(first_seeds as u64) > file.base.max_runs / 2 {
                return Err(invalid(
                    path,
                    base_line,
                    format!(
                        "{grid_size} designs: a sample of {size} at {first_seeds} first seeds is above half of max_runs = {} (the other half refines and races): raise max_runs or lower sample",
                        file.base.max_runs
                    ),
                ));
            }
            Search::Sample(size)
        };
        let mut spec = Spec {
            path: path.to_path_buf(),
            text,
            base,
            census,
            seeds,
            first_seeds,
            max_runs: file.base.max_runs,
            levers,
            objectives,
            constraints,
            grid_size,
            search,
            grid: Vec::new(),
        };
        // A grid search validates every design before any run.
        if search == Search::Grid {
            spec.grid = (0..grid_size)
                .map(|d| {
                    let design = spec.design(d);
                    crate::lever::with_values(&spec.base, &design).map_err(|e| {
                        invalid(path, None, format!("design {d} ({}): {e}", show(&design)))
                    })
                })
                .collect::<Result<_, _>>()?;
        }
        Ok(spec)
    }

    /// A design's value index per lever (the first lever varies slowest).
    pub fn indices(&self, design: u64) -> Vec<usize> {
        let mut out = vec![0; self.levers.len()];
        let mut rest = design;
        for (j, (_, values)) in self.levers.iter().enumerate().rev() {
            let n = values.len() as u64;
            out[j] = (rest % n) as usize;
            rest /= n;
        }
        out
    }

    /// The design with these value indices.
    pub fn index_of(&self, indices: &[usize]) -> u64 {
        self.levers
            .iter()
            .zip(indices)
            .fold(0u64, |d, ((_, values), &i)| {
                d * values.len() as u64 + i as u64
            })
    }

    /// A design's lever values.
    pub fn design(&self, design: u64) -> Vec<(String, Value)> {
        self.indices(design)
            .into_iter()
            .zip(&self.levers)
            .map(|(i, (key, values))| (key.clone(), values[i].clone()))
            .collect()
    }

    /// A design's configuration, validated.
    pub fn config(&self, design: u64) -> Result<ValidConfig, BatchError> {
        match self.grid.get(design as usize) {
            Some(c) => Ok(c.clone()),
            None if design < self.grid_size => {
                crate::lever::with_values(&self.base, &self.design(design))
            }
            None => Err(BatchError::Output(format!(
                "design {design} is not in the grid of {} designs",
                self.grid_size
            ))),
        }
    }

    /// What the search's results rest on beyond the spec's text, as `batch` records for
    /// its shards: the build, the base configuration and the census, plus the spec's digest.
    pub fn inputs(&self) -> Result<String, BatchError> {
        let batch = crate::config::ValidBatch::in_memory(
            "optimize",
            vec![crate::config::Scenario {
                id: "base".into(),
                label: "base".into(),
                config: self.base.clone(),
            }],
            self.seeds.clone(),
            self.census.clone(),
        );
        let mut inputs: std::collections::BTreeMap<String, String> =
            serde_json::from_str(&crate::write::inputs_json(&batch)?)
                .map_err(|e| BatchError::Output(e.to_string()))?;
        let mut d = workforce_sim_core::digest::Digest::default();
        d.str(&self.text);
        inputs.insert("spec".into(), d.hex());
        serde_json::to_string(&inputs).map_err(|e| BatchError::Output(e.to_string()))
    }
}

/// A design's lever values, for people.
pub fn show(design: &[(String, Value)]) -> String {
    design
        .iter()
        .map(|(k, v)| format!("{k} = {}", show_value(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A lever's value for people: a tier list as `100% of 0-3% + 50% of 3-5%`, anything else
/// as TOML.
pub fn show_value(v: &Value) -> String {
    let pct = |x: f64| format!("{}%", super::measure::hundredths(x));
    let tier = |t: &Value| -> Option<String> {
        let t = t.as_table()?;
        let num = |k: &str| {
            t.get(k)
                .and_then(|x| x.as_float().or_else(|| x.as_integer().map(|i| i as f64)))
        };
        let rate = num("match_rate").or_else(|| num("rate"))?;
        Some(format!(
            "{} of {}-{}",
            pct(rate),
            pct(num("employee_min")?).trim_end_matches('%'),
            pct(num("employee_max")?)
        ))
    };
    match v.as_array() {
        Some(items) if !items.is_empty() => items
            .iter()
            .map(tier)
            .collect::<Option<Vec<_>>>()
            .map(|t| t.join(" + "))
            .unwrap_or_else(|| v.to_string()),
        _ => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tier_list_reads_as_people_write_it() {
        let v: Value = toml::from_str::<toml::Table>(
            "t = [{ employee_min = 0.0, employee_max = 0.03, match_rate = 1.0 }, { employee_min = 0.03, employee_max = 0.05, match_rate = 0.5 }]",
        )
        .unwrap()["t"]
            .clone();
        assert_eq!(show_value(&v), "100% of 0-3% + 50% of 3-5%");
        assert_eq!(show_value(&Value::Float(0.06)), "0.06");
    }

    #[test]
    fn headers_are_found_by_line() {
        let text = "[base]\nx = 1\n\n[[lever]]\nkey = 'a'\n  [[lever]]\n";
        assert_eq!(headers(text, "lever"), vec![4, 6]);
        assert_eq!(headers(text, "base"), vec![1]);
    }
}
