//! Result rows for output: a band, threshold probability or variance share with its
//! scenario named by the batch's id instead of its index (the rows' own `Serialize` skips the
//! index), so JSON output is the library's types, not a shape built by hand.

use serde::Serialize;

/// `row` with `"scenario_id": id` before its own fields.
#[derive(Debug, Clone, Serialize)]
pub struct ByScenario<'a, T: Serialize> {
    pub scenario_id: &'a str,
    #[serde(flatten)]
    pub row: &'a T,
}

/// Every row of `rows` with its scenario id; `id` maps a scenario index to its id.
pub fn by_scenario<'a, T: Serialize>(
    rows: &'a [T],
    scenario: impl Fn(&T) -> usize,
    id: impl Fn(usize) -> &'a str,
) -> Vec<ByScenario<'a, T>> {
    rows.iter()
        .map(|row| ByScenario {
            scenario_id: id(scenario(row)),
            row,
        })
        .collect()
}
