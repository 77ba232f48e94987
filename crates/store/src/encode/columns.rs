//! Column helpers of the encoders: money from integer cents, rates as micros, ENUM codes
//! as dictionary keys, flags, days, small integers and optional columns without a validity
//! buffer where nothing is null.

use crate::StoreError;
use duckdb::arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, DictionaryArray, Float64Array,
    Int16Array, StringArray, UInt8Array,
};
use duckdb::arrow::buffer::{BooleanBuffer, NullBuffer};
use duckdb::arrow::datatypes::UInt8Type;
use duckdb::arrow::error::ArrowError;
use std::sync::Arc;
use workforce_sim_core::date::Day;
use workforce_sim_core::decimal::{round_to_i64, to_cents};

/// An Arrow error while building a batch: a bug in this module (columns of one batch
/// disagree), reported rather than a panic.
pub(crate) fn arrow(table: &'static str) -> impl Fn(ArrowError) -> StoreError {
    move |e| StoreError::Encode {
        table,
        message: e.to_string(),
    }
}

pub(crate) fn decimal(
    values: Decimal128Array,
    precision: u8,
    scale: i8,
) -> Result<ArrayRef, ArrowError> {
    Ok(Arc::new(values.with_precision_and_scale(precision, scale)?))
}

/// The values of an optional column of rows `0..n` (`get`), each mapped by `f` (0 where
/// null), and its validity (`None` when no value is null). Collected over an exact range, so
/// no builder call and no capacity check per row.
pub(crate) fn optional<T: Default>(
    n: usize,
    get: impl Fn(usize) -> Option<f64>,
    f: impl Fn(f64) -> T,
) -> (Vec<T>, Option<NullBuffer>) {
    let values = (0..n).map(|i| get(i).map_or_else(T::default, &f)).collect();
    let nulls = (0..n)
        .any(|i| get(i).is_none())
        .then(|| NullBuffer::new(BooleanBuffer::collect_bool(n, |i| get(i).is_some())));
    (values, nulls)
}

/// Money at DECIMAL(15,2): integer cents.
pub(crate) fn cents(x: f64) -> i128 {
    i128::from(to_cents(x))
}

/// A rate at DECIMAL(7,6): integer millionths.
pub(crate) fn micros(x: f64) -> i128 {
    i128::from(round_to_i64(x * 1_000_000.0))
}

pub(crate) fn money(n: usize, get: impl Fn(usize) -> Option<f64>) -> Result<ArrayRef, ArrowError> {
    let (cents, nulls) = optional(n, get, cents);
    decimal(Decimal128Array::try_new(cents.into(), nulls)?, 15, 2)
}

/// Deferral rates at 6 decimals (the specification's DECIMAL(5,4) cannot hold rates such
/// as the 23,500 / pay cap of a match response exactly, and the ledger must replay exactly).
pub(crate) fn rate(n: usize, get: impl Fn(usize) -> Option<f64>) -> Result<ArrayRef, ArrowError> {
    let (micros, nulls) = optional(n, get, micros);
    decimal(Decimal128Array::try_new(micros.into(), nulls)?, 7, 6)
}

/// A summary total at DECIMAL(18,2), rounded as its two-decimal rendering rounds.
pub(crate) fn total(x: f64) -> i128 {
    format!("{x:.2}").replace('.', "").parse().unwrap_or(0)
}

/// The ENUM codes of one schema type: a value's position in the type's list, in DuckDB's
/// order. The values are the enums' `&'static str` names: a name seen before is found by its
/// address in a small direct-mapped table (one slot read and compare, inline), a new one by
/// text, then remembered in its slot (a name whose slot another took is found by text again,
/// so text that is not static costs a search, never a growing scan).
pub(crate) struct EnumCodes<'t> {
    type_name: &'t str,
    dict: &'static [&'static str],
    slots: [(*const u8, usize, u8); EnumCodes::SLOTS],
}

impl<'t> EnumCodes<'t> {
    const SLOTS: usize = 32;

    fn new(type_name: &'t str) -> Result<Self, ArrowError> {
        let dict = crate::schema::enum_values(type_name)
            .ok_or_else(|| ArrowError::InvalidArgumentError(format!("no ENUM {type_name}")))?;
        Ok(EnumCodes {
            type_name,
            dict,
            slots: [(std::ptr::null(), 0, 0); Self::SLOTS],
        })
    }

    fn slot(v: &str) -> usize {
        ((v.as_ptr() as usize >> 3) ^ v.len()) % Self::SLOTS
    }

    #[inline]
    fn code(&mut self, v: &str) -> Result<u8, ArrowError> {
        let (p, n, k) = self.slots[Self::slot(v)];
        if p == v.as_ptr() && n == v.len() {
            return Ok(k);
        }
        self.code_by_text(v)
    }

    #[cold]
    #[inline(never)]
    fn code_by_text(&mut self, v: &str) -> Result<u8, ArrowError> {
        let k = self.dict.iter().position(|d| *d == v).ok_or_else(|| {
            ArrowError::InvalidArgumentError(format!("{v:?} is not a value of {}", self.type_name))
        })? as u8;
        self.slots[Self::slot(v)] = (v.as_ptr(), v.len(), k);
        Ok(k)
    }

