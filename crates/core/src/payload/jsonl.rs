//! Validating a JSON Lines file of typed events line by line (`workforce-sim validate`).

use super::{FieldError, TypedEvent};

/// One bad line of a JSON Lines file of typed events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// 1-based line number.
    pub line: usize,
    pub error: FieldError,
}

/// The outcome of checking a JSON Lines file of typed events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JsonlReport {
    /// Non-blank lines read.
    pub events: usize,
    /// One error per bad line (its first broken rule), in line order.
    pub bad: Vec<BadLine>,
}

/// Checks every line of a JSON Lines file of typed events (blank lines are skipped): each
/// must parse as a [`TypedEvent`] (serde names a wrong type, a missing or an unknown field),
/// pass the rules of 4.3, and carry an `event_id` no earlier line has. Reading stops at an
/// I/O error, which is returned.
pub fn validate_jsonl(reader: impl std::io::BufRead) -> std::io::Result<JsonlReport> {
    let mut report = JsonlReport::default();
    let mut ids: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (k, line) in reader.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        report.events += 1;
        let n = k + 1;
        match TypedEvent::parse_and_validate(&line) {
            Ok(e) => {
                if let Some(first) = ids.get(&e.event_id) {
                    report.bad.push(BadLine {
                        line: n,
                        error: FieldError {
                            field: "event_id".into(),
                            rule: format!("must be unique (line {first} has {:?})", e.event_id),
                        },
                    });
                } else {
                    ids.insert(e.event_id, n);
                }
            }
            Err(error) => report.bad.push(BadLine { line: n, error }),
        }
    }
    Ok(report)
}
