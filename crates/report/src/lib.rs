//! # workforce-sim-report
//!
//! Answers the decision makers can open: an Excel workbook and a self-contained HTML report
//! of any results (a run, a batch, an optimisation, a backtest), and an explanation of what
//! drove a money metric's change.
//!
//! * [`results`]: what a path holds, opened read-only;
//! * [`table`]: a query's result as typed cells (money in exact cents, rates, counts, dates);
//! * [`content`]: what a report holds for each kind of results;
//! * [`explain`]: the Shapley decomposition of a change into drivers;
//! * [`export`]: the formats behind one trait, [`export::xlsx`] and [`export::html`];
//! * [`chart`]: the line charts (plotters, SVG); [`figures`]: numbers and labels for people.

pub mod chart;
pub mod content;
pub mod explain;
pub mod export;
pub mod figures;
pub mod results;
pub mod table;

pub use content::{build, Report};
pub use explain::{explain, explain_pairs, Explanation};
pub use export::html::Html;
pub use export::xlsx::Xlsx;
pub use export::Export;
pub use results::{Kind, Results};

use std::path::PathBuf;

/// A report that cannot be made: the path and why.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The path holds no results the tool can report on.
    #[error("{}: not a results database ({why})", path.display())]
    NotResults { path: PathBuf, why: String },
    #[error("cannot read {what}: {message}")]
    Query { what: String, message: String },
    #[error("cannot write {}: {message}", path.display())]
    Write { path: PathBuf, message: String },
    /// A metric, year, scenario or combination of options the results do not have.
    #[error("{0}")]
    Invalid(String),
}

/// Writes the report of the results at `results` with `export` to `out`.
pub fn write_report(
    results: &std::path::Path,
    export: &dyn Export,
    out: &std::path::Path,
) -> Result<(), ReportError> {
    let r = Results::open(results)?;
    let report = build(&r)?;
    export.export(&r, &report, out)
}