    /// The dictionary array of `keys` over the type's values.
    fn array(&self, keys: UInt8Array) -> Result<ArrayRef, ArrowError> {
        let values = Arc::new(StringArray::from_iter_values(self.dict.iter().copied()));
        Ok(Arc::new(DictionaryArray::<UInt8Type>::try_new(
            keys, values,
        )?))
    }
}

/// A column of one of the schema's ENUM types as an Arrow dictionary array whose
/// dictionary is the ENUM's value list in DuckDB's order, so its keys are DuckDB's ENUM codes
/// (the store copies them as they are; Parquet keeps them as dictionary-encoded strings).
pub(crate) fn enum_col<'a>(
    type_name: &str,
    values: impl Iterator<Item = Option<&'a str>>,
) -> Result<ArrayRef, ArrowError> {
    let mut codes = EnumCodes::new(type_name)?;
    let keys = values
        .map(|v| v.map(|v| codes.code(v)).transpose())
        .collect::<Result<UInt8Array, ArrowError>>()?;
    codes.array(keys)
}

/// [`enum_col`] of a column without nulls (its keys carry no validity buffer).
pub(crate) fn enum_values_col<'a>(
    type_name: &str,
    values: impl Iterator<Item = &'a str>,
) -> Result<ArrayRef, ArrowError> {
    let mut codes = EnumCodes::new(type_name)?;
    let keys = values
        .map(|v| codes.code(v))
        .collect::<Result<Vec<u8>, ArrowError>>()?;
    codes.array(UInt8Array::from(keys))
}

/// [`enum_values_col`] of rows `0..n` whose values are a Rust enum's (or a flag's), `get`:
/// each variant's code is found once by its name, then looked up by the variant's index
/// (`index`, its discriminant), one array read per row instead of a search.
pub(crate) fn variant_col<T: Copy>(
    type_name: &str,
    n: usize,
    get: impl Fn(usize) -> T,
    index: impl Fn(T) -> usize,
    name: impl Fn(T) -> &'static str,
) -> Result<ArrayRef, ArrowError> {
    let mut codes = EnumCodes::new(type_name)?;
    let mut memo = [None::<u8>; 64];
    let keys = (0..n)
        .map(|i| {
            let v = get(i);
            let d = index(v);
            if let Some(k) = memo.get(d).copied().flatten() {
                return Ok(k);
            }
            let k = codes.code(name(v))?;
            if let Some(m) = memo.get_mut(d) {
                *m = Some(k);
            }
            Ok(k)
        })
        .collect::<Result<Vec<u8>, ArrowError>>()?;
    codes.array(UInt8Array::from(keys))
}

/// Snapshot column builders over rows `0..n`, one value per row from `f` (generic, so the
/// per-row call inlines; columns without nulls carry no validity buffer).
/// (Not through [`money`] and [`rate`]: their null scan costs the snapshot +12% instructions.)
pub(crate) fn cash_col(n: usize, f: impl Fn(usize) -> f64) -> Result<ArrayRef, ArrowError> {
    decimal(
        Decimal128Array::from_iter_values((0..n).map(|i| cents(f(i)))),
        15,
        2,
    )
}

pub(crate) fn ratio_col(n: usize, f: impl Fn(usize) -> f64) -> Result<ArrayRef, ArrowError> {
    decimal(
        Decimal128Array::from_iter_values((0..n).map(|i| micros(f(i)))),
        7,
        6,
    )
}

pub(crate) fn flag_col(n: usize, f: impl Fn(usize) -> bool) -> ArrayRef {
    Arc::new(BooleanArray::new(BooleanBuffer::collect_bool(n, f), None))
}

pub(crate) fn day_col(n: usize, f: impl Fn(usize) -> Option<Day>) -> ArrayRef {
    Arc::new(Date32Array::from_iter((0..n).map(f)))
}

pub(crate) fn small_col(n: usize, f: impl Fn(usize) -> i32) -> ArrayRef {
    Arc::new(Int16Array::from_iter_values((0..n).map(|i| f(i) as i16)))
}

pub(crate) fn float_col(n: usize, f: impl Fn(usize) -> f64) -> ArrayRef {
    Arc::new(Float64Array::from_iter_values((0..n).map(f)))
}

/// A two-valued ENUM column from a flag: `if_true` where `get` holds, else `if_false`.
pub(crate) fn flag_text_col(
    type_name: &str,
    n: usize,
    get: impl Fn(usize) -> bool,
    if_true: &'static str,
    if_false: &'static str,
) -> Result<ArrayRef, ArrowError> {
    variant_col(type_name, n, get, usize::from, |b| {
        if b {
            if_true
        } else {
            if_false
        }
    })
}

pub(crate) fn text_col(
    type_name: &str,
    n: usize,
    f: impl Fn(usize) -> &'static str,
) -> Result<ArrayRef, ArrowError> {
    enum_values_col(type_name, (0..n).map(f))
}

pub(crate) fn strings<'a>(values: impl Iterator<Item = &'a str>) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(values))
}
