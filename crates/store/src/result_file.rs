//! A small results file a command writes beside its printed result (a backtest's scores, a
//! design search's candidates): a new DuckDB file filled in one transaction, checkpointed,
//! written beside its path and put in place whole ([`crate::place::write_whole`]); an
//! existing file is replaced only when asked.

use crate::StoreError;
use std::path::Path;

/// Writes a new DuckDB file at `path` with what `fill` creates and inserts (inside one
/// transaction), or nothing at all. An existing `path` is an error unless `overwrite`.
pub fn write_database(
    path: &Path,
    overwrite: bool,
    fill: impl FnOnce(&duckdb::Connection) -> duckdb::Result<()>,
) -> Result<(), StoreError> {
    if path.exists() && !overwrite {
        return Err(StoreError::Exists {
            path: path.to_path_buf(),
        });
    }
    let state = |message: String| StoreError::State {
        path: path.to_path_buf(),
        message,
    };
    crate::place::write_whole(
        path,
        |partial| {
            let _ = std::fs::remove_file(partial);
            let conn = duckdb::Connection::open(partial).map_err(|e| state(e.to_string()))?;
            conn.execute_batch("BEGIN")
                .and_then(|()| fill(&conn))
                .and_then(|()| conn.execute_batch("COMMIT; CHECKPOINT"))
                .map_err(|e| state(e.to_string()))
        },
        |e| state(format!("cannot put it in place: {e}")),
    )
}
