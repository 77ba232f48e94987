//! Steps 4-8 of docs/rules.md 3.0 as lazy frames: hires (3.5), new-hire terminations (3.6),
//! promotions (3.7) and raises (3.8).

use crate::expr::{band_multiplier, categorical, div_exact, greatest, least, round2};
use crate::rng::{employee_half, fnv_of_padded_number, keyed, ulit, unit, with_draws};
use ::polars::prelude::*;
use workforce_sim_core::config::{PromotionDistribution, RaiseTiming};
use workforce_sim_core::date::{self};
use workforce_sim_core::engine::{Foundation, YearContext, NO_TERMINATION};
use workforce_sim_core::rng::draw;
use workforce_sim_core::rules::hiring;
use workforce_sim_core::rules::{merit_raise, promotion, termination};

/// Step 4 (3.5): the year's hires by level and sequence number.
pub(crate) fn hires_frame(
    ctx: &YearContext<'_>,
    f: &Foundation,
    total: u64,
) -> PolarsResult<DataFrame> {
    let c = ctx.config;
    let year = ctx.year;
    let jan1 = date::jan1(year);
    let seq = col("seq");
    // Level of each sequence number from the cumulative quotas; average pay by level.
    let mut level = lit(f.hire_quotas.len() as u8);
    let mut nh_avg = lit(*ctx.params.new_hire_average.last().unwrap_or(&0.0));
    let mut upper = total;
    for l in (0..f.hire_quotas.len()).rev() {
        level = when(seq.clone().lt_eq(lit(upper)))
            .then(lit((l + 1) as u8))
            .otherwise(level);
        nh_avg = when(seq.clone().lt_eq(lit(upper)))
            .then(lit(ctx.params.new_hire_average[l]))
            .otherwise(nh_avg);
        upper -= f.hire_quotas[l];
    }
    let prefix = format!("NH_{year}_");
    let weights: Vec<f64> = c.hiring.age_distribution.iter().map(|a| a.weight).collect();
    let ages: Vec<Expr> = c
        .hiring
        .age_distribution
        .iter()
        .map(|a| lit(a.age))
        .collect();
    let age = categorical(&weights, &ages, unit(keyed("e_hire", year, draw::HIRE_AGE)))
        .unwrap_or_else(|| lit(hiring::DEFAULT_AGE));
    let ssn_offset = hiring::ssn_offset(c, year);
    let frame = DataFrame::empty()
        .lazy()
        .select([int_range(lit(1i64), lit(total as i64 + 1), 1, DataType::UInt64).alias("seq")])
        .with_columns([
            level.cast(DataType::UInt8).alias("level"),
            nh_avg.alias("nh_avg"),
            concat_str(
                [
                    lit(prefix.clone()),
                    seq.clone().cast(DataType::String).str().zfill(ulit(6u64)),
                ],
                "",
                false,
            )
            .alias("employee_id"),
            concat_str(
                [
                    lit("SSN-"),
                    (ulit(ssn_offset) + seq.clone()).cast(DataType::String),
                ],
                "",
                false,
            )
            .alias("employee_ssn"),
            fnv_of_padded_number(&prefix, seq.clone(), 6, total).alias("id_key"),
        ])
        .with_columns([
            employee_half(c.hiring_seed()).alias("e_hire"),
            employee_half(c.termination_seed()).alias("e_term"),
            employee_half(c.plan_seed()).alias("e_plan"),
        ]);
    let frame = with_draws(
        frame,
        "e_hire",
        &[(year, draw::HIRE_AGE), (year, draw::HIRE_PART_TIME)],
    );
    let frame = with_draws(
        frame,
        "e_term",
        &[
            (year, draw::NEW_HIRE_TERMINATION_SELECT),
            (0, draw::NEW_HIRE_TERMINATION_DATE_MIN),
            (year, draw::NEW_HIRE_TERMINATION_DATE),
        ],
    );
    with_draws(
        frame,
        "e_plan",
        &[(year, draw::ELIGIBILITY_NEW_HIRE_OVERRIDE)],
    )
    .with_columns([
        age.cast(DataType::UInt16).alias("age"),
        unit(keyed("e_hire", year, draw::HIRE_PART_TIME))
            .lt(lit(c.workforce.part_time_new_hire_pct))
            .alias("part_time"),
        (lit(jan1) + (seq.clone() % ulit(365u64)).cast(DataType::Int32)).alias("hire_date"),
        round2(
            col("nh_avg")
                * (lit(hiring::PAY_FLOOR)
                    + (seq.clone() % ulit(10u64)).cast(DataType::Float64) * lit(hiring::PAY_STEP)),
        )
        .alias("comp"),
    ])
    .with_column((lit(jan1) - col("age").cast(DataType::Int32) * lit(365i32)).alias("birth_date"))
    .collect()
}

