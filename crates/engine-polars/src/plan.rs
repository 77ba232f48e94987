//! Steps 9-12 of docs/rules.md 3.0 for every member of the roster: eligibility (3.9),
//! enrollment resolution (3.10), the auto-enrollment opt-out, the start-year match response
//! (3.11) and auto-escalation (3.12). One function builds the roster, one the expressions of
//! each rule; [`plan_decisions`] chains them in the rules' order.

use crate::expr::{div_exact, greatest, jan1_of, least, pick, round_rate, segment};
use crate::rng::{keyed, ulit, unit, with_draws};
use ::polars::prelude::*;
use workforce_sim_core::config::plan::{optional_day, AutoEnrollmentScope};
use workforce_sim_core::date::{self, Day};
use workforce_sim_core::engine::{YearContext, NO_TERMINATION};
use workforce_sim_core::rng::{draw, Draw};
use workforce_sim_core::rules::{enrollment, escalation, match_response};

/// The uniform draw `d` of the year for the member's plan key.
fn u(year: i32, d: Draw) -> Expr {
    unit(keyed("e_plan", year, d))
}

fn hired() -> Expr {
    col("hired")
}

fn rate() -> Expr {
    col("rate")
}

fn null_i32() -> Expr {
    lit(NULL).cast(DataType::Int32)
}

fn null_f64() -> Expr {
    lit(NULL).cast(DataType::Float64)
}

/// Hired on or after `d` (always, without a cutoff).
fn at_or_after(d: Option<Day>) -> Expr {
    d.map_or(lit(true), |d| col("hire_date").gt_eq(lit(d)))
}

/// June 15 of `year`, the day of year-over-year enrollment and of the opt-out of members
/// enrolled at the start of the year.
fn jun15(year: i32) -> i32 {
    date::days_from_civil(year, 6, 15)
}

/// Steps 9-12 (3.9-3.12) for every member of the roster (see `sql::plan_sql` for the same
/// rules in SQL): eligibility, enrollment resolution, opt-out, match response, escalation.
pub(crate) fn plan_decisions(
    ctx: &YearContext<'_>,
    emp: LazyFrame,
    term: LazyFrame,
    hires: LazyFrame,
    nh_term: LazyFrame,
) -> PolarsResult<LazyFrame> {
    let year = ctx.year;
    let jan15 = date::jan1(year) + 14;
    let e = &ctx.config.plan.eligibility;
    let ae = &ctx.config.plan.auto_enrollment;
    let v = &ctx.config.plan.voluntary_enrollment;
    let span = (v.proactive_max_days - v.proactive_min_days) as f64;
    let [vseg, aseg, iseg, tseg] = segments();
    let [vol_p, yoy_p, seg_rate, p_opt] = enrollment_probabilities(ctx);
    let [enr_day, enr_rate, enr_prob] = enrollment_choice(ctx);
    let [mr_new, mr_prob] = match_response(ctx);
    Ok(roster(ctx, emp, term, hires, nh_term)?
        .filter(col("ineligible").not())
        .with_column(eligibility_candidate(ctx).alias("candidate"))
        .with_column(
            when(col("candidate").lt_eq(col("boundary")))
                .then(col("candidate"))
                .otherwise(null_i32())
                .alias("elig_day"),
        )
        .with_column(
            col("elig_date")
                .fill_null(col("elig_day"))
                .alias("eligible_on"),
        )
        .with_columns([
            vseg.alias("vseg"),
            aseg.alias("aseg"),
            iseg.alias("iseg"),
            tseg.alias("tseg"),
        ])
        .with_columns([
            vol_p.alias("vol_p"),
            yoy_p.alias("yoy_p"),
            seg_rate.alias("seg_rate"),
            p_opt.alias("p_opt"),
            when(hired())
                .then(col("hire_date") + lit(e.enrollment_waiting_period_days as i32))
                .otherwise(lit(jan15))
                .alias("vol_day"),
            (col("eligible_on")
                + lit(v.proactive_min_days as i32)
                + (u(year, draw::ENROLLMENT_PROACTIVE_TIMING) * lit(span))
                    .floor()
                    .cast(DataType::Int32))
            .alias("pro_day"),
            when(hired())
                .then(col("hire_date") + lit(ae.window_days as i32))
                .otherwise(lit(jan15))
                .alias("ae_day"),
            auto_enrollment_scope(ctx).alias("in_scope"),
        ])
        .with_column(enrollment_category(ctx).alias("enr_cat"))
        .with_columns([
            enr_day.alias("enr_day"),
            enr_rate.alias("enr_rate"),
            enr_prob.alias("enr_prob"),
            opt_out_day(ctx).alias("opt_day"),
            mr_new.alias("mr_new"),
            mr_prob.alias("mr_prob"),
            escalation(ctx).alias("esc_new"),
        ])
        .with_columns([
            when(
                (col("mr_new") - rate())
                    .abs()
                    .gt(lit(match_response::MIN_CHANGE)),
            )
            .then(col("mr_new"))
            .otherwise(null_f64())
            .alias("mr_rate"),
            when((col("esc_new") - rate()).gt_eq(lit(escalation::MIN_INCREASE)))
                .then(col("esc_new"))
                .otherwise(null_f64())
                .alias("esc_rate"),
            when(col("opt_day").is_not_null())
                .then(col("p_opt"))
                .otherwise(null_f64())
                .alias("opt_prob"),
        ])
        .filter(
            col("elig_day")
                .is_not_null()
                .or(col("enr_cat").is_not_null())
                .or(col("mr_rate").is_not_null())
                .or(col("esc_rate").is_not_null()),
        )
        .select([
            col("hired"),
            col("idx").cast(DataType::UInt32),
            col("elig_day").cast(DataType::Int32),
            col("enr_cat"),
            col("enr_day"),
            col("enr_rate"),
            col("enr_prob"),
            col("opt_day").cast(DataType::Int32),
            col("opt_prob"),
            col("mr_rate"),
            col("mr_prob"),
            col("esc_rate"),
        ]))
}

