//! The fit of a history: every rate the model reads that the snapshots can measure, each an
//! [`Estimate`] with its exposure, events, raw value, standard error, credibility and
//! interval, and the configuration overlay that sets them (`fit --out fitted.toml`), every
//! key commented with those figures and the whole stamped with a digest of the inputs.
//!
//! What is estimated, from the pooled flows of every year (see [`crate::flows`]):
//! - growth: Σ end / Σ start − 1 (standard error from the spread of the years);
//! - the new-hire termination rate h: new-hire terminations / hires (the model's implied
//!   count is `hires − net ≈ h × hires`, docs/rules.md 3.2);
//! - the experienced termination rate t: the model removes `exp × t + prior × h` of P(N), so
//!   `t = (exits − h × prior) / exp`;
//! - the promotion rate multiplier: promotions / the configured hazard's expected promotions
//!   (3.7), and the age and tenure band multipliers by IPF ([`crate::hazard`]);
//! - merit by level: the median raise of stayers not promoted, less the configured COLA
//!   (annual snapshots cannot tell COLA from merit, so COLA is kept as configured);
//! - the new-hire level mix and each level's new-hire pay percentile (3.5);
//! - reported only (no configuration key reads them as such): the termination hazard table by
//!   level, age band and tenure band, new-hire non-participation, the voluntary enrollment
//!   rate and the deferral rates of participants.

use crate::estimate::{binomial, mean_se, median_se, quantile, Credibility, Estimate, Raw};
use crate::flows::{year_flows, Flows};
use crate::hazard::{fit_ipf, Dimension, HazardModel};
use crate::history::History;
use crate::mixture::Mixture;
use crate::FitError;
use serde::Serialize;
use workforce_sim_core::config::ValidConfig;
use workforce_sim_core::rules::parameters::{effective_merit, market_multiplier};

/// How a history is fitted.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct FitOptions {
    pub credibility: Credibility,
}

/// A fitted history.
#[derive(Debug, Clone, Serialize)]
pub struct Fit {
    /// The snapshot years fitted.
    pub years: Vec<i32>,
    /// A digest of every snapshot's content (ids, dates, pay, levels, deferral rates) and
    /// of the options: the same inputs give the same digest.
    pub inputs_digest: String,
    pub options: FitOptions,
    pub estimates: Vec<Estimate>,
    /// Promotions: the scale (the rate multiplier) and the age and tenure band factors.
    pub promotion_model: HazardModel,
    /// Experienced terminations as a hazard table: level, age band and tenure band factors.
    pub termination_model: HazardModel,
    /// The raise mixture, when the files give no job level.
    pub mixture: Option<Mixture>,
    /// Per year: the flows counted.
    pub flows: Vec<FlowSummary>,
    pub warnings: Vec<String>,
}

/// The counts of one year's flows.
#[derive(Debug, Clone, Serialize)]
pub struct FlowSummary {
    pub year: i32,
    pub start: u64,
    pub experienced: u64,
    pub prior_year_hires: u64,
    pub exits_experienced: u64,
    pub exits_prior_year_hires: u64,
    pub hires: u64,
    pub new_hire_terminations: u64,
    pub promotions: u64,
    pub end: u64,
}

impl FlowSummary {
    fn of(f: &Flows) -> FlowSummary {
        FlowSummary {
            year: f.year,
            start: f.start,
            experienced: f.experienced,
            prior_year_hires: f.prior,
            exits_experienced: f.exits_experienced,
            exits_prior_year_hires: f.exits_prior,
            hires: f.hires,
            new_hire_terminations: f.new_hire_terminations,
            promotions: f.promotions,
            end: f.end,
        }
    }
}

fn digest(history: &History, options: &FitOptions) -> String {
    let mut d = workforce_sim_core::digest::Digest::default();
    d.f64(options.credibility.k);
    d.f64(options.credibility.min_exposure);
    for s in &history.snapshots {
        d.u64(s.year as u64);
        for p in &s.people {
            d.str(&p.id);
            d.u64(p.birth as u64);
            d.u64(p.hire as u64);
            d.u64(p.termination.map_or(u64::MAX, |t| t as u64));
            d.f64(p.pay);
            d.u64(p.level as u64);
            d.opt_f64(p.deferral);
        }
    }
    d.hex()
}

