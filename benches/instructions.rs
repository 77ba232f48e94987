//! Instruction counts (gungraun, under callgrind): one bench per phase, one end-to-end run,
//! and the store (writing a year into a DuckDB file, reading a run back to resume it, the
//! participant history query), on small inputs (valgrind runs 20-50x slower than native).
//! Counts are identical run to run for the same binary and inputs, so the gate compares the
//! base and the head of a change measured in the same job (`scripts/bench-compare.sh`); the
//! committed `baselines/gungraun/` record where main stood. Each bench also writes an
//! instruction-count flamegraph, and against a baseline a differential one.

use gungraun::{
    library_benchmark, library_benchmark_group, main, Callgrind, FlamegraphConfig,
    LibraryBenchmarkConfig,
};
use std::hint::black_box;
use std::path::PathBuf;
use workforce_sim::engine::native::{self, NativeEngine};
use workforce_sim::engine::publish::publish;
use workforce_sim::engine::{Engine, Foundation};
use workforce_sim::{Config, GeneratorParams, PreparedCensus, RunOptions, ValidConfig};

#[path = "common/start_year.rs"]
mod start_year;

/// A prepared start-of-year state (built in setup; not counted).
type Prepared = start_year::StartYear;

/// The default configuration over 2025-2026 and a synthetic census of `n` (seed 42), with
/// the binary's allocator settings, as in every bench.
fn census_only(n: usize) -> (ValidConfig, PreparedCensus) {
    workforce_sim::allocator::steady_state();
    let mut config = Config::default();
    config.simulation.end_year = 2026;
    let config = config.validate().expect("valid");
    let census = workforce_sim::prepare_census(
        &config,
        &workforce_sim::CensusInput::Synthetic(GeneratorParams::new(n, 2024, 42)),
    )
    .unwrap();
    (config, census)
}

fn prepare(n: usize) -> Prepared {
    let (config, census) = census_only(n);
    Prepared::new(config, census)
}

#[library_benchmark]
#[bench::n1000(args = (1_000), setup = prepare, teardown = discard)]
fn workforce_needs(p: Prepared) -> (Foundation, Prepared) {
    let out = black_box(
        NativeEngine
            .foundation(&p.ctx(), p.prior())
            .expect("foundation"),
    );
    (out, p)
}

#[library_benchmark]
#[bench::n1000(args = (1_000), setup = prepare, teardown = discard)]
fn experienced_terminations(p: Prepared) -> (Vec<Option<i32>>, Prepared) {
    let out = black_box(native::experienced_terminations(
        &p.ctx(),
        p.prior(),
        &p.foundation,
    ));
    (out, p)
}

#[library_benchmark]
#[bench::n1000(args = (1_000), setup = prepare, teardown = discard)]
fn hires(p: Prepared) -> (usize, Prepared) {
    let out = black_box(native::new_hires(&p.ctx(), &p.foundation).len());
    (out, p)
}

#[library_benchmark]
#[bench::n1000(args = (1_000), setup = prepare, teardown = discard)]
fn new_hire_terminations(p: Prepared) -> (Vec<Option<i32>>, Prepared) {
    let out = black_box(native::new_hire_terminations(
        &p.ctx(),
        &p.decisions.hires,
        &p.foundation,
    ));
    (out, p)
}

#[library_benchmark]
#[bench::n1000(args = (1_000), setup = prepare, teardown = discard)]
fn promotions(p: Prepared) -> (usize, Prepared) {
    let out = black_box(native::promotions(&p.ctx(), p.prior(), &p.decisions.term_date).len());
    (out, p)
}

#[library_benchmark]
#[bench::n1000(args = (1_000), setup = prepare, teardown = discard)]
fn raises(p: Prepared) -> (usize, Prepared) {
    let out = black_box(native::raises(&p.ctx(), p.prior(), &p.decisions.term_date).len());
    (out, p)
}

