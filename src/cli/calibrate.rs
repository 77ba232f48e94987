//! `workforce-sim calibrate`: the flags into a `CalibrateSpec`, each evaluation printed as it
//! comes, the solved value printed and written as an overlay.

use super::args::CalibrateArgs;
use anyhow::{bail, Context, Result};
use workforce_sim::batch::calibrate::{calibrate, CalibrateSpec, Calibration, Goal};
use workforce_sim::batch::config::BatchCensus;
use workforce_sim::Config;

fn spec(args: &CalibrateArgs) -> Result<CalibrateSpec> {
    let base = match &args.config {
        Some(p) => Config::from_toml_file(p)?,
        None => Config::default(),
    }
    .validate()?;
    let Some((lo, hi)) = args.range.split_once(':') else {
        bail!("--range takes LOW:HIGH, got {:?}", args.range);
    };
    let num = |t: &str| {
        t.trim()
            .parse::<f64>()
            .with_context(|| format!("--range: {t:?} is not a number"))
    };
    let Some((goal, target)) = args.target.split_once('=') else {
        bail!("--target takes GOAL=VALUE, got {:?}", args.target);
    };
    let goal = Goal::parse(goal.trim()).map_err(|m| anyhow::anyhow!("--target: {m}"))?;
    let target = target
        .trim()
        .parse::<f64>()
        .with_context(|| format!("--target: {target:?} is not a number"))?;
    if args.seeds == 0 || args.seeds > workforce_sim::batch::config::MAX_SEEDS {
        bail!(
            "--seeds must be within 1..={}, got {}",
            workforce_sim::batch::config::MAX_SEEDS,
            args.seeds
        );
    }
    let first = base.simulation.random_seed;
    let seeds = (0..args.seeds).map(|k| first.wrapping_add(k)).collect();
    let census = match (&args.census, args.employees) {
        (Some(p), _) => BatchCensus::File(p.clone()),
        (None, n) => BatchCensus::Synthetic {
            employees: n.unwrap_or(5_000),
        },
    };
    Ok(CalibrateSpec {
        base,
        census,
        seeds,
        lever: args.lever.clone(),
        range: (num(lo)?, num(hi)?),
        goal,
        target,
        tolerance: args.tolerance,
        max_evaluations: args.max_evaluations,
        threads: args.threads,
    })
}

/// The overlay file: the solved key, preceded by the calibration's record.
fn overlay_text(c: &Calibration, spec: &CalibrateSpec) -> Result<String> {
    let mut text = format!(
        "# Calibrated by workforce-sim {}: {} = {} (standard error {:.6} over the seeds) puts the seed-averaged {:?} at {:.6} (target {}, tolerance {}),\n# over {} seeds ({}..={}), common to every evaluation. The evaluations:\n",
        env!("CARGO_PKG_VERSION"),
        c.lever,
        c.value,
        c.value_standard_error,
        c.goal,
        c.at_solution.mean,
        c.target,
        c.tolerance,
        c.seeds.len(),
        c.seeds.first().copied().unwrap_or_default(),
        c.seeds.last().copied().unwrap_or_default()
    );
    for e in &c.evaluations {
        text.push_str(&format!(
            "#   {} = {:.9}: {:.6} (se {:.6})\n",
            c.lever, e.lever, e.mean, e.standard_error
        ));
    }
    text.push('\n');
    text.push_str(&toml::to_string(&c.overlay(&spec.base)?)?);
    Ok(text)
}

pub fn run(args: CalibrateArgs) -> Result<()> {
    let spec = spec(&args)?;
    if let Some(out) = &args.output.out {
        super::refuse_existing(out, args.output.overwrite)?;
    }
    let json = args.output.json;
    let mut step = 0;
    let c = calibrate(&spec, &mut |e| {
        step += 1;
        if !json {
            eprintln!(
                "{step:>3}  {} = {:.9}  ->  {:.6} (se {:.6}, {} seeds)",
                spec.lever, e.lever, e.mean, e.standard_error, e.seeds
            );
        }
    })?;
    if let Some(out) = &args.output.out {
        let text = overlay_text(&c, &spec)?;
        workforce_sim::place::write_whole(out, |p| std::fs::write(p, &text), |e| e)
            .with_context(|| format!("cannot write {}", out.display()))?;
        eprintln!("solved overlay -> {}", out.display());
    }
    if json {
        println!("{}", serde_json::to_string(&c)?);
    } else {
        println!(
            "{} = {:.6} (se {:.6} over the seeds): {:?} = {:.6} (target {}, within {}), {} evaluations of {} seeds each",
            c.lever,
            c.value,
            c.value_standard_error,
            c.goal,
            c.at_solution.mean,
            c.target,
            c.tolerance,
            c.evaluations.len(),
            c.seeds.len()
        );
    }
    Ok(())
}
