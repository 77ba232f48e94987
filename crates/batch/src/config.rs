//! The batch file (TOML, every table and key checked) and its validated form.
//!
//! ```toml
//! [batch]
//! config = "base.toml"                # optional, relative to the batch file
//! employees = 5000                    # synthetic census, generated per run with its seed
//! # census = "census.csv"             # or one census file for every run
//! seeds = { start = 1, count = 20 }   # or seeds = [1, 2, 3]
//!
//! [[scenario]]
//! id = "baseline"
//! label = "Baseline"
//!
//! [[scenario]]
//! id = "ae_all_6"
//! label = "Auto-enroll all at 6%"
//! [scenario.overlay.plan.auto_enrollment]
//! scope = "all_eligible_employees"
//! default_deferral_rate = 0.06
//!
//! [[threshold]]
//! metric = "employer_cost"
//! year = 2029
//! above = 12_000_000
//!
//! [attribution]                       # optional: which randomness matters
//! points = 100                        # the first 100 seeds; default every seed
//! subsystems = ["termination", "plan"] # default every one (census only when synthetic)
//! ```
//!
//! An overlay is merged into the base configuration table by table (a value replaces the
//! base's, a table merges into the base's), then parsed and validated like any configuration
//! file: an unknown key or a broken rule is reported with its scenario id and key before any
//! run starts.

use crate::design::{resample_seed, Design, Subsystem};
use crate::metrics::Metric;
use crate::BatchError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use workforce_sim_core::config::{Config, ValidConfig};

/// The most seeds one batch may name (a batch larger than this is a mistake in the file).
pub const MAX_SEEDS: u64 = 1_000_000;

/// The batch file as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchFile {
    pub batch: BatchSection,
    #[serde(rename = "scenario", default)]
    pub scenarios: Vec<ScenarioSpec>,
    #[serde(rename = "threshold", default)]
    pub thresholds: Vec<ThresholdSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<AttributionSpec>,
}

/// `[attribution]`: variance attribution by subsystem ([`crate::attribution`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributionSpec {
    /// N: the design's points are the batch's first N seeds (default: every seed). Each
    /// point costs one run per subsystem plus one, per scenario.
    #[serde(default)]
    pub points: Option<u64>,
    /// The subsystems to attribute to (default: every one; `census` only with a synthetic
    /// census).
    #[serde(default)]
    pub subsystems: Option<Vec<String>>,
}

/// A validated `[attribution]`: the points' seeds and the subsystems.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribution {
    pub seeds: Vec<u64>,
    pub subsystems: Vec<Subsystem>,
}

/// The attribution a batch file asks for, checked against its seeds and census: at least 2
/// and at most every seed as points, known subsystems without repeats, and no `census` for
/// a census file (it has no randomness).
pub fn attribution_plan(file: &BatchFile, seeds: &[u64]) -> Result<Option<Attribution>, String> {
    let Some(spec) = &file.attribution else {
        return Ok(None);
    };
    let points = spec.points.unwrap_or(seeds.len() as u64);
    if points < 2 || points > seeds.len() as u64 {
        return Err(format!(
            "attribution.points must be 2 to the number of seeds ({}), not {points}",
            seeds.len()
        ));
    }
    let synthetic = file.batch.census.is_none();
    let subsystems = match &spec.subsystems {
        None => Subsystem::ALL
            .into_iter()
            .filter(|s| synthetic || *s != Subsystem::Census)
            .collect(),
        Some(names) => {
            let mut out: Vec<Subsystem> = Vec::new();
            for n in names {
                let s = Subsystem::parse(n).ok_or_else(|| {
                    format!(
                        "attribution.subsystems: {n:?} is not one of {}",
                        Subsystem::ALL.map(|s| s.name()).join(", ")
                    )
                })?;
                if out.contains(&s) {
                    return Err(format!("attribution.subsystems: {n:?} appears twice"));
                }
                if s == Subsystem::Census && !synthetic {
                    return Err(
                        "attribution.subsystems: \"census\" varies a synthetic census, but this \
                         batch reads a census file, which has no randomness"
                            .into(),
                    );
                }
                out.push(s);
            }
            if out.is_empty() {
                return Err("attribution.subsystems: the list is empty".into());
            }
            out
        }
    };
    Ok(Some(Attribution {
        seeds: seeds[..points as usize].to_vec(),
        subsystems,
    }))
}

/// `[batch]`: the base configuration, the census and the seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchSection {
    /// Base configuration file, relative to the batch file; absent = the defaults.
    #[serde(default)]
    pub config: Option<PathBuf>,
    /// Census file for every run, relative to the batch file (CSV or Parquet).
    #[serde(default)]
    pub census: Option<PathBuf>,
    /// Size of the synthetic census, generated for each run with the run's seed (as
    /// `simulate --employees N --seed K` does). Default 5,000 when no census file is named.
    #[serde(default)]
    pub employees: Option<usize>,
    pub seeds: Seeds,
    #[serde(default)]
    pub detail: Detail,
}

