//! `bench-gate history record | detect | report`: the flags and the printing; the work is
//! the library's `history` module.

use anyhow::{Context, Result};
use bench_gate::acknowledge::Acknowledgements;
use bench_gate::changepoint::Options;
use bench_gate::history::detect::{detect, markdown_table, Detected};
use bench_gate::history::record::{figures, now, CommitInfo};
use bench_gate::history::series::{build, commits_of, digest_changes, DigestChange, Filter};
use bench_gate::history::trend::{self, Page};
use bench_gate::history::{store, Fingerprint};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum HistoryCommand {
    /// Append every figure of a bench run (gungraun's counts and every callgrind event,
    /// criterion's medians, throughput, peak heap, allocations, digests) at a commit.
    Record {
        /// The commit measured (default: HEAD, marked dirty when the tree has changes).
        #[arg(long, default_value = "HEAD")]
        commit: String,
        /// A gungraun output tree with `summary.json` files (instruction benches).
        #[arg(long)]
        gungraun_dir: Option<PathBuf>,
        /// Also record the criterion results of --criterion-dir.
        #[arg(long)]
        criterion: bool,
        /// The cargo features the benches were built with (part of the machine fingerprint).
        #[arg(long, env = "WFS_BENCH_FEATURES", default_value = "")]
        features: String,
        /// Leave out the figures (bench and measure) the history already holds for this
        /// commit on this machine.
        #[arg(long)]
        skip_recorded: bool,
    },
    /// Print the counts of a gungraun tree, a line per bench and event:
    /// `bench<TAB>event<TAB>value` (what `scripts/bench-find.sh` compares).
    Counts {
        #[arg(long)]
        gungraun_dir: PathBuf,
        /// Only this bench.
        #[arg(long)]
        bench: Option<String>,
    },
    /// Find change points per bench, measure and machine over commit order; print each with
    /// its first commit, size and p-value. Exit 1 with --fail-on-new when the newest commits
    /// start a strong, unacknowledged regression.
    Detect {
        #[command(flatten)]
        select: Select,
        /// Exit 1 when a strong regression starts in the newest --newest commits.
        #[arg(long)]
        fail_on_new: bool,
        /// Also list weak changes that are improvements.
        #[arg(long)]
        all: bool,
        /// Also write every series' analysis as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Write the trend report: one self-contained HTML page and a Markdown summary.
    Report {
        #[command(flatten)]
        select: Select,
        #[arg(long, default_value = "bench-history.html")]
        out: PathBuf,
        /// Also write the Markdown summary here (it is printed too).
        #[arg(long)]
        markdown: Option<PathBuf>,
        /// The measures charted (every measure is in the tables).
        #[arg(long, value_delimiter = ',', default_value = "Ir,time")]
        chart: Vec<String>,
    },
}

/// What the detector found in a history.
struct Found {
    detected: Vec<Detected>,
    machines: std::collections::BTreeMap<String, Fingerprint>,
    digests: Vec<DigestChange>,
}

/// Which series, and the detector's thresholds.
#[derive(Args)]
pub struct Select {
    /// Only this bench (repeatable); an unknown name is an error.
    #[arg(long)]
    bench: Vec<String>,
    /// Only this measure (repeatable): Ir, time, throughput, peak_heap, allocations, digest,
    /// or another callgrind event; `all` for every one (default: Ir, time, peak_heap and
    /// allocations).
    #[arg(long)]
    measure: Vec<String>,
    /// Only the commits of this git range (`A..B`).
    #[arg(long)]
    range: Option<String>,
    /// Only this machine (a prefix of its id).
    #[arg(long)]
    machine: Option<String>,
    /// Acknowledged slowdowns.
    #[arg(long, default_value = "baselines/acknowledged.toml")]
    acknowledged: PathBuf,
    /// How many of a series' newest commits count as new.
    #[arg(long, default_value_t = 1)]
    newest: usize,
    #[arg(long, default_value_t = 0.05)]
    weak_p: f64,
    #[arg(long, default_value_t = 0.5)]
    weak_pct: f64,
    #[arg(long, default_value_t = 0.001)]
    strong_p: f64,
    #[arg(long, default_value_t = 2.0)]
    strong_pct: f64,
    /// The fewest commits on either side of a change in a noisy series.
    #[arg(long, default_value_t = 3)]
    min_segment: usize,
}

impl Select {
    fn options(&self) -> Result<Options> {
        let o = Options {
            weak_p: self.weak_p,
            weak_pct: self.weak_pct,
            strong_p: self.strong_p,
            strong_pct: self.strong_pct,
            min_segment: self.min_segment,
        };
        let p_ok = |p: f64| p > 0.0 && p < 1.0;
        if !p_ok(o.weak_p) || !p_ok(o.strong_p) || o.strong_p > o.weak_p {
            anyhow::bail!("--strong-p and --weak-p must be in (0, 1), the strong one the smaller");
        }
        if !(o.weak_pct >= 0.0 && o.strong_pct >= o.weak_pct && o.strong_pct.is_finite()) {
            anyhow::bail!(
                "--weak-pct and --strong-pct must be 0 or more, the strong one the larger"
            );
        }
        if o.min_segment == 0 {
            anyhow::bail!("--min-segment must be at least 1");
        }
        Ok(o)
    }

    /// The detected series of the history, its machines and its digest changes.
    fn detected(&self, history: &Path, repo: &Path) -> Result<Found> {
        let options = self.options()?;
        let records = store::load(history)?;
        let commits = match &self.range {
            Some(r) => Some((r.clone(), commits_of(repo, r)?)),
            None => None,
        };
        // The measures people watch, unless asked for others (`all`: every one).
        let measures = match self.measure.as_slice() {
            [] => ["Ir", "time", "peak_heap", "allocations"]
                .map(String::from)
                .to_vec(),
            [all] if all == "all" => Vec::new(),
            m => m.to_vec(),
        };
        let filter = Filter {
            benches: self.bench.clone(),
            measures,
            machine: self.machine.clone(),
            commits,
        };
        let (series, machines) = build(&records, &filter)?;
        let digests = digest_changes(&records, &filter);
        if series.is_empty() {
            anyhow::bail!(
                "no series in {} matches (benches {:?}, measures {:?}, machine {:?})",
                history.display(),
                self.bench,
                self.measure,
                self.machine
            );
        }
        let acks = Acknowledgements::load(&self.acknowledged, repo)?;
        Ok(Found {
            detected: detect(series, &options, &acks, repo, self.newest),
            machines,
            digests,
        })
    }
}

/// Appends a formatted line to a command's output.
macro_rules! outln {
    ($text:ident, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($text, $($arg)*);
    }};
}

