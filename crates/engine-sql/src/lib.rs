//! The SQL engine: steps 3-12 of docs/rules.md 3.0 as DuckDB statements over the staged
//! start-of-year workforce. The keyed draws of docs/rules.md 2.1 are two SQL functions, `wfs_mix`
//! (the SplitMix64 finaliser) and `wfs_fnv` (FNV-1a over a string's bytes): registered from
//! Rust by default, or installed as the pure-SQL [`RNG_MACROS`] ([`SqlRng`]); the year halves
//! of every draw are computed once per year into a one-row table. Each step is one statement whose cost is linear in the workforce (plus the sort of a
//! window function for the rank selections), so the number of statements per year does not
//! grow with the number of employees.
//!
//! Constants of the rules (rate tables, probabilities, band multipliers) enter the SQL text as
//! exact `DOUBLE` literals printed from the same Rust constants the native engine reads, so
//! both engines evaluate the same IEEE-754 expressions in the same order and agree to the bit.
//!
//! The engine owns a private in-memory DuckDB (not the results database), so a run with
//! `--engine sql` writes the same results file as the native engine.

use duckdb::arrow::array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int32Array, StringArray, StringViewArray,
    UInt16Array, UInt32Array, UInt64Array, UInt8Array,
};
use duckdb::arrow::datatypes::{DataType, UInt64Type};
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::vscalar::{ArrowFunctionSignature, VArrowScalar};
use duckdb::Connection;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use workforce_sim_core::config::{PromotionDistribution, RaiseTiming};
use workforce_sim_core::date::{self, Day};
use workforce_sim_core::engine::decisions::{Col, Decisions, Decoder, HireCols, PlanCols};
use workforce_sim_core::engine::foundation::{
    foundation_from_counts, prior_hire_window, WorkforceCounts,
};
use workforce_sim_core::engine::{Engine, EngineError, EngineKind, Foundation, YearContext};
use workforce_sim_core::rng::fnv1a64;
use workforce_sim_core::rng::{draw, Draw};
use workforce_sim_core::rules::hiring;
use workforce_sim_core::rules::{
    enrollment, escalation, match_response, merit_raise, promotion, termination,
};
use workforce_sim_core::state::Workforce;

/// "Stays all year": the upper bound a member's termination date takes in the engine's
/// comparisons when there is none (the tables themselves carry NULL).
const NO_TERMINATION: Day = Day::MAX;

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
const HELPER_MACROS: &str = "
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
struct MixFunction;

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
struct FnvFunction;

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

/// The engine: a private in-memory DuckDB with the RNG macros installed.
pub struct SqlEngine {
    conn: Mutex<Connection>,
    /// Which P(N) `wfs_prior` holds: (year, address and length of its id column). The
    /// foundation stages it; `decide` for the same workforce reuses it.
    staged: Mutex<Option<(i32, usize, usize)>>,
    /// SQL statements sent since the engine was created (Arrow appends not counted).
    statements: AtomicU64,
}

fn err<E: std::fmt::Display>(year: i32, step: &'static str) -> impl Fn(E) -> EngineError {
    move |e| EngineError {
        engine: "sql",
        year,
        step,
        message: e.to_string(),
    }
}

impl SqlEngine {
    /// The engine with the RNG as functions registered from Rust (the fast default).
    pub fn new() -> Result<SqlEngine, EngineError> {
        SqlEngine::with_rng(SqlRng::Functions)
    }

    /// The engine with the keyed RNG evaluated as `rng` says.
    pub fn with_rng(rng: SqlRng) -> Result<SqlEngine, EngineError> {
        let conn = Connection::open_in_memory().map_err(err(0, "open in-memory database"))?;
        match rng {
            SqlRng::Functions => conn
                .register_scalar_function::<MixFunction>("wfs_mix")
                .and_then(|()| conn.register_scalar_function::<FnvFunction>("wfs_fnv"))
                .map_err(err(0, "register the RNG functions"))?,
            SqlRng::Macros => conn
                .execute_batch(RNG_MACROS)
                .map_err(err(0, "install the RNG macros"))?,
        }
        conn.execute_batch(HELPER_MACROS)
            .map_err(err(0, "install the helper macros"))?;
        // The planner may reorder rows freely; every result below is keyed or ordered
        // explicitly, so results do not depend on DuckDB's thread count.
        // DuckDB's own workers follow the run's thread budget (the rayon pool the
        // orchestrator installed), as the native engine's do.
        conn.execute_batch(&format!(
            "SET preserve_insertion_order = false; SET threads = {};",
            rayon::current_num_threads().max(1)
        ))
        .map_err(err(0, "settings"))?;
        Ok(SqlEngine {
            conn: Mutex::new(conn),
            staged: Mutex::new(None),
            statements: AtomicU64::new(0),
        })
    }

    /// SQL statements sent for the years computed so far (the staging's Arrow appends are
    /// bulk loads, not statements). The same for any headcount: no statement per employee.
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    fn count(&self, n: u64) {
        self.statements.fetch_add(n, Ordering::Relaxed);
    }

    /// Stages P(N) unless `wfs_prior` already holds it.
    fn ensure_staged(
        &self,
        conn: &Connection,
        year: i32,
        prior: &Workforce,
    ) -> Result<(), EngineError> {
        let key = (year, prior.employee_id.as_ptr() as usize, prior.len());
        let mut staged = self.staged.lock().unwrap_or_else(|p| p.into_inner());
        if *staged != Some(key) {
            *staged = None;
            let t = std::time::Instant::now();
            stage_prior(conn, prior).map_err(err(year, "stage the start-of-year workforce"))?;
            self.count(1);
            tracing::debug!(
                year,
                step = "stage",
                ms = t.elapsed().as_secs_f64() * 1e3,
                "sql engine"
            );
            *staged = Some(key);
        }
        Ok(())
    }

    /// Runs a query on the engine's database (tests inspect the installed functions).
    #[cfg(test)]
    fn query(&self, sql: &str) -> Result<Vec<RecordBatch>, duckdb::Error> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let mut stmt = conn.prepare(sql)?;
        let batches = stmt.query_arrow([])?.collect();
        Ok(batches)
    }
}

/// An exact DOUBLE literal: Rust's shortest round-trip form, parsed by DuckDB's correctly
/// rounded string-to-double conversion.
fn lit(x: f64) -> String {
    format!("CAST('{x:?}' AS DOUBLE)")
}

