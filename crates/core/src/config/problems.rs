//! Collects every broken configuration rule (dotted key + rule + value) so that all of them
//! are reported at once. A leaf of the configuration: both `config` and `config::plan` use it.

use crate::date;
use crate::error::{ConfigError, ConfigProblem};
use crate::model::Band;

/// Collects every configuration problem (key + rule) before reporting them together.
#[derive(Default)]
pub(crate) struct Problems(Vec<ConfigProblem>);

impl Problems {
    pub(crate) fn optional_date(&mut self, key: &str, v: &Option<String>) {
        if let Some(s) = v {
            if date::parse(s).is_none() {
                self.push(key, format!("must be a date YYYY-MM-DD, got {s:?}"));
            }
        }
    }
    pub(crate) fn push(&mut self, key: &str, rule: String) {
        self.0.push(ConfigProblem {
            key: key.to_string(),
            rule,
        });
    }
    pub(crate) fn range(&mut self, key: &str, v: f64, lo: f64, hi: f64) {
        if !(v.is_finite() && v >= lo && v <= hi) {
            self.push(key, format!("must be within [{lo}, {hi}], got {v}"));
        }
    }
    pub(crate) fn range_i(&mut self, key: &str, v: f64, lo: f64, hi: f64) {
        if !(v >= lo && v <= hi) {
            self.push(
                key,
                format!("must be an integer within [{lo}, {hi}], got {v}"),
            );
        }
    }
    /// A finite rate the exact-decimal solver can read: at most 18 digits after the point.
    pub(crate) fn exact_decimal(&mut self, key: &str, v: f64) {
        if v.is_finite() && crate::decimal::Decimal::from_f64(v).is_none() {
            self.push(
                key,
                format!("must have at most 18 digits after the decimal point, got {v}"),
            );
        }
    }
    pub(crate) fn non_empty(&mut self, key: &str, v: &str) {
        if v.trim().is_empty() {
            self.push(key, "must not be empty".into());
        }
    }
    pub(crate) fn per_level(&mut self, key: &str, v: &[f64], levels: usize, lo: f64, hi: f64) {
        if v.len() != levels {
            self.push(
                key,
                format!(
                    "must have one value per job level ({levels}), got {}",
                    v.len()
                ),
            );
        }
        for (i, x) in v.iter().enumerate() {
            self.range(&format!("{key}[{i}]"), *x, lo, hi);
        }
    }
    pub(crate) fn bands(&mut self, key: &str, bands: &[Band]) {
        if bands.is_empty() {
            self.push(key, "must list at least one band".into());
            return;
        }
        if bands[0].min != 0 {
            self.push(
                &format!("{key}[0].min"),
                format!("the first band must start at 0, got {}", bands[0].min),
            );
        }
        for (i, b) in bands.iter().enumerate() {
            self.range(
                &format!("{key}[{i}].promotion_multiplier"),
                b.promotion_multiplier,
                0.0,
                100.0,
            );
            self.non_empty(&format!("{key}[{i}].label"), &b.label);
            match (b.max, bands.get(i + 1)) {
                (Some(max), _) if max <= b.min => self.push(
                    &format!("{key}[{i}].max"),
                    format!("must be > min ({}), got {max}", b.min),
                ),
                (Some(max), Some(next)) if next.min != max => self.push(
                    &format!("{key}[{}].min", i + 1),
                    format!("bands must be contiguous: expected {max}, got {}", next.min),
                ),
                (Some(_), None) => self.push(
                    &format!("{key}[{i}].max"),
                    "the last band must be unbounded (omit max)".into(),
                ),
                (None, Some(_)) => self.push(
                    &format!("{key}[{i}].max"),
                    "only the last band may be unbounded".into(),
                ),
                _ => {}
            }
        }
    }
    pub(crate) fn finish(self) -> Result<(), ConfigError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid {
                path: None,
                problems: self.0,
            })
        }
    }
}
