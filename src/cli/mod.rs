//! The commands of the command line, one file each; [`run`] dispatches to them. Each command
//! turns its flags into the library's types, calls the library and prints the result
//! ([`print`]); the library knows nothing of flags.

pub mod args;
mod batch;
mod census;
mod compare;
mod events;
mod history;
mod print;
mod schema;
mod simulate;
mod validate;

use args::{BatchCommand, CensusCommand, Cli, Command, SchemaCommand};

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
        Command::Schema(SchemaCommand::Events) => schema::events(),
        Command::Validate(args) => validate::run(args),
        Command::Events(args) => events::run(args),
        Command::History(args) => history::run(args),
    }
}
