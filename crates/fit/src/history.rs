//! A client's history: 2-10 annual census snapshots (docs/rules.md 1.1, plus an optional
//! `job_level`), one per year, joined on `employee_id`. Each file is read with the census
//! reader (every bad cell reported with its file, line and column); its year comes from the
//! caller's list, a `snapshot_date` column, or the first 19xx/20xx number in the file name.
//! The snapshots must make one history, or the error names the file, the line and the rule:
//! years consecutive and each once; a birth date never changes; a hire date changes only
//! when a terminated employee is rehired (`allow_rehires`); nobody reappears after leaving
//! unless rehires are allowed; nobody first appears with a hire date before the previous
//! snapshot's year.

use crate::FitError;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use workforce_sim_core::census::import::{read_census, CensusFormat, ParquetCensus, RawRows};
use workforce_sim_core::census::CensusRecord;
use workforce_sim_core::config::ValidConfig;
use workforce_sim_core::date::{self, Day};
use workforce_sim_core::rules::job_level::level_for;
use workforce_sim_store::DuckdbParquet;

/// The fewest and most snapshots a history may have.
pub const MIN_SNAPSHOTS: usize = 2;
pub const MAX_SNAPSHOTS: usize = 10;

/// Column names a job level may have.
const LEVEL_COLUMNS: [&str; 3] = ["job_level", "level_id", "employee_job_level"];
const ID_COLUMNS: [&str; 3] = ["employee_id", "emp_id", "id"];

/// One employee in one snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub id: String,
    /// The line (CSV, the header being line 1) or row (Parquet, from 1) of the file.
    pub line: usize,
    pub birth: Day,
    pub hire: Day,
    pub termination: Option<Day>,
    /// Year-end (full-year-equivalent) pay.
    pub pay: f64,
    /// The deferral rate at year end, when the file has the column.
    pub deferral: Option<f64>,
    /// The job level: the file's `job_level`, or derived from pay (docs/rules.md 1.2).
    pub level: u8,
    /// The census row as read (to start a simulation from this snapshot).
    pub record: CensusRecord,
}

impl Person {
    /// Active at the snapshot's year end: no termination date on or before it.
    pub fn active_at(&self, year_end: Day) -> bool {
        self.termination.is_none_or(|t| t > year_end)
    }
}

/// One annual snapshot: everyone active at its year end, and those who left during it.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub year: i32,
    pub path: PathBuf,
    /// `line` (CSV) or `row` (Parquet).
    pub unit: &'static str,
    /// Sorted by `employee_id`.
    pub people: Vec<Person>,
    /// Whether the file gave job levels (else they are derived from pay).
    pub levels_given: bool,
    /// Whether the file has deferral rates (the plan flows need them).
    pub deferrals_given: bool,
}

impl Snapshot {
    pub fn year_end(&self) -> Day {
        date::days_from_civil(self.year, 12, 31)
    }

    /// The person with `id`, if in this snapshot.
    pub fn find(&self, id: &str) -> Option<&Person> {
        self.people
            .binary_search_by(|p| p.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.people[i])
    }

    fn error(&self, line: Option<usize>, rule: String) -> FitError {
        FitError::History {
            path: self.path.clone(),
            unit: self.unit,
            line,
            rule,
        }
    }
}

/// How a history is read.
#[derive(Debug, Clone, Default)]
pub struct HistoryOptions {
    /// The year of each file, in the order given (else from `snapshot_date` or the name).
    pub years: Option<Vec<i32>>,
    /// Whether an employee who left may come back (with a new hire date).
    pub allow_rehires: bool,
}

/// The snapshots of one history, in year order, checked to be consistent.
#[derive(Debug, Clone)]
pub struct History {
    pub snapshots: Vec<Snapshot>,
    /// The census reader's warnings (unknown columns and the like), with their file.
    pub warnings: Vec<String>,
}

