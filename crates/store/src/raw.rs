//! DuckDB's C API where duckdb-rs stops: a connection of our own on which record batches
//! reach tables through DuckDB's own Arrow conversion (`duckdb_data_chunk_from_arrow`, whole
//! Arrow buffers at a time) instead of duckdb-rs copying every string, decimal and boolean
//! value by value.
//!
//! The unsafe code is here and nowhere else. [`RawDb`] owns a database, one raw connection
//! (every write of the store, so one transaction covers a whole year) and a duckdb-rs
//! [`duckdb::Connection`] on the same database for typed reads.

#![allow(unsafe_code)]

use duckdb::arrow::array::{Array, StructArray};
use duckdb::arrow::ffi::{to_ffi, FFI_ArrowArray, FFI_ArrowSchema};
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::ffi;
use std::ffi::{CStr, CString};
use std::mem::ManuallyDrop;
use std::path::Path;
use std::ptr;

/// A failure of the C API, with DuckDB's message.
#[derive(Debug)]
pub(crate) struct RawError(pub(crate) String);

impl std::fmt::Display for RawError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RawError {}

fn cstring(s: &str) -> Result<CString, RawError> {
    CString::new(s).map_err(|_| RawError(format!("a NUL byte in {s:?}")))
}

/// A database opened through the C API: a raw connection for writes, a duckdb-rs one for
/// reads. Both are closed, then the database, when it drops.
pub(crate) struct RawDb {
    reads: ManuallyDrop<duckdb::Connection>,
    con: ffi::duckdb_connection,
    db: ffi::duckdb_database,
}

// The handles are used from one thread at a time (the store is moved, never shared).
unsafe impl Send for RawDb {}

impl RawDb {
    /// Opens (or creates) a database file; `None` is an in-memory database.
    pub(crate) fn open(path: Option<&Path>) -> Result<RawDb, RawError> {
        let c_path = match path {
            Some(p) => Some(cstring(&p.to_string_lossy())?),
            None => None,
        };
        let mut db: ffi::duckdb_database = ptr::null_mut();
        let mut err: *mut std::os::raw::c_char = ptr::null_mut();
        // SAFETY: valid out pointers; a NULL path is DuckDB's in-memory database, a NULL
        // config its defaults.
        let rc = unsafe {
            ffi::duckdb_open_ext(
                c_path.as_ref().map_or(ptr::null(), |p| p.as_ptr()),
                &mut db,
                ptr::null_mut(),
                &mut err,
            )
        };
        if rc != ffi::duckdb_state_DuckDBSuccess {
            let message = if err.is_null() {
                "cannot open the database".to_string()
            } else {
                // SAFETY: DuckDB hands back a NUL-terminated message we must free.
                let m = unsafe { CStr::from_ptr(err) }
                    .to_string_lossy()
                    .into_owned();
                unsafe { ffi::duckdb_free(err.cast()) };
                m
            };
            return Err(RawError(message));
        }
        let mut con: ffi::duckdb_connection = ptr::null_mut();
        // SAFETY: `db` is open.
        if unsafe { ffi::duckdb_connect(db, &mut con) } != ffi::duckdb_state_DuckDBSuccess {
            unsafe { ffi::duckdb_close(&mut db) };
            return Err(RawError("cannot connect to the database".into()));
        }
        // SAFETY: `db` is a valid open database that outlives this connection (dropped
        // first in `Drop`); duckdb-rs does not close a database it did not open.
        let reads = match unsafe { duckdb::Connection::open_from_raw(db) } {
            Ok(c) => c,
            Err(e) => {
                unsafe {
                    ffi::duckdb_disconnect(&mut con);
                    ffi::duckdb_close(&mut db);
                }
                return Err(RawError(e.to_string()));
            }
        };
        Ok(RawDb {
            reads: ManuallyDrop::new(reads),
            con,
            db,
        })
    }