/// Every year's flows of a history (the raise mixture classifying promotions where the files
/// give no levels).
pub fn history_flows(history: &History, config: &ValidConfig) -> (Vec<Flows>, Option<Mixture>) {
    let levels = history.snapshots.iter().all(|s| s.levels_given);
    if levels {
        let flows = history
            .snapshots
            .windows(2)
            .map(|w| year_flows(&w[0], &w[1], config, None))
            .collect();
        return (flows, None);
    }
    // First pass: every stayer's raise, for the mixture.
    let first: Vec<Flows> = history
        .snapshots
        .windows(2)
        .map(|w| year_flows(&w[0], &w[1], config, Some(&|_| false)))
        .collect();
    let raises: Vec<f64> = first
        .iter()
        .flat_map(|f| f.raises.iter().flatten().copied())
        .collect();
    let mixture = Mixture::fit(&raises);
    let classify = |r: f64| mixture.is_promotion(r);
    let flows = history
        .snapshots
        .windows(2)
        .map(|w| year_flows(&w[0], &w[1], config, Some(&classify)))
        .collect();
    (flows, Some(mixture))
}

/// Fits `history` against `config` (the values shrunk toward and the model's shape).
pub fn fit(history: &History, config: &ValidConfig, options: &FitOptions) -> Result<Fit, FitError> {
    let (flows, mixture) = history_flows(history, config);
    let c = options.credibility;
    let sum = |f: fn(&Flows) -> u64| flows.iter().map(f).sum::<u64>() as f64;
    let mut estimates = Vec::new();
    let rate = (0.0, 1.0);

    // Growth.
    let (start, end) = (sum(|f| f.start), sum(|f| f.end));
    let yearly: Vec<f64> = flows
        .iter()
        .filter(|f| f.start > 0)
        .map(|f| f.end as f64 / f.start as f64 - 1.0)
        .collect();
    let (_, spread) = mean_se(&yearly);
    let resolution = 0.5 * flows.len() as f64 / start.max(1.0);
    estimates.push(
        Raw {
            name: "growth".into(),
            key: Some("simulation.target_growth_rate".into()),
            exposure: start,
            events: end - start,
            raw: end / start - 1.0,
            standard_error: if spread.is_finite() {
                spread.max(resolution)
            } else {
                resolution
            },
            configured: config.simulation.target_growth_rate,
            bounds: (-1.0, 1.0),
            note: (!spread.is_finite())
                .then(|| "one year: the interval is the rounding of a headcount only".into()),
        }
        .shrink(c),
    );

    // New-hire and experienced terminations.
    let (hires, nht) = (sum(|f| f.hires), sum(|f| f.new_hire_terminations));
    let (h, se_h) = binomial(nht, hires);
    estimates.push(
        Raw {
            name: "new-hire termination rate".into(),
            key: Some("workforce.new_hire_termination_rate".into()),
            exposure: hires,
            events: nht,
            raw: h,
            standard_error: se_h,
            configured: config.workforce.new_hire_termination_rate,
            bounds: (0.0, 0.99),
            note: None,
        }
        .shrink(c),
    );
    let (exp, prior) = (sum(|f| f.experienced), sum(|f| f.prior));
    let exits = sum(|f| f.exits_experienced) + sum(|f| f.exits_prior);
    let h_used = if h.is_finite() {
        h
    } else {
        config.workforce.new_hire_termination_rate
    };
    let t = (exits - h_used * prior) / exp;
    let (_, se_binomial) = binomial(t.clamp(0.0, 1.0) * exp, exp);
    let se_t = (se_binomial.powi(2) + (prior / exp).powi(2) * se_h.powi(2).max(0.0)).sqrt();
    estimates.push(
        Raw {
            name: "experienced termination rate".into(),
            key: Some("workforce.total_termination_rate".into()),
            exposure: exp,
            events: exits,
            raw: t,
            standard_error: if se_t.is_finite() { se_t } else { se_binomial },
            configured: config.workforce.total_termination_rate,
            bounds: rate,
            note: Some(format!(
                "exits of P(N) less h x {prior} prior-year hires, over {exp} experienced"
            )),
        }
        .shrink(c),
    );

    // Promotions.
    let promotion_cells: Vec<_> = flows
        .iter()
        .flat_map(|f| f.promotion_cells.clone())
        .collect();
    let promotion_model = fit_ipf(
        &promotion_cells,
        &[Dimension::AgeBand, Dimension::TenureBand],
    );
    let candidates: f64 = promotion_cells.iter().map(|x| x.exposure).sum();
    estimates.push(
        Raw {
            name: "promotion rate multiplier".into(),
            key: Some("promotion.rate_multiplier".into()),
            exposure: candidates,
            events: promotion_model.events,
            raw: promotion_model.scale,
            standard_error: promotion_model.scale_standard_error,
            configured: config.promotion.rate_multiplier,
            bounds: (0.0, 100.0),
            note: Some(format!(
                "{} promotions against {:.1} the configured hazard expects at multiplier 1",
                promotion_model.events, promotion_model.expected
            )),
        }
        .shrink(c),
    );
    for (dimension, bands, section) in [
        (Dimension::AgeBand, &config.age_bands, "age_bands"),
        (Dimension::TenureBand, &config.tenure_bands, "tenure_bands"),
    ] {
        for f in promotion_model
            .factors
            .iter()
            .filter(|f| f.dimension == dimension)
        {
            let band = &bands[f.value];
            estimates.push(
                Raw {
                    name: format!(
                        "promotion multiplier, {} {}",
                        section.trim_end_matches('s').replace('_', " "),
                        band.label
                    ),
                    key: Some(format!("{section}[{}].promotion_multiplier", f.value)),
                    exposure: f.exposure,
                    events: f.events,
                    raw: band.promotion_multiplier * f.factor,
                    standard_error: band.promotion_multiplier * f.standard_error,
                    configured: band.promotion_multiplier,
                    bounds: (0.0, 100.0),
                    note: None,
                }
                .shrink(c),
            );
        }
    }

    // Merit by level, COLA as configured.
    let cola = config.compensation.cola_rate;
    let merit = effective_merit(config);
    let levels = config.job_levels.len();
    for (l, configured) in merit.iter().enumerate().take(levels) {
        let raises: Vec<f64> = flows
            .iter()
            .flat_map(|f| f.raises[l].iter().copied())
            .collect();
        let (median, se) = median_se(&raises);
        estimates.push(
            Raw {
                name: format!("merit, level {}", l + 1),
                key: Some(format!("compensation.merit_base[{l}]")),
                exposure: raises.len() as f64,
                events: raises.len() as f64,
                raw: median - cola,
                standard_error: se,
                configured: *configured,
                bounds: (0.0, 0.5),
                note: Some(format!("median raise {median:.6} less COLA {cola}")),
            }
            .shrink(c),
        );
    }
    estimates.push(Estimate {
        name: "COLA".into(),
        key: None,
        exposure: 0.0,
        events: 0.0,
        raw: cola,
        standard_error: f64::NAN,
        configured: cola,
        credibility: 0.0,
        fitted: cola,
        low: cola,
        high: cola,
        note: Some("annual snapshots cannot tell COLA from merit: the configured COLA is kept and merit is the median raise less it".into()),
        bounds: (0.0, 1.0),
    });

    // New hires: level mix and pay percentile.
    let hire_levels: Vec<f64> = (0..levels)
        .map(|l| flows.iter().map(|f| f.hire_levels[l]).sum::<u64>() as f64)
        .collect();
    let start_mix = start_level_mix(history, levels);
    let configured_mix = normalised(&config.hiring.level_distribution).unwrap_or(start_mix);
    for l in 0..levels {
        let (p, se) = binomial(hire_levels[l], hires);
        estimates.push(
            Raw {
                name: format!("new-hire share, level {}", l + 1),
                key: Some(format!("hiring.level_distribution[{l}]")),
                exposure: hires,
                events: hire_levels[l],
                raw: p,
                standard_error: se,
                configured: configured_mix[l],
                bounds: rate,
                note: None,
            }
            .shrink(c),
        );
    }
    let scenario = 1.0 + config.hiring.market_scenario.pct() / 100.0;
    for (l, jl) in config.job_levels.iter().enumerate() {
        let pct: Vec<f64> = flows
            .iter()
            .flat_map(|f| {
                let m = market_multiplier(config, l, f.year) * scenario;
                f.hire_pay[l].iter().map(move |pay| {
                    (pay - jl.min_compensation) / ((jl.max_compensation - jl.min_compensation) * m)
                })
            })
            .collect();
        let (mean, se) = mean_se(&pct);
        estimates.push(
            Raw {
                name: format!("new-hire pay percentile, level {}", l + 1),
                key: Some(format!("hiring.compensation_percentile[{l}]")),
                exposure: pct.len() as f64,
                events: pct.len() as f64,
                raw: mean,
                standard_error: if se.is_finite() { se } else { f64::NAN },
                configured: config.hiring.compensation_percentile[l],
                bounds: rate,
                note: None,
            }
            .shrink(c),
        );
    }

    // Terminations as a hazard table (reported).
    let termination_cells: Vec<_> = flows
        .iter()
        .flat_map(|f| {
            f.termination_cells.iter().map(|x| {
                let mut x = *x;
                x.expected = x.exposure;
                x
            })
        })
        .collect();
    let termination_model = fit_ipf(
        &termination_cells,
        &[Dimension::Level, Dimension::AgeBand, Dimension::TenureBand],
    );
    plan_estimates(&flows, config, c, &mut estimates);
    Ok(Fit {
        years: history.years(),
        inputs_digest: digest(history, options),
        options: *options,
        estimates,
        promotion_model,
        termination_model,
        mixture,
        flows: flows.iter().map(FlowSummary::of).collect(),
        warnings: history.warnings.clone(),
    })
}

