//! The workforce state accumulator (docs/rules.md 5.1, 3.14) as Polars expressions: year N's
//! snapshot from the start-of-year workforce P(N) and year N's ledger, the same rule as
//! `state::accumulate`, evaluated over columns.
//!
//! Two frames go in: the roster (one row per snapshot row: start-of-year pay, level, age,
//! tenure, hire date) and the pay-relevant ledger rows (hire, promotion, raise, termination).
//! Per employee the ledger gives the full-year-equivalent pay and the final level (last
//! event in ledger order), the earliest termination, and the prorated pay: the events sorted
//! by (date, proration rank) open pay periods that the next event (or the termination, or
//! Dec 31) closes. Each period's pay is `salary * days / 365` and the periods are summed in
//! date order with a cumulative sum, so every floating-point operation happens in the same
//! order as in the native accumulator and the results agree to the bit.
//!
//! The identity columns (ids, birth dates, scheduled hours, eligibility dates) are carried
//! from P(N) or the hire records unchanged; plan state (5.2-5.4) is the shared accumulator.

use crate::expr::{div_exact, greatest, round2};
use ::polars::prelude::*;
use workforce_sim_core::date;
use workforce_sim_core::engine::{EngineError, YearContext};
use workforce_sim_core::events::{EventCategory, EventType, Member, YearEvents};
use workforce_sim_core::state::workforce::{proration_rank, TerminationReason};
use workforce_sim_core::state::{DetailedStatus, Snapshot, Workforce};

// The pay-relevant event types by their proration rank (the `t` column).
const HIRE: u8 = proration_rank(EventType::Hire);
const PROMOTION: u8 = proration_rank(EventType::Promotion);
const RAISE: u8 = proration_rank(EventType::Raise);
const TERMINATION: u8 = proration_rank(EventType::Termination);

/// The proration rank of a pay-relevant event type, `None` for the others.
fn rank(t: EventType) -> Option<u8> {
    Some(proration_rank(t)).filter(|&r| r <= TERMINATION)
}

/// Step 14 of docs/rules.md 3.0 (workforce state), then the shared plan accumulators.
pub fn accumulate(
    ctx: &YearContext<'_>,
    prior: &Workforce,
    events: &YearEvents,
) -> Result<Snapshot, EngineError> {
    let mut snapshot = workforce_snapshot(prior, events)
        .map_err(|e| crate::engine_error(events.year, "workforce state accumulation", e))?;
    workforce_sim_core::state::accumulate_plan(ctx.config, prior, events, &mut snapshot);
    Ok(snapshot)
}

fn roster_frame(prior: &Workforce, events: &YearEvents) -> PolarsResult<DataFrame> {
    let n = events.roster.len();
    let (mut hired, mut comp, mut level) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut age, mut tenure, mut hire_date) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for m in &events.roster {
        match *m {
            Member::Prior(i) => {
                let i = i as usize;
                hired.push(false);
                comp.push(prior.compensation[i]);
                level.push(prior.level[i]);
                age.push(prior.age[i]);
                tenure.push(prior.tenure[i]);
                hire_date.push(prior.hire_date[i]);
            }
            Member::Hire(j) => {
                let h = &events.hires[j as usize];
                hired.push(true);
                comp.push(0.0);
                level.push(0u8);
                age.push(h.age);
                tenure.push(0u16);
                hire_date.push(h.hire_date);
            }
        }
    }
    DataFrame::new_infer_height(vec![
        Column::new("p".into(), (0..n as u32).collect::<Vec<u32>>()),
        Column::new("hired".into(), hired),
        Column::new("start_comp".into(), comp),
        Column::new("start_level".into(), level),
        Column::new("age".into(), age),
        Column::new("tenure".into(), tenure),
        Column::new("hire_date".into(), hire_date),
    ])
}

