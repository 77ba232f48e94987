//! The dataframe engine: steps 3-12 of docs/rules.md 3.0 as Polars lazy expressions over the
//! start-of-year workforce as a `DataFrame`. The keyed draws of docs/rules.md 2.1 are wrapping
//! `UInt64` expressions (`*` wraps in Polars, `z / 2^k` on `UInt64` is the logical shift, `xor`
//! is bitwise on integers); the year halves of the draws are per-year literals and the employee
//! halves one column per seed. Selections by rank are a multi-key sort plus a per-level row
//! number; every other decision is a `when/then` over columns. No per-row Rust closure runs.
//! The workforce state accumulator (5.1) is expressions too ([`accumulator`]).
//!
//! Constants of the rules enter as `f64` literals taken from the same Rust constants the
//! native engine reads, and every expression keeps the native evaluation order, so results
//! agree to the bit.
//!
//! Files: `rng` the draws as expressions, `expr` the rules' arithmetic, `frames` the frames a
//! year starts from, `steps` steps 4-8, `plan` steps 9-12, `decode` reading the frames back,
//! [`accumulator`] the workforce state; this file the engine and its year (`decide`).

#![warn(missing_docs)]

/// Reads a column as a typed chunked array.
macro_rules! column {
    ($df:expr, $name:literal, $ty:ident) => {
        $df.column($name).and_then(|c| c.$ty())
    };
}

mod accumulator;
mod decode;
mod expr;
mod frames;
mod plan;
mod rng;
mod steps;

use ::polars::prelude::*;
use decode::{read_hires, read_plan, read_promotions, read_raises, read_terminations};
use frames::{level_frame, prior_frame, workforce_counts};
use plan::plan_decisions;
use rng::{employee_half, keyed, ulit, with_draws};
use steps::{hires_frame, new_hire_terminations, promotions, raises};
use workforce_sim_core::date::{self};
use workforce_sim_core::engine::decisions::{Decisions, Decoder};
use workforce_sim_core::engine::foundation::foundation_from_counts;
use workforce_sim_core::engine::{Engine, EngineError, EngineKind, Foundation, YearContext};
use workforce_sim_core::events::YearEvents;
use workforce_sim_core::rng::draw;
use workforce_sim_core::rules::termination;
use workforce_sim_core::state::{Snapshot, Workforce};

/// The Polars engine (stateless; each year builds its frames from the start-of-year state).
pub struct PolarsEngine;

impl Engine for PolarsEngine {
    fn kind(&self) -> EngineKind {
        EngineKind::Polars
    }

    /// Steps 1-2: headcount, last year's hires and headcount by level as a `group_by` over
    /// the level and hire-date columns, then the shared arithmetic.
    fn foundation(
        &self,
        ctx: &YearContext<'_>,
        prior: &Workforce,
    ) -> Result<Foundation, EngineError> {
        let counts = workforce_counts(ctx, prior)
            .map_err(|e| engine_error(ctx.year, "workforce counts", e))?;
        foundation_from_counts("polars", ctx, &counts)
    }

    /// The workforce snapshot as expressions ([`accumulator`]), then the shared plan state.
    fn accumulate(
        &self,
        ctx: &YearContext<'_>,
        prior: &Workforce,
        events: &YearEvents,
    ) -> Result<Snapshot, EngineError> {
        accumulator::accumulate(ctx, prior, events)
    }

    fn decide(
        &self,
        ctx: &YearContext<'_>,
        prior: &Workforce,
        f: &Foundation,
    ) -> Result<Decisions, EngineError> {
        decide(ctx, prior, f)
    }
}

/// A Polars error as the engine error of a year's step.
pub(crate) fn engine_error(year: i32, step: &'static str, e: PolarsError) -> EngineError {
    EngineError {
        engine: "polars",
        year,
        step,
        message: e.to_string(),
    }
}

