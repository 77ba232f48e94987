//! The HTML report: one self-contained file a sponsor can open and mail. No network, no
//! external script, style sheet or font: the charts are inline SVG (plotters), the style is
//! inline, the text uses the reader's own sans-serif font. It holds the headline figures,
//! the charts per year (a batch's fan charts with their bands), the explanation of the
//! employer cost's change, the tables (compliance, cohort costs, the scenario comparison...),
//! the configuration that produced it and a provenance footer. Every number in a table keeps
//! its raw value in `data-value`, so a test can check it against the database.

use super::Export;
use crate::content::Report;
use crate::figures;
use crate::results::Results;
use crate::table::{Cell, Kind};
use crate::ReportError;
use std::fmt::Write;
use std::path::Path;

/// The HTML report.
#[derive(Debug, Clone, Default)]
pub struct Html;

/// `text` escaped for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str =
    "body{font-family:sans-serif;margin:2em auto;max-width:1180px;color:#222;padding:0 1em}
h1{margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #ccc;padding-bottom:.2em}
.sub{color:#666}.cards{display:flex;flex-wrap:wrap;gap:1em;margin:1em 0}
.card{border:1px solid #ddd;border-radius:6px;padding:.8em 1.2em;min-width:200px}
.card .v{font-size:1.6em;font-weight:bold}.card .k{color:#666}
.charts{display:flex;flex-wrap:wrap;gap:1em}.chart{border:1px solid #eee;margin:0}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}
th,td{border:1px solid #ddd;padding:.25em .6em}th{background:#f4f4f4;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
pre{background:#f8f8f8;padding:1em;overflow:auto;max-height:30em}
footer{margin-top:3em;color:#666;font-size:.85em;border-top:1px solid #ccc;padding-top:1em}";

/// Marks the page once every chart has a size on screen (a browser test reads the mark).
const CHECK: &str = "document.addEventListener('DOMContentLoaded',function(){var c=document.querySelectorAll('figure.chart svg');var ok=c.length>0;for(var i=0;i<c.length;i++){var r=c[i].getBoundingClientRect();if(r.width<10||r.height<10){ok=false;}}document.body.setAttribute('data-charts',c.length+(ok?' visible':' hidden'));});";

fn cell_html(kind: Kind, metric: Option<&str>, v: &Cell) -> String {
    match v {
        Cell::Null => "<td></td>".into(),
        Cell::Text(s) => format!("<td>{}</td>", escape(s)),
        Cell::Bool(b) => format!("<td>{}</td>", if *b { "yes" } else { "no" }),
        Cell::Date(d) => format!("<td>{}</td>", workforce_sim_core::date::Iso(*d)),
        _ => {
            let x = v.number().unwrap_or(f64::NAN);
            let raw = match v {
                Cell::Cents(c) => {
                    let a = c.abs();
                    format!(
                        "{}{}.{:02}",
                        if *c < 0 { "-" } else { "" },
                        a / 100,
                        a % 100
                    )
                }
                Cell::Int(i) => i.to_string(),
                _ => format!("{x}"),
            };
            let shown = match (kind, metric) {
                (Kind::Number, Some(m)) => figures::value(m, x),
                (Kind::Money, _) => figures::money(x),
                (Kind::Rate, _) => figures::percent(x),
                (Kind::Count, _) => figures::thousands(x, 0),
                (Kind::Year, _) => raw.clone(),
                _ => figures::thousands(x, 2),
            };
            format!(
                "<td class=\"n\" data-value=\"{raw}\">{}</td>",
                escape(&shown)
            )
        }
    }
}

/// The page of `report`.
pub fn page(r: &Results, report: &Report) -> Result<String, ReportError> {
    let mut h = String::new();
    let w = |e: std::fmt::Error| ReportError::Write {
        path: r.path.clone(),
        message: e.to_string(),
    };
    writeln!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n<script>{CHECK}</script>\n</head>\n<body>\n<h1>{}</h1>\n<p class=\"sub\">workforce-sim {} report of {}</p>",
        escape(&report.title),
        escape(&report.title),
        report.kind.as_str(),
        escape(&r.path.display().to_string())
    )
    .map_err(w)?;
    if !report.headline.is_empty() {
        h.push_str("<div class=\"cards\">\n");
        for (k, v) in &report.headline {
            writeln!(
                h,
                "<div class=\"card\"><div class=\"v\">{}</div><div class=\"k\">{}</div></div>",
                escape(v),
                escape(k)
            )
            .map_err(w)?;
        }
        h.push_str("</div>\n");
    }
    let mut charts = String::new();
    for s in &report.sections {
        for c in &s.charts {
            if let Ok(svg) = crate::chart::line_chart(s, c) {
                writeln!(
                    charts,
                    "<figure class=\"chart\" aria-label=\"{}\">{svg}</figure>",
                    escape(&c.title)
                )
                .map_err(w)?;
            }
        }
    }
    for (title, svg) in &report.fan_charts {
        writeln!(
            charts,
            "<figure class=\"chart\" aria-label=\"{}\">{svg}</figure>",
            escape(title)
        )
        .map_err(w)?;
    }
    if !charts.is_empty() {
        writeln!(
            h,
            "<h2>By year</h2>\n<div class=\"charts\">\n{charts}</div>"
        )
        .map_err(w)?;
    }
    if let Some(x) = &report.explanation {
        writeln!(
            h,
            "<h2>What drove the change of {} from {} to {}</h2>\n<table id=\"explain\">\n<tr><th>driver</th><th>amount</th><th>share</th>{}</tr>",
            escape(&figures::label(&x.metric)),
            escape(&x.from),
            escape(&x.to),
            if x.pairs > 1 {
                "<th>95% interval over the seeds</th>"
            } else {
                ""
            }
        )
        .map_err(w)?;
        let money = |v: f64| {
            format!(
                "<td class=\"n\" data-value=\"{v:.2}\">{}</td>",
                escape(&figures::money(v))
            )
        };
        writeln!(
            h,
            "<tr><td>{} {}</td>{}<td></td></tr>",
            escape(&figures::label(&x.metric)),
            escape(&x.from),
            money(x.before)
        )
        .map_err(w)?;
        if x.pairs > 1 {
            // The first row has a cell for the interval column too.
            h.truncate(h.len() - "</tr>\n".len());
            h.push_str("<td></td></tr>\n");
        }
        for d in &x.drivers {
            writeln!(
                h,
                "<tr><td>{}</td>{}<td class=\"n\">{}</td>{}</tr>",
                escape(&d.name),
                money(d.amount),
                if d.share.is_finite() {
                    figures::percent(d.share)
                } else {
                    String::new()
                },
                if x.pairs > 1 {
                    format!(
                        "<td class=\"n\">{} to {}</td>",
                        escape(&figures::money(d.low)),
                        escape(&figures::money(d.high))
                    )
                } else {
                    String::new()
                }
            )
            .map_err(w)?;
        }
        let pad = if x.pairs > 1 { "<td></td>" } else { "" };
        writeln!(h, "<tr><td>residual</td>{}<td></td>{pad}</tr>\n<tr><td>{} {}</td>{}<td></td>{pad}</tr>\n</table>\n<p class=\"sub\">{}{}</p>",
            money(x.residual), escape(&figures::label(&x.metric)), escape(&x.to), money(x.after), escape(x.method),
            if x.pairs > 1 { format!("; the mean over {} paired seeds", x.pairs) } else { String::new() }).map_err(w)?;
    }
    for s in report.sections.iter().filter(|s| s.in_html) {
        writeln!(h, "<h2>{}</h2>", escape(&s.title)).map_err(w)?;
        if let Some(n) = &s.note {
            writeln!(h, "<p class=\"sub\">{}</p>", escape(n)).map_err(w)?;
        }
        if s.table.rows.is_empty() || s.table.columns.is_empty() {
            h.push_str("<p class=\"sub\">None.</p>\n");
            continue;
        }
        write!(h, "<table data-section=\"{}\">\n<tr>", escape(&s.sheet)).map_err(w)?;
        for c in &s.table.columns {
            write!(h, "<th>{}</th>", escape(&c.label)).map_err(w)?;
        }
        h.push_str("</tr>\n");
        let metric_at = s.metric_column.as_ref().and_then(|m| s.table.column(m));
        let year_at = s.table.column("simulation_year");
        let last = year_at.and_then(|y| {
            s.table
                .rows
                .iter()
                .filter_map(|r| r[y].number())
                .reduce(f64::max)
        });
        for row in &s.table.rows {
            if let (true, Some(y), Some(last)) = (s.html_last_year, year_at, last) {
                if row[y].number() != Some(last) {
                    continue;
                }
            }
            h.push_str("<tr>");
            let metric = metric_at.and_then(|i| match &row[i] {
                Cell::Text(m) => Some(m.as_str()),
                _ => None,
            });
            for (j, (c, v)) in s.table.columns.iter().zip(row).enumerate() {
                match (metric_at == Some(j), v) {
                    (true, Cell::Text(m)) => {
                        write!(h, "<td>{}</td>", escape(&figures::label(m))).map_err(w)?
                    }
                    _ => h.push_str(&cell_html(c.kind, metric, v)),
                }
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</table>\n");
    }
    if let Some(c) = &report.configuration {
        writeln!(
            h,
            "<h2>Configuration</h2>\n<details><summary>The configuration that produced these results</summary>\n<pre>{}</pre>\n</details>",
            escape(c)
        )
        .map_err(w)?;
    }
    h.push_str("<footer>\n<table>\n");
    for (k, v) in std::iter::once((
        "Written by".to_string(),
        workforce_sim_store::BUILD.to_string(),
    ))
    .chain(report.metadata.iter().cloned())
    {
        writeln!(h, "<tr><th>{}</th><td>{}</td></tr>", escape(&k), escape(&v)).map_err(w)?;
    }
    h.push_str("</table>\n</footer>\n</body>\n</html>\n");
    Ok(h)
}

impl Export for Html {
    fn export(&self, r: &Results, report: &Report, path: &Path) -> Result<(), ReportError> {
        let text = page(r, report)?;
        super::write_whole(path, |tmp| {
            std::fs::write(tmp, &text).map_err(|e| ReportError::Write {
                path: path.to_path_buf(),
                message: e.to_string(),
            })
        })
    }
}
