//! Census files: CSV and Parquet import with row-level validation, and export.
//!
//! Column names are matched case-insensitively with the aliases of docs/rules.md 1.1. Every
//! problem is reported with the file, the line (CSV: the header is line 1) or row (Parquet: the
//! first data row is row 1), the column and the rule, all at once up to [`MAX_PROBLEMS`];
//! unknown columns are only warnings. Parquet is read and written through an in-memory DuckDB
//! (its bundled Parquet reader), so no second Parquet implementation is compiled in.

use super::{staging, CensusRecord, COLUMNS};
use crate::date::{self, Day, Iso};
use crate::decimal::round2;
use crate::error::{CensusError, RowProblem};
use std::path::Path;

/// At most this many problems are listed (all are counted).
pub const MAX_PROBLEMS: usize = 100;

/// A parsed census file.
#[derive(Debug, Clone)]
pub struct ImportedCensus {
    /// Rows after de-duplication (docs/rules.md 1.2.1), in file order of the kept rows.
    pub records: Vec<CensusRecord>,
    /// Non-fatal findings (unknown or ignored columns, de-duplicated rows).
    pub warnings: Vec<String>,
}

/// File formats the census can be read from and written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CensusFormat {
    Csv,
    Parquet,
}

impl CensusFormat {
    pub fn from_path(path: &Path) -> Result<CensusFormat, CensusError> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref()
        {
            Some("csv") => Ok(CensusFormat::Csv),
            Some("parquet") | Some("pq") => Ok(CensusFormat::Parquet),
            _ => Err(CensusError::UnsupportedFormat {
                path: path.to_path_buf(),
            }),
        }
    }
}

const ALIASES: [&[&str]; 11] = [
    &["employee_id", "emp_id", "id"],
    &["employee_ssn", "ssn"],
    &["employee_birth_date", "birth_date", "date_of_birth", "dob"],
    &["employee_hire_date", "hire_date", "date_of_hire"],
    &["employee_termination_date", "termination_date", "term_date"],
    &[
        "employee_gross_compensation",
        "gross_compensation",
        "annual_salary",
        "salary",
        "compensation",
        "annual_compensation",
    ],
    &["active", "is_active", "employee_active"],
    &["employee_deferral_rate", "deferral_rate"],
    &["scheduled_hours_per_week", "weekly_hours", "hours_per_week"],
    &["auto_escalation_opt_out"],
    &["eligibility_override"],
];

/// Columns of docs/rules.md 1.1 that are informational: accepted and not used.
const INFORMATIONAL: [&str; 12] = [
    "employee_capped_compensation",
    "employee_contribution",
    "pre_tax_contribution",
    "roth_contribution",
    "after_tax_contribution",
    "employer_core_contribution",
    "employer_match_contribution",
    "eligibility_entry_date",
    "job_level",
    "level_id",
    "employee_job_level",
    "status",
];

const REQUIRED: [usize; 5] = [0, 1, 2, 3, 5];

/// The census as raw text cells: one `Vec` per row, one `Option<String>` per column of the
/// header (`None` = NULL).
pub type RawRows = Vec<Vec<Option<String>>>;

/// Reading and writing census files in Parquet, a format this crate does not link: the
/// store crate implements it over DuckDB, and the facade passes it in. Every cell comes back
/// as text, so CSV and Parquet go through the same parsing and the same row rules.
pub trait ParquetCensus {
    /// The header and every row of a Parquet file, each cell as text.
    fn read_raw(&self, path: &Path) -> Result<(Vec<String>, RawRows), CensusError>;
    /// Writes `records` as a Parquet file at `path` (the caller renames it into place).
    fn write(&self, path: &Path, records: &[CensusRecord]) -> Result<(), String>;
}

fn no_parquet<'a>(
    path: &Path,
    parquet: Option<&'a dyn ParquetCensus>,
) -> Result<&'a dyn ParquetCensus, CensusError> {
    parquet.ok_or_else(|| CensusError::Io {
        path: path.to_path_buf(),
        message: "Parquet census files need the store (use the workforce-sim facade, or CSV)"
            .into(),
    })
}

