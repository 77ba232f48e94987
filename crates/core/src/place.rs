//! Writing beside and putting in place, for files: an output file is written under a sibling
//! name (`PATH.partial`) and renamed over `PATH` only when whole, so the last good file stays
//! readable until then and a failure leaves no half-written file behind. Every file a
//! command writes goes through [`write_whole`] (directories: the store's `place`). What is
//! published is flushed to the disk first, and the rename after ([`sync_file`],
//! [`sync_parent`]).

use std::path::{Path, PathBuf};

/// `path` with `suffix` appended to its last component (`a.duckdb` + `.wal`).
pub fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// `PATH.partial`: where an output is written until it completes.
pub fn partial_path(path: &Path) -> PathBuf {
    beside(path, ".partial")
}

/// Writes the file `path` whole or not at all: `write` fills `PATH.partial` (given its path),
/// which is then renamed over `path`. If `write` fails, or the rename does (`rename_failed`
/// makes its error), the partial file is removed and `path` is left as it was.
pub fn write_whole<T, E>(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<T, E>,
    rename_failed: impl FnOnce(std::io::Error) -> E,
) -> Result<T, E> {
    let partial = partial_path(path);
    let result = write(&partial).and_then(|value| {
        // On disk before it is published, and the publication on disk before returning.
        sync_file(&partial)
            .and_then(|()| std::fs::rename(&partial, path))
            .and_then(|()| sync_parent(path))
            .map(|()| value)
            .map_err(rename_failed)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

/// Flushes the file at `path` to the disk (`fsync`): done before a rename publishes it, so
/// that after a power loss a published name never points at missing data.
pub fn sync_file(path: &Path) -> std::io::Result<()> {
    std::fs::File::open(path)?.sync_all()
}

/// Flushes the directory holding `path`, so that a rename or creation in it survives a power
/// loss (a no-op where directories cannot be opened, as on Windows).
pub fn sync_parent(path: &Path) -> std::io::Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => sync_dir(dir),
        _ => sync_dir(Path::new(".")),
    }
}

/// Flushes the directory `dir` itself (its entries).
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_written_whole_or_left_as_it_was() {
        let dir = std::env::temp_dir().join(format!("wfs-core-place-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("out.txt");
        std::fs::write(&file, "old").unwrap();
        let failed: Result<(), String> = write_whole(
            &file,
            |p| {
                std::fs::write(p, "half").unwrap();
                Err("disk full".to_string())
            },
            |e| e.to_string(),
        );
        assert_eq!(failed, Err("disk full".to_string()));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "old");
        assert!(!partial_path(&file).exists());
        let n = write_whole(&file, |p| std::fs::write(p, "new").map(|()| 3), |e| e).unwrap();
        assert_eq!(
            (n, std::fs::read_to_string(&file).unwrap().as_str()),
            (3, "new")
        );
        assert!(!partial_path(&file).exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
