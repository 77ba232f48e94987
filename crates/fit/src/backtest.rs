//! A backtest: fit on all but the last K snapshots, simulate the K held-out years from the
//! last fitted snapshot over S seeds (the fitted configuration, seeds `random_seed`,
//! `random_seed + 1`, ...), and compare each year with what happened. Both sides are
//! measured by the same code ([`crate::flows`]) from year-end snapshots, so a figure means the
//! same thing for the actual and the simulated years. For each figure and year: the actual
//! value, the simulated median and 5-95% band, where the actual falls among the seeds (its
//! percentile), the relative error of the median, and pass / warn / fail against the
//! figure's bands; a figure beyond its fail band whose actual still lies within the seeds'
//! 5-95% band is a warning (the model produces such a year one time in ten or more), not a
//! failure. By default each seed draws the fitted values from their standard errors
//! ([`drawn`]), so the bands hold the estimation's uncertainty as well as the model's.

use crate::export::snapshot_from_run;
use crate::fitted::{fit, Fit, FitOptions};
use crate::flows::{figures, year_flows, Flows, YearFigures};
use crate::history::{History, Snapshot};
use crate::FitError;
use serde::Serialize;
use workforce_sim_core::config::{Config, ValidConfig};
use workforce_sim_core::engine::native::NativeEngine;
use workforce_sim_core::year::{CensusInput, InMemoryRun, PreparedCensus, RunOptions};

/// Warn and fail thresholds of the relative error, by group of figures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bands {
    pub headcount: (f64, f64),
    pub pay: (f64, f64),
    pub flows: (f64, f64),
    pub plan: (f64, f64),
}

impl Default for Bands {
    fn default() -> Self {
        Bands {
            headcount: (0.02, 0.04),
            pay: (0.03, 0.06),
            flows: (0.10, 0.20),
            plan: (0.05, 0.10),
        }
    }
}

/// How a backtest runs.
#[derive(Debug, Clone)]
pub struct BacktestOptions {
    /// The snapshots held out (the last K).
    pub holdout: usize,
    pub seeds: u32,
    /// Worker threads (0 = one per core); each run uses one.
    pub threads: usize,
    pub fit: FitOptions,
    pub bands: Bands,
    /// Whether each seed draws the fitted values from their sampling distribution (normal,
    /// mean the fitted value, sd its credibility-weighted standard error), so that the
    /// simulated bands hold the estimation's uncertainty as well as the model's. Off, every
    /// seed runs the fitted values themselves.
    pub parameter_uncertainty: bool,
}

/// The verdict of one figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Warn,
    Fail,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

/// One figure of one held-out year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    pub year: i32,
    pub figure: String,
    /// `headcount`, `pay`, `flows` or `plan`: which bands apply.
    pub group: &'static str,
    pub actual: f64,
    pub median: f64,
    pub p5: f64,
    pub p95: f64,
    /// The share of seeds below the actual (ties count half).
    pub percentile: f64,
    /// (median − actual) / |actual| (the difference itself when the actual is 0).
    pub error: f64,
    pub status: Status,
}

/// A backtest's result.
#[derive(Debug, Clone, Serialize)]
pub struct Backtest {
    /// The fit of the early snapshots.
    pub fit: Fit,
    pub held_out_years: Vec<i32>,
    pub seeds: Vec<u64>,
    pub bands: Bands,
    /// Whether the seeds drew the fitted values ([`BacktestOptions::parameter_uncertainty`]).
    pub parameter_uncertainty: bool,
    pub scores: Vec<Score>,
}

impl Backtest {
    /// The worst status of any figure.
    pub fn worst(&self) -> Status {
        self.scores
            .iter()
            .map(|s| s.status)
            .max()
            .unwrap_or(Status::Pass)
    }
}