/// The roster of the year: every member of P(N) with its termination date (the boundary of
/// the rules' windows), then the year's hires with theirs, and the year's plan draws.
fn roster(
    ctx: &YearContext<'_>,
    emp: LazyFrame,
    term: LazyFrame,
    hires: LazyFrame,
    nh_term: LazyFrame,
) -> PolarsResult<LazyFrame> {
    let year = ctx.year;
    let e = &ctx.config.plan.eligibility;
    let prior_members = emp
        .join(term, [col("i")], [col("i")], JoinArgs::new(JoinType::Left))
        .select([
            lit(false).alias("hired"),
            col("i").alias("idx"),
            col("e_plan"),
            col("hire_date"),
            col("age"),
            col("tenure"),
            col("level"),
            col("comp"),
            col("term_date")
                .fill_null(lit(NO_TERMINATION))
                .alias("boundary"),
            col("ineligible"),
            col("elig_date"),
            col("enrolled"),
            col("ever_opted_out"),
            col("rate"),
            col("census_esc_opt_out"),
            col("last_change_year"),
            col("first_enroll_year"),
        ]);
    let hire_ineligible = if e.new_hire_ineligible_pct > 0.0 {
        u(year, draw::ELIGIBILITY_NEW_HIRE_OVERRIDE).lt(lit(e.new_hire_ineligible_pct))
    } else {
        lit(false)
    };
    let hire_members = hires
        .join(
            nh_term,
            [col("seq")],
            [col("seq")],
            JoinArgs::new(JoinType::Left),
        )
        .select([
            lit(true).alias("hired"),
            (col("seq") - ulit(1u64))
                .cast(DataType::UInt32)
                .alias("idx"),
            col("e_plan"),
            col("hire_date"),
            col("age"),
            lit(0u16).cast(DataType::UInt16).alias("tenure"),
            col("level"),
            col("comp"),
            col("term_date")
                .fill_null(lit(NO_TERMINATION))
                .alias("boundary"),
            hire_ineligible.alias("ineligible"),
            null_i32().alias("elig_date"),
            lit(false).alias("enrolled"),
            lit(false).alias("ever_opted_out"),
            lit(0.0).cast(DataType::Float64).alias("rate"),
            lit(false).alias("census_esc_opt_out"),
            lit(0i32).cast(DataType::Int32).alias("last_change_year"),
            lit(0i32).cast(DataType::Int32).alias("first_enroll_year"),
        ]);
    Ok(with_draws(
        concat([prior_members, hire_members], UnionArgs::default())?,
        "e_plan",
        &[
            (year, draw::ENROLLMENT_VOLUNTARY),
            (year, draw::ENROLLMENT_VOLUNTARY_MAGNET),
            (year, draw::ENROLLMENT_PROACTIVE),
            (year, draw::ENROLLMENT_PROACTIVE_TIMING),
            (year, draw::ENROLLMENT_PROACTIVE_MAGNET),
            (year, draw::ENROLLMENT_YOY),
            (year, draw::ENROLLMENT_CHANGE_OPT_OUT),
            (year, draw::MATCH_RESPONSE_UP),
            (year, draw::MATCH_RESPONSE_DOWN),
        ],
    ))
}

