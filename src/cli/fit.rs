//! `workforce-sim fit HISTORY...`, `workforce-sim backtest HISTORY...` and `workforce-sim
//! census export`: the flags into the fit crate's options, its results printed.

use super::args::{BacktestArgs, ExportArgs, FailOn, FitArgs, HistoryInput};
use anyhow::{bail, Context, Result};
use workforce_sim::fit::backtest::{markdown, write_database, BacktestOptions, Bands, Status};
use workforce_sim::fit::estimate::Credibility;
use workforce_sim::fit::history::{History, HistoryOptions};
use workforce_sim::fit::{Fit, FitOptions};
use workforce_sim::{Config, ValidConfig};

/// The history, the configuration and the fit options of the flags.
fn read(input: &HistoryInput) -> Result<(History, ValidConfig, Option<toml::Table>, FitOptions)> {
    let (config, base) = match &input.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let table: toml::Table =
                toml::from_str(&text).with_context(|| format!("{} is not TOML", path.display()))?;
            (Config::from_toml_file(path)?, Some(table))
        }
        None => (Config::default(), None),
    };
    let config = config.validate()?;
    if !(input.credibility_k >= 0.0 && input.credibility_k.is_finite()) {
        bail!(
            "--credibility-k must be a number >= 0, got {}",
            input.credibility_k
        );
    }
    if !(input.min_exposure >= 0.0 && input.min_exposure.is_finite()) {
        bail!(
            "--min-exposure must be a number >= 0, got {}",
            input.min_exposure
        );
    }
    let options = HistoryOptions {
        years: (!input.year.is_empty()).then(|| input.year.clone()),
        allow_rehires: input.allow_rehires,
    };
    let history = History::read(&input.files, &options, &config)?;
    for w in &history.warnings {
        eprintln!("warning: {w}");
    }
    let fit = FitOptions {
        credibility: Credibility {
            k: input.credibility_k,
            min_exposure: input.min_exposure,
        },
    };
    Ok((history, config, base, fit))
}

fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.4}")
    } else {
        "-".into()
    }
}

fn print_fit(f: &Fit) {
    println!(
        "fitted {} snapshots ({}), inputs digest {}",
        f.years.len(),
        f.years
            .iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        f.inputs_digest
    );
    println!();
    println!(
        "{:<52} {:>9} {:>21} {:>9} {:>9} {:>9} {:>5}  key",
        "estimate", "fitted", "95% interval", "raw", "se", "exposure", "Z"
    );
    for e in &f.estimates {
        println!(
            "{:<52} {:>9} {:>21} {:>9} {:>9} {:>9.0} {:>5.2}  {}",
            e.name,
            num(e.fitted),
            format!("{} - {}", num(e.low), num(e.high)),
            num(e.raw),
            num(e.standard_error),
            e.exposure,
            e.credibility,
            e.key.as_deref().unwrap_or("(reported)")
        );
    }
    println!();
    println!(
        "experienced terminations by cell (hazard factors, IPF; reported, not read by the model):"
    );
    for x in &f.termination_model.factors {
        println!(
            "  {:?} {}: factor {} (se {}), {} exits of {}",
            x.dimension,
            x.value,
            num(x.factor),
            num(x.standard_error),
            x.events,
            x.exposure
        );
    }
}

pub fn fit(args: FitArgs) -> Result<()> {
    let (history, config, base, options) = read(&args.input)?;
    let f = workforce_sim::fit::fit(&history, &config, &options)?;
    if let Some(out) = &args.output.out {
        super::refuse_existing(out, args.output.overwrite)?;
        let text = f.overlay_text(&config, base.as_ref())?;
        workforce_sim::place::write_whole(out, |p| std::fs::write(p, &text), |e| e)
            .with_context(|| format!("cannot write {}", out.display()))?;
        eprintln!("fitted configuration -> {}", out.display());
    }
    if args.output.json {
        println!("{}", serde_json::to_string(&f)?);
    } else {
        print_fit(&f);
    }
    Ok(())
}

fn band(v: &[f64], flag: &str) -> Result<(f64, f64)> {
    match v {
        [w, f] if *w >= 0.0 && w <= f && f.is_finite() => Ok((*w, *f)),
        _ => bail!("--{flag} takes WARN,FAIL with 0 <= WARN <= FAIL, got {v:?}"),
    }
}

pub fn backtest(args: BacktestArgs) -> Result<()> {
    let (history, config, _, fit) = read(&args.input)?;
    let options = BacktestOptions {
        holdout: args.holdout,
        seeds: args.seeds,
        threads: args.threads,
        fit,
        bands: Bands {
            headcount: band(&args.headcount_band, "headcount-band")?,
            pay: band(&args.pay_band, "pay-band")?,
            flows: band(&args.flows_band, "flows-band")?,
            plan: band(&args.plan_band, "plan-band")?,
        },
        parameter_uncertainty: !args.fixed_parameters,
    };
    let b = workforce_sim::fit::backtest(&history, &config, &options)?;
    if let Some(db) = &args.db {
        write_database(&b, db, args.overwrite)?;
        eprintln!("scores and estimates -> {}", db.display());
    }
    if args.json {
        println!("{}", serde_json::to_string(&b)?);
    } else {
        print!("{}", markdown(&b));
    }
    let limit = match args.fail_on {
        Some(FailOn::Warn) => Status::Warn,
        Some(FailOn::Fail) => Status::Fail,
        None => return Ok(()),
    };
    let bad = b.scores.iter().filter(|s| s.status >= limit).count();
    if bad > 0 {
        bail!("{bad} figure(s) at {} or worse (--fail-on)", limit.name());
    }
    Ok(())
}

pub fn export(args: ExportArgs) -> Result<()> {
    let n =
        workforce_sim::fit::export::export_census(&args.db, args.year, &args.out, args.overwrite)?;
    eprintln!("{n} employees of {} -> {}", args.year, args.out.display());
    Ok(())
}
