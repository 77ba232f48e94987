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

use ::polars::prelude::*;
use workforce_sim_core::config::{PromotionDistribution, RaiseTiming};
use workforce_sim_core::date::{self, Day};
use workforce_sim_core::engine::decisions::{Col, Decisions, Decoder, HireCols, PlanCols};
use workforce_sim_core::engine::foundation::{
    foundation_from_counts, prior_hire_window, WorkforceCounts,
};
use workforce_sim_core::engine::{Engine, EngineError, EngineKind, Foundation, YearContext};
use workforce_sim_core::events::YearEvents;
use workforce_sim_core::rng::{draw, fnv1a64, mix as mix_u64, Draw, Rng};
use workforce_sim_core::rules::bands::BandTable;
use workforce_sim_core::rules::hiring;
use workforce_sim_core::rules::{
    enrollment, escalation, match_response, merit_raise, promotion, termination,
};
use workforce_sim_core::state::{Snapshot, Workforce};

/// "Stays all year": the upper bound a member's termination date takes in the engine's
/// comparisons when there is none (the frames themselves carry null).
const NO_TERMINATION: Day = Day::MAX;

/// The Polars engine (stateless; each year builds its frames from the start-of-year state).
pub struct PolarsEngine;

mod accumulator;

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
fn engine_error(year: i32, step: &'static str, e: PolarsError) -> EngineError {
    EngineError {
        engine: "polars",
        year,
        step,
        message: e.to_string(),
    }
}

// ---- the keyed RNG as expressions -------------------------------------------------------

/// A typed `UInt64` literal: an untyped integer literal above `i64::MAX` would otherwise be
/// promoted to a float, losing the wrapping arithmetic.
fn ulit(x: u64) -> Expr {
    Expr::Literal(LiteralValue::Scalar(Scalar::from(x)))
}

/// `z ^ (z >> k)` on `UInt64`.
fn xs(z: Expr, k: u32) -> Expr {
    z.clone().xor(z / ulit(1u64 << k))
}

/// The SplitMix64 finaliser over a `UInt64` expression (wrapping products).
pub fn mix(z: Expr) -> Expr {
    let z = xs(z, 30) * ulit(0xBF58_476D_1CE4_E5B9u64);
    let z = xs(z, 27) * ulit(0x94D0_49BB_1331_11EBu64);
    xs(z, 31)
}

/// The column that [`with_draws`] writes `h` of a draw into.
fn draw_column(employee: &str, year: i32, d: Draw) -> String {
    format!("h_{employee}_{year}_{}_{}", d.event_type, d.salt)
}

/// `h` of a draw from an employee-half column and the year-half literal: a column that
/// [`with_draws`] added to the frame (an expression that reads one that was not added fails
/// with "column not found", which the parity suite would show).
fn keyed(employee: &str, year: i32, d: Draw) -> Expr {
    col(draw_column(employee, year, d))
}

/// Adds `h = mix(employee ^ year_code(year, draw))` for each draw, one finaliser step per
/// `with_columns` over every draw at once. Written inline, `mix` is a tree with eight copies
/// of its input (`z ^ (z >> k)` reads `z` twice, three times over), and planning those trees
/// was about 40% of this engine's time per year; staged, each step is a small expression
/// over the previous step's column.
fn with_draws(lf: LazyFrame, employee: &str, draws: &[(i32, Draw)]) -> LazyFrame {
    let names: Vec<String> = draws
        .iter()
        .map(|&(year, d)| draw_column(employee, year, d))
        .collect();
    let step = |f: &dyn Fn(Expr) -> Expr| -> Vec<Expr> {
        names
            .iter()
            .map(|n| f(col(n.as_str())).alias(n.as_str()))
            .collect()
    };
    let seeded: Vec<Expr> = draws
        .iter()
        .zip(&names)
        .map(|(&(year, d), n)| {
            col(employee)
                .xor(ulit(Rng::year_code(year, d)))
                .alias(n.as_str())
        })
        .collect();
    lf.with_columns(seeded)
        .with_columns(step(&|z| xs(z, 30) * ulit(0xBF58_476D_1CE4_E5B9u64)))
        .with_columns(step(&|z| xs(z, 27) * ulit(0x94D0_49BB_1331_11EBu64)))
        .with_columns(step(&|z| xs(z, 31)))
}

