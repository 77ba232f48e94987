//! The embedded DuckDB store: schema, one transaction per simulated year, bulk writes through
//! Arrow record batches on the Appender (never a statement per row), resume state, and a
//! statement counter that proves the number of SQL statements per year does not grow with
//! the number of employees.

use crate::census::staging::StagedRow;
use crate::config::Config;
use crate::date::Day;
use crate::decimal::{from_cents, to_cents};
use crate::engine::Foundation;
use crate::error::StoreError;
use crate::events::YearEvents;
use crate::rules::bands::BandTable;
use crate::rules::irs_limits::LimitType;
use crate::state::{Snapshot, Workforce};
use duckdb::arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, Float64Array, Int32Array, StringArray,
    StringBuilder, UInt64Array,
};
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::{params, Connection};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The tables this tool owns in a database file.
pub const TABLES: [&str; 7] = [
    "run_metadata",
    "census",
    "workforce_needs",
    "events",
    "workforce_snapshot",
    "year_summary",
    "stage_timings",
];

const SCHEMA: &str = "
CREATE TABLE run_metadata (
    run_id VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, finished_at TIMESTAMP, tool_version VARCHAR NOT NULL,
    engine VARCHAR NOT NULL, random_seed UBIGINT NOT NULL, start_year INTEGER NOT NULL, end_year INTEGER NOT NULL,
    census_source VARCHAR NOT NULL, census_rows BIGINT NOT NULL, baseline_headcount BIGINT NOT NULL,
    config_fingerprint VARCHAR NOT NULL, config_json VARCHAR NOT NULL, status VARCHAR NOT NULL,
    last_committed_year INTEGER, threads INTEGER NOT NULL);
CREATE TABLE census (
    employee_id VARCHAR NOT NULL PRIMARY KEY, employee_ssn VARCHAR NOT NULL, employee_birth_date DATE NOT NULL,
    employee_hire_date DATE NOT NULL, employee_termination_date DATE, employee_gross_compensation DECIMAL(15,2) NOT NULL,
    active BOOLEAN, employee_deferral_rate DOUBLE, scheduled_hours_per_week DOUBLE, auto_escalation_opt_out BOOLEAN,
    eligibility_override BOOLEAN, days_active INTEGER NOT NULL, plan_year_compensation DECIMAL(15,2) NOT NULL,
    annualized_compensation DECIMAL(15,2) NOT NULL, eligibility_date DATE NOT NULL, current_eligibility_status VARCHAR NOT NULL,
    enrollment_date DATE, is_enrolled_at_census BOOLEAN NOT NULL, level_id INTEGER NOT NULL, current_age INTEGER NOT NULL,
    current_tenure INTEGER NOT NULL, in_baseline BOOLEAN NOT NULL, waiting_period_days INTEGER NOT NULL);
CREATE TABLE workforce_needs (
    simulation_year INTEGER NOT NULL PRIMARY KEY, n_start BIGINT, experienced BIGINT, prior_year_hires BIGINT,
    target_ending BIGINT, expected_experienced_terminations BIGINT, survivors BIGINT, net_from_hires BIGINT, hires BIGINT,
    implied_new_hire_terminations BIGINT, rif_terminations BIGINT, total_experienced_terminations BIGINT,
    balance_error BIGINT, balance_status VARCHAR, failed_guards VARCHAR, termination_quotas VARCHAR, hire_quotas VARCHAR);
CREATE TABLE events (
    event_id UBIGINT NOT NULL, scenario_id VARCHAR NOT NULL, plan_design_id VARCHAR NOT NULL,
    employee_id VARCHAR NOT NULL, employee_ssn VARCHAR NOT NULL, event_type VARCHAR NOT NULL,
    simulation_year INTEGER NOT NULL, effective_date DATE NOT NULL, event_details VARCHAR,
    compensation_amount DECIMAL(15,2), previous_compensation DECIMAL(15,2), employee_deferral_rate DECIMAL(7,6),
    prev_employee_deferral_rate DECIMAL(7,6), employee_age INTEGER, employee_tenure INTEGER, level_id INTEGER,
    age_band VARCHAR, tenure_band VARCHAR, event_probability DOUBLE, event_category VARCHAR NOT NULL,
    event_sequence INTEGER NOT NULL, data_quality_flag VARCHAR NOT NULL);