/// A figure: its name, its group and its value.
type Figure = (String, &'static str, f64);

/// Every figure of a year, by name and group.
fn year_figures(f: &Flows, y: &YearFigures) -> Vec<Figure> {
    let mut out = vec![
        ("headcount".to_string(), "headcount", y.headcount),
        ("hires".into(), "flows", f.hires as f64),
        (
            "experienced terminations".into(),
            "flows",
            (f.exits_experienced + f.exits_prior) as f64,
        ),
        (
            "new-hire terminations".into(),
            "flows",
            f.new_hire_terminations as f64,
        ),
        ("promotions".into(), "flows", f.promotions as f64),
        ("payroll".into(), "pay", y.payroll),
    ];
    for (l, v) in y.average_pay.iter().enumerate() {
        out.push((format!("average pay, level {}", l + 1), "pay", *v));
    }
    if let (Some(p), Some(d)) = (y.participation, y.average_deferral) {
        out.push(("participation".into(), "plan", p));
        out.push(("average deferral rate".into(), "plan", d));
    }
    out
}

/// The figures of each year of `chain` (the first snapshot is the start).
fn chain_figures(
    chain: &[&Snapshot],
    config: &ValidConfig,
    classify: Option<&dyn Fn(f64) -> bool>,
) -> Vec<Vec<Figure>> {
    let levels = config.job_levels.len();
    chain
        .windows(2)
        .map(|w| {
            let f = year_flows(w[0], w[1], config, classify);
            year_figures(&f, &figures(w[1], levels))
        })
        .collect()
}

/// The configuration that simulates the held-out years: `config` with the fit's overlay,
/// starting the year after `last` for `years` years, its census dated the end of `last`.
fn held_out_config(
    base: &ValidConfig,
    fit: &Fit,
    last: i32,
    years: usize,
) -> Result<Config, FitError> {
    let overlay = fit.overlay(base)?;
    let full = toml::Value::try_from(base.config())
        .map_err(|e| FitError::Output(format!("the configuration as TOML: {e}")))?;
    let toml::Value::Table(mut table) = full else {
        return Err(FitError::Output("the configuration is not a table".into()));
    };
    for (k, v) in overlay {
        match (table.get_mut(&k), v) {
            (Some(toml::Value::Table(t)), toml::Value::Table(o)) => t.extend(o),
            (_, v) => {
                table.insert(k, v);
            }
        }
    }
    let mut config: Config = toml::Value::Table(table)
        .try_into()
        .map_err(|e| FitError::Output(format!("the fitted configuration: {e}")))?;
    // The held-out years continue the history: last year's hires in the census are new
    // hires, as in the years the rates were fitted on (docs/rules.md 3.2).
    config.workforce.census_year_hires_are_new = true;
    config.simulation.start_year = last + 1;
    config.simulation.end_year = last + years as i32;
    config.census.plan_year_start = format!("{last}-01-01");
    config.census.plan_year_end = format!("{last}-12-31");
    Ok(config)
}

/// Backtests `history` against `config` (see the module documentation).
pub fn backtest(
    history: &History,
    config: &ValidConfig,
    options: &BacktestOptions,
) -> Result<Backtest, FitError> {
    let n = history.snapshots.len();
    let k = options.holdout;
    if k == 0 || n < k + 2 {
        return Err(FitError::Input(format!(
            "{n} snapshots cannot hold out {k}: a backtest fits at least 2 and holds out at least 1"
        )));
    }
    if options.seeds == 0 {
        return Err(FitError::Input("a backtest needs at least one seed".into()));
    }
    let train = History {
        snapshots: history.snapshots[..n - k].to_vec(),
        warnings: history.warnings.clone(),
    };
    let fitted = fit(&train, config, &options.fit)?;
    let last = &history.snapshots[n - k - 1];
    let held = held_out_config(config, &fitted, last.year, k)?;
    let seed_fit = |seed: u64| {
        if options.parameter_uncertainty {
            drawn(&fitted, seed)
        } else {
            fitted.clone()
        }
    };
    let census_input = CensusInput::Records {
        records: last.people.iter().map(|p| p.record.clone()).collect(),
        source: last.path.display().to_string(),
    };
    let first_valid = held.clone().validate()?;
    let mut census = PreparedCensus::prepare(&first_valid, &census_input, None)?;
    if last.levels_given {
        // The levels held at the end of the last fitted year, not re-derived from pay (a
        // census's rule, docs/rules.md 1.1): the held-out years continue the history.
        for (i, id) in census.staged.baseline.employee_id.iter().enumerate() {
            if let Some(p) = last.find(id) {
                census.staged.baseline.level[i] = p.level;
            }
        }
    }
    let seeds: Vec<u64> = (0..options.seeds as u64)
        .map(|s| held.simulation.random_seed.wrapping_add(s))
        .collect();
    // Promotions are counted from levels where the files give them, else by the raise
    // mixture fitted on the early snapshots, for both sides alike.
    let levels_given = history.snapshots.iter().all(|s| s.levels_given);
    let mixture = fitted.mixture;
    let classify = move |r: f64| mixture.is_some_and(|m| m.is_promotion(r));
    let classifier: Option<&(dyn Fn(f64) -> bool + Sync)> =
        if levels_given { None } else { Some(&classify) };
    let actual_chain: Vec<&Snapshot> = history.snapshots[n - k - 1..].iter().collect();
    let actual = chain_figures(
        &actual_chain,
        config,
        classifier.map(|c| c as &dyn Fn(f64) -> bool),
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workforce_sim_core::year::effective_threads(options.threads))
        .build()
        .map_err(|e| FitError::Output(format!("cannot start the worker threads: {e}")))?;
    let simulated: Vec<Vec<Vec<Figure>>> = pool.install(|| {
        use rayon::prelude::*;
        seeds
            .par_iter()
            .map(|&seed| -> Result<_, FitError> {
                let mut c = held_out_config(config, &seed_fit(seed), last.year, k)?;
                c.simulation.random_seed = seed;
                let c = c.validate()?;
                let run = InMemoryRun::simulate(
                    &c,
                    &census,
                    &RunOptions {
                        threads: 1,
                        ..Default::default()
                    },
                    &NativeEngine,
                )?;
                let years: Vec<Snapshot> = run
                    .years
                    .iter()
                    .map(|(_, _, s)| snapshot_from_run(s, &format!("seed {seed}")))
                    .collect();
                let mut chain: Vec<&Snapshot> = vec![last];
                chain.extend(years.iter());
                Ok(chain_figures(
                    &chain,
                    &c,
                    classifier.map(|c| c as &dyn Fn(f64) -> bool),
                ))
            })
            .collect::<Result<_, _>>()
    })?;
    let mut scores = Vec::new();
    for (j, year_actual) in actual.iter().enumerate() {
        let year = last.year + 1 + j as i32;
        for (i, (figure, group, value)) in year_actual.iter().enumerate() {
            let mut sims: Vec<f64> = simulated
                .iter()
                .filter_map(|run| run.get(j).and_then(|y| y.get(i)).map(|x| x.2))
                .filter(|v| v.is_finite())
                .collect();
            sims.sort_by(f64::total_cmp);
            scores.push(score(year, figure, group, *value, &sims, &options.bands));
        }
    }
    Ok(Backtest {
        fit: fitted,
        held_out_years: (1..=k as i32).map(|d| last.year + d).collect(),
        seeds,
        bands: options.bands,
        parameter_uncertainty: options.parameter_uncertainty,
        scores,
    })
}

/// The fit with each configured estimate drawn for `seed`: `fitted + Z × se × z`, z a
/// standard normal from the keyed hash of the seed and the estimate's place (Box-Muller),
/// kept within the estimate's bounds. The same seed draws the same values.
pub fn drawn(fit: &Fit, seed: u64) -> Fit {
    use workforce_sim_core::rng::{unit, Rng};
    let mut out = fit.clone();
    let base = Rng::combine(seed, 0x6669_745f_6472_6177); // "fit_draw"
    for (i, e) in out.estimates.iter_mut().enumerate() {
        let sd = e.credibility * e.standard_error;
        if e.key.is_none() || !(sd.is_finite() && sd > 0.0) {
            continue;
        }
        let u1 = unit(Rng::combine(base, 2 * i as u64)).max(f64::MIN_POSITIVE);
        let u2 = unit(Rng::combine(base, 2 * i as u64 + 1));
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        let (lo, hi) = e.bounds;
        e.fitted = (e.fitted + sd * z).clamp(lo, hi);
    }
    out
}

fn score(
    year: i32,
    figure: &str,
    group: &'static str,
    actual: f64,
    sims: &[f64],
    bands: &Bands,
) -> Score {
    use crate::estimate::quantile;
    let median = quantile(sims, 0.5);
    let below = sims.iter().filter(|s| **s < actual).count() as f64;
    let ties = sims.iter().filter(|s| **s == actual).count() as f64;
    let percentile = if sims.is_empty() {
        f64::NAN
    } else {
        (below + ties / 2.0) / sims.len() as f64
    };
    let error = if actual != 0.0 {
        (median - actual) / actual.abs()
    } else {
        median - actual
    };
    let (warn, fail) = match group {
        "headcount" => bands.headcount,
        "pay" => bands.pay,
        "plan" => bands.plan,
        _ => bands.flows,
    };
    let status = if !error.is_finite() || (!actual.is_finite() && !median.is_nan()) {
        if actual.is_nan() && median.is_nan() {
            Status::Pass
        } else {
            Status::Fail
        }
    } else if error.abs() <= warn {
        Status::Pass
    } else if error.abs() <= fail {
        Status::Warn
    } else {
        Status::Fail
    };
    let (p5, p95) = (quantile(sims, 0.05), quantile(sims, 0.95));
    // An actual inside the seeds' 5-95% band is what the fitted model produces one year in
    // ten or more: noise, not a failed model. It is warned about, not failed.
    let status = if status == Status::Fail && p5 <= actual && actual <= p95 {
        Status::Warn
    } else {
        status
    };
    Score {
        year,
        figure: figure.to_string(),
        group,
        actual,
        median,
        p5,
        p95,
        percentile,
        error,
        status,
    }
}

/// The scorecard as Markdown.
pub fn markdown(b: &Backtest) -> String {
    let mut out = format!(
        "# Backtest\n\nFitted on {}; held out {}; {} seeds ({}..={}){}; inputs digest {}.\n\n",
        b.fit
            .years
            .iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        b.held_out_years
            .iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        b.seeds.len(),
        b.seeds.first().copied().unwrap_or_default(),
        b.seeds.last().copied().unwrap_or_default(),
        if b.parameter_uncertainty {
            ", each drawing the fitted values from their standard errors"
        } else {
            ", each with the fitted values"
        },
        b.fit.inputs_digest
    );
    let count = |s: Status| b.scores.iter().filter(|x| x.status == s).count();
    out.push_str(&format!(
        "**{}**: {} pass, {} warn, {} fail (bands: headcount {:.0}/{:.0}%, pay {:.0}/{:.0}%, flows {:.0}/{:.0}%, plan {:.0}/{:.0}%).\n\n",
        b.worst().name(),
        count(Status::Pass),
        count(Status::Warn),
        count(Status::Fail),
        b.bands.headcount.0 * 100.0,
        b.bands.headcount.1 * 100.0,
        b.bands.pay.0 * 100.0,
        b.bands.pay.1 * 100.0,
        b.bands.flows.0 * 100.0,
        b.bands.flows.1 * 100.0,
        b.bands.plan.0 * 100.0,
        b.bands.plan.1 * 100.0,
    ));
    out.push_str("| year | figure | actual | simulated median | 5-95% | percentile | error | status |\n|---:|---|---:|---:|---|---:|---:|---|\n");
    for s in &b.scores {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} - {} | {:.0}% | {:+.1}% | {} |\n",
            s.year,
            s.figure,
            show(s.actual),
            show(s.median),
            show(s.p5),
            show(s.p95),
            s.percentile * 100.0,
            s.error * 100.0,
            s.status.name()
        ));
    }
    out
}