fn decide(
    ctx: &YearContext<'_>,
    prior: &Workforce,
    f: &Foundation,
) -> Result<Decisions, EngineError> {
    let c = ctx.config;
    let year = ctx.year;
    let n = prior.len();
    let at = |step: &'static str| move |e: PolarsError| engine_error(year, step, e);
    let mut clock = std::time::Instant::now();
    let mut lap = |step: &str| {
        tracing::debug!(
            year,
            step,
            ms = clock.elapsed().as_secs_f64() * 1e3,
            "polars engine"
        );
        clock = std::time::Instant::now();
    };
    // The employee halves of the draws, once per employee and seed; every step below reads
    // this frame (collected once, so no step recomputes them).
    let emp = prior_frame(prior)
        .map_err(at("stage the start-of-year workforce"))?
        .lazy()
        .with_columns([
            employee_half(c.termination_seed()).alias("e_term"),
            employee_half(c.promotion_seed()).alias("e_promo"),
            employee_half(c.raises_seed()).alias("e_raise"),
            employee_half(c.plan_seed()).alias("e_plan"),
        ]);
    // The draws of steps 3, 7 and 8 for every start-of-year employee.
    let emp = with_draws(
        emp,
        "e_term",
        &[
            (year, draw::TERMINATION_SELECT),
            (0, draw::TERMINATION_DATE_MIN),
            (year, draw::TERMINATION_DATE),
        ],
    );
    let emp = with_draws(
        emp,
        "e_promo",
        &[
            (year, draw::PROMOTION),
            (year, draw::PROMOTION_RAISE),
            (year, draw::PROMOTION_RAISE2),
        ],
    );
    let emp = with_draws(
        emp,
        "e_raise",
        &[(year, draw::RAISE_MONTH), (year, draw::RAISE_DAY)],
    )
    .collect()
    .map_err(at("employee keys"))?
    .lazy();
    lap("employee keys");
    let levels = level_frame(ctx, f)
        .map_err(at("stage the level table"))?
        .lazy();

    // Step 3: experienced terminations: rank within level by (h, employee_id).
    let jan1 = date::jan1(year);
    let rank = int_range(lit(0i64), len(), 1, DataType::Int64)
        .over([col("level")])
        .map_err(at("experienced terminations"))?;
    let term = emp
        .clone()
        .join(
            levels.clone(),
            [col("level")],
            [col("level")],
            JoinArgs::new(JoinType::Inner),
        )
        .filter(col("term_quota").gt(ulit(0u64)))
        .with_column(keyed("e_term", year, draw::TERMINATION_SELECT).alias("h"))
        .sort_by_exprs(
            [col("level"), col("h"), col("employee_id")],
            SortMultipleOptions::default().with_maintain_order(true),
        )
        .with_column(rank.alias("rank"))
        .filter(col("rank").lt(col("term_quota").cast(DataType::Int64)))
        .select([
            col("i"),
            (lit(jan1 + termination::DATE_FLOOR)
                + (keyed("e_term", 0, draw::TERMINATION_DATE_MIN)
                    % ulit(termination::DATE_FLOOR_SPREAD))
                .cast(DataType::Int32)
                + (keyed("e_term", year, draw::TERMINATION_DATE) % ulit(termination::DATE_SPREAD))
                    .cast(DataType::Int32))
            .alias("term_date"),
        ])
        .collect()
        .map_err(at("experienced terminations"))?;
    lap("experienced terminations");
    let mut d = Decoder::new("polars", year, n);
    read_terminations(&mut d, year, &term)?;
    let term_lf = term.lazy();

    // Step 4: hires.
    let total_hires: u64 = f.hire_quotas.iter().sum();
    let hires_df = hires_frame(ctx, f, total_hires).map_err(at("hires"))?;
    lap("hires");
    // Step 5: new-hire terminations.
    let nh = new_hire_terminations(ctx, f, &hires_df).map_err(at("new-hire terminations"))?;
    lap("new-hire terminations");
    read_hires(&mut d, year, &hires_df, &nh)?;

    // Step 7: promotions.
    let promo = promotions(ctx, emp.clone(), term_lf.clone())
        .collect()
        .map_err(at("promotions"))?;
    lap("promotions");
    read_promotions(&mut d, year, &promo)?;

    // Step 8: raises.
    let raise = raises(ctx, emp.clone(), levels, term_lf.clone())
        .collect()
        .map_err(at("raises"))?;
    lap("raises");
    read_raises(&mut d, year, &raise)?;

    // Steps 9-12: the plan.
    if c.plan.enabled {
        let df = plan_decisions(ctx, emp, term_lf, hires_df.lazy(), nh.lazy())
            .map_err(at("plan decisions"))?
            .collect()
            .map_err(at("plan decisions"))?;
        lap("plan decisions");
        read_plan(&mut d, year, &df)?;
    }
    Ok(d.finish())
}

/// Step 3 read back: `(i, term_date)` rows.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{fnv_of_padded_number, mix};
    use workforce_sim_core::rng::Rng;

    fn eval_u64(e: Expr) -> u64 {
        let df = DataFrame::empty()
            .lazy()
            .select([e.alias("x")])
            .collect()
            .unwrap();
        df.column("x").unwrap().u64().unwrap().get(0).unwrap()
    }

    #[test]
    fn wrapping_expressions_match_the_test_vectors() {
        assert_eq!(eval_u64(mix(ulit(42u64))), 0xa759ea27d4727622);
        let rng = Rng::new(42);
        let e = rng.employee(workforce_sim_core::rng::id_key("EMP_000001"));
        assert_eq!(
            eval_u64(mix(
                ulit(e).xor(ulit(Rng::year_code(2025, draw::TERMINATION_SELECT)))
            )),
            0x0862673a7c002009
        );
        for seq in [1u64, 42, 999_999, 1_000_000, 1_234_567] {
            let id = format!("NH_2025_{seq:06}");
            assert_eq!(
                eval_u64(fnv_of_padded_number("NH_2025_", lit(seq), 6, 2_000_000)),
                workforce_sim_core::rng::id_key(&id),
                "{id}"
            );
        }
    }
}
