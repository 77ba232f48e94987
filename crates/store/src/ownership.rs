//! What an output directory may hold, so that the tool replaces or removes only what it
//! wrote. A Parquet output is known by its layout: its catalog (`results.duckdb` of a run,
//! `batch.duckdb` of a batch, with DuckDB's `.wal`), the run's `.staging` scratch, and one
//! directory per table holding `key=value` partition directories that hold `part-0.parquet`
//! files. Anything else (a notebook kept in the output, an unrelated folder given as `--out`,
//! a link) is the user's: an output holding it is never replaced or removed, `--overwrite`
//! included, and the error names it.
//!
//! A results database file is the tool's when it has the run metadata table; `--overwrite`
//! replaces a run of another census or configuration, never a file that is not a run.

use crate::parquet_output::{PARTITIONED, RESULTS_DB};
use crate::StoreError;
use std::path::{Path, PathBuf};

/// The path an output is written at, from the one the user gave: a trailing separator (as
/// shell completion leaves it) dropped; a symbolic link followed to the file or folder it
/// names, so that the results replace the target and the link keeps pointing at them (a
/// rename at the link's own path would replace the link and leave the target stale).
/// `.`, `..`, a root or an empty path name no output of their own and are refused.
pub fn output_path(path: &Path) -> Result<PathBuf, StoreError> {
    use std::path::Component;
    let trimmed: PathBuf = path.components().collect();
    let named = matches!(trimmed.components().next_back(), Some(Component::Normal(_)));
    if !named {
        return Err(StoreError::NotOurs {
            path: path.to_path_buf(),
            what: "a path that names an output (a file or folder name, not '.', '..' or a root)",
            action: "write at",
        });
    }
    match std::fs::symlink_metadata(&trimmed) {
        Ok(m) if m.file_type().is_symlink() => {
            std::fs::canonicalize(&trimmed).map_err(|e| StoreError::State {
                path: trimmed.clone(),
                message: format!("is a link to nothing that can be written ({e})"),
            })
        }
        _ => Ok(trimmed),
    }
}

/// The layout of one kind of Parquet output.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// The catalog file at the top (`results.duckdb`, `batch.duckdb`).
    pub catalog: &'static str,
    /// The table directories.
    pub tables: &'static [&'static str],
}

const RUN_TABLES: [&str; PARTITIONED.len()] = {
    let mut out = [""; PARTITIONED.len()];
    let mut i = 0;
    while i < PARTITIONED.len() {
        out[i] = PARTITIONED[i].0;
        i += 1;
    }
    out
};

/// A run's Parquet output directory.
pub const RUN_LAYOUT: Layout = Layout {
    catalog: RESULTS_DB,
    tables: &RUN_TABLES,
};

/// A batch's Parquet output directory.
pub const BATCH_LAYOUT: Layout = Layout {
    catalog: "batch.duckdb",
    tables: &[
        "batch_runs",
        "batch_year_summary",
        "batch_bands",
        "batch_thresholds",
        "batch_attribution_summary",
        "batch_attribution",
    ],
};

/// The first entry of the directory `dir` that the tool did not write by `layout`, if any
/// (`None` also for an empty directory).
pub fn foreign_entry(dir: &Path, layout: Layout) -> Result<Option<PathBuf>, StoreError> {
    let wal = format!("{}.wal", layout.catalog);
    for entry in sorted_entries(dir)? {
        let (name, kind) = (entry.0.as_str(), entry.2);
        let ours = match kind {
            Kind::File => name == layout.catalog || name == wal,
            Kind::Dir if name == ".staging" => true,
            Kind::Dir if layout.tables.contains(&name) => {
                if let Some(f) = foreign_in_partitions(&entry.1, 0)? {
                    return Ok(Some(f));
                }
                true
            }
            _ => false,
        };
        if !ours {
            return Ok(Some(entry.1));
        }
    }
    Ok(None)
}

