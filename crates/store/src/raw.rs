//! DuckDB's C API where duckdb-rs stops: a connection of our own on which record batches
//! reach tables through DuckDB's own Arrow conversion (`duckdb_data_chunk_from_arrow`, whole
//! Arrow buffers at a time) instead of duckdb-rs copying every string, decimal and boolean
//! value by value.
//!
//! The unsafe code is here and nowhere else. [`RawDb`] owns a database, one raw connection
//! (every write of the store, so one transaction covers a whole year) and a duckdb-rs
//! [`duckdb::Connection`] on the same database for typed reads.

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
    /// Runs `query` (an `INSERT ... SELECT ... FROM {name}`) over the rows of `batch` as the
    /// table `name`, through a query appender: DuckDB converts the Arrow buffers to data
    /// chunks itself (one per 2,048 rows, zero-copy slices of the batch) and runs the
    /// query when the appender flushes, in the connection's open transaction. The query
    /// casts text to the table's ENUMs.
    pub(crate) fn append_arrow(
        &self,
        name: &str,
        batch: &RecordBatch,
        query: &str,
    ) -> Result<(), RawError> {
        let fields = batch.schema().fields().len();
        let names: Vec<CString> = batch
            .schema()
            .fields()
            .iter()
            .map(|f| cstring(f.name()))
            .collect::<Result<_, _>>()?;
        let name_ptrs: Vec<*const std::os::raw::c_char> =
            names.iter().map(|n| n.as_ptr()).collect();
        let c_query = cstring(query)?;
        let c_name = cstring(name)?;
        let mut appender = Appender(ptr::null_mut());
        let mut converted = Converted(ptr::null_mut());
        let step = 2048;
        let mut offset = 0;
        while offset < batch.num_rows() {
            let len = step.min(batch.num_rows() - offset);
            let slice = StructArray::from(batch.slice(offset, len));
            let (array, schema) = to_ffi(&slice.to_data()).map_err(|e| RawError(e.to_string()))?;
            let mut array = array;
            let mut schema: FFI_ArrowSchema = schema;
            // SAFETY: the FFI structs are valid exports of `slice`; DuckDB takes the array's
            // data into the chunk (and releases it with the chunk); every handle created
            // here is destroyed by its guard.
            unsafe {
                if converted.0.is_null() {
                    error_data(ffi::duckdb_schema_from_arrow(
                        self.con,
                        (&mut schema as *mut FFI_ArrowSchema).cast(),
                        &mut converted.0,
                    ))?;
                }
                let mut chunk = Chunk(ptr::null_mut());
                error_data(ffi::duckdb_data_chunk_from_arrow(
                    self.con,
                    (&mut array as *mut FFI_ArrowArray).cast(),
                    converted.0,
                    &mut chunk.0,
                ))?;
                if appender.0.is_null() {
                    let mut types: Vec<ffi::duckdb_logical_type> = (0..fields)
                        .map(|i| {
                            ffi::duckdb_vector_get_column_type(ffi::duckdb_data_chunk_get_vector(
                                chunk.0, i as u64,
                            ))
                        })
                        .collect();
                    let rc = ffi::duckdb_appender_create_query(
                        self.con,
                        c_query.as_ptr(),
                        fields as u64,
                        types.as_mut_ptr(),
                        c_name.as_ptr(),
                        name_ptrs.as_ptr() as *mut _,
                        &mut appender.0,
                    );
                    for t in &mut types {
                        ffi::duckdb_destroy_logical_type(t);
                    }
                    if rc != ffi::duckdb_state_DuckDBSuccess {
                        return Err(appender.error("cannot create the appender"));
                    }
                }
                if ffi::duckdb_append_data_chunk(appender.0, chunk.0)
                    != ffi::duckdb_state_DuckDBSuccess
                {
                    return Err(appender.error("append failed"));
                }
            }
            offset += len;
        }
        if !appender.0.is_null() {
            // SAFETY: a valid appender; closing flushes it, which runs the query.
            if unsafe { ffi::duckdb_appender_close(appender.0) } != ffi::duckdb_state_DuckDBSuccess
            {
                return Err(appender.error("insert failed"));
            }
        }
        Ok(())
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