    /// The connection for typed reads (never inside a write transaction of [`RawDb::query`]).
    pub(crate) fn reads(&self) -> &duckdb::Connection {
        &self.reads
    }

    /// Runs one statement on the write connection.
    pub(crate) fn query(&self, sql: &str) -> Result<(), RawError> {
        let sql = cstring(sql)?;
        // SAFETY: a zeroed result is DuckDB's documented initial state; destroyed below.
        unsafe {
            let mut result: ffi::duckdb_result = std::mem::zeroed();
            let rc = ffi::duckdb_query(self.con, sql.as_ptr(), &mut result);
            let outcome = if rc == ffi::duckdb_state_DuckDBSuccess {
                Ok(())
            } else {
                let e = ffi::duckdb_result_error(&mut result);
                Err(RawError(if e.is_null() {
                    "statement failed".into()
                } else {
                    CStr::from_ptr(e).to_string_lossy().into_owned()
                }))
            };
            ffi::duckdb_destroy_result(&mut result);
            outcome
        }
    }
}

impl RawDb {
    /// Appends the rows of `batch` to `table` through a table appender, in the connection's
    /// open transaction. The batch's columns are the table's, in its order: DuckDB converts
    /// the Arrow buffers of the plain columns itself (`duckdb_data_chunk_from_arrow`, one
    /// chunk per 2,048 rows, zero-copy slices of the batch), and the ENUM columns arrive as
    /// dictionary arrays whose keys are copied as the ENUM's codes. No query runs and no value
    /// is cast; a column whose type is not the table's is an error, never a reinterpretation.
    pub(crate) fn append_table(&self, table: &str, batch: &RecordBatch) -> Result<(), RawError> {
        let c_table = cstring(table)?;
        let mut appender = Appender(ptr::null_mut());
        // SAFETY: valid connection and out pointer; the guard destroys the appender.
        if unsafe {
            ffi::duckdb_appender_create(self.con, ptr::null(), c_table.as_ptr(), &mut appender.0)
        } != ffi::duckdb_state_DuckDBSuccess
        {
            return Err(appender.error(&format!("cannot append to {table}")));
        }
        let columns = batch.num_columns();
        // SAFETY: a valid appender.
        let count = unsafe { ffi::duckdb_appender_column_count(appender.0) } as usize;
        if count != columns {
            return Err(RawError(format!(
                "{table} has {count} columns, the batch {columns}"
            )));
        }
        let mut types = Types(
            (0..columns)
                // SAFETY: a valid appender and column index; destroyed by the guard.
                .map(|i| unsafe { ffi::duckdb_appender_column_type(appender.0, i as u64) })
                .collect(),
        );
        // Which columns are ENUMs (their codes are copied), which are converted by DuckDB.
        let mut plain = Vec::new();
        let mut enums = Vec::new();
        for (i, &t) in types.0.iter().enumerate() {
            // SAFETY: a valid logical type.
            if unsafe { ffi::duckdb_get_type_id(t) } == ffi::DUCKDB_TYPE_DUCKDB_TYPE_ENUM {
                let keys = enum_keys(table, batch, i, t)?;
                enums.push((i, keys));
            } else {
                plain.push(i);
            }
        }
        let rest = batch.project(&plain).map_err(|e| RawError(e.to_string()))?;
        let mut converted = Converted(ptr::null_mut());
        let step = 2048;
        let mut offset = 0;
        while offset < batch.num_rows() {
            let len = step.min(batch.num_rows() - offset);
            let slice = StructArray::from(rest.slice(offset, len));
            let (mut array, mut schema) =
                to_ffi(&slice.to_data()).map_err(|e| RawError(e.to_string()))?;
            // SAFETY: the FFI structs are valid exports of `slice`; DuckDB takes the array's
            // data into the chunk; every handle is destroyed by its guard; the ENUM columns'
            // vectors get exactly `len` codes of their own physical type (UTINYINT: every
            // ENUM of the schema has fewer than 256 values).
            unsafe {
                if converted.0.is_null() {
                    error_data(ffi::duckdb_schema_from_arrow(
                        self.con,
                        (&mut schema as *mut FFI_ArrowSchema).cast(),
                        &mut converted.0,
                    ))?;
                }
                let mut source = Chunk(ptr::null_mut());
                error_data(ffi::duckdb_data_chunk_from_arrow(
                    self.con,
                    (&mut array as *mut FFI_ArrowArray).cast(),
                    converted.0,
                    &mut source.0,
                ))?;
                let out = Chunk(ffi::duckdb_create_data_chunk(
                    types.0.as_mut_ptr(),
                    columns as u64,
                ));
                for (j, &i) in plain.iter().enumerate() {
                    let from = ffi::duckdb_data_chunk_get_vector(source.0, j as u64);
                    let from_type = Types(vec![ffi::duckdb_vector_get_column_type(from)]);
                    same_type(table, batch, i, from_type.0[0], types.0[i])?;
                    ffi::duckdb_vector_reference_vector(
                        ffi::duckdb_data_chunk_get_vector(out.0, i as u64),
                        from,
                    );
                }
                for (i, keys) in &enums {
                    let vector = ffi::duckdb_data_chunk_get_vector(out.0, *i as u64);
                    let data = ffi::duckdb_vector_get_data(vector) as *mut u8;
                    let part = keys.slice(offset, len);
                    ptr::copy_nonoverlapping(part.values().as_ptr(), data, len);
                    if part.null_count() > 0 {
                        ffi::duckdb_vector_ensure_validity_writable(vector);
                        let validity = ffi::duckdb_vector_get_validity(vector);
                        for r in 0..len {
                            if part.is_null(r) {
                                ffi::duckdb_validity_set_row_invalid(validity, r as u64);
                            }
                        }
                    }
                }
                ffi::duckdb_data_chunk_set_size(out.0, len as u64);
                if ffi::duckdb_append_data_chunk(appender.0, out.0)
                    != ffi::duckdb_state_DuckDBSuccess
                {
                    return Err(appender.error(&format!("append to {table} failed")));
                }
            }
            offset += len;
        }
        // SAFETY: a valid appender; closing flushes its rows into the table.
        if unsafe { ffi::duckdb_appender_close(appender.0) } != ffi::duckdb_state_DuckDBSuccess {
            return Err(appender.error(&format!("append to {table} failed")));
        }
        Ok(())
    }
}

