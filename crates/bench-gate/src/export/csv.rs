//! CSV: one row per bench result.

use super::Exporter;
use crate::Report;

pub struct Csv;

impl Exporter for Csv {
    fn file_name(&self) -> &'static str {
        "bench-report.csv"
    }

    fn render(&self, report: &Report) -> String {
        let mut s = String::from("id,group,function,parameter,median_ns,lower_ns,upper_ns,elements,throughput_per_s,peak_heap_bytes,allocations,digest\n");
        for r in &report.results {
            let o = |v: Option<String>| v.unwrap_or_default();
            s.push_str(&format!(
                "{},{},{},{},{:.1},{:.1},{:.1},{},{},{},{},{}\n",
                r.id,
                r.group,
                r.function,
                r.parameter,
                r.median_ns.point,
                r.median_ns.lower,
                r.median_ns.upper,
                o(r.elements.map(|x| x.to_string())),
                o(r.throughput().map(|t| format!("{:.1}", t.point))),
                o(r.peak_heap_bytes.map(|x| x.to_string())),
                o(r.allocations.map(|x| x.to_string())),
                o(r.digest.clone())
            ));
        }
        s
    }
}