fn show(v: f64) -> String {
    if !v.is_finite() {
        "-".into()
    } else if v.abs() >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.4}")
    }
}

/// Writes the backtest's scores and the fit's estimates as the tables `backtest_scores` and
/// `backtest_estimates` of a new DuckDB file at `path`, whole or not at all; an existing
/// file is replaced only with `overwrite`.
pub fn write_database(
    b: &Backtest,
    path: &std::path::Path,
    overwrite: bool,
) -> Result<(), FitError> {
    workforce_sim_store::result_file::write_database(path, overwrite, |conn| {
        conn.execute_batch(
            "CREATE TABLE backtest_scores (year INTEGER, figure VARCHAR, figure_group VARCHAR,
                    actual DOUBLE, median DOUBLE, p5 DOUBLE, p95 DOUBLE, percentile DOUBLE,
                    error DOUBLE, status VARCHAR);
                 CREATE TABLE backtest_estimates (name VARCHAR, config_key VARCHAR, exposure DOUBLE,
                    events DOUBLE, raw DOUBLE, standard_error DOUBLE, configured DOUBLE,
                    credibility DOUBLE, fitted DOUBLE, low DOUBLE, high DOUBLE, note VARCHAR);
                 CREATE TABLE backtest_metadata (fitted_years VARCHAR, held_out_years VARCHAR,
                    seeds VARCHAR, inputs_digest VARCHAR, tool_version VARCHAR);",
        )?;
        let nan = |v: f64| v.is_finite().then_some(v);
        {
            let mut s =
                conn.prepare("INSERT INTO backtest_scores VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")?;
            for x in &b.scores {
                s.execute(duckdb::params![
                    x.year,
                    x.figure,
                    x.group,
                    nan(x.actual),
                    nan(x.median),
                    nan(x.p5),
                    nan(x.p95),
                    nan(x.percentile),
                    nan(x.error),
                    x.status.name()
                ])?;
            }
            let mut s = conn.prepare(
                "INSERT INTO backtest_estimates VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )?;
            for e in &b.fit.estimates {
                s.execute(duckdb::params![
                    e.name,
                    e.key,
                    nan(e.exposure),
                    nan(e.events),
                    nan(e.raw),
                    nan(e.standard_error),
                    nan(e.configured),
                    nan(e.credibility),
                    nan(e.fitted),
                    nan(e.low),
                    nan(e.high),
                    e.note
                ])?;
            }
            let list = |v: &[i32]| v.iter().map(i32::to_string).collect::<Vec<_>>().join(",");
            conn.execute(
                "INSERT INTO backtest_metadata VALUES (?, ?, ?, ?, ?)",
                duckdb::params![
                    list(&b.fit.years),
                    list(&b.held_out_years),
                    b.seeds
                        .iter()
                        .map(u64::to_string)
                        .collect::<Vec<_>>()
                        .join(","),
                    b.fit.inputs_digest,
                    workforce_sim_store::BUILD
                ],
            )?;
        }
        Ok(())
    })?;
    Ok(())
}
