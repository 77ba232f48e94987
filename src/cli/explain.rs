//! `workforce-sim explain RESULTS --metric employer_cost`: what drove a money metric's
//! change, as drivers that add up to it, printed as a table or JSON.

use super::args::ExplainArgs;
use anyhow::Result;
use workforce_sim::reporting::explain::{explain_results, Request};
use workforce_sim::reporting::figures;

pub fn run(args: ExplainArgs) -> Result<()> {
    let x = explain_results(
        &args.results,
        &Request {
            metric: args.metric.clone(),
            from: args.from,
            to: args.to,
            base: args.base.clone(),
            alternative: args.alternative.clone(),
            year: args.year,
        },
    )?;
    if args.json {
        return super::print::json_pretty(&x);
    }
    let label = figures::label(&x.metric);
    println!(
        "{label}: {} -> {}{}",
        x.from,
        x.to,
        if x.pairs > 1 {
            format!(" (mean over {} paired seeds, 95% intervals)", x.pairs)
        } else {
            String::new()
        }
    );
    println!("{:<28} {:>16} {:>8}", "", "amount", "share");
    println!(
        "{:<28} {:>16}",
        format!("{label} {}", x.from),
        figures::money(x.before)
    );
    for d in &x.drivers {
        let band = if x.pairs > 1 {
            format!(
                "  ({} to {})",
                figures::difference("employer_cost", d.low),
                figures::difference("employer_cost", d.high)
            )
        } else {
            String::new()
        };
        println!(
            "{:<28} {:>16} {:>8}{band}",
            d.name,
            figures::difference("employer_cost", d.amount),
            if d.share.is_finite() {
                format!("{:.1}%", d.share * 100.0)
            } else {
                String::new()
            }
        );
    }
    println!(
        "{:<28} {:>16}",
        "residual",
        figures::difference("employer_cost", x.residual)
    );
    println!(
        "{:<28} {:>16}",
        format!("{label} {}", x.to),
        figures::money(x.after)
    );
    println!(
        "{:<28} {:>16}",
        "change",
        figures::difference("employer_cost", x.change)
    );
    println!("\n{}", x.method);
    for n in &x.notes {
        println!("note: {n}");
    }
    Ok(())
}
