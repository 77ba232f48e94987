//! The `workforce-sim` command line: a thin shell over the library.

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use workforce_sim::census::generate::{self, GeneratorParams};
use workforce_sim::census_files;
use workforce_sim::config::plan::BalanceSnapshots;
use workforce_sim::{CensusInput, Config, EngineKind, RunOptions, ValidConfig};

/// `--format` values.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    /// One DuckDB file (--db).
    Duckdb,
    /// Hive-partitioned Parquet files and a results.duckdb of views (--out DIR).
    Parquet,
}

/// `--balances` values (`plan.ledger.balances`).
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BalancesArg {
    /// No balance table (year-end balances are in the snapshot).
    None,
    /// Each participant's balances by source on every Friday: the weekly_balances table.
    Weekly,
}

/// `--engine` values (the library's [`EngineKind`], which knows nothing of clap).
#[derive(Clone, Copy, ValueEnum)]
enum EngineArg {
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
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a multi-year simulation (default: 5,000 synthetic employees, 2025-2029, seed 42).
    Simulate(SimulateArgs),
    /// Run a batch file: every scenario with every seed, in parallel; per-year summaries,
    /// ensemble bands and threshold probabilities into a DuckDB file. `batch merge` combines
    /// the databases of `--shard I/N` runs.
    Batch(BatchArgs),
    /// Compare two scenarios of a batch (paired by seed, with the interval of the
    /// differences), or two single-run databases: alternative minus base, per year and metric.
    Compare {
        /// A batch database, with BASE and ALTERNATIVE scenario ids.
        #[arg(long, conflicts_with = "runs")]
        db: Option<PathBuf>,
        /// Two single-run databases instead: base, then alternative.
        #[arg(long, num_args = 2, value_names = ["BASE_DB", "ALTERNATIVE_DB"])]
        runs: Option<Vec<PathBuf>>,
        /// With --db: the base and the alternative scenario ids.
        scenarios: Vec<String>,
        /// Print JSON instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// Census files: generate a synthetic census.
    #[command(subcommand)]
    Census(CensusCommand),
    /// Schemas of the outputs: `schema events` prints the JSON Schema of a typed event
    /// (docs/rules.md 4.3).
    #[command(subcommand)]
    Schema(SchemaCommand),
    /// Check a JSON Lines file of typed events: one error per bad line (line, field, rule),
    /// exit 1 if any line is bad.
    Validate {
        /// The file, one typed event per line (`workforce-sim events` writes one).
        file: PathBuf,
    },
    /// Every event of a run, the workforce ledger and the plan's money ledger, as typed
    /// events (JSON Lines, one per event; the JSON Schema is `schema events`).
    Events {
        /// The results database (a DuckDB file, or a Parquet output's results.duckdb).
        #[arg(long, default_value = "simulation.duckdb")]
        db: PathBuf,
        /// Write to this file (whole or not at all) instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// One employee's events and yearly state across a run, from a results database.
    History {
        /// The employee id (e.g. EMP_000042 or NH_2026_000007).
        employee_id: String,
        /// DuckDB results database.
        #[arg(long, default_value = "simulation.duckdb")]
        db: PathBuf,
        /// Print as JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
struct SimulateArgs {
    /// Size of the synthetic census (default 5,000; not with --census). With --resume it
    /// must be the run's.
    #[arg(long, conflicts_with = "census")]
    employees: Option<usize>,
    /// Census file to import (.csv or .parquet) instead of a synthetic one.
    #[arg(long)]
    census: Option<PathBuf>,
    /// First simulated year (overrides the config file).
    #[arg(long)]
    start_year: Option<i32>,
    /// Last simulated year, inclusive (overrides the config file).
    #[arg(long)]
    end_year: Option<i32>,
    /// Random seed (overrides the config file).
    #[arg(long)]
    seed: Option<u64>,
    /// Also write each participant's balances by source on every Friday (the
    /// weekly_balances table; overrides plan.ledger.balances).
    #[arg(long, value_enum)]
    balances: Option<BalancesArg>,
    /// TOML configuration; every key optional, unknown keys rejected.
    #[arg(long)]
    config: Option<PathBuf>,
    /// DuckDB database file for the results (--format duckdb).
    #[arg(long, default_value = "simulation.duckdb")]
    db: PathBuf,
    /// How the results are stored: one DuckDB file, or Parquet files for other engines.
    #[arg(long, value_enum, default_value = "duckdb")]
    format: FormatArg,
    /// Output directory of --format parquet: events/simulation_year=2025/part-0.parquet,
    /// ..., and results.duckdb with views over them.
    #[arg(long, required_if_eq("format", "parquet"))]
    out: Option<PathBuf>,
    /// Worker threads (0 = one per core); results are identical for any value.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Continue an interrupted run from its last committed year (the unfinished DB.partial
    /// of a new run, or DB itself). --census, --employees, --seed and --config must then
    /// be the run's own, or are an error.
    #[arg(long, conflicts_with = "overwrite")]
    resume: bool,
    /// Replace an existing run of another census or configuration (without it, that is an
    /// error that says what is there). The old run stays until the new one completes.
    #[arg(long)]
    overwrite: bool,
    /// Print the run report as JSON on stdout instead of the table.
    #[arg(long)]
    json: bool,
    /// Event generation engine: native Rust (the fast path), Polars lazy expressions or DuckDB
    /// SQL. Every engine gives byte-identical results.
    #[arg(long, value_enum, default_value = "native")]
    engine: EngineArg,
    /// Also write every stage's output to its own table in its own transaction (the naive
    /// orchestration, for comparing overheads; results are identical).
    #[arg(long)]
    materialize_stages: bool,
    /// Have DuckDB log every statement it runs and print that count beside the store's own
    /// (a check that every statement goes through the store's counted executor).
    #[arg(long)]
    audit_sql: bool,
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
struct BatchArgs {
    #[command(subcommand)]
    merge: Option<BatchCommand>,
    /// The batch file (TOML; see examples/batch.toml).
    #[arg(required = true)]
    file: Option<PathBuf>,
    /// DuckDB file for the batch's results.
    #[arg(long, default_value = "batch.duckdb")]
    db: PathBuf,
    /// Worker threads (0 = one per core); each run uses one.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Run only shard INDEX of COUNT (e.g. 2/4) into its own database, for `batch merge`.
    #[arg(long)]
    shard: Option<String>,
    /// How the results are stored: one DuckDB file (--db), or Parquet (--out DIR).
    #[arg(long, value_enum, default_value = "duckdb")]
    format: FormatArg,
    /// Output directory of --format parquet: batch_year_summary/scenario_id=S/seed=K/...,
    /// and batch.duckdb with views over the files.
    #[arg(long, required_if_eq("format", "parquet"))]
    out: Option<PathBuf>,
    /// Replace an existing database file.
    #[arg(long)]
    overwrite: bool,
    /// Print the bands and thresholds as JSON on stdout instead of the tables.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum BatchCommand {
    /// Merge the databases of every shard of one batch into the database the unsharded
    /// batch writes.
    Merge {
        /// The shard databases (every shard 1..N once).
        #[arg(required = true)]
        parts: Vec<PathBuf>,
        /// The merged database.
        #[arg(long, default_value = "batch.duckdb")]
        db: PathBuf,
        /// Replace an existing database file.
        #[arg(long)]
        overwrite: bool,
    },
}

#[derive(Subcommand)]
enum SchemaCommand {
    /// The JSON Schema of one typed event: the envelope and every payload type.
    Events,
}

#[derive(Subcommand)]
enum CensusCommand {
    /// Write a deterministic synthetic census (CSV or Parquet by extension).
    Generate {
        #[arg(long, default_value_t = 5_000)]
        employees: usize,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Census year (hires up to its Dec 31).
        #[arg(long, default_value_t = 2024)]
        base_year: i32,
        /// Replicate the census K times with ±2% pay jitter (ids `{id}_C{k}`).
        #[arg(long, default_value_t = 1)]
        replicate: usize,
    },
}

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
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Simulate(args) => simulate(args),
        Command::Schema(SchemaCommand::Events) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&workforce_sim::payload::json_schema())?
            );
            Ok(())
        }
        Command::Validate { file } => {
            let f = std::fs::File::open(&file)
                .with_context(|| format!("cannot open {}", file.display()))?;
            let report = workforce_sim::payload::validate_jsonl(std::io::BufReader::new(f))
                .with_context(|| format!("cannot read {}", file.display()))?;
            for b in &report.bad {
                eprintln!("{}:{}: {}", file.display(), b.line, b.error);
            }
            if !report.bad.is_empty() {
                bail!(
                    "{}: {} of {} events are invalid",
                    file.display(),
                    report.bad.len(),
                    report.events
                );
            }
            eprintln!("{}: {} events, all valid", file.display(), report.events);
            Ok(())
        }
        Command::Events { db, out } => {
            use std::io::Write;
            let written = match out {
                None => {
                    let mut w = std::io::BufWriter::new(std::io::stdout().lock());
                    let n = workforce_sim::store::write_typed_events(&db, &mut w)?;
                    w.flush()?;
                    n
                }
                Some(path) => {
                    // Whole or not at all: written beside the target, renamed into place.
                    let partial = path.with_extension("jsonl.partial");
                    let result = (|| -> Result<u64> {
                        let f = std::fs::File::create(&partial)
                            .with_context(|| format!("cannot create {}", partial.display()))?;
                        let mut w = std::io::BufWriter::new(f);
                        let n = workforce_sim::store::write_typed_events(&db, &mut w)?;
                        w.flush()
                            .with_context(|| format!("cannot write {}", partial.display()))?;
                        std::fs::rename(&partial, &path)
                            .with_context(|| format!("cannot rename into {}", path.display()))?;
                        Ok(n)
                    })();
                    if result.is_err() {
                        let _ = std::fs::remove_file(&partial);
                    }
                    result?
                }
            };
            eprintln!("{written} typed events from {}", db.display());
            Ok(())
        }
        Command::History {
            employee_id,
            db,
            json,
        } => {
            let h = workforce_sim::participant_history(&db, &employee_id)?;
            if h.is_empty() {
                bail!("no employee {employee_id} in {}", db.display());
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&h)?);
            } else {
                print!("{}", h.to_table());
            }
            Ok(())
        }
        Command::Compare {
            db,
            runs,
            scenarios,
            json,
        } => {
            let (diffs, title) = match (db, runs) {
                (Some(db), None) => {
                    let [base, alt] = scenarios.as_slice() else {
                        bail!("compare --db BATCH needs two scenario ids: BASE ALTERNATIVE");
                    };
                    (
                        workforce_sim::batch::compare_scenarios(&db, base, alt)?,
                        format!("{alt} - {base}"),
                    )
                }
                (None, Some(r)) if r.len() == 2 => {
                    if !scenarios.is_empty() {
                        bail!("compare --runs takes two databases, no scenario ids");
                    }
                    (
                        workforce_sim::batch::compare_runs(&r[0], &r[1])?,
                        format!("{} - {}", r[1].display(), r[0].display()),
                    )
                }
                _ => bail!(
                    "compare needs --db BATCH BASE ALTERNATIVE, or --runs BASE_DB ALTERNATIVE_DB"
                ),
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&diffs)?);
            } else {
                println!("{title}");
                println!(
                    "{:<6} {:<22} {:>6} {:>16} {:>16} {:>16} {:>16}",
                    "year", "metric", "pairs", "base mean", "difference", "p5", "p95"
                );
                for d in &diffs {
                    println!(
                        "{:<6} {:<22} {:>6} {:>16.2} {:>16.2} {:>16.2} {:>16.2}",
                        d.year, d.metric, d.pairs, d.base_mean, d.mean, d.p5, d.p95
                    );
                }
            }
            Ok(())
        }
        Command::Batch(args) => match args.merge {
            Some(BatchCommand::Merge {
                parts,
                db,
                overwrite,
            }) => {
                let report = workforce_sim::batch::merge_batches(&parts, &db, overwrite)?;
                eprintln!(
                    "merged {} shard databases: {} runs -> {}",
                    parts.len(),
                    report.runs.len(),
                    db.display()
                );
                Ok(())
            }
            None => batch(args),
        },
        Command::Census(CensusCommand::Generate {
            employees,
            out,
            seed,
            base_year,
            replicate,
        }) => {
            if replicate == 0 {
                bail!("--replicate must be at least 1");
            }
            let rows = generate::generate(&GeneratorParams::new(employees, base_year, seed))?;
            let rows = if replicate > 1 {
                generate::replicate(&rows, replicate, seed)
            } else {
                rows
            };
            census_files::write_census(&out, &rows)
                .with_context(|| format!("writing {}", out.display()))?;
            eprintln!("wrote {} employees to {}", rows.len(), out.display());
            Ok(())
        }
    }
}

