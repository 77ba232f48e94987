//! The build id recorded with every run and batch (`tool_version`, `store::BUILD`): the crate
//! version and, built from a git checkout, the commit (`0.1.0+1a2b3c4d5e6f`). A resume or a
//! merge compares it, so that a build with other rules never continues another's results.

use std::path::Path;
use std::process::Command;

fn main() {
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // Every commit, checkout and reset appends to the log of HEAD.
    for watched in [".git/logs/HEAD", ".git/HEAD"] {
        let p = root.join(watched);
        if p.exists() {
            println!("cargo:rerun-if-changed={}", p.display());
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
    let commit = Command::new("git")
        .arg("-C")
        .arg(&root)
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|c| !c.is_empty());
    let build = match commit {
        Some(c) => format!("{version}+{c}"),
        None => version,
    };
    println!("cargo:rustc-env=WFS_BUILD={build}");
}
