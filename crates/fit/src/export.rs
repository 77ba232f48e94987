//! A run's year-end snapshot as a census (docs/rules.md 1.1, plus `job_level`): from a
//! results database (`census export --db RUN --year Y --out FILE`) or from a year simulated
//! in memory (the backtest's), the same columns by the same rules, so that a simulated
//! history can be fitted and runs chained. Everyone on the year's roster is written: the
//! actives, and those who left during the year with their termination date. The pay is the
//! year-end full-year-equivalent pay; the deferral rate is the year-end election of a
//! participant (0 for anyone not enrolled); `eligibility_override` is `false` for a
//! plan-ineligible employee; `job_level` is the level held at year end.

use crate::history::{Person, Snapshot};
use crate::FitError;
use std::path::{Path, PathBuf};
use workforce_sim_core::census::import::CensusFormat;
use workforce_sim_core::census::CensusRecord;
use workforce_sim_core::state::Snapshot as RunSnapshot;

/// The census rows of a simulated year-end snapshot, as a history's snapshot (`label` names
/// it in messages).
pub fn snapshot_from_run(s: &RunSnapshot, label: &str) -> Snapshot {
    let plan = !s.plan.is_empty();
    let people = (0..s.len())
        .map(|i| {
            let carry = s.plan.get(i).map(|p| &p.carry);
            let deferral = carry.map(|c| if c.enrolled { c.deferral_rate } else { 0.0 });
            let record = CensusRecord {
                employee_id: s.employee_id[i].to_string(),
                employee_ssn: s.employee_ssn[i].to_string(),
                employee_birth_date: s.birth_date[i],
                employee_hire_date: s.hire_date[i],
                employee_termination_date: s.termination_date[i],
                employee_gross_compensation: s.current_compensation[i],
                active: Some(s.active[i]),
                employee_deferral_rate: deferral,
                scheduled_hours_per_week: s.scheduled_hours[i],
                auto_escalation_opt_out: carry.map(|c| c.census_escalation_opt_out),
                eligibility_override: carry.and_then(|c| c.plan_ineligible.then_some(false)),
            };
            Person {
                id: record.employee_id.clone(),
                line: i + 1,
                birth: record.employee_birth_date,
                hire: record.employee_hire_date,
                termination: record.employee_termination_date,
                pay: record.employee_gross_compensation,
                deferral,
                level: s.level_id[i],
                record,
            }
        })
        .collect();
    let mut snap = Snapshot {
        year: s.year,
        path: PathBuf::from(label),
        unit: "row",
        people,
        levels_given: true,
        deferrals_given: plan,
    };
    snap.people.sort_by(|a, b| a.id.cmp(&b.id));
    snap
}

/// The SQL of the census of `year` from a results database's `workforce_snapshot` view.
fn census_query(year: i32) -> String {
    format!(
        "SELECT employee_id, employee_ssn, employee_birth_date, employee_hire_date,
            termination_date AS employee_termination_date,
            current_compensation AS employee_gross_compensation,
            employment_status = 'active' AS active,
            CASE WHEN is_enrolled_flag THEN current_deferral_rate ELSE 0 END AS employee_deferral_rate,
            scheduled_hours_per_week,
            CASE WHEN plan_ineligible THEN false END AS eligibility_override,
            level_id AS job_level
         FROM workforce_snapshot WHERE simulation_year = {year} ORDER BY employee_id"
    )
}

/// Writes the census of `year` of the run in `db` (a results database, or a Parquet
/// output's `results.duckdb`) to `out` (CSV or Parquet by its extension), whole or not at
/// all; an existing `out` is replaced only with `overwrite`. Returns the rows written.
pub fn export_census(db: &Path, year: i32, out: &Path, overwrite: bool) -> Result<u64, FitError> {
    let format = CensusFormat::from_path(out)?;
    if out.exists() && !overwrite {
        return Err(FitError::Output(format!(
            "{} exists: pass --overwrite to replace it",
            out.display()
        )));
    }
    if !db.is_file() {
        return Err(FitError::Output(format!(
            "{} is not a results database",
            db.display()
        )));
    }
    let fail = |e: duckdb::Error| FitError::Output(format!("{}: {e}", db.display()));
    let conn = duckdb::Connection::open_with_flags(
        db,
        duckdb::Config::default()
            .access_mode(duckdb::AccessMode::ReadOnly)
            .map_err(fail)?,
    )
    .map_err(fail)?;
    let years: Vec<i32> = {
        let mut stmt = conn
            .prepare("SELECT DISTINCT simulation_year FROM workforce_snapshot ORDER BY 1")
            .map_err(fail)?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(fail)?;
        rows.collect::<Result<_, _>>().map_err(fail)?
    };
    if !years.contains(&year) {
        return Err(FitError::Output(format!(
            "{} has no year {year} (its years: {})",
            db.display(),
            years
                .iter()
                .map(i32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let options = match format {
        CensusFormat::Csv => "(HEADER, DELIMITER ',')",
        CensusFormat::Parquet => "(FORMAT PARQUET)",
    };
    workforce_sim_core::place::write_whole(
        out,
        |partial| {
            let target = partial.display().to_string().replace('\'', "''");
            conn.execute_batch(&format!(
                "COPY ({}) TO '{target}' {options}",
                census_query(year)
            ))
            .map_err(fail)?;
            let n: i64 = conn
                .query_row(
                    &format!(
                        "SELECT count(*) FROM workforce_snapshot WHERE simulation_year = {year}"
                    ),
                    [],
                    |r| r.get(0),
                )
                .map_err(fail)?;
            Ok(n as u64)
        },
        |e| FitError::Output(format!("cannot put {} in place: {e}", out.display())),
    )
}
