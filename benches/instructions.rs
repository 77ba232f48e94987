//! Instruction counts (gungraun, under callgrind): one bench per phase and one end-to-end
//! run, on small inputs (valgrind runs 20-50x slower than native). Counts are identical run to
//! run for the same binary and inputs, so CI gates on them against the committed baselines in
//! `baselines/gungraun/` (see `scripts/instructions.sh`).

use gungraun::{library_benchmark, library_benchmark_group, main};
use std::hint::black_box;
use workforce_sim::engine::native::{self, NativeEngine};
use workforce_sim::engine::publish::publish;
use workforce_sim::engine::Decisions;
use workforce_sim::engine::{Engine, Foundation, YearContext};
use workforce_sim::events::YearEvents;
use workforce_sim::rules::bands::BandTable;
use workforce_sim::rules::parameters::YearParameters;
use workforce_sim::year::band_tables;
use workforce_sim::{Config, GeneratorParams, PreparedCensus, RunOptions, ValidConfig, Workforce};

/// A prepared start-of-year state (built in setup; not counted).
pub struct Prepared {
    config: ValidConfig,
    census: PreparedCensus,
    bands: (BandTable, BandTable),
    foundation: Foundation,
    decisions: Decisions,
    events: YearEvents,
    snapshot: workforce_sim::Snapshot,
}

impl Prepared {
    fn ctx(&self) -> YearContext<'_> {
        YearContext {
            config: &self.config,
            year: 2025,
            params: YearParameters::new(&self.config, 2025),
            age_bands: &self.bands.0,
            tenure_bands: &self.bands.1,
        }
    }
    fn prior(&self) -> &Workforce {
        &self.census.staged.baseline
    }
}

fn prepare(n: usize) -> Prepared {
    let mut config = Config::default();
    config.simulation.end_year = 2026;
    let config = config.validate().expect("valid");
    let census = workforce_sim::prepare_census(
        &config,
        &workforce_sim::CensusInput::Synthetic(GeneratorParams::new(n, 2024, 42)),
    )
    .unwrap();
    let bands = band_tables(&config);
    let ctx = YearContext {
        config: &config,
        year: 2025,
        params: YearParameters::new(&config, 2025),
        age_bands: &bands.0,
        tenure_bands: &bands.1,
    };
    let prior = &census.staged.baseline;
    let foundation = NativeEngine.foundation(&ctx, prior).expect("foundation");
    let decisions = native::decide(&ctx, prior, &foundation);
    let events = publish(&ctx, prior, decisions.clone());
    let snapshot = NativeEngine
        .accumulate(&ctx, prior, &events)
        .expect("accumulate");
    Prepared {
        config: config.clone(),
        census,
        bands: band_tables(&config),
        foundation,
        decisions,
        events,
        snapshot,
    }
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

fn census_only(n: usize) -> (ValidConfig, PreparedCensus) {
    let p = prepare(n);
    (p.config, p.census)
}

#[library_benchmark]
#[bench::n500x2(args = (500), setup = census_only, teardown = discard)]
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

/// Teardown: drops a bench's output and input outside the counted region.
fn discard<T>(value: T) {
    drop(value);
}

library_benchmark_group!(
    name = phases;
    benchmarks = workforce_needs, experienced_terminations, hires, new_hire_terminations, promotions, raises, plan_events, publish_ledger, state_accumulation, validation
);

library_benchmark_group!(
    name = workflow;
    benchmarks = end_to_end
);

main!(library_benchmark_groups = phases, workflow);
