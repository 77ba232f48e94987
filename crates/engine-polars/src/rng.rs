//! The keyed draws of docs/rules.md 2.1 as Polars expressions: wrapping `UInt64` arithmetic
//! (the SplitMix64 finaliser), the year halves as per-year literals, the employee halves one
//! column per seed, `u = (h >> 11) / 2^53`.

use ::polars::prelude::*;
use workforce_sim_core::rng::{fnv1a64, mix as mix_u64, Draw, Rng};

// ---- the keyed RNG as expressions -------------------------------------------------------

/// A typed `UInt64` literal: an untyped integer literal above `i64::MAX` would otherwise be
/// promoted to a float, losing the wrapping arithmetic.
pub(crate) fn ulit(x: u64) -> Expr {
    Expr::Literal(LiteralValue::Scalar(Scalar::from(x)))
}

/// `z ^ (z >> k)` on `UInt64`.
pub(crate) fn xs(z: Expr, k: u32) -> Expr {
    z.clone().xor(z / ulit(1u64 << k))
}

/// The SplitMix64 finaliser over a `UInt64` expression (wrapping products).
pub fn mix(z: Expr) -> Expr {
    let z = xs(z, 30) * ulit(0xBF58_476D_1CE4_E5B9u64);
    let z = xs(z, 27) * ulit(0x94D0_49BB_1331_11EBu64);
    xs(z, 31)
}

/// The column that [`with_draws`] writes `h` of a draw into.
pub(crate) fn draw_column(employee: &str, year: i32, d: Draw) -> String {
    format!("h_{employee}_{year}_{}_{}", d.event_type, d.salt)
}

/// `h` of a draw from an employee-half column and the year-half literal: a column that
/// [`with_draws`] added to the frame (an expression that reads one that was not added fails
/// with "column not found", which the parity suite would show).
pub(crate) fn keyed(employee: &str, year: i32, d: Draw) -> Expr {
    col(draw_column(employee, year, d))
}

/// Adds `h = mix(employee ^ year_code(year, draw))` for each draw, one finaliser step per
/// `with_columns` over every draw at once. Written inline, `mix` is a tree with eight copies
/// of its input (`z ^ (z >> k)` reads `z` twice, three times over), and planning those trees
/// was about 40% of this engine's time per year; staged, each step is a small expression
/// over the previous step's column.
pub(crate) fn with_draws(lf: LazyFrame, employee: &str, draws: &[(i32, Draw)]) -> LazyFrame {
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
pub(crate) fn unit(h: Expr) -> Expr {
    (h / ulit(1u64 << 11)).cast(DataType::Float64) / lit(9_007_199_254_740_992.0f64)
}

/// The employee half `mix(mix(seed) ^ id_key)` of every draw under `seed`.
pub(crate) fn employee_half(seed: u64) -> Expr {
    mix(ulit(mix_u64(seed)).xor(col("id_key")))
}

/// FNV-1a of `prefix` followed by the decimal digits of `seq`, zero-padded to at least
/// `min_digits`: the id key of a generated id such as `NH_2025_000042`, as integer
/// expressions (the prefix is folded once; each digit byte is `48 + (seq / 10^k) % 10`).
pub(crate) fn fnv_of_padded_number(
    prefix: &str,
    seq: Expr,
    min_digits: u32,
    max_value: u64,
) -> Expr {
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