CREATE TABLE workforce_snapshot (
    employee_id VARCHAR NOT NULL, employee_ssn VARCHAR NOT NULL, employee_birth_date DATE NOT NULL,
    employee_hire_date DATE NOT NULL, current_compensation DECIMAL(15,2) NOT NULL,
    prorated_annual_compensation DECIMAL(15,2) NOT NULL, full_year_equivalent_compensation DECIMAL(15,2) NOT NULL,
    current_age INTEGER NOT NULL, current_tenure INTEGER NOT NULL, level_id INTEGER NOT NULL, age_band VARCHAR NOT NULL,
    tenure_band VARCHAR NOT NULL, employment_status VARCHAR NOT NULL, termination_date DATE, termination_reason VARCHAR,
    detailed_status_code VARCHAR NOT NULL, simulation_year INTEGER NOT NULL, employee_eligibility_date DATE NOT NULL,
    waiting_period_days INTEGER NOT NULL, scheduled_hours_per_week DOUBLE, scenario_id VARCHAR NOT NULL,
    plan_design_id VARCHAR NOT NULL,
    current_eligibility_status VARCHAR NOT NULL, plan_ineligible BOOLEAN NOT NULL, plan_eligibility_date DATE,
    is_enrolled_flag BOOLEAN NOT NULL, employee_enrollment_date DATE, enrollment_method VARCHAR NOT NULL,
    ever_opted_out BOOLEAN NOT NULL, current_deferral_rate DECIMAL(7,6) NOT NULL, original_deferral_rate DECIMAL(7,6) NOT NULL,
    participation_status VARCHAR NOT NULL, participation_status_detail VARCHAR NOT NULL,
    first_enrollment_year INTEGER NOT NULL, last_rate_change_year INTEGER NOT NULL,
    total_deferral_escalations INTEGER NOT NULL, total_escalation_amount DECIMAL(7,6) NOT NULL, last_escalation_date DATE,
    auto_escalation_opt_out BOOLEAN NOT NULL, annual_hours_worked DOUBLE NOT NULL,
    contribution_deferral_rate DECIMAL(7,6) NOT NULL, total_contribution_base_compensation DECIMAL(15,2) NOT NULL,
    requested_contributions DECIMAL(15,2) NOT NULL, prorated_annual_contributions DECIMAL(15,2) NOT NULL,
    pre_tax_contributions DECIMAL(15,2) NOT NULL, roth_contributions DECIMAL(15,2) NOT NULL,
    capped_excess DECIMAL(15,2) NOT NULL, applied_irs_limit DECIMAL(15,2) NOT NULL, limit_type VARCHAR NOT NULL,
    irs_limit_reached BOOLEAN NOT NULL, match_eligibility VARCHAR NOT NULL, match_status VARCHAR NOT NULL,
    employer_match_amount DECIMAL(15,2) NOT NULL, core_eligibility VARCHAR NOT NULL,
    employer_core_amount DECIMAL(15,2) NOT NULL, total_employer_contributions DECIMAL(15,2) NOT NULL,
    employer_balance DECIMAL(15,2) NOT NULL, employee_balance DECIMAL(15,2) NOT NULL, vested_percentage DOUBLE NOT NULL,
    vested_balance DECIMAL(15,2) NOT NULL, forfeiture_amount DECIMAL(15,2) NOT NULL, is_hce BOOLEAN NOT NULL);
CREATE TABLE year_summary (
    simulation_year INTEGER NOT NULL PRIMARY KEY, starting_headcount BIGINT, hires BIGINT, experienced_terminations BIGINT,
    new_hire_terminations BIGINT, promotions BIGINT, raises BIGINT, ending_headcount BIGINT, target_ending BIGINT,
    total_events BIGINT, snapshot_rows BIGINT, payroll DECIMAL(18,2), prorated_payroll DECIMAL(18,2),
    eligible BIGINT, participants BIGINT, participation_rate DOUBLE, average_deferral_rate DOUBLE,
    enrollments BIGINT, opt_outs BIGINT, escalations BIGINT, match_responses BIGINT,
    employee_contributions DECIMAL(18,2), employer_match DECIMAL(18,2), employer_core DECIMAL(18,2),
    forfeitures DECIMAL(18,2), hce_count BIGINT);
CREATE TABLE stage_timings (simulation_year INTEGER, stage VARCHAR NOT NULL, seconds DOUBLE NOT NULL);
";

/// SQL statements and bulk appends issued through a [`Store`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementCounts {
    /// SQL statements executed (each statement of a batch counts).
    pub sql: u64,
    /// Record batches handed to the Appender.
    pub appends: u64,
}

/// One row of `year_summary`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct YearSummary {
    pub year: i32,
    pub starting_headcount: u64,
    pub hires: u64,
    pub experienced_terminations: u64,
    pub new_hire_terminations: u64,
    pub promotions: u64,
    pub raises: u64,
    pub ending_headcount: u64,
    pub target_ending: u64,
    pub total_events: u64,
    pub snapshot_rows: u64,
    pub payroll: f64,
    pub prorated_payroll: f64,
    /// Active employees with plan eligibility status `eligible` at year end.
    pub eligible: u64,
    /// Active employees deferring (rate > 0) at year end.
    pub participants: u64,
    /// participants / eligible actives.
    pub participation_rate: f64,
    /// Mean year-end deferral rate of the participants.
    pub average_deferral_rate: f64,
    pub enrollments: u64,
    pub opt_outs: u64,
    pub escalations: u64,
    pub match_responses: u64,
    pub employee_contributions: f64,
    pub employer_match: f64,
    pub employer_core: f64,
    pub forfeitures: f64,
    pub hce_count: u64,
}

/// What a resume needs from a database.
#[derive(Debug, Clone)]
pub struct ResumePoint {
    pub config: Config,
    pub engine: String,
    pub last_committed_year: Option<i32>,
    pub run_id: String,
    pub census_rows: u64,
}

/// A DuckDB database file opened for a run.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    counts: StatementCounts,
}

