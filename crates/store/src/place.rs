//! Writing beside and putting in place: an output is written under a sibling name
//! (`PATH.partial`) and renamed over `PATH` only when whole, so the last good result stays
//! readable until then. A directory is replaced in one step where the system can swap two
//! names (Linux `renameat2(RENAME_EXCHANGE)`): the new one is renamed to `PATH.next`, swapped
//! with `PATH`, and the old one (now at `PATH.next`) removed; whatever a crash leaves at
//! `PATH.next` is the tool's spare and is removed by [`restore_replaced`]. Elsewhere it is
//! replaced in two renames (the old one aside as `PATH.replaced`, the new one in), a crash
//! between them undone by [`restore_replaced`]. Files are written whole by the core's
//! `place::write_whole`, re-exported here.

mod exchange;

use crate::StoreError;
use std::path::Path;

pub use crate::fault;
pub use workforce_sim_core::place::{
    beside, partial_path, sync_dir, sync_file, sync_parent, write_whole,
};

/// The store error of a file operation `what` on `path`.
pub(crate) fn failed(path: &Path, what: &str) -> impl FnOnce(std::io::Error) -> StoreError {
    let (path, what) = (path.to_path_buf(), what.to_string());
    move |e| StoreError::State {
        path,
        message: format!("{what}: {e}"),
    }
}

/// Puts the directory `partial` where `dir` is, the old one (if any) removed: in one step
/// where names can be swapped, else in two renames (see the module documentation).
pub fn replace_dir(partial: &Path, dir: &Path) -> Result<(), StoreError> {
    if dir.exists() {
        let next = beside(dir, ".next");
        std::fs::rename(partial, &next).map_err(failed(dir, "cannot stage the new one"))?;
        fault::point("replace-dir:staged");
        if exchange::swap(&next, dir).map_err(failed(dir, "cannot swap the new one in"))? {
            sync_parent(dir).map_err(failed(dir, "cannot flush the folder holding it"))?;
            fault::point("replace-dir:swapped");
            return std::fs::remove_dir_all(&next).map_err(failed(&next, "cannot remove"));
        }
        // No swap here: the old one aside, the new one in, the old one removed.
        let aside = beside(dir, ".replaced");
        std::fs::rename(dir, &aside).map_err(failed(dir, "cannot move the old one aside"))?;
        std::fs::rename(&next, dir).map_err(failed(dir, "cannot rename the new one into place"))?;
        sync_parent(dir).map_err(failed(dir, "cannot flush the folder holding it"))?;
        return std::fs::remove_dir_all(&aside).map_err(failed(&aside, "cannot remove"));
    }
    std::fs::rename(partial, dir).map_err(failed(dir, "cannot rename the new one into place"))?;
    sync_parent(dir).map_err(failed(dir, "cannot flush the folder holding it"))
}

/// Undoes what a crash left of [`replace_dir`]: a spare `PATH.next` is removed (before the
/// swap it is the new one, which was never current; after it, the old one), and a directory
/// left aside as `PATH.replaced` is put back (or removed if the new one made it into place).
pub fn restore_replaced(dir: &Path) -> Result<(), StoreError> {
    let next = beside(dir, ".next");
    if next.is_dir() {
        std::fs::remove_dir_all(&next).map_err(failed(&next, "cannot remove"))?;
    }
    let aside = beside(dir, ".replaced");
    if aside.exists() {
        if dir.exists() {
            std::fs::remove_dir_all(&aside).map_err(failed(&aside, "cannot remove"))?;
        } else {
            std::fs::rename(&aside, dir).map_err(failed(dir, "cannot restore"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_is_replaced_whole_and_a_crash_between_renames_is_undone() {
        let t = std::env::temp_dir().join(format!("wfs-place-{}", std::process::id()));
        let (dir, new) = (t.join("out"), t.join("out.partial"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("old"), "old").unwrap();
        std::fs::create_dir_all(&new).unwrap();
        std::fs::write(new.join("new"), "new").unwrap();
        replace_dir(&new, &dir).unwrap();
        assert!(dir.join("new").exists() && !dir.join("old").exists());
        assert!(!beside(&dir, ".replaced").exists() && !new.exists());
        assert!(!beside(&dir, ".next").exists());
        // A crash after the new one was staged as `.next`: the old one stays current.
        std::fs::create_dir_all(beside(&dir, ".next")).unwrap();
        restore_replaced(&dir).unwrap();
        assert!(dir.join("new").exists() && !beside(&dir, ".next").exists());
        // A crash after the old one went aside and before the new one came in.
        std::fs::rename(&dir, beside(&dir, ".replaced")).unwrap();
        restore_replaced(&dir).unwrap();
        assert!(dir.join("new").exists());
        std::fs::remove_dir_all(&t).unwrap();
    }
}