/// `u = (h >> 11) / 2^53`.
fn unit(h: Expr) -> Expr {
    (h / ulit(1u64 << 11)).cast(DataType::Float64) / lit(9_007_199_254_740_992.0f64)
}

/// The employee half `mix(mix(seed) ^ id_key)` of every draw under `seed`.
fn employee_half(seed: u64) -> Expr {
    mix(ulit(mix_u64(seed)).xor(col("id_key")))
}

/// FNV-1a of `prefix` followed by the decimal digits of `seq`, zero-padded to at least
/// `min_digits`: the id key of a generated id such as `NH_2025_000042`, as integer
/// expressions (the prefix is folded once; each digit byte is `48 + (seq / 10^k) % 10`).
fn fnv_of_padded_number(prefix: &str, seq: Expr, min_digits: u32, max_value: u64) -> Expr {
    let base = fnv1a64(prefix.as_bytes());
    let digits_of = |n: u64| n.max(1).ilog10() + 1;
    let widest = digits_of(max_value).max(min_digits);
    let fold = |width: u32| {
        let mut h = ulit(base);
        for k in (0..width).rev() {
            let digit = (seq.clone() / ulit(10u64.pow(k))) % ulit(10u64);
            h = (h.xor(ulit(48u64) + digit)) * ulit(0x0100_0000_01B3u64);
        }
        h
    };
    let mut out = fold(widest);
    for width in (min_digits..widest).rev() {
        out = when(seq.clone().lt(ulit(10u64.pow(width))))
            .then(fold(width))
            .otherwise(out);
    }
    out
}

/// The categorical draw of docs/rules.md 2.1: the first category whose normalised cumulative
/// weight is at least `u`, walked in declared order. `None` when the weights sum to zero.
fn categorical(weights: &[f64], values: &[Expr], u: Expr) -> Option<Expr> {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 || weights.is_empty() {
        return None;
    }
    let mut acc = 0.0;
    let mut thresholds = Vec::with_capacity(weights.len());
    for w in weights {
        acc += w;
        thresholds.push(acc / total);
    }
    let mut out = values[values.len() - 1].clone();
    for (t, v) in thresholds.iter().zip(values).rev() {
        out = when(lit(*t).gt_eq(u.clone()))
            .then(v.clone())
            .otherwise(out);
    }
    Some(out)
}

/// `values[index]` for a small integer index expression.
fn pick(values: &[f64], index: Expr) -> Expr {
    let mut out = lit(values[values.len() - 1]);
    for (i, v) in values.iter().enumerate().rev().skip(1) {
        out = when(index.clone().eq(lit(i as i32)))
            .then(lit(*v))
            .otherwise(out);
    }
    out
}

/// A segment index of 3.10 (`Int32`): the first `k` with `cmp(value, limits[k])`, else the
/// number of limits; the boundaries are those of `rules::enrollment`.
fn segment<T: Copy + Literal>(value: Expr, limits: &[T], cmp: fn(Expr, Expr) -> Expr) -> Expr {
    let mut out = lit(limits.len() as i32);
    for (k, &l) in limits.iter().enumerate().rev() {
        out = when(cmp(value.clone(), lit(l)))
            .then(lit(k as i32))
            .otherwise(out);
    }
    out
}

/// The promotion multiplier of a band table for a column of values.
fn band_multiplier(bands: &BandTable, value: Expr) -> Expr {
    let top = bands.top();
    let mut out = lit(bands.promotion_multipliers[bands.index(top) as usize]);
    // Walk the lookup from the top down, one `when` per contiguous run of a band.
    let mut v = top;
    while v > 0 {
        let band = bands.index(v - 1);
        let mut lo = v - 1;
        while lo > 0 && bands.index(lo - 1) == band {
            lo -= 1;
        }
        out = when(value.clone().lt(lit(v as i32)))
            .then(lit(bands.promotion_multipliers[band as usize]))
            .otherwise(out);
        v = lo;
    }
    out
}

/// `x / c`, correctly rounded. Polars divides a column by a scalar as a multiplication by
/// the scalar's reciprocal (`x * (1 / c)`), which differs from `x / c` in the last bit for
/// most `c` (`50000 * (1 / 1e6)` is `0.049999999999999996`, not `0.05`). Dividing by a
/// full-length column of `c` takes the element-wise division kernel, which is IEEE `x / c`.
/// `x * 0.0 + c` is exactly `c` for every finite `x`; the operands here are always finite.
fn div_exact(x: Expr, c: f64) -> Expr {
    x.clone() / (x * lit(0.0) + lit(c))
}