/// A file's header and its cells as text (CSV through the `csv` crate, Parquet through the
/// store's reader), for the columns the census reader does not keep.
fn raw_cells(path: &Path) -> Result<(Vec<String>, RawRows), FitError> {
    let io = |m: String| {
        FitError::Census(workforce_sim_core::CensusError::Io {
            path: path.to_path_buf(),
            message: m,
        })
    };
    match CensusFormat::from_path(path)? {
        CensusFormat::Parquet => Ok(DuckdbParquet.read_raw(path)?),
        CensusFormat::Csv => {
            let mut r = csv::ReaderBuilder::new()
                .flexible(true)
                .from_path(path)
                .map_err(|e| io(e.to_string()))?;
            let header = r
                .headers()
                .map_err(|e| io(e.to_string()))?
                .iter()
                .map(|h| h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase())
                .collect();
            let mut rows = Vec::new();
            for rec in r.records() {
                let rec = rec.map_err(|e| io(e.to_string()))?;
                rows.push(
                    rec.iter()
                        .map(|c| (!c.trim().is_empty()).then(|| c.trim().to_string()))
                        .collect(),
                );
            }
            Ok((header, rows))
        }
    }
}

/// The first 19xx or 20xx number in a file name.
fn year_in_name(path: &Path) -> Option<i32> {
    let name = path.file_stem()?.to_string_lossy().into_owned();
    let b = name.as_bytes();
    (0..b.len().saturating_sub(3)).find_map(|i| {
        let digits = &b[i..i + 4];
        let bounded = (i == 0 || !b[i - 1].is_ascii_digit())
            && b.get(i + 4).is_none_or(|c| !c.is_ascii_digit());
        if bounded
            && digits.iter().all(u8::is_ascii_digit)
            && (digits[..2] == *b"19" || digits[..2] == *b"20")
        {
            std::str::from_utf8(digits).ok()?.parse().ok()
        } else {
            None
        }
    })
}

