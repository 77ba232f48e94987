//! `bench-gate`: save a criterion baseline, gate a run against it, and write the benchmark
//! report. A thin shell over the `bench_gate` library.

use anyhow::{Context, Result};
use bench_gate::export::{Exporter, Markdown};
use bench_gate::{Baseline, Meta, Thresholds};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

mod history_cli;

#[derive(Parser)]
#[command(
    name = "bench-gate",
    about = "Benchmark gate, report and history over criterion and gungraun results"
)]
struct Cli {
    /// criterion's output directory (default: $CARGO_TARGET_DIR/criterion or target/criterion).
    #[arg(long, global = true)]
    criterion_dir: Option<PathBuf>,
    /// The benches' side outputs: memory and digests (default: next to criterion's).
    #[arg(long, global = true)]
    extra_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Record the current results as a baseline (with commit, date, machine, toolchain).
    Save {
        #[arg(long, default_value = "baselines/criterion/baseline.json")]
        out: PathBuf,
    },
    /// Compare the current results with a baseline; exit 1 on a regression, 2 without a baseline.
    Check {
        #[arg(long, default_value = "baselines/criterion/baseline.json")]
        baseline: PathBuf,
        #[arg(long, default_value_t = 15.0)]
        time_pct: f64,
        #[arg(long, default_value_t = 10.0)]
        throughput_pct: f64,
        #[arg(long, default_value_t = 20.0)]
        memory_pct: f64,
        #[arg(long, default_value_t = 1.15)]
        max_scaling_exponent: f64,
        /// Also write the Markdown table here.
        #[arg(long)]
        markdown: Option<PathBuf>,
    },
    /// Write bench-report.{json,csv,md} and scaling.svg.
    /// Base against head measured in one job (`scripts/bench-compare.sh`): the
    /// instruction counts of a gungraun tree where the head ran against the `base`
    /// baseline, and with `--rounds` the criterion baselines `base-1`, `head-1`, ...; prints
    /// one Markdown table and exits 1 when a bench fails.
    Compare {
        #[arg(long)]
        gungraun_dir: PathBuf,
        /// Interleaved criterion rounds to read (0: instructions only).
        #[arg(long, default_value_t = 0)]
        rounds: usize,
        #[arg(long, default_value_t = 2.0)]
        instructions_pct: f64,
        #[arg(long, default_value_t = 15.0)]
        wall_pct: f64,
        #[arg(long, default_value = "Benchmarks: base against head")]
        title: String,
        #[arg(long)]
        markdown: Option<PathBuf>,
        #[arg(long)]
        json: Option<PathBuf>,
        /// Intended slowdowns: a failing bench acknowledged for a commit of `--range` passes,
        /// shown as acknowledged with its reason.
        #[arg(long, default_value = "baselines/acknowledged.toml")]
        acknowledged: PathBuf,
        /// The commits compared, `BASE..HEAD` (acknowledgements apply to these).
        #[arg(long)]
        range: Option<String>,
    },
    Report {
        #[arg(long, default_value = ".")]
        out_dir: PathBuf,
        /// gungraun's output tree with `summary.json` files (instruction counts).
        #[arg(long, default_value = "baselines/gungraun")]
        gungraun_dir: PathBuf,
    },
    /// The benchmark history: record every figure per commit and machine, find change
    /// points, write the trend report.
    History {
        /// The history: a directory of Parquet files (default: $CARGO_TARGET_DIR/bench-history).
        #[arg(long, env = "WFS_BENCH_HISTORY", global = true)]
        history: Option<PathBuf>,
        /// The git repository whose commits the figures belong to.
        #[arg(long, default_value = ".", global = true)]
        repo: PathBuf,
        #[command(subcommand)]
        command: history_cli::HistoryCommand,
    },
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"))
}

fn main() {
    let code = match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<bench_gate::GateError>()
                .is_some_and(|g| matches!(g, bench_gate::GateError::MissingBaseline(_)))
            {
                2
            } else {
                1
            }
        }
    };
    std::process::exit(code);
}

