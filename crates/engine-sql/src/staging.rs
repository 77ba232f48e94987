//! Staging a year: the start-of-year workforce P(N) as `wfs_prior` by Arrow batches, the
//! per-level parameters and band multipliers, the year half of every draw (`wfs_year`) and
//! the per-employee keys (`wfs_emp`).

use duckdb::arrow::array::{
    ArrayRef, BooleanArray, Float64Array, Int32Array, StringArray, UInt16Array, UInt32Array,
    UInt64Array, UInt8Array,
};
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::Connection;
use std::sync::Arc;
use workforce_sim_core::engine::{Foundation, YearContext};
use workforce_sim_core::rng::{draw, Draw};
use workforce_sim_core::state::Workforce;

/// Stages the start-of-year workforce (`wfs_prior`), the per-level parameters (`wfs_level`)
/// and the band multipliers (`wfs_age_band`, `wfs_tenure_band`) by Arrow batches.
/// Stages P(N) as `wfs_prior`, one Arrow batch per 128k rows.
pub(crate) fn stage_prior(conn: &Connection, prior: &Workforce) -> Result<(), duckdb::Error> {
    conn.execute_batch(
        "CREATE OR REPLACE TABLE wfs_prior (i UINTEGER, employee_id VARCHAR, id_key UBIGINT, \
         level UTINYINT, age USMALLINT, tenure USMALLINT, comp DOUBLE, hire_date INTEGER, \
         ineligible BOOLEAN, elig_date INTEGER, enrolled BOOLEAN, ever_opted_out BOOLEAN, \
         rate DOUBLE, census_esc_opt_out BOOLEAN, last_change_year INTEGER, \
         first_enroll_year INTEGER);",
    )?;
    const CHUNK: usize = 1 << 17;
    let mut app = conn.appender("wfs_prior")?;
    for start in (0..prior.len()).step_by(CHUNK) {
        let r = start..(start + CHUNK).min(prior.len());
        let plan = &prior.plan[r.clone()];
        let batch = RecordBatch::try_from_iter([
            (
                "i",
                Arc::new(UInt32Array::from_iter_values(r.clone().map(|i| i as u32))) as ArrayRef,
            ),
            (
                "employee_id",
                Arc::new(StringArray::from_iter_values(
                    prior.employee_id[r.clone()].iter().map(|s| &**s),
                )),
            ),
            (
                "id_key",
                Arc::new(UInt64Array::from(prior.id_key[r.clone()].to_vec())),
            ),
            (
                "level",
                Arc::new(UInt8Array::from(prior.level[r.clone()].to_vec())),
            ),
            (
                "age",
                Arc::new(UInt16Array::from(prior.age[r.clone()].to_vec())),
            ),
            (
                "tenure",
                Arc::new(UInt16Array::from(prior.tenure[r.clone()].to_vec())),
            ),
            (
                "comp",
                Arc::new(Float64Array::from(prior.compensation[r.clone()].to_vec())),
            ),
            (
                "hire_date",
                Arc::new(Int32Array::from(prior.hire_date[r.clone()].to_vec())),
            ),
            (
                "ineligible",
                Arc::new(BooleanArray::from_iter(
                    plan.iter().map(|p| Some(p.plan_ineligible)),
                )),
            ),
            (
                "elig_date",
                Arc::new(Int32Array::from_iter(
                    plan.iter().map(|p| p.plan_eligibility_date),
                )),
            ),
            (
                "enrolled",
                Arc::new(BooleanArray::from_iter(
                    plan.iter().map(|p| Some(p.enrolled)),
                )),
            ),
            (
                "ever_opted_out",
                Arc::new(BooleanArray::from_iter(
                    plan.iter().map(|p| Some(p.ever_opted_out)),
                )),
            ),
            (
                "rate",
                Arc::new(Float64Array::from_iter_values(
                    plan.iter().map(|p| p.deferral_rate),
                )),
            ),
            (
                "census_esc_opt_out",
                Arc::new(BooleanArray::from_iter(
                    plan.iter().map(|p| Some(p.census_escalation_opt_out)),
                )),
            ),
            (
                "last_change_year",
                Arc::new(Int32Array::from_iter_values(
                    plan.iter().map(|p| p.last_rate_change_year),
                )),
            ),
            (
                "first_enroll_year",
                Arc::new(Int32Array::from_iter_values(
                    plan.iter().map(|p| p.first_enrollment_year),
                )),
            ),
        ])
        .map_err(|e| duckdb::Error::ToSqlConversionFailure(Box::new(e)))?;
        app.append_record_batch(batch)?;
    }
    app.flush()?;
    Ok(())
}

