//! A search's tables in a DuckDB file, whole or not at all:
//!
//! * `opt_candidates`: one row per design evaluated: its lever values (JSON), seeds, per
//!   objective `OBJECTIVE mean|sd|p5|p50|p95|value` columns, feasibility, each constraint's
//!   mean, probability and interval (`constraints_json`), on the frontier, dominated by,
//!   dropped at and why;
//! * `opt_frontier`: the Pareto set, one row per design with its value on each axis;
//! * `opt_runs`: every value the search rests on (design, seed, measure, value), so the
//!   result can be checked or re-analysed;
//! * `opt_metadata`: objectives, constraints, search, best, runner-up, margin, runs, seeds,
//!   build.
//!
//! A shard of a sharded search writes `opt_runs` and `opt_shard` (its index and the search's
//! inputs) only.

use super::shard::Values;
use super::{Optimization, Spec};
use crate::runner::Shard;
use crate::BatchError;
use std::path::Path;

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// Writes the search's tables (see the module documentation) as a new DuckDB file at `path`;
/// an existing file is replaced only with `overwrite`.
pub fn write_database(o: &Optimization, path: &Path, overwrite: bool) -> Result<(), BatchError> {
    workforce_sim_store::result_file::write_database(path, overwrite, |conn| {
        let mut objective_columns = String::new();
        for a in &o.objectives {
            for s in ["value", "mean", "sd", "p5", "p50", "p95"] {
                objective_columns
                    .push_str(&format!(", {} DOUBLE", quote(&format!("{} {s}", a.name))));
            }
        }
        conn.execute_batch(&format!(
            "CREATE TABLE opt_candidates (design UBIGINT, levers VARCHAR, seeds INTEGER{objective_columns},
                feasible BOOLEAN, best BOOLEAN, on_frontier BOOLEAN, dominated_by UBIGINT,
                dropped_at INTEGER, dropped_why VARCHAR, constraints_json VARCHAR);
             CREATE TABLE opt_runs (design UBIGINT, seed UBIGINT, measure INTEGER, value DOUBLE);
             CREATE TABLE opt_metadata (objectives VARCHAR, constraints VARCHAR, search VARCHAR,
                grid_size UBIGINT, best UBIGINT, runner_up UBIGINT, margin DOUBLE,
                margin_low DOUBLE, margin_high DOUBLE, frontier_axes VARCHAR, runs UBIGINT,
                seeds VARCHAR, tool_version VARCHAR);"
        ))?;
        let axes: String = o
            .frontier_axes
            .iter()
            .map(|a| format!(", {} DOUBLE", quote(&a.name)))
            .collect();
        conn.execute_batch(&format!(
            "CREATE TABLE opt_frontier (rank INTEGER, design UBIGINT, levers VARCHAR, best BOOLEAN{axes})"
        ))?;
        {
            let mut app = conn.appender("opt_candidates")?;
            for c in &o.candidates {
                let mut row: Vec<Box<dyn duckdb::ToSql>> = vec![
                    Box::new(c.index),
                    Box::new(serde_json::to_string(&c.levers).unwrap_or_default()),
                    Box::new(c.seeds as i32),
                ];
                for j in 0..o.objectives.len() {
                    match c.objectives.get(j) {
                        Some(r) => {
                            for v in [r.value, r.mean, r.sd, r.p5, r.p50, r.p95] {
                                row.push(Box::new(finite(v)));
                            }
                        }
                        None => row.extend(
                            (0..6).map(|_| Box::new(None::<f64>) as Box<dyn duckdb::ToSql>),
                        ),
                    }
                }
                row.push(Box::new(c.feasible));
                row.push(Box::new(Some(c.index) == o.best));
                row.push(Box::new(c.on_frontier));
                row.push(Box::new(c.dominated_by));
                row.push(Box::new(c.dropped_at.map(|d| d as i32)));
                row.push(Box::new(c.dropped_why.clone()));
                row.push(Box::new(
                    serde_json::to_string(&c.constraints).unwrap_or_default(),
                ));
                app.append_row(duckdb::appender_params_from_iter(
                    row.iter().map(|b| b.as_ref()),
                ))?;
            }
        }
        {
            let mut app = conn.appender("opt_frontier")?;
            for (rank, d) in o.frontier.iter().enumerate() {
                let Some(c) = o.candidate(*d) else { continue };
                let mut row: Vec<Box<dyn duckdb::ToSql>> = vec![
                    Box::new(rank as i32 + 1),
                    Box::new(*d),
                    Box::new(serde_json::to_string(&c.levers).unwrap_or_default()),
                    Box::new(Some(*d) == o.best),
                ];
                for v in &c.axes {
                    row.push(Box::new(finite(*v)));
                }
                app.append_row(duckdb::appender_params_from_iter(
                    row.iter().map(|b| b.as_ref()),
                ))?;
            }
        }
        append_runs(
            conn,
            o.values
                .iter()
                .flat_map(|(d, rows)| rows.iter().zip(&o.seeds).map(move |(r, s)| ((*d, *s), r))),
        )?;
        let (m, lo, hi) = match o.margin {
            Some((m, lo, hi)) => (finite(m), finite(lo), finite(hi)),
            None => (None, None, None),
        };
        conn.execute(
            "INSERT INTO opt_metadata VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            duckdb::params![
                serde_json::to_string(&o.objectives).unwrap_or_default(),
                serde_json::to_string(&o.constraints).unwrap_or_default(),
                o.search,
                o.grid_size,
                o.best,
                o.runner_up,
                m,
                lo,
                hi,
                serde_json::to_string(&o.frontier_axes).unwrap_or_default(),
                o.runs,
                o.seeds
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
                workforce_sim_store::BUILD
            ],
        )?;
        Ok(())
    })?;
    Ok(())
}

fn append_runs<'a>(
    conn: &duckdb::Connection,
    rows: impl Iterator<Item = ((u64, u64), &'a super::Row)>,
) -> duckdb::Result<()> {
    let mut app = conn.appender("opt_runs")?;
    for ((d, s), row) in rows {
        for (m, v) in row.iter().enumerate() {
            app.append_row(duckdb::params![d, s, m as i32, v])?;
        }
    }
    Ok(())
}

/// Writes a shard's values and its identity as a new DuckDB file at `path`.
pub fn write_shard(
    spec: &Spec,
    shard: Shard,
    values: &Values,
    path: &Path,
    overwrite: bool,
) -> Result<(), BatchError> {
    let inputs = spec.inputs()?;
    let mut keys: Vec<&(u64, u64)> = values.keys().collect();
    keys.sort_unstable();
    workforce_sim_store::result_file::write_database(path, overwrite, |conn| {
        conn.execute_batch(
            "CREATE TABLE opt_runs (design UBIGINT, seed UBIGINT, measure INTEGER, value DOUBLE);
             CREATE TABLE opt_shard (shard VARCHAR, inputs VARCHAR, tool_version VARCHAR);",
        )?;
        append_runs(conn, keys.into_iter().map(|k| (*k, &values[k])))?;
        conn.execute(
            "INSERT INTO opt_shard VALUES (?, ?, ?)",
            duckdb::params![
                format!("{}/{}", shard.index, shard.count),
                inputs,
                workforce_sim_store::BUILD
            ],
        )?;
        Ok(())
    })?;
    Ok(())
}