/// `[v0, v1, ...][index + 1]` over exact literals.
fn pick(values: &[f64], index: &str) -> String {
    let list: Vec<String> = values.iter().map(|&v| lit(v)).collect();
    format!("[{}][({index}) + 1]", list.join(", "))
}

/// `CASE WHEN u <= c0 THEN v0 ... ELSE v_last END`: the categorical draw of docs/rules.md 2.1 with
/// cumulative weights normalised by the total, walked in declared order. `None` when the
/// weights sum to zero or less (the rule's default applies).
fn categorical_case(weights: &[f64], values: &[String], u: &str) -> Option<String> {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 || weights.is_empty() {
        return None;
    }
    let mut acc = 0.0;
    let mut sql = String::from("CASE");
    for (w, v) in weights.iter().zip(values) {
        acc += w;
        // acc / total >= u, with the quotient computed in Rust exactly as `categorical` does.
        let _ = write!(sql, " WHEN {} >= {u} THEN {v}", lit(acc / total));
    }
    let _ = write!(sql, " ELSE {} END", values[values.len() - 1]);
    Some(sql)
}

/// `(CASE WHEN {value} {op} l0 THEN 0 WHEN ... ELSE n END)`: a segment index of 3.10 from
/// the boundaries in `rules::enrollment` (`<=` for ages and tenure, `<` for pay).
fn segment_case<T: std::fmt::Display>(value: &str, op: &str, limits: &[T]) -> String {
    let mut sql = String::from("(CASE");
    for (k, l) in limits.iter().enumerate() {
        let _ = write!(sql, " WHEN {value} {op} {l} THEN {k}");
    }
    let _ = write!(sql, " ELSE {} END)", limits.len());
    sql
}

impl Engine for SqlEngine {
    fn kind(&self) -> EngineKind {
        EngineKind::Sql
    }

    /// Steps 1-2: headcount, last year's hires and headcount by level as one `GROUP BY`
    /// over the staged workforce, then the shared arithmetic.
    fn foundation(
        &self,
        ctx: &YearContext<'_>,
        prior: &Workforce,
    ) -> Result<Foundation, EngineError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let year = ctx.year;
        self.ensure_staged(&conn, year, prior)?;
        let recent = prior_hire_window(ctx)
            .map_or("false".to_string(), |from| format!("hire_date >= {from}"));
        self.count(1);
        let mut stmt = conn
            .prepare(&format!(
                "SELECT level::UTINYINT, count(*)::UBIGINT, count(*) FILTER (WHERE {recent})::UBIGINT
                 FROM wfs_prior GROUP BY level ORDER BY level"
            ))
            .map_err(err(year, "workforce counts"))?;
        let mut rows = Vec::with_capacity(ctx.config.job_levels.len());
        for b in stmt
            .query_arrow([])
            .map_err(err(year, "workforce counts"))?
        {
            let e = err(year, "workforce counts");
            let (l, n, h) = (
                col::<UInt8Array>(&b, 0).map_err(&e)?,
                col::<UInt64Array>(&b, 1).map_err(&e)?,
                col::<UInt64Array>(&b, 2).map_err(&e)?,
            );
            rows.extend((0..b.num_rows()).map(|r| (l.value(r), n.value(r), h.value(r))));
        }
        let counts = WorkforceCounts::from_level_rows(ctx.config.job_levels.len(), rows);
        foundation_from_counts("sql", ctx, &counts)
    }

    fn decide(
        &self,
        ctx: &YearContext<'_>,
        prior: &Workforce,
        f: &Foundation,
    ) -> Result<Decisions, EngineError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let year = ctx.year;
        self.ensure_staged(&conn, year, prior)?;
        stage_year(&conn, ctx, f).map_err(err(year, "stage the year's tables"))?;
        self.count(1);
        let run = |step: &'static str, sql: String| {
            self.count(1);
            let t = std::time::Instant::now();
            let r = conn.execute_batch(&sql).map_err(err(year, step));
            tracing::debug!(
                year,
                step,
                ms = t.elapsed().as_secs_f64() * 1e3,
                "sql engine"
            );
            r
        };
        run("year codes", year_codes_sql(ctx))?;
        run("employee keys", employee_keys_sql())?;
        run("experienced terminations", terminations_sql(ctx))?;
        run("hires", hires_sql(ctx))?;
        run("new-hire terminations", new_hire_terminations_sql(ctx, f))?;
        run("promotions", promotions_sql(ctx))?;
        run("raises", raises_sql(ctx))?;
        let n = prior.len();
        let read = |step: &'static str, sql: &str| -> Result<Vec<RecordBatch>, EngineError> {
            self.count(1);
            let t = std::time::Instant::now();
            let mut stmt = conn.prepare(sql).map_err(err(year, step))?;
            let batches: Vec<RecordBatch> =
                stmt.query_arrow([]).map_err(err(year, step))?.collect();
            tracing::debug!(
                year,
                step,
                ms = t.elapsed().as_secs_f64() * 1e3,
                "sql engine"
            );
            Ok(batches)
        };

        let mut d = Decoder::new("sql", year, n);
        let e = |step: &'static str| move |m: String| err::<String>(year, step)(m);
        for b in read("read terminations", "SELECT i, term_date FROM wfs_term")? {
            let (i, t) = (
                col::<UInt32Array>(&b, 0).map_err(e("read terminations"))?,
                col::<Int32Array>(&b, 1).map_err(e("read terminations"))?,
            );
            d.terminations(
                b.num_rows(),
                Col::new("i", &|r| cell(i, r)),
                Col::new("term_date", &|r| cell(t, r)),
            )?;
        }
        let mut hire_batches = read(
            "read hires",
            "SELECT h.seq, h.employee_id, h.employee_ssn, h.id_key, h.level, h.age, h.hire_date, \
             h.birth_date, h.comp, h.part_time, t.term_date \
             FROM wfs_hire h LEFT JOIN wfs_nh_term t USING (seq) ORDER BY h.seq",
        )?;
        // One batch for the whole table, so the decoder sees the hires in one sequence.
        let hires_batch = match hire_batches.len() {
            0 => None,
            1 => hire_batches.pop(),
            _ => Some(
                duckdb::arrow::compute::concat_batches(&hire_batches[0].schema(), &hire_batches)
                    .map_err(|x| err(year, "read hires")(x.to_string()))?,
            ),
        };
        if let Some(b) = &hires_batch {
            decode_hires(&mut d, year, b)?;
        }
        for b in read(
            "read promotions",
            "SELECT i, new_level, new_comp, hazard, pct FROM wfs_promotion",
        )? {
            let f = |k: usize| col::<Float64Array>(&b, k).map_err(e("read promotions"));
            let i = col::<UInt32Array>(&b, 0).map_err(e("read promotions"))?;
            let l = col::<UInt8Array>(&b, 1).map_err(e("read promotions"))?;
            let (c, h, p) = (f(2)?, f(3)?, f(4)?);
            d.promotions(
                b.num_rows(),
                Col::new("i", &|r| cell(i, r)),
                Col::new("new_level", &|r| cell(l, r)),
                Col::new("new_comp", &|r| cell(c, r)),
                Col::new("hazard", &|r| cell(h, r)),
                Col::new("pct", &|r| cell(p, r)),
            )?;
        }
        for b in read(
            "read raises",
            "SELECT i, new_comp, raise_date, merit FROM wfs_raise",
        )? {
            let i = col::<UInt32Array>(&b, 0).map_err(e("read raises"))?;
            let c = col::<Float64Array>(&b, 1).map_err(e("read raises"))?;
            let t = col::<Int32Array>(&b, 2).map_err(e("read raises"))?;
            let m = col::<Float64Array>(&b, 3).map_err(e("read raises"))?;
            d.raises(
                b.num_rows(),
                Col::new("i", &|r| cell(i, r)),
                Col::new("new_comp", &|r| cell(c, r)),
                Col::new("raise_date", &|r| cell(t, r)),
                Col::new("merit", &|r| cell(m, r)),
            )?;
        }
        if ctx.config.plan.enabled {
            run("plan decisions", plan_sql(ctx))?;
            for b in read(
                "read plan decisions",
                "SELECT hired, idx, elig_day, enr_cat, enr_day, enr_rate, enr_prob, opt_day, \
                 opt_prob, mr_rate, mr_prob, esc_rate FROM wfs_plan",
            )? {
                decode_plan(&mut d, year, &b)?;
            }
        }
        Ok(d.finish())
    }
}

