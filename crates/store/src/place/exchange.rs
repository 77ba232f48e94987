//! Swapping two names in one step: Linux `renameat2(RENAME_EXCHANGE)`, so that a directory
//! output is replaced with no moment at which its path is missing or half of each.
#![allow(unsafe_code)]

use std::path::Path;

/// Swaps the entries at `a` and `b` (both must exist). `Ok(false)` where the system or the
/// file system cannot (not Linux, an old kernel, a file system without the flag): the caller
/// falls back to two renames.
#[cfg(target_os = "linux")]
pub(super) fn swap(a: &Path, b: &Path) -> std::io::Result<bool> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let name = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))
    };
    let (a, b) = (name(a)?, name(b)?);
    // SAFETY: both arguments are NUL-terminated strings that live across the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP) => Ok(false),
        _ => Err(e),
    }
}

#[cfg(not(target_os = "linux"))]
pub(super) fn swap(_: &Path, _: &Path) -> std::io::Result<bool> {
    Ok(false)
}

#[cfg(test)]
mod tests {
    #[test]
    fn two_directories_swap_names() {
        let t = std::env::temp_dir().join(format!("wfs-swap-{}", std::process::id()));
        let (a, b) = (t.join("a"), t.join("b"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        std::fs::write(a.join("from-a"), "").unwrap();
        let swapped = super::swap(&a, &b).unwrap();
        // Linux swaps (the temporary directory's file systems all take the flag); elsewhere
        // the caller falls back to two renames and nothing moved.
        assert_eq!(swapped, cfg!(target_os = "linux"));
        assert_eq!(b.join("from-a").exists(), swapped);
        assert_eq!(a.join("from-a").exists(), !swapped);
        std::fs::remove_dir_all(&t).unwrap();
    }
}
