//! Participant history: one employee's events, yearly state and (when the run kept them)
//! weekly balances across a run, in order, read from a results database (opened read-only).
//! The weekly balances are found by `employee_key` (the id's 64-bit key, which the rows are
//! sorted by within each year), so the key's zone maps skip every row group but the
//! participant's: one lookup reads about one row group per year, whatever the run's size.

use crate::exec::Executor;
use crate::StoreError;
use duckdb::params;
use serde::{Deserialize, Serialize};
use std::fmt::Write;
use std::path::Path;

/// One event of the employee, as stored in the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEvent {
    pub simulation_year: i32,
    pub event_id: u64,
    pub event_sequence: i32,
    pub effective_date: String,
    pub event_type: String,
    pub event_category: String,
    pub event_details: Option<String>,
    pub compensation_amount: Option<f64>,
    pub previous_compensation: Option<f64>,
    pub employee_deferral_rate: Option<f64>,
    pub prev_employee_deferral_rate: Option<f64>,
    pub level_id: Option<i32>,
}

/// The employee's year-end state of one year (snapshot row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryYear {
    pub simulation_year: i32,
    pub employment_status: String,
    pub detailed_status_code: String,
    pub level_id: i32,
    pub current_age: i32,
    pub current_tenure: i32,
    pub current_compensation: f64,
    pub prorated_annual_compensation: f64,
    pub current_eligibility_status: String,
    pub is_enrolled_flag: bool,
    pub current_deferral_rate: f64,
    pub prorated_annual_contributions: f64,
    pub employer_match_amount: f64,
    pub employer_core_amount: f64,
    pub employer_balance: f64,
    pub vested_balance: f64,
    pub forfeiture_amount: f64,
    pub is_hce: bool,
}

/// The employee's account on one Friday (`weekly_balances` row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeeklyBalance {
    pub simulation_year: i32,
    pub week_ending: String,
    pub employee_pre_tax_balance: f64,
    pub employee_roth_balance: f64,
    pub employee_catch_up_balance: f64,
    pub employer_match_balance: f64,
    pub employer_core_balance: f64,
    pub vested_balance: f64,
    pub unvested_balance: f64,
    pub ytd_employee_contributions: f64,
    pub ytd_employer_contributions: f64,
}

/// Everything the database holds about one employee.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParticipantHistory {
    pub employee_id: String,
    pub events: Vec<HistoryEvent>,
    pub years: Vec<HistoryYear>,
    /// Weekly balances, when the run was made with `--balances weekly` (else empty).
    #[serde(default)]
    pub balances: Vec<WeeklyBalance>,
}

impl ParticipantHistory {
    /// Whether the database knows the employee at all.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.years.is_empty()
    }

    /// Terminal rendering: the yearly state, then the events.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "employee {}", self.employee_id);
        let _ = writeln!(
            out,
            "{:<6} {:<12} {:>5} {:>4} {:>12} {:>9} {:>8} {:>11} {:>10} {:>10} {:>11} {:>11} {:>4}",
            "year",
            "status",
            "level",
            "age",
            "pay (FYE)",
            "eligible",
            "deferral",
            "deferrals $",
            "match $",
            "core $",
            "employer $",
            "vested $",
            "hce"
        );
        for y in &self.years {
            let _ = writeln!(
                out,
                "{:<6} {:<12} {:>5} {:>4} {:>12.2} {:>9} {:>7.3}% {:>11.2} {:>10.2} {:>10.2} {:>11.2} {:>11.2} {:>4}",
                y.simulation_year,
                y.employment_status,
                y.level_id,
                y.current_age,
                y.current_compensation,
                y.current_eligibility_status,
                y.current_deferral_rate * 100.0,
                y.prorated_annual_contributions,
                y.employer_match_amount,
                y.employer_core_amount,
                y.employer_balance,
                y.vested_balance,
                if y.is_hce { "yes" } else { "no" }
            );
        }
        let _ = writeln!(out);
        for e in &self.events {
            let _ = writeln!(
                out,
                "{} {:<10} {:<24} {:<26} {}",
                e.simulation_year,
                e.effective_date,
                e.event_type,
                e.event_category,
                e.event_details.as_deref().unwrap_or("")
            );
        }
        if !self.balances.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "{:<10} {:>11} {:>10} {:>10} {:>11} {:>11} {:>11} {:>11} {:>11} {:>11}",
                "friday",
                "pre-tax $",
                "roth $",
                "catch-up $",
                "match $",
                "core $",
                "vested $",
                "unvested $",
                "ytd ee $",
                "ytd er $"
            );
            for b in &self.balances {
                let _ = writeln!(
                    out,
                    "{:<10} {:>11.2} {:>10.2} {:>10.2} {:>11.2} {:>11.2} {:>11.2} {:>11.2} {:>11.2} {:>11.2}",
                    b.week_ending,
                    b.employee_pre_tax_balance,
                    b.employee_roth_balance,
                    b.employee_catch_up_balance,
                    b.employer_match_balance,
                    b.employer_core_balance,
                    b.vested_balance,
                    b.unvested_balance,
                    b.ytd_employee_contributions,
                    b.ytd_employer_contributions
                );
            }
        }
        out
    }
}

/// One participant's weekly balances by key (the id is checked by the caller).
const BALANCES_SQL: &str = "SELECT employee_id, simulation_year, strftime(week_ending, '%Y-%m-%d'),
        employee_pre_tax_balance::DOUBLE, employee_roth_balance::DOUBLE,
        employee_catch_up_balance::DOUBLE, employer_match_balance::DOUBLE,
        employer_core_balance::DOUBLE, vested_balance::DOUBLE, unvested_balance::DOUBLE,
        ytd_employee_contributions::DOUBLE, ytd_employer_contributions::DOUBLE
    FROM weekly_balances WHERE employee_key = ?";