#[library_benchmark]
#[bench::n1000(args = (1_000), setup = prepare, teardown = discard)]
fn publish_ledger(p: Prepared) -> (usize, Prepared) {
    let d = p.decisions.clone();
    let out = black_box(publish(&p.ctx(), p.prior(), d).len());
    (out, p)
}

#[library_benchmark]
#[bench::n1000(args = (1_000), setup = prepare, teardown = discard)]
fn state_accumulation(p: Prepared) -> (usize, Prepared) {
    let out = black_box(
        NativeEngine
            .accumulate(&p.ctx(), p.prior(), &p.events)
            .expect("accumulate")
            .len(),
    );
    (out, p)
}

#[library_benchmark]
#[bench::n1000(args = (1_000), setup = prepare, teardown = discard)]
fn plan_events(p: Prepared) -> (usize, Prepared) {
    let out = black_box(
        native::plan_decisions(&p.ctx(), p.prior(), &p.decisions)
            .prior
            .len(),
    );
    (out, p)
}

#[library_benchmark]
#[bench::n1000(args = (1_000), setup = prepare, teardown = discard)]
fn plan_ledger(p: Prepared) -> (usize, Prepared) {
    let out = black_box(
        workforce_sim::plan_ledger::build(&p.config, p.prior(), &p.events, &p.snapshot).len(),
    );
    (out, p)
}

#[library_benchmark]
#[bench::n1000(args = (1_000), setup = prepare, teardown = discard)]
fn validation(p: Prepared) -> (bool, Prepared) {
    let out = black_box(
        workforce_sim::validation::validate_year(
            p.prior(),
            &p.foundation,
            &p.events,
            &p.snapshot,
            &p.config,
        )
        .passed(),
    );
    (out, p)
}

/// The end-to-end bench's input, set up through [`prepare`] as it always was (the heap
/// state a setup leaves moves the counted allocations' instructions by about 1%).
fn run_input(n: usize) -> (ValidConfig, PreparedCensus) {
    let p = prepare(n);
    (p.config, p.census)
}

#[library_benchmark]
#[bench::n500x2(args = (500), setup = run_input, teardown = discard)]
fn end_to_end(
    input: (ValidConfig, PreparedCensus),
) -> (workforce_sim::InMemoryRun, (ValidConfig, PreparedCensus)) {
    let run = workforce_sim::simulate_in_memory(
        &input.0,
        &input.1,
        &RunOptions {
            threads: 1,
            ..Default::default()
        },
    )
    .unwrap();
    (black_box(run), input)
}

/// A stored run to write or read: its header, its census rows and its encoded years, and a
/// scratch directory (removed at teardown).
pub struct StoreInput {
    dir: tempfile::TempDir,
    header: workforce_sim::store::RunHeader,
    census: PreparedCensus,
    years: Vec<workforce_sim::store::EncodedYear>,
}

/// A run of `n` employees x 2 years encoded for the store (setup: not counted). DuckDB runs
/// with one worker thread, so its own work is counted the same way every time.
fn store_input(n: usize) -> StoreInput {
    workforce_sim::store::set_database_threads(1);
    let (config, census) = census_only(n);
    let run = workforce_sim::simulate_in_memory(
        &config,
        &census,
        &RunOptions {
            threads: 1,
            ..Default::default()
        },
    )
    .unwrap();
    let years = run
        .years
        .iter()
        .zip(&run.report.years)
        .zip(&run.plan_ledgers)
        .zip(&run.balances)
        .map(|((((f, e, s), r), l), b)| {
            workforce_sim::store::EncodedYear::new(&workforce_sim::store::YearTables {
                foundation: f,
                events: e,
                snapshot: s,
                plan_ledger: l,
                balances: b,
                compliance_tests: &r.compliance_tests,
                summary: &r.summary,
                timings: &[],
            })
            .expect("encode")
        })
        .collect();
    let header = workforce_sim::store::RunHeader {
        run_id: "bench".into(),
        engine: "native".into(),
        config,
        census_source: "bench".into(),
        census_fingerprint: workforce_sim::store::census_fingerprint(&census.staged.rows),
        baseline_headcount: census.staged.baseline.len() as u64,
        threads: 1,
        format: "duckdb",
    };
    StoreInput {
        dir: tempfile::tempdir().expect("tempdir"),
        header,
        census,
        years,
    }
}

