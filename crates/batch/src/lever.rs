//! A lever: a configuration key (dotted, `[i]` for a list entry: `compensation.merit_budget`,
//! `hiring.compensation_percentile[0]`, `plan.employer_match.tiers`) set to a value, the
//! configuration validated again. Used by `calibrate` (one numeric key) and `optimize` (a
//! design: several keys, any TOML value, tier lists as whole alternatives).

use crate::BatchError;
use toml::{Table, Value};
use workforce_sim_core::config::{Config, ValidConfig};

fn bad(key: &str) -> BatchError {
    BatchError::Output(format!("{key:?} is not a key of the configuration"))
}

/// `a.b[2]` → (`a.b`, Some(2)).
pub fn split_index(key: &str) -> (&str, Option<usize>) {
    match key.strip_suffix(']').and_then(|l| l.split_once('[')) {
        Some((path, i)) => (path, i.parse().ok()),
        None => (key, None),
    }
}

/// The slot of `key` in the configuration table.
fn slot<'t>(table: &'t mut Table, key: &str) -> Result<&'t mut Value, BatchError> {
    let (path, index) = split_index(key);
    let parts: Vec<&str> = path.split('.').collect();
    let (last, sections) = parts.split_last().ok_or_else(|| bad(key))?;
    let mut t = table;
    for s in sections {
        t = t
            .get_mut(*s)
            .and_then(Value::as_table_mut)
            .ok_or_else(|| bad(key))?;
    }
    let slot = t.get_mut(*last).ok_or_else(|| bad(key))?;
    match index {
        Some(i) => slot
            .as_array_mut()
            .and_then(|a| a.get_mut(i))
            .ok_or_else(|| bad(key)),
        None => Ok(slot),
    }
}

/// The configuration as a TOML table (every key, defaults included).
pub fn table(config: &ValidConfig) -> Result<Table, BatchError> {
    match Value::try_from(config.config()) {
        Ok(Value::Table(t)) => Ok(t),
        Ok(_) => Err(BatchError::Output(
            "the configuration is not a table".into(),
        )),
        Err(e) => Err(BatchError::Output(format!(
            "the configuration as TOML: {e}"
        ))),
    }
}

/// Whether `key` names a key of the configuration (optional keys that are unset, such as
/// a match cap of none, cannot be levers).
pub fn exists(config: &ValidConfig, key: &str) -> Result<bool, BatchError> {
    let mut t = table(config)?;
    Ok(slot(&mut t, key).is_ok())
}

/// `base` with each `(key, value)` set, validated; a number is converted to the key's kind
/// (an integer key takes whole numbers only).
pub fn with_values(
    base: &ValidConfig,
    values: &[(String, Value)],
) -> Result<ValidConfig, BatchError> {
    let mut t = table(base)?;
    for (key, value) in values {
        let s = slot(&mut t, key)?;
        *s = match (&*s, value) {
            (Value::Integer(_), Value::Float(f)) if f.fract() == 0.0 => Value::Integer(*f as i64),
            (Value::Integer(_), Value::Float(f)) => {
                return Err(BatchError::Output(format!(
                    "{key:?} takes whole numbers; {f} is not one"
                )))
            }
            (Value::Float(_), Value::Integer(i)) => Value::Float(*i as f64),
            _ => value.clone(),
        };
    }
    let shown = || {
        values
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let config: Config = Value::Table(t)
        .try_into()
        .map_err(|e| BatchError::Output(format!("{}: {e}", shown())))?;
    config
        .validate()
        .map_err(|e| BatchError::Output(format!("{}: {e}", shown())))
}

/// The overlay that sets the keys of `values` as `config` holds them (a list entry's key:
/// the whole list).
pub fn overlay(config: &ValidConfig, keys: &[&str]) -> Result<Table, BatchError> {
    let full = table(config)?;
    let mut out = Table::new();
    for key in keys {
        let (path, _) = split_index(key);
        let parts: Vec<&str> = path.split('.').collect();
        let mut src = &Value::Table(full.clone());
        for p in &parts {
            src = src.get(p).ok_or_else(|| bad(key))?;
        }
        let mut t = &mut out;
        for p in &parts[..parts.len() - 1] {
            t = t
                .entry((*p).to_string())
                .or_insert_with(|| Value::Table(Table::new()))
                .as_table_mut()
                .ok_or_else(|| bad(key))?;
        }
        t.insert(parts[parts.len() - 1].to_string(), src.clone());
    }
    Ok(out)
}
