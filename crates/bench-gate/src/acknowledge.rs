//! Intended slowdowns, acknowledged (`baselines/acknowledged.toml`): a bench, the commit
//! that slows it on purpose, why, who and when, and optionally the largest change meant.
//! The same-job gate shows a matching failure as *acknowledged* with its reason instead of
//! failing, and the history's detector shows a matching change the same way, never
//! silently. An acknowledgement matches a change when its commit lies among the commits the
//! change covers (base..head for the gate; from the last commit before the change to its
//! first commit at the new level for the detector).
//!
//! ```toml
//! [[acknowledged]]
//! bench = "phases/experienced_terminations.n1000"
//! measure = "Ir"            # optional: every measure of the bench
//! commit = "7090e34"
//! reason = "termination dates are Option<Day> (issue 11 point 7)"
//! by = "A. Engineer"
//! date = "2026-12-01"
//! max_pct = 10.0            # optional: a larger change still fails
//! ```

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// One acknowledged change.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Acknowledgement {
    pub bench: String,
    #[serde(default)]
    pub measure: Option<String>,
    /// As written; [`Acknowledgements::load`] resolves it to the full id.
    pub commit: String,
    pub reason: String,
    pub by: String,
    pub date: String,
    #[serde(default)]
    pub max_pct: Option<f64>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    acknowledged: Vec<Acknowledgement>,
}

/// The acknowledgements of a file, commits resolved.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Acknowledgements {
    pub entries: Vec<Acknowledgement>,
}

#[derive(Debug, thiserror::Error)]
pub enum AckError {
    #[error("{path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("{path}: acknowledgement {index} ({bench}): {message}")]
    Entry {
        path: PathBuf,
        index: usize,
        bench: String,
        message: String,
    },
}

/// The commits of `range` (`A..B`) in the repository at `repo`; empty when git cannot say.
pub fn commits_between(repo: &Path, range: &str) -> BTreeSet<String> {
    crate::git::rev_list(repo, range).unwrap_or_default()
}

impl Acknowledgements {
    /// Reads `path` (no file: none acknowledged), checking every entry and resolving its
    /// commit in the repository at `repo`.
    pub fn load(path: &Path, repo: &Path) -> Result<Acknowledgements, AckError> {
        if !path.exists() {
            return Ok(Acknowledgements::default());
        }
        let read = |message: String| AckError::Read {
            path: path.to_path_buf(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| read(e.to_string()))?;
        let file: File = toml::from_str(&text).map_err(|e| read(e.to_string()))?;
        let mut entries = file.acknowledged;
        for (i, a) in entries.iter_mut().enumerate() {
            let entry = |message: String| AckError::Entry {
                path: path.to_path_buf(),
                index: i + 1,
                bench: a.bench.clone(),
                message,
            };
            for (name, v) in [
                ("bench", &a.bench),
                ("commit", &a.commit),
                ("reason", &a.reason),
                ("by", &a.by),
                ("date", &a.date),
            ] {
                if v.trim().is_empty() {
                    return Err(entry(format!("{name} is empty")));
                }
            }
            if a.max_pct.is_some_and(|m| !m.is_finite() || m <= 0.0) {
                return Err(entry("max_pct must be a positive percentage".into()));
            }
            a.commit = crate::git::resolve(repo, &a.commit).ok_or_else(|| {
                entry(format!(
                    "commit {} is not a commit of the repository at {}",
                    a.commit,
                    repo.display()
                ))
            })?;
        }
        Ok(Acknowledgements { entries })
    }

    /// The acknowledgement of a change of `bench`'s `measure` by `pct` percent that one of
    /// `commits` made, if any.
    pub fn find(
        &self,
        bench: &str,
        measure: &str,
        commits: &BTreeSet<String>,
        pct: f64,
    ) -> Option<&Acknowledgement> {
        self.entries.iter().find(|a| {
            a.bench == bench
                && a.measure.as_deref().is_none_or(|m| m == measure)
                && commits.contains(&a.commit)
                && a.max_pct.is_none_or(|m| pct <= m)
        })
    }

    /// `find` for a change whose commits are those of `range` (`A..B`) in `repo`, or the
    /// single commit `first` when git cannot list them.
    pub fn find_in_range(
        &self,
        repo: &Path,
        bench: &str,
        measure: &str,
        range: &str,
        first: &str,
        pct: f64,
    ) -> Option<&Acknowledgement> {
        if !self.entries.iter().any(|a| a.bench == bench) {
            return None;
        }
        let mut commits = commits_between(repo, range);
        commits.insert(first.to_string());
        self.find(bench, measure, &commits, pct)
    }
}

/// How an acknowledgement is shown in a table.
pub fn label(a: &Acknowledgement) -> String {
    format!(
        "acknowledged at {}: {} ({}, {})",
        &a.commit[..a.commit.len().min(9)],
        a.reason,
        a.by,
        a.date
    )
}