/// 3.9: the day a member not yet eligible meets the minimum age and the waiting period
/// (null when not this year's candidate; the boundary is applied by the caller).
fn eligibility_candidate(ctx: &YearContext<'_>) -> Expr {
    let e = &ctx.config.plan.eligibility;
    let year = ctx.year;
    let wait = e.waiting_period_days as i32;
    let age_i = || col("age").cast(DataType::Int32);
    when(
        col("elig_date")
            .is_null()
            .and(col("age").gt_eq(lit(e.minimum_age)))
            .and(if wait > 0 {
                (lit(date::dec31(year)) - col("hire_date")).gt_eq(lit(wait))
            } else {
                lit(true)
            }),
    )
    .then(greatest(
        col("hire_date") + lit(wait),
        jan1_of(lit(year) - age_i() + lit(e.minimum_age as i32)),
    ))
    .otherwise(null_i32())
}

/// The segments of 3.10 as columns `vseg`, `aseg`, `iseg`, `tseg` (computed once, so the
/// rate lookups that index them stay small expressions: inlining them made the plan 16
/// copies of each segment `when`).
fn segments() -> [Expr; 4] {
    [
        segment(col("age"), &enrollment::VOLUNTARY_AGE_LIMITS, Expr::lt_eq),
        segment(col("age"), &enrollment::AE_AGE_LIMITS, Expr::lt_eq),
        segment(col("comp"), &enrollment::INCOME_LIMITS, Expr::lt),
        segment(col("tenure"), &enrollment::YOY_TENURE_LIMITS, Expr::lt_eq),
    ]
}

/// 3.10's probabilities and default rate by segment: `vol_p` (voluntary and proactive),
/// `yoy_p` (year over year), `seg_rate` (the segment's deferral rate), `p_opt` (opt-out).
fn enrollment_probabilities(ctx: &YearContext<'_>) -> [Expr; 4] {
    let c = ctx.config;
    let v = &c.plan.voluntary_enrollment;
    let (vseg, aseg, iseg) = (|| col("vseg"), || col("aseg"), || col("iseg"));
    let mut level_mult = lit(enrollment::level_multiplier(u8::MAX));
    for l in (1..=c.job_levels.len() as u8).rev() {
        level_mult = when(col("level").eq(lit(l)))
            .then(lit(enrollment::level_multiplier(l)))
            .otherwise(level_mult);
    }
    let dial = lit(v.rate_multiplier);
    let vol_p = pick(&enrollment::VOLUNTARY_AGE_BASE, vseg())
        * pick(&enrollment::VOLUNTARY_INCOME, iseg())
        * level_mult
        * dial.clone();
    let yoy_p = pick(&enrollment::YOY_AGE_BASE, vseg())
        * pick(&enrollment::YOY_INCOME, iseg())
        * pick(&enrollment::YOY_TENURE, col("tseg"))
        * dial;
    let segment_rates: Vec<f64> = enrollment::SEGMENT_RATES
        .iter()
        .flatten()
        .copied()
        .collect();
    let seg_rate = pick(&segment_rates, vseg() * lit(4i32) + iseg());
    let p_opt = pick(&enrollment::OPT_OUT_AGE, aseg())
        * lit(c.plan.auto_enrollment.opt_out_target_rate)
        * pick(&enrollment::OPT_OUT_INCOME, iseg());
    [vol_p, yoy_p, seg_rate, p_opt]
}

/// Whether auto-enrollment reaches the member (3.10): enabled, hired on or after the cutoff,
/// and in the scope (new hires only after the first year, when so configured).
fn auto_enrollment_scope(ctx: &YearContext<'_>) -> Expr {
    let ae = &ctx.config.plan.auto_enrollment;
    let start_year = ctx.year == ctx.config.simulation.start_year;
    lit(ae.enabled)
        .and(at_or_after(optional_day(&ae.hire_date_cutoff)))
        .and(match ae.scope {
            AutoEnrollmentScope::NewHiresOnly if !start_year => hired(),
            _ => lit(true),
        })
}

