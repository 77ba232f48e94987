//! One writer per output: an advisory lock on `PATH.lock`, beside the output (a run's DuckDB
//! file or Parquet directory, a batch database), taken before anything of the output is
//! touched (stale partials included) and held until the result is published. A second
//! writer of the same output fails at once, naming the process that holds it; a process
//! killed while holding it holds nothing (the system releases the lock), so the next run
//! proceeds. The lock file holds the holder's process id and is removed on release.
//!
//! The lock is `std::fs::File::try_lock` (`flock` on Linux): advisory, so it binds every
//! workforce-sim writer (the command line, the Python package, Ray's driver), not other
//! programs.

use crate::place::beside;
use crate::StoreError;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The lock of one output, held while this value lives.
#[derive(Debug)]
pub struct OutputLock {
    file: File,
    path: PathBuf,
    /// Folders made for the output, deepest first: removed on release if still empty (a run
    /// that failed on bad input leaves no folder behind; one that wrote its output keeps it).
    created: Vec<PathBuf>,
}

/// `PATH.lock`: the lock file of the output at `output`.
pub fn lock_path(output: &Path) -> PathBuf {
    // A trailing separator (`out/`, as shell completion writes it) names the same output.
    let trimmed = output.components().collect::<PathBuf>();
    beside(&trimmed, ".lock")
}

impl OutputLock {
    /// Takes the lock of the output at `output`, or fails at once if another writer has it.
    pub fn acquire(output: &Path) -> Result<OutputLock, StoreError> {
        let path = lock_path(output);
        let io = |what: &str| {
            let (path, what) = (path.clone(), what.to_string());
            move |e: std::io::Error| StoreError::State {
                path,
                message: format!("{what}: {e}"),
            }
        };
        // The output's folder is made here as the write would make it.
        let mut created = Vec::new();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            created = parent
                .ancestors()
                .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
                .map(Path::to_path_buf)
                .collect();
            std::fs::create_dir_all(parent).map_err(io("cannot create the output's folder"))?;
        }
        // A holder that releases removes the file; a lock taken on the file it removed
        // guards nothing, so the lock must be on the file the path names after locking.
        for _ in 0..16 {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(io("cannot open the lock file"))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    let mut text = String::new();
                    let _ = file.read_to_string(&mut text);
                    return Err(StoreError::InUse {
                        path: output.to_path_buf(),
                        holder: text.trim().parse().ok(),
                    });
                }
                Err(TryLockError::Error(e)) => return Err(io("cannot lock")(e)),
            }
            if names_file(&path, &file) {
                file.set_len(0).map_err(io("cannot write the lock file"))?;
                write!(file, "{}", std::process::id()).map_err(io("cannot write the lock file"))?;
                return Ok(OutputLock {
                    file,
                    path,
                    created,
                });
            }
        }
        Err(StoreError::State {
            path,
            message: "the lock file kept being replaced by other writers".into(),
        })
    }
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        // Removed while still locked, then unlocked by closing: a writer that opened the old
        // file meanwhile finds it no longer named by the path and opens the new one.
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
        for dir in &self.created {
            // Only an empty folder goes (remove_dir refuses any other).
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Whether `path` still names the open `file` (the same inode).
#[cfg(unix)]
fn names_file(path: &Path, file: &File) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(path), file.metadata()) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn names_file(path: &Path, _file: &File) -> bool {
    path.exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_refused_until_the_first_releases() {
        let dir = std::env::temp_dir().join(format!("wfs-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("run.duckdb");
        let first = OutputLock::acquire(&out).unwrap();
        assert_eq!(
            std::fs::read_to_string(lock_path(&out)).unwrap(),
            std::process::id().to_string()
        );
        // flock locks are per open file: a second open in this process is a second writer.
        match OutputLock::acquire(&out) {
            Err(StoreError::InUse { holder, .. }) => assert_eq!(holder, Some(std::process::id())),
            other => panic!("expected in use, got {other:?}"),
        }
        // A trailing slash names the same output.
        assert!(OutputLock::acquire(&dir.join("run.duckdb/")).is_err());
        drop(first);
        assert!(!lock_path(&out).exists());
        let again = OutputLock::acquire(&out).unwrap();
        drop(again);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
