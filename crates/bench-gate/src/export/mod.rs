//! The report's exporters, one file per format behind one trait.

mod csv;
mod json;
mod markdown;
mod svg;

pub use csv::Csv;
pub use json::Json;
pub use markdown::Markdown;
pub use svg::ScalingSvg;

use crate::Report;
use std::path::Path;

/// A format the report is written in.
pub trait Exporter {
    /// The file this exporter writes in the output directory.
    fn file_name(&self) -> &'static str;
    /// The report in this format.
    fn render(&self, report: &Report) -> String;
}

/// Every exporter, in the order the report is written.
pub fn all() -> [&'static dyn Exporter; 4] {
    [&Json, &Csv, &Markdown, &ScalingSvg]
}

/// Writes the report in every format into `dir`.
pub fn write_all(report: &Report, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for e in all() {
        std::fs::write(dir.join(e.file_name()), e.render(report))?;
    }
    Ok(())
}
