//! Runs on the engine a user names: the store's run pipeline
//! ([`workforce_sim_store::pipeline`]: a writer thread, writing beside and putting in place,
//! resume) and the core's in-memory run, each with the engine [`build_engine`] makes.

use crate::engines::build_engine;
use crate::Error;
use std::path::Path;
use workforce_sim_core::config::ValidConfig;
use workforce_sim_core::report::RunReport;
use workforce_sim_core::year::{CensusInput, InMemoryRun, PreparedCensus, Progress, RunOptions};
use workforce_sim_store::pipeline;

pub use workforce_sim_store::pipeline::Output;
pub use workforce_sim_store::place::partial_path;
pub use workforce_sim_store::Format;

/// Reads and stages the census, CSV or Parquet. Fails before anything is written anywhere.
pub fn prepare_census(config: &ValidConfig, input: &CensusInput) -> Result<PreparedCensus, Error> {
    Ok(pipeline::prepare_census(config, input)?)
}

/// Simulates without a database on `options.engine`, keeping every year's events and
/// snapshot.
pub fn simulate_in_memory(
    config: &ValidConfig,
    census: &PreparedCensus,
    options: &RunOptions,
) -> Result<InMemoryRun, Error> {
    let engine = build_engine(options.engine)?;
    Ok(InMemoryRun::simulate(
        config,
        census,
        options,
        engine.as_ref(),
    )?)
}

/// Runs a whole simulation into a new DuckDB file at `db` (see [`simulate_to`]); an existing
/// run there is replaced only if it is the same census and configuration.
pub fn simulate_to_database(
    config: &ValidConfig,
    input: &CensusInput,
    db: &Path,
    options: &RunOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<RunReport, Error> {
    simulate_to(config, input, &Output::duckdb(db), options, progress)
}

/// Runs a whole simulation on `options.engine` into `output` ([`pipeline::simulate_to`]:
/// bad input leaves no file behind, the last good result stays until the new one is
/// complete, another census or configuration is replaced only with
/// [`Output::overwrite`]).
pub fn simulate_to(
    config: &ValidConfig,
    input: &CensusInput,
    output: &Output,
    options: &RunOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<RunReport, Error> {
    let engine = build_engine(options.engine)?;
    Ok(pipeline::simulate_to(
        config,
        input,
        output,
        options,
        engine.as_ref(),
        progress,
    )?)
}

/// Continues an interrupted run in the DuckDB file `db` (see [`resume_output`]).
pub fn resume_database(
    db: &Path,
    config: Option<&ValidConfig>,
    census: Option<&CensusInput>,
    options: &RunOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<RunReport, Error> {
    resume_output(&Output::duckdb(db), config, census, options, progress)
}

/// Continues an interrupted run of any output from its last committed year, on
/// `options.engine` ([`pipeline::resume_output`]).
pub fn resume_output(
    output: &Output,
    config: Option<&ValidConfig>,
    census: Option<&CensusInput>,
    options: &RunOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<RunReport, Error> {
    let engine = build_engine(options.engine)?;
    Ok(pipeline::resume_output(
        output,
        config,
        census,
        options,
        engine.as_ref(),
        progress,
    )?)
}