/// Reads one snapshot file of `year` (or the year its `snapshot_date` column or name gives).
pub fn read_snapshot(
    path: &Path,
    year: Option<i32>,
    config: &ValidConfig,
) -> Result<(Snapshot, Vec<String>), FitError> {
    let (header, rows) = raw_cells(path)?;
    let unit = match CensusFormat::from_path(path)? {
        CensusFormat::Csv => "line",
        CensusFormat::Parquet => "row",
    };
    let line_of = |i: usize| if unit == "line" { i + 2 } else { i + 1 };
    let column = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.contains(&h.to_ascii_lowercase().as_str()))
    };
    let fail = |line: Option<usize>, rule: String| FitError::History {
        path: path.to_path_buf(),
        unit,
        line,
        rule,
    };
    let year = match year {
        Some(y) => y,
        None => match column(&["snapshot_date"]) {
            Some(c) => {
                let mut found: Option<i32> = None;
                for (i, row) in rows.iter().enumerate() {
                    let cell = row.get(c).cloned().flatten().unwrap_or_default();
                    let Some(d) = date::parse(&cell) else {
                        return Err(fail(
                            Some(line_of(i)),
                            format!("snapshot_date {cell:?} is not a date"),
                        ));
                    };
                    let y = date::year_of(d);
                    if found.is_some_and(|f| f != y) {
                        return Err(fail(
                            Some(line_of(i)),
                            format!("snapshot_date is in {y}, and earlier rows are in {}: one file is one year", found.unwrap_or(y)),
                        ));
                    }
                    found = Some(y);
                }
                found.ok_or_else(|| fail(None, "has no rows".into()))?
            }
            None => year_in_name(path).ok_or_else(|| {
                fail(
                    None,
                    "cannot tell its year: give the years (--year), a snapshot_date column, or a year in the file name".into(),
                )
            })?,
        },
    };
    if !(1901..=2199).contains(&year) {
        return Err(fail(None, format!("year {year} is outside 1901..=2199")));
    }
    let year_end = date::days_from_civil(year, 12, 31);
    let imported = read_census(path, year_end, Some(&DuckdbParquet))?;
    let id_col = column(&ID_COLUMNS);
    let level_col = column(&LEVEL_COLUMNS);
    let mut lines: HashMap<&str, (usize, Option<&str>)> = HashMap::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let Some(id) = id_col.and_then(|c| row.get(c)).and_then(|c| c.as_deref()) else {
            continue;
        };
        let level = level_col
            .and_then(|c| row.get(c))
            .and_then(|c| c.as_deref());
        // The census reader keeps the first row of a duplicated id.
        lines.entry(id).or_insert((line_of(i), level));
    }
    let deferrals_given = column(&["employee_deferral_rate", "deferral_rate"]).is_some();
    let top = config.job_levels.len() as u8;
    let mut people = Vec::with_capacity(imported.records.len());
    for r in imported.records {
        let (line, level_text) = lines
            .get(r.employee_id.as_str())
            .copied()
            .unwrap_or((0, None));
        let level = match (level_col, level_text) {
            (Some(_), Some(t)) => match t.trim().parse::<f64>() {
                Ok(v) if v.fract() == 0.0 && v >= 1.0 && v <= top as f64 => v as u8,
                _ => {
                    return Err(fail(
                        Some(line),
                        format!("job_level {t:?} is not a level 1..={top} of the configuration"),
                    ))
                }
            },
            _ => level_for(
                r.employee_gross_compensation,
                &config.job_levels,
                config.census.level_mapping,
            ),
        };
        people.push(Person {
            line,
            birth: r.employee_birth_date,
            hire: r.employee_hire_date,
            termination: r.employee_termination_date,
            pay: r.employee_gross_compensation,
            deferral: if deferrals_given {
                Some(r.employee_deferral_rate.unwrap_or(0.0))
            } else {
                None
            },
            level,
            id: r.employee_id.clone(),
            record: r,
        });
    }
    people.sort_by(|a, b| a.id.cmp(&b.id));
    let warnings = imported
        .warnings
        .into_iter()
        .filter(|w| !w.contains("snapshot_date") && !w.contains("job level"))
        .map(|w| format!("{}: {w}", path.display()))
        .collect();
    Ok((
        Snapshot {
            year,
            path: path.to_path_buf(),
            unit,
            people,
            levels_given: level_col.is_some(),
            deferrals_given,
        },
        warnings,
    ))
}

impl History {
    /// Reads and checks the snapshot files `paths` (see the module documentation).
    pub fn read(
        paths: &[PathBuf],
        options: &HistoryOptions,
        config: &ValidConfig,
    ) -> Result<History, FitError> {
        if let Some(years) = &options.years {
            if years.len() != paths.len() {
                return Err(FitError::Input(format!(
                    "{} years given for {} files: give one year per file",
                    years.len(),
                    paths.len()
                )));
            }
        }
        count_ok(paths.len())?;
        let mut snapshots = Vec::with_capacity(paths.len());
        let mut warnings = Vec::new();
        for (k, p) in paths.iter().enumerate() {
            let year = options.years.as_ref().map(|y| y[k]);
            let (s, w) = read_snapshot(p, year, config)?;
            snapshots.push(s);
            warnings.extend(w);
        }
        let mut h = History::from_snapshots(snapshots, options.allow_rehires)?;
        h.warnings = warnings;
        Ok(h)
    }

    /// Orders and checks snapshots already read (or made from simulated years).
    pub fn from_snapshots(
        mut snapshots: Vec<Snapshot>,
        allow_rehires: bool,
    ) -> Result<History, FitError> {
        count_ok(snapshots.len())?;
        snapshots.sort_by_key(|s| s.year);
        for w in snapshots.windows(2) {
            let (a, b) = (&w[0], &w[1]);
            if a.year == b.year {
                return Err(b.error(
                    None,
                    format!(
                        "is the {} snapshot, and so is {}: one file per year",
                        b.year,
                        a.path.display()
                    ),
                ));
            }
            if b.year != a.year + 1 {
                return Err(b.error(
                    None,
                    format!(
                        "is the {} snapshot and the one before it is {}: the year {} is missing",
                        b.year,
                        a.year,
                        a.year + 1
                    ),
                ));
            }
        }
        check_people(&snapshots, allow_rehires)?;
        Ok(History {
            snapshots,
            warnings: Vec::new(),
        })
    }