fn batch(args: BatchArgs) -> Result<()> {
    use workforce_sim::batches::{Metric, Shard, ValidBatch};
    let Some(file) = args.file.as_deref() else {
        bail!("a batch needs its batch file");
    };
    let json = args.json;
    let (db, format) = match (args.format, &args.out) {
        (FormatArg::Parquet, Some(dir)) => (dir.as_path(), workforce_sim::Format::Parquet),
        (FormatArg::Duckdb, None) => (args.db.as_path(), workforce_sim::Format::Duckdb),
        (FormatArg::Duckdb, Some(_)) => {
            bail!("--out is the directory of --format parquet; a DuckDB file is --db")
        }
        (FormatArg::Parquet, None) => bail!("--format parquet needs --out DIR"),
    };
    let shard: Option<Shard> = match &args.shard {
        Some(s) => Some(s.parse().map_err(anyhow::Error::msg)?),
        None => None,
    };
    let b = ValidBatch::load(file)?;
    let all = b.scenarios.len() * b.seeds.len();
    let total = match shard {
        Some(s) => (all + (s.count - s.index) as usize) / s.count as usize,
        None => all,
    };
    let bar = if json {
        ProgressBar::hidden()
    } else {
        ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr())
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} runs, {eta} left",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let options = workforce_sim::batch::BatchOptions {
        threads: args.threads,
        overwrite: args.overwrite,
        shard,
        format,
    };
    let report = workforce_sim::batch::run_batch_to_database(&b, db, &options, &|done, _| {
        bar.set_position(done as u64)
    })?;
    bar.finish_and_clear();
    if let Some(s) = shard {
        eprintln!(
            "shard {}/{}: {} runs in {:.2} s -> {} (combine the shards with `workforce-sim batch merge`)",
            s.index,
            s.count,
            report.runs.len(),
            report.seconds,
            db.display()
        );
        return Ok(());
    }
    let id = |s: usize| b.scenarios[s].id.as_str();
    if !json && !report.charts.is_empty() {
        eprintln!(
            "fan charts (one SVG per metric) in {}",
            workforce_sim::batch::charts_dir(db).display()
        );
    }
    if !json && !report.detail.is_empty() {
        eprintln!(
            "{} runs kept in full (their own results databases) in {}",
            report.detail.len(),
            workforce_sim::batch::detail_dir(db).display()
        );
    }
    if json {
        let bands: Vec<serde_json::Value> = report
            .bands
            .iter()
            .map(|x| {
                serde_json::json!({"scenario_id": id(x.scenario), "year": x.year, "metric": x.metric.name(),
                    "runs": x.runs, "mean": x.mean, "sd": x.sd, "p5": x.p5, "p25": x.p25, "p50": x.p50,
                    "p75": x.p75, "p95": x.p95})
            })
            .collect();
        let thresholds: Vec<serde_json::Value> = report
            .thresholds
            .iter()
            .map(|t| {
                serde_json::json!({"scenario_id": id(t.scenario), "metric": t.threshold.metric.name(),
                    "year": t.threshold.year, "above": t.threshold.above, "value": t.threshold.value,
                    "runs": t.runs, "probability": t.probability})
            })
            .collect();
        let attribution: Vec<serde_json::Value> = report
            .attribution
            .iter()
            .map(|x| {
                serde_json::json!({"scenario_id": id(x.scenario), "year": x.year,
                    "metric": x.metric.name(), "subsystem": x.subsystem.name(), "points": x.points,
                    "variance": x.variance, "first_order": x.first_order,
                    "first_order_se": x.first_order_se, "total_effect": x.total_effect,
                    "total_effect_se": x.total_effect_se})
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({"database": db.display().to_string(), "runs": report.runs.len(),
            "seconds": report.seconds, "bands": bands, "thresholds": thresholds,
            "attribution": attribution})
        );
        return Ok(());
    }
    let last = report.bands.iter().map(|x| x.year).max().unwrap_or(0);
    let designs = match &b.attribution {
        Some(a) => format!(
            ", and {} x {} points x {} attribution designs",
            b.scenarios.len(),
            a.seeds.len(),
            a.subsystems.len() + 1
        ),
        None => String::new(),
    };
    println!(
        "{} runs ({} scenarios x {} seeds{designs}) in {:.2} s -> {}",
        report.runs.len(),
        b.scenarios.len(),
        b.seeds.len(),
        report.seconds,
        db.display()
    );
    println!();
    println!(
        "{:<20} {:<22} {:>14} {:>14} {:>14}",
        format!("scenario ({last})"),
        "metric",
        "p5",
        "p50",
        "p95"
    );
    for (s, _) in b.scenarios.iter().enumerate() {
        for m in [
            Metric::Headcount,
            Metric::ParticipationRate,
            Metric::EmployeeDeferrals,
            Metric::EmployerCost,
        ] {
            if let Some(x) = report
                .bands
                .iter()
                .find(|x| x.scenario == s && x.year == last && x.metric == m)
            {
                println!(
                    "{:<20} {:<22} {:>14.2} {:>14.2} {:>14.2}",
                    id(s),
                    m.name(),
                    x.p5,
                    x.p50,
                    x.p95
                );
            }
        }
    }
    if let Some(a) = &b.attribution {
        print_attribution(&report.attribution, a, last, &id);
    }
    if !report.thresholds.is_empty() {
        println!();
        for t in &report.thresholds {
            println!(
                "P({} {} {} {}) = {:.3} for {} ({} runs)",
                t.threshold.metric.name(),
                t.threshold.year,
                if t.threshold.above { ">" } else { "<" },
                t.threshold.value,
                t.probability,
                id(t.scenario),
                t.runs
            );
        }
    }
    Ok(())
}

