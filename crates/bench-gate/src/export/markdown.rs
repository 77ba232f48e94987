//! Markdown: the report a person reads (and a PR comment).

use super::Exporter;
use crate::{format_value, scaling_table, Report};

pub struct Markdown;

impl Exporter for Markdown {
    fn file_name(&self) -> &'static str {
        "bench-report.md"
    }

    fn render(&self, report: &Report) -> String {
        let mut s = format!(
            "# Benchmark report\n\ncommit {} · {} · {} ({} cores) · {}\n\n",
            report.meta.commit,
            report.meta.date,
            report.meta.cpu_model,
            report.meta.cores,
            report.meta.toolchain
        );
        s.push_str("## Targets\n\n| target | limit | measured | pass |\n|---|---|---|---|\n");
        for t in &report.targets {
            let pass = match t.pass {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "not measured",
            };
            s.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                t.name,
                t.limit,
                t.measured.clone().unwrap_or_else(|| "-".into()),
                pass
            ));
        }
        s.push_str("\n## Results (median, 95% CI)\n\n| benchmark | median | CI | throughput | peak heap | allocations | digest |\n|---|---|---|---|---|---|---|\n");
        for r in &report.results {
            s.push_str(&format!(
                "| {} | {} | [{}, {}] | {} | {} | {} | {} |\n",
                r.id,
                format_value("time", r.median_ns.point),
                format_value("time", r.median_ns.lower),
                format_value("time", r.median_ns.upper),
                r.throughput()
                    .map(|t| format_value("throughput", t.point))
                    .unwrap_or_else(|| "-".into()),
                r.peak_heap_bytes
                    .map(|b| format_value("peak_heap", b as f64))
                    .unwrap_or_else(|| "-".into()),
                r.allocations
                    .map(|a| a.to_string())
                    .unwrap_or_else(|| "-".into()),
                r.digest.clone().unwrap_or_else(|| "-".into())
            ));
        }
        if !report.scaling.is_empty() {
            s.push_str("\n## Scaling (time ≈ a · n^b per phase)\n\n");
            s.push_str(&scaling_table(&report.scaling));
        }
        if !report.orchestration.is_empty() {
            s.push_str("\n## Orchestration overhead (time outside the in-memory compute)\n\n| scenario | in memory | DuckDB (default) | DuckDB, every stage materialised | naive overhead / default overhead |\n|---|---|---|---|---|\n");
            for (sc, m, d, n, red) in &report.orchestration {
                s.push_str(&format!(
                    "| {sc} | {} | {} | {} | {red:.2}× |\n",
                    format_value("time", *m),
                    format_value("time", *d),
                    format_value("time", *n)
                ));
            }
        }
        if !report.engines.is_empty() {
            s.push_str("\n## Engines (whole in-memory run; every engine's digest equals native's)\n\n| scenario | engine | median | × native |\n|---|---|---|---|\n");
            for (sc, engine, ns, ratio) in &report.engines {
                s.push_str(&format!(
                    "| {sc} | {engine} | {} | {ratio:.1}× |\n",
                    format_value("time", *ns)
                ));
            }
        }
        if !report.instructions.is_empty() {
            s.push_str("\n## Instruction counts (callgrind, gungraun)\n\n| bench | instructions |\n|---|---|\n");
            for (id, ir) in &report.instructions {
                s.push_str(&format!("| {id} | {ir} |\n"));
            }
        }
        s
    }
}