/// Steps 4-5 read back: the hires with their new-hire termination dates joined.
fn decode_hires(d: &mut Decoder, year: i32, b: &RecordBatch) -> Result<(), EngineError> {
    let e = |step: &'static str| move |m: String| err::<String>(year, step)(m);
    let s = |k: usize| col::<StringArray>(b, k).map_err(e("read hires"));
    let (seq, id, ssn) = (
        col::<UInt32Array>(b, 0).map_err(e("read hires"))?,
        s(1)?,
        s(2)?,
    );
    let key = col::<UInt64Array>(b, 3).map_err(e("read hires"))?;
    let level = col::<UInt8Array>(b, 4).map_err(e("read hires"))?;
    let age = col::<UInt16Array>(b, 5).map_err(e("read hires"))?;
    let hire_date = col::<Int32Array>(b, 6).map_err(e("read hires"))?;
    let birth = col::<Int32Array>(b, 7).map_err(e("read hires"))?;
    let comp = col::<Float64Array>(b, 8).map_err(e("read hires"))?;
    let pt = col::<BooleanArray>(b, 9).map_err(e("read hires"))?;
    let term = col::<Int32Array>(b, 10).map_err(e("read hires"))?;
    fn text(a: &StringArray, r: usize) -> Option<&str> {
        (!a.is_null(r)).then(|| a.value(r))
    }
    d.hires(
        b.num_rows(),
        HireCols {
            seq: Col::new("seq", &|r| cell(seq, r)),
            employee_id: Col::new("employee_id", &|r| text(id, r)),
            employee_ssn: Col::new("employee_ssn", &|r| text(ssn, r)),
            id_key: Col::new("id_key", &|r| cell(key, r)),
            level: Col::new("level", &|r| cell(level, r)),
            age: Col::new("age", &|r| cell(age, r)),
            hire_date: Col::new("hire_date", &|r| cell(hire_date, r)),
            birth_date: Col::new("birth_date", &|r| cell(birth, r)),
            compensation: Col::new("comp", &|r| cell(comp, r)),
            part_time: Col::new("part_time", &|r| (!pt.is_null(r)).then(|| pt.value(r))),
            term_date: Some(Col::new("term_date", &|r| cell(term, r))),
        },
    )?;
    Ok(())
}

/// Steps 9-12 read back.
fn decode_plan(d: &mut Decoder, year: i32, b: &RecordBatch) -> Result<(), EngineError> {
    let e = |step: &'static str| move |m: String| err::<String>(year, step)(m);
    let step = e("read plan decisions");
    let hired = col::<BooleanArray>(b, 0).map_err(step)?;
    let idx = col::<UInt32Array>(b, 1).map_err(step)?;
    let day = |k: usize| col::<Int32Array>(b, k).map_err(step);
    let f = |k: usize| col::<Float64Array>(b, k).map_err(step);
    let cat = col::<UInt8Array>(b, 3).map_err(step)?;
    let (elig, enr_day, opt_day) = (day(2)?, day(4)?, day(7)?);
    let (enr_rate, enr_prob, opt_prob) = (f(5)?, f(6)?, f(8)?);
    let (mr_rate, mr_prob, esc) = (f(9)?, f(10)?, f(11)?);
    d.plan(
        b.num_rows(),
        PlanCols {
            hired: Col::new("hired", &|r| (!hired.is_null(r)).then(|| hired.value(r))),
            idx: Col::new("idx", &|r| cell(idx, r)),
            eligibility_day: Col::new("elig_day", &|r| cell(elig, r)),
            enrollment_category: Col::new("enr_cat", &|r| cell(cat, r)),
            enrollment_day: Col::new("enr_day", &|r| cell(enr_day, r)),
            enrollment_rate: Col::new("enr_rate", &|r| cell(enr_rate, r)),
            enrollment_probability: Col::new("enr_prob", &|r| cell(enr_prob, r)),
            opt_out_day: Col::new("opt_day", &|r| cell(opt_day, r)),
            opt_out_probability: Col::new("opt_prob", &|r| cell(opt_prob, r)),
            match_response_rate: Col::new("mr_rate", &|r| cell(mr_rate, r)),
            match_response_probability: Col::new("mr_prob", &|r| cell(mr_prob, r)),
            escalation_rate: Col::new("esc_rate", &|r| cell(esc, r)),
        },
    )?;
    Ok(())
}

/// Column `i` of a batch as its concrete Arrow type. The statements above cast every column
/// they return, so a mismatch is a bug in this file: an error, not a panic.
fn col<T: 'static>(b: &RecordBatch, i: usize) -> Result<&T, String> {
    b.column(i)
        .as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| format!("column {i} has type {}", b.column(i).data_type()))
}

