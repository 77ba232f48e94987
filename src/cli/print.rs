//! Printing for people: JSON on standard output, tables, progress bars on standard error.

use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use workforce_sim::batch::{Attribution, Band, Difference, Metric, Share, ThresholdResult};
use workforce_sim::reporting::figures;

/// `value` as pretty JSON, one document on standard output.
pub fn json_pretty(value: &impl Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// `value` as JSON on one line of standard output.
pub fn json_line(value: &impl Serialize) -> Result<()> {
    println!("{}", serde_json::to_string(value)?);
    Ok(())
}

/// A progress bar of `len` steps on standard error (hidden when `hidden`, e.g. for `--json`).
pub fn progress_bar(len: usize, template: &str, hidden: bool) -> ProgressBar {
    let bar = if hidden {
        ProgressBar::hidden()
    } else {
        ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr())
    };
    bar.set_style(
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// The headline metrics of the tables for people (`--all` prints every metric).
pub const HEADLINE: [Metric; 5] = [
    Metric::Headcount,
    Metric::Payroll,
    Metric::ParticipationRate,
    Metric::EmployeeDeferrals,
    Metric::EmployerCost,
];

/// The paired differences of `compare`, under `title` (alternative - base): the last year's
/// headline metrics, or with `all` every year and metric.
pub fn differences(title: &str, diffs: &[Difference], all: bool) {
    let last = diffs.iter().map(|d| d.year).max().unwrap_or(0);
    let shown: Vec<&Difference> = diffs
        .iter()
        .filter(|d| all || (d.year == last && HEADLINE.iter().any(|m| m.name() == d.metric)))
        .collect();
    println!(
        "{title}{}",
        if all {
            String::new()
        } else {
            format!(" in {last} (--all for every year and metric)")
        }
    );
    println!(
        "{:<6} {:<24} {:>6} {:>18} {:>18} {:>18} {:>18}",
        "year", "metric", "pairs", "base mean", "difference", "p5", "p95"
    );
    for d in shown {
        println!(
            "{:<6} {:<24} {:>6} {:>18} {:>18} {:>18} {:>18}",
            d.year,
            figures::label(d.metric),
            d.pairs,
            figures::value(d.metric, d.base_mean),
            figures::difference(d.metric, d.mean),
            figures::difference(d.metric, d.p5),
            figures::difference(d.metric, d.p95)
        );
    }
}

/// The last year's bands of the headline metrics, per scenario.
pub fn bands<'a>(bands: &[Band], scenarios: usize, id: &dyn Fn(usize) -> &'a str) {
    let last = last_year(bands);
    println!(
        "{:<20} {:<24} {:>16} {:>16} {:>16}",
        format!("scenario ({last})"),
        "metric",
        "p5",
        "p50",
        "p95"
    );
    for s in 0..scenarios {
        for m in [
            Metric::Headcount,
            Metric::ParticipationRate,
            Metric::EmployeeDeferrals,
            Metric::EmployerCost,
        ] {
            if let Some(x) = bands
                .iter()
                .find(|x| x.scenario == s && x.year == last && x.metric == m)
            {
                println!(
                    "{:<20} {:<24} {:>16} {:>16} {:>16}",
                    id(s),
                    m.label(),
                    figures::value(m.name(), x.p5),
                    figures::value(m.name(), x.p50),
                    figures::value(m.name(), x.p95)
                );
            }
        }
    }
}

/// The last simulated year among `bands` (0 when there are none).
pub fn last_year(bands: &[Band]) -> i32 {
    bands.iter().map(|x| x.year).max().unwrap_or(0)
}

/// The threshold probabilities, one line each.
pub fn thresholds<'a>(thresholds: &[ThresholdResult], id: &dyn Fn(usize) -> &'a str) {
    for t in thresholds {
        println!(
            "P({} {} {} {}) = {} for {} ({} runs)",
            t.threshold.metric.label(),
            t.threshold.year,
            if t.threshold.above { ">" } else { "<" },
            figures::value(t.threshold.metric.name(), t.threshold.value),
            figures::percent(t.probability),
            id(t.scenario),
            t.runs
        );
    }
}

/// The variance shares of the year `last`: per scenario and headline metric, the share of the
/// variance each subsystem explains alone (first order), and what interactions leave.
pub fn attribution<'a>(
    shares: &[Share],
    a: &Attribution,
    last: i32,
    id: &dyn Fn(usize) -> &'a str,
) {
    println!(
        "share of the variance in {last} each subsystem explains alone, ± its standard error \
         ({} points; batch_attribution has every year and metric, and the total effects)",
        a.seeds.len()
    );
    print!("{:<20} {:<24}", "scenario", "metric");
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
            let row: Vec<&Share> = shares
                .iter()
                .filter(|x| x.scenario == scenario && x.year == last && x.metric == m)
                .collect();
            if row.is_empty() || row.iter().any(|x| x.first_order.is_none()) {
                continue;
            }
            print!("{:<20} {:<24}", id(scenario), m.label());
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