fn ledger_frame(events: &YearEvents) -> PolarsResult<DataFrame> {
    let rows: Vec<usize> = (0..events.len())
        .filter(|&k| rank(events.event_type[k]).is_some())
        .collect();
    let pick = |f: &dyn Fn(usize) -> Option<f64>| rows.iter().map(|&k| f(k)).collect::<Vec<_>>();
    DataFrame::new_infer_height(vec![
        Column::new(
            "k".into(),
            rows.iter().map(|&k| k as u32).collect::<Vec<u32>>(),
        ),
        Column::new(
            "p".into(),
            rows.iter()
                .map(|&k| events.position[k])
                .collect::<Vec<u32>>(),
        ),
        Column::new(
            "t".into(),
            rows.iter()
                .map(|&k| proration_rank(events.event_type[k]))
                .collect::<Vec<u8>>(),
        ),
        Column::new(
            "d".into(),
            rows.iter()
                .map(|&k| events.effective_date[k])
                .collect::<Vec<i32>>(),
        ),
        Column::new("comp".into(), pick(&|k| events.compensation_amount[k])),
        Column::new("prev".into(), pick(&|k| events.previous_compensation[k])),
        Column::new(
            "level".into(),
            rows.iter()
                .map(|&k| events.level_id[k])
                .collect::<Vec<u8>>(),
        ),
        Column::new(
            "nh".into(),
            rows.iter()
                .map(|&k| events.category[k] == EventCategory::NewHireTermination)
                .collect::<Vec<bool>>(),
        ),
    ])
}

/// `salary * days / 365` of a pay period (days clamped at zero).
fn period_pay(salary: Expr, days: Expr) -> Expr {
    div_exact(
        salary * greatest(days, lit(0i64)).cast(DataType::Float64),
        365.0,
    )
}

fn workforce_snapshot(prior: &Workforce, events: &YearEvents) -> PolarsResult<Snapshot> {
    let roster = roster_frame(prior, events)?.lazy();
    let ledger = ledger_frame(events)?.lazy();
    let [hire, level, promotion, raise, termination] = event_aggregates(&ledger);
    let by_date = prorated_pay(events.year, ledger, &roster, termination.clone());
    let out = roster
        .join(hire, [col("p")], [col("p")], JoinArgs::new(JoinType::Left))
        .join(level, [col("p")], [col("p")], JoinArgs::new(JoinType::Left))
        .join(
            promotion,
            [col("p")],
            [col("p")],
            JoinArgs::new(JoinType::Left),
        )
        .join(raise, [col("p")], [col("p")], JoinArgs::new(JoinType::Left))
        .join(
            termination,
            [col("p")],
            [col("p")],
            JoinArgs::new(JoinType::Left),
        )
        .join(
            by_date,
            [col("p")],
            [col("p")],
            JoinArgs::new(JoinType::Left),
        )
        .select([
            col("p"),
            col("hire_date"),
            full_year_pay().alias("fye"),
            round2(earned(events.year)).alias("prorated"),
            col("age"),
            tenure().alias("tenure"),
            col("event_level")
                .fill_null(col("start_level"))
                .cast(DataType::UInt8)
                .alias("level"),
            col("term_date"),
            col("term_nh").fill_null(lit(false)).alias("term_nh"),
            status().alias("status"),
        ])
        .sort(["p"], SortMultipleOptions::default())
        .collect()?;

    decode_snapshot(prior, events, &out)
}

fn hired() -> Expr {
    col("hired")
}

fn terminated() -> Expr {
    col("term_date").is_not_null()
}

/// The ledger row is of event type `x`.
fn is(x: u8) -> Expr {
    col("t").eq(lit(x).cast(DataType::UInt8))
}