/// The variance shares of the last year: per scenario and headline metric, the share of the
/// variance each subsystem explains alone (first order), and what interactions leave.
fn print_attribution<'a>(
    shares: &[workforce_sim::batches::Share],
    a: &workforce_sim::batches::Attribution,
    last: i32,
    id: &dyn Fn(usize) -> &'a str,
) {
    use workforce_sim::batches::Metric;
    println!();
    println!(
        "share of the variance in {last} each subsystem explains alone, ± its standard error \
         ({} points; batch_attribution has every year and metric, and the total effects)",
        a.seeds.len()
    );
    print!("{:<20} {:<22}", "scenario", "metric");
    for s in &a.subsystems {
        print!(" {:>11}", s.name());
    }
    println!(" {:>12}", "interactions");
    let scenarios = shares.iter().map(|x| x.scenario).max().map_or(0, |m| m + 1);
    for scenario in 0..scenarios {
        for m in [
            Metric::Terminations,
            Metric::Payroll,
            Metric::ParticipationRate,
            Metric::EmployeeDeferrals,
            Metric::EmployerCost,
        ] {
            let row: Vec<&workforce_sim::batches::Share> = shares
                .iter()
                .filter(|x| x.scenario == scenario && x.year == last && x.metric == m)
                .collect();
            if row.is_empty() || row.iter().any(|x| x.first_order.is_none()) {
                continue;
            }
            print!("{:<20} {:<22}", id(scenario), m.name());
            let mut explained = 0.0;
            for x in &row {
                let share = x.first_order.unwrap_or(0.0);
                explained += share;
                let se = x.first_order_se.unwrap_or(0.0);
                print!(
                    " {:>11}",
                    format!("{:.0}±{:.0}%", 100.0 * share, 100.0 * se)
                );
            }
            println!(" {:>11.0}%", 100.0 * (1.0 - explained));
        }
    }
}

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