/// The seeds of the ensemble: a list, or `{ start, count }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Seeds {
    List(Vec<u64>),
    Range { start: u64, count: u64 },
}

/// Which runs keep their full events and snapshots: each such run is also written as a
/// results database of its own (the `simulate` database of that scenario and seed), beside
/// the batch database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Detail {
    /// Summaries only.
    None,
    /// The first seed of every scenario in full (the default: one run per design to look
    /// into).
    #[default]
    FirstSeed,
    /// Every run in full.
    All,
}

impl Detail {
    /// Whether the run of seed position `position` (0 = the first seed) is kept in full.
    pub fn keeps(self, position: usize) -> bool {
        match self {
            Detail::None => false,
            Detail::FirstSeed => position == 0,
            Detail::All => true,
        }
    }
}

/// `[[scenario]]`: an id, a label and a configuration overlay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    pub id: String,
    pub label: String,
    #[serde(default)]
    pub overlay: toml::Table,
}

/// `[[threshold]]`: the probability that `metric` in `year` is above (or below) a value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdSpec {
    pub metric: String,
    pub year: i32,
    #[serde(default)]
    pub above: Option<f64>,
    #[serde(default)]
    pub below: Option<f64>,
}

/// A validated threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Threshold {
    pub metric: Metric,
    pub year: i32,
    /// `true`: P(metric > value); `false`: P(metric < value).
    pub above: bool,
    pub value: f64,
}

/// A scenario with its validated configuration (its seed is set per run).
#[derive(Debug, Clone)]
pub struct Scenario {
    pub id: String,
    pub label: String,
    pub config: ValidConfig,
}

/// Where every run's census comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchCensus {
    /// Generated per run with the run's seed.
    Synthetic { employees: usize },
    /// One file for every run.
    File(PathBuf),
}

/// A batch file that passed every check: what [`crate::run_batch`] takes.
#[derive(Debug, Clone)]
pub struct ValidBatch {
    pub path: PathBuf,
    pub file: BatchFile,
    pub scenarios: Vec<Scenario>,
    pub seeds: Vec<u64>,
    pub census: BatchCensus,
    pub thresholds: Vec<Threshold>,
    pub attribution: Option<Attribution>,
}

impl ValidBatch {
    /// A batch made in memory rather than read from a file (`calibrate`, `optimize`):
    /// `scenarios` on `seeds`, summaries only, no thresholds or attribution.
    pub fn in_memory(
        name: &str,
        scenarios: Vec<Scenario>,
        seeds: Vec<u64>,
        census: BatchCensus,
    ) -> ValidBatch {
        ValidBatch {
            path: PathBuf::from(name),
            file: BatchFile {
                batch: BatchSection {
                    config: None,
                    census: None,
                    employees: None,
                    seeds: Seeds::List(seeds.clone()),
                    detail: Detail::None,
                },
                scenarios: Vec::new(),
                thresholds: Vec::new(),
                attribution: None,
            },
            scenarios,
            seeds,
            census,
            thresholds: Vec::new(),
            attribution: None,
        }
    }

    /// Reads and validates a batch file: every scenario's configuration, the seeds, the
    /// census and the thresholds. Nothing is run or written.
    pub fn load(path: &Path) -> Result<ValidBatch, BatchError> {
        let text = std::fs::read_to_string(path).map_err(|source| BatchError::Io {
            path: path.to_path_buf(),
            cause: source,
        })?;
        ValidBatch::parse(path, &text)
    }