/// Per employee, in ledger order (the ledger rows are grouped by employee and in ledger
/// order within an employee): the hire pay, the level, the promotion and raise pay set by the
/// events, and the earliest termination. Each aggregate is a filter plus a plain
/// `first`/`last` per group.
fn event_aggregates(ledger: &LazyFrame) -> [LazyFrame; 5] {
    let last_of = |types: &[u8], aggs: Vec<Expr>| {
        let keep = types
            .iter()
            .map(|&x| is(x))
            .reduce(|a, b| a.or(b))
            .unwrap_or(lit(false));
        ledger.clone().filter(keep).group_by([col("p")]).agg(aggs)
    };
    let hire = last_of(
        &[HIRE],
        vec![col("comp").fill_null(lit(0.0)).last().alias("hire_comp")],
    );
    let level = last_of(
        &[HIRE, PROMOTION],
        vec![col("level").last().alias("event_level")],
    );
    let promotion = last_of(&[PROMOTION], vec![col("comp").last().alias("pn")]);
    let raise = last_of(
        &[RAISE],
        vec![
            col("comp").last().alias("rn"),
            col("prev").last().alias("rp"),
        ],
    );
    // The earliest termination (by date, then ledger order) ends employment and pay.
    let termination = ledger
        .clone()
        .filter(is(TERMINATION))
        .sort(["p", "d", "k"], SortMultipleOptions::default())
        .group_by([col("p")])
        .agg([
            col("d").first().alias("term_date"),
            col("k").first().alias("term_k"),
            col("nh").first().alias("term_nh"),
        ]);

    [hire, level, promotion, raise, termination]
}

/// Prorated pay: the events by (date, rank), up to and including the earliest termination.
/// Row j closes the period opened by row j-1 (or, for an employee's first row, the period
/// from Jan 1 at the event's previous pay, unless that event is a hire or on Jan 1). The
/// rows are sorted by employee, so the previous row is a plain shift.
fn prorated_pay(
    year: i32,
    ledger: LazyFrame,
    roster: &LazyFrame,
    termination: LazyFrame,
) -> LazyFrame {
    let jan1 = date::jan1(year);
    let t = || col("t");
    let first = col("p").shift(lit(1)).neq(col("p")).fill_null(lit(true));
    let prev_d = col("d").shift(lit(1));
    let from = when(first.clone()).then(lit(jan1)).otherwise(prev_d);
    let salary = when(first.clone())
        .then(col("prev").fill_null(col("start_comp")))
        .otherwise(col("comp").shift(lit(1)).fill_null(lit(0.0)));
    let opened = when(first)
        .then(
            t().neq(lit(HIRE).cast(DataType::UInt8))
                .and(col("d").gt(lit(jan1))),
        )
        .otherwise(lit(true));
    let days = when(is(TERMINATION))
        .then(col("d").cast(DataType::Int64) - from.clone().cast(DataType::Int64) + lit(1i64))
        .otherwise(col("d").cast(DataType::Int64) - from.cast(DataType::Int64));
    let employed = col("term_date")
        .is_null()
        .or(col("d").lt(col("term_date")))
        .or(col("d").eq(col("term_date")).and(
            t().neq(lit(TERMINATION).cast(DataType::UInt8))
                .or(col("k").eq(col("term_k"))),
        ));
    // `sum` over an employee's few rows adds them in row order, as the native loop does.
    ledger
        .join(
            roster.clone().select([col("p"), col("start_comp")]),
            [col("p")],
            [col("p")],
            JoinArgs::new(JoinType::Inner),
        )
        .join(
            termination.select([col("p"), col("term_date"), col("term_k")]),
            [col("p")],
            [col("p")],
            JoinArgs::new(JoinType::Left),
        )
        .filter(employed)
        .sort(["p", "d", "t", "k"], SortMultipleOptions::default())
        .with_column(
            when(opened)
                .then(period_pay(salary, days))
                .otherwise(lit(0.0))
                .alias("c"),
        )
        .group_by([col("p")])
        .agg([
            col("c").sum().alias("earned"),
            col("t").last().alias("last_t"),
            col("d").last().alias("last_d"),
            col("comp").last().fill_null(lit(0.0)).alias("last_comp"),
        ])
}

/// The pay at the start of the year: a hire's hire pay, else the prior year-end's.
fn start_pay() -> Expr {
    when(hired())
        .then(col("hire_comp").fill_null(lit(0.0)))
        .otherwise(col("start_comp"))
}

