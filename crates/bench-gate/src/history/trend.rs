//! The trend report of the history: one self-contained HTML page (inline SVG drawn with
//! plotters, inline CSS, no script and nothing fetched) with the machines and how their
//! fingerprints differ, the change list, the noise class of every series and a line per
//! bench and measure over commits with its change points marked and labelled by commit;
//! and a Markdown summary for a pull request comment.

use super::detect::{format_p, format_value, markdown_table, Detected, Finding};
use super::series::DigestChange;
use super::Fingerprint;
use crate::changepoint::{Shape, Strength};
use plotters::prelude::*;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// What the page shows.
pub struct Page<'a> {
    pub title: &'a str,
    pub source: &'a str,
    pub detected: &'a [Detected],
    pub machines: &'a BTreeMap<String, Fingerprint>,
    /// The measures drawn (every measure is in the tables).
    pub charted: &'a [String],
    /// Where the output digests changed.
    pub digests: &'a [DigestChange],
}

fn short(c: &str) -> &str {
    &c[..c.len().min(9)]
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The findings worth listing: every strong change and every weak regression, strong first.
pub fn listed(detected: &[Detected]) -> Vec<&Finding> {
    let mut out: Vec<&Finding> = detected
        .iter()
        .flat_map(|d| d.findings.iter())
        .filter(|f| f.change.strength == Strength::Strong || f.regression)
        .collect();
    out.sort_by(|a, b| {
        (b.change.strength, &a.bench, &a.measure, a.change.start).cmp(&(
            a.change.strength,
            &b.bench,
            &b.measure,
            b.change.start,
        ))
    });
    out
}

/// The chart of one series: the values over commits, change points as vertical lines
/// labelled with their first commit and size, a drift as a shaded band.
pub fn chart(d: &Detected) -> Result<String, String> {
    let pts = &d.series.points;
    if pts.is_empty() {
        return Err(format!(
            "{} {}: no points",
            d.series.bench, d.series.measure
        ));
    }
    let (lo, hi) = pts.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |a, p| {
        (a.0.min(p.value), a.1.max(p.value))
    });
    let pad = ((hi - lo) * 0.15).max(hi.abs() * 0.01).max(1e-9);
    let n = pts.len();
    let x_max = (n as f64 - 1.0).max(1.0);
    let mut svg = String::new();
    {
        let fail = |e: &dyn std::fmt::Display| e.to_string();
        let root = SVGBackend::with_string(&mut svg, (900, 300)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        let title = format!(
            "{} · {} ({}) · {}",
            d.series.bench,
            d.series.measure,
            d.series.unit,
            d.analysis.noise.label()
        );
        let mut c = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(90)
            .build_cartesian_2d(-0.5..x_max + 0.5, (lo - pad)..(hi + pad))
            .map_err(|e| fail(&e))?;
        let labels = pts.clone();
        let unit = d.series.unit.clone();
        c.configure_mesh()
            .x_labels(n.clamp(2, 12))
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() > 0.01 || i < 0.0 {
                    return String::new();
                }
                labels.get(i as usize).map_or(String::new(), |p| {
                    p.commit[..7.min(p.commit.len())].to_string()
                })
            })
            .y_label_formatter(&|y| format_value(y.round(), &unit))
            .x_desc("commit (oldest to newest)")
            .draw()
            .map_err(|e| fail(&e))?;
        for (k, f) in d.findings.iter().enumerate() {
            let colour = if f.acknowledged.is_some() {
                RGBColor(120, 120, 120)
            } else if f.regression {
                RGBColor(200, 30, 30)
            } else {
                RGBColor(20, 130, 60)
            };
            let x0 = f.change.start as f64 - 0.5;
            if f.change.shape == Shape::Drift {
                let x1 = f.change.end as f64 - 0.5;
                c.draw_series([Rectangle::new(
                    [(x0, lo - pad), (x1, hi + pad)],
                    colour.mix(0.12).filled(),
                )])
                .map_err(|e| fail(&e))?;
            }
            let style = if f.change.strength == Strength::Strong {
                colour.stroke_width(2)
            } else {
                colour.mix(0.6).stroke_width(1)
            };
            c.draw_series([PathElement::new(
                vec![(x0, lo - pad), (x0, hi + pad)],
                style,
            )])
            .map_err(|e| fail(&e))?;
            c.draw_series([Text::new(
                format!("{} {:+.1}%", short(&f.first_commit), f.change.pct),
                // Staggered, so the labels of changes a commit or two apart stay legible.
                (x0 + 0.1, hi + pad * (0.8 - 0.3 * (k % 3) as f64)),
                ("sans-serif", 12).into_font().color(&colour),
            )])
            .map_err(|e| fail(&e))?;
        }
        let line: Vec<(f64, f64)> = pts
            .iter()
            .enumerate()
            .map(|(i, p)| (i as f64, p.value))
            .collect();
        c.draw_series(LineSeries::new(
            line.clone(),
            RGBColor(31, 90, 170).stroke_width(2),
        ))
        .map_err(|e| fail(&e))?;
        c.draw_series(
            line.iter()
                .map(|p| Circle::new(*p, 3, RGBColor(31, 90, 170).filled())),
        )
        .map_err(|e| fail(&e))?;
        root.present().map_err(|e| fail(&e))?;
    }
    Ok(svg)
}

