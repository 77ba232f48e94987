//! A query's result as typed cells, read through Arrow: money (a `DECIMAL(_, 2)` column, kept
//! in whole cents so every figure is exact to the cent), rates (a `DECIMAL(_, 6)` column, or a
//! `DOUBLE` whose name says rate, share, probability, average or margin), counts (integers),
//! other numbers, dates, text (enums included) and booleans. The exports format each kind
//! (currency, percent, thousands, date) and write numbers as numbers.

use crate::ReportError;
use duckdb::arrow::array::{Array, ArrayRef, AsArray};
use duckdb::arrow::compute::cast;
use duckdb::arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type,
    Int64Type, Int8Type, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use duckdb::arrow::record_batch::RecordBatch;

/// What a column holds, for formatting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Dollars (exact cents).
    Money,
    /// A fraction shown in percent.
    Rate,
    /// A whole number.
    Count,
    /// A year or an identifier number: no thousands separator.
    Year,
    Number,
    Date,
    Text,
    Bool,
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    /// Money in cents.
    Cents(i128),
    Int(i64),
    Num(f64),
    /// Days since 1970-01-01.
    Date(i32),
    Text(String),
    Bool(bool),
}

impl Cell {
    /// The cell as a number (money in dollars), if it is one.
    pub fn number(&self) -> Option<f64> {
        match *self {
            Cell::Cents(c) => Some(c as f64 / 100.0),
            Cell::Int(i) => Some(i as f64),
            Cell::Num(x) => Some(x),
            _ => None,
        }
    }
}

/// A column: its name, its label for people and its kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub label: String,
    pub kind: Kind,
}

/// A small result held in memory (summary tables; the full snapshot and events are streamed
/// by [`stream`] instead).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// The index of column `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// Column `name` of every row as numbers (NaN where empty).
    pub fn numbers(&self, name: &str) -> Vec<f64> {
        match self.column(name) {
            Some(i) => self
                .rows
                .iter()
                .map(|r| r[i].number().unwrap_or(f64::NAN))
                .collect(),
            None => Vec::new(),
        }
    }
}

fn rate_name(name: &str) -> bool {
    [
        "rate",
        "share",
        "probability",
        "average",
        "margin",
        "percentage",
        "first_order",
        "total_effect",
        "_limit",
    ]
    .iter()
    .any(|w| name.contains(w))
        && !name.contains("irs_limit")
        && !name.contains("applicable_limit")
}

fn year_name(name: &str) -> bool {
    name.contains("year") || name.ends_with("cohort") || name == "design" || name == "seed"
}

/// The kind of a column from its Arrow type and its name.
pub fn kind_of(name: &str, t: &DataType) -> Kind {
    match t {
        DataType::Decimal128(_, 2) => Kind::Money,
        DataType::Decimal128(_, s) if *s >= 4 => Kind::Rate,
        DataType::Decimal128(_, _) => Kind::Number,
        DataType::Float32 | DataType::Float64 if rate_name(name) => Kind::Rate,
        DataType::Float32 | DataType::Float64 => Kind::Number,
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
            if year_name(name) =>
        {
            Kind::Year
        }
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => Kind::Count,
        DataType::Date32 | DataType::Date64 => Kind::Date,
        DataType::Boolean => Kind::Bool,
        _ => Kind::Text,
    }
}

fn fail(what: &str) -> impl Fn(duckdb::Error) -> ReportError + '_ {
    move |e| ReportError::Query {
        what: what.to_string(),
        message: e.to_string(),
    }
}

