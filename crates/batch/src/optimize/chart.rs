//! The Pareto chart of a search, as SVG (plotters): every design evaluated on the first two
//! frontier axes (grey rings: infeasible or dropped; light dots: feasible), the frontier
//! joined in blue, the best design in red and labelled.

use super::Optimization;
use plotters::prelude::*;

const FRONTIER: RGBColor = RGBColor(31, 119, 180);
const BEST: RGBColor = RGBColor(214, 39, 40);

fn tick(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.2}M", v / 1e6)
    } else if a >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

/// The chart; `Err` only when there is nothing to draw (no design ran) or drawing fails.
/// With one frontier axis, the designs are drawn in rank order on it.
pub fn pareto_chart(o: &Optimization) -> Result<String, String> {
    let ran: Vec<&super::Candidate> = o.candidates.iter().filter(|c| !c.axes.is_empty()).collect();
    if ran.is_empty() {
        return Err("no design ran: nothing to draw".into());
    }
    let two = o.frontier_axes.len() >= 2;
    // (x, y) per candidate.
    let mut order: Vec<&&super::Candidate> = ran.iter().collect();
    order.sort_by(|a, b| a.axes[0].total_cmp(&b.axes[0]));
    let xy = |c: &super::Candidate| -> (f64, f64) {
        if two {
            (c.axes[0], c.axes[1])
        } else {
            let rank = order.iter().position(|x| x.index == c.index).unwrap_or(0);
            (rank as f64 + 1.0, c.axes[0])
        }
    };
    let points: Vec<(f64, f64)> = ran.iter().map(|c| xy(c)).collect();
    let range = |f: fn(&(f64, f64)) -> f64| {
        let lo = points.iter().map(f).fold(f64::INFINITY, f64::min);
        let hi = points.iter().map(f).fold(f64::NEG_INFINITY, f64::max);
        let pad = ((hi - lo) * 0.08).max(hi.abs() * 0.01).max(1e-9);
        (lo - pad)..(hi + pad)
    };
    let (x_name, y_name) = if two {
        (
            o.frontier_axes[0].name.clone(),
            o.frontier_axes[1].name.clone(),
        )
    } else {
        ("design rank".to_string(), o.frontier_axes[0].name.clone())
    };
    let sense = |m: bool| {
        if m {
            "lower is better"
        } else {
            "higher is better"
        }
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 560)).into_drawing_area();
        let fail = |e: &dyn std::fmt::Display| e.to_string();
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        let caption = if two {
            format!("Designs: {y_name} against {x_name}, frontier in blue")
        } else {
            format!("Designs ranked by {y_name}")
        };
        let mut chart = ChartBuilder::on(&root)
            .caption(caption, ("sans-serif", 20))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(80)
            .build_cartesian_2d(range(|p| p.0), range(|p| p.1))
            .map_err(|e| fail(&e))?;
        chart
            .configure_mesh()
            .x_desc(if two {
                format!("{x_name} ({})", sense(o.frontier_axes[0].minimize))
            } else {
                x_name.clone()
            })
            .y_desc(format!(
                "{y_name} ({})",
                sense(o.frontier_axes[if two { 1 } else { 0 }].minimize)
            ))
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .draw()
            .map_err(|e| fail(&e))?;
        let grey = RGBColor(150, 150, 150);
        chart
            .draw_series(
                ran.iter()
                    .filter(|c| !c.feasible)
                    .map(|c| Circle::new(xy(c), 4, grey.stroke_width(1))),
            )
            .map_err(|e| fail(&e))?
            .label("infeasible or dropped")
            .legend(move |(x, y)| Circle::new((x + 10, y), 4, grey.stroke_width(1)));
        let light = RGBColor(158, 202, 225);
        chart
            .draw_series(
                ran.iter()
                    .filter(|c| c.feasible)
                    .map(|c| Circle::new(xy(c), 4, light.filled())),
            )
            .map_err(|e| fail(&e))?
            .label("feasible")
            .legend(move |(x, y)| Circle::new((x + 10, y), 4, light.filled()));
        let frontier: Vec<(f64, f64)> = o
            .frontier
            .iter()
            .filter_map(|d| o.candidate(*d))
            .filter(|c| !c.axes.is_empty())
            .map(xy)
            .collect();
        chart
            .draw_series(LineSeries::new(frontier.clone(), FRONTIER.stroke_width(2)))
            .map_err(|e| fail(&e))?
            .label("frontier")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], FRONTIER.stroke_width(2)));
        chart
            .draw_series(
                frontier
                    .iter()
                    .map(|p| Circle::new(*p, 5, FRONTIER.filled())),
            )
            .map_err(|e| fail(&e))?;
        if let Some(c) = o.best.and_then(|b| o.candidate(b)) {
            let p = xy(c);
            chart
                .draw_series([Circle::new(p, 7, BEST.filled())])
                .map_err(|e| fail(&e))?
                .label(format!("best: design {}", c.index))
                .legend(|(x, y)| Circle::new((x + 10, y), 6, BEST.filled()));
            chart
                .draw_series([Text::new(
                    format!("design {}", c.index),
                    p,
                    ("sans-serif", 14).into_font().color(&BEST),
                )])
                .map_err(|e| fail(&e))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| fail(&e))?;
        root.present().map_err(|e| fail(&e))?;
    }
    Ok(svg)
}
