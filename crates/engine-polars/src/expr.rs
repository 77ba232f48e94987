//! The rules' arithmetic as expressions, in the native evaluation order: categorical draws,
//! list picks, segment indices, band multipliers, exact division and rounding, dates.

use ::polars::prelude::*;
use workforce_sim_core::rules::bands::BandTable;

/// The categorical draw of docs/rules.md 2.1: the first category whose normalised cumulative
/// weight is at least `u`, walked in declared order. `None` when the weights sum to zero.
pub(crate) fn categorical(weights: &[f64], values: &[Expr], u: Expr) -> Option<Expr> {
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
pub(crate) fn pick(values: &[f64], index: Expr) -> Expr {
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
pub(crate) fn segment<T: Copy + Literal>(
    value: Expr,
    limits: &[T],
    cmp: fn(Expr, Expr) -> Expr,
) -> Expr {
    let mut out = lit(limits.len() as i32);
    for (k, &l) in limits.iter().enumerate().rev() {
        out = when(cmp(value.clone(), lit(l)))
            .then(lit(k as i32))
            .otherwise(out);
    }
    out
}

/// The promotion multiplier of a band table for a column of values.
pub(crate) fn band_multiplier(bands: &BandTable, value: Expr) -> Expr {
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
pub(crate) fn div_exact(x: Expr, c: f64) -> Expr {
    x.clone() / (x * lit(0.0) + lit(c))
}

pub(crate) fn round2(x: Expr) -> Expr {
    div_exact(
        (x * lit(100.0)).round(0, RoundMode::HalfAwayFromZero),
        100.0,
    )
}

pub(crate) fn round_rate(x: Expr) -> Expr {
    div_exact((x * lit(1e6)).round(0, RoundMode::HalfAwayFromZero), 1e6)
}

pub(crate) fn least(a: Expr, b: Expr) -> Expr {
    when(b.clone().lt(a.clone())).then(b).otherwise(a)
}

pub(crate) fn greatest(a: Expr, b: Expr) -> Expr {
    when(b.clone().gt(a.clone())).then(b).otherwise(a)
}

/// `Jan 1 of year` as a day number for an `Int32` year expression (Hinnant's days-from-civil
/// with month 1, in integer expressions; valid for years after 0).
pub(crate) fn jan1_of(year: Expr) -> Expr {
    let y = year.cast(DataType::Int64) - lit(1i64);
    let era = y.clone() / lit(400i64);
    let yoe = y - era.clone() * lit(400i64);
    let doe = yoe.clone() * lit(365i64) + yoe.clone() / lit(4i64) - yoe / lit(100i64) + lit(306i64);
    (era * lit(146_097i64) + doe - lit(719_468i64)).cast(DataType::Int32)
}
