//! Publishing a batch in one step: the runs a batch keeps in full and its fan charts are
//! written as a new *generation* (`DB.runs/N/`, `DB.charts/N/`, first as `N.partial`), each
//! sealed with a manifest of its files and their sizes and verified against it; only then is
//! the batch database, which names that generation's files, renamed into place. That rename
//! is the one step that makes the new batch current: a failure or crash before it leaves the
//! previous database, which names only the previous generation, whole and current; after it,
//! the new one. Older generations are removed afterwards (and by the next batch on the path
//! if a crash came first), each file only if its generation's manifest names it, or, in an
//! unsealed `N.partial`, if it has a name the batch gives its files. Anything else in
//! `DB.runs/` or `DB.charts/` is the user's: the batch is refused, naming it.

use crate::BatchError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use workforce_sim_store::place::{beside, fault, sync_dir, sync_file, sync_parent};
use workforce_sim_store::StoreError;

/// The manifest's name in a generation folder.
pub const MANIFEST: &str = "manifest.json";

/// `DB.runs`: the folder of a batch's runs kept in full, one generation folder per
/// publication (`DB.runs/N/SCENARIO-seedK.duckdb`).
pub fn detail_dir(db: &Path) -> PathBuf {
    beside(db, ".runs")
}

/// `DB.charts`: the folder of a batch's fan charts (`DB.charts/N/METRIC.svg`).
pub fn charts_dir(db: &Path) -> PathBuf {
    beside(db, ".charts")
}

/// What a sealed generation folder holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    /// The generation's number.
    pub generation: u64,
    /// The batch database (or Parquet folder) file name that names these files.
    pub batch: String,
    /// Every file of the generation with its size in bytes, by name.
    pub files: Vec<ManifestFile>,
}

/// One file of a generation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ManifestFile {
    pub name: String,
    pub bytes: u64,
}

/// The generation a batch writes: its number and its two folders.
#[derive(Debug, Clone)]
pub struct Generation {
    pub number: u64,
    db: PathBuf,
}

fn io(what: &'static str, p: &Path) -> impl FnOnce(std::io::Error) -> BatchError {
    let p = p.display().to_string();
    move |e| BatchError::Output(format!("{what} {p}: {e}"))
}

/// The generation number of a folder entry named `N` or `N.partial`.
fn number(name: &str) -> Option<u64> {
    let n = name.strip_suffix(".partial").unwrap_or(name);
    (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .then(|| n.parse().ok())
        .flatten()
}

/// A file name a batch gives what it writes in a generation folder of `folder` (`.runs`:
/// run databases with their write-ahead logs and locks; `.charts`: SVG files).
fn batch_file_name(name: &str, runs: bool) -> bool {
    if name == MANIFEST {
        return true;
    }
    if runs {
        [
            ".duckdb",
            ".duckdb.wal",
            ".duckdb.lock",
            ".duckdb.partial",
            ".duckdb.partial.wal",
        ]
        .iter()
        .any(|s| name.ends_with(s))
    } else {
        name.ends_with(".svg")
    }
}

fn entries(dir: &Path) -> Result<Vec<(String, PathBuf, bool)>, BatchError> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    for e in std::fs::read_dir(dir).map_err(io("cannot read", dir))? {
        let e = e.map_err(io("cannot read", dir))?;
        let t = e.file_type().map_err(io("cannot read", dir))?;
        out.push((
            e.file_name().to_string_lossy().into_owned(),
            e.path(),
            t.is_dir() && !t.is_symlink(),
        ));
    }
    out.sort();
    Ok(out)
}