impl Store {
    fn err(&self, context: &str) -> impl Fn(duckdb::Error) -> StoreError + '_ {
        let context = context.to_string();
        move |source| StoreError::Duckdb {
            path: self.path.clone(),
            context: context.clone(),
            source,
        }
    }

    /// Opens (or creates) the database file.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open(path).map_err(|source| StoreError::Duckdb {
            path: path.to_path_buf(),
            context: "open".into(),
            source,
        })?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            counts: StatementCounts::default(),
        })
    }

    /// An in-memory database (tests, benches).
    pub fn in_memory() -> Result<Store, StoreError> {
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Duckdb {
            path: ":memory:".into(),
            context: "open".into(),
            source,
        })?;
        Ok(Store {
            conn,
            path: PathBuf::from(":memory:"),
            counts: StatementCounts::default(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn counts(&self) -> StatementCounts {
        self.counts
    }

    /// The raw connection, for ad-hoc queries.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Replaces this tool's tables and writes the run header and the staged census, in one
    /// transaction: either the whole new run exists or the file is as it was.
    pub fn begin_run(
        &mut self,
        meta: &RunHeader,
        census: &[StagedRow],
        waiting_days: u16,
    ) -> Result<(), StoreError> {
        let drops: String = TABLES
            .iter()
            .map(|t| format!("DROP TABLE IF EXISTS {t};"))
            .collect();
        // drops + creates + the metadata insert + begin/commit
        let statements = (TABLES.len() + SCHEMA.matches(';').count() + 3) as u64;
        self.counts.sql += statements;
        let tx = self
            .conn
            .transaction()
            .map_err(|source| StoreError::Duckdb {
                path: self.path.clone(),
                context: "begin".into(),
                source,
            })?;
        let path = self.path.clone();
        let e = |context: &'static str| {
            let path = path.clone();
            move |source| StoreError::Duckdb {
                path: path.clone(),
                context: context.into(),
                source,
            }
        };
        tx.execute_batch(&drops).map_err(e("drop old tables"))?;
        tx.execute_batch(SCHEMA).map_err(e("create schema"))?;
        tx.execute(
            "INSERT INTO run_metadata VALUES (?, now()::TIMESTAMP, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', NULL, ?)",
            params![
                meta.run_id,
                env!("CARGO_PKG_VERSION"),
                meta.engine,
                meta.config.simulation.random_seed,
                meta.config.simulation.start_year,
                meta.config.simulation.end_year,
                meta.census_source,
                census.len() as i64,
                meta.baseline_headcount as i64,
                meta.config.fingerprint(),
                meta.config.to_json(),
                meta.threads as i32,
            ],
        )
        .map_err(e("write run metadata"))?;
        if !census.is_empty() {
            let mut app = tx.appender("census").map_err(e("census appender"))?;
            for chunk in census.chunks(BATCH_ROWS) {
                app.append_record_batch(census_batch(chunk, waiting_days))
                    .map_err(e("append census"))?;
            }
            app.flush().map_err(e("flush census"))?;
            self.counts.appends += census.len().div_ceil(BATCH_ROWS) as u64;
        }
        tx.commit().map_err(e("commit run header"))
    }

    /// Writes one simulated year in one transaction: a crash leaves whole years only.
    /// `fail_before_commit` simulates a crash after the writes and before the commit.
    #[allow(clippy::too_many_arguments)]
    pub fn write_year(
        &mut self,
        config: &Config,
        bands: (&BandTable, &BandTable),
        foundation: &Foundation,
        events: &YearEvents,
        snapshot: &Snapshot,
        summary: &YearSummary,
        timings: &[(String, f64)],
        fail_before_commit: bool,
    ) -> Result<(), crate::error::SimulationError> {
        let year = events.year;
        let path = self.path.clone();
        let e = |context: &'static str| {
            let path = path.clone();
            move |source| StoreError::Duckdb {
                path: path.clone(),
                context: format!("year {year}: {context}"),
                source,
            }
        };
        let tx = self.conn.transaction().map_err(e("begin"))?;
        let t0 = std::time::Instant::now();
        let mut sql = 0u64;
        let mut appends = 0u64;
        tx.execute_batch(&format!(
            "DELETE FROM events WHERE simulation_year = {year};
             DELETE FROM workforce_snapshot WHERE simulation_year = {year};
             DELETE FROM workforce_needs WHERE simulation_year = {year};
             DELETE FROM year_summary WHERE simulation_year = {year};
             DELETE FROM stage_timings WHERE simulation_year = {year};"
        ))
        .map_err(e("clear year"))?;
        sql += 5;
        {
            let mut app = tx.appender("events").map_err(e("events appender"))?;
            for start in (0..events.len()).step_by(BATCH_ROWS) {
                let end = (start + BATCH_ROWS).min(events.len());
                app.append_record_batch(events_batch(config, bands, events, snapshot, start..end))
                    .map_err(e("append events"))?;
                appends += 1;
            }
            app.flush().map_err(e("flush events"))?;
        }
        tracing::debug!(
            year,
            rows = events.len(),
            ms = t0.elapsed().as_secs_f64() * 1e3,
            "events appended"
        );
        {
            let mut app = tx
                .appender("workforce_snapshot")
                .map_err(e("snapshot appender"))?;
            for start in (0..snapshot.len()).step_by(BATCH_ROWS) {
                let end = (start + BATCH_ROWS).min(snapshot.len());
                app.append_record_batch(snapshot_batch(config, bands, snapshot, start..end))
                    .map_err(e("append snapshot"))?;
                appends += 1;
            }
            app.flush().map_err(e("flush snapshot"))?;
        }
        tracing::debug!(
            year,
            rows = snapshot.len(),
            ms = t0.elapsed().as_secs_f64() * 1e3,
            "snapshot appended"
        );
        let n = &foundation.needs;
        let quotas = |q: &[u64]| {
            q.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        tx.execute(
            "INSERT INTO workforce_needs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            params![
                year,
                n.n_start as i64,
                n.experienced as i64,
                n.prior_year_hires as i64,
                n.target_ending as i64,
                n.expected_experienced_terminations as i64,
                n.survivors,
                n.net_from_hires,
                n.hires as i64,
                n.implied_new_hire_terminations as i64,
                n.rif_terminations as i64,
                n.total_experienced_terminations as i64,
                n.balance_error,
                n.balance_status(),
                n.failed_guards.join(","),
                quotas(&foundation.termination_quotas),
                quotas(&foundation.hire_quotas),
            ],
        )
        .map_err(e("write needs"))?;
        let s = summary;
        tx.execute(
            "INSERT INTO year_summary VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::DECIMAL(18,2), ?::DECIMAL(18,2),
                ?, ?, ?, ?, ?, ?, ?, ?, ?::DECIMAL(18,2), ?::DECIMAL(18,2), ?::DECIMAL(18,2), ?::DECIMAL(18,2), ?)",
            params![
                year,
                s.starting_headcount as i64,
                s.hires as i64,
                s.experienced_terminations as i64,
                s.new_hire_terminations as i64,
                s.promotions as i64,
                s.raises as i64,
                s.ending_headcount as i64,
                s.target_ending as i64,
                s.total_events as i64,
                s.snapshot_rows as i64,
                format!("{:.2}", s.payroll),
                format!("{:.2}", s.prorated_payroll),
                s.eligible as i64,
                s.participants as i64,
                s.participation_rate,
                s.average_deferral_rate,
                s.enrollments as i64,
                s.opt_outs as i64,
                s.escalations as i64,
                s.match_responses as i64,
                format!("{:.2}", s.employee_contributions),
                format!("{:.2}", s.employer_match),
                format!("{:.2}", s.employer_core),
                format!("{:.2}", s.forfeitures),
                s.hce_count as i64,
            ],
        )
        .map_err(e("write summary"))?;
        {
            let mut app = tx
                .appender("stage_timings")
                .map_err(e("timings appender"))?;
            let batch = RecordBatch::try_from_iter([
                (
                    "simulation_year",
                    Arc::new(Int32Array::from(vec![year; timings.len()])) as ArrayRef,
                ),
                (
                    "stage",
                    Arc::new(StringArray::from_iter_values(
                        timings.iter().map(|t| t.0.as_str()),
                    )),
                ),
                (
                    "seconds",
                    Arc::new(Float64Array::from_iter_values(timings.iter().map(|t| t.1))),
                ),
            ])
            .expect("consistent batch");
            app.append_record_batch(batch)
                .map_err(e("append timings"))?;
            app.flush().map_err(e("flush timings"))?;
            appends += 1;
        }
        tx.execute(
            "UPDATE run_metadata SET last_committed_year = ?",
            params![year],
        )
        .map_err(e("mark year"))?;
        sql += 3;
        self.counts.sql += sql;
        self.counts.appends += appends;
        if fail_before_commit {
            drop(tx); // rolls back
            return Err(crate::error::SimulationError::InjectedFailure { year });
        }
        let t1 = std::time::Instant::now();
        tx.commit().map_err(e("commit"))?;
        tracing::debug!(year, ms = t1.elapsed().as_secs_f64() * 1e3, "committed");
        self.counts.sql += 1;
        Ok(())
    }

    /// The naive mode: each stage's output to its own table, one transaction per stage.
    pub fn materialize_stages(
        &mut self,
        config: &Config,
        bands: (&BandTable, &BandTable),
        foundation: &Foundation,
        events: &YearEvents,
        snapshot: &Snapshot,
    ) -> Result<(), StoreError> {
        let year = events.year;
        let n = &foundation.needs;
        self.counts.sql += 6;
        self.counts.appends += 2;
        self.conn
            .execute_batch(&format!(
                "CREATE TABLE IF NOT EXISTS stage_workforce_needs AS SELECT simulation_year, target_ending, hires, total_experienced_terminations FROM workforce_needs LIMIT 0;
                 CREATE TABLE IF NOT EXISTS stage_events AS SELECT * FROM events LIMIT 0;
                 CREATE TABLE IF NOT EXISTS stage_snapshot AS SELECT * FROM workforce_snapshot LIMIT 0;
                 BEGIN; DELETE FROM stage_workforce_needs WHERE simulation_year = {year};
                 INSERT INTO stage_workforce_needs VALUES ({year}, {}, {}, {}); COMMIT;",
                n.target_ending, n.hires, n.total_experienced_terminations
            ))
            .map_err(self.err("materialise needs"))?;
        for (table, batch) in [
            (
                "stage_events",
                events_batch(config, bands, events, snapshot, 0..events.len()),
            ),
            (
                "stage_snapshot",
                snapshot_batch(config, bands, snapshot, 0..snapshot.len()),
            ),
        ] {
            let tx = self
                .conn
                .transaction()
                .map_err(|source| StoreError::Duckdb {
                    path: self.path.clone(),
                    context: "materialise".into(),
                    source,
                })?;
            tx.execute_batch(&format!(
                "DELETE FROM {table} WHERE simulation_year = {year}"
            ))
            .map_err(|source| StoreError::Duckdb {
                path: self.path.clone(),
                context: "materialise".into(),
                source,
            })?;
            {
                let mut app = tx.appender(table).map_err(|source| StoreError::Duckdb {
                    path: self.path.clone(),
                    context: "materialise".into(),
                    source,
                })?;
                app.append_record_batch(batch)
                    .map_err(|source| StoreError::Duckdb {
                        path: self.path.clone(),
                        context: "materialise".into(),
                        source,
                    })?;
            }
            tx.commit().map_err(|source| StoreError::Duckdb {
                path: self.path.clone(),
                context: "materialise".into(),
                source,
            })?;
        }
        Ok(())
    }

    /// Marks the run complete and records the initialization timing.
    pub fn finish_run(&mut self, init_seconds: f64) -> Result<(), StoreError> {
        self.counts.sql += 2;
        self.conn
            .execute_batch(&format!(
                "UPDATE run_metadata SET status = 'completed', finished_at = now()::TIMESTAMP;
                 DELETE FROM stage_timings WHERE simulation_year IS NULL;
                 INSERT INTO stage_timings VALUES (NULL, 'initialization', {init_seconds});"
            ))
            .map_err(self.err("finish run"))
    }

    /// Reads what a resume needs: the run's configuration and the last committed year.
    pub fn resume_point(&self) -> Result<ResumePoint, StoreError> {
        let state = |message: &str| StoreError::State {
            path: self.path.clone(),
            message: message.to_string(),
        };
        let exists: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'run_metadata'",
                [],
                |r| r.get(0),
            )
            .map_err(self.err("read run metadata"))?;
        if exists == 0 {
            return Err(state(
                "no workforce-sim run in this database (table run_metadata is missing)",
            ));
        }
        let (run_id, engine, config_json, last, census_rows): (String, String, String, Option<i32>, i64) = self
            .conn
            .query_row("SELECT run_id, engine, config_json, last_committed_year, census_rows FROM run_metadata", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .map_err(self.err("read run metadata"))?;
        let config: Config = serde_json::from_str(&config_json)
            .map_err(|e| state(&format!("stored configuration is unreadable: {e}")))?;
        Ok(ResumePoint {
            config,
            engine,
            last_committed_year: last,
            run_id,
            census_rows: census_rows as u64,
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
                        auto_escalation_opt_out, (employer_balance * 100)::BIGINT, (employee_balance * 100)::BIGINT
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
        let mut stmt = self
            .conn
            .prepare(&sql)
            .map_err(self.err("read workforce"))?;
        let from_snapshot = after_year.is_some();
        let rows = stmt
            .query_map([], |r| {
                let micro =
                    |k: usize| -> duckdb::Result<f64> { Ok(r.get::<_, i64>(k)? as f64 / 1e6) };
                let day = |k: usize| -> duckdb::Result<Option<Day>> { r.get::<_, Option<i32>>(k) };
                let plan = if from_snapshot {
                    crate::state::PlanCarry {
                        plan_ineligible: r.get(11)?,
                        eligible: r.get(12)?,
                        plan_eligibility_date: day(13)?,
                        enrolled: r.get(14)?,
                        enrollment_date: day(15)?,
                        enrollment_method: crate::state::plan::EnrollmentMethod::parse(
                            &r.get::<_, String>(16)?,
                        ),
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
                    }
                } else {
                    crate::state::PlanCarry::from_census(
                        r.get(11)?,
                        r.get(12)?,
                        r.get(13)?,
                        r.get(14)?,
                        day(15)?.unwrap_or(0),
                    )
                };
                Ok(crate::state::workforce::Employee {
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
            })
            .map_err(self.err("read workforce"))?;
        let mut employees = rows
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.err("read workforce"))?;
        employees.sort_by(|a, b| a.employee_id.cmp(&b.employee_id));
        let mut w = Workforce::with_capacity(employees.len());
        for e in employees {
            w.push(e);
        }
        Ok(w)
    }

    /// Every row of a table as text, ordered (for digests and comparisons).
    pub fn table_digest(&self, table: &str, order_by: &str) -> Result<(u64, String), StoreError> {
        let sql = format!("SELECT count(*), coalesce(sum(hash(t.*::VARCHAR || '#' || rn)), 0)::VARCHAR FROM (SELECT *, row_number() OVER (ORDER BY {order_by}) AS rn FROM {table}) t");
        self.conn
            .query_row(&sql, [], |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)))
            .map_err(self.err("digest"))
    }
}

