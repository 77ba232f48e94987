//! `workforce-sim schema events`: the JSON Schema of a typed event (docs/rules.md 4.2).

use anyhow::Result;

/// Prints the schema: the envelope and every payload type.
pub fn events() -> Result<()> {
    super::print::json_pretty(&workforce_sim::payload::json_schema())
}
