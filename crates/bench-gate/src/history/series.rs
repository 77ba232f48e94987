//! The history as series: one per (machine, bench, measure), one point per commit (the
//! median of the runs recorded at it), in commit order (committer time). Figures of a dirty
//! working tree belong to no commit and are left out; so are text figures (digests).

use super::{Fingerprint, HistoryError, Record};
use crate::changepoint::median;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One commit's figure in a series.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Point {
    pub commit: String,
    pub commit_time: i64,
    /// The median of the runs recorded at this commit.
    pub value: f64,
    /// The runs it rests on.
    pub runs: usize,
}

/// The figures of one bench and measure on one machine, in commit order.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Series {
    pub machine: String,
    pub bench: String,
    pub measure: String,
    pub unit: String,
    pub points: Vec<Point>,
}

/// Which series to build.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only these benches (exact names); an unknown name is an error.
    pub benches: Vec<String>,
    /// Only these measures (empty: all).
    pub measures: Vec<String>,
    /// Only this machine id (empty: all).
    pub machine: Option<String>,
    /// Only these commits, with the range they came from (for the error).
    pub commits: Option<(String, BTreeSet<String>)>,
}

/// The full commit ids of `range` (`A..B`, or one commit and its ancestors) in the
/// repository at `repo`; an error when it holds none.
pub fn commits_of(repo: &Path, range: &str) -> Result<BTreeSet<String>, HistoryError> {
    let set = crate::git::rev_list(repo, range).map_err(|e| {
        HistoryError::Git(format!("{range} is not a range of {}: {e}", repo.display()))
    })?;
    if set.is_empty() {
        return Err(HistoryError::EmptyRange(range.to_string()));
    }
    Ok(set)
}

/// The series of `records` that pass `filter`, ordered by machine, bench and measure, and
/// each machine's fingerprint.
pub fn build(
    records: &[Record],
    filter: &Filter,
) -> Result<(Vec<Series>, BTreeMap<String, Fingerprint>), HistoryError> {
    if !filter.benches.is_empty() {
        let known: BTreeSet<&str> = records.iter().map(|r| r.bench.as_str()).collect();
        for b in &filter.benches {
            if !known.contains(b.as_str()) {
                let list: Vec<&str> = known.iter().copied().collect();
                return Err(HistoryError::UnknownBench {
                    name: b.clone(),
                    known: if list.is_empty() {
                        "none".into()
                    } else {
                        list.join(", ")
                    },
                });
            }
        }
    }
    /// (machine, bench, measure).
    type Key = (String, String, String);
    /// Per commit, its time and the values recorded at it.
    type Commits = BTreeMap<String, (i64, Vec<f64>)>;
    let mut groups: BTreeMap<Key, (String, Commits)> = BTreeMap::new();
    let mut machines = BTreeMap::new();
    let mut any_in_range = false;
    for r in records {
        if r.dirty || r.text.is_some() || !r.value.is_finite() {
            continue;
        }
        if let Some((_, commits)) = &filter.commits {
            if !commits.contains(&r.commit) {
                continue;
            }
        }
        any_in_range = true;
        let id = r.machine.id();
        if filter
            .machine
            .as_ref()
            .is_some_and(|m| !id.starts_with(m.as_str()))
            || (!filter.benches.is_empty() && !filter.benches.contains(&r.bench))
            || (!filter.measures.is_empty() && !filter.measures.contains(&r.measure))
        {
            continue;
        }
        machines
            .entry(id.clone())
            .or_insert_with(|| r.machine.clone());
        let g = groups
            .entry((id, r.bench.clone(), r.measure.clone()))
            .or_insert_with(|| (r.unit.clone(), BTreeMap::new()));
        g.1.entry(r.commit.clone())
            .or_insert_with(|| (r.commit_time, Vec::new()))
            .1
            .push(r.value);
    }
    if let Some((range, _)) = &filter.commits {
        if !any_in_range {
            return Err(HistoryError::NothingInRange(range.clone()));
        }
    }
    let series = groups
        .into_iter()
        .map(|((machine, bench, measure), (unit, commits))| {
            let mut points: Vec<Point> = commits
                .into_iter()
                .map(|(commit, (commit_time, values))| Point {
                    commit,
                    commit_time,
                    value: median(&values),
                    runs: values.len(),
                })
                .collect();
            points.sort_by(|a, b| (a.commit_time, &a.commit).cmp(&(b.commit_time, &b.commit)));
            Series {
                machine,
                bench,
                measure,
                unit,
                points,
            }
        })
        .collect();
    Ok((series, machines))
}

