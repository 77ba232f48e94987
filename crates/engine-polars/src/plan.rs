//! Steps 9-12 of docs/rules.md 3.0 for every member of the roster: eligibility (3.9),
//! enrollment resolution (3.10), the auto-enrollment opt-out, the start-year match response
//! (3.11) and auto-escalation (3.12).

use crate::expr::{div_exact, greatest, jan1_of, least, pick, round_rate, segment};
use crate::rng::{keyed, ulit, unit, with_draws};
use ::polars::prelude::*;
use workforce_sim_core::date::{self, Day};
use workforce_sim_core::engine::{YearContext, NO_TERMINATION};
use workforce_sim_core::rng::{draw, Draw};
use workforce_sim_core::rules::{enrollment, escalation, match_response};

/// Steps 9-12 (3.9-3.12) for every member of the roster (see `sql::plan_sql` for the same
/// rules in SQL): eligibility, enrollment resolution, opt-out, match response, escalation.
pub(crate) fn plan_decisions(
    ctx: &YearContext<'_>,
    emp: LazyFrame,
    term: LazyFrame,
    hires: LazyFrame,
    nh_term: LazyFrame,
) -> PolarsResult<LazyFrame> {
    use workforce_sim_core::config::plan::{optional_day, AutoEnrollmentScope};
    let c = ctx.config;
    let p = &c.plan;
    let year = ctx.year;
    let (jan1, dec31) = (date::jan1(year), date::dec31(year));
    let jan15 = jan1 + 14;
    let jun15 = date::days_from_civil(year, 6, 15);
    let start_year = year == c.simulation.start_year;
    let ceiling = p.match_ceiling();
    let e = &p.eligibility;
    let ae = &p.auto_enrollment;
    let v = &p.voluntary_enrollment;
    let mr = &p.match_response;
    let esc = &p.auto_escalation;
    let u = |d: Draw| unit(keyed("e_plan", year, d));
    let hired = || col("hired");

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
        u(draw::ELIGIBILITY_NEW_HIRE_OVERRIDE).lt(lit(e.new_hire_ineligible_pct))
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
            lit(NULL).cast(DataType::Int32).alias("elig_date"),
            lit(false).alias("enrolled"),
            lit(false).alias("ever_opted_out"),
            lit(0.0).cast(DataType::Float64).alias("rate"),
            lit(false).alias("census_esc_opt_out"),
            lit(0i32).cast(DataType::Int32).alias("last_change_year"),
            lit(0i32).cast(DataType::Int32).alias("first_enroll_year"),
        ]);
    let roster = with_draws(
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
    );

    // 3.9 eligibility.
    let wait = e.waiting_period_days as i32;
    let age_i = || col("age").cast(DataType::Int32);
    let candidate = when(
        col("elig_date")
            .is_null()
            .and(col("age").gt_eq(lit(e.minimum_age)))
            .and(if wait > 0 {
                (lit(dec31) - col("hire_date")).gt_eq(lit(wait))
            } else {
                lit(true)
            }),
    )
    .then(greatest(
        col("hire_date") + lit(wait),
        jan1_of(lit(year) - age_i() + lit(e.minimum_age as i32)),
    ))
    .otherwise(lit(NULL).cast(DataType::Int32));

    // Segments of 3.10.
    // The segments are columns (computed once, below), so the rate lookups that index them
    // stay small expressions: inlining them made the plan 16 copies of each segment `when`.
    let vseg_expr = segment(col("age"), &enrollment::VOLUNTARY_AGE_LIMITS, Expr::lt_eq);
    let aseg_expr = segment(col("age"), &enrollment::AE_AGE_LIMITS, Expr::lt_eq);
    let iseg_expr = segment(col("comp"), &enrollment::INCOME_LIMITS, Expr::lt);
    let tseg_expr = segment(col("tenure"), &enrollment::YOY_TENURE_LIMITS, Expr::lt_eq);
    let (vseg, aseg, iseg) = (|| col("vseg"), || col("aseg"), || col("iseg"));
    let tseg = col("tseg");
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
        * pick(&enrollment::YOY_TENURE, tseg)
        * dial;
    let segment_rates: Vec<f64> = enrollment::SEGMENT_RATES
        .iter()
        .flatten()
        .copied()
        .collect();
    let seg_rate = pick(&segment_rates, vseg() * lit(4i32) + iseg());
    let p_opt = pick(&enrollment::OPT_OUT_AGE, aseg())
        * lit(ae.opt_out_target_rate)
        * pick(&enrollment::OPT_OUT_INCOME, iseg());
    let at_or_after = |d: Option<Day>| d.map_or(lit(true), |d| col("hire_date").gt_eq(lit(d)));
    let in_scope = lit(ae.enabled)
        .and(at_or_after(optional_day(&ae.hire_date_cutoff)))
        .and(match ae.scope {
            AutoEnrollmentScope::NewHiresOnly if !start_year => hired(),
            _ => lit(true),
        });
    let span = (v.proactive_max_days - v.proactive_min_days) as f64;
    let ok = |day: Expr| {
        day.clone()
            .gt_eq(col("eligible_on"))
            .and(day.lt_eq(col("boundary")))
    };
    let vol_rate = |magnet: Draw| {
        let snapped = if v.match_magnet_enabled {
            when(
                lit(ceiling)
                    .gt(lit(0.0))
                    .and(col("seg_rate").lt(lit(ceiling)))
                    .and(u(magnet).lt(lit(v.match_magnet_snap_probability))),
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
    let never_opted = || col("ever_opted_out").not();
    let enr_cat = when(col("enrolled").or(col("eligible_on").is_null()))
        .then(lit(NULL).cast(DataType::Int32))
        .when(
            never_opted()
                .and(hired().not().or(col("vol_day").lt_eq(lit(dec31))))
                .and(ok(col("vol_day")))
                .and(u(draw::ENROLLMENT_VOLUNTARY).lt(col("vol_p"))),
        )
        .then(lit(0i32))
        .when(
            hired()
                .and(col("in_scope"))
                .and(never_opted())
                .and(lit(v.proactive_enabled))
                .and(ok(col("pro_day")))
                .and(u(draw::ENROLLMENT_PROACTIVE).lt(col("vol_p"))),
        )
        .then(lit(1i32))
        .when(
            hired()
                .not()
                .and(never_opted())
                .and(lit(v.year_over_year_enabled))
                .and(ok(lit(jun15)))
                .and(u(draw::ENROLLMENT_YOY).lt(col("yoy_p"))),
        )
        .then(lit(2i32))
        .when(col("in_scope").and(ok(col("ae_day"))))
        .then(lit(3i32))
        .otherwise(lit(NULL).cast(DataType::Int32));
    let cat = || col("enr_cat");
    let by_cat = |vol: Expr, pro: Expr, yoy: Expr, auto: Expr| {
        when(cat().eq(lit(0i32)))
            .then(vol)
            .when(cat().eq(lit(1i32)))
            .then(pro)
            .when(cat().eq(lit(2i32)))
            .then(yoy)
            .when(cat().eq(lit(3i32)))
            .then(auto)
            .otherwise(lit(NULL))
    };
    let step = match_response::RATE_STEP;
    let half_pct = |x: Expr| div_exact(x, step).round(0, RoundMode::HalfAwayFromZero) * lit(step);
    let rate = || col("rate");
    let cap = lit(esc.maximum_rate);
    let match_raw = if mr.enabled && start_year {
        let uu = || u(draw::MATCH_RESPONSE_UP);
        let ud = || u(draw::MATCH_RESPONSE_DOWN);
        when(
            hired()
                .or(col("enrolled").not())
                .or(col("boundary").lt(lit(jan1))),
        )
        .then(lit(NULL).cast(DataType::Float64))
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
                .otherwise(cap.clone()),
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
        .otherwise(lit(NULL).cast(DataType::Float64))
    } else {
        lit(NULL).cast(DataType::Float64)
    };
    let escalation = if esc.enabled {
        when(
            hired()
                .not()
                .and(col("boundary").gt_eq(lit(jan1)))
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
        .otherwise(lit(NULL).cast(DataType::Float64))
    } else {
        lit(NULL).cast(DataType::Float64)
    };
    let opt_day_c = when(hired())
        .then(col("hire_date") + lit((ae.window_days + ae.opt_out_grace_period_days) as i32))
        .otherwise(lit(jun15));
    Ok(roster
        .filter(col("ineligible").not())
        .with_column(candidate.alias("candidate"))
        .with_column(
            when(col("candidate").lt_eq(col("boundary")))
                .then(col("candidate"))
                .otherwise(lit(NULL).cast(DataType::Int32))
                .alias("elig_day"),
        )
        .with_column(
            col("elig_date")
                .fill_null(col("elig_day"))
                .alias("eligible_on"),
        )
        .with_columns([
            vseg_expr.alias("vseg"),
            aseg_expr.alias("aseg"),
            iseg_expr.alias("iseg"),
            tseg_expr.alias("tseg"),
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
                + (u(draw::ENROLLMENT_PROACTIVE_TIMING) * lit(span))
                    .floor()
                    .cast(DataType::Int32))
            .alias("pro_day"),
            when(hired())
                .then(col("hire_date") + lit(ae.window_days as i32))
                .otherwise(lit(jan15))
                .alias("ae_day"),
            in_scope.alias("in_scope"),
        ])
        .with_column(enr_cat.alias("enr_cat"))
        .with_columns([
            by_cat(col("vol_day"), col("pro_day"), lit(jun15), col("ae_day"))
                .cast(DataType::Int32)
                .alias("enr_day"),
            by_cat(
                vol_rate(draw::ENROLLMENT_VOLUNTARY_MAGNET),
                vol_rate(draw::ENROLLMENT_PROACTIVE_MAGNET),
                pick(&enrollment::YOY_RATES, vseg()),
                lit(ae.default_deferral_rate),
            )
            .cast(DataType::Float64)
            .alias("enr_rate"),
            by_cat(col("vol_p"), col("vol_p"), col("yoy_p"), lit(1.0))
                .cast(DataType::Float64)
                .alias("enr_prob"),
            when(
                cat()
                    .eq(lit(3i32))
                    .and(opt_day_c.clone().lt_eq(col("boundary")))
                    .and(u(draw::ENROLLMENT_CHANGE_OPT_OUT).lt(col("p_opt"))),
            )
            .then(opt_day_c)
            .otherwise(lit(NULL).cast(DataType::Int32))
            .alias("opt_day"),
            round_rate(match_raw).alias("mr_new"),
            when(rate().lt(lit(ceiling)))
                .then(lit(mr.up_participation))
                .otherwise(lit(mr.down_participation))
                .alias("mr_prob"),
            escalation.alias("esc_new"),
        ])
        .with_columns([
            when(
                (col("mr_new") - rate())
                    .abs()
                    .gt(lit(match_response::MIN_CHANGE)),
            )
            .then(col("mr_new"))
            .otherwise(lit(NULL).cast(DataType::Float64))
            .alias("mr_rate"),
            when((col("esc_new") - rate()).gt_eq(lit(escalation::MIN_INCREASE)))
                .then(col("esc_new"))
                .otherwise(lit(NULL).cast(DataType::Float64))
                .alias("esc_rate"),
            when(col("opt_day").is_not_null())
                .then(col("p_opt"))
                .otherwise(lit(NULL).cast(DataType::Float64))
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
