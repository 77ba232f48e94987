//! The one executor of the store: every SQL statement and every bulk insert of this crate
//! runs through it, and it counts what it runs (one per statement it hands to DuckDB, one
//! append per record batch it hands to DuckDB's Arrow scan). The connections never leave
//! it, so a statement cannot bypass the count; the statement tests compare the count with
//! DuckDB's own query log.

use crate::raw::{RawDb, RawError};
use crate::StoreError;
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::{Connection, Params, Row};
use std::cell::Cell;
use std::path::{Path, PathBuf};
use workforce_sim_core::report::StatementCounts;

/// A writable database (C API writes, duckdb-rs reads) or a read-only duckdb-rs one.
enum Conn {
    Raw(RawDb),
    ReadOnly(Connection),
}

/// A DuckDB database that counts every statement and insert it runs.
pub(crate) struct Executor {
    conn: Conn,
    path: PathBuf,
    sql: Cell<u64>,
    appends: Cell<u64>,
    /// Per table: appends, rows, Arrow bytes, appender seconds.
    tables: std::cell::RefCell<Vec<workforce_sim_core::report::TableWrite>>,
}

/// DuckDB worker threads for every database the store opens from now on (0: DuckDB's
/// default, one per core).
static DATABASE_THREADS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Sets the DuckDB worker threads of every database the store opens from now on (0, the
/// default: one per core). The instruction-count benches use 1, so that DuckDB's own work
/// is counted the same way every time; a run uses the default.
pub fn set_database_threads(threads: usize) {
    DATABASE_THREADS.store(threads, std::sync::atomic::Ordering::Relaxed);
}

fn threads_setting() -> Option<String> {
    match DATABASE_THREADS.load(std::sync::atomic::Ordering::Relaxed) {
        0 => None,
        n => Some(format!("SET threads = {n}")),
    }
}

impl Executor {
    pub(crate) fn open(path: &Path) -> Result<Executor, StoreError> {
        usable_path(path)?;
        let raw = RawDb::open(Some(path)).map_err(|e| StoreError::Sql {
            path: path.to_path_buf(),
            context: "open".into(),
            message: e.0,
        })?;
        let x = Executor::new(Conn::Raw(raw), path.to_path_buf());
        if let Some(set) = threads_setting() {
            x.run("database threads", [set.as_str()])?;
        }
        Ok(x)
    }

    /// Opens an existing database read-only (queries of a finished run).
    pub(crate) fn open_read_only(path: &Path) -> Result<Executor, StoreError> {
        usable_path(path)?;
        let err = |context: &str| {
            let (path, context) = (path.to_path_buf(), context.to_string());
            move |source| StoreError::Duckdb {
                path,
                context,
                cause: source,
            }
        };
        let config = duckdb::Config::default()
            .access_mode(duckdb::AccessMode::ReadOnly)
            .map_err(err("open read-only"))?;
        let conn = Connection::open_with_flags(path, config).map_err(err("open"))?;
        if let Some(set) = threads_setting() {
            conn.execute_batch(&set).map_err(err("database threads"))?;
        }
        Ok(Executor::new(Conn::ReadOnly(conn), path.to_path_buf()))
    }

    pub(crate) fn in_memory() -> Result<Executor, StoreError> {
        let raw = RawDb::open(None).map_err(|e| StoreError::Sql {
            path: ":memory:".into(),
            context: "open".into(),
            message: e.0,
        })?;
        Ok(Executor::new(Conn::Raw(raw), PathBuf::from(":memory:")))
    }

    /// The connection for typed reads.
    fn reads(&self) -> &Connection {
        match &self.conn {
            Conn::Raw(raw) => raw.reads(),
            Conn::ReadOnly(c) => c,
        }
    }

    fn new(conn: Conn, path: PathBuf) -> Executor {
        Executor {
            conn,
            path,
            sql: Cell::new(0),
            appends: Cell::new(0),
            tables: Default::default(),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// What this executor has run so far.
    pub(crate) fn counts(&self) -> StatementCounts {
        StatementCounts {
            sql: self.sql.get(),
            appends: self.appends.get(),
            audited: None,
            tables: self.tables.borrow().clone(),
        }
    }

    /// The error of `context` on this database. Built only on failure: callers write
    /// `.map_err(|e| self.fail(context, e))`, so a successful statement (or row) allocates
    /// nothing for its error.
    pub(crate) fn fail(&self, context: &str, source: duckdb::Error) -> StoreError {
        StoreError::Duckdb {
            path: self.path.clone(),
            context: context.to_string(),
            cause: source,
        }
    }

    fn fail_raw(&self, context: &str, e: RawError) -> StoreError {
        StoreError::Sql {
            path: self.path.clone(),
            context: context.to_string(),
            message: e.0,
        }
    }

    fn count(&self) {
        self.sql.set(self.sql.get() + 1);
    }

    /// Runs statements one by one (each counted), in order; stops at the first failure.
    pub(crate) fn run<'s>(
        &self,
        context: &str,
        statements: impl IntoIterator<Item = &'s str>,
    ) -> Result<(), StoreError> {
        for sql in statements {
            let sql = sql.trim();
            if sql.is_empty() {
                continue;
            }
            self.count();
            match &self.conn {
                Conn::Raw(raw) => raw.query(sql).map_err(|e| self.fail_raw(context, e))?,
                Conn::ReadOnly(c) => c.execute_batch(sql).map_err(|e| self.fail(context, e))?,
            }
        }
        Ok(())
    }

    /// Runs one query and maps each row. The prepared statement is kept (the connection's
    /// statement cache), so a lookup run again and again is planned once.
    pub(crate) fn query<T>(
        &self,
        context: &str,
        sql: &str,
        params: impl Params,
        mut f: impl FnMut(&Row<'_>) -> duckdb::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        self.count();
        let mut stmt = self
            .reads()
            .prepare_cached(sql)
            .map_err(|e| self.fail(context, e))?;
        let mut rows = stmt.query(params).map_err(|e| self.fail(context, e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| self.fail(context, e))? {
            out.push(f(row).map_err(|e| self.fail(context, e))?);
        }
        Ok(out)
    }

    /// Whether `sql` prepares on this database (a query of a table that older results do
    /// not have); the statement is kept for [`Executor::query`].
    pub(crate) fn prepares(&self, sql: &str) -> bool {
        self.reads().prepare_cached(sql).is_ok()
    }

    /// Runs one query that returns exactly one row.
    pub(crate) fn query_row<T>(
        &self,
        context: &str,
        sql: &str,
        params: impl Params,
        f: impl FnOnce(&Row<'_>) -> duckdb::Result<T>,
    ) -> Result<T, StoreError> {
        self.count();
        self.reads()
            .query_row(sql, params, f)
            .map_err(|e| self.fail(context, e))
    }

    /// Appends a record batch to `table` (its columns in the table's order) through a table
    /// appender and DuckDB's own Arrow conversion: one append, no statement. An empty batch
    /// runs nothing.
    pub(crate) fn insert(
        &self,
        context: &str,
        table: &str,
        batch: RecordBatch,
    ) -> Result<(), StoreError> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        let Conn::Raw(raw) = &self.conn else {
            return Err(StoreError::State {
                path: self.path.clone(),
                message: format!("{context}: the database is open read-only"),
            });
        };
        self.appends.set(self.appends.get() + 1);
        let (rows, bytes) = (
            batch.num_rows() as u64,
            batch.get_array_memory_size() as u64,
        );
        let started = std::time::Instant::now();
        let done = raw
            .append_table(table, &batch)
            .map_err(|e| self.fail_raw(context, e));
        let seconds = started.elapsed().as_secs_f64();
        let mut tables = self.tables.borrow_mut();
        let at = match tables.iter().position(|t| t.table == table) {
            Some(i) => i,
            None => {
                tables.push(workforce_sim_core::report::TableWrite {
                    table: table.to_string(),
                    ..Default::default()
                });
                tables.len() - 1
            }
        };
        let t = &mut tables[at];
        t.appends += 1;
        t.rows += rows;
        t.arrow_bytes += bytes;
        t.seconds += seconds;
        done
    }

    /// Turns on DuckDB's own query log on this database, so that [`Executor::audited`] can
    /// count what DuckDB ran independently of this executor's counter. The call itself is the
    /// audit's, not the run's: it is not counted, and DuckDB logs it before logging is on.
    pub(crate) fn enable_audit(&self) -> Result<(), StoreError> {
        self.reads()
            .execute_batch("CALL enable_logging('QueryLog')")
            .map_err(|e| self.fail("enable the statement audit", e))
    }

    /// The statements DuckDB logged since [`Executor::enable_audit`]. DuckDB logs a
    /// statement with parameters twice in a row (its preparation and its execution) and an
    /// Appender flush as an internal `INSERT ... FROM __duckdb_internal_appended_data`; the
    /// first are counted once and the second left out (appends are counted apart), and so is
    /// this query itself.
    pub(crate) fn audited(&self) -> Result<u64, StoreError> {
        const READ: &str = "SELECT message FROM duckdb_logs WHERE type = 'QueryLog'";
        let mut stmt = self
            .reads()
            .prepare(READ)
            .map_err(|e| self.fail("read the statement audit", e))?;
        let mut rows = stmt
            .query([])
            .map_err(|e| self.fail("read the statement audit", e))?;
        let (mut count, mut previous) = (0u64, None::<String>);
        while let Some(row) = rows
            .next()
            .map_err(|e| self.fail("read the statement audit", e))?
        {
            let message: String = row
                .get(0)
                .map_err(|e| self.fail("read the statement audit", e))?;
            let appended = message.ends_with("FROM __duckdb_internal_appended_data");
            if !appended && message != READ && previous.as_deref() != Some(message.as_str()) {
                count += 1;
            }
            previous = Some(message);
        }
        Ok(count)
    }

    /// Opens a transaction (counted); it rolls back when dropped uncommitted.
    pub(crate) fn begin(&self, context: &str) -> Result<Transaction<'_>, StoreError> {
        self.run(context, ["BEGIN TRANSACTION"])?;
        Ok(Transaction {
            exec: self,
            open: true,
        })
    }
}

/// An open transaction on an [`Executor`]; statements run on the executor as usual.
pub(crate) struct Transaction<'a> {
    exec: &'a Executor,
    open: bool,
}

impl Transaction<'_> {
    pub(crate) fn commit(mut self, context: &str) -> Result<(), StoreError> {
        self.open = false;
        self.exec.run(context, ["COMMIT"])
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if self.open {
            // A failed year: undo its writes. A rollback that fails leaves the transaction to
            // DuckDB, which aborts it when the connection closes.
            let _ = self.exec.run("rollback", ["ROLLBACK"]);
        }
    }
}

/// DuckDB reads a `?` in a database path as the start of connection options (it then keeps
/// its write-ahead log beside another name and fails at the first commit): such a path is
/// refused before anything is opened.
fn usable_path(path: &Path) -> Result<(), StoreError> {
    if path.to_string_lossy().contains('?') {
        return Err(StoreError::State {
            path: path.to_path_buf(),
            message: "DuckDB cannot keep a database at a path with '?' (it reads it as the start of connection options); choose a path without it".into(),
        });
    }
    Ok(())
}