/// The full-year-equivalent pay at year end: the promotion pay with the raise's ratio on top
/// when both happened, else the one that did, else the start pay.
fn full_year_pay() -> Expr {
    let raise_known = || col("rn").is_not_null().and(col("rp").is_not_null());
    when(
        col("pn")
            .is_not_null()
            .and(raise_known())
            .and(col("rp").gt(lit(0.0))),
    )
    .then(round2(
        col("pn") * (lit(1.0) + (col("rn") / col("rp") - lit(1.0))),
    ))
    .when(col("pn").is_not_null())
    .then(col("pn"))
    .when(raise_known())
    .then(col("rn"))
    .otherwise(start_pay())
}

/// The year's earned pay: the periods closed by events, plus the tail from the last event to
/// December 31 (none after a termination); the start pay all year without events.
fn earned(year: i32) -> Expr {
    let (jan1, dec31) = (date::jan1(year), date::dec31(year));
    let tail = when(col("last_t").neq(lit(TERMINATION).cast(DataType::UInt8)))
        .then(period_pay(
            col("last_comp"),
            lit(dec31 as i64 + 1) - col("last_d").cast(DataType::Int64),
        ))
        .otherwise(lit(NULL).cast(DataType::Float64));
    when(col("earned").is_null())
        .then(period_pay(start_pay(), lit((dec31 - jan1 + 1) as i64)))
        .when(tail.clone().is_not_null())
        .then(col("earned") + tail)
        .otherwise(col("earned"))
}

/// Year-end tenure: frozen at the termination (0 for a hire who left), else carried.
fn tenure() -> Expr {
    let days_served =
        col("term_date").cast(DataType::Int64) - col("hire_date").cast(DataType::Int64);
    let tenure_at_term = when(days_served.clone().lt_eq(lit(0i64)))
        .then(lit(0i64))
        .otherwise((days_served * lit(100i64)) / lit(36_525i64));
    when(terminated())
        .then(when(hired()).then(lit(0i64)).otherwise(tenure_at_term))
        .otherwise(col("tenure").cast(DataType::Int64))
        .cast(DataType::UInt16)
}

/// The detailed status code: 0 continuous active, 1 experienced termination, 2 new-hire
/// active, 3 new-hire termination.
fn status() -> Expr {
    when(hired())
        .then(when(terminated()).then(lit(3i32)).otherwise(lit(2i32)))
        .otherwise(when(terminated()).then(lit(1i32)).otherwise(lit(0i32)))
}

/// The snapshot's workforce columns from the joined frame (sorted by roster position).
fn decode_snapshot(
    prior: &Workforce,
    events: &YearEvents,
    out: &DataFrame,
) -> PolarsResult<Snapshot> {
    let mut s = Snapshot {
        year: events.year,
        ..Default::default()
    };
    s.push_identities(prior, events);
    s.hire_date = out
        .column("hire_date")?
        .i32()?
        .into_no_null_iter()
        .collect();
    s.current_compensation = out.column("fye")?.f64()?.into_no_null_iter().collect();
    s.prorated_annual_compensation = out.column("prorated")?.f64()?.into_no_null_iter().collect();
    s.current_age = out.column("age")?.u16()?.into_no_null_iter().collect();
    s.current_tenure = out.column("tenure")?.u16()?.into_no_null_iter().collect();
    s.level_id = out.column("level")?.u8()?.into_no_null_iter().collect();
    s.termination_date = out.column("term_date")?.i32()?.iter().collect();
    s.active = s.termination_date.iter().map(Option::is_none).collect();
    let nh = out.column("term_nh")?.bool()?;
    s.termination_reason = s
        .termination_date
        .iter()
        .zip(nh.iter())
        .map(|(d, nh)| {
            let nh = nh.unwrap_or(false);
            d.map(|_| {
                if nh {
                    TerminationReason::NewHireDeparture
                } else {
                    TerminationReason::DeterministicTermination
                }
            })
        })
        .collect();
    s.detailed_status = out
        .column("status")?
        .i32()?
        .into_no_null_iter()
        .map(|c| match c {
            0 => DetailedStatus::ContinuousActive,
            1 => DetailedStatus::ExperiencedTermination,
            2 => DetailedStatus::NewHireActive,
            _ => DetailedStatus::NewHireTermination,
        })
        .collect();
    Ok(s)
}
