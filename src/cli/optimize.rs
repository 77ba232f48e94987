//! `workforce-sim optimize SPEC`: the search, its candidates as a table (or JSON), the best
//! design as an overlay.

use super::args::OptimizeArgs;
use anyhow::{Context, Result};
use workforce_sim::batch::optimize::{optimize, Spec};

pub fn run(args: OptimizeArgs) -> Result<()> {
    let spec = Spec::load(&args.spec)?;
    if let Some(out) = &args.output.out {
        super::refuse_existing(out, args.output.overwrite)?;
    }
    if let Some(db) = &args.db {
        super::refuse_existing(db, args.output.overwrite)?;
    }
    eprintln!(
        "{} designs x up to {} seeds (racing from {}), at most {} runs",
        spec.designs.len(),
        spec.seeds.len(),
        spec.first_seeds,
        spec.max_runs
    );
    let o = optimize(&spec, args.threads)?;
    if let (Some(out), Some(best)) = (&args.output.out, o.best) {
        let keys: Vec<&str> = spec.levers.iter().map(|(k, _)| k.as_str()).collect();
        let overlay = workforce_sim::batch::lever::overlay(&spec.designs[best].1, &keys)?;
        let c = &o.candidates[best];
        let text = format!(
            "# The best feasible design of {} by workforce-sim optimize: {} {} = {:.4} (sd {:.4} over {} seeds)\n\n{}",
            args.spec.display(),
            if o.minimize { "minimum" } else { "maximum" },
            o.objective,
            c.objective_mean,
            c.objective_sd,
            c.seeds,
            toml::to_string(&overlay)?
        );
        workforce_sim::place::write_whole(out, |p| std::fs::write(p, &text), |e| e)
            .with_context(|| format!("cannot write {}", out.display()))?;
        eprintln!("best design -> {}", out.display());
    }
    if let Some(db) = &args.db {
        workforce_sim::batch::optimize::write_database(&o, db, args.output.overwrite)?;
        eprintln!(
            "candidates -> {} (opt_candidates, opt_metadata)",
            db.display()
        );
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
    let mut order: Vec<&workforce_sim::batch::optimize::Candidate> = o.candidates.iter().collect();
    order.sort_by(|a, b| {
        (!a.feasible, a.dropped_at.is_some())
            .cmp(&(!b.feasible, b.dropped_at.is_some()))
            .then(if o.minimize {
                a.objective_mean.total_cmp(&b.objective_mean)
            } else {
                b.objective_mean.total_cmp(&a.objective_mean)
            })
    });
    println!(
        "{:>4}  {:<60} {:>5} {:>14} {:>12}  constraints (mean; P with 95% interval)",
        "#", "design", "seeds", o.objective, "sd"
    );
    for c in order {
        let design = c
            .levers
            .iter()
            .map(|(k, v)| format!("{}={v}", k.rsplit('.').next().unwrap_or(k)))
            .collect::<Vec<_>>()
            .join(" ");
        let cons = c
            .constraints
            .iter()
            .map(|r| {
                format!(
                    "{} {:.4}; P {:.2} ({:.2}-{:.2}){}",
                    r.metric,
                    r.mean,
                    r.probability,
                    r.probability_low,
                    r.probability_high,
                    if r.met { "" } else { " not met" }
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let mark = if Some(c.index) == o.best {
            "best"
        } else if c.feasible {
            "feasible"
        } else {
            ""
        };
        println!(
            "{:>4}  {:<60} {:>5} {:>14.2} {:>12.2}  {cons} {mark}{}",
            c.index,
            design,
            c.seeds,
            c.objective_mean,
            c.objective_sd,
            c.dropped_why
                .as_ref()
                .map(|w| format!(" dropped at {} seeds: {w}", c.dropped_at.unwrap_or(0)))
                .unwrap_or_default()
        );
    }
    match (o.best, o.runner_up, o.margin) {
        (Some(b), Some(r), Some((d, lo, hi))) if lo <= 0.0 && hi >= 0.0 => println!(
            "\nbest: design {b}, not distinguishable from the runner-up, design {r} (its {} {d:+.2}, 95% {lo:+.2} to {hi:+.2}, paired); {} runs",
            o.objective, o.runs
        ),
        (Some(b), Some(r), Some((d, lo, hi))) => println!(
            "\nbest: design {b}; the runner-up, design {r}, has {} {d:+.2} against it (95% {lo:+.2} to {hi:+.2}, paired); {} runs",
            o.objective, o.runs
        ),
        (Some(b), _, _) => println!("\nbest: design {b} (the only feasible one); {} runs", o.runs),
        (None, _, _) => println!(
            "\nno feasible design: no design meets every constraint with the seeds' confidence; {} runs",
            o.runs
        ),
    }
    Ok(())
}
