//! Census files in Parquet, read and written through DuckDB (the core crate links no
//! Parquet reader): [`DuckdbParquet`] implements the core's [`ParquetCensus`], so a Parquet
//! census goes through the same parsing and row rules as a CSV one.
//!
//! These are one-off file conversions in a private in-memory DuckDB, not statements of a
//! run's store, so they do not go through the store's executor or its counts.

use duckdb::arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, Float64Array, StringArray,
};
use duckdb::arrow::record_batch::RecordBatch;
use std::path::Path;
use std::sync::Arc;
use workforce_sim_core::census::import::{ParquetCensus, RawRows};
use workforce_sim_core::census::{CensusRecord, COLUMNS};
use workforce_sim_core::decimal::to_cents;
use workforce_sim_core::error::CensusError;

/// Parquet census files through DuckDB's `read_parquet` and `COPY ... (FORMAT PARQUET)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct DuckdbParquet;

impl ParquetCensus for DuckdbParquet {
    fn read_raw(&self, path: &Path) -> Result<(Vec<String>, RawRows), CensusError> {
        read_raw(path)
    }

    fn write(&self, path: &Path, records: &[CensusRecord]) -> Result<(), String> {
        write_inner(path, records).map_err(|e| e.to_string())
    }
}

fn read_raw(path: &Path) -> Result<(Vec<String>, RawRows), CensusError> {
    let io = |e: duckdb::Error| CensusError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    if !path.exists() {
        return Err(CensusError::Io {
            path: path.to_path_buf(),
            message: "no such file".into(),
        });
    }
    let conn = duckdb::Connection::open_in_memory().map_err(io)?;
    let source = format!(
        "read_parquet({}, hive_partitioning = false)",
        crate::schema::quote(&crate::schema::literal_path(path))
    );
    let mut names = Vec::new();
    {
        let mut stmt = conn
            .prepare(&format!("DESCRIBE SELECT * FROM {source}"))
            .map_err(io)?;
        let mut rows = stmt.query([]).map_err(io)?;
        while let Some(row) = rows.next().map_err(io)? {
            names.push(row.get::<_, String>(0).map_err(io)?);
        }
    }
    let select = names
        .iter()
        .map(|n| format!("CAST(\"{}\" AS VARCHAR)", n.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(", ");
    let mut stmt = conn
        .prepare(&format!("SELECT {select} FROM {source}"))
        .map_err(io)?;
    let mut rows = stmt.query([]).map_err(io)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(io)? {
        let mut values = Vec::with_capacity(names.len());
        for i in 0..names.len() {
            values.push(row.get::<_, Option<String>>(i).map_err(io)?);
        }
        out.push(values);
    }
    Ok((names, out))
}

fn write_inner(path: &Path, records: &[CensusRecord]) -> Result<(), Box<dyn std::error::Error>> {
    let conn = duckdb::Connection::open_in_memory()?;
    conn.execute_batch(
        "CREATE TABLE census (employee_id VARCHAR, employee_ssn VARCHAR, employee_birth_date DATE, employee_hire_date DATE,
         employee_termination_date DATE, employee_gross_compensation DECIMAL(12,2), active BOOLEAN,
         employee_deferral_rate DOUBLE, scheduled_hours_per_week DOUBLE, auto_escalation_opt_out BOOLEAN,
         eligibility_override BOOLEAN)",
    )?;
    for chunk in records.chunks(100_000) {
        let cols: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from_iter_values(
                chunk.iter().map(|r| r.employee_id.as_str()),
            )),
            Arc::new(StringArray::from_iter_values(
                chunk.iter().map(|r| r.employee_ssn.as_str()),
            )),
            Arc::new(Date32Array::from_iter_values(
                chunk.iter().map(|r| r.employee_birth_date),
            )),
            Arc::new(Date32Array::from_iter_values(
                chunk.iter().map(|r| r.employee_hire_date),
            )),
            Arc::new(Date32Array::from_iter(
                chunk.iter().map(|r| r.employee_termination_date),
            )),
            Arc::new(
                Decimal128Array::from_iter_values(
                    chunk
                        .iter()
                        .map(|r| to_cents(r.employee_gross_compensation) as i128),
                )
                .with_precision_and_scale(12, 2)
                .expect("valid decimal type"),
            ),
            Arc::new(BooleanArray::from_iter(chunk.iter().map(|r| r.active))),
            Arc::new(Float64Array::from_iter(
                chunk.iter().map(|r| r.employee_deferral_rate),
            )),
            Arc::new(Float64Array::from_iter(
                chunk.iter().map(|r| r.scheduled_hours_per_week),
            )),
            Arc::new(BooleanArray::from_iter(
                chunk.iter().map(|r| r.auto_escalation_opt_out),
            )),
            Arc::new(BooleanArray::from_iter(
                chunk.iter().map(|r| r.eligibility_override),
            )),
        ];
        let batch = RecordBatch::try_from_iter(COLUMNS.iter().zip(cols).map(|(n, c)| (*n, c)))?;
        let mut app = conn.appender("census")?;
        app.append_record_batch(batch)?;
        app.flush()?;
    }
    conn.execute_batch(&format!(
        "COPY census TO '{}' (FORMAT PARQUET)",
        path.display().to_string().replace('\'', "''")
    ))?;
    Ok(())
}