fn round2(x: Expr) -> Expr {
    div_exact(
        (x * lit(100.0)).round(0, RoundMode::HalfAwayFromZero),
        100.0,
    )
}

fn round_rate(x: Expr) -> Expr {
    div_exact((x * lit(1e6)).round(0, RoundMode::HalfAwayFromZero), 1e6)
}

fn least(a: Expr, b: Expr) -> Expr {
    when(b.clone().lt(a.clone())).then(b).otherwise(a)
}

fn greatest(a: Expr, b: Expr) -> Expr {
    when(b.clone().gt(a.clone())).then(b).otherwise(a)
}

/// `Jan 1 of year` as a day number for an `Int32` year expression (Hinnant's days-from-civil
/// with month 1, in integer expressions; valid for years after 0).
fn jan1_of(year: Expr) -> Expr {
    let y = year.cast(DataType::Int64) - lit(1i64);
    let era = y.clone() / lit(400i64);
    let yoe = y - era.clone() * lit(400i64);
    let doe = yoe.clone() * lit(365i64) + yoe.clone() / lit(4i64) - yoe / lit(100i64) + lit(306i64);
    (era * lit(146_097i64) + doe - lit(719_468i64)).cast(DataType::Int32)
}

// ---- the frames ---------------------------------------------------------------------------

/// Reads a column as a typed chunked array.
macro_rules! column {
    ($df:expr, $name:literal, $ty:ident) => {
        $df.column($name).and_then(|c| c.$ty())
    };
}

fn workforce_counts(ctx: &YearContext<'_>, prior: &Workforce) -> PolarsResult<WorkforceCounts> {
    let recent =
        prior_hire_window(ctx).map_or(lit(false), |from| col("hire_date").gt_eq(lit(from)));
    let df = DataFrame::new_infer_height(vec![
        Column::new("level".into(), prior.level.clone()),
        Column::new("hire_date".into(), prior.hire_date.clone()),
    ])?
    .lazy()
    .group_by([col("level")])
    .agg([
        len().cast(DataType::UInt64).alias("n"),
        recent.cast(DataType::UInt64).sum().alias("recent"),
    ])
    .collect()?;
    let l = column!(df, "level", u8)?;
    let n = column!(df, "n", u64)?;
    let h = column!(df, "recent", u64)?;
    Ok(WorkforceCounts::from_level_rows(
        ctx.config.job_levels.len(),
        l.into_no_null_iter()
            .zip(n.into_no_null_iter())
            .zip(h.into_no_null_iter())
            .map(|((l, n), h)| (l, n, h)),
    ))
}

fn prior_frame(prior: &Workforce) -> PolarsResult<DataFrame> {
    let p = &prior.plan;
    DataFrame::new_infer_height(vec![
        Column::new("i".into(), (0..prior.len() as u32).collect::<Vec<u32>>()),
        Column::new(
            "employee_id".into(),
            prior
                .employee_id
                .iter()
                .map(|s| &**s)
                .collect::<Vec<&str>>(),
        ),
        Column::new("id_key".into(), prior.id_key.clone()),
        Column::new("level".into(), prior.level.clone()),
        Column::new("age".into(), prior.age.clone()),
        Column::new("tenure".into(), prior.tenure.clone()),
        Column::new("comp".into(), prior.compensation.clone()),
        Column::new("hire_date".into(), prior.hire_date.clone()),
        Column::new(
            "ineligible".into(),
            p.iter().map(|c| c.plan_ineligible).collect::<Vec<bool>>(),
        ),
        Column::new(
            "elig_date".into(),
            p.iter()
                .map(|c| c.plan_eligibility_date)
                .collect::<Vec<Option<i32>>>(),
        ),
        Column::new(
            "enrolled".into(),
            p.iter().map(|c| c.enrolled).collect::<Vec<bool>>(),
        ),
        Column::new(
            "ever_opted_out".into(),
            p.iter().map(|c| c.ever_opted_out).collect::<Vec<bool>>(),
        ),
        Column::new(
            "rate".into(),
            p.iter().map(|c| c.deferral_rate).collect::<Vec<f64>>(),
        ),
        Column::new(
            "census_esc_opt_out".into(),
            p.iter()
                .map(|c| c.census_escalation_opt_out)
                .collect::<Vec<bool>>(),
        ),
        Column::new(
            "last_change_year".into(),
            p.iter()
                .map(|c| c.last_rate_change_year)
                .collect::<Vec<i32>>(),
        ),
        Column::new(
            "first_enroll_year".into(),
            p.iter()
                .map(|c| c.first_enrollment_year)
                .collect::<Vec<i32>>(),
        ),
    ])
}