fn read_manifest(dir: &Path) -> Option<Manifest> {
    let text = std::fs::read_to_string(dir.join(MANIFEST)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Refuses `db`'s runs and charts folders when they hold anything a batch did not write
/// (`--overwrite` included), naming the first such entry. Runs kept in full by a build
/// before generations (`DB.runs/SCENARIO-seedK.duckdb`) are the batch's.
pub fn check_owned(db: &Path) -> Result<(), BatchError> {
    for (folder, runs) in [(detail_dir(db), true), (charts_dir(db), false)] {
        if folder.exists() && !folder.is_dir() {
            return Err(StoreError::NotOurs {
                path: folder,
                what: "a folder of a batch's files",
                action: "replace",
            }
            .into());
        }
        for (name, path, is_dir) in entries(&folder)? {
            let ours = if is_dir {
                number(&name).is_some() && foreign_in_generation(&path, runs)?.is_none()
            } else {
                runs && name.ends_with(".duckdb") || !runs && name.ends_with(".svg")
            };
            if !ours {
                let foreign = if is_dir {
                    foreign_in_generation(&path, runs)?.unwrap_or(path)
                } else {
                    path
                };
                return Err(StoreError::Foreign {
                    path: folder,
                    foreign,
                    action: "replace",
                }
                .into());
            }
        }
    }
    Ok(())
}

/// The first entry of a generation folder the batch did not write: not named by its
/// manifest (sealed), or without a batch file's name (unsealed), or a folder.
fn foreign_in_generation(dir: &Path, runs: bool) -> Result<Option<PathBuf>, BatchError> {
    let manifest = read_manifest(dir);
    for (name, path, is_dir) in entries(dir)? {
        let named = match &manifest {
            Some(m) => name == MANIFEST || m.files.iter().any(|f| f.name == name),
            None => batch_file_name(&name, runs),
        };
        if is_dir || !named {
            return Ok(Some(path));
        }
    }
    Ok(None)
}

impl Generation {
    /// The next generation of `db`: one above every generation folder there (sealed or not).
    pub fn next(db: &Path) -> Result<Generation, BatchError> {
        let mut top = 0;
        for folder in [detail_dir(db), charts_dir(db)] {
            for (name, _, _) in entries(&folder)? {
                top = top.max(number(&name).unwrap_or(0));
            }
        }
        Ok(Generation {
            number: top + 1,
            db: db.to_path_buf(),
        })
    }

    /// `DB.runs/N`, where the runs kept in full are once sealed (and named by the database).
    pub fn runs(&self) -> PathBuf {
        detail_dir(&self.db).join(self.number.to_string())
    }

    /// `DB.charts/N`.
    pub fn charts(&self) -> PathBuf {
        charts_dir(&self.db).join(self.number.to_string())
    }

    /// The folder a generation folder is written in until sealed (`N.partial`), created.
    pub fn writing(&self, sealed: &Path) -> Result<PathBuf, BatchError> {
        let dir = beside(sealed, ".partial");
        std::fs::create_dir_all(&dir).map_err(io("cannot create", &dir))?;
        Ok(dir)
    }

    /// Seals the generation folder written at `N.partial` (if it was written): every file
    /// flushed to the disk, the manifest of names and sizes written, the folder renamed to
    /// `N` and its parent flushed.
    pub fn seal(&self, sealed: &Path) -> Result<(), BatchError> {
        let partial = beside(sealed, ".partial");
        if !partial.is_dir() {
            return Ok(());
        }
        let mut files = Vec::new();
        for (name, path, is_dir) in entries(&partial)? {
            if is_dir || name == MANIFEST {
                continue;
            }
            sync_file(&path).map_err(io("cannot flush", &path))?;
            let bytes = std::fs::metadata(&path)
                .map_err(io("cannot read", &path))?
                .len();
            files.push(ManifestFile { name, bytes });
        }
        let manifest = Manifest {
            generation: self.number,
            batch: self
                .db
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            files,
        };
        let text = serde_json::to_string_pretty(&manifest).map_err(|e| {
            BatchError::Output(format!("the manifest of {}: {e}", sealed.display()))
        })?;
        let path = partial.join(MANIFEST);
        std::fs::write(&path, text).map_err(io("cannot write", &path))?;
        sync_file(&path).map_err(io("cannot flush", &path))?;
        sync_dir(&partial).map_err(io("cannot flush", &partial))?;
        std::fs::rename(&partial, sealed).map_err(io("cannot seal", sealed))?;
        sync_parent(sealed).map_err(io("cannot flush the folder holding", sealed))
    }

    /// Checks that every sealed folder of this generation holds its manifest's files at
    /// their sizes: what the database about to be published names is all there.
    pub fn verify(&self) -> Result<(), BatchError> {
        for dir in [self.runs(), self.charts()] {
            if !dir.exists() {
                continue;
            }
            let m = read_manifest(&dir).ok_or_else(|| {
                BatchError::Output(format!("{} has no readable manifest", dir.display()))
            })?;
            for f in &m.files {
                let bytes = std::fs::metadata(dir.join(&f.name)).map(|m| m.len()).ok();
                if bytes != Some(f.bytes) {
                    return Err(BatchError::Output(format!(
                        "{} is not as written ({} bytes expected, found {}); the previous batch was left current",
                        dir.join(&f.name).display(),
                        f.bytes,
                        bytes.map_or("none".to_string(), |b| b.to_string())
                    )));
                }
            }
        }
        Ok(())
    }
}

/// Removes every generation of `db` but `keep` (`None`: all of them, as when a batch
/// database without kept runs or charts was published), and the runs a build before
/// generations kept flat in `DB.runs/`: in a sealed folder the files its manifest names, in
/// an unsealed one the files with a batch file's name; a folder left empty is removed, one
/// holding anything else is left. Returns what could not be removed, as warnings (the new
/// batch is current whatever happens here).
pub fn remove_other_generations(db: &Path, keep: Option<u64>) -> Vec<String> {
    let mut warnings = Vec::new();
    for (folder, runs) in [(detail_dir(db), true), (charts_dir(db), false)] {
        let Ok(list) = entries(&folder) else { continue };
        for (name, path, is_dir) in list {
            if !is_dir {
                if runs && name.ends_with(".duckdb") {
                    if let Err(e) = std::fs::remove_file(&path) {
                        warnings.push(format!("cannot remove {}: {e}", path.display()));
                    }
                }
                continue;
            }
            let Some(n) = number(&name) else { continue };
            if Some(n) == keep && !name.ends_with(".partial") {
                continue;
            }
            let manifest = read_manifest(&path);
            for (file, p, sub) in entries(&path).unwrap_or_default() {
                let ours = match &manifest {
                    Some(m) => file == MANIFEST || m.files.iter().any(|f| f.name == file),
                    None => batch_file_name(&file, runs),
                };
                if ours && !sub {
                    if let Err(e) = std::fs::remove_file(&p) {
                        warnings.push(format!("cannot remove {}: {e}", p.display()));
                    }
                }
            }
            let _ = std::fs::remove_dir(&path);
        }
        if entries(&folder).is_ok_and(|e| e.is_empty()) && folder.is_dir() {
            let _ = std::fs::remove_dir(&folder);
        }
    }
    fault::point("batch:cleaned");
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let t = std::env::temp_dir().join(format!("wfs-gen-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&t);
        std::fs::create_dir_all(&t).unwrap();
        t
    }

    #[test]
    fn a_generation_is_sealed_verified_and_the_others_removed() {
        let t = temp("seal");
        let db = t.join("b.duckdb");
        let first = Generation::next(&db).unwrap();
        assert_eq!(first.number, 1);
        let w = first.writing(&first.runs()).unwrap();
        std::fs::write(w.join("base-seed1.duckdb"), "run").unwrap();
        first.seal(&first.runs()).unwrap();
        first.verify().unwrap();
        let second = Generation::next(&db).unwrap();
        assert_eq!(second.number, 2);
        let w = second.writing(&second.runs()).unwrap();
        std::fs::write(w.join("base-seed1.duckdb"), "run2").unwrap();
        second.seal(&second.runs()).unwrap();
        // A file changed after sealing fails the check.
        std::fs::write(second.runs().join("base-seed1.duckdb"), "longer").unwrap();
        assert!(second.verify().is_err());
        std::fs::write(second.runs().join("base-seed1.duckdb"), "run2").unwrap();
        second.verify().unwrap();
        check_owned(&db).unwrap();
        assert!(remove_other_generations(&db, Some(2)).is_empty());
        assert!(!first.runs().exists() && second.runs().join(MANIFEST).exists());
        std::fs::remove_dir_all(&t).unwrap();
    }

    #[test]
    fn a_users_file_is_refused_and_never_removed() {
        let t = temp("foreign");
        let db = t.join("b.duckdb");
        let g = Generation::next(&db).unwrap();
        let w = g.writing(&g.runs()).unwrap();
        std::fs::write(w.join("s-seed1.duckdb"), "run").unwrap();
        g.seal(&g.runs()).unwrap();
        std::fs::write(g.runs().join("notes.md"), "mine").unwrap();
        let e = check_owned(&db).unwrap_err().to_string();
        assert!(e.contains("notes.md"), "{e}");
        remove_other_generations(&db, None);
        assert!(g.runs().join("notes.md").exists());
        assert!(!g.runs().join("s-seed1.duckdb").exists());
        std::fs::write(detail_dir(&db).join("thesis.tex"), "mine").unwrap();
        let e = check_owned(&db).unwrap_err().to_string();
        assert!(e.contains("thesis.tex") || e.contains("notes.md"), "{e}");
        std::fs::remove_dir_all(&t).unwrap();
    }
}
