//! Typed events out of a results database (docs/rules.md 4.3): every row of the workforce
//! ledger (`events`) and of the plan's money ledger (`plan_ledger`) as a typed event, one
//! JSON line each, year by year; in a year, the workforce ledger in event order, then the
//! plan ledger in event order. Works on a DuckDB results file and on the `results.duckdb`
//! of a Parquet output (the same views). One year is held in memory at a time.

use crate::exec::Executor;
use crate::{Store, StoreError};
use std::path::Path;
use workforce_sim_core::events::{event_id_string, EventRecord};
use workforce_sim_core::payload::TypedEvent;
use workforce_sim_core::plan_ledger::{plan_event_id_string, PlanLedgerRecord};

/// Writes the typed events of the run in `db` to `out` as JSON Lines; returns how many.
pub fn write_typed_events(db: &Path, out: &mut dyn std::io::Write) -> Result<u64, StoreError> {
    let state = |message: String| StoreError::State {
        path: db.to_path_buf(),
        message,
    };
    if !db.exists() {
        return Err(state("no such database file".into()));
    }
    let store = Store::over(Executor::open_read_only(db)?);
    let point = store.resume_point()?;
    let config = &point.config;
    let x = &store.exec;
    let Some(last) = point.last_committed_year else {
        return Ok(0);
    };
    let mut written = 0u64;
    let mut emit = |e: TypedEvent| -> Result<(), StoreError> {
        serde_json::to_writer(&mut *out, &e)
            .map_err(|err| state(format!("cannot write event {}: {err}", e.event_id)))?;
        out.write_all(b"\n")
            .map_err(|err| state(format!("cannot write: {err}")))?;
        written += 1;
        Ok(())
    };
    for year in config.simulation.start_year..=last {
        let rows = x.query(
            "read events",
            "SELECT event_id, scenario_id, plan_design_id, employee_id, employee_ssn, event_type,
                    simulation_year, strftime(effective_date, '%Y-%m-%d'), event_details,
                    compensation_amount::DOUBLE, previous_compensation::DOUBLE,
                    employee_deferral_rate::DOUBLE, prev_employee_deferral_rate::DOUBLE,
                    employee_age, employee_tenure, level_id, age_band, tenure_band,
                    event_probability, event_category, event_sequence
             FROM events WHERE simulation_year = ? ORDER BY event_id",
            [year],
            |r| {
                let text = |k: usize| -> duckdb::Result<serde_json::Value> {
                    Ok(serde_json::Value::String(r.get::<_, String>(k)?))
                };
                Ok((
                    r.get::<_, u64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    text(5)?,
                    r.get::<_, i32>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, Option<String>>(8)?,
                    [r.get(9)?, r.get(10)?, r.get(11)?, r.get(12)?],
                    (
                        r.get::<_, i32>(13)?,
                        r.get::<_, i32>(14)?,
                        r.get::<_, i32>(15)?,
                    ),
                    (r.get::<_, String>(16)?, r.get::<_, String>(17)?),
                    r.get::<_, Option<f64>>(18)?,
                    (text(19)?, r.get::<_, i32>(20)?),
                ))
            },
        )?;
        for (id, scenario, plan, employee, ssn, t, y, date, details, money, ints, bands, p, cs) in
            rows
        {
            let bad = |what: &str| state(format!("event {}: {what}", event_id_string(id)));
            let record = EventRecord {
                event_id: event_id_string(id),
                scenario_id: scenario,
                plan_design_id: plan,
                employee_id: employee,
                employee_ssn: ssn.unwrap_or_default(),
                event_type: serde_json::from_value(t).map_err(|_| bad("unknown event_type"))?,
                simulation_year: y,
                effective_date: date,
                event_details: details.unwrap_or_default(),
                compensation_amount: money[0],
                previous_compensation: money[1],
                employee_deferral_rate: money[2],
                prev_employee_deferral_rate: money[3],
                employee_age: ints.0 as u16,
                employee_tenure: ints.1 as u16,
                level_id: ints.2 as u8,
                age_band: bands.0,
                tenure_band: bands.1,
                event_probability: p,
                event_category: serde_json::from_value(cs.0)
                    .map_err(|_| bad("unknown event_category"))?,
                event_sequence: cs.1 as u16,
            };
            let typed =
                TypedEvent::from_ledger(&record, config).map_err(|e| bad(&e.to_string()))?;
            emit(typed)?;
        }
        let rows = x.query(
            "read plan ledger",
            "SELECT event_id, scenario_id, plan_design_id, employee_id, simulation_year, event_type,
                    strftime(effective_date, '%Y-%m-%d'), event_sequence, source, amount::DOUBLE,
                    ytd_amount::DOUBLE, rate::DOUBLE, vested_match::DOUBLE, vested_core::DOUBLE,
                    applicable_limit::DOUBLE, hours, flag, prior_flag, action, pay_period,
                    strftime(start_date, '%Y-%m-%d'), strftime(end_date, '%Y-%m-%d')
             FROM plan_ledger WHERE simulation_year = ? ORDER BY event_id",
            [year],
            |r| {
                let id: u64 = r.get(0)?;
                Ok(PlanLedgerRecord {
                    event_id: plan_event_id_string(id),
                    scenario_id: r.get(1)?,
                    plan_design_id: r.get(2)?,
                    employee_id: r.get(3)?,
                    simulation_year: r.get(4)?,
                    event_type: r.get(5)?,
                    effective_date: r.get(6)?,
                    event_sequence: r.get::<_, i32>(7)? as u16,
                    source: r.get(8)?,
                    amount: r.get(9)?,
                    ytd_amount: r.get(10)?,
                    rate: r.get(11)?,
                    vested_match: r.get(12)?,
                    vested_core: r.get(13)?,
                    applicable_limit: r.get(14)?,
                    hours: r.get(15)?,
                    flag: r.get(16)?,
                    prior_flag: r.get(17)?,
                    action: r.get(18)?,
                    pay_period: r.get::<_, Option<i32>>(19)?.map(|p| p as u8),
                    start_date: r.get(20)?,
                    end_date: r.get(21)?,
                })
            },
        )?;
        for record in rows {
            let typed = TypedEvent::from_plan_ledger(&record, config)
                .map_err(|e| state(format!("event {}: {e}", record.event_id)))?;
            emit(typed)?;
        }
    }
    Ok(written)
}