fn level_frame(ctx: &YearContext<'_>, f: &Foundation) -> PolarsResult<DataFrame> {
    let levels = ctx.config.job_levels.len();
    DataFrame::new_infer_height(vec![
        Column::new("level".into(), (1..=levels as u8).collect::<Vec<u8>>()),
        Column::new("term_quota".into(), f.termination_quotas.clone()),
        Column::new("merit".into(), ctx.params.merit.clone()),
    ])
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
fn read_terminations(d: &mut Decoder, year: i32, term: &DataFrame) -> Result<(), EngineError> {
    let at = |step: &'static str| move |e: PolarsError| engine_error(year, step, e);
    let i = column!(term, "i", u32).map_err(at("read terminations"))?;
    let t = column!(term, "term_date", i32).map_err(at("read terminations"))?;
    d.terminations(
        term.height(),
        Col::new("i", &|r| i.get(r)),
        Col::new("term_date", &|r| t.get(r)),
    )?;
    Ok(())
}

/// Steps 4-5 read back: the hires, then the new-hire terminations by sequence number.
fn read_hires(
    d: &mut Decoder,
    year: i32,
    hires_df: &DataFrame,
    nh: &DataFrame,
) -> Result<(), EngineError> {
    let at = |step: &'static str| move |e: PolarsError| engine_error(year, step, e);
    let e = at("read hires");
    let seq = column!(hires_df, "seq", u64).map_err(&e)?;
    let id = column!(hires_df, "employee_id", str).map_err(&e)?;
    let ssn = column!(hires_df, "employee_ssn", str).map_err(&e)?;
    let key = column!(hires_df, "id_key", u64).map_err(&e)?;
    let level = column!(hires_df, "level", u8).map_err(&e)?;
    let age = column!(hires_df, "age", u16).map_err(&e)?;
    let hd = column!(hires_df, "hire_date", i32).map_err(&e)?;
    let bd = column!(hires_df, "birth_date", i32).map_err(&e)?;
    let comp = column!(hires_df, "comp", f64).map_err(&e)?;
    let pt = column!(hires_df, "part_time", bool).map_err(&e)?;
    let seq32 = |r: usize| seq.get(r).and_then(|v| u32::try_from(v).ok());
    d.hires(
        hires_df.height(),
        HireCols {
            seq: Col::new("seq", &seq32),
            employee_id: Col::new("employee_id", &|r| id.get(r)),
            employee_ssn: Col::new("employee_ssn", &|r| ssn.get(r)),
            id_key: Col::new("id_key", &|r| key.get(r)),
            level: Col::new("level", &|r| level.get(r)),
            age: Col::new("age", &|r| age.get(r)),
            hire_date: Col::new("hire_date", &|r| hd.get(r)),
            birth_date: Col::new("birth_date", &|r| bd.get(r)),
            compensation: Col::new("comp", &|r| comp.get(r)),
            part_time: Col::new("part_time", &|r| pt.get(r)),
            term_date: None,
        },
    )?;
    let e = at("read new-hire terminations");
    let s = column!(nh, "seq", u64).map_err(&e)?;
    let t = column!(nh, "term_date", i32).map_err(&e)?;
    let s32 = |r: usize| s.get(r).and_then(|v| u32::try_from(v).ok());
    d.new_hire_terminations(
        nh.height(),
        Col::new("seq", &s32),
        Col::new("term_date", &|r| t.get(r)),
    )?;
    Ok(())
}

/// Step 7 read back.
fn read_promotions(d: &mut Decoder, year: i32, promo: &DataFrame) -> Result<(), EngineError> {
    let at = |step: &'static str| move |e: PolarsError| engine_error(year, step, e);
    let e = at("read promotions");
    let i = column!(promo, "i", u32).map_err(&e)?;
    let l = column!(promo, "new_level", u8).map_err(&e)?;
    let nc = column!(promo, "new_comp", f64).map_err(&e)?;
    let hz = column!(promo, "hazard", f64).map_err(&e)?;
    let pct = column!(promo, "pct", f64).map_err(&e)?;
    d.promotions(
        promo.height(),
        Col::new("i", &|r| i.get(r)),
        Col::new("new_level", &|r| l.get(r)),
        Col::new("new_comp", &|r| nc.get(r)),
        Col::new("hazard", &|r| hz.get(r)),
        Col::new("pct", &|r| pct.get(r)),
    )?;
    Ok(())
}

/// Step 8 read back.
fn read_raises(d: &mut Decoder, year: i32, raise: &DataFrame) -> Result<(), EngineError> {
    let at = |step: &'static str| move |e: PolarsError| engine_error(year, step, e);
    let e = at("read raises");
    let i = column!(raise, "i", u32).map_err(&e)?;
    let nc = column!(raise, "new_comp", f64).map_err(&e)?;
    let t = column!(raise, "raise_date", i32).map_err(&e)?;
    let m = column!(raise, "merit", f64).map_err(&e)?;
    d.raises(
        raise.height(),
        Col::new("i", &|r| i.get(r)),
        Col::new("new_comp", &|r| nc.get(r)),
        Col::new("raise_date", &|r| t.get(r)),
        Col::new("merit", &|r| m.get(r)),
    )?;
    Ok(())
}

/// Steps 9-12 read back.
fn read_plan(d: &mut Decoder, year: i32, df: &DataFrame) -> Result<(), EngineError> {
    let at = |step: &'static str| move |e: PolarsError| engine_error(year, step, e);
    let e = at("read plan decisions");
    let hired = column!(df, "hired", bool).map_err(&e)?;
    let idx = column!(df, "idx", u32).map_err(&e)?;
    let elig = column!(df, "elig_day", i32).map_err(&e)?;
    let cat = column!(df, "enr_cat", i32).map_err(&e)?;
    let enr_day = column!(df, "enr_day", i32).map_err(&e)?;
    let enr_rate = column!(df, "enr_rate", f64).map_err(&e)?;
    let enr_prob = column!(df, "enr_prob", f64).map_err(&e)?;
    let opt_day = column!(df, "opt_day", i32).map_err(&e)?;
    let opt_prob = column!(df, "opt_prob", f64).map_err(&e)?;
    let mr_rate = column!(df, "mr_rate", f64).map_err(&e)?;
    let mr_prob = column!(df, "mr_prob", f64).map_err(&e)?;
    let esc = column!(df, "esc_rate", f64).map_err(&e)?;
    // A code outside u8 is no category at all: the decoder names it.
    let code = |r: usize| cat.get(r).map(|k| u8::try_from(k).unwrap_or(u8::MAX));
    d.plan(
        df.height(),
        PlanCols {
            hired: Col::new("hired", &|r| hired.get(r)),
            idx: Col::new("idx", &|r| idx.get(r)),
            eligibility_day: Col::new("elig_day", &|r| elig.get(r)),
            enrollment_category: Col::new("enr_cat", &code),
            enrollment_day: Col::new("enr_day", &|r| enr_day.get(r)),
            enrollment_rate: Col::new("enr_rate", &|r| enr_rate.get(r)),
            enrollment_probability: Col::new("enr_prob", &|r| enr_prob.get(r)),
            opt_out_day: Col::new("opt_day", &|r| opt_day.get(r)),
            opt_out_probability: Col::new("opt_prob", &|r| opt_prob.get(r)),
            match_response_rate: Col::new("mr_rate", &|r| mr_rate.get(r)),
            match_response_probability: Col::new("mr_prob", &|r| mr_prob.get(r)),
            escalation_rate: Col::new("esc_rate", &|r| esc.get(r)),
        },
    )?;
    Ok(())
}

/// Step 4 (3.5): the year's hires by level and sequence number.
fn hires_frame(ctx: &YearContext<'_>, f: &Foundation, total: u64) -> PolarsResult<DataFrame> {
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
fn new_hire_terminations(
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
fn promotions(ctx: &YearContext<'_>, emp: LazyFrame, term: LazyFrame) -> LazyFrame {
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
fn raises(ctx: &YearContext<'_>, emp: LazyFrame, levels: LazyFrame, term: LazyFrame) -> LazyFrame {
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

/// Steps 9-12 (3.9-3.12) for every member of the roster (see `sql::plan_sql` for the same
/// rules in SQL): eligibility, enrollment resolution, opt-out, match response, escalation.
fn plan_decisions(
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

#[cfg(test)]
mod tests {
    use super::*;

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