/// A results database opened read-only for participant lookups (open it once for many).
pub struct HistoryReader {
    x: Executor,
    /// Whether the database has a `weekly_balances` table or view (older results do not).
    has_balances: bool,
}

impl HistoryReader {
    pub fn open(db: &Path) -> Result<HistoryReader, StoreError> {
        if !db.exists() {
            return Err(StoreError::State {
                path: db.to_path_buf(),
                message: "no such database file".into(),
            });
        }
        let x = Executor::open_read_only(db)?;
        // A table in a DuckDB file, a view over Parquet files in a Parquet output's catalog;
        // results written before the table existed have neither. (Preparing the lookup is
        // the cheap test: listing the catalog with duckdb_tables() costs ~20 ms on a cold
        // connection.)
        let has_balances = x.prepares(BALANCES_SQL);
        Ok(HistoryReader { x, has_balances })
    }

    /// The employee's weekly balances, by Friday (empty if the run kept none).
    pub fn balances(&self, employee_id: &str) -> Result<Vec<WeeklyBalance>, StoreError> {
        if !self.has_balances {
            return Ok(Vec::new());
        }
        // Filtered on the key alone (the zone maps prune by it; a filter on the id string
        // would decode every id of the row groups read, a third of the time); the id is
        // checked here, so two ids sharing a key can never mix. Sorted here too.
        let key = workforce_sim_core::rng::id_key(employee_id);
        let rows = self
            .x
            .query("query weekly balances", BALANCES_SQL, params![key], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    WeeklyBalance {
                        simulation_year: r.get(1)?,
                        week_ending: r.get(2)?,
                        employee_pre_tax_balance: r.get(3)?,
                        employee_roth_balance: r.get(4)?,
                        employee_catch_up_balance: r.get(5)?,
                        employer_match_balance: r.get(6)?,
                        employer_core_balance: r.get(7)?,
                        vested_balance: r.get(8)?,
                        unvested_balance: r.get(9)?,
                        ytd_employee_contributions: r.get(10)?,
                        ytd_employer_contributions: r.get(11)?,
                    },
                ))
            })?;
        let mut mine: Vec<WeeklyBalance> = rows
            .into_iter()
            .filter(|(id, _)| id == employee_id)
            .map(|(_, b)| b)
            .collect();
        // ISO dates sort as text.
        mine.sort_unstable_by(|a, b| a.week_ending.cmp(&b.week_ending));
        Ok(mine)
    }

    /// Everything the database holds about the employee.
    pub fn history(&self, employee_id: &str) -> Result<ParticipantHistory, StoreError> {
        let x = &self.x;

        let events = x.query(
            "query events",
            "SELECT simulation_year, event_id, event_sequence, strftime(effective_date, '%Y-%m-%d'), event_type,
                    event_category, event_details, compensation_amount::DOUBLE, previous_compensation::DOUBLE,
                    employee_deferral_rate::DOUBLE, prev_employee_deferral_rate::DOUBLE, level_id
             FROM events WHERE employee_id = ? ORDER BY simulation_year, event_sequence",
            params![employee_id], |r| {
            Ok(HistoryEvent {
                simulation_year: r.get(0)?,
                event_id: r.get(1)?,
                event_sequence: r.get(2)?,
                effective_date: r.get(3)?,
                event_type: r.get(4)?,
                event_category: r.get(5)?,
                event_details: r.get(6)?,
                compensation_amount: r.get(7)?,
                previous_compensation: r.get(8)?,
                employee_deferral_rate: r.get(9)?,
                prev_employee_deferral_rate: r.get(10)?,
                level_id: r.get(11)?,
            })
        })?;
        let years = x.query(
            "query snapshot",
            "SELECT simulation_year, employment_status, detailed_status_code, level_id, current_age, current_tenure,
                    current_compensation::DOUBLE, prorated_annual_compensation::DOUBLE, current_eligibility_status,
                    is_enrolled_flag, current_deferral_rate::DOUBLE, prorated_annual_contributions::DOUBLE,
                    employer_match_amount::DOUBLE, employer_core_amount::DOUBLE, employer_balance::DOUBLE,
                    vested_balance::DOUBLE, forfeiture_amount::DOUBLE, is_hce
             FROM workforce_snapshot WHERE employee_id = ? ORDER BY simulation_year",
            params![employee_id], |r| {
            Ok(HistoryYear {
                simulation_year: r.get(0)?,
                employment_status: r.get(1)?,
                detailed_status_code: r.get(2)?,
                level_id: r.get(3)?,
                current_age: r.get(4)?,
                current_tenure: r.get(5)?,
                current_compensation: r.get(6)?,
                prorated_annual_compensation: r.get(7)?,
                current_eligibility_status: r.get(8)?,
                is_enrolled_flag: r.get(9)?,
                current_deferral_rate: r.get(10)?,
                prorated_annual_contributions: r.get(11)?,
                employer_match_amount: r.get(12)?,
                employer_core_amount: r.get(13)?,
                employer_balance: r.get(14)?,
                vested_balance: r.get(15)?,
                forfeiture_amount: r.get(16)?,
                is_hce: r.get(17)?,
            })
        })?;
        Ok(ParticipantHistory {
            employee_id: employee_id.to_string(),
            events,
            years,
            balances: self.balances(employee_id)?,
        })
    }
}

/// Reads one employee's events (by year and sequence), yearly snapshot rows (by year) and
/// weekly balances (by Friday).
pub fn participant_history(db: &Path, employee_id: &str) -> Result<ParticipantHistory, StoreError> {
    HistoryReader::open(db)?.history(employee_id)
}