/// The keys of the ENUM column `i` of `batch`: a dictionary array whose dictionary is the
/// table ENUM's value list, value for value (so a key is the ENUM code).
fn enum_keys(
    table: &str,
    batch: &RecordBatch,
    i: usize,
    enum_type: ffi::duckdb_logical_type,
) -> Result<duckdb::arrow::array::UInt8Array, RawError> {
    use duckdb::arrow::array::DictionaryArray;
    use duckdb::arrow::datatypes::UInt8Type;
    let name = batch.schema().field(i).name().clone();
    let wrong = |why: &str| RawError(format!("{table}.{name}: {why}"));
    let column = batch
        .column(i)
        .as_any()
        .downcast_ref::<DictionaryArray<UInt8Type>>()
        .ok_or_else(|| wrong("an ENUM column must be a dictionary array of UInt8 keys"))?;
    let values = column
        .values()
        .as_any()
        .downcast_ref::<duckdb::arrow::array::StringArray>()
        .ok_or_else(|| wrong("the dictionary must be strings"))?;
    // SAFETY: a valid ENUM type; each value string is DuckDB's to free with duckdb_free.
    let size = unsafe { ffi::duckdb_enum_dictionary_size(enum_type) } as usize;
    if size != values.len() {
        return Err(wrong("the dictionary is not the ENUM's value list"));
    }
    for k in 0..size {
        let v = unsafe { ffi::duckdb_enum_dictionary_value(enum_type, k as u64) };
        let same =
            !v.is_null() && unsafe { CStr::from_ptr(v) }.to_bytes() == values.value(k).as_bytes();
        unsafe { ffi::duckdb_free(v.cast()) };
        if !same {
            return Err(wrong("the dictionary is not the ENUM's value list"));
        }
    }
    Ok(column.keys().clone())
}

