//! The command line's arguments (clap derive): one type per command, each flag documented
//! where a user reads it (`--help`).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use workforce_sim::{EngineKind, Format};

/// `--format` values.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// One DuckDB file (--db).
    Duckdb,
    /// Hive-partitioned Parquet files and a results.duckdb of views (--out DIR).
    Parquet,
}

/// `--balances` values (`plan.ledger.balances`).
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BalancesArg {
    /// No balance table (year-end balances are in the snapshot).
    None,
    /// Each participant's balances by source on every Friday: the weekly_balances table.
    Weekly,
}

/// `--engine` values (the library's [`EngineKind`], which knows nothing of clap).
#[derive(Clone, Copy, ValueEnum)]
pub enum EngineArg {
    Native,
    Polars,
    Sql,
}

impl From<EngineArg> for EngineKind {
    fn from(e: EngineArg) -> Self {
        match e {
            EngineArg::Native => EngineKind::Native,
            EngineArg::Polars => EngineKind::Polars,
            EngineArg::Sql => EngineKind::Sql,
        }
    }
}

#[derive(Parser)]
#[command(
    name = "workforce-sim",
    version,
    about = "Simulate a workforce and its 401(k) plan year by year into an embedded DuckDB file"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run a multi-year simulation (default: 5,000 synthetic employees, 2025-2029, seed 42).
    Simulate(SimulateArgs),
    /// Run a batch file: every scenario with every seed, in parallel; per-year summaries,
    /// ensemble bands and threshold probabilities into a DuckDB file. `batch merge` combines
    /// the databases of `--shard I/N` runs.
    Batch(BatchArgs),
    /// Compare two scenarios of a batch (paired by seed, with the interval of the
    /// differences), or two single-run databases: alternative minus base, per year and metric.
    Compare(CompareArgs),
    /// Census files: generate a synthetic census.
    #[command(subcommand)]
    Census(CensusCommand),
    /// Schemas of the outputs: `schema events` prints the JSON Schema of a typed event
    /// (docs/rules.md 4.3).
    #[command(subcommand)]
    Schema(SchemaCommand),
    /// Check a JSON Lines file of typed events: one error per bad line (line, field, rule),
    /// exit 1 if any line is bad.
    Validate(ValidateArgs),
    /// Every event of a run, the workforce ledger and the plan's money ledger, as typed
    /// events (JSON Lines, one per event; the JSON Schema is `schema events`).
    Events(EventsArgs),
    /// One employee's events and yearly state across a run, from a results database.
    History(HistoryArgs),
    /// Fit the model's rates to 2-10 annual census snapshots of your own people: each rate
    /// with its standard error, credibility and interval, and a configuration to simulate
    /// with (`--out fitted.toml`).
    Fit(FitArgs),
    /// Fit on all but the last K snapshots, simulate the held-out years over many seeds and
    /// score each figure against what happened (pass / warn / fail).
    Backtest(BacktestArgs),
    /// Solve one lever for one target on the seed-averaged metric (common random numbers),
    /// e.g. the merit budget that gives 3.5% payroll growth.
    Calibrate(CalibrateArgs),
    /// Choose a plan design: every combination of the spec's levers on paired seeds, racing
    /// out designs worse or infeasible with confidence; the best feasible design.
    Optimize(OptimizeArgs),
    /// Write the Excel workbook and/or the self-contained HTML report of a run, a batch, an
    /// optimisation or a backtest.
    Report(ReportArgs),
    /// What drove a money metric's change: drivers (headcount, pay per head, participation,
    /// deferral, match formula, core, forfeitures) that add up to it, and the residual.
    Explain(ExplainArgs),
}

#[derive(Args)]
pub struct ReportArgs {
    /// The results: a run's DuckDB file or Parquet folder, a batch, an optimisation or a
    /// backtest database.
    pub results: PathBuf,
    /// Write the Excel workbook here.
    #[arg(long)]
    pub xlsx: Option<PathBuf>,
    /// Write the self-contained HTML report here.
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Leave a full table (the snapshot, the events) with more rows than this out of the
    /// workbook, with a note (default: split it across sheets at Excel's row limit).
    #[arg(long)]
    pub max_rows: Option<u64>,
    /// Replace existing output files.
    #[arg(long)]
    pub overwrite: bool,
}