impl StoreInput {
    fn db(&self) -> PathBuf {
        self.dir.path().join("run.duckdb")
    }
    /// Writes the run's first `years` years (and closes the run when all are written).
    fn write(&self, years: usize) {
        let mut store = workforce_sim::store::Store::open(&self.db()).expect("open");
        store
            .begin_run(&self.header, &self.census.staged.rows)
            .expect("begin");
        for y in &self.years[..years] {
            store.write_encoded(y).expect("year");
        }
        if years == self.years.len() {
            store.finish_run(0.0).expect("finish");
        }
    }
}

/// A database holding the run's first year only: what a resume starts from.
fn stored_first_year(n: usize) -> StoreInput {
    let s = store_input(n);
    s.write(1);
    s
}

/// The whole run stored, for the history query.
fn stored_run(n: usize) -> StoreInput {
    let s = store_input(n);
    s.write(s.years.len());
    s
}

#[library_benchmark]
#[bench::n100(args = (100), setup = store_input, teardown = discard)]
fn write_year(s: StoreInput) -> StoreInput {
    // A new file: schema, run header and census rows, one year's tables, the checkpoint.
    let mut store = workforce_sim::store::Store::open(&s.db()).expect("open");
    store
        .begin_run(&s.header, &s.census.staged.rows)
        .expect("begin");
    store.write_encoded(&s.years[0]).expect("year");
    drop(black_box(store));
    s
}

#[library_benchmark]
#[bench::n100(args = (100), setup = stored_first_year, teardown = discard)]
fn resume(s: StoreInput) -> (usize, StoreInput) {
    // What a resume reads: where the run stopped and the last committed year's workforce.
    let store = workforce_sim::store::Store::open(&s.db()).expect("open");
    let point = store.resume_point().expect("resume point");
    let workforce = store
        .load_workforce(point.last_committed_year)
        .expect("workforce");
    (black_box(workforce.len()), s)
}

#[library_benchmark]
#[bench::n100(args = (100), setup = stored_run, teardown = discard)]
fn participant_history(s: StoreInput) -> (usize, StoreInput) {
    let h = workforce_sim::participant_history(&s.db(), "EMP_000050").expect("history");
    (black_box(h.to_table().len()), s)
}

/// Teardown: drops a bench's output and input outside the counted region.
fn discard<T>(value: T) {
    drop(value);
}

library_benchmark_group!(
    name = phases;
    benchmarks = workforce_needs, experienced_terminations, hires, new_hire_terminations, promotions, raises, plan_events, publish_ledger, state_accumulation, plan_ledger, validation
);

library_benchmark_group!(
    name = workflow;
    benchmarks = end_to_end
);

library_benchmark_group!(
    name = store;
    benchmarks = write_year, resume, participant_history
);

/// Callgrind counting instructions only (no cache simulation: the gate reads `Ir`, and the
/// simulation doubles valgrind's time), with an instruction-count flamegraph per bench (and a
/// differential one against a baseline) when `WFS_BENCH_FLAMEGRAPH=1`.
fn callgrind() -> Callgrind {
    let mut c = Callgrind::with_args(["--cache-sim=no"]);
    if std::env::var("WFS_BENCH_FLAMEGRAPH").is_ok_and(|v| v == "1") {
        c.flamegraph(FlamegraphConfig::default());
    }
    c
}

main!(
    config = LibraryBenchmarkConfig::default().tool(callgrind());
    library_benchmark_groups = phases, workflow, store
);
