//! Resume: what a database says about its run (configuration, engine, last committed year)
//! and the start-of-year workforce after a committed year, read back from its snapshot.

use crate::{Store, StoreError};
use workforce_sim_core::config::{Config, ValidConfig};
use workforce_sim_core::date::Day;
use workforce_sim_core::decimal::from_cents;
use workforce_sim_core::state::plan::EnrollmentMethod;
use workforce_sim_core::state::workforce::Employee;
use workforce_sim_core::state::{PlanCarry, Workforce};

/// What a resume needs from a database.
#[derive(Debug, Clone)]
pub struct ResumePoint {
    /// The run's configuration, validated again as it was read.
    pub config: ValidConfig,
    pub engine: String,
    pub last_committed_year: Option<i32>,
    pub run_id: String,
    pub census_rows: u64,
    /// [`crate::census_fingerprint`] of the census the run was started from.
    pub census_fingerprint: String,
    /// The build that wrote the run ([`crate::BUILD`]).
    pub tool_version: String,
}

impl Store {
    /// Reads what a resume needs: the run's configuration and the last committed year.
    pub fn resume_point(&self) -> Result<ResumePoint, StoreError> {
        let state = |message: &str| StoreError::State {
            path: self.path().to_path_buf(),
            message: message.to_string(),
        };
        let exists: i64 = self.exec.query_row(
            "read run metadata",
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'run_metadata'",
            [],
            |r| r.get(0),
        )?;
        if exists == 0 {
            return Err(state(
                "no workforce-sim run in this database (table run_metadata is missing)",
            ));
        }
        type Row = (String, String, String, Option<i32>, i64, String, String);
        let (run_id, engine, config_json, last, census_rows, census_fingerprint, tool_version): Row =
            self.exec.query_row(
                "read run metadata",
                "SELECT run_id, engine, config_json, last_committed_year, census_rows, census_fingerprint, tool_version FROM run_metadata",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
            )?;
        // The stored configuration is validated again like any user input: a file edited by
        // hand gets the configuration error, never a panic further on.
        let config: Config = serde_json::from_str(&config_json)
            .map_err(|e| state(&format!("stored configuration is unreadable: {e}")))?;
        let config = config
            .validate()
            .map_err(|e| state(&format!("stored configuration does not validate: {e}")))?;
        Ok(ResumePoint {
            config,
            engine,
            last_committed_year: last,
            run_id,
            census_rows: census_rows as u64,
            census_fingerprint,
            tool_version,
        })
    }

