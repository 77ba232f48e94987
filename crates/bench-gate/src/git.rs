//! The git questions the gate and the history ask (a commit's full id, a range's commits,
//! a commit's time, whether the tree is dirty), through the `git` command, and the other
//! commands a fingerprint reads.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// The trimmed standard output of `cmd args`, or `None` when it cannot run or fails.
pub fn output(cmd: &str, args: &[&str]) -> Option<String> {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

/// `git -C repo args`: its trimmed standard output, or what it said on failure.
pub fn run(repo: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .map_err(|e| format!("git {}: {e}", args.join(" ")))?;
    if !out.status.success() {
        return Err(format!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The full id of the commit `rev` names in `repo`.
pub fn resolve(repo: &Path, rev: &str) -> Option<String> {
    run(
        repo,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .ok()
}

/// The commits of `range` (`A..B`, or one commit and its ancestors) in `repo`.
pub fn rev_list(repo: &Path, range: &str) -> Result<BTreeSet<String>, String> {
    Ok(run(repo, &["rev-list", range, "--"])?
        .lines()
        .map(str::to_string)
        .collect())
}
