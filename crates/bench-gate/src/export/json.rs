//! JSON: the whole report, for machines (and the next run's comparison).

use super::Exporter;
use crate::Report;

pub struct Json;

impl Exporter for Json {
    fn file_name(&self) -> &'static str {
        "bench-report.json"
    }

    fn render(&self, report: &Report) -> String {
        // A report of plain numbers and strings always serialises.
        serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}