#[derive(Args)]
pub struct ExplainArgs {
    /// One run (its change between two years), two runs (in one year), or a batch (two
    /// scenarios, with --base and --alternative).
    #[arg(required = true, num_args = 1..=2)]
    pub results: Vec<PathBuf>,
    /// employer_cost (match + core), net_employer_cost, employer_match, employer_core,
    /// employee_deferrals or payroll.
    #[arg(long, default_value = "employer_cost")]
    pub metric: String,
    /// A run's first year (default: its first simulated year).
    #[arg(long)]
    pub from: Option<i32>,
    /// A run's last year (default: its last simulated year).
    #[arg(long)]
    pub to: Option<i32>,
    /// A batch's base scenario id.
    #[arg(long, requires = "alternative")]
    pub base: Option<String>,
    /// A batch's alternative scenario id.
    #[arg(long, requires = "base")]
    pub alternative: Option<String>,
    /// The year two runs or two scenarios are compared in (default: the last).
    #[arg(long)]
    pub year: Option<i32>,
    /// Print JSON instead of the table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct OptimizeArgs {
    /// The spec (TOML): [base], [[lever]], [objective], [[constraint]].
    pub spec: PathBuf,
    /// Also write the search as tables of a DuckDB file: opt_candidates, opt_frontier,
    /// opt_runs, opt_metadata (replaced only with --overwrite).
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// Draw the designs and the Pareto frontier as an SVG chart here (replaced only with
    /// --overwrite).
    #[arg(long)]
    pub chart: Option<PathBuf>,
    /// Run only shard INDEX of COUNT (e.g. 2/4) of every design on every seed into --db, for
    /// --merge.
    #[arg(long, requires = "db", conflicts_with_all = ["merge", "out", "chart"])]
    pub shard: Option<String>,
    /// Merge the shards' databases (every shard of this spec's search) and finish the search
    /// over their runs: the result of the unsharded command.
    #[arg(long, num_args = 1.., value_name = "SHARD_DB")]
    pub merge: Vec<PathBuf>,
    /// Print every candidate, not only the frontier and the best designs.
    #[arg(long)]
    pub all: bool,
    /// Worker threads (0 = one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    #[command(flatten)]
    pub output: OverlayOutput,
}

/// Where a command's configuration overlay goes, and how its result is printed.
#[derive(Args)]
pub struct OverlayOutput {
    /// Write the result as a configuration overlay (TOML) here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace an existing output file (--out, and --db or --chart where the command has them).
    #[arg(long)]
    pub overwrite: bool,
    /// Print JSON instead of the table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct CalibrateArgs {
    /// The numeric configuration key to solve for (e.g. compensation.merit_budget,
    /// hiring.compensation_percentile[0]).
    #[arg(long)]
    pub lever: String,
    /// The bracket searched, LOW:HIGH (the metric must cross the target inside it).
    #[arg(long)]
    pub range: String,
    /// GOAL=VALUE: payroll_growth, headcount_growth (compound annual, first to last
    /// simulated year), or a metric (employer_cost, participation_rate, ...) in the last
    /// year or METRIC@YEAR.
    #[arg(long)]
    pub target: String,
    /// Stop when the seed-averaged metric is this close to the target.
    #[arg(long, default_value_t = 1e-5)]
    pub tolerance: f64,
    /// At most this many evaluations (each runs every seed).
    #[arg(long, default_value_t = 30)]
    pub max_evaluations: usize,
    /// The number of seeds (random_seed, random_seed + 1, ...), the same at every evaluation.
    #[arg(long, default_value_t = 20)]
    pub seeds: u64,
    /// Base configuration (default: the defaults).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Size of the synthetic census, generated per seed (default 5,000; not with --census).
    #[arg(long, conflicts_with = "census")]
    pub employees: Option<usize>,
    /// A census file for every run.
    #[arg(long)]
    pub census: Option<PathBuf>,
    /// Worker threads (0 = one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    #[command(flatten)]
    pub output: OverlayOutput,
}

/// The history and how it is fitted (`fit` and `backtest`).
#[derive(Args)]
pub struct HistoryInput {
    /// The annual census snapshots (CSV or Parquet), one per year.
    #[arg(required = true, num_args = 1..)]
    pub files: Vec<PathBuf>,
    /// The year of each file, in order (else a `snapshot_date` column or the year in the
    /// file name).
    #[arg(long, value_delimiter = ',')]
    pub year: Vec<i32>,
    /// The configuration whose values the estimates are shrunk toward (default: the
    /// defaults).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// k of the credibility Z = e / (e + k), in employee-years (or hires, raises).
    #[arg(long, default_value_t = 50.0)]
    pub credibility_k: f64,
    /// Below this exposure a configured value is kept.
    #[arg(long, default_value_t = 30.0)]
    pub min_exposure: f64,
    /// Employees who left may come back with a new hire date.
    #[arg(long)]
    pub allow_rehires: bool,
}

#[derive(Args)]
pub struct FitArgs {
    #[command(flatten)]
    pub input: HistoryInput,
    /// (The fitted configuration, every key commented, with --out.)
    #[command(flatten)]
    pub output: OverlayOutput,
}

#[derive(ValueEnum, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    Warn,
    Fail,
}

