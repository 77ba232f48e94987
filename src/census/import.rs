//! Census files: CSV and Parquet import with row-level validation, and export.
//!
//! Column names are matched case-insensitively with the aliases of domain.md 1.1. Every
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
    /// Rows after de-duplication (domain.md 1.2.1), in file order of the kept rows.
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

/// Columns of domain.md 1.1 that are informational: accepted and not used.
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

/// Reads and validates a census file (format by extension). `census_date` is the census
/// plan-year end: no hire may come after it.
pub fn read_census(path: &Path, census_date: Day) -> Result<ImportedCensus, CensusError> {
    let (header, rows, unit) = match CensusFormat::from_path(path)? {
        CensusFormat::Csv => (read_csv_raw(path)?, None, "line"),
        CensusFormat::Parquet => {
            let (h, r) = read_parquet_raw(path)?;
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

fn csv_reader(path: &Path) -> Result<csv::Reader<std::fs::File>, CensusError> {
    csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
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

type RawRows = Vec<Vec<Option<String>>>;

fn read_parquet_raw(path: &Path) -> Result<(Vec<String>, RawRows), CensusError> {
    let io = |e: duckdb::Error| CensusError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    if !path.exists() {
        return Err(CensusError::Io {
            path: path.to_path_buf(),
            message: "no such file".into(),
        });
    }
    let conn = duckdb::Connection::open_in_memory().map_err(io)?;
    let source = format!(
        "read_parquet('{}')",
        path.display().to_string().replace('\'', "''")
    );
    let mut names = Vec::new();
    {
        let mut stmt = conn
            .prepare(&format!("DESCRIBE SELECT * FROM {source}"))
            .map_err(io)?;
        let mut rows = stmt.query([]).map_err(io)?;
        while let Some(row) = rows.next().map_err(io)? {
            names.push(row.get::<_, String>(0).map_err(io)?);
        }
    }
    let select = names
        .iter()
        .map(|n| format!("CAST(\"{}\" AS VARCHAR)", n.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(", ");
    let mut stmt = conn
        .prepare(&format!("SELECT {select} FROM {source}"))
        .map_err(io)?;
    let mut rows = stmt.query([]).map_err(io)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(io)? {
        let mut values = Vec::with_capacity(names.len());
        for i in 0..names.len() {
            values.push(row.get::<_, Option<String>>(i).map_err(io)?);
        }
        out.push(values);
    }
    Ok((names, out))
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
        let comp = match number(self, 5) {
            Some(x) if x <= 0.0 && term.is_none() => {
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
            Some(x) => Some(round2(x)),
            None => {
                if cell(5).is_none() {
                    self.problem(line, COLUMNS[5], "is required and empty".into());
                }
                None
            }
        };
        let rate = match number(self, 7) {
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
            other => other.map(staging::normalise_deferral_rate),
        };
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
pub fn write_census(path: &Path, records: &[CensusRecord]) -> Result<(), CensusError> {
    let io = |message: String| CensusError::Io {
        path: path.to_path_buf(),
        message,
    };
    let format = CensusFormat::from_path(path)?;
    let tmp = path.with_extension(format!(
        "{}.tmp",
        path.extension().and_then(|e| e.to_str()).unwrap_or("out")
    ));
    let result = match format {
        CensusFormat::Csv => write_csv(&tmp, records).map_err(|e| io(e.to_string())),
        CensusFormat::Parquet => write_parquet(&tmp, records).map_err(|e| io(e.to_string())),
    };
    match result {
        Ok(()) => std::fs::rename(&tmp, path).map_err(|e| io(e.to_string())),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
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

fn write_parquet(path: &Path, records: &[CensusRecord]) -> Result<(), String> {
    write_parquet_inner(path, records).map_err(|e| e.to_string())
}

fn write_parquet_inner(
    path: &Path,
    records: &[CensusRecord],
) -> Result<(), Box<dyn std::error::Error>> {
    use duckdb::arrow::array::{
        ArrayRef, BooleanArray, Date32Array, Decimal128Array, Float64Array, StringArray,
    };
    use duckdb::arrow::record_batch::RecordBatch;
    use std::sync::Arc;
    let conn = duckdb::Connection::open_in_memory()?;
    conn.execute_batch(
        "CREATE TABLE census (employee_id VARCHAR, employee_ssn VARCHAR, employee_birth_date DATE, employee_hire_date DATE,
         employee_termination_date DATE, employee_gross_compensation DECIMAL(12,2), active BOOLEAN,
         employee_deferral_rate DOUBLE, scheduled_hours_per_week DOUBLE, auto_escalation_opt_out BOOLEAN,
         eligibility_override BOOLEAN)",
    )?;
    for chunk in records.chunks(100_000) {
        let cols: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from_iter_values(
                chunk.iter().map(|r| r.employee_id.as_str()),
            )),
            Arc::new(StringArray::from_iter_values(
                chunk.iter().map(|r| r.employee_ssn.as_str()),
            )),
            Arc::new(Date32Array::from_iter_values(
                chunk.iter().map(|r| r.employee_birth_date),
            )),
            Arc::new(Date32Array::from_iter_values(
                chunk.iter().map(|r| r.employee_hire_date),
            )),
            Arc::new(Date32Array::from_iter(
                chunk.iter().map(|r| r.employee_termination_date),
            )),
            Arc::new(
                Decimal128Array::from_iter_values(
                    chunk
                        .iter()
                        .map(|r| crate::decimal::to_cents(r.employee_gross_compensation) as i128),
                )
                .with_precision_and_scale(12, 2)
                .expect("valid decimal type"),
            ),
            Arc::new(BooleanArray::from_iter(chunk.iter().map(|r| r.active))),
            Arc::new(Float64Array::from_iter(
                chunk.iter().map(|r| r.employee_deferral_rate),
            )),
            Arc::new(Float64Array::from_iter(
                chunk.iter().map(|r| r.scheduled_hours_per_week),
            )),
            Arc::new(BooleanArray::from_iter(
                chunk.iter().map(|r| r.auto_escalation_opt_out),
            )),
            Arc::new(BooleanArray::from_iter(
                chunk.iter().map(|r| r.eligibility_override),
            )),
        ];
        let batch = RecordBatch::try_from_iter(COLUMNS.iter().zip(cols).map(|(n, c)| (*n, c)))?;
        let mut app = conn.appender("census")?;
        app.append_record_batch(batch)?;
        app.flush()?;
    }
    conn.execute_batch(&format!(
        "COPY census TO '{}' (FORMAT PARQUET)",
        path.display().to_string().replace('\'', "''")
    ))?;
    Ok(())
}
