//! `workforce-sim simulate`: one run into a DuckDB file or a Parquet directory, new or
//! resumed, with a progress bar (or a line per committed year without a terminal) and the
//! run report as a table or JSON.

use super::args::{BalancesArg, SimulateArgs};
use super::print;
use anyhow::{bail, Context, Result};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use workforce_sim::config::plan::BalanceSnapshots;
use workforce_sim::{CensusInput, Config, Format, Output, RunOptions, ValidConfig};

pub fn run(args: SimulateArgs) -> Result<()> {
    let config = load_config(&args)?;
    let options = RunOptions {
        engine: args.engine.into(),
        threads: args.threads,
        materialize_stages: args.materialize_stages,
        audit_statements: args.audit_sql,
    };
    let years = config.as_ref().map_or(5, |c| c.years().count());
    let bar = print::progress_bar(
        years,
        "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} years {msg}",
        args.json,
    );
    // Without a terminal (a log, a pipe, a batch system) a line per committed year instead of
    // the bar.
    let lines = !args.json && !std::io::stderr().is_terminal();
    let mut progress = |p: workforce_sim::Progress| {
        bar.set_length(p.years_total as u64);
        bar.set_position(p.years_done as u64);
        bar.set_message(format!("{} done, {} active", p.year, p.ending_headcount));
        if lines {
            eprintln!(
                "year {} committed ({}/{}), {} active",
                p.year, p.years_done, p.years_total, p.ending_headcount
            );
        }
    };
    let (path, format) = args.format.target(&args.db, args.out.as_deref())?;
    let output = Output {
        path,
        format,
        overwrite: args.overwrite,
    };
    let census_input = |config: &ValidConfig, employees: usize| match &args.census {
        Some(path) => CensusInput::File(path.clone()),
        None => CensusInput::synthetic(config, employees, config.simulation.random_seed),
    };
    let report = if args.resume {
        // A census named with --resume is checked against the run's; the synthetic one is
        // generated with the stored seed, which --seed (if given) already had to match.
        let stored = stored_config(&output);
        let census = match (&args.census, args.employees, &stored) {
            (Some(_), _, Some(c)) => Some(census_input(c, 0)),
            (None, Some(n), Some(c)) => Some(census_input(c, n)),
            _ => None,
        };
        workforce_sim::resume_output(
            &output,
            config.as_ref(),
            census.as_ref(),
            &options,
            &mut progress,
        )?
    } else {
        let Some(config) = config else {
            bail!("a new run needs a configuration");
        };
        let input = census_input(&config, args.employees.unwrap_or(5_000));
        workforce_sim::simulate_to(&config, &input, &output, &options, &mut progress)?
    };
    bar.finish_and_clear();
    if args.json {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.to_table());
    }
    Ok(())
}

/// The configuration of the flags: the `--config` file (or the defaults) with the
/// command-line overrides, validated. `None` for a `--resume` that names none of them (the
/// stored configuration is used).
fn load_config(args: &SimulateArgs) -> Result<Option<ValidConfig>> {
    let explicit = args.config.is_some()
        || args.start_year.is_some()
        || args.end_year.is_some()
        || args.seed.is_some()
        || args.balances.is_some();
    let mut config = match &args.config {
        Some(path) => Config::from_toml_file(path)?,
        None => Config::default(),
    };
    if let Some(y) = args.start_year {
        config.simulation.start_year = y;
    }
    if let Some(y) = args.end_year {
        config.simulation.end_year = y;
    }
    if let Some(s) = args.seed {
        config.simulation.random_seed = s;
    }
    if let Some(b) = args.balances {
        config.plan.ledger.balances = match b {
            BalancesArg::None => BalanceSnapshots::None,
            BalancesArg::Weekly => BalanceSnapshots::Weekly,
        };
    }
    let config = config
        .validate()
        .context("invalid configuration after command-line overrides")?;
    Ok((explicit || !args.resume).then_some(config))
}

/// The configuration of the run a resume continues, if it can be read (else the resume
/// itself reports what is wrong).
fn stored_config(output: &Output) -> Option<ValidConfig> {
    let mut target = resume_target(&output.path);
    if output.format == Format::Parquet {
        target = target.join(workforce_sim::store::parquet_output::RESULTS_DB);
    }
    if !target.exists() {
        return None;
    }
    workforce_sim::store::Store::open(&target)
        .and_then(|s| s.resume_point())
        .ok()
        .map(|p| p.config)
}

/// The database a resume continues: the unfinished `DB.partial` if there is one, else `DB`.
fn resume_target(db: &Path) -> PathBuf {
    let partial = workforce_sim::partial_path(db);
    if partial.exists() {
        partial
    } else {
        db.to_path_buf()
    }
}