#[derive(Args)]
pub struct BacktestArgs {
    #[command(flatten)]
    pub input: HistoryInput,
    /// The last K snapshots are held out and simulated.
    #[arg(long, default_value_t = 1)]
    pub holdout: usize,
    /// Seeds simulated (random_seed, random_seed + 1, ...).
    #[arg(long, default_value_t = 20)]
    pub seeds: u32,
    /// Worker threads (0 = one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Warn and fail thresholds of the relative error (WARN,FAIL) for headcount.
    #[arg(long, value_delimiter = ',', default_values_t = [0.02, 0.04])]
    pub headcount_band: Vec<f64>,
    /// ... for pay (payroll, average pay by level).
    #[arg(long, value_delimiter = ',', default_values_t = [0.03, 0.06])]
    pub pay_band: Vec<f64>,
    /// ... for flows (hires, terminations, promotions).
    #[arg(long, value_delimiter = ',', default_values_t = [0.10, 0.20])]
    pub flows_band: Vec<f64>,
    /// ... for the plan (participation, average deferral rate).
    #[arg(long, value_delimiter = ',', default_values_t = [0.05, 0.10])]
    pub plan_band: Vec<f64>,
    /// Every seed runs the fitted values themselves (by default each seed draws them from
    /// their standard errors, so the bands hold the estimation's uncertainty too).
    #[arg(long)]
    pub fixed_parameters: bool,
    /// Exit 1 when any figure is at this status or worse.
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Also write the scores and estimates as tables of a DuckDB file.
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// Replace an existing --db file.
    #[arg(long, requires = "db")]
    pub overwrite: bool,
    /// Print JSON instead of the Markdown scorecard.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct SimulateArgs {
    /// Size of the synthetic census (default 5,000; not with --census). With --resume it
    /// must be the run's.
    #[arg(long, conflicts_with = "census")]
    pub employees: Option<usize>,
    /// Census file to import (.csv or .parquet) instead of a synthetic one.
    #[arg(long)]
    pub census: Option<PathBuf>,
    /// First simulated year (overrides the config file).
    #[arg(long)]
    pub start_year: Option<i32>,
    /// Last simulated year, inclusive (overrides the config file).
    #[arg(long)]
    pub end_year: Option<i32>,
    /// Random seed (overrides the config file).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Also write each participant's balances by source on every Friday (the
    /// weekly_balances table; overrides plan.ledger.balances).
    #[arg(long, value_enum)]
    pub balances: Option<BalancesArg>,
    /// TOML configuration; every key optional, unknown keys rejected.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// DuckDB database file for the results (--format duckdb).
    #[arg(long, default_value = "simulation.duckdb")]
    pub db: PathBuf,
    /// How the results are stored: one DuckDB file, or Parquet files for other engines.
    #[arg(long, value_enum, default_value = "duckdb")]
    pub format: FormatArg,
    /// Output directory of --format parquet: events/simulation_year=2025/part-0.parquet,
    /// ..., and results.duckdb with views over them.
    #[arg(long, required_if_eq("format", "parquet"))]
    pub out: Option<PathBuf>,
    /// Worker threads (0 = one per core); results are identical for any value.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Continue an interrupted run from its last committed year (the unfinished DB.partial
    /// of a new run, or DB itself). --census, --employees, --seed and --config must then
    /// be the run's own, or are an error.
    #[arg(long, conflicts_with = "overwrite")]
    pub resume: bool,
    /// Replace an existing run of another census or configuration (without it, that is an
    /// error that says what is there). The old run stays until the new one completes.
    #[arg(long)]
    pub overwrite: bool,
    /// Print the run report as JSON on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Event generation engine: native Rust (the fast path), Polars lazy expressions or DuckDB
    /// SQL. Every engine gives byte-identical results.
    #[arg(long, value_enum, default_value = "native")]
    pub engine: EngineArg,
    /// Also write every stage's output to its own table in its own transaction (the naive
    /// orchestration, for comparing overheads; results are identical).
    #[arg(long)]
    pub materialize_stages: bool,
    /// Have DuckDB log every statement it runs and print that count beside the store's own
    /// (a check that every statement goes through the store's counted executor).
    #[arg(long)]
    pub audit_sql: bool,
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct BatchArgs {
    #[command(subcommand)]
    pub merge: Option<BatchCommand>,
    /// The batch file (TOML; see examples/batch.toml).
    #[arg(required = true)]
    pub file: Option<PathBuf>,
    /// DuckDB file for the batch's results.
    #[arg(long, default_value = "batch.duckdb")]
    pub db: PathBuf,
    /// Worker threads (0 = one per core); each run uses one.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Run only shard INDEX of COUNT (e.g. 2/4) into its own database, for `batch merge`.
    #[arg(long)]
    pub shard: Option<String>,
    /// How the results are stored: one DuckDB file (--db), or Parquet (--out DIR).
    #[arg(long, value_enum, default_value = "duckdb")]
    pub format: FormatArg,
    /// Output directory of --format parquet: batch_year_summary/scenario_id=S/seed=K/...,
    /// and batch.duckdb with views over the files.
    #[arg(long, required_if_eq("format", "parquet"))]
    pub out: Option<PathBuf>,
    /// Replace an existing database file.
    #[arg(long)]
    pub overwrite: bool,
    /// Print the bands and thresholds as JSON on stdout instead of the tables.
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand)]
pub enum BatchCommand {
    /// Merge the databases of every shard of one batch into the database the unsharded
    /// batch writes.
    Merge(MergeArgs),
}

