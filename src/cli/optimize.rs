//! `workforce-sim optimize SPEC`: the search (or one shard of it, or the merge of its
//! shards), the frontier and the best designs as a table (or JSON), the best design as an
//! overlay, the tables in a database and the Pareto chart.

use super::args::OptimizeArgs;
use anyhow::{Context, Result};
use workforce_sim::batch::optimize::{self, shard, Candidate, Optimization, Spec};
use workforce_sim::batch::Shard;
use workforce_sim::reporting::figures;

pub fn run(args: OptimizeArgs) -> Result<()> {
    let spec = Spec::load(&args.spec)?;
    let overwrite = args.output.overwrite;
    for path in [&args.output.out, &args.db, &args.chart]
        .into_iter()
        .flatten()
    {
        super::refuse_existing(path, overwrite)?;
    }
    if let Some(text) = &args.shard {
        let s: Shard = text.parse().map_err(anyhow::Error::msg)?;
        let db = args.db.as_ref().context("--shard needs --db")?;
        let values = shard::run_shard(&spec, s, args.threads)?;
        optimize::output::write_shard(&spec, s, &values, db, overwrite)?;
        eprintln!(
            "shard {}/{}: {} runs -> {} (finish with `workforce-sim optimize {} --merge SHARD_DB...`)",
            s.index,
            s.count,
            values.len(),
            db.display(),
            args.spec.display()
        );
        return Ok(());
    }
    let o = if args.merge.is_empty() {
        eprintln!(
            "{} designs ({}) x up to {} seeds (racing from {}), at most {} runs",
            spec.grid_size,
            match spec.search {
                optimize::Search::Grid => "the full grid".to_string(),
                optimize::Search::Sample(n) =>
                    format!("a space-filling sample of {n}, then local refinement"),
            },
            spec.seeds.len(),
            spec.first_seeds,
            spec.max_runs
        );
        optimize::optimize(&spec, args.threads)?
    } else {
        let shards = args
            .merge
            .iter()
            .map(|p| Ok(shard::read_shard(p)?))
            .collect::<Result<Vec<_>>>()?;
        shard::merge(&spec, &shards)?
    };
    if let (Some(out), Some(best)) = (&args.output.out, o.best) {
        let keys: Vec<&str> = spec.levers.iter().map(|(k, _)| k.as_str()).collect();
        let overlay = workforce_sim::batch::lever::overlay(&spec.config(best)?, &keys)?;
        let c = o
            .candidate(best)
            .context("the best design is a candidate")?;
        let r = &c.objectives[0];
        let text = format!(
            "# The best feasible design of {} by workforce-sim optimize: {} {} = {} (sd {} over {} seeds)\n\n{}",
            args.spec.display(),
            if o.objectives[0].minimize { "minimum" } else { "maximum" },
            r.name,
            figures::value(&r.name, r.value),
            figures::value(&r.name, r.sd),
            c.seeds,
            toml::to_string(&overlay)?
        );
        workforce_sim::place::write_whole(out, |p| std::fs::write(p, &text), |e| e)
            .with_context(|| format!("cannot write {}", out.display()))?;
        eprintln!("best design -> {}", out.display());
    }
    if let Some(db) = &args.db {
        optimize::write_database(&o, db, overwrite)?;
        eprintln!(
            "search -> {} (opt_candidates, opt_frontier, opt_runs, opt_metadata)",
            db.display()
        );
    }
    if let Some(path) = &args.chart {
        let svg = optimize::chart::pareto_chart(&o).map_err(anyhow::Error::msg)?;
        workforce_sim::place::write_whole(path, |p| std::fs::write(p, &svg), |e| e)
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("Pareto chart -> {}", path.display());
    }
    if o.best.is_none() {
        if let Some(out) = &args.output.out {
            eprintln!("no feasible design: {} not written", out.display());
        }
    }
    if args.output.json {
        println!("{}", serde_json::to_string(&o)?);
        return Ok(());
    }
    print_table(&o, args.all);
    Ok(())
}