/// Reads the cells of row `i` of `array` (of kind `kind`).
pub fn cell(array: &ArrayRef, i: usize) -> Cell {
    if array.is_null(i) {
        return Cell::Null;
    }
    match array.data_type() {
        DataType::Decimal128(_, scale) => {
            let v = array.as_primitive::<Decimal128Type>().value(i);
            match *scale {
                2 => Cell::Cents(v),
                s => Cell::Num(v as f64 / 10f64.powi(s as i32)),
            }
        }
        DataType::Float64 => Cell::Num(array.as_primitive::<Float64Type>().value(i)),
        DataType::Float32 => Cell::Num(array.as_primitive::<Float32Type>().value(i) as f64),
        DataType::Int8 => Cell::Int(array.as_primitive::<Int8Type>().value(i) as i64),
        DataType::Int16 => Cell::Int(array.as_primitive::<Int16Type>().value(i) as i64),
        DataType::Int32 => Cell::Int(array.as_primitive::<Int32Type>().value(i) as i64),
        DataType::Int64 => Cell::Int(array.as_primitive::<Int64Type>().value(i)),
        DataType::UInt8 => Cell::Int(array.as_primitive::<UInt8Type>().value(i) as i64),
        DataType::UInt16 => Cell::Int(array.as_primitive::<UInt16Type>().value(i) as i64),
        DataType::UInt32 => Cell::Int(array.as_primitive::<UInt32Type>().value(i) as i64),
        DataType::UInt64 => {
            let v = array.as_primitive::<UInt64Type>().value(i);
            i64::try_from(v).map_or(Cell::Num(v as f64), Cell::Int)
        }
        DataType::Date32 => Cell::Date(array.as_primitive::<Date32Type>().value(i)),
        DataType::Boolean => Cell::Bool(array.as_boolean().value(i)),
        DataType::Utf8 => Cell::Text(array.as_string::<i32>().value(i).to_string()),
        _ => Cell::Text(
            duckdb::arrow::util::display::array_value_to_string(array, i).unwrap_or_default(),
        ),
    }
}

/// A batch with its dictionary (enum) and large-string columns as plain strings.
fn plain(batch: &RecordBatch) -> Vec<ArrayRef> {
    batch
        .columns()
        .iter()
        .map(|c| match c.data_type() {
            DataType::Dictionary(_, _) | DataType::LargeUtf8 | DataType::Utf8View => {
                cast(c, &DataType::Utf8).unwrap_or_else(|_| c.clone())
            }
            _ => c.clone(),
        })
        .collect()
}

/// The columns of a query's schema.
fn columns(batch: &RecordBatch) -> Vec<Column> {
    batch
        .schema()
        .fields()
        .iter()
        .map(|f| Column {
            name: f.name().clone(),
            label: crate::figures::label(f.name()),
            kind: kind_of(f.name(), f.data_type()),
        })
        .collect()
}

/// Runs `sql` and keeps every row.
pub fn query(conn: &duckdb::Connection, what: &str, sql: &str) -> Result<Table, ReportError> {
    let mut table = Table::default();
    stream(conn, what, sql, &mut |cols, batch| {
        if table.columns.is_empty() {
            table.columns = cols.to_vec();
        }
        for i in 0..batch.first().map_or(0, |c| c.len()) {
            table.rows.push(batch.iter().map(|c| cell(c, i)).collect());
        }
        Ok(())
    })?;
    Ok(table)
}

/// What [`stream`] hands each batch to.
pub type Each<'a> = dyn FnMut(&[Column], &[ArrayRef]) -> Result<(), ReportError> + 'a;

/// Runs `sql`, handing each Arrow batch (with its columns described) to `each`, in order.
pub fn stream(
    conn: &duckdb::Connection,
    what: &str,
    sql: &str,
    each: &mut Each<'_>,
) -> Result<Vec<Column>, ReportError> {
    let mut stmt = conn.prepare(sql).map_err(fail(what))?;
    let mut described = Vec::new();
    for batch in stmt.query_arrow([]).map_err(fail(what))? {
        if described.is_empty() {
            described = columns(&batch);
        }
        each(&described, &plain(&batch))?;
    }
    if described.is_empty() {
        // No rows: the columns from the statement itself.
        described = stmt
            .column_names()
            .into_iter()
            .map(|n| Column {
                label: crate::figures::label(&n),
                kind: Kind::Text,
                name: n,
            })
            .collect();
    }
    Ok(described)
}