/// A commit at which a bench's output digest differs from the commit before it (on one
/// machine): the results moved there.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DigestChange {
    pub machine: String,
    pub bench: String,
    pub commit: String,
    pub before: String,
    pub after: String,
}

/// Every output-digest change of `records` that pass `filter` (benches, machine, commits),
/// in commit order per bench.
pub fn digest_changes(records: &[Record], filter: &Filter) -> Vec<DigestChange> {
    /// Per (machine, bench): (commit time, commit, digest).
    type Digests = BTreeMap<(String, String), Vec<(i64, String, String)>>;
    let mut by: Digests = BTreeMap::new();
    for r in records {
        let Some(text) = &r.text else { continue };
        if r.dirty
            || r.measure != "digest"
            || filter
                .commits
                .as_ref()
                .is_some_and(|(_, c)| !c.contains(&r.commit))
            || (!filter.benches.is_empty() && !filter.benches.contains(&r.bench))
        {
            continue;
        }
        let id = r.machine.id();
        if filter
            .machine
            .as_ref()
            .is_some_and(|m| !id.starts_with(m.as_str()))
        {
            continue;
        }
        by.entry((id, r.bench.clone())).or_default().push((
            r.commit_time,
            r.commit.clone(),
            text.clone(),
        ));
    }
    let mut out = Vec::new();
    for ((machine, bench), mut v) in by {
        v.sort();
        v.dedup_by(|a, b| a.1 == b.1);
        for w in v.windows(2) {
            if w[0].2 != w[1].2 {
                out.push(DigestChange {
                    machine: machine.clone(),
                    bench: bench.clone(),
                    commit: w[1].1.clone(),
                    before: w[0].2.clone(),
                    after: w[1].2.clone(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(commit: &str, time: i64, measure: &str, value: f64, text: Option<&str>) -> Record {
        Record {
            machine: Fingerprint {
                cpu_model: "cpu".into(),
                cpu_flags: "avx2".into(),
                cores: 2,
                kernel: "6.1".into(),
                rustc: "rustc 1.95.0".into(),
                features: "default".into(),
                allocator: "glibc".into(),
            },
            commit: commit.into(),
            commit_time: time,
            dirty: false,
            recorded_at: 0,
            bench: "workflow/in_memory/quick".into(),
            measure: measure.into(),
            unit: "ns".into(),
            value,
            lower: None,
            upper: None,
            text: text.map(str::to_string),
        }
    }

    #[test]
    fn a_series_is_one_median_per_commit_in_commit_order_without_dirty_trees() {
        let mut dirty = record("c", 30, "time", 1e9, None);
        dirty.dirty = true;
        let records = vec![
            record("b", 20, "time", 12.0, None),
            record("a", 10, "time", 10.0, None),
            record("b", 20, "time", 14.0, None),
            record("b", 20, "time", 13.0, None),
            dirty,
            record("a", 10, "digest", 0.0, Some("d1")),
        ];
        let (series, machines) = build(&records, &Filter::default()).unwrap();
        assert_eq!(machines.len(), 1);
        assert_eq!(series.len(), 1, "digests are no series");
        let p: Vec<(&str, f64, usize)> = series[0]
            .points
            .iter()
            .map(|p| (p.commit.as_str(), p.value, p.runs))
            .collect();
        assert_eq!(p, [("a", 10.0, 1), ("b", 13.0, 3)]);
    }

    #[test]
    fn digest_changes_name_the_commit_where_results_moved() {
        let records = vec![
            record("a", 10, "digest", 0.0, Some("d1")),
            record("b", 20, "digest", 0.0, Some("d1")),
            record("c", 30, "digest", 0.0, Some("d2")),
            record("c", 30, "digest", 0.0, Some("d2")),
            record("d", 40, "digest", 0.0, Some("d2")),
        ];
        let changes = digest_changes(&records, &Filter::default());
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(
            (
                changes[0].commit.as_str(),
                changes[0].before.as_str(),
                changes[0].after.as_str()
            ),
            ("c", "d1", "d2")
        );
    }
}