    pub fn years(&self) -> Vec<i32> {
        self.snapshots.iter().map(|s| s.year).collect()
    }
}

fn count_ok(n: usize) -> Result<(), FitError> {
    if !(MIN_SNAPSHOTS..=MAX_SNAPSHOTS).contains(&n) {
        return Err(FitError::Input(format!(
            "{n} snapshot(s) given: a history needs {MIN_SNAPSHOTS} to {MAX_SNAPSHOTS} annual snapshots"
        )));
    }
    Ok(())
}

/// The rules that join people across snapshots.
fn check_people(snapshots: &[Snapshot], allow_rehires: bool) -> Result<(), FitError> {
    // Per id: the last snapshot seen in, and whether the person had left by then.
    struct Seen<'a> {
        person: &'a Person,
        year: i32,
        left: bool,
        path: &'a Path,
    }
    let mut seen: HashMap<&str, Seen<'_>> = HashMap::new();
    for s in snapshots {
        let jan1 = date::days_from_civil(s.year, 1, 1);
        for p in &s.people {
            if let Some(before) = seen.get(p.id.as_str()) {
                let was = before.person;
                if was.birth != p.birth {
                    return Err(s.error(
                        Some(p.line),
                        format!(
                            "employee {}'s birth date is {} here and {} in {}: a birth date does not change",
                            p.id,
                            date::Iso(p.birth),
                            date::Iso(was.birth),
                            before.path.display()
                        ),
                    ));
                }
                // Gone from a snapshot, or listed as left, and now active: a rehire.
                let absent = before.year + 1 < s.year;
                let back = (before.left || absent)
                    && p.active_at(s.year_end())
                    && p.termination != was.termination;
                if back && !allow_rehires {
                    return Err(s.error(
                        Some(p.line),
                        format!(
                            "employee {} left ({} in {}) and is back: pass --allow-rehires if rehires are real",
                            p.id,
                            was.termination.map_or("absent".to_string(), |t| format!("terminated {}", date::Iso(t))),
                            if absent { before.year + 1 } else { before.year }
                        ),
                    ));
                }
                if was.hire != p.hire
                    && !(back && allow_rehires && p.hire > was.termination.unwrap_or(was.hire))
                {
                    return Err(s.error(
                        Some(p.line),
                        format!(
                            "employee {}'s hire date is {} here and {} in {}: a hire date changes only on a rehire",
                            p.id,
                            date::Iso(p.hire),
                            date::Iso(was.hire),
                            before.path.display()
                        ),
                    ));
                }
            } else if s.year > snapshots[0].year && p.hire < jan1 {
                return Err(s.error(
                    Some(p.line),
                    format!(
                        "employee {} first appears in {} with hire date {}, before the year, and is not in the {} snapshot",
                        p.id,
                        s.year,
                        date::Iso(p.hire),
                        s.year - 1
                    ),
                ));
            }
            seen.insert(
                &p.id,
                Seen {
                    person: p,
                    year: s.year,
                    left: !p.active_at(s.year_end()),
                    path: &s.path,
                },
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_year_is_found_in_a_file_name() {
        assert_eq!(year_in_name(Path::new("census_2024.csv")), Some(2024));
        assert_eq!(year_in_name(Path::new("2023-acme.parquet")), Some(2023));
        assert_eq!(year_in_name(Path::new("acme_v12345.csv")), None);
        assert_eq!(year_in_name(Path::new("snapshot.csv")), None);
    }
}
