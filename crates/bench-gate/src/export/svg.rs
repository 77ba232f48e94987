//! SVG: a log-log plot of phase time against census size.

use super::Exporter;
use crate::{format_value, Report};

pub struct ScalingSvg;

impl Exporter for ScalingSvg {
    fn file_name(&self) -> &'static str {
        "scaling.svg"
    }

    /// A log-log plot of phase time against census size.
    fn render(&self, report: &Report) -> String {
        let (w, h, pad) = (720.0, 440.0, 60.0);
        let pts: Vec<(f64, f64)> = report
            .scaling
            .iter()
            .flat_map(|f| f.points.iter().copied())
            .filter(|p| p.0 > 0.0 && p.1 > 0.0)
            .collect();
        let mut s = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        if pts.is_empty() {
            s.push_str("<text x=\"20\" y=\"30\">no phase results</text>\n</svg>\n");
            return s;
        }
        let (x0, x1) = pts.iter().fold((f64::MAX, f64::MIN), |(a, b), p| {
            (a.min(p.0.log10()), b.max(p.0.log10()))
        });
        let (y0, y1) = pts.iter().fold((f64::MAX, f64::MIN), |(a, b), p| {
            (a.min(p.1.log10()), b.max(p.1.log10()))
        });
        let (x1, y1) = (
            if x1 > x0 { x1 } else { x0 + 1.0 },
            if y1 > y0 { y1 } else { y0 + 1.0 },
        );
        let px = |x: f64| pad + (x.log10() - x0) / (x1 - x0) * (w - 2.0 * pad - 160.0);
        let py = |y: f64| h - pad - (y.log10() - y0) / (y1 - y0) * (h - 2.0 * pad);
        s.push_str(&format!("<text x=\"{pad}\" y=\"24\" font-size=\"14\">Phase time vs. employees (log-log)</text>\n"));
        s.push_str(&format!("<line x1=\"{pad}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>\n<line x1=\"{pad}\" y1=\"{pad}\" x2=\"{pad}\" y2=\"{}\" stroke=\"black\"/>\n", h - pad, w - pad - 160.0, h - pad, h - pad));
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\">employees</text><text x=\"8\" y=\"{}\">time</text>\n",
            w / 2.0 - 80.0,
            h - 20.0,
            pad - 8.0
        ));
        for e in (x0.floor() as i32)..=(x1.ceil() as i32) {
            let v = 10f64.powi(e);
            if (x0..=x1).contains(&(e as f64)) {
                s.push_str(&format!(
                    "<text x=\"{:.1}\" y=\"{}\">{}</text>\n",
                    px(v) - 10.0,
                    h - pad + 16.0,
                    v
                ));
            }
        }
        for e in (y0.floor() as i32)..=(y1.ceil() as i32) {
            let v = 10f64.powi(e);
            if (y0..=y1).contains(&(e as f64)) {
                s.push_str(&format!(
                    "<text x=\"4\" y=\"{:.1}\">{}</text>\n",
                    py(v) + 4.0,
                    format_value("time", v)
                ));
            }
        }
        let colours = [
            "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
            "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39",
        ];
        for (k, f) in report.scaling.iter().enumerate() {
            let c = colours[k % colours.len()];
            let line: Vec<String> = f
                .points
                .iter()
                .map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
                .collect();
            s.push_str(&format!(
                "<polyline fill=\"none\" stroke=\"{c}\" stroke-width=\"2\" points=\"{}\"/>\n",
                line.join(" ")
            ));
            s.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" fill=\"{c}\">{} (b={:.2})</text>\n",
                w - pad - 150.0,
                pad + 14.0 * k as f64,
                f.function,
                f.b
            ));
        }
        s.push_str("</svg>\n");
        s
    }
}
