//! The commands of the command line, one file each; [`run`] dispatches to them. Each command
//! turns its flags into the library's types, calls the library and prints the result
//! ([`print`]); the library knows nothing of flags.

pub mod args;
mod batch;
mod calibrate;
mod census;
mod compare;
mod events;
mod explain;
mod fit;
mod history;
mod optimize;
mod print;
mod report;
mod schema;
mod simulate;
mod validate;

use args::{BatchCommand, CensusCommand, Cli, Command, SchemaCommand};

/// What the user can do about `e`, in this command line's words: the library's errors say
/// what is wrong, not which flag to pass.
pub fn remedy(e: &anyhow::Error) -> Option<&'static str> {
    use workforce_sim::batch::BatchError;
    for cause in e.chain() {
        let exists = if let Some(e) = cause.downcast_ref::<workforce_sim::Error>() {
            if let workforce_sim::Error::Run(run) = e {
                if matches!(**run, workforce_sim::store::pipeline::RunError::Resume(_)) {
                    return Some("run without --resume to start a new run");
                }
            }
            e.is_output_exists()
        } else if let Some(e) = cause.downcast_ref::<BatchError>() {
            e.is_output_exists()
        } else {
            false
        };
        if exists {
            return Some(
                "pass --overwrite to replace it, or write elsewhere (--db FILE; --out DIR for Parquet)",
            );
        }
    }
    None
}

/// Refuses to write a file over `path` when something is there and `--overwrite` was not
/// given: the command did not write it, so it is not the command's to replace.
fn refuse_existing(path: &std::path::Path, overwrite: bool) -> anyhow::Result<()> {
    if !overwrite && std::fs::symlink_metadata(path).is_ok() {
        anyhow::bail!(
            "{} exists; pass --overwrite to replace it, or write elsewhere",
            path.display()
        );
    }
    if path.is_dir() {
        anyhow::bail!("{} is a directory, not a file", path.display());
    }
    Ok(())
}

/// Runs the command `cli` names.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Simulate(args) => simulate::run(args),
        Command::Batch(args) => match args.merge {
            Some(BatchCommand::Merge(merge)) => batch::merge(merge),
            None => batch::run(args),
        },
        Command::Compare(args) => compare::run(args),
        Command::Census(CensusCommand::Generate(args)) => census::generate(args),
        Command::Census(CensusCommand::Export(args)) => fit::export(args),
        Command::Fit(args) => fit::fit(args),
        Command::Backtest(args) => fit::backtest(args),
        Command::Calibrate(args) => calibrate::run(args),
        Command::Optimize(args) => optimize::run(args),
        Command::Report(args) => report::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Schema(SchemaCommand::Events) => schema::events(),
        Command::Validate(args) => validate::run(args),
        Command::Events(args) => events::run(args),
        Command::History(args) => history::run(args),
    }
}