/// The database a resume continues: the unfinished `DB.partial` if there is one, else `DB`.
fn resume_target(db: &std::path::Path) -> PathBuf {
    let partial = workforce_sim::partial_path(db);
    if partial.exists() {
        partial
    } else {
        db.to_path_buf()
    }
}

fn simulate(args: SimulateArgs) -> Result<()> {
    let config = load_config(&args)?;
    let options = RunOptions {
        engine: args.engine.into(),
        threads: args.threads,
        materialize_stages: args.materialize_stages,
        audit_statements: args.audit_sql,
    };
    let years = config.as_ref().map_or(5, |c| c.years().count());
    let bar = if args.json {
        ProgressBar::hidden()
    } else {
        ProgressBar::with_draw_target(Some(years as u64), ProgressDrawTarget::stderr())
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} years {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
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
    let output = match (args.format, &args.out) {
        (FormatArg::Parquet, Some(dir)) => workforce_sim::Output {
            path: dir.clone(),
            format: workforce_sim::Format::Parquet,
            overwrite: args.overwrite,
        },
        (FormatArg::Parquet, None) => bail!("--format parquet needs --out DIR"),
        (FormatArg::Duckdb, Some(_)) => {
            bail!("--out is the directory of --format parquet; a DuckDB file is --db")
        }
        (FormatArg::Duckdb, None) => workforce_sim::Output {
            path: args.db.clone(),
            format: workforce_sim::Format::Duckdb,
            overwrite: args.overwrite,
        },
    };
    let census_input = |config: &ValidConfig, employees: usize| match &args.census {
        Some(path) => CensusInput::File(path.clone()),
        None => {
            let base_year = workforce_sim::date::year_of(config.census_plan_year().1);
            CensusInput::Synthetic(GeneratorParams::new(
                employees,
                base_year,
                config.simulation.random_seed,
            ))
        }
    };
    let report = if args.resume {
        // A census named with --resume is checked against the run's; the synthetic one is
        // generated with the stored seed, which --seed (if given) already had to match.
        let mut target = resume_target(&output.path);
        if output.format == workforce_sim::Format::Parquet {
            target = target.join(workforce_sim::store::parquet_out::RESULTS_DB);
        }
        let stored = if target.exists() {
            workforce_sim::store::Store::open(&target)
                .and_then(|s| s.resume_point())
                .ok()
        } else {
            None
        };
        let census = match (&args.census, args.employees, &stored) {
            (Some(_), _, Some(p)) => Some(census_input(&p.config, 0)),
            (None, Some(n), Some(p)) => Some(census_input(&p.config, n)),
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