/// Step 5 (3.6): the solver's implied count among the hires, by rank.
pub(crate) fn new_hire_terminations(
    ctx: &YearContext<'_>,
    f: &Foundation,
    hires: &DataFrame,
) -> PolarsResult<DataFrame> {
    let year = ctx.year;
    let dec31 = date::dec31(year);
    let d = col("d");
    let r = col("r");
    let m = col("m");
    // Every divisor is at least 1 on every row (when/then evaluates both branches).
    let offset = when(d.clone().lt(lit(30i64)))
        .then(lit(1i64) + (r.clone() % d.clone().cast(DataType::UInt64)).cast(DataType::Int64))
        .when(d.clone().lt(lit(90i64)))
        .then(
            lit(30i64)
                + (r.clone() % greatest(d.clone() - lit(29i64), lit(1i64)).cast(DataType::UInt64))
                    .cast(DataType::Int64),
        )
        .otherwise(
            m.clone()
                + (r % greatest(d + lit(1i64) - m, lit(1i64)).cast(DataType::UInt64))
                    .cast(DataType::Int64),
        );
    hires
        .clone()
        .lazy()
        .filter(col("hire_date").lt(lit(dec31)))
        .with_columns([
            (lit(dec31 as i64) - col("hire_date").cast(DataType::Int64)).alias("d"),
            keyed("e_term", year, draw::NEW_HIRE_TERMINATION_DATE).alias("r"),
            (lit(termination::DATE_FLOOR as i64)
                + (keyed("e_term", 0, draw::NEW_HIRE_TERMINATION_DATE_MIN)
                    % ulit(termination::DATE_FLOOR_SPREAD))
                .cast(DataType::Int64))
            .alias("m"),
            keyed("e_term", year, draw::NEW_HIRE_TERMINATION_SELECT).alias("h"),
        ])
        .sort_by_exprs(
            [col("h"), col("employee_id")],
            SortMultipleOptions::default().with_maintain_order(true),
        )
        .limit(f.needs.implied_new_hire_terminations as IdxSize)
        .select([
            col("seq"),
            (col("hire_date").cast(DataType::Int64) + offset)
                .cast(DataType::Int32)
                .alias("term_date"),
        ])
        .collect()
}

/// Step 7 (3.7): promotions on Feb 1.
pub(crate) fn promotions(ctx: &YearContext<'_>, emp: LazyFrame, term: LazyFrame) -> LazyFrame {
    let c = ctx.config;
    let p = &c.promotion;
    let year = ctx.year;
    let feb1 = promotion::promotion_date(year);
    let top = c.job_levels.len() as u8;
    let v = || unit(keyed("e_promo", year, draw::PROMOTION_RAISE));
    let jitter = match p.distribution_type {
        PromotionDistribution::Uniform => (v() - lit(0.5)) * lit(2.0) * lit(p.distribution_range),
        PromotionDistribution::Normal => {
            let v1 = div_exact((lit(1000.0) * v()).floor() + lit(1.0), 1001.0);
            // log base e: `x.log(e)` is `ln(x) / ln(e)` and `ln(e)` is exactly 1.0.
            (lit(-2.0) * v1.log(lit(std::f64::consts::E))).sqrt()
                * (lit(std::f64::consts::TAU)
                    * unit(keyed("e_promo", year, draw::PROMOTION_RAISE2)))
                .cos()
                * lit(p.normal_std_dev)
        }
        PromotionDistribution::Deterministic => lit(0.0),
    };
    let mut pct = lit(p.base_increase_pct) + jitter;
    for o in p.level_overrides.iter().rev() {
        pct = when(col("level").eq(lit(o.level)))
            .then(lit(o.increase_pct))
            .otherwise(pct);
    }
    let dampen = greatest(
        lit(1.0) - lit(p.level_dampener_factor) * (col("level").cast(DataType::Float64) - lit(1.0)),
        lit(0.0),
    );
    let raw = lit(p.base_rate)
        * band_multiplier(ctx.tenure_bands, col("tenure"))
        * band_multiplier(ctx.age_bands, col("age"))
        * dampen
        * lit(p.rate_multiplier);
    let comp = col("comp");
    emp.join(term, [col("i")], [col("i")], JoinArgs::new(JoinType::Left))
        .filter(
            col("tenure")
                .gt_eq(lit(promotion::MIN_TENURE))
                .and(col("level").lt(lit(top)))
                .and(col("age").lt(lit(promotion::AGE_LIMIT)))
                .and(
                    col("term_date")
                        .fill_null(lit(NO_TERMINATION))
                        .gt_eq(lit(feb1)),
                ),
        )
        .with_column(least(raw, lit(1.0)).alias("hazard"))
        .filter(unit(keyed("e_promo", year, draw::PROMOTION)).lt(col("hazard")))
        .with_column(pct.alias("pct"))
        .select([
            col("i"),
            (col("level") + lit(1u8))
                .cast(DataType::UInt8)
                .alias("new_level"),
            round2(least(
                least(
                    comp.clone() * (lit(1.0) + lit(p.max_cap_pct)),
                    comp.clone() + lit(p.max_cap_amount),
                ),
                greatest(comp.clone() * (lit(1.0) + col("pct")), comp),
            ))
            .alias("new_comp"),
            col("hazard"),
            col("pct"),
        ])
}

