//! The report: every result, instruction counts, scaling fits, targets, the orchestration
//! overhead and the engines side by side, assembled once and written by [`crate::export`].

use crate::*;
use serde::{Deserialize, Serialize};

/// One performance target of the project and whether the measurements meet it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub name: String,
    pub limit: String,
    pub measured: Option<String>,
    /// `None` = not measured in this run.
    pub pass: Option<bool>,
}

/// The benchmark report: every result, instruction counts, scaling fits, targets and the
/// orchestration overhead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub meta: Meta,
    pub results: Vec<BenchResult>,
    pub instructions: Vec<(String, u64)>,
    pub scaling: Vec<ScalingFit>,
    pub targets: Vec<Target>,
    /// (scenario, in-memory ns, duckdb ns, naive duckdb ns, overhead reduction × )
    pub orchestration: Vec<(String, f64, f64, f64, f64)>,
    /// The `engines` group: (scenario, engine, median ns, ratio to native).
    #[serde(default)]
    pub engines: Vec<(String, String, f64, f64)>,
}

impl Report {
    pub fn build(
        meta: Meta,
        results: Vec<BenchResult>,
        instructions: Vec<(String, u64)>,
    ) -> Report {
        let find = |id: &str| results.iter().find(|r| r.id == id);
        let largest = |group: &str, function: &str| {
            results
                .iter()
                .filter(|r| r.group == group && r.function == function)
                .max_by_key(|r| r.parameter.parse::<u64>().unwrap_or(0))
        };
        let mut targets = Vec::new();
        let mut target = |name: &str, limit: &str, measured: Option<String>, pass: Option<bool>| {
            targets.push(Target {
                name: name.into(),
                limit: limit.into(),
                measured,
                pass,
            })
        };
        let w = find("workflow/duckdb/5kx5");
        target(
            "5,000 × 5 end to end (DuckDB file)",
            "≤ 60 s",
            w.map(|r| format_value("time", r.median_ns.point)),
            w.map(|r| r.median_ns.point <= 60e9),
        );
        // A phase's median at its largest size, described, and whether it is within `limit` ns.
        let phase_time = |phase: &str, limit: f64, describe: &dyn Fn(&str) -> String| {
            let r = largest("phases", phase);
            (
                r.map(|r| {
                    format!(
                        "{} {}",
                        format_value("time", r.median_ns.point),
                        describe(&r.parameter)
                    )
                }),
                r.map(|r| r.median_ns.point <= limit),
            )
        };
        let (measured, pass) =
            phase_time("state_accumulation", 5e9, &|n| format!("at {n} employees"));
        target("state accumulation per year", "< 5 s/year", measured, pass);
        let i = largest("phases", "duckdb_ingest");
        target(
            "DuckDB ingest",
            "≥ 100K events/s",
            i.and_then(|r| r.throughput())
                .map(|t| format_value("throughput", t.point)),
            i.and_then(|r| r.throughput()).map(|t| t.point >= 100_000.0),
        );
        let (measured, pass) = phase_time("participant_history", 5e9, &|n| {
            format!("from a {n} × 3 database")
        });
        target("participant history query", "≤ 5 s", measured, pass);
        let j = largest("phases", "event_json");
        let per_event = j.and_then(|r| Some(r.median_ns.point / r.elements? as f64));
        target(
            "event serialisation + validation",
            "< 10 ms/event",
            per_event.map(|ns| format!("{ns:.0} ns/event")),
            per_event.map(|ns| ns < 1e7),
        );
        let e = find("workflow/in_memory/enterprise");
        target(
            "peak memory at 100K employees",
            "< 8 GB",
            e.and_then(|r| r.peak_heap_bytes)
                .map(|b| format_value("peak_heap", b as f64)),
            e.and_then(|r| r.peak_heap_bytes).map(|b| b < 8 << 30),
        );
        let mut orchestration = Vec::new();
        for r in results
            .iter()
            .filter(|r| r.group == "workflow" && r.function == "in_memory")
        {
            let (Some(db), Some(naive)) = (
                find(&format!("workflow/duckdb/{}", r.parameter)),
                find(&format!("workflow/duckdb_naive/{}", r.parameter)),
            ) else {
                continue;
            };
            let (m, d, n) = (r.median_ns.point, db.median_ns.point, naive.median_ns.point);
            let reduction = if d > m { (n - m) / (d - m) } else { f64::NAN };
            orchestration.push((r.parameter.clone(), m, d, n, reduction));
        }
        let mut engines = Vec::new();
        for r in results.iter().filter(|r| r.group == "engines") {
            if let Some(native) = find(&format!("engines/native/{}", r.parameter)) {
                let ratio = r.median_ns.point / native.median_ns.point;
                engines.push((
                    r.parameter.clone(),
                    r.function.clone(),
                    r.median_ns.point,
                    ratio,
                ));
            }
        }
        // Scenario by scenario (smallest native time first), native, polars, sql.
        let rank = |e: &str| ["native", "polars", "sql"].iter().position(|x| *x == e);
        let native_ns = |sc: &str| {
            engines
                .iter()
                .find(|(s, e, _, _)| s == sc && e == "native")
                .map_or(f64::INFINITY, |r| r.2)
        };
        let mut keyed: Vec<_> = engines
            .iter()
            .map(|r| (native_ns(&r.0), rank(&r.1), r.clone()))
            .collect();
        keyed.sort_by(|a, b| {
            a.0.total_cmp(&b.0)
                .then(a.1.cmp(&b.1))
                .then(a.2 .0.cmp(&b.2 .0))
        });
        let engines: Vec<_> = keyed.into_iter().map(|(_, _, r)| r).collect();
        let scaling = scaling(
            &results,
            "phases",
            Thresholds::default().max_scaling_exponent,
        );
        Report {
            meta,
            results,
            instructions,
            scaling,
            targets,
            orchestration,
            engines,
        }
    }
}