fn design_text(c: &Candidate) -> String {
    c.levers
        .iter()
        .map(|(k, v)| format!("{}={v}", k.rsplit('.').next().unwrap_or(k)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The frontier (or, with `all`, every candidate), then the winner and its margin.
fn print_table(o: &Optimization, all: bool) {
    let shown: Vec<&Candidate> = if all {
        let mut v: Vec<&Candidate> = o.candidates.iter().collect();
        v.sort_by(|a, b| {
            (!a.feasible, !a.on_frontier, a.dropped_at.is_some())
                .cmp(&(!b.feasible, !b.on_frontier, b.dropped_at.is_some()))
                .then(match (a.objectives.first(), b.objectives.first()) {
                    (Some(x), Some(y)) if o.objectives[0].minimize => x.value.total_cmp(&y.value),
                    (Some(x), Some(y)) => y.value.total_cmp(&x.value),
                    _ => a.index.cmp(&b.index),
                })
        });
        v
    } else {
        o.frontier.iter().filter_map(|d| o.candidate(*d)).collect()
    };
    let axes: Vec<String> = o.frontier_axes.iter().map(|a| a.name.clone()).collect();
    println!(
        "{}",
        if all {
            format!(
                "Every design ({} evaluated of {}):",
                o.candidates.len(),
                o.grid_size
            )
        } else {
            format!(
                "Frontier over {} ({} designs; --all for every one of the {} evaluated):",
                axes.join(" and "),
                o.frontier.len(),
                o.candidates.len()
            )
        }
    );
    for (i, c) in o.constraints.iter().enumerate() {
        println!("  constraint {}: {c}", i + 1);
    }
    print!("{:>6}  {:<58} {:>5}", "design", "levers", "seeds");
    for a in &axes {
        print!(" {:>22}", a);
    }
    println!("  constraints");
    for c in shown {
        print!("{:>6}  {:<58} {:>5}", c.index, design_text(c), c.seeds);
        for (a, v) in axes
            .iter()
            .zip(c.axes.iter().chain(std::iter::repeat(&f64::NAN)))
        {
            print!(" {:>22}", figures::value(a, *v));
        }
        let cons = c
            .constraints
            .iter()
            .enumerate()
            .map(|(i, r)| {
                format!(
                    "{}: P {:.2} ({:.2}-{:.2}){}",
                    i + 1,
                    r.probability,
                    r.probability_low,
                    r.probability_high,
                    if r.met { "" } else { " not met" }
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let mark = if Some(c.index) == o.best {
            " best".to_string()
        } else if c.feasible {
            String::new()
        } else if let (Some(by), Some((d, lo, hi))) = (c.dropped_by, c.dropped_margin) {
            let name = &o.objectives[0].name;
            format!(
                " dropped at {} seeds: worse than design {by} by {} (95% {} to {}, paired)",
                c.dropped_at.unwrap_or(0),
                figures::difference(name, d),
                figures::difference(name, lo),
                figures::difference(name, hi)
            )
        } else if let Some(why) = &c.dropped_why {
            format!(" dropped at {} seeds: {why}", c.dropped_at.unwrap_or(0))
        } else {
            " infeasible".to_string()
        };
        println!("  {cons}{mark}");
    }
    let name = &o.objectives[0].name;
    let dropped = o
        .candidates
        .iter()
        .filter(|c| c.dropped_at.is_some())
        .count();
    let tail = format!(
        "{} runs; {} of {} designs evaluated, {dropped} dropped by racing",
        o.runs,
        o.candidates.len(),
        o.grid_size
    );
    match (o.best, o.runner_up, o.margin) {
        (Some(b), Some(r), Some((d, lo, hi))) if lo <= 0.0 && hi >= 0.0 => println!(
            "\nbest: design {b}, not distinguishable from the runner-up, design {r} (its {name} {}, 95% {} to {}, paired); {tail}",
            figures::difference(name, d),
            figures::difference(name, lo),
            figures::difference(name, hi)
        ),
        (Some(b), Some(r), Some((d, lo, hi))) => println!(
            "\nbest: design {b}; the runner-up, design {r}, has {name} {} against it (95% {} to {}, paired); {tail}",
            figures::difference(name, d),
            figures::difference(name, lo),
            figures::difference(name, hi)
        ),
        (Some(b), _, _) => println!("\nbest: design {b} (the only feasible one); {tail}"),
        (None, _, _) => {
            println!("\nno feasible design: no design meets every constraint with the seeds' confidence; {tail}");
            // The closest: the designs meeting the most constraints at their point estimates.
            let mut near: Vec<&Candidate> =
                o.candidates.iter().filter(|c| c.seeds > 0).collect();
            near.sort_by(|a, b| {
                let score = |c: &Candidate| -> f64 {
                    c.constraints.iter().map(|r| r.probability).sum::<f64>()
                };
                score(b).total_cmp(&score(a)).then(a.index.cmp(&b.index))
            });
            for c in near.into_iter().take(3) {
                println!(
                    "  closest: design {} ({}): {}",
                    c.index,
                    design_text(c),
                    c.constraints
                        .iter()
                        .map(|r| format!("{} met in {:.0}% of seeds", r.name, r.probability * 100.0))
                        .collect::<Vec<_>>()
                        .join("; ")
                );
            }
        }
    }
}
