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
//!
//! Files: [`rng`] the SQL draws, `literal` the constants as SQL text, `staging` the year's
//! tables, `steps` steps 3-8, `plan` steps 9-12, `decode` reading the results back; this
//! file the engine itself.

#![warn(missing_docs)]

mod decode;
mod literal;
mod plan;
pub mod rng;
mod staging;
mod steps;

use decode::{cell, col, decode_hires, decode_plan};
use duckdb::arrow::array::{Float64Array, Int32Array, UInt32Array, UInt64Array, UInt8Array};
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::Connection;
use plan::plan_sql;
use rng::{FnvFunction, MixFunction, HELPER_MACROS};
pub use rng::{SqlRng, RNG_MACROS};
use staging::{employee_keys_sql, stage_prior, stage_year, year_codes_sql};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use steps::{hires_sql, new_hire_terminations_sql, promotions_sql, raises_sql, terminations_sql};
use workforce_sim_core::engine::decisions::{Col, Decisions, Decoder};
use workforce_sim_core::engine::foundation::{
    foundation_from_counts, prior_hire_window, WorkforceCounts,
};
use workforce_sim_core::engine::{Engine, EngineError, EngineKind, Foundation, YearContext};
use workforce_sim_core::state::Workforce;

/// The engine: a private in-memory DuckDB with the RNG macros installed.
pub struct SqlEngine {
    conn: Mutex<Connection>,
    /// Which P(N) `wfs_prior` holds: (year, address and length of its id column). The
    /// foundation stages it; `decide` for the same workforce reuses it.
    staged: Mutex<Option<(i32, usize, usize)>>,
    /// SQL statements sent since the engine was created (Arrow appends not counted).
    statements: AtomicU64,
}

pub(crate) fn err<E: std::fmt::Display>(
    year: i32,
    step: &'static str,
) -> impl Fn(E) -> EngineError {
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

#[cfg(test)]
mod tests {
    use super::*;
    use workforce_sim_core::rng::{draw, fnv1a64, Rng};

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

    /// Statements per year do not grow with the workforce.
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