/// Rows per record batch handed to the Appender.
pub const BATCH_ROWS: usize = 1 << 20;

/// Identification of a run, written once at its start.
#[derive(Debug, Clone)]
pub struct RunHeader {
    pub run_id: String,
    pub engine: String,
    pub config: Config,
    pub census_source: String,
    pub baseline_headcount: u64,
    pub threads: usize,
}

fn money<I: IntoIterator<Item = Option<f64>>>(values: I) -> ArrayRef {
    Arc::new(
        Decimal128Array::from_iter(values.into_iter().map(|v| v.map(|x| to_cents(x) as i128)))
            .with_precision_and_scale(15, 2)
            .expect("valid decimal"),
    )
}

/// Deferral rates at 6 decimals (the specification's DECIMAL(5,4) cannot hold rates such
/// as the 23,500 / pay cap of a match response exactly, and the ledger must replay exactly).
fn rate<I: IntoIterator<Item = Option<f64>>>(values: I) -> ArrayRef {
    Arc::new(
        Decimal128Array::from_iter(
            values
                .into_iter()
                .map(|v| v.map(|x| (x * 1_000_000.0).round() as i128)),
        )
        .with_precision_and_scale(7, 6)
        .expect("valid decimal"),
    )
}

fn repeat(value: &str, n: usize) -> ArrayRef {
    let mut b = StringBuilder::with_capacity(n, n * value.len());
    for _ in 0..n {
        b.append_value(value);
    }
    Arc::new(b.finish())
}