/// Refuses `dir` when it holds anything the tool did not write; `what` says what was about
/// to happen to it ("replace", "remove").
pub fn check_owned_dir(dir: &Path, layout: Layout, action: &'static str) -> Result<(), StoreError> {
    match foreign_entry(dir, layout)? {
        None => Ok(()),
        Some(foreign) => Err(StoreError::Foreign {
            path: dir.to_path_buf(),
            foreign,
            action,
        }),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    File,
    Dir,
    /// A link or anything else: never the tool's.
    Other,
}

fn sorted_entries(dir: &Path) -> Result<Vec<(String, PathBuf, Kind)>, StoreError> {
    let io = |e: std::io::Error| StoreError::State {
        path: dir.to_path_buf(),
        message: format!("cannot read the directory: {e}"),
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let t = entry.file_type().map_err(io)?;
        let kind = if t.is_file() {
            Kind::File
        } else if t.is_dir() {
            Kind::Dir
        } else {
            Kind::Other
        };
        out.push((
            entry.file_name().to_string_lossy().into_owned(),
            entry.path(),
            kind,
        ));
    }
    out.sort();
    Ok(out)
}

/// Inside a table directory: `key=value` directories, and `part-0.parquet` files below at
/// least one of them.
fn foreign_in_partitions(dir: &Path, depth: usize) -> Result<Option<PathBuf>, StoreError> {
    for (name, path, kind) in sorted_entries(dir)? {
        let ours = match kind {
            Kind::Dir => name.contains('=') && depth < 4,
            Kind::File => name == "part-0.parquet" && depth > 0,
            Kind::Other => false,
        };
        if !ours {
            return Ok(Some(path));
        }
        if kind == Kind::Dir {
            if let Some(f) = foreign_in_partitions(&path, depth + 1)? {
                return Ok(Some(f));
            }
        }
    }
    Ok(None)
}

/// What the file at an output's path is, read with one read-only open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    /// A run's results database, of any version (it has `run_metadata`).
    Results,
    /// A batch database (`batch_metadata`).
    Batch,
    /// A DuckDB database with no table: a run's file that a crash left before its first
    /// commit.
    Empty,
    /// Another program holds DuckDB's lock on it (a notebook, the DuckDB shell), with the
    /// holder's pid when DuckDB names it.
    InUse(Option<u32>),
    /// Not a file, not a DuckDB database, or a database of something else.
    Other,
}

/// What the file at `path` is.
pub fn database_kind(path: &Path) -> DatabaseKind {
    if !std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file()) {
        return DatabaseKind::Other;
    }
    let x = match crate::exec::Executor::open_read_only(path) {
        Ok(x) => x,
        Err(e) => {
            let text = e.to_string();
            if !(text.contains("Could not set lock") || text.contains("Conflicting lock")) {
                return DatabaseKind::Other;
            }
            let holder = text
                .split("PID ")
                .nth(1)
                .and_then(|t| t.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|pid| pid.parse().ok());
            return DatabaseKind::InUse(holder);
        }
    };
    let counts = x.query_row(
        "find the metadata table",
        "SELECT count(*), count(*) FILTER (table_name = 'run_metadata'),
                count(*) FILTER (table_name = 'batch_metadata') FROM duckdb_tables()",
        [],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        },
    );
    match counts {
        Ok((_, run, _)) if run > 0 => DatabaseKind::Results,
        Ok((_, _, batch)) if batch > 0 => DatabaseKind::Batch,
        Ok((0, _, _)) => DatabaseKind::Empty,
        _ => DatabaseKind::Other,
    }
}

/// The error for the file at `path`, of `kind`, that is not `what` the tool would `action`:
/// [`StoreError::InUse`] when another program holds it (it may well be a run: "not a
/// results database" would mislead), else [`StoreError::NotOurs`].
pub fn refusal(
    path: &Path,
    kind: DatabaseKind,
    what: &'static str,
    action: &'static str,
) -> StoreError {
    match kind {
        DatabaseKind::InUse(holder) => StoreError::InUse {
            path: path.to_path_buf(),
            holder,
        },
        _ => StoreError::NotOurs {
            path: path.to_path_buf(),
            what,
            action,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_tells_the_tools_files_from_the_users() {
        let dir = std::env::temp_dir().join(format!("wfs-owned-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let part = dir.join("events").join("simulation_year=2025");
        std::fs::create_dir_all(&part).unwrap();
        std::fs::write(part.join("part-0.parquet"), b"x").unwrap();
        std::fs::write(dir.join(RESULTS_DB), b"x").unwrap();
        std::fs::create_dir_all(dir.join(".staging").join("2026")).unwrap();
        assert_eq!(foreign_entry(&dir, RUN_LAYOUT).unwrap(), None);
        // A notebook kept in the output, a stray file in a partition, an unknown folder.
        for foreign in [
            dir.join("notes.md"),
            part.join("mine.csv"),
            dir.join("events").join("readme.txt"),
        ] {
            std::fs::write(&foreign, b"mine").unwrap();
            assert_eq!(
                foreign_entry(&dir, RUN_LAYOUT).unwrap(),
                Some(foreign.clone())
            );
            assert!(check_owned_dir(&dir, RUN_LAYOUT, "replace")
                .unwrap_err()
                .to_string()
                .contains(&foreign.display().to_string()));
            std::fs::remove_file(&foreign).unwrap();
        }
        std::fs::create_dir(dir.join("plots")).unwrap();
        assert_eq!(
            foreign_entry(&dir, RUN_LAYOUT).unwrap(),
            Some(dir.join("plots"))
        );
        // A batch's layout is not a run's.
        std::fs::remove_dir(dir.join("plots")).unwrap();
        assert!(foreign_entry(&dir, BATCH_LAYOUT).unwrap().is_some());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