/// Cell `r` of a primitive Arrow column (`None` = NULL).
fn cell<T: duckdb::arrow::datatypes::ArrowPrimitiveType>(
    a: &duckdb::arrow::array::PrimitiveArray<T>,
    r: usize,
) -> Option<T::Native> {
    (!a.is_null(r)).then(|| a.value(r))
}

/// Stages the start-of-year workforce (`wfs_prior`), the per-level parameters (`wfs_level`)
/// and the band multipliers (`wfs_age_band`, `wfs_tenure_band`) by Arrow batches.
/// Stages P(N) as `wfs_prior`, one Arrow batch per 128k rows.
fn stage_prior(conn: &Connection, prior: &Workforce) -> Result<(), duckdb::Error> {
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
fn stage_year(
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
fn year_codes_sql(ctx: &YearContext<'_>) -> String {
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
fn employee_keys_sql() -> String {
    "CREATE OR REPLACE TABLE wfs_emp AS SELECT p.*,
        wfs_mix(xor(y.seed_term, p.id_key)) AS e_term,
        wfs_mix(xor(y.seed_promo, p.id_key)) AS e_promo,
        wfs_mix(xor(y.seed_raise, p.id_key)) AS e_raise,
        wfs_mix(xor(y.seed_plan, p.id_key)) AS e_plan
     FROM wfs_prior p, wfs_year y;"
        .to_string()
}

/// Step 3 (3.4): per level, the first `quota` by `(h, employee_id)`; the date from two draws.
fn terminations_sql(ctx: &YearContext<'_>) -> String {
    let floor = date::jan1(ctx.year) + termination::DATE_FLOOR;
    let (floor_spread, spread) = (termination::DATE_FLOOR_SPREAD, termination::DATE_SPREAD);
    format!(
        "CREATE OR REPLACE TABLE wfs_term AS
         SELECT r.i::UINTEGER AS i,
                ({floor} + wfs_mix(xor(r.e_term, y.term_date_min)) % {floor_spread}
                   + wfs_mix(xor(r.e_term, y.term_date)) % {spread})::INTEGER AS term_date
         FROM (SELECT e.i, e.e_term, l.term_quota,
                      row_number() OVER (PARTITION BY e.level
                                         ORDER BY wfs_mix(xor(e.e_term, y.term_select)), e.employee_id) AS rn
               FROM wfs_emp e JOIN wfs_level l USING (level), wfs_year y
               WHERE l.term_quota > 0) r, wfs_year y
         WHERE r.rn <= r.term_quota;"
    )
}

/// Step 4 (3.5): the hires by level and sequence number.
fn hires_sql(ctx: &YearContext<'_>) -> String {
    let c = ctx.config;
    let year = ctx.year;
    let jan1 = date::jan1(year);
    let ssn_offset = hiring::ssn_offset(c, year);
    let weights: Vec<f64> = c.hiring.age_distribution.iter().map(|a| a.weight).collect();
    let ages: Vec<String> = c
        .hiring
        .age_distribution
        .iter()
        .map(|a| format!("{}::USMALLINT", a.age))
        .collect();
    let age = categorical_case(
        &weights,
        &ages,
        "wfs_unit(wfs_mix(xor(k.e_hire, y.hire_age)))",
    )
    .unwrap_or_else(|| format!("{}::USMALLINT", hiring::DEFAULT_AGE));
    let pt = lit(c.workforce.part_time_new_hire_pct);
    format!(
        "CREATE OR REPLACE TABLE wfs_hire AS
         WITH s AS (
             SELECT level, unnest(range(hire_start::BIGINT + 1, (hire_start + hire_quota)::BIGINT + 1)) AS seq, nh_avg
             FROM wfs_level WHERE hire_quota > 0),
         ids AS (SELECT s.*, printf('NH_%d_%06d', {year}, seq) AS employee_id FROM s),
         k AS (SELECT ids.*, wfs_fnv(employee_id) AS id_key,
                      wfs_mix(xor(y.seed_hire, wfs_fnv(employee_id))) AS e_hire
               FROM ids, wfs_year y),
         a AS (SELECT k.*, {age} AS age,
                      wfs_unit(wfs_mix(xor(k.e_hire, y.hire_part_time))) < {pt} AS part_time
               FROM k, wfs_year y)
         SELECT seq::UINTEGER AS seq, employee_id,
                printf('SSN-%d', {ssn_offset} + seq) AS employee_ssn,
                id_key, level::UTINYINT AS level, age,
                ({jan1} + seq % 365)::INTEGER AS hire_date,
                ({jan1} - age * 365)::INTEGER AS birth_date,
                wfs_round2(nh_avg * ({} + (seq % 10)::DOUBLE * {})) AS comp,
                part_time,
                wfs_mix(xor(y.seed_term, id_key)) AS e_term,
                wfs_mix(xor(y.seed_plan, id_key)) AS e_plan
         FROM a, wfs_year y;",
        lit(hiring::PAY_FLOOR),
        lit(hiring::PAY_STEP),
    )
}

/// Step 5 (3.6): the solver's implied count among the hires, by rank; dates after the hire.
fn new_hire_terminations_sql(ctx: &YearContext<'_>, f: &Foundation) -> String {
    let dec31 = date::dec31(ctx.year);
    let target = f.needs.implied_new_hire_terminations;
    let (floor, floor_spread) = (termination::DATE_FLOOR, termination::DATE_FLOOR_SPREAD);
    format!(
        "CREATE OR REPLACE TABLE wfs_nh_term AS
         WITH c AS (
             SELECT h.seq, h.employee_id, h.hire_date, ({dec31} - h.hire_date)::UBIGINT AS d,
                    wfs_mix(xor(h.e_term, y.nh_date)) AS r,
                    {floor} + wfs_mix(xor(h.e_term, y.nh_date_min)) % {floor_spread} AS m,
                    wfs_mix(xor(h.e_term, y.nh_select)) AS h
             FROM wfs_hire h, wfs_year y WHERE h.hire_date < {dec31}),
         o AS (
             SELECT seq, (hire_date + CASE
                     WHEN d < 30 THEN 1 + r % d
                     WHEN d < 90 THEN 30 + r % (d - 29)
                     ELSE m + r % (CASE WHEN d + 1 > m THEN d + 1 - m ELSE 1 END) END)::INTEGER AS term_date,
                    row_number() OVER (ORDER BY h, employee_id) AS rn
             FROM c)
         SELECT seq::UINTEGER AS seq, term_date FROM o WHERE rn <= {target};"
    )
}

/// Step 7 (3.7): promotions on Feb 1 for the eligible who are still employed then.
fn promotions_sql(ctx: &YearContext<'_>) -> String {
    let c = ctx.config;
    let p = &c.promotion;
    let feb1 = promotion::promotion_date(ctx.year);
    let top = c.job_levels.len();
    let v = "wfs_unit(wfs_mix(xor(h.e_promo, y.promotion_raise)))";
    let jitter = match p.distribution_type {
        PromotionDistribution::Uniform => format!(
            "({v} - {}) * {} * {}",
            lit(0.5),
            lit(2.0),
            lit(p.distribution_range)
        ),
        PromotionDistribution::Normal => format!(
            "sqrt({} * ln((floor({} * {v}) + {}) / {})) \
             * cos({} * wfs_unit(wfs_mix(xor(h.e_promo, y.promotion_raise2)))) * {}",
            lit(-2.0),
            lit(1000.0),
            lit(1.0),
            lit(1001.0),
            lit(std::f64::consts::TAU),
            lit(p.normal_std_dev)
        ),
        PromotionDistribution::Deterministic => lit(0.0),
    };
    let default_pct = format!("{} + {jitter}", lit(p.base_increase_pct));
    let pct = if p.level_overrides.is_empty() {
        default_pct
    } else {
        let mut case = String::from("CASE h.level");
        for o in &p.level_overrides {
            let _ = write!(case, " WHEN {} THEN {}", o.level, lit(o.increase_pct));
        }
        let _ = write!(case, " ELSE {default_pct} END");
        case
    };
    format!(
        "CREATE OR REPLACE TABLE wfs_promotion AS
         WITH h AS (
             SELECT e.i, e.level, e.comp, e.e_promo,
                    least({base} * tb.mult * ab.mult
                          * greatest({one} - {damp} * (e.level::DOUBLE - {one}), {zero}) * {rm}, {one}) AS hazard
             FROM wfs_emp e
             LEFT JOIN wfs_term t USING (i)
             JOIN wfs_tenure_band tb ON tb.v = least(e.tenure, {tenure_top})
             JOIN wfs_age_band ab ON ab.v = least(e.age, {age_top})
             WHERE e.tenure >= {min_tenure} AND e.level < {top} AND e.age < {age_limit}
               AND coalesce(t.term_date, {never}) >= {feb1}),
         s AS (SELECT h.i, h.level, h.comp, h.hazard, {pct} AS pct
               FROM h, wfs_year y WHERE wfs_unit(wfs_mix(xor(h.e_promo, y.promotion))) < h.hazard)
         SELECT i::UINTEGER AS i, (level + 1)::UTINYINT AS new_level,
                wfs_round2(least(comp * ({one} + {cap_pct}), comp + {cap_amt},
                                 greatest(comp * ({one} + pct), comp))) AS new_comp,
                hazard, pct
         FROM s;",
        base = lit(p.base_rate),
        damp = lit(p.level_dampener_factor),
        rm = lit(p.rate_multiplier),
        one = lit(1.0),
        zero = lit(0.0),
        never = NO_TERMINATION,
        cap_pct = lit(p.max_cap_pct),
        cap_amt = lit(p.max_cap_amount),
        tenure_top = ctx.tenure_bands.top(),
        age_top = ctx.age_bands.top(),
        min_tenure = promotion::MIN_TENURE,
        age_limit = promotion::AGE_LIMIT,
    )
}

/// Step 8 (3.8): merit + COLA for the eligible still employed on the raise date.
fn raises_sql(ctx: &YearContext<'_>) -> String {
    let c = ctx.config;
    let year = ctx.year;
    let raise_date = match c.compensation.raise_timing {
        RaiseTiming::CalendarDriven => merit_raise::calendar_date(year).to_string(),
        RaiseTiming::Legacy => format!(
            "CASE WHEN strlen(e.employee_id) % 2 = 0 THEN {} ELSE {} END",
            merit_raise::legacy_date(year, true),
            merit_raise::legacy_date(year, false)
        ),
        RaiseTiming::Realistic => {
            let months: Vec<String> = (1..=12u32).map(|m| m.to_string()).collect();
            let month = categorical_case(
                &c.compensation.raise_timing_distribution,
                &months,
                "wfs_unit(wfs_mix(xor(e.e_raise, y.raise_month)))",
            )
            .unwrap_or_else(|| merit_raise::DEFAULT_MONTH.to_string());
            let windows: Vec<(Day, u64)> = (1..=12)
                .map(|m| merit_raise::month_window(year, m))
                .collect();
            let firsts: Vec<String> = windows.iter().map(|w| w.0.to_string()).collect();
            let lens: Vec<String> = windows.iter().map(|w| w.1.to_string()).collect();
            format!(
                "[{}][{month}] + (wfs_mix(xor(e.e_raise, y.raise_day)) % [{}][{month}]::UBIGINT)::INTEGER",
                firsts.join(", "),
                lens.join(", ")
            )
        }
    };
    let cola = lit(ctx.params.cola);
    format!(
        "CREATE OR REPLACE TABLE wfs_raise AS
         WITH r AS (
             SELECT e.i, e.comp, l.merit, ({raise_date})::INTEGER AS raise_date, t.term_date
             FROM wfs_emp e JOIN wfs_level l USING (level) LEFT JOIN wfs_term t USING (i), wfs_year y
             WHERE e.tenure >= {min_tenure} AND l.merit > {zero})
         SELECT i::UINTEGER AS i,
                wfs_round2(least(comp * {one_half}, comp + {cap},
                    CASE WHEN merit + {cola} > {half} THEN comp * {one_half}
                         WHEN merit + {cola} < {zero} THEN comp
                         ELSE comp * ({one} + (merit + {cola})) END)) AS new_comp,
                raise_date, merit
         FROM r WHERE coalesce(term_date, {never}) >= raise_date;",
        zero = lit(0.0),
        one = lit(1.0),
        half = lit(merit_raise::MAX_TOTAL_RATE),
        one_half = lit(merit_raise::MAX_FACTOR),
        cap = lit(merit_raise::MAX_INCREASE),
        min_tenure = merit_raise::MIN_TENURE,
        never = NO_TERMINATION,
    )
}

/// Steps 9-12 (3.9-3.12) for every member of the roster: eligibility, the enrollment that
/// survives resolution (voluntary > proactive > year-over-year > auto), the auto-enrollment
/// opt-out, the start-year match response and auto-escalation. Each CTE reads the one before
/// it under the alias `m`; only members with at least one decision are returned.
fn plan_sql(ctx: &YearContext<'_>) -> String {
    use workforce_sim_core::config::plan::{optional_day, AutoEnrollmentScope};
    let c = ctx.config;
    let p = &c.plan;
    let year = ctx.year;
    let (jan1, dec31) = (date::jan1(year), date::dec31(year));
    let jan15 = jan1 + 14;
    let jun15 = date::days_from_civil(year, 6, 15);
    let start_year = year == c.simulation.start_year;
    let ceiling = lit(p.match_ceiling());
    let e = &p.eligibility;
    let ae = &p.auto_enrollment;
    let v = &p.voluntary_enrollment;
    let mr = &p.match_response;
    let esc = &p.auto_escalation;
    let zero = lit(0.0);
    let one = lit(1.0);
    let u = |code: &str| format!("wfs_unit(wfs_mix(xor(m.e_plan, y.{code})))");
    let b = |x: bool| if x { "TRUE" } else { "FALSE" };
    let at_or_after =
        |d: Option<Day>| d.map_or("TRUE".to_string(), |d| format!("m.hire_date >= {d}"));

    let in_scope = format!(
        "({} AND {} AND {})",
        b(ae.enabled),
        at_or_after(optional_day(&ae.hire_date_cutoff)),
        match ae.scope {
            AutoEnrollmentScope::NewHiresOnly if !start_year => "m.hired",
            _ => "TRUE",
        }
    );
    let vseg = segment_case("m.age", "<=", &enrollment::VOLUNTARY_AGE_LIMITS);
    let aseg = segment_case("m.age", "<=", &enrollment::AE_AGE_LIMITS);
    let income_limits = enrollment::INCOME_LIMITS.map(lit);
    let iseg = segment_case("m.comp", "<", &income_limits);
    let tseg = segment_case("m.tenure", "<=", &enrollment::YOY_TENURE_LIMITS);
    let mut level_mult = String::from("(CASE");
    for l in 1..=c.job_levels.len() as u8 {
        let _ = write!(
            level_mult,
            " WHEN m.level = {l} THEN {}",
            lit(enrollment::level_multiplier(l))
        );
    }
    let _ = write!(
        level_mult,
        " ELSE {} END)",
        lit(enrollment::level_multiplier(u8::MAX))
    );
    let dial = lit(v.rate_multiplier);
    let vol_p = format!(
        "{} * {} * {level_mult} * {dial}",
        pick(&enrollment::VOLUNTARY_AGE_BASE, &vseg),
        pick(&enrollment::VOLUNTARY_INCOME, &iseg),
    );
    let yoy_p = format!(
        "{} * {} * {} * {dial}",
        pick(&enrollment::YOY_AGE_BASE, &vseg),
        pick(&enrollment::YOY_INCOME, &iseg),
        pick(&enrollment::YOY_TENURE, &tseg),
    );
    let segment_rates: Vec<f64> = enrollment::SEGMENT_RATES
        .iter()
        .flatten()
        .copied()
        .collect();
    let seg_rate = pick(&segment_rates, &format!("{vseg} * 4 + {iseg}"));
    // 3.10.3: voluntary and proactive share the rate rule; only the magnet draw differs.
    let vol_rate = |magnet: &str| {
        let snapped = if v.match_magnet_enabled {
            format!(
                "CASE WHEN {ceiling} > {zero} AND m.seg_rate < {ceiling} AND {} < {} \
                 THEN {ceiling} ELSE m.seg_rate END",
                u(magnet),
                lit(v.match_magnet_snap_probability),
            )
        } else {
            "m.seg_rate".to_string()
        };
        format!(
            "least(greatest({snapped}, {}), {})",
            lit(enrollment::MIN_DEFERRAL_RATE),
            lit(v.max_deferral_rate.max(enrollment::MIN_DEFERRAL_RATE))
        )
    };
    let p_opt = format!(
        "{} * {} * {}",
        pick(&enrollment::OPT_OUT_AGE, &aseg),
        lit(ae.opt_out_target_rate),
        pick(&enrollment::OPT_OUT_INCOME, &iseg)
    );
    let half_pct = |x: String| {
        format!(
            "(round(({x}) / {d}) * {d})",
            d = lit(match_response::RATE_STEP)
        )
    };
    let match_raw = if mr.enabled && start_year {
        format!(
            "CASE WHEN m.hired OR NOT m.enrolled OR m.boundary < {jan1} THEN NULL
                  WHEN m.rate < {ceiling} AND {uu} < {up} THEN
                       least(CASE WHEN {uu} < {up_max} THEN {ceiling} ELSE {up_half} END,
                             CASE WHEN m.comp > {zero} THEN least({cap}, {dollars} / m.comp) ELSE {cap} END)
                  WHEN m.rate > {ceiling} AND {down_on} AND {ud} < {down} THEN
                       greatest(CASE WHEN {ud} < {down_max} THEN {ceiling} ELSE {down_half} END, {zero})
             END",
            uu = u("match_up"),
            ud = u("match_down"),
            up = lit(mr.up_participation),
            up_max = lit(mr.up_participation * mr.up_maximize),
            up_half = half_pct(format!(
                "m.rate + {} * ({ceiling} - m.rate)",
                lit(mr.up_partial_factor)
            )),
            down = lit(mr.down_participation),
            down_max = lit(mr.down_participation * mr.down_reduce_to_max),
            down_half = half_pct(format!(
                "m.rate - {} * (m.rate - {ceiling})",
                lit(mr.down_partial_factor)
            )),
            cap = lit(esc.maximum_rate),
            dollars = lit(mr.rate_cap_dollars),
            down_on = b(mr.down_enabled),
        )
    } else {
        "NULL::DOUBLE".to_string()
    };
    let escalation = if esc.enabled {
        format!(
            "CASE WHEN NOT m.hired AND m.boundary >= {jan1} AND {cutoff}
                   AND ({not_required} OR m.enrolled) AND NOT m.ever_opted_out
                   AND NOT m.census_esc_opt_out AND m.rate > {zero} AND m.rate < {cap}
                   AND m.last_change_year < {year} AND {year} - m.first_enroll_year >= {delay}
              THEN wfs_round_rate(least({cap}, m.rate + {inc})) END",
            cutoff = at_or_after(optional_day(&esc.hire_date_cutoff)),
            not_required = b(!esc.require_active_enrollment),
            cap = lit(esc.maximum_rate),
            delay = esc.first_escalation_delay_years,
            inc = lit(esc.increment),
        )
    } else {
        "NULL::DOUBLE".to_string()
    };
    let hire_ineligible = if e.new_hire_ineligible_pct > 0.0 {
        format!(
            "wfs_unit(wfs_mix(xor(h.e_plan, y.new_hire_override))) < {}",
            lit(e.new_hire_ineligible_pct)
        )
    } else {
        "FALSE".to_string()
    };
    let wait = e.waiting_period_days;
    let ok = |day: &str| format!("({day} >= m.eligible_on AND {day} <= m.boundary)");
    format!(
        "CREATE OR REPLACE TABLE wfs_plan AS
         WITH roster AS (
             SELECT FALSE AS hired, e.i::BIGINT AS idx, e.e_plan, e.hire_date, e.age, e.tenure,
                    e.level, e.comp, coalesce(t.term_date, {never}) AS boundary, e.ineligible,
                    e.elig_date, e.enrolled, e.ever_opted_out, e.rate, e.census_esc_opt_out,
                    e.last_change_year, e.first_enroll_year
             FROM wfs_emp e LEFT JOIN wfs_term t USING (i)
             UNION ALL
             SELECT TRUE, h.seq::BIGINT - 1, h.e_plan, h.hire_date, h.age, 0::USMALLINT, h.level,
                    h.comp, coalesce(t.term_date, {never}), {hire_ineligible}, NULL::INTEGER,
                    FALSE, FALSE, {zero}, FALSE, 0, 0
             FROM wfs_hire h LEFT JOIN wfs_nh_term t USING (seq), wfs_year y),
         eligibility AS (
             SELECT m.*,
                    CASE WHEN m.elig_date IS NULL AND m.age >= {min_age}
                              AND ({wait} = 0 OR {dec31} - m.hire_date >= {wait})
                         THEN greatest(m.hire_date + {wait},
                                       wfs_jan1({year} - m.age::INTEGER + {min_age})) END AS candidate
             FROM roster m WHERE NOT m.ineligible),
         dated AS (
             SELECT m.*, CASE WHEN m.candidate <= m.boundary THEN m.candidate END AS elig_day
             FROM eligibility m),
         inputs AS (
             SELECT m.*, coalesce(m.elig_date, m.elig_day) AS eligible_on,
                    {vol_p} AS vol_p, {yoy_p} AS yoy_p, {seg_rate} AS seg_rate, {p_opt} AS p_opt,
                    CASE WHEN m.hired THEN m.hire_date + {enroll_wait} ELSE {jan15} END AS vol_day,
                    coalesce(m.elig_date, m.elig_day) + {pmin}
                        + floor({u_timing} * {span})::INTEGER AS pro_day,
                    CASE WHEN m.hired THEN m.hire_date + {window} ELSE {jan15} END AS ae_day,
                    CASE WHEN m.hired THEN m.hire_date + {opt_wait} ELSE {jun15} END AS opt_day_c,
                    {in_scope} AS in_scope
             FROM dated m, wfs_year y),
         resolved AS (
             SELECT m.*,
                 CASE WHEN m.enrolled OR m.eligible_on IS NULL THEN NULL
                      WHEN NOT m.ever_opted_out AND (NOT m.hired OR m.vol_day <= {dec31})
                           AND {ok_vol} AND {u_vol} < m.vol_p THEN 0
                      WHEN m.hired AND m.in_scope AND NOT m.ever_opted_out AND {pro_on}
                           AND {ok_pro} AND {u_pro} < m.vol_p THEN 1
                      WHEN NOT m.hired AND NOT m.ever_opted_out AND {yoy_on}
                           AND {ok_yoy} AND {u_yoy} < m.yoy_p THEN 2
                      WHEN m.in_scope AND {ok_ae} THEN 3 END AS enr_cat
             FROM inputs m, wfs_year y),
         decided AS (
             SELECT m.hired, m.idx::UINTEGER AS idx, m.elig_day::INTEGER AS elig_day,
                 m.enr_cat::UTINYINT AS enr_cat, m.rate,
                 (CASE m.enr_cat WHEN 0 THEN m.vol_day WHEN 1 THEN m.pro_day
                                 WHEN 2 THEN {jun15} WHEN 3 THEN m.ae_day END)::INTEGER AS enr_day,
                 CASE m.enr_cat WHEN 0 THEN {vol_rate} WHEN 1 THEN {pro_rate}
                                WHEN 2 THEN {yoy_rate} WHEN 3 THEN {ae_rate} END AS enr_rate,
                 CASE m.enr_cat WHEN 0 THEN m.vol_p WHEN 1 THEN m.vol_p WHEN 2 THEN m.yoy_p
                                WHEN 3 THEN {one} END AS enr_prob,
                 (CASE WHEN m.enr_cat = 3 AND m.opt_day_c <= m.boundary AND {u_opt} < m.p_opt
                       THEN m.opt_day_c END)::INTEGER AS opt_day,
                 m.p_opt AS opt_prob,
                 wfs_round_rate({match_raw}) AS mr_new,
                 CASE WHEN m.rate < {ceiling} THEN {up} ELSE {down} END AS mr_prob,
                 {escalation} AS esc_new
             FROM resolved m, wfs_year y),
         final_rows AS (
             SELECT m.*,
                 CASE WHEN abs(m.mr_new - m.rate) > {eps} THEN m.mr_new END AS mr_rate,
                 CASE WHEN m.esc_new - m.rate >= {esc_min} THEN m.esc_new END AS esc_rate
             FROM decided m)
         SELECT hired, idx, elig_day, enr_cat, enr_day, enr_rate, enr_prob, opt_day,
                CASE WHEN opt_day IS NOT NULL THEN opt_prob END AS opt_prob,
                mr_rate, mr_prob, esc_rate
         FROM final_rows
         WHERE elig_day IS NOT NULL OR enr_cat IS NOT NULL OR mr_rate IS NOT NULL
            OR esc_rate IS NOT NULL;",
        never = NO_TERMINATION,
        min_age = e.minimum_age,
        enroll_wait = e.enrollment_waiting_period_days,
        pmin = v.proactive_min_days,
        u_timing = u("proactive_timing"),
        span = lit((v.proactive_max_days - v.proactive_min_days) as f64),
        window = ae.window_days,
        opt_wait = ae.window_days + ae.opt_out_grace_period_days,
        ok_vol = ok("m.vol_day"),
        ok_pro = ok("m.pro_day"),
        ok_yoy = ok(&jun15.to_string()),
        ok_ae = ok("m.ae_day"),
        u_vol = u("voluntary"),
        pro_on = b(v.proactive_enabled),
        u_pro = u("proactive"),
        yoy_on = b(v.year_over_year_enabled),
        u_yoy = u("yoy"),
        vol_rate = vol_rate("voluntary_magnet"),
        pro_rate = vol_rate("proactive_magnet"),
        yoy_rate = pick(&enrollment::YOY_RATES, &vseg),
        ae_rate = lit(ae.default_deferral_rate),
        u_opt = u("opt_out"),
        up = lit(mr.up_participation),
        down = lit(mr.down_participation),
        eps = lit(match_response::MIN_CHANGE),
        esc_min = lit(escalation::MIN_INCREASE),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use workforce_sim_core::rng::{draw, Rng};

    fn scalar_u64(engine: &SqlEngine, sql: &str) -> u64 {
        let b = engine.query(sql).unwrap();
        col::<UInt64Array>(&b[0], 0).unwrap().value(0)
    }

    #[test]
    fn rng_functions_and_macros_match_the_test_vectors() {
        for mode in [SqlRng::Functions, SqlRng::Macros] {
            test_vectors(&SqlEngine::with_rng(mode).unwrap());
        }
    }

    #[test]
    fn rng_functions_and_macros_agree_on_many_inputs() {
        let sql = "SELECT sum(wfs_mix(xor(range::UBIGINT << 37, range::UBIGINT)) % 1000000007)::UBIGINT,
                          sum(wfs_fnv('NH_2031_' || lpad(range::VARCHAR, 6, '0')) % 1000000007)::UBIGINT
                   FROM range(20000)";
        let a = SqlEngine::with_rng(SqlRng::Functions)
            .unwrap()
            .query(sql)
            .unwrap();
        let b = SqlEngine::with_rng(SqlRng::Macros)
            .unwrap()
            .query(sql)
            .unwrap();
        let (a0, a1) = (
            col::<UInt64Array>(&a[0], 0).unwrap().value(0),
            col::<UInt64Array>(&a[0], 1).unwrap().value(0),
        );
        let (b0, b1) = (
            col::<UInt64Array>(&b[0], 0).unwrap().value(0),
            col::<UInt64Array>(&b[0], 1).unwrap().value(0),
        );
        let mut mix_sum = 0u128;
        let mut fnv_sum = 0u128;
        for k in 0..20_000u64 {
            mix_sum += (workforce_sim_core::rng::mix((k << 37) ^ k) % 1_000_000_007) as u128;
            fnv_sum += (fnv1a64(format!("NH_2031_{k:06}").as_bytes()) % 1_000_000_007) as u128;
        }
        assert_eq!((a0 as u128, a1 as u128), (mix_sum, fnv_sum));
        assert_eq!((a0, a1), (b0, b1));
    }

    /// The pure-SQL RNG drives the whole engine to the native results: three years of
    /// foundation, events and snapshots on a 400-employee census.
    #[test]
    fn the_macro_rng_gives_the_native_years() {
        run_against_native(&SqlEngine::with_rng(SqlRng::Macros).unwrap(), 400);
    }

    /// Statements per year do not grow with the workforce (issue 5).
    #[test]
    fn statements_per_year_do_not_depend_on_the_headcount() {
        let (small, large) = (SqlEngine::new().unwrap(), SqlEngine::new().unwrap());
        run_against_native(&small, 150);
        run_against_native(&large, 3_000);
        assert!(
            small.statements() >= 3 * 10,
            "{} statements",
            small.statements()
        );
        assert_eq!(small.statements(), large.statements());
    }

    /// Three years with `sql` beside the native engine, each step compared.
    fn run_against_native(sql: &SqlEngine, employees: usize) {
        use workforce_sim_core::engine::native::NativeEngine;
        use workforce_sim_core::year::{band_tables, CensusInput, PreparedCensus};
        let mut config = workforce_sim_core::Config::default();
        config.simulation.end_year = config.simulation.start_year + 2;
        let config = config.validate().unwrap();
        let census = PreparedCensus::prepare(
            &config,
            &CensusInput::synthetic(&config, employees, 17),
            None,
        )
        .unwrap();
        let (age_bands, tenure_bands) = band_tables(&config);
        let mut prior = census.staged.baseline.clone();
        for year in config.years() {
            let ctx = YearContext::new(&config, year, &age_bands, &tenure_bands);
            let f = NativeEngine.foundation(&ctx, &prior).unwrap();
            assert_eq!(
                sql.foundation(&ctx, &prior).unwrap(),
                f,
                "foundation {year}"
            );
            let native = NativeEngine.generate(&ctx, &prior, &f).unwrap();
            let events = sql.generate(&ctx, &prior, &f).unwrap();
            assert!(events == native, "events of {year}");
            assert!(
                native.len() > employees / 10,
                "a real year: {} events",
                native.len()
            );
            let snapshot = sql.accumulate(&ctx, &prior, &events).unwrap();
            assert!(
                snapshot == NativeEngine.accumulate(&ctx, &prior, &native).unwrap(),
                "snapshot {year}"
            );
            prior = snapshot.next_workforce();
        }
    }

    fn test_vectors(engine: &SqlEngine) {
        assert_eq!(scalar_u64(engine, "SELECT wfs_mix(42)"), 0xa759ea27d4727622);
        assert_eq!(
            scalar_u64(engine, "SELECT wfs_fnv('EMP_000001')"),
            0x397ecbaab3348651
        );
        assert_eq!(
            scalar_u64(engine, "SELECT wfs_fnv('termination|select')"),
            draw::TERMINATION_SELECT.code
        );
        let h = scalar_u64(
            engine,
            "SELECT wfs_mix(xor(wfs_mix(xor(wfs_mix(42), wfs_fnv('EMP_000001'))), \
             wfs_mix(xor(2025::UBIGINT << 32, wfs_fnv('termination|select')))))",
        );
        assert_eq!(h, 0x0862673a7c002009);
        let rng = Rng::new(7);
        for k in [0u64, 1, 0xdead_beef, u64::MAX] {
            let sql = format!("SELECT wfs_mix(xor(wfs_mix(7), {k}::UBIGINT))");
            assert_eq!(scalar_u64(engine, &sql), rng.employee(k), "key {k}");
        }
        let b = engine
            .query(&format!(
                "SELECT wfs_unit({}::UBIGINT)",
                0xfe86df17c220b3d0u64
            ))
            .unwrap();
        assert_eq!(
            col::<Float64Array>(&b[0], 0).unwrap().value(0),
            workforce_sim_core::rng::unit(0xfe86df17c220b3d0)
        );
    }
}