fn census_batch(rows: &[StagedRow], waiting_days: u16) -> RecordBatch {
    let r = |f: &dyn Fn(&StagedRow) -> i32| -> ArrayRef {
        Arc::new(Int32Array::from_iter_values(rows.iter().map(f)))
    };
    RecordBatch::try_from_iter([
        (
            "employee_id",
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|s| s.record.employee_id.as_str()),
            )) as ArrayRef,
        ),
        (
            "employee_ssn",
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|s| s.record.employee_ssn.as_str()),
            )),
        ),
        (
            "employee_birth_date",
            Arc::new(Date32Array::from_iter_values(
                rows.iter().map(|s| s.record.employee_birth_date),
            )),
        ),
        (
            "employee_hire_date",
            Arc::new(Date32Array::from_iter_values(
                rows.iter().map(|s| s.record.employee_hire_date),
            )),
        ),
        (
            "employee_termination_date",
            Arc::new(Date32Array::from_iter(
                rows.iter().map(|s| s.record.employee_termination_date),
            )),
        ),
        (
            "employee_gross_compensation",
            money(
                rows.iter()
                    .map(|s| Some(s.record.employee_gross_compensation)),
            ),
        ),
        (
            "active",
            Arc::new(BooleanArray::from_iter(
                rows.iter().map(|s| s.record.active),
            )),
        ),
        (
            "employee_deferral_rate",
            Arc::new(Float64Array::from_iter(
                rows.iter().map(|s| s.record.employee_deferral_rate),
            )),
        ),
        (
            "scheduled_hours_per_week",
            Arc::new(Float64Array::from_iter(
                rows.iter().map(|s| s.record.scheduled_hours_per_week),
            )),
        ),
        (
            "auto_escalation_opt_out",
            Arc::new(BooleanArray::from_iter(
                rows.iter().map(|s| s.record.auto_escalation_opt_out),
            )),
        ),
        (
            "eligibility_override",
            Arc::new(BooleanArray::from_iter(
                rows.iter().map(|s| s.record.eligibility_override),
            )),
        ),
        ("days_active", r(&|s| s.days_active)),
        (
            "plan_year_compensation",
            money(rows.iter().map(|s| Some(s.plan_year_compensation))),
        ),
        (
            "annualized_compensation",
            money(rows.iter().map(|s| Some(s.annualized_compensation))),
        ),
        (
            "eligibility_date",
            Arc::new(Date32Array::from_iter_values(
                rows.iter().map(|s| s.eligibility_date),
            )),
        ),
        (
            "current_eligibility_status",
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|s| s.eligibility_status),
            )),
        ),
        (
            "enrollment_date",
            Arc::new(Date32Array::from_iter(
                rows.iter().map(|s| s.enrollment_date),
            )),
        ),
        (
            "is_enrolled_at_census",
            Arc::new(BooleanArray::from_iter(
                rows.iter().map(|s| Some(s.is_enrolled_at_census)),
            )),
        ),
        ("level_id", r(&|s| s.level_id as i32)),
        ("current_age", r(&|s| s.age as i32)),
        ("current_tenure", r(&|s| s.tenure as i32)),
        (
            "in_baseline",
            Arc::new(BooleanArray::from_iter(
                rows.iter().map(|s| Some(s.in_baseline)),
            )),
        ),
        ("waiting_period_days", r(&|_| waiting_days as i32)),
    ])
    .expect("consistent census batch")
}