/// `day` falls in the member's window: on or after eligibility, on or before the boundary.
fn in_window(day: Expr) -> Expr {
    day.clone()
        .gt_eq(col("eligible_on"))
        .and(day.lt_eq(col("boundary")))
}

/// 3.10's enrollment category, the first that applies: 0 voluntary, 1 proactive, 2 year over
/// year, 3 auto-enrollment (null: none, or already enrolled or not eligible).
fn enrollment_category(ctx: &YearContext<'_>) -> Expr {
    let year = ctx.year;
    let v = &ctx.config.plan.voluntary_enrollment;
    let never_opted = || col("ever_opted_out").not();
    when(col("enrolled").or(col("eligible_on").is_null()))
        .then(null_i32())
        .when(
            never_opted()
                .and(
                    hired()
                        .not()
                        .or(col("vol_day").lt_eq(lit(date::dec31(year)))),
                )
                .and(in_window(col("vol_day")))
                .and(u(year, draw::ENROLLMENT_VOLUNTARY).lt(col("vol_p"))),
        )
        .then(lit(0i32))
        .when(
            hired()
                .and(col("in_scope"))
                .and(never_opted())
                .and(lit(v.proactive_enabled))
                .and(in_window(col("pro_day")))
                .and(u(year, draw::ENROLLMENT_PROACTIVE).lt(col("vol_p"))),
        )
        .then(lit(1i32))
        .when(
            hired()
                .not()
                .and(never_opted())
                .and(lit(v.year_over_year_enabled))
                .and(in_window(lit(jun15(year))))
                .and(u(year, draw::ENROLLMENT_YOY).lt(col("yoy_p"))),
        )
        .then(lit(2i32))
        .when(col("in_scope").and(in_window(col("ae_day"))))
        .then(lit(3i32))
        .otherwise(null_i32())
}

/// One expression per enrollment category (`enr_cat`), null without one.
fn by_category(vol: Expr, pro: Expr, yoy: Expr, auto: Expr) -> Expr {
    let cat = || col("enr_cat");
    when(cat().eq(lit(0i32)))
        .then(vol)
        .when(cat().eq(lit(1i32)))
        .then(pro)
        .when(cat().eq(lit(2i32)))
        .then(yoy)
        .when(cat().eq(lit(3i32)))
        .then(auto)
        .otherwise(lit(NULL))
}

/// 3.10's enrollment by category: the day (`enr_day`), the deferral rate (`enr_rate`: the
/// segment's rate, snapped to the match ceiling by the match magnet, within the plan's
/// bounds; the year-over-year table; the auto-enrollment default) and the probability.
fn enrollment_choice(ctx: &YearContext<'_>) -> [Expr; 3] {
    let year = ctx.year;
    let p = &ctx.config.plan;
    let v = &p.voluntary_enrollment;
    let ceiling = p.match_ceiling();
    let vol_rate = |magnet: Draw| {
        let snapped = if v.match_magnet_enabled {
            when(
                lit(ceiling)
                    .gt(lit(0.0))
                    .and(col("seg_rate").lt(lit(ceiling)))
                    .and(u(year, magnet).lt(lit(v.match_magnet_snap_probability))),
            )
            .then(lit(ceiling))
            .otherwise(col("seg_rate"))
        } else {
            col("seg_rate")
        };
        least(
            greatest(snapped, lit(enrollment::MIN_DEFERRAL_RATE)),
            lit(v.max_deferral_rate.max(enrollment::MIN_DEFERRAL_RATE)),
        )
    };
    [
        by_category(
            col("vol_day"),
            col("pro_day"),
            lit(jun15(year)),
            col("ae_day"),
        )
        .cast(DataType::Int32),
        by_category(
            vol_rate(draw::ENROLLMENT_VOLUNTARY_MAGNET),
            vol_rate(draw::ENROLLMENT_PROACTIVE_MAGNET),
            pick(&enrollment::YOY_RATES, col("vseg")),
            lit(p.auto_enrollment.default_deferral_rate),
        )
        .cast(DataType::Float64),
        by_category(col("vol_p"), col("vol_p"), col("yoy_p"), lit(1.0)).cast(DataType::Float64),
    ]
}