/// Reads and validates a census file (format by extension). `census_date` is the census
/// plan-year end: no hire may come after it.
pub fn read_census(
    path: &Path,
    census_date: Day,
    parquet: Option<&dyn ParquetCensus>,
) -> Result<ImportedCensus, CensusError> {
    let (header, rows, unit) = match CensusFormat::from_path(path)? {
        CensusFormat::Csv => (read_csv_raw(path)?, None, "line"),
        CensusFormat::Parquet => {
            let (h, r) = no_parquet(path, parquet)?.read_raw(path)?;
            (h, Some(r), "row")
        }
    };
    let (mapping, mut warnings) = map_header(path, &header)?;
    let mut parser = RowParser {
        mapping,
        census_date,
        unit,
        problems: Vec::new(),
        total: 0,
        warnings: Vec::new(),
    };
    let mut parsed: Vec<(u64, CensusRecord)> = Vec::new();
    match rows {
        None => {
            let mut reader = csv_reader(path)?;
            let mut record = csv::StringRecord::new();
            loop {
                match reader.read_record(&mut record) {
                    Ok(false) => break,
                    Ok(true) => {
                        let line = record.position().map(|p| p.line()).unwrap_or(0);
                        if record.len() == 1 && record[0].is_empty() {
                            continue; // a blank line (or one with only white space)
                        }
                        if record.len() != header.len() {
                            parser.problem(
                                line,
                                "*",
                                format!(
                                    "malformed CSV record: {} fields, the header has {}",
                                    record.len(),
                                    header.len()
                                ),
                            );
                            continue;
                        }
                        if let Some(r) = parser.parse(line, |i| record.get(i)) {
                            parsed.push((line, r));
                        }
                    }
                    Err(e) => {
                        let line = e.position().map(|p| p.line()).unwrap_or(0);
                        parser.problem(line, "*", format!("malformed CSV record: {e}"));
                        if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                            break;
                        }
                    }
                }
            }
        }
        Some(rows) => {
            for (i, row) in rows.iter().enumerate() {
                let line = i as u64 + 1;
                if let Some(r) = parser.parse(line, |c| row.get(c).and_then(|v| v.as_deref())) {
                    parsed.push((line, r));
                }
            }
        }
    }
    warnings.append(&mut parser.warnings);
    let dedup = staging::deduplicate(parsed, unit);
    for p in dedup.problems {
        parser.push(p);
    }
    if parser.total > 0 {
        return Err(CensusError::Rows {
            path: path.to_path_buf(),
            problems: parser.problems,
            total: parser.total,
        });
    }
    if dedup.dropped > 0 {
        warnings.push(format!("{} duplicate employee_id row(s) resolved by keeping the latest hire date (then the highest compensation)", dedup.dropped));
    }
    if dedup
        .records
        .iter()
        .all(|r| r.employee_termination_date.is_some())
    {
        return Err(CensusError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(ImportedCensus {
        records: dedup.records,
        warnings,
    })
}

/// A reader of the census CSV. Records end at `\n` alone, so a record's line number is the
/// line its first byte is on with Windows line endings too (the reader's CRLF terminator
/// reported every line after the header one too low); the `\r` before the `\n` is trimmed
/// with the other surrounding white space. Field counts are checked by the caller, which can
/// then tell a blank line (skipped) from a short record (an error).
fn csv_reader(path: &Path) -> Result<csv::Reader<std::fs::File>, CensusError> {
    csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .terminator(csv::Terminator::Any(b'\n'))
        .flexible(true)
        .from_path(path)
        .map_err(|e| CensusError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
}

fn read_csv_raw(path: &Path) -> Result<Vec<String>, CensusError> {
    let mut reader = csv_reader(path)?;
    let header = reader.headers().map_err(|e| CensusError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    Ok(header
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect())
}

/// Maps canonical column index -> file column index.
fn map_header(
    path: &Path,
    header: &[String],
) -> Result<([Option<usize>; 11], Vec<String>), CensusError> {
    let mut mapping = [None; 11];
    let mut warnings = Vec::new();
    for (i, raw) in header.iter().enumerate() {
        let name = raw.trim().to_ascii_lowercase();
        if let Some(c) = ALIASES.iter().position(|a| a.contains(&name.as_str())) {
            if mapping[c].is_none() {
                mapping[c] = Some(i);
            } else {
                warnings.push(format!(
                    "column {raw:?} is a second name for {} and is ignored",
                    COLUMNS[c]
                ));
            }
        } else if INFORMATIONAL.contains(&name.as_str()) {
            if name.contains("level") {
                warnings.push(format!(
                    "column {raw:?} is ignored: the job level is derived from compensation"
                ));
            }
        } else {
            warnings.push(format!("unknown column {raw:?} is ignored"));
        }
    }
    let missing: Vec<String> = REQUIRED
        .iter()
        .filter(|c| mapping[**c].is_none())
        .map(|c| COLUMNS[*c].to_string())
        .collect();
    if !missing.is_empty() {
        return Err(CensusError::MissingColumns {
            path: path.to_path_buf(),
            columns: missing,
        });
    }
    Ok((mapping, warnings))
}

struct RowParser {
    mapping: [Option<usize>; 11],
    census_date: Day,
    unit: &'static str,
    problems: Vec<RowProblem>,
    total: usize,
    /// Plausible but unusual values (domain 6.4's warning bounds), with line and rule.
    warnings: Vec<String>,
}

/// Plausibility of a census row (docs/rules.md 1.1), where the specification is silent on
/// what to reject: the ages an employer can have on its payroll, and the data-quality bounds
/// of 6.4 for pay (above 10M is an error there, above 5M or below 10k a warning).
pub mod plausible {
    /// Youngest and oldest age (census year − birth year) a census row may have.
    pub const AGE: std::ops::RangeInclusive<i32> = 14..=100;
    /// Annual pay above this is an error (6.4 "critical").
    pub const MAX_PAY: f64 = 10_000_000.0;
    /// Annual pay above this is a warning (6.4).
    pub const HIGH_PAY: f64 = 5_000_000.0;
    /// Annual pay below this is a warning (6.4).
    pub const LOW_PAY: f64 = 10_000.0;
    /// The plan's deferral-rate cap (4.4): a census election above it is an error.
    pub const MAX_DEFERRAL_RATE: f64 = 0.75;
}

impl RowParser {
    fn push(&mut self, p: RowProblem) {
        self.total += 1;
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(p);
        }
    }

    fn problem(&mut self, line: u64, column: &str, rule: String) {
        self.push(RowProblem {
            line,
            unit: self.unit,
            column: column.to_string(),
            rule,
        });
    }

    /// Parses one row; `None` (and problems recorded) when it breaks a rule.
    /// Gross pay (column 5) after it parsed as a number: positive for an active employee,
    /// never negative, at most the plausible maximum; unusual pay is a warning (1.1).
    fn pay(
        &mut self,
        line: u64,
        raw: Option<f64>,
        present: bool,
        term: Option<Day>,
    ) -> Option<f64> {
        match raw {
            Some(x) if round2(x) <= 0.0 && term.is_none() => {
                self.problem(
                    line,
                    COLUMNS[5],
                    format!("must be > 0 for an active employee, got {x}"),
                );
                None
            }
            Some(x) if x < 0.0 => {
                self.problem(line, COLUMNS[5], format!("must not be negative, got {x}"));
                None
            }
            Some(x) if x > plausible::MAX_PAY => {
                self.problem(
                    line,
                    COLUMNS[5],
                    format!(
                        "{x} is above the plausible maximum annual pay of {}",
                        plausible::MAX_PAY
                    ),
                );
                None
            }
            Some(x) => {
                if term.is_none() && !(plausible::LOW_PAY..=plausible::HIGH_PAY).contains(&x) {
                    self.warnings.push(format!(
                        "{} {line}, column {}: annual pay {x} is outside the usual [{}, {}]",
                        self.unit,
                        COLUMNS[5],
                        plausible::LOW_PAY,
                        plausible::HIGH_PAY
                    ));
                }
                Some(round2(x))
            }
            None => {
                if !present {
                    self.problem(line, COLUMNS[5], "is required and empty".into());
                }
                None
            }
        }
    }

    /// The census deferral election (column 7): a fraction or a percent, at most the plan's
    /// cap (1.1), normalised as 1.2 says.
    fn deferral_rate(&mut self, line: u64, raw: Option<f64>) -> Option<f64> {
        match raw {
            Some(x) if x < 0.0 => {
                self.problem(line, COLUMNS[7], format!("must not be negative, got {x}"));
                None
            }
            Some(x) if x > 100.0 => {
                self.problem(
                    line,
                    COLUMNS[7],
                    format!("must be a fraction (0.06) or a percent (6), got {x}"),
                );
                None
            }
            Some(x) if (if x > 1.0 { x / 100.0 } else { x }) > plausible::MAX_DEFERRAL_RATE => {
                self.problem(
                    line,
                    COLUMNS[7],
                    format!(
                        "{x} is above the plan's deferral-rate cap of {}%",
                        plausible::MAX_DEFERRAL_RATE * 100.0
                    ),
                );
                None
            }
            other => other.map(crate::rules::enrollment::normalise_deferral_rate),
        }
    }

    /// The rules between a row's dates: a plausible age at the census date, birth before hire,
    /// hire not after the census date, termination not before hire (1.1).
    fn check_dates(&mut self, line: u64, birth: Option<Day>, hire: Option<Day>, term: Option<Day>) {
        if let Some(b) = birth {
            let age = date::year_of(self.census_date) - date::year_of(b);
            if !plausible::AGE.contains(&age) {
                self.problem(
                    line,
                    COLUMNS[2],
                    format!(
                        "birth date {} gives age {age} at the census date {}, outside {}..={}",
                        Iso(b),
                        Iso(self.census_date),
                        plausible::AGE.start(),
                        plausible::AGE.end()
                    ),
                );
            }
        }
        if let (Some(b), Some(h)) = (birth, hire) {
            if b >= h {
                self.problem(
                    line,
                    COLUMNS[2],
                    format!("birth date {} is not before hire date {}", Iso(b), Iso(h)),
                );
            }
        }
        if let Some(h) = hire {
            if h > self.census_date {
                self.problem(
                    line,
                    COLUMNS[3],
                    format!(
                        "hire date {} is after the census date {}",
                        Iso(h),
                        Iso(self.census_date)
                    ),
                );
            }
            if let Some(t) = term {
                if t < h {
                    self.problem(
                        line,
                        COLUMNS[4],
                        format!("termination date {} is before hire date {}", Iso(t), Iso(h)),
                    );
                }
            }
        }
    }

    fn parse<'a>(
        &mut self,
        line: u64,
        get: impl Fn(usize) -> Option<&'a str>,
    ) -> Option<CensusRecord> {
        let before = self.total;
        let mapping = self.mapping;
        let cell = |c: usize| -> Option<&'a str> {
            mapping[c]
                .and_then(&get)
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let text = |this: &mut Self, c: usize| -> String {
            match cell(c) {
                Some(v) => v.to_string(),
                None => {
                    this.problem(line, COLUMNS[c], "is required and empty".into());
                    String::new()
                }
            }
        };
        let employee_id = text(self, 0);
        let employee_ssn = text(self, 1);
        let date = |this: &mut Self, c: usize, required: bool| -> Option<Day> {
            match cell(c) {
                None if required => {
                    this.problem(line, COLUMNS[c], "is required and empty".into());
                    None
                }
                None => None,
                Some(v) => {
                    let d = date::parse(v);
                    if d.is_none() {
                        this.problem(
                            line,
                            COLUMNS[c],
                            format!("{v:?} is not a date (expected YYYY-MM-DD)"),
                        );
                    }
                    d
                }
            }
        };
        let birth = date(self, 2, true);
        let hire = date(self, 3, true);
        let term = date(self, 4, false);
        let number = |this: &mut Self, c: usize| -> Option<f64> {
            let v = cell(c)?;
            let cleaned: String = v.chars().filter(|ch| *ch != ',' && *ch != '$').collect();
            match cleaned.parse::<f64>() {
                Ok(x) if x.is_finite() => Some(x),
                _ => {
                    this.problem(line, COLUMNS[c], format!("{v:?} is not a number"));
                    None
                }
            }
        };
        let raw_pay = number(self, 5);
        let comp = self.pay(line, raw_pay, cell(5).is_some(), term);
        let raw_rate = number(self, 7);
        let rate = self.deferral_rate(line, raw_rate);
        let hours = match number(self, 8) {
            Some(x) if !(x > 0.0 && x <= 40.0) => {
                self.problem(
                    line,
                    COLUMNS[8],
                    format!("must be within (0, 40] hours per week, got {x}"),
                );
                None
            }
            other => other,
        };
        let boolean = |this: &mut Self, c: usize| -> Option<bool> {
            let v = cell(c)?;
            match v.to_ascii_lowercase().as_str() {
                "true" | "t" | "1" | "yes" | "y" | "active" => Some(true),
                "false" | "f" | "0" | "no" | "n" | "inactive" | "terminated" => Some(false),
                _ => {
                    this.problem(
                        line,
                        COLUMNS[c],
                        format!("{v:?} is not a boolean (true/false)"),
                    );
                    None
                }
            }
        };
        let active = boolean(self, 6);
        let opt_out = boolean(self, 9);
        let override_ = boolean(self, 10);

        self.check_dates(line, birth, hire, term);
        if self.total > before {
            return None;
        }
        Some(CensusRecord {
            employee_id,
            employee_ssn,
            employee_birth_date: birth?,
            employee_hire_date: hire?,
            employee_termination_date: term,
            employee_gross_compensation: comp?,
            active,
            employee_deferral_rate: rate,
            scheduled_hours_per_week: hours,
            auto_escalation_opt_out: opt_out,
            eligibility_override: override_,
        })
    }
}

/// Writes a census as CSV or Parquet (by extension). Nothing is left behind on failure.
pub fn write_census(
    path: &Path,
    records: &[CensusRecord],
    parquet: Option<&dyn ParquetCensus>,
) -> Result<(), CensusError> {
    let io = |message: String| CensusError::Io {
        path: path.to_path_buf(),
        message,
    };
    let format = CensusFormat::from_path(path)?;
    let parquet = match format {
        CensusFormat::Csv => None,
        CensusFormat::Parquet => Some(no_parquet(path, parquet)?),
    };
    crate::place::write_whole(
        path,
        |partial| match parquet {
            None => write_csv(partial, records).map_err(|e| io(e.to_string())),
            Some(p) => p.write(partial, records).map_err(io),
        },
        |e| io(e.to_string()),
    )
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn write_csv(path: &Path, records: &[CensusRecord]) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(COLUMNS)?;
    for r in records {
        w.write_record([
            r.employee_id.clone(),
            r.employee_ssn.clone(),
            Iso(r.employee_birth_date).to_string(),
            Iso(r.employee_hire_date).to_string(),
            opt(r.employee_termination_date.map(Iso)),
            format!("{:.2}", r.employee_gross_compensation),
            opt(r.active),
            opt(r.employee_deferral_rate),
            opt(r.scheduled_hours_per_week),
            opt(r.auto_escalation_opt_out),
            opt(r.eligibility_override),
        ])?;
    }
    w.flush()?;
    Ok(())
}