    /// [`ValidBatch::load`] from text; `path` names the file in errors and anchors its
    /// relative paths.
    pub fn parse(path: &Path, text: &str) -> Result<ValidBatch, BatchError> {
        let invalid = |message: String| BatchError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let file: BatchFile = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let base = match &file.batch.config {
            Some(c) => {
                let p = dir.join(c);
                let text = std::fs::read_to_string(&p).map_err(|source| BatchError::Io {
                    path: p.clone(),
                    cause: source,
                })?;
                text.parse::<toml::Table>()
                    .map_err(|e| invalid(format!("base configuration {}: {e}", p.display())))?
            }
            None => toml::Table::new(),
        };
        if file.scenarios.is_empty() {
            return Err(invalid(
                "no [[scenario]]: a batch needs at least one".into(),
            ));
        }
        let mut scenarios = Vec::with_capacity(file.scenarios.len());
        for s in &file.scenarios {
            if s.id.is_empty()
                || !s
                    .id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(invalid(format!(
                    "scenario id {:?}: use letters, digits, '_' and '-' only",
                    s.id
                )));
            }
            if scenarios.iter().any(|x: &Scenario| x.id == s.id) {
                return Err(invalid(format!("scenario id {:?} appears twice", s.id)));
            }
            let mut merged = base.clone();
            merge(&mut merged, &s.overlay);
            let scenario_error = |source| BatchError::Scenario {
                path: path.to_path_buf(),
                scenario: s.id.clone(),
                cause: source,
            };
            let config = Config::from_toml_str(&merged.to_string())
                .and_then(Config::validate)
                .map_err(scenario_error)?;
            scenarios.push(Scenario {
                id: s.id.clone(),
                label: s.label.clone(),
                config,
            });
        }
        let seeds = seed_list(&file.batch.seeds).map_err(invalid)?;
        let census = match (&file.batch.census, file.batch.employees) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "name either census (a file) or employees (a synthetic census), not both"
                        .into(),
                ))
            }
            (Some(c), None) => BatchCensus::File(dir.join(c)),
            (None, Some(0)) => return Err(invalid("employees must be at least 1".into())),
            (None, n) => BatchCensus::Synthetic {
                employees: n.unwrap_or(5_000),
            },
        };
        let thresholds = threshold_list(&file.thresholds).map_err(invalid)?;
        let attribution = attribution_plan(&file, &seeds).map_err(invalid)?;
        for t in &thresholds {
            for s in &scenarios {
                if !s.config.years().contains(&t.year) {
                    return Err(invalid(format!(
                        "threshold year {} is outside scenario {}'s years {}-{}",
                        t.year, s.id, s.config.simulation.start_year, s.config.simulation.end_year
                    )));
                }
            }
        }
        Ok(ValidBatch {
            path: path.to_path_buf(),
            file,
            scenarios,
            seeds,
            census,
            thresholds,
            attribution,
        })
    }

    /// Scenario `s`'s configuration with seed `seed` (the seed cannot break validity: any
    /// `u64` is a seed).
    pub fn run_config(&self, s: usize, seed: u64) -> Result<ValidConfig, BatchError> {
        self.design_config(s, seed, Design::Ensemble).map(|c| c.0)
    }

    /// Scenario `s`'s configuration for the run of `design` at the point of seed `seed`,
    /// and the seed of its synthetic census: the ensemble run is `run_config`; the resample
    /// run draws everything with the point's second seed; a run varying one subsystem gives
    /// that subsystem's seed the second seed. A subsystem seed the scenario pins stays.
    pub fn design_config(
        &self,
        s: usize,
        seed: u64,
        design: Design,
    ) -> Result<(ValidConfig, u64), BatchError> {
        let mut c = self.scenarios[s].config.config().clone();
        let sim = &mut c.simulation;
        sim.random_seed = match design {
            Design::Resample => resample_seed(seed),
            _ => seed,
        };
        if let Design::Vary(subsystem) = design {
            let slot = match subsystem {
                Subsystem::Census => None,
                Subsystem::Termination => Some(&mut sim.random_seed_termination),
                Subsystem::Hiring => Some(&mut sim.random_seed_hiring),
                Subsystem::Promotion => Some(&mut sim.random_seed_promotion),
                Subsystem::Raises => Some(&mut sim.random_seed_raises),
                Subsystem::Plan => Some(&mut sim.random_seed_plan),
            };
            if let Some(slot) = slot {
                slot.get_or_insert(resample_seed(seed));
            }
        }
        let config = c.validate().map_err(|source| BatchError::Scenario {
            path: self.path.clone(),
            scenario: self.scenarios[s].id.clone(),
            cause: source,
        })?;
        Ok((config, design.seed_of(Subsystem::Census, seed)))
    }
}

/// The seeds a [`Seeds`] names, checked (not empty, no repeat, at most [`MAX_SEEDS`], no
/// overflow).
pub fn seed_list(seeds: &Seeds) -> Result<Vec<u64>, String> {
    match seeds {
        Seeds::List(list) => {
            if list.is_empty() {
                return Err("seeds: the list is empty".into());
            }
            let mut sorted = list.clone();
            sorted.sort_unstable();
            if sorted.windows(2).any(|w| w[0] == w[1]) {
                return Err("seeds: a seed appears twice".into());
            }
            if list.len() as u64 > MAX_SEEDS {
                return Err(format!("seeds: more than {MAX_SEEDS}"));
            }
            Ok(list.clone())
        }
        Seeds::Range { start, count } => {
            if *count == 0 || *count > MAX_SEEDS {
                return Err(format!(
                    "seeds: count must be 1 to {MAX_SEEDS}, not {count}"
                ));
            }
            if start.checked_add(count - 1).is_none() {
                return Err(format!(
                    "seeds: start {start} + count {count} passes the largest seed"
                ));
            }
            Ok((*start..start + count).collect())
        }
    }
}