/// The plan's behaviour, reported (no configuration key reads it as observed).
fn plan_estimates(flows: &[Flows], config: &ValidConfig, c: Credibility, out: &mut Vec<Estimate>) {
    let plans: Vec<_> = flows.iter().filter_map(|f| f.plan.as_ref()).collect();
    if plans.is_empty() {
        return;
    }
    let sum =
        |f: fn(&crate::flows::PlanFlows) -> u64| plans.iter().map(|p| f(p)).sum::<u64>() as f64;
    let (n, k) = (
        sum(|p| p.hires_enrollable),
        sum(|p| p.hires_not_participating),
    );
    let (p, se) = binomial(k, n);
    out.push(
        Raw {
            name: "new-hire non-participation (opt-outs and not enrolled)".into(),
            key: None,
            exposure: n,
            events: k,
            raw: p,
            standard_error: se,
            configured: config.plan.auto_enrollment.opt_out_target_rate,
            bounds: (0.0, 1.0),
            note: Some("hires of the first three quarters, active and of plan age at year end; compare with plan.auto_enrollment.opt_out_target_rate".into()),
        }
        .shrink(c),
    );
    let (n, k) = (
        sum(|p| p.stayers_not_participating),
        sum(|p| p.voluntary_enrollments),
    );
    let (p, se) = binomial(k, n);
    out.push(
        Raw {
            name: "voluntary enrollment rate of non-participants".into(),
            key: None,
            exposure: n,
            events: k,
            raw: p,
            standard_error: se,
            configured: f64::NAN,
            bounds: (0.0, 1.0),
            note: None,
        }
        .shrink(Credibility {
            k: 0.0,
            min_exposure: 0.0,
        }),
    );
    let mut rates: Vec<f64> = plans
        .iter()
        .flat_map(|p| p.deferral_rates.iter().copied())
        .collect();
    rates.sort_by(f64::total_cmp);
    let (mean, se) = mean_se(&rates);
    for (name, value, se) in [
        ("deferral rate of participants, mean", mean, se),
        (
            "deferral rate of participants, 10th percentile",
            quantile(&rates, 0.1),
            f64::NAN,
        ),
        (
            "deferral rate of participants, median",
            quantile(&rates, 0.5),
            f64::NAN,
        ),
        (
            "deferral rate of participants, 90th percentile",
            quantile(&rates, 0.9),
            f64::NAN,
        ),
    ] {
        out.push(Estimate {
            name: name.into(),
            key: None,
            exposure: rates.len() as f64,
            events: rates.len() as f64,
            raw: value,
            standard_error: se,
            configured: f64::NAN,
            credibility: 1.0,
            fitted: value,
            low: value - crate::estimate::Z95 * se,
            high: value + crate::estimate::Z95 * se,
            note: None,
            bounds: (0.0, 1.0),
        });
    }
}

fn normalised(v: &[f64]) -> Option<Vec<f64>> {
    let total: f64 = v.iter().sum();
    (!v.is_empty() && total > 0.0).then(|| v.iter().map(|x| x / total).collect())
}

/// The level mix of the first snapshot's actives (the model's adaptive hiring mix).
fn start_level_mix(history: &History, levels: usize) -> Vec<f64> {
    let s = &history.snapshots[0];
    let mut counts = vec![0.0; levels];
    for p in s.people.iter().filter(|p| p.active_at(s.year_end())) {
        counts[(p.level as usize).clamp(1, levels) - 1] += 1.0;
    }
    normalised(&counts).unwrap_or_else(|| vec![1.0 / levels as f64; levels])
}