/// Runs a history command and prints its output in one write: a reader that stops early
/// (`| head`) ends the output, not the program with a panic.
pub fn run(
    command: HistoryCommand,
    history: &Path,
    repo: &Path,
    criterion_dir: &Path,
    extra_dir: &Path,
) -> Result<i32> {
    let mut text = String::new();
    let code = run_into(&mut text, command, history, repo, criterion_dir, extra_dir);
    use std::io::Write as _;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    code
}

fn run_into(
    text: &mut String,
    command: HistoryCommand,
    history: &Path,
    repo: &Path,
    criterion_dir: &Path,
    extra_dir: &Path,
) -> Result<i32> {
    match command {
        HistoryCommand::Record {
            commit,
            gungraun_dir,
            criterion,
            features,
            skip_recorded,
        } => {
            if gungraun_dir.is_none() && !criterion {
                anyhow::bail!("nothing to record: give --gungraun-dir DIR, --criterion, or both");
            }
            let at = CommitInfo::of(repo, &commit)?;
            let machine = Fingerprint::current(&features);
            let mut records = figures(
                gungraun_dir.as_deref(),
                criterion.then_some((criterion_dir, extra_dir)),
                &machine,
                &at,
                now(),
            )?;
            if skip_recorded && history.exists() {
                let id = machine.id();
                let held: std::collections::BTreeSet<(String, String)> = store::load(history)?
                    .into_iter()
                    .filter(|r| r.commit == at.commit && r.machine.id() == id && !r.dirty)
                    .map(|r| (r.bench, r.measure))
                    .collect();
                records.retain(|r| !held.contains(&(r.bench.clone(), r.measure.clone())));
                if records.is_empty() {
                    eprintln!("history: {} already recorded on {id}", &at.commit[..12]);
                    return Ok(0);
                }
            }
            let path = store::append(history, &records)?;
            eprintln!(
                "history: {} figures of {}{} on machine {} -> {}",
                records.len(),
                &at.commit[..12],
                if at.dirty { " (dirty)" } else { "" },
                machine.id(),
                path.display()
            );
            Ok(0)
        }
        HistoryCommand::Counts {
            gungraun_dir,
            bench,
        } => {
            let all = bench_gate::history::record::gungraun_figures(&gungraun_dir)?;
            let rows: Vec<_> = all
                .iter()
                .filter(|r| bench.as_ref().is_none_or(|b| &r.0 == b))
                .collect();
            if rows.is_empty() {
                anyhow::bail!(
                    "no counts{} under {}",
                    bench.map(|b| format!(" of {b}")).unwrap_or_default(),
                    gungraun_dir.display()
                );
            }
            for (b, event, value) in rows {
                outln!(text, "{b}\t{event}\t{value}");
            }
            Ok(0)
        }
        HistoryCommand::Detect {
            select,
            fail_on_new,
            all,
            json,
        } => {
            let Found {
                detected,
                machines,
                digests,
            } = select.detected(history, repo)?;
            if let Some(p) = json {
                std::fs::write(&p, serde_json::to_string_pretty(&detected)?)
                    .with_context(|| format!("writing {}", p.display()))?;
            }
            let findings: Vec<_> = detected
                .iter()
                .flat_map(|d| d.findings.iter())
                .filter(|f| {
                    all || f.regression
                        || f.change.strength == bench_gate::changepoint::Strength::Strong
                })
                .collect();
            outln!(
                text,
                "{} series on {} machine(s), {} change(s) listed",
                detected.len(),
                machines.len(),
                findings.len()
            );
            if !findings.is_empty() {
                outln!(text, "\n{}", markdown_table(&findings));
            }
            let mut classes = std::collections::BTreeMap::<&str, Vec<String>>::new();
            for d in &detected {
                classes
                    .entry(d.analysis.noise.label())
                    .or_default()
                    .push(format!("{} {}", d.series.bench, d.series.measure));
            }
            for (class, names) in &classes {
                outln!(text, "{class}: {} series", names.len());
                if *class != "stable" {
                    for n in names {
                        outln!(text, "  {n}");
                    }
                }
            }
            for d in &digests {
                outln!(
                    text,
                    "output digest of {} changed at {}: {} -> {}",
                    d.bench,
                    &d.commit[..12.min(d.commit.len())],
                    &d.before[..d.before.len().min(16)],
                    &d.after[..d.after.len().min(16)]
                );
            }
            let failing: Vec<_> = findings.iter().filter(|f| f.fails()).collect();
            if fail_on_new && !failing.is_empty() {
                for f in &failing {
                    outln!(
                        text,
                        "NEW REGRESSION {} {}: {:+.2}% from {}",
                        f.bench,
                        f.measure,
                        f.change.pct,
                        &f.first_commit[..12]
                    );
                }
                return Ok(1);
            }
            Ok(0)
        }
        HistoryCommand::Report {
            select,
            out,
            markdown,
            chart,
        } => {
            let found = select.detected(history, repo)?;
            let source = history.display().to_string();
            let page = Page {
                title: "Benchmark history",
                source: &source,
                detected: &found.detected,
                machines: &found.machines,
                charted: &chart,
                digests: &found.digests,
            };
            let html = trend::html(&page).map_err(anyhow::Error::msg)?;
            write_new(&out, &html)?;
            let md = trend::markdown(&page);
            if let Some(p) = markdown {
                write_new(&p, &md)?;
            }
            text.push_str(&md);
            eprintln!("report: {}", out.display());
            Ok(0)
        }
    }
}

/// Writes `text` beside `path` and renames it into place: a failed write leaves the old file.
fn write_new(path: &Path, text: &str) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "report".into());
    let partial = path.with_file_name(format!(".{name}.partial"));
    std::fs::write(&partial, text).with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, path).with_context(|| format!("writing {}", path.display()))
}