/// Stages the year's tables: quotas and pay parameters by level, the band multipliers.
pub(crate) fn stage_year(
    conn: &Connection,
    ctx: &YearContext<'_>,
    f: &Foundation,
) -> Result<(), duckdb::Error> {
    conn.execute_batch(
        "CREATE OR REPLACE TABLE wfs_level (level UTINYINT, term_quota UBIGINT, \
         hire_quota UBIGINT, hire_start UBIGINT, merit DOUBLE, nh_avg DOUBLE);
         CREATE OR REPLACE TABLE wfs_age_band (v USMALLINT, mult DOUBLE);
         CREATE OR REPLACE TABLE wfs_tenure_band (v USMALLINT, mult DOUBLE);",
    )?;
    let levels = ctx.config.job_levels.len();
    let mut start = 0u64;
    let mut starts = Vec::with_capacity(levels);
    for &q in &f.hire_quotas {
        starts.push(start);
        start += q;
    }
    let batch = RecordBatch::try_from_iter([
        (
            "level",
            Arc::new(UInt8Array::from_iter_values((1..=levels).map(|l| l as u8))) as ArrayRef,
        ),
        (
            "term_quota",
            Arc::new(UInt64Array::from(f.termination_quotas.clone())),
        ),
        (
            "hire_quota",
            Arc::new(UInt64Array::from(f.hire_quotas.clone())),
        ),
        ("hire_start", Arc::new(UInt64Array::from(starts))),
        (
            "merit",
            Arc::new(Float64Array::from(ctx.params.merit.clone())),
        ),
        (
            "nh_avg",
            Arc::new(Float64Array::from(ctx.params.new_hire_average.clone())),
        ),
    ])
    .map_err(|e| duckdb::Error::ToSqlConversionFailure(Box::new(e)))?;
    let mut app = conn.appender("wfs_level")?;
    app.append_record_batch(batch)?;
    app.flush()?;
    drop(app);
    for (table, bands) in [
        ("wfs_age_band", ctx.age_bands),
        ("wfs_tenure_band", ctx.tenure_bands),
    ] {
        let top = bands.top();
        let batch = RecordBatch::try_from_iter([
            (
                "v",
                Arc::new(UInt16Array::from_iter_values(0..=top)) as ArrayRef,
            ),
            (
                "mult",
                Arc::new(Float64Array::from_iter_values(
                    (0..=top).map(|v| bands.promotion_multipliers[bands.index(v) as usize]),
                )),
            ),
        ])
        .map_err(|e| duckdb::Error::ToSqlConversionFailure(Box::new(e)))?;
        let mut app = conn.appender(table)?;
        app.append_record_batch(batch)?;
        app.flush()?;
    }
    Ok(())
}

/// The year half of every draw, `mix((year << 32) ^ fnv1a64("event_type|salt"))`, and the
/// mixed seeds, once per year.
pub(crate) fn year_codes_sql(ctx: &YearContext<'_>) -> String {
    let c = ctx.config;
    let y = ctx.year;
    // (column, year, draw): each year half is mix((year << 32) ^ fnv(draw name)).
    let draws: [(&str, i32, Draw); 23] = [
        ("term_select", y, draw::TERMINATION_SELECT),
        ("term_date_min", 0, draw::TERMINATION_DATE_MIN),
        ("term_date", y, draw::TERMINATION_DATE),
        ("hire_age", y, draw::HIRE_AGE),
        ("hire_part_time", y, draw::HIRE_PART_TIME),
        ("nh_select", y, draw::NEW_HIRE_TERMINATION_SELECT),
        ("nh_date_min", 0, draw::NEW_HIRE_TERMINATION_DATE_MIN),
        ("nh_date", y, draw::NEW_HIRE_TERMINATION_DATE),
        ("promotion", y, draw::PROMOTION),
        ("promotion_raise", y, draw::PROMOTION_RAISE),
        ("promotion_raise2", y, draw::PROMOTION_RAISE2),
        ("raise_month", y, draw::RAISE_MONTH),
        ("raise_day", y, draw::RAISE_DAY),
        ("new_hire_override", y, draw::ELIGIBILITY_NEW_HIRE_OVERRIDE),
        ("voluntary", y, draw::ENROLLMENT_VOLUNTARY),
        ("voluntary_magnet", y, draw::ENROLLMENT_VOLUNTARY_MAGNET),
        ("proactive", y, draw::ENROLLMENT_PROACTIVE),
        ("proactive_timing", y, draw::ENROLLMENT_PROACTIVE_TIMING),
        ("proactive_magnet", y, draw::ENROLLMENT_PROACTIVE_MAGNET),
        ("yoy", y, draw::ENROLLMENT_YOY),
        ("opt_out", y, draw::ENROLLMENT_CHANGE_OPT_OUT),
        ("match_up", y, draw::MATCH_RESPONSE_UP),
        ("match_down", y, draw::MATCH_RESPONSE_DOWN),
    ];
    let seeds = [
        ("seed_term", c.termination_seed()),
        ("seed_hire", c.hiring_seed()),
        ("seed_promo", c.promotion_seed()),
        ("seed_raise", c.raises_seed()),
        ("seed_plan", c.plan_seed()),
    ];
    let columns: Vec<String> = seeds
        .iter()
        .map(|(col, seed)| format!("wfs_mix({seed}::UBIGINT) AS {col}"))
        .chain(draws.iter().map(|(col, year, d)| {
            format!(
                "wfs_mix(xor({year}::UBIGINT << 32, wfs_fnv('{}'))) AS {col}",
                d.name()
            )
        }))
        .collect();
    format!(
        "CREATE OR REPLACE TABLE wfs_year AS SELECT {};",
        columns.join(",\n            ")
    )
}

/// The employee halves of the draws, `mix(mix(seed) ^ id_key)`, once per employee and seed.
pub(crate) fn employee_keys_sql() -> String {
    "CREATE OR REPLACE TABLE wfs_emp AS SELECT p.*,
        wfs_mix(xor(y.seed_term, p.id_key)) AS e_term,
        wfs_mix(xor(y.seed_promo, p.id_key)) AS e_promo,
        wfs_mix(xor(y.seed_raise, p.id_key)) AS e_raise,
        wfs_mix(xor(y.seed_plan, p.id_key)) AS e_plan
     FROM wfs_prior p, wfs_year y;"
        .to_string()
}