/// The whole page.
pub fn html(page: &Page) -> Result<String, String> {
    let mut h = String::new();
    let w = |h: &mut String, s: &str| h.push_str(s);
    w(
        &mut h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
    );
    let _ = writeln!(h, "<title>{}</title>", esc(page.title));
    w(
        &mut h,
        "<style>body{font-family:sans-serif;margin:2em;max-width:1200px;color:#222}\
         table{border-collapse:collapse;margin:1em 0;font-size:0.85em}\
         th,td{border:1px solid #ccc;padding:3px 6px;text-align:left}\
         td.s{min-width:16em}td.n{white-space:nowrap}\
         td.n{text-align:right}.reg{color:#b00}.ok{color:#176}.ack{color:#666}\
         figure{margin:1.5em 0}</style>\n</head>\n<body>\n",
    );
    let _ = writeln!(h, "<h1>{}</h1>", esc(page.title));
    let commits: std::collections::BTreeSet<&str> = page
        .detected
        .iter()
        .flat_map(|d| d.series.points.iter().map(|p| p.commit.as_str()))
        .collect();
    let _ = writeln!(
        h,
        "<p>{} series over {} commits from <code>{}</code>. Detector: E-Divisive means with a Student's t-test; strong = p ≤ 0.001 and ≥ 2%, weak = p ≤ 0.05 and ≥ 0.5% (see the README).</p>",
        page.detected.len(),
        commits.len(),
        esc(page.source)
    );
    // Machines, and how each differs from the first.
    w(&mut h, "<h2>Machines</h2>\n<table><tr><th>id</th><th>CPU</th><th>cores</th><th>kernel</th><th>rustc</th><th>features</th><th>allocator</th><th>differs from the first in</th></tr>\n");
    let first = page.machines.values().next();
    for (id, m) in page.machines {
        let diff = first
            .map(|f| f.differences(m).join("; "))
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "—".into());
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(id),
            esc(&m.cpu_model),
            m.cores,
            esc(&m.kernel),
            esc(&m.rustc),
            esc(&m.features),
            esc(&m.allocator),
            esc(&diff)
        );
    }
    w(&mut h, "</table>\n<p>Figures of different machines are never compared: each series is one machine's.</p>\n");
    // Changes.
    let listed = listed(page.detected);
    w(&mut h, "<h2>Changes</h2>\n");
    if listed.is_empty() {
        w(&mut h, "<p>No strong change and no regression.</p>\n");
    } else {
        w(&mut h, "<table><tr><th>bench</th><th>measure</th><th>first commit</th><th>last before</th><th>kind</th><th>before</th><th>after</th><th>change</th><th>p</th><th>strength</th><th>status</th></tr>\n");
        for f in &listed {
            let (class, status) = match (&f.acknowledged, f.regression) {
                (Some(a), _) => ("ack", crate::acknowledge::label(a)),
                (None, true) if f.new => ("reg", "new regression".to_string()),
                (None, true) => ("reg", "regression".to_string()),
                (None, false) => ("ok", "improvement".to_string()),
            };
            let kind = match f.change.shape {
                Shape::Step => "step".to_string(),
                Shape::Drift => format!("drift to {}", short(&f.end_commit)),
            };
            let _ = writeln!(
                h,
                "<tr class=\"{class}\"><td>{}</td><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{:+.2}%</td><td class=\"n\">{}</td><td>{}</td><td class=\"s\">{}</td></tr>",
                esc(&f.bench),
                esc(&f.measure),
                short(&f.first_commit),
                f.last_before.as_deref().map_or("–", short),
                kind,
                format_value(f.change.before, &f.unit),
                format_value(f.change.after, &f.unit),
                f.change.pct,
                esc(&format_p(f.change.p_value)),
                if f.change.strength == Strength::Strong { "strong" } else { "weak" },
                esc(&status)
            );
        }
        w(&mut h, "</table>\n");
    }
    // Results that moved.
    w(&mut h, "<h2>Output digests</h2>\n");
    if page.digests.is_empty() {
        w(
            &mut h,
            "<p>No recorded output digest changed between recorded commits.</p>\n",
        );
    } else {
        w(
            &mut h,
            "<table><tr><th>bench</th><th>commit</th><th>digest before</th><th>after</th></tr>\n",
        );
        for d in page.digests {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td><code>{}</code></td></tr>",
                esc(&d.bench),
                short(&d.commit),
                esc(&d.before[..d.before.len().min(16)]),
                esc(&d.after[..d.after.len().min(16)])
            );
        }
        w(&mut h, "</table>\n");
    }
    // Noise.
    w(&mut h, "<h2>Noise</h2>\n<table><tr><th>bench</th><th>measure</th><th>machine</th><th>commits</th><th>class</th><th>residual noise</th></tr>\n");
    for d in page.detected {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{:.3}%</td></tr>",
            esc(&d.series.bench),
            esc(&d.series.measure),
            &d.series.machine[..8.min(d.series.machine.len())],
            d.series.points.len(),
            d.analysis.noise.label(),
            d.analysis.noise_pct
        );
    }
    w(&mut h, "</table>\n<h2>Series</h2>\n");
    for d in page
        .detected
        .iter()
        .filter(|d| page.charted.is_empty() || page.charted.contains(&d.series.measure))
    {
        let svg = chart(d)?;
        let _ = writeln!(
            h,
            "<figure data-bench=\"{}\" data-measure=\"{}\">{}</figure>",
            esc(&d.series.bench),
            esc(&d.series.measure),
            svg.trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
                .trim()
        );
    }
    w(&mut h, "</body>\n</html>\n");
    Ok(h)
}

/// The Markdown summary for a pull request comment.
pub fn markdown(page: &Page) -> String {
    let mut s = format!("### {}\n\n", page.title);
    let listed = listed(page.detected);
    let strong: Vec<&Finding> = listed
        .iter()
        .copied()
        .filter(|f| f.change.strength == Strength::Strong)
        .collect();
    let weak = listed.len() - strong.len();
    let mut classes: BTreeMap<&str, usize> = BTreeMap::new();
    for d in page.detected {
        *classes.entry(d.analysis.noise.label()).or_default() += 1;
    }
    let _ = writeln!(
        s,
        "{} series on {} machine(s); {} strong change(s), {} weak regression(s); noise: {}.\n",
        page.detected.len(),
        page.machines.len(),
        strong.len(),
        weak,
        classes
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if !strong.is_empty() {
        s.push_str(&markdown_table(&strong));
    }
    let new: Vec<&&Finding> = listed.iter().filter(|f| f.fails()).collect();
    if !new.is_empty() {
        let _ = writeln!(
            s,
            "\n**{} new strong regression(s)** starting in the newest commits.",
            new.len()
        );
    }
    s
}