/// The auto-enrollment opt-out (3.10): the day an auto-enrolled member opts out, at the end
/// of the window and grace period (hires) or on June 15, before the boundary, with the
/// segment's probability; null otherwise.
fn opt_out_day(ctx: &YearContext<'_>) -> Expr {
    let year = ctx.year;
    let ae = &ctx.config.plan.auto_enrollment;
    let opt_day = when(hired())
        .then(col("hire_date") + lit((ae.window_days + ae.opt_out_grace_period_days) as i32))
        .otherwise(lit(jun15(year)));
    when(
        col("enr_cat")
            .eq(lit(3i32))
            .and(opt_day.clone().lt_eq(col("boundary")))
            .and(u(year, draw::ENROLLMENT_CHANGE_OPT_OUT).lt(col("p_opt"))),
    )
    .then(opt_day)
    .otherwise(null_i32())
}

/// 3.11, in the start year only: the enrolled member's new rate toward the match ceiling
/// (`mr_new`, rounded to the rate step; null for no response) and its probability.
fn match_response(ctx: &YearContext<'_>) -> [Expr; 2] {
    let year = ctx.year;
    let p = &ctx.config.plan;
    let mr = &p.match_response;
    let ceiling = p.match_ceiling();
    let cap = lit(p.auto_escalation.maximum_rate);
    let step = match_response::RATE_STEP;
    let half_pct = |x: Expr| div_exact(x, step).round(0, RoundMode::HalfAwayFromZero) * lit(step);
    let raw = if mr.enabled && year == ctx.config.simulation.start_year {
        let uu = || u(year, draw::MATCH_RESPONSE_UP);
        let ud = || u(year, draw::MATCH_RESPONSE_DOWN);
        when(
            hired()
                .or(col("enrolled").not())
                .or(col("boundary").lt(lit(date::jan1(year)))),
        )
        .then(null_f64())
        .when(
            rate()
                .lt(lit(ceiling))
                .and(uu().lt(lit(mr.up_participation))),
        )
        .then(least(
            when(uu().lt(lit(mr.up_participation * mr.up_maximize)))
                .then(lit(ceiling))
                .otherwise(half_pct(
                    rate() + lit(mr.up_partial_factor) * (lit(ceiling) - rate()),
                )),
            when(col("comp").gt(lit(0.0)))
                .then(least(cap.clone(), lit(mr.rate_cap_dollars) / col("comp")))
                .otherwise(cap),
        ))
        .when(
            rate()
                .gt(lit(ceiling))
                .and(lit(mr.down_enabled))
                .and(ud().lt(lit(mr.down_participation))),
        )
        .then(greatest(
            when(ud().lt(lit(mr.down_participation * mr.down_reduce_to_max)))
                .then(lit(ceiling))
                .otherwise(half_pct(
                    rate() - lit(mr.down_partial_factor) * (rate() - lit(ceiling)),
                )),
            lit(0.0),
        ))
        .otherwise(null_f64())
    } else {
        null_f64()
    };
    [
        round_rate(raw),
        when(rate().lt(lit(ceiling)))
            .then(lit(mr.up_participation))
            .otherwise(lit(mr.down_participation)),
    ]
}

/// 3.12: the escalated rate of an eligible enrolled member (`esc_new`, capped at the maximum
/// and rounded; null when escalation does not apply).
fn escalation(ctx: &YearContext<'_>) -> Expr {
    let year = ctx.year;
    let esc = &ctx.config.plan.auto_escalation;
    if !esc.enabled {
        return null_f64();
    }
    let cap = lit(esc.maximum_rate);
    when(
        hired()
            .not()
            .and(col("boundary").gt_eq(lit(date::jan1(year))))
            .and(at_or_after(optional_day(&esc.hire_date_cutoff)))
            .and(lit(!esc.require_active_enrollment).or(col("enrolled")))
            .and(col("ever_opted_out").not())
            .and(col("census_esc_opt_out").not())
            .and(rate().gt(lit(0.0)))
            .and(rate().lt(cap.clone()))
            .and(col("last_change_year").lt(lit(year)))
            .and(
                (lit(year) - col("first_enroll_year"))
                    .gt_eq(lit(esc.first_escalation_delay_years as i32)),
            ),
    )
    .then(round_rate(least(cap, rate() + lit(esc.increment))))
    .otherwise(null_f64())
}