/// The thresholds of a batch file, checked (a known metric, exactly one of above and below,
/// a finite value); their years are checked against the scenarios by [`ValidBatch::parse`].
pub fn threshold_list(specs: &[ThresholdSpec]) -> Result<Vec<Threshold>, String> {
    specs
        .iter()
        .map(|t| {
            let metric = Metric::parse(&t.metric).ok_or_else(|| {
                format!(
                    "threshold metric {:?}: not one of {}",
                    t.metric,
                    Metric::ALL.map(|m| m.name()).join(", ")
                )
            })?;
            let (above, value) = match (t.above, t.below) {
                (Some(v), None) => (true, v),
                (None, Some(v)) => (false, v),
                _ => {
                    return Err(format!(
                        "threshold on {} in {}: give exactly one of above or below",
                        t.metric, t.year
                    ))
                }
            };
            if !value.is_finite() {
                return Err(format!(
                    "threshold on {}: the value must be a finite number",
                    t.metric
                ));
            }
            Ok(Threshold {
                metric,
                year: t.year,
                above,
                value,
            })
        })
        .collect()
}

/// Merges `overlay` into `base`: tables merge key by key, anything else replaces.
fn merge(base: &mut toml::Table, overlay: &toml::Table) {
    for (key, value) in overlay {
        match (base.get_mut(key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ValidBatch, BatchError> {
        ValidBatch::parse(Path::new("b.toml"), text)
    }

    const TWO: &str = r#"
[batch]
employees = 100
seeds = { start = 1, count = 3 }
[[scenario]]
id = "base"
label = "Baseline"
[[scenario]]
id = "ae"
label = "Auto-enroll all at 6%"
[scenario.overlay.plan.auto_enrollment]
scope = "all_eligible_employees"
default_deferral_rate = 0.06
"#;

    #[test]
    fn overlays_merge_into_the_base() {
        let b = parse(TWO).unwrap();
        assert_eq!(b.seeds, vec![1, 2, 3]);
        assert_eq!(b.scenarios.len(), 2);
        let ae = &b.scenarios[1].config.plan.auto_enrollment;
        assert_eq!(ae.default_deferral_rate, 0.06);
        // Untouched keys keep the defaults.
        assert_eq!(
            b.scenarios[1].config.simulation,
            b.scenarios[0].config.simulation
        );
    }

    #[test]
    fn bad_files_name_the_scenario_and_key() {
        let unknown = TWO.replace("scope =", "scoep =");
        let e = parse(&unknown).unwrap_err().to_string();
        assert!(e.contains("scenario ae") && e.contains("scoep"), "{e}");
        let broken = TWO.replace("0.06", "7.5");
        let e = parse(&broken).unwrap_err().to_string();
        assert!(
            e.contains("scenario ae") && e.contains("default_deferral_rate"),
            "{e}"
        );
        let key = TWO.replace("label = \"Baseline\"", "label = \"Baseline\"\ncolour = 1");
        let e = parse(&key).unwrap_err().to_string();
        assert!(e.contains("colour"), "{e}");
    }

    #[test]
    fn seeds_out_of_range_are_errors() {
        for (seeds, says) in [
            ("seeds = { start = 1, count = 0 }", "count must be"),
            ("seeds = { start = 1, count = 2000000 }", "count must be"),
            (
                "seeds = { start = 18446744073709551615, count = 2 }",
                "passes the largest seed",
            ),
            ("seeds = []", "empty"),
            ("seeds = [3, 3]", "twice"),
        ] {
            let text = TWO.replace("seeds = { start = 1, count = 3 }", seeds);
            let e = parse(&text).unwrap_err().to_string();
            assert!(e.contains(says), "{seeds}: {e}");
        }
    }

    #[test]
    fn thresholds_are_checked() {
        let ok =
            format!("{TWO}\n[[threshold]]\nmetric = \"employer_cost\"\nyear = 2029\nabove = 1e6\n");
        assert_eq!(parse(&ok).unwrap().thresholds.len(), 1);
        let bad = ok.replace("employer_cost", "employer_costs");
        assert!(parse(&bad).unwrap_err().to_string().contains("not one of"));
        let year = ok.replace("2029", "2040");
        assert!(parse(&year).unwrap_err().to_string().contains("outside"));
        let both = ok.replace("above = 1e6", "above = 1e6\nbelow = 2e6");
        assert!(parse(&both)
            .unwrap_err()
            .to_string()
            .contains("exactly one"));
    }
}
