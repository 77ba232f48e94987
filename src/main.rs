//! The `workforce-sim` command line: parses the arguments and hands them to the command they
//! name (`src/cli/`, one file per command, over the library).

mod cli;

use clap::Parser;
use std::process::ExitCode;

/// Prints a failure as its message and its causes, one per line, and exits 1. Never a stack
/// trace: a user error is not a crash, whatever `RUST_BACKTRACE` says in the user's shell.
fn main() -> ExitCode {
    workforce_sim::allocator::steady_state();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli::run(cli::args::Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            if let Some(hint) = cli::remedy(&e) {
                eprintln!("hint: {hint}");
            }
            ExitCode::FAILURE
        }
    }
}
