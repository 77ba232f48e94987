//! Fan charts of an ensemble, as SVG (plotters): for one metric, per scenario and year the
//! median as a line, the 25th-75th percentile band and the 5th-95th band as shaded areas, one
//! colour per scenario. Money is drawn in $ millions, rates in percent.

use crate::ensemble::Band;
use crate::metrics::Metric;
use plotters::prelude::*;

/// Colours of the scenarios, in order (repeating after eight).
pub const COLOURS: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(23, 190, 207),
];

/// How a metric is drawn: a scale and the axis label.
fn scale(metric: Metric) -> (f64, &'static str) {
    match metric {
        Metric::Payroll
        | Metric::EmployeeDeferrals
        | Metric::EmployerMatch
        | Metric::EmployerCore
        | Metric::EmployerCost
        | Metric::Forfeitures => (1e-6, "$ millions"),
        Metric::ParticipationRate | Metric::AverageDeferralRate => (100.0, "percent"),
        _ => (1.0, "employees"),
    }
}

/// The fan chart of `metric` over `bands` (every scenario's), `scenarios` naming them by
/// index. An error only if drawing fails (a bug), never for the data.
pub fn fan_chart(bands: &[Band], scenarios: &[&str], metric: Metric) -> Result<String, String> {
    let (k, unit) = scale(metric);
    let rows: Vec<&Band> = bands.iter().filter(|b| b.metric == metric).collect();
    let (Some(first), Some(last)) = (
        rows.iter().map(|b| b.year).min(),
        rows.iter().map(|b| b.year).max(),
    ) else {
        return Err(format!("no bands of {}", metric.name()));
    };
    let lo = rows.iter().map(|b| b.p5 * k).fold(f64::INFINITY, f64::min);
    let hi = rows
        .iter()
        .map(|b| b.p95 * k)
        .fold(f64::NEG_INFINITY, f64::max);
    let pad = ((hi - lo) * 0.08).max(hi.abs() * 0.01).max(1e-9);
    let runs = rows.iter().map(|b| b.runs).max().unwrap_or(0);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 520)).into_drawing_area();
        let fail = |e: &dyn std::fmt::Display| e.to_string();
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        let x_end = if last > first {
            last as f64
        } else {
            first as f64 + 1.0
        };
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!(
                    "{}: median, 25-75% and 5-95% over {runs} seeds",
                    metric.label()
                ),
                ("sans-serif", 20),
            )
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d(first as f64..x_end, (lo - pad)..(hi + pad))
            .map_err(|e| fail(&e))?;
        chart
            .configure_mesh()
            .x_desc("year")
            .y_desc(unit)
            .x_labels((last - first + 1).max(2) as usize)
            .x_label_formatter(&|x| format!("{:.0}", x))
            .draw()
            .map_err(|e| fail(&e))?;
        for (s, name) in scenarios.iter().enumerate() {
            let colour = COLOURS[s % COLOURS.len()];
            let mut mine: Vec<&&Band> = rows.iter().filter(|b| b.scenario == s).collect();
            mine.sort_by_key(|b| b.year);
            if mine.is_empty() {
                continue;
            }
            let at = |f: fn(&Band) -> f64| -> Vec<(f64, f64)> {
                mine.iter().map(|b| (b.year as f64, f(b) * k)).collect()
            };
            for (low, high, alpha) in [
                (at(|b| b.p5), at(|b| b.p95), 0.15),
                (at(|b| b.p25), at(|b| b.p75), 0.30),
            ] {
                let mut area = high;
                area.extend(low.into_iter().rev());
                chart
                    .draw_series(std::iter::once(Polygon::new(area, colour.mix(alpha))))
                    .map_err(|e| fail(&e))?;
            }
            chart
                .draw_series(LineSeries::new(at(|b| b.p50), colour.stroke_width(2)))
                .map_err(|e| fail(&e))?
                .label(name.to_string())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| fail(&e))?;
        root.present().map_err(|e| fail(&e))?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(scenario: usize, year: i32, m: f64) -> Band {
        Band {
            scenario,
            year,
            metric: Metric::EmployerCost,
            runs: 20,
            mean: m,
            sd: 1.0,
            p5: m - 2e6,
            p25: m - 1e6,
            p50: m,
            p75: m + 1e6,
            p95: m + 2e6,
        }
    }

    #[test]
    fn a_fan_chart_draws_every_scenario() {
        let bands: Vec<Band> = (2025..=2029)
            .flat_map(|y| [band(0, y, 2e7 + y as f64), band(1, y, 2.4e7)])
            .collect();
        let svg = fan_chart(&bands, &["baseline", "ae_all_6"], Metric::EmployerCost).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("baseline") && svg.contains("ae_all_6"));
        assert!(
            svg.contains("$ millions") && svg.contains("polygon"),
            "no bands drawn"
        );
        assert!(fan_chart(&bands, &["a"], Metric::Hires).is_err());
    }
}