fn events_batch(
    config: &Config,
    (age_bands, tenure_bands): (&BandTable, &BandTable),
    ev: &YearEvents,
    snapshot: &Snapshot,
    range: std::ops::Range<usize>,
) -> RecordBatch {
    let n = range.len();
    let pos = |i: usize| ev.position[i] as usize;
    let mut details = StringBuilder::with_capacity(n, n * 24);
    let mut buf = String::with_capacity(64);
    for i in range.clone() {
        ev.detail[i].render(ev.level_id[i], &mut buf);
        details.append_value(&buf);
    }
    let idx = || range.clone();
    RecordBatch::try_from_iter([
        (
            "event_id",
            Arc::new(UInt64Array::from_iter_values(idx().map(|i| ev.event_id(i)))) as ArrayRef,
        ),
        ("scenario_id", repeat(&config.simulation.scenario_id, n)),
        (
            "plan_design_id",
            repeat(&config.simulation.plan_design_id, n),
        ),
        (
            "employee_id",
            Arc::new(StringArray::from_iter_values(
                idx().map(|i| &*snapshot.employee_id[pos(i)]),
            )),
        ),
        (
            "employee_ssn",
            Arc::new(StringArray::from_iter_values(
                idx().map(|i| &*snapshot.employee_ssn[pos(i)]),
            )),
        ),
        (
            "event_type",
            Arc::new(StringArray::from_iter_values(
                idx().map(|i| ev.event_type[i].as_str()),
            )),
        ),
        (
            "simulation_year",
            Arc::new(Int32Array::from(vec![ev.year; n])),
        ),
        (
            "effective_date",
            Arc::new(Date32Array::from_iter_values(
                idx().map(|i| ev.effective_date[i]),
            )),
        ),
        ("event_details", Arc::new(details.finish())),
        (
            "compensation_amount",
            money(idx().map(|i| ev.compensation_amount[i])),
        ),
        (
            "previous_compensation",
            money(idx().map(|i| ev.previous_compensation[i])),
        ),
        (
            "employee_deferral_rate",
            rate(idx().map(|i| ev.employee_deferral_rate[i])),
        ),
        (
            "prev_employee_deferral_rate",
            rate(idx().map(|i| ev.prev_employee_deferral_rate[i])),
        ),
        (
            "employee_age",
            Arc::new(Int32Array::from_iter_values(
                idx().map(|i| ev.employee_age[i] as i32),
            )),
        ),
        (
            "employee_tenure",
            Arc::new(Int32Array::from_iter_values(
                idx().map(|i| ev.employee_tenure[i] as i32),
            )),
        ),
        (
            "level_id",
            Arc::new(Int32Array::from_iter_values(
                idx().map(|i| ev.level_id[i] as i32),
            )),
        ),
        (
            "age_band",
            Arc::new(StringArray::from_iter_values(
                idx().map(|i| age_bands.label(ev.employee_age[i])),
            )),
        ),
        (
            "tenure_band",
            Arc::new(StringArray::from_iter_values(
                idx().map(|i| tenure_bands.label(ev.employee_tenure[i])),
            )),
        ),
        (
            "event_probability",
            Arc::new(Float64Array::from_iter(
                idx().map(|i| ev.event_probability[i]),
            )),
        ),
        (
            "event_category",
            Arc::new(StringArray::from_iter_values(
                idx().map(|i| ev.category[i].as_str()),
            )),
        ),
        (
            "event_sequence",
            Arc::new(Int32Array::from_iter_values(
                idx().map(|i| ev.event_sequence[i] as i32),
            )),
        ),
        ("data_quality_flag", repeat("VALID", n)),
    ])
    .expect("consistent events batch")
}