/// Step 8 (3.8): merit + COLA for the eligible still employed on the raise date.
pub(crate) fn raises(
    ctx: &YearContext<'_>,
    emp: LazyFrame,
    levels: LazyFrame,
    term: LazyFrame,
) -> LazyFrame {
    let c = ctx.config;
    let year = ctx.year;
    let raise_date = match c.compensation.raise_timing {
        RaiseTiming::CalendarDriven => lit(merit_raise::calendar_date(year)),
        RaiseTiming::Legacy => {
            when((col("employee_id").str().len_bytes() % lit(2u32)).eq(lit(0u32)))
                .then(lit(merit_raise::legacy_date(year, true)))
                .otherwise(lit(merit_raise::legacy_date(year, false)))
        }
        RaiseTiming::Realistic => {
            let months: Vec<Expr> = (1..=12i32).map(lit).collect();
            let month = categorical(
                &c.compensation.raise_timing_distribution,
                &months,
                unit(keyed("e_raise", year, draw::RAISE_MONTH)),
            )
            .unwrap_or_else(|| lit(merit_raise::DEFAULT_MONTH as i32));
            let h = keyed("e_raise", year, draw::RAISE_DAY);
            let mut out = lit(0i32);
            for m in (1..=12u32).rev() {
                let (first, length) = merit_raise::month_window(year, m);
                out = when(month.clone().eq(lit(m as i32)))
                    .then(lit(first) + (h.clone() % ulit(length)).cast(DataType::Int32))
                    .otherwise(out);
            }
            out
        }
    };
    let total = col("merit") + lit(ctx.params.cola);
    let comp = col("comp");
    let raised = when(total.clone().gt(lit(merit_raise::MAX_TOTAL_RATE)))
        .then(comp.clone() * lit(merit_raise::MAX_FACTOR))
        .when(total.clone().lt(lit(0.0)))
        .then(comp.clone())
        .otherwise(comp.clone() * (lit(1.0) + total));
    emp.join(
        levels,
        [col("level")],
        [col("level")],
        JoinArgs::new(JoinType::Inner),
    )
    .join(term, [col("i")], [col("i")], JoinArgs::new(JoinType::Left))
    .filter(
        col("tenure")
            .gt_eq(lit(merit_raise::MIN_TENURE))
            .and(col("merit").gt(lit(0.0))),
    )
    .with_column(raise_date.cast(DataType::Int32).alias("raise_date"))
    .filter(
        col("term_date")
            .fill_null(lit(NO_TERMINATION))
            .gt_eq(col("raise_date")),
    )
    .select([
        col("i"),
        round2(least(
            least(
                comp.clone() * lit(merit_raise::MAX_FACTOR),
                comp + lit(merit_raise::MAX_INCREASE),
            ),
            raised,
        ))
        .alias("new_comp"),
        col("raise_date"),
        col("merit"),
    ])
}
