//! SQL text of the rules' constants: exact `DOUBLE` literals printed from the Rust constants
//! the native engine reads (so both engines evaluate the same IEEE-754 expressions), list
//! picks, categorical draws and segment indices as `CASE` expressions.

use std::fmt::Write as _;

/// An exact DOUBLE literal: Rust's shortest round-trip form, parsed by DuckDB's correctly
/// rounded string-to-double conversion.
pub(crate) fn lit(x: f64) -> String {
    format!("CAST('{x:?}' AS DOUBLE)")
}

/// `[v0, v1, ...][index + 1]` over exact literals.
pub(crate) fn pick(values: &[f64], index: &str) -> String {
    let list: Vec<String> = values.iter().map(|&v| lit(v)).collect();
    format!("[{}][({index}) + 1]", list.join(", "))
}

/// `CASE WHEN u <= c0 THEN v0 ... ELSE v_last END`: the categorical draw of docs/rules.md 2.1 with
/// cumulative weights normalised by the total, walked in declared order. `None` when the
/// weights sum to zero or less (the rule's default applies).
pub(crate) fn categorical_case(weights: &[f64], values: &[String], u: &str) -> Option<String> {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 || weights.is_empty() {
        return None;
    }
    let mut acc = 0.0;
    let mut sql = String::from("CASE");
    for (w, v) in weights.iter().zip(values) {
        acc += w;
        // acc / total >= u, with the quotient computed in Rust exactly as `categorical` does.
        let _ = write!(sql, " WHEN {} >= {u} THEN {v}", lit(acc / total));
    }
    let _ = write!(sql, " ELSE {} END", values[values.len() - 1]);
    Some(sql)
}

/// `(CASE WHEN {value} {op} l0 THEN 0 WHEN ... ELSE n END)`: a segment index of 3.10 from
/// the boundaries in `rules::enrollment` (`<=` for ages and tenure, `<` for pay).
pub(crate) fn segment_case<T: std::fmt::Display>(value: &str, op: &str, limits: &[T]) -> String {
    let mut sql = String::from("(CASE");
    for (k, l) in limits.iter().enumerate() {
        let _ = write!(sql, " WHEN {value} {op} {l} THEN {k}");
    }
    let _ = write!(sql, " ELSE {} END)", limits.len());
    sql
}