fn snapshot_batch(
    config: &Config,
    (age_bands, tenure_bands): (&BandTable, &BandTable),
    s: &Snapshot,
    range: std::ops::Range<usize>,
) -> RecordBatch {
    let n = range.len();
    let idx = || range.clone();
    let int = |f: &dyn Fn(usize) -> i32| -> ArrayRef {
        Arc::new(Int32Array::from_iter_values(idx().map(f)))
    };
    let boolean = |f: &dyn Fn(usize) -> bool| -> ArrayRef {
        Arc::new(BooleanArray::from_iter(idx().map(|i| Some(f(i)))))
    };
    let day = |f: &dyn Fn(usize) -> Option<Day>| -> ArrayRef {
        Arc::new(Date32Array::from_iter(idx().map(f)))
    };
    let cash = |f: &dyn Fn(usize) -> f64| -> ArrayRef { money(idx().map(|i| Some(f(i)))) };
    let text = |f: &dyn Fn(usize) -> &'static str| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(idx().map(f)))
    };
    let float = |f: &dyn Fn(usize) -> f64| -> ArrayRef {
        Arc::new(Float64Array::from_iter_values(idx().map(f)))
    };
    RecordBatch::try_from_iter([
        (
            "employee_id",
            Arc::new(StringArray::from_iter_values(
                idx().map(|i| &*s.employee_id[i]),
            )) as ArrayRef,
        ),
        (
            "employee_ssn",
            Arc::new(StringArray::from_iter_values(
                idx().map(|i| &*s.employee_ssn[i]),
            )),
        ),
        (
            "employee_birth_date",
            Arc::new(Date32Array::from_iter_values(
                idx().map(|i| s.birth_date[i]),
            )),
        ),
        (
            "employee_hire_date",
            Arc::new(Date32Array::from_iter_values(idx().map(|i| s.hire_date[i]))),
        ),
        (
            "current_compensation",
            money(idx().map(|i| Some(s.current_compensation[i]))),
        ),
        (
            "prorated_annual_compensation",
            money(idx().map(|i| Some(s.prorated_annual_compensation[i]))),
        ),
        (
            "full_year_equivalent_compensation",
            money(idx().map(|i| Some(s.current_compensation[i]))),
        ),
        ("current_age", int(&|i| s.current_age[i] as i32)),
        ("current_tenure", int(&|i| s.current_tenure[i] as i32)),
        ("level_id", int(&|i| s.level_id[i] as i32)),
        (
            "age_band",
            Arc::new(StringArray::from_iter_values(
                idx().map(|i| age_bands.label(s.current_age[i])),
            )),
        ),
        (
            "tenure_band",
            Arc::new(StringArray::from_iter_values(
                idx().map(|i| tenure_bands.label(s.current_tenure[i])),
            )),
        ),
        (
            "employment_status",
            Arc::new(StringArray::from_iter_values(idx().map(|i| {
                if s.active[i] {
                    "active"
                } else {
                    "terminated"
                }
            }))),
        ),
        (
            "termination_date",
            Arc::new(Date32Array::from_iter(idx().map(|i| s.termination_date[i]))),
        ),
        (
            "termination_reason",
            Arc::new(StringArray::from_iter(
                idx().map(|i| s.termination_reason[i].map(|r| r.as_str())),
            )),
        ),
        (
            "detailed_status_code",
            Arc::new(StringArray::from_iter_values(
                idx().map(|i| s.detailed_status[i].as_str()),
            )),
        ),
        (
            "simulation_year",
            Arc::new(Int32Array::from(vec![s.year; n])),
        ),
        (
            "employee_eligibility_date",
            Arc::new(Date32Array::from_iter_values(
                idx().map(|i| s.eligibility_date[i]),
            )),
        ),
        (
            "waiting_period_days",
            int(&|i| s.waiting_period_days[i] as i32),
        ),
        (
            "scheduled_hours_per_week",
            Arc::new(Float64Array::from_iter(idx().map(|i| s.scheduled_hours[i]))),
        ),
        ("scenario_id", repeat(&config.simulation.scenario_id, n)),
        (
            "plan_design_id",
            repeat(&config.simulation.plan_design_id, n),
        ),
        (
            "current_eligibility_status",
            text(&|i| {
                if s.plan[i].carry.eligible {
                    "eligible"
                } else {
                    "pending"
                }
            }),
        ),
        (
            "plan_ineligible",
            boolean(&|i| s.plan[i].carry.plan_ineligible),
        ),
        (
            "plan_eligibility_date",
            day(&|i| s.plan[i].carry.plan_eligibility_date),
        ),
        ("is_enrolled_flag", boolean(&|i| s.plan[i].carry.enrolled)),
        (
            "employee_enrollment_date",
            day(&|i| s.plan[i].carry.enrollment_date),
        ),
        (
            "enrollment_method",
            text(&|i| s.plan[i].carry.enrollment_method.as_str()),
        ),
        (
            "ever_opted_out",
            boolean(&|i| s.plan[i].carry.ever_opted_out),
        ),
        (
            "current_deferral_rate",
            rate(idx().map(|i| Some(s.plan[i].carry.deferral_rate))),
        ),
        (
            "original_deferral_rate",
            rate(idx().map(|i| Some(s.plan[i].carry.original_deferral_rate))),
        ),
        (
            "participation_status",
            text(&|i| {
                if s.plan[i].participating() {
                    "participating"
                } else {
                    "not_participating"
                }
            }),
        ),
        (
            "participation_status_detail",
            text(&|i| s.plan[i].participation_detail()),
        ),
        (
            "first_enrollment_year",
            int(&|i| s.plan[i].carry.first_enrollment_year),
        ),
        (
            "last_rate_change_year",
            int(&|i| s.plan[i].carry.last_rate_change_year),
        ),
        (
            "total_deferral_escalations",
            int(&|i| s.plan[i].carry.escalations as i32),
        ),
        (
            "total_escalation_amount",
            rate(idx().map(|i| Some(s.plan[i].carry.total_escalation_amount))),
        ),
        (
            "last_escalation_date",
            day(&|i| s.plan[i].carry.last_escalation_date),
        ),
        (
            "auto_escalation_opt_out",
            boolean(&|i| s.plan[i].carry.census_escalation_opt_out),
        ),
        ("annual_hours_worked", float(&|i| s.plan[i].annual_hours)),
        (
            "contribution_deferral_rate",
            rate(idx().map(|i| Some(s.plan[i].contribution_rate))),
        ),
        (
            "total_contribution_base_compensation",
            cash(&|i| s.plan[i].contribution_base),
        ),
        (
            "requested_contributions",
            cash(&|i| s.plan[i].requested_contribution),
        ),
        (
            "prorated_annual_contributions",
            cash(&|i| s.plan[i].employee_contribution),
        ),
        (
            "pre_tax_contributions",
            cash(&|i| s.plan[i].pre_tax_contribution),
        ),
        ("roth_contributions", cash(&|i| s.plan[i].roth_contribution)),
        ("capped_excess", cash(&|i| s.plan[i].capped_excess)),
        ("applied_irs_limit", cash(&|i| s.plan[i].applied_limit)),
        (
            "limit_type",
            Arc::new(StringArray::from_iter_values(idx().map(
                |i| match s.plan[i].limit_type {
                    LimitType::Base => "BASE",
                    LimitType::CatchUp => "CATCH_UP",
                    LimitType::SuperCatchUp => "SUPER_CATCH_UP",
                },
            ))),
        ),
        (
            "irs_limit_reached",
            boolean(&|i| s.plan[i].irs_limit_reached),
        ),
        (
            "match_eligibility",
            text(&|i| s.plan[i].match_eligibility.as_str()),
        ),
        ("match_status", text(&|i| s.plan[i].match_status.as_str())),
        ("employer_match_amount", cash(&|i| s.plan[i].employer_match)),
        (
            "core_eligibility",
            text(&|i| s.plan[i].core_eligibility.as_str()),
        ),
        ("employer_core_amount", cash(&|i| s.plan[i].employer_core)),
        (
            "total_employer_contributions",
            cash(&|i| s.plan[i].employer_total()),
        ),
        (
            "employer_balance",
            cash(&|i| s.plan[i].carry.employer_balance),
        ),
        (
            "employee_balance",
            cash(&|i| s.plan[i].carry.employee_balance),
        ),
        ("vested_percentage", float(&|i| s.plan[i].vested_pct)),
        ("vested_balance", cash(&|i| s.plan[i].vested_balance)),
        ("forfeiture_amount", cash(&|i| s.plan[i].forfeiture)),
        ("is_hce", boolean(&|i| s.plan[i].is_hce)),
    ])
    .expect("consistent snapshot batch")
}