/// Fails unless DuckDB's conversion of column `i` has the table column's exact type.
unsafe fn same_type(
    table: &str,
    batch: &RecordBatch,
    i: usize,
    got: ffi::duckdb_logical_type,
    want: ffi::duckdb_logical_type,
) -> Result<(), RawError> {
    // SAFETY: valid logical types.
    let (g, w) = unsafe { (ffi::duckdb_get_type_id(got), ffi::duckdb_get_type_id(want)) };
    let decimal = |t| unsafe { (ffi::duckdb_decimal_width(t), ffi::duckdb_decimal_scale(t)) };
    if g == w && (g != ffi::DUCKDB_TYPE_DUCKDB_TYPE_DECIMAL || decimal(got) == decimal(want)) {
        return Ok(());
    }
    Err(RawError(format!(
        "{table}.{}: the batch's type (DuckDB type {g}) is not the table's ({w})",
        batch.schema().field(i).name()
    )))
}

/// Logical types, destroyed with the guard.
struct Types(Vec<ffi::duckdb_logical_type>);

impl Drop for Types {
    fn drop(&mut self) {
        for t in &mut self.0 {
            // SAFETY: each type destroyed once.
            unsafe { ffi::duckdb_destroy_logical_type(t) };
        }
    }
}

/// An error of the C API's `duckdb_error_data` kind, destroyed once read.
unsafe fn error_data(mut e: ffi::duckdb_error_data) -> Result<(), RawError> {
    if e.is_null() {
        return Ok(());
    }
    // SAFETY: a valid error data handle, destroyed here.
    unsafe {
        let result = if ffi::duckdb_error_data_has_error(e) {
            let m = ffi::duckdb_error_data_message(e);
            Err(RawError(if m.is_null() {
                "Arrow conversion failed".into()
            } else {
                CStr::from_ptr(m).to_string_lossy().into_owned()
            }))
        } else {
            Ok(())
        };
        ffi::duckdb_destroy_error_data(&mut e);
        result
    }
}

struct Appender(ffi::duckdb_appender);

impl Appender {
    fn error(&self, what: &str) -> RawError {
        if self.0.is_null() {
            return RawError(what.to_string());
        }
        // SAFETY: a valid appender; its error message lives as long as it does.
        let m = unsafe { ffi::duckdb_appender_error(self.0) };
        if m.is_null() {
            RawError(what.to_string())
        } else {
            RawError(format!(
                "{what}: {}",
                unsafe { CStr::from_ptr(m) }.to_string_lossy()
            ))
        }
    }
}

impl Drop for Appender {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: destroyed once.
            unsafe { ffi::duckdb_appender_destroy(&mut self.0) };
        }
    }
}

struct Converted(ffi::duckdb_arrow_converted_schema);

impl Drop for Converted {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: destroyed once.
            unsafe { ffi::duckdb_destroy_arrow_converted_schema(&mut self.0) };
        }
    }
}

struct Chunk(ffi::duckdb_data_chunk);

impl Drop for Chunk {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: destroyed once, after the appender copied it.
            unsafe { ffi::duckdb_destroy_data_chunk(&mut self.0) };
        }
    }
}

impl Drop for RawDb {
    fn drop(&mut self) {
        // SAFETY: each handle is dropped once, the connections before their database.
        unsafe {
            ManuallyDrop::drop(&mut self.reads);
            ffi::duckdb_disconnect(&mut self.con);
            ffi::duckdb_close(&mut self.db);
        }
    }
}