#[derive(Subcommand)]
pub enum SchemaCommand {
    /// The JSON Schema of one typed event: the envelope and every payload type.
    Events,
}

#[derive(Subcommand)]
pub enum CensusCommand {
    /// Write a deterministic synthetic census (CSV or Parquet by extension).
    Generate(GenerateArgs),
    /// Write a run's year-end snapshot as a census file (the columns of docs/rules.md 1.1
    /// plus job_level), to fit a simulated history or chain runs.
    Export(ExportArgs),
}

#[derive(Args)]
pub struct ExportArgs {
    /// The results database (a DuckDB file, or a Parquet output's results.duckdb).
    #[arg(long, default_value = "simulation.duckdb")]
    pub db: PathBuf,
    /// The simulated year whose year-end snapshot is written.
    #[arg(long)]
    pub year: i32,
    /// The census file to write (.csv or .parquet).
    #[arg(long)]
    pub out: PathBuf,
    /// Replace an existing --out file.
    #[arg(long)]
    pub overwrite: bool,
}

#[derive(Args)]
pub struct CompareArgs {
    /// A batch database, with BASE and ALTERNATIVE scenario ids.
    #[arg(long, conflicts_with = "runs")]
    pub db: Option<PathBuf>,
    /// Two single-run databases instead: base, then alternative.
    #[arg(long, num_args = 2, value_names = ["BASE_DB", "ALTERNATIVE_DB"])]
    pub runs: Option<Vec<PathBuf>>,
    /// With --db: the base and the alternative scenario ids.
    pub scenarios: Vec<String>,
    /// Print every year and metric (default: the last year's headline metrics).
    #[arg(long)]
    pub all: bool,
    /// Print JSON instead of the table (every year and metric, raw numbers).
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct ValidateArgs {
    /// The file, one typed event per line (`workforce-sim events` writes one).
    pub file: PathBuf,
}

#[derive(Args)]
pub struct EventsArgs {
    /// The results database (a DuckDB file, or a Parquet output's results.duckdb).
    #[arg(long, default_value = "simulation.duckdb")]
    pub db: PathBuf,
    /// Write to this file (whole or not at all) instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace an existing output file (--out, and --db or --chart where the command has them).
    #[arg(long)]
    pub overwrite: bool,
}

#[derive(Args)]
pub struct HistoryArgs {
    /// The employee id (e.g. EMP_000042 or NH_2026_000007).
    pub employee_id: String,
    /// DuckDB results database.
    #[arg(long, default_value = "simulation.duckdb")]
    pub db: PathBuf,
    /// Print as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct MergeArgs {
    /// The shard databases (every shard 1..N once).
    #[arg(required = true)]
    pub parts: Vec<PathBuf>,
    /// The merged database.
    #[arg(long, default_value = "batch.duckdb")]
    pub db: PathBuf,
    /// Replace an existing database file.
    #[arg(long)]
    pub overwrite: bool,
}

#[derive(Args)]
pub struct GenerateArgs {
    #[arg(long, default_value_t = 5_000)]
    pub employees: usize,
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Census year (hires up to its Dec 31).
    #[arg(long, default_value_t = 2024)]
    pub base_year: i32,
    /// Replicate the census K times with ±2% pay jitter (ids `{id}_C{k}`).
    #[arg(long, default_value_t = 1)]
    pub replicate: usize,
    /// Replace an existing --out file.
    #[arg(long)]
    pub overwrite: bool,
}

impl FormatArg {
    /// The output of `--format` with `--db` or `--out`: a DuckDB file, or a Parquet directory.
    pub fn target(self, db: &Path, out: Option<&Path>) -> anyhow::Result<(PathBuf, Format)> {
        match (self, out) {
            (FormatArg::Parquet, Some(dir)) => Ok((dir.to_path_buf(), Format::Parquet)),
            (FormatArg::Duckdb, None) => Ok((db.to_path_buf(), Format::Duckdb)),
            (FormatArg::Duckdb, Some(_)) => {
                anyhow::bail!("--out is the directory of --format parquet; a DuckDB file is --db")
            }
            (FormatArg::Parquet, None) => anyhow::bail!("--format parquet needs --out DIR"),
        }
    }
}
