//! The keyed draws of docs/rules.md 2.1 in SQL: `wfs_mix` (the SplitMix64 finaliser) and
//! `wfs_fnv` (FNV-1a over a string's bytes), registered from Rust as Arrow scalar functions
//! (the default) or installed as the pure-SQL [`RNG_MACROS`]; and the helper macros every
//! step uses.

use duckdb::arrow::array::{Array, ArrayRef, StringArray, StringViewArray, UInt64Array};
use duckdb::arrow::datatypes::{DataType, UInt64Type};
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::vscalar::{ArrowFunctionSignature, VArrowScalar};
use std::sync::Arc;
use workforce_sim_core::rng::fnv1a64;

/// The keyed RNG of docs/rules.md 2.1 as pure-SQL DuckDB macros, for a DuckDB without this
/// crate's functions (the DuckDB CLI, another client): `wfs_mix` is the SplitMix64
/// finaliser with `UHUGEINT` products masked to 64 bits, `wfs_fnv` folds `ord` over the
/// characters, which is FNV-1a over the UTF-8 bytes for ASCII ids. [`SqlRng::Macros`] runs
/// the engine on them; the default registers the same two functions from Rust instead
/// (DuckDB expands macros inline, so every draw re-binds a dozen nested expansions and
/// evaluates 128-bit products: about 1 ms of planning per draw and 0.3 µs per row, which
/// made the RNG most of the engine's time).
pub const RNG_MACROS: &str = "
CREATE OR REPLACE MACRO wfs_mul64(a, b) AS
    CAST((a::UHUGEINT * b::UHUGEINT) & 18446744073709551615::UHUGEINT AS UBIGINT);
CREATE OR REPLACE MACRO wfs_xs(z, k) AS xor(z, z >> k);
CREATE OR REPLACE MACRO wfs_mix(z) AS
    wfs_xs(wfs_mul64(wfs_xs(wfs_mul64(wfs_xs(z::UBIGINT, 30), 13787848793156543929::UBIGINT), 27),
                     10723151780598845931::UBIGINT), 31);
CREATE OR REPLACE MACRO wfs_fnv(s) AS
    list_reduce(list_prepend(14695981039346656037::UBIGINT,
                             list_transform(range(1, strlen(s) + 1),
                                            lambda k: ord(substr(s, k::BIGINT, 1))::UBIGINT)),
                lambda h, b: wfs_mul64(xor(h, b), 1099511628211::UBIGINT));
";

/// Helpers over the draws, the same in both RNG modes: `u = (h >> 11) / 2^53`, the
/// rounding of amounts and rates, and Jan 1 of a year as days since 1970-01-01.
pub(crate) const HELPER_MACROS: &str = "
CREATE OR REPLACE MACRO wfs_unit(h) AS (h >> 11)::DOUBLE / 9007199254740992::DOUBLE;
CREATE OR REPLACE MACRO wfs_round2(x) AS round(x * 100::DOUBLE) / 100::DOUBLE;
CREATE OR REPLACE MACRO wfs_round_rate(x) AS round(x * 1000000::DOUBLE) / 1000000::DOUBLE;
CREATE OR REPLACE MACRO wfs_jan1(y) AS (make_date(y::BIGINT, 1, 1) - DATE '1970-01-01')::INTEGER;
";

/// How the SQL engine evaluates `wfs_mix` and `wfs_fnv`. Both give the same bits (tested);
/// they differ only in speed and in what the database needs to have installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqlRng {
    /// Vectorised scalar functions registered from Rust (`rng::mix`, `rng::fnv1a64`).
    #[default]
    Functions,
    /// The pure-SQL [`RNG_MACROS`].
    Macros,
}

/// `wfs_mix(UBIGINT) -> UBIGINT`: the SplitMix64 finaliser over a column.
pub(crate) struct MixFunction;

impl VArrowScalar for MixFunction {
    type State = ();

    fn invoke(_: &(), input: RecordBatch) -> Result<ArrayRef, Box<dyn std::error::Error>> {
        let z = input
            .column(0)
            .as_any()
            .downcast_ref::<UInt64Array>()
            .ok_or("wfs_mix expects UBIGINT")?;
        Ok(Arc::new(
            z.unary::<_, UInt64Type>(workforce_sim_core::rng::mix),
        ))
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        vec![ArrowFunctionSignature::exact(
            vec![DataType::UInt64],
            DataType::UInt64,
        )]
    }
}

/// `wfs_fnv(VARCHAR) -> UBIGINT`: FNV-1a over a string's UTF-8 bytes.
pub(crate) struct FnvFunction;

impl VArrowScalar for FnvFunction {
    type State = ();

    fn invoke(_: &(), input: RecordBatch) -> Result<ArrayRef, Box<dyn std::error::Error>> {
        let column = input.column(0);
        let out: UInt64Array = if let Some(s) = column.as_any().downcast_ref::<StringArray>() {
            s.iter().map(|v| v.map(|v| fnv1a64(v.as_bytes()))).collect()
        } else if let Some(s) = column.as_any().downcast_ref::<StringViewArray>() {
            s.iter().map(|v| v.map(|v| fnv1a64(v.as_bytes()))).collect()
        } else {
            return Err(format!("wfs_fnv expects VARCHAR, got {}", column.data_type()).into());
        };
        Ok(Arc::new(out))
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        vec![ArrowFunctionSignature::exact(
            vec![DataType::Utf8],
            DataType::UInt64,
        )]
    }
}
