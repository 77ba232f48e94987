//! A section's line charts as SVG (plotters): one line per group (a scenario) over the
//! years, money in $ millions, rates in percent, counts as they are. Text is drawn in the
//! generic `sans-serif` family: the page needs no font file.

use crate::content::{LineChart, Section};
use crate::table::{Cell, Kind};
use plotters::prelude::*;

// The batch's fan chart colours, so a scenario has one colour in every chart.
use workforce_sim_batch::chart::COLOURS;

/// The chart `c` of `s`, or an error naming the missing column.
pub fn line_chart(s: &Section, c: &LineChart) -> Result<String, String> {
    let t = &s.table;
    let (x, y) = match (t.column(&c.x), t.column(&c.y)) {
        (Some(x), Some(y)) => (x, y),
        _ => return Err(format!("{}: no column {} or {}", s.title, c.x, c.y)),
    };
    let group = c.group.as_ref().and_then(|g| t.column(g));
    let (k, unit) = match t.columns[y].kind {
        Kind::Money => (1e-6, "$ millions"),
        Kind::Rate => (100.0, "percent"),
        _ => (1.0, ""),
    };
    let mut lines: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for row in &t.rows {
        let (Some(xv), Some(yv)) = (row[x].number(), row[y].number()) else {
            continue;
        };
        let name = match group.map(|g| &row[g]) {
            Some(Cell::Text(s)) => s.clone(),
            _ => String::new(),
        };
        match lines.iter_mut().find(|l| l.0 == name) {
            Some(l) => l.1.push((xv, yv * k)),
            None => lines.push((name, vec![(xv, yv * k)])),
        }
    }
    let points: Vec<(f64, f64)> = lines.iter().flat_map(|l| l.1.iter().copied()).collect();
    if points.is_empty() {
        return Err(format!("{}: nothing to draw", c.title));
    }
    let (x0, x1) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |a, p| {
            (a.0.min(p.0), a.1.max(p.0))
        });
    let (y0, y1) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |a, p| {
            (a.0.min(p.1), a.1.max(p.1))
        });
    let pad = ((y1 - y0) * 0.1).max(y1.abs() * 0.02).max(1e-9);
    let x1 = if x1 > x0 { x1 } else { x0 + 1.0 };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (560, 320)).into_drawing_area();
        let fail = |e: &dyn std::fmt::Display| e.to_string();
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(&c.title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(64)
            .build_cartesian_2d(x0..x1, (y0 - pad)..(y1 + pad))
            .map_err(|e| fail(&e))?;
        chart
            .configure_mesh()
            .x_labels(((x1 - x0) as usize + 1).clamp(2, 12))
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_desc(unit)
            .draw()
            .map_err(|e| fail(&e))?;
        for (i, (name, pts)) in lines.iter().enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            let series = chart
                .draw_series(LineSeries::new(pts.clone(), colour.stroke_width(2)))
                .map_err(|e| fail(&e))?;
            if !name.is_empty() {
                series.label(name.clone()).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2))
                });
            }
            chart
                .draw_series(pts.iter().map(|p| Circle::new(*p, 3, colour.filled())))
                .map_err(|e| fail(&e))?;
        }
        if lines.len() > 1 {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(|e| fail(&e))?;
        }
        root.present().map_err(|e| fail(&e))?;
    }
    Ok(svg)
}