    /// The start-of-year workforce after `year`: its snapshot's active rows, age + 1,
    /// tenure + 1, pay = full-year-equivalent pay. `None` = the census baseline.
    pub fn load_workforce(&self, after_year: Option<i32>) -> Result<Workforce, StoreError> {
        const D: &str = "DATE '1970-01-01'";
        let sql = match after_year {
            Some(y) => format!(
                "SELECT employee_id, employee_ssn, (employee_birth_date - {D})::INTEGER,
                        (employee_hire_date - {D})::INTEGER, (current_compensation * 100)::BIGINT, level_id,
                        current_age + 1, current_tenure + 1, scheduled_hours_per_week,
                        (employee_eligibility_date - {D})::INTEGER, waiting_period_days,
                        plan_ineligible, current_eligibility_status = 'eligible', (plan_eligibility_date - {D})::INTEGER,
                        is_enrolled_flag, (employee_enrollment_date - {D})::INTEGER, enrollment_method, ever_opted_out,
                        (current_deferral_rate * 1000000)::BIGINT, (original_deferral_rate * 1000000)::BIGINT,
                        first_enrollment_year, last_rate_change_year, total_deferral_escalations,
                        (total_escalation_amount * 1000000)::BIGINT, (last_escalation_date - {D})::INTEGER,
                        auto_escalation_opt_out, (employer_balance * 100)::BIGINT, (employee_balance * 100)::BIGINT,
                        (employer_match_balance * 100)::BIGINT, vested_percentage, is_hce,
                        (employee_roth_balance * 100)::BIGINT, (employee_catch_up_balance * 100)::BIGINT
                 FROM workforce_snapshot WHERE simulation_year = {y} AND employment_status = 'active'"
            ),
            None => format!(
                "SELECT employee_id, employee_ssn, (employee_birth_date - {D})::INTEGER,
                        (employee_hire_date - {D})::INTEGER, (employee_gross_compensation * 100)::BIGINT, level_id,
                        current_age, current_tenure, scheduled_hours_per_week,
                        (eligibility_date - {D})::INTEGER, waiting_period_days,
                        employee_deferral_rate, eligibility_override, auto_escalation_opt_out,
                        current_eligibility_status = 'eligible', (enrollment_date - {D})::INTEGER
                 FROM census WHERE in_baseline"
            ),
        };
        let from_snapshot = after_year.is_some();
        let mut employees = self.exec.query("read workforce", &sql, [], |r| {
            let micro = |k: usize| -> duckdb::Result<f64> { Ok(r.get::<_, i64>(k)? as f64 / 1e6) };
            let day = |k: usize| -> duckdb::Result<Option<Day>> { r.get::<_, Option<i32>>(k) };
            let plan = if from_snapshot {
                PlanCarry {
                    plan_ineligible: r.get(11)?,
                    eligible: r.get(12)?,
                    plan_eligibility_date: day(13)?,
                    enrolled: r.get(14)?,
                    enrollment_date: day(15)?,
                    enrollment_method: EnrollmentMethod::parse(&r.get::<_, String>(16)?),
                    ever_opted_out: r.get(17)?,
                    deferral_rate: micro(18)?,
                    original_deferral_rate: micro(19)?,
                    first_enrollment_year: r.get(20)?,
                    last_rate_change_year: r.get(21)?,
                    escalations: r.get::<_, i32>(22)? as u16,
                    total_escalation_amount: micro(23)?,
                    last_escalation_date: day(24)?,
                    census_escalation_opt_out: r.get(25)?,
                    employer_balance: from_cents(r.get(26)?),
                    employee_balance: from_cents(r.get(27)?),
                    employer_match_balance: from_cents(r.get(28)?),
                    vested_pct: r.get(29)?,
                    was_hce: r.get(30)?,
                    employee_roth_balance: from_cents(r.get(31)?),
                    employee_catch_up_balance: from_cents(r.get(32)?),
                }
            } else {
                PlanCarry::from_census(
                    r.get(11)?,
                    r.get(12)?,
                    r.get(13)?,
                    r.get(14)?,
                    day(15)?.unwrap_or(0),
                )
            };
            Ok(Employee {
                employee_id: r.get(0)?,
                employee_ssn: r.get(1)?,
                birth_date: r.get::<_, i32>(2)? as Day,
                hire_date: r.get::<_, i32>(3)? as Day,
                compensation: from_cents(r.get(4)?),
                level: r.get::<_, i32>(5)? as u8,
                age: r.get::<_, i32>(6)? as u16,
                tenure: r.get::<_, i32>(7)? as u16,
                scheduled_hours: r.get(8)?,
                eligibility_date: r.get::<_, i32>(9)? as Day,
                waiting_period_days: r.get::<_, i32>(10)? as u16,
                plan,
            })
        })?;
        employees.sort_by(|a, b| a.employee_id.cmp(&b.employee_id));
        let mut w = Workforce::with_capacity(employees.len());
        for e in employees {
            w.push(e);
        }
        // Prior-year testing of the next year reads this year's NHCE averages.
        if let Some(y) = after_year {
            let rows = self.exec.query(
                "read NHCE averages",
                &format!(
                    "SELECT test, nhce_current_average FROM compliance_tests
                     WHERE simulation_year = {y} AND test IN ('ADP', 'ACP')"
                ),
                [],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<f64>>(1)?)),
            )?;
            if !rows.is_empty() {
                let of = |t: &str| rows.iter().find(|r| r.0 == t).and_then(|r| r.1);
                w.prior_nhce = Some(workforce_sim_core::state::plan::NhceAverages {
                    year: y,
                    adp: of("ADP"),
                    acp: of("ACP"),
                });
            }
        }
        Ok(w)
    }
}

/// What an existing results database holds, as far as deciding whether a new run may
/// replace it: which run, from which census and configuration, how far it got.
#[derive(Debug, Clone)]
pub struct StoredRun {
    pub status: String,
    pub config_fingerprint: String,
    pub census_fingerprint: String,
    pub census_source: String,
    pub census_rows: u64,
    pub random_seed: u64,
    pub start_year: i32,
    pub end_year: i32,
    pub last_committed_year: Option<i32>,
}

impl StoredRun {
    /// One line for a message: "a completed run of seed 42, 2025-2029, 5,000 census rows
    /// (synthetic ...), configuration 1a2b..."
    pub fn describe(&self) -> String {
        format!(
            "a {} run of seed {}, {}-{}, {} census rows ({}), configuration {}",
            self.status,
            self.random_seed,
            self.start_year,
            self.end_year,
            self.census_rows,
            self.census_source,
            self.config_fingerprint
        )
    }
}

/// Reads what the results database at `path` holds, opening it read-only. A file that is
/// not a results database of this version is an error saying so.
pub fn stored_run(path: &std::path::Path) -> Result<StoredRun, StoreError> {
    let x = crate::exec::Executor::open_read_only(path)?;
    let state = |message: &str| StoreError::State {
        path: path.to_path_buf(),
        message: message.to_string(),
    };
    let columns: i64 = x.query_row(
        "read run metadata",
        "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'run_metadata' AND column_name = 'census_fingerprint'",
        [],
        |r| r.get(0),
    )?;
    if columns == 0 {
        return Err(state(
            "is not a results database of this version of workforce-sim (no run_metadata.census_fingerprint)",
        ));
    }
    x.query_row(
        "read run metadata",
        "SELECT status, config_fingerprint, census_fingerprint, census_source, census_rows, random_seed,
                start_year, end_year, last_committed_year FROM run_metadata",
        [],
        |r| {
            Ok(StoredRun {
                status: r.get(0)?,
                config_fingerprint: r.get(1)?,
                census_fingerprint: r.get(2)?,
                census_source: r.get(3)?,
                census_rows: r.get::<_, i64>(4)? as u64,
                random_seed: r.get(5)?,
                start_year: r.get(6)?,
                end_year: r.get(7)?,
                last_committed_year: r.get(8)?,
            })
        },
    )
}