fn run() -> Result<i32> {
    let cli = Cli::parse();
    let criterion_dir = cli
        .criterion_dir
        .unwrap_or_else(|| target_dir().join("criterion"));
    let extra_dir = cli
        .extra_dir
        .unwrap_or_else(|| target_dir().join("bench-extra"));
    match cli.command {
        Command::Save { out } => {
            let results = bench_gate::collect(&criterion_dir, &extra_dir)?;
            let baseline = Baseline {
                meta: Meta::current(),
                results,
            };
            if let Some(dir) = out.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&out, serde_json::to_string_pretty(&baseline)?)
                .with_context(|| format!("writing {}", out.display()))?;
            eprintln!(
                "saved {} results to {}",
                baseline.results.len(),
                out.display()
            );
            Ok(0)
        }
        Command::Check {
            baseline,
            time_pct,
            throughput_pct,
            memory_pct,
            max_scaling_exponent,
            markdown,
        } => {
            let base = bench_gate::load_baseline(&baseline)?;
            let current = bench_gate::collect(&criterion_dir, &extra_dir)?;
            let t = Thresholds {
                time_pct,
                throughput_pct,
                memory_pct,
                max_scaling_exponent,
            };
            let c = bench_gate::compare(&base, &current, &t);
            let md = bench_gate::markdown(&c);
            if let Some(p) = markdown {
                std::fs::write(&p, &md)?;
            }
            println!(
                "baseline: {} ({} on {}, {} cores, {})\n",
                base.meta.commit,
                base.meta.date,
                base.meta.cpu_model,
                base.meta.cores,
                base.meta.toolchain
            );
            println!("{md}");
            let regressions = c.regressions();
            let nonlinear: Vec<_> = c.scaling.iter().filter(|s| !s.linear).collect();
            if regressions.is_empty() && nonlinear.is_empty() {
                println!("gate: PASS");
                Ok(0)
            } else {
                for r in &regressions {
                    println!("REGRESSION {} {}: {}", r.id, r.metric, r.note);
                }
                for s in &nonlinear {
                    println!(
                        "NOT LINEAR {}: time ~ n^{:.3} (limit {max_scaling_exponent})",
                        s.function, s.b
                    );
                }
                println!("gate: FAIL");
                Ok(1)
            }
        }
        Command::Compare {
            gungraun_dir,
            rounds,
            instructions_pct,
            wall_pct,
            title,
            markdown,
            json,
            acknowledged,
            range,
        } => {
            use bench_gate::compare::{instruction_rows, wall_rows, Limits, Verdict};
            let limits = Limits {
                instructions_pct,
                wall_pct,
            };
            let mut rows = instruction_rows(&gungraun_dir, &limits);
            if rows.is_empty() {
                anyhow::bail!(
                    "no gungraun summary.json under {}: did the head run save a summary?",
                    gungraun_dir.display()
                );
            }
            if rounds > 0 {
                rows.extend(wall_rows(&criterion_dir, rounds, &limits));
            }
            if let Some(range) = range {
                let repo = std::path::Path::new(".");
                let acks = bench_gate::acknowledge::Acknowledgements::load(&acknowledged, repo)?;
                let commits = bench_gate::acknowledge::commits_between(repo, &range);
                bench_gate::compare::acknowledge(&mut rows, &acks, &commits);
            }
            let md = bench_gate::compare::markdown(&rows, &limits, &title);
            if let Some(p) = markdown {
                std::fs::write(&p, &md).with_context(|| format!("writing {}", p.display()))?;
            }
            if let Some(p) = json {
                std::fs::write(&p, serde_json::to_string_pretty(&rows)?)
                    .with_context(|| format!("writing {}", p.display()))?;
            }
            print!("{md}");
            Ok(i32::from(rows.iter().any(|r| r.verdict == Verdict::Fail)))
        }
        Command::Report {
            out_dir,
            gungraun_dir,
        } => {
            let results = bench_gate::collect(&criterion_dir, &extra_dir)?;
            let instructions = bench_gate::instruction_counts(&gungraun_dir);
            let report = bench_gate::Report::build(Meta::current(), results, instructions);
            bench_gate::export::write_all(&report, &out_dir)
                .with_context(|| format!("writing the report into {}", out_dir.display()))?;
            print!("{}", Markdown.render(&report));
            Ok(0)
        }
        Command::History {
            history,
            repo,
            command,
        } => {
            let history = history.unwrap_or_else(|| target_dir().join("bench-history"));
            history_cli::run(command, &history, &repo, &criterion_dir, &extra_dir)
        }
    }
}
