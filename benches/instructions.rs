//! Instruction counts (gungraun, under callgrind): one bench per phase and one end-to-end
//! run, on small inputs (valgrind runs 20-50x slower than native). Counts are identical run to
//! run for the same binary and inputs, so CI gates on them against the committed baselines in
//! `baselines/gungraun/` (see `scripts/instructions.sh`).

use gungraun::{library_benchmark, library_benchmark_group, main};
use std::hint::black_box;
use workforce_sim::engine::native::{self, Decisions, NativeEngine};
use workforce_sim::engine::{Engine, Foundation, YearContext};
use workforce_sim::events::YearEvents;
use workforce_sim::orchestrator::band_tables;
use workforce_sim::rules::bands::BandTable;
use workforce_sim::rules::parameters::YearParameters;
use workforce_sim::{Config, GeneratorParams, PreparedCensus, RunOptions, Workforce};

/// A prepared start-of-year state (built in setup; not counted).
pub struct Prepared {
    config: Config,
    census: PreparedCensus,
    bands: (BandTable, BandTable),
    foundation: Foundation,
    decisions: Decisions,
    events: YearEvents,
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
    let census = workforce_sim::prepare_census(
        &config,
        &workforce_sim::CensusInput::Synthetic(GeneratorParams::new(n, 2024, 42)),
    )
    .unwrap();
    let bands = band_tables(&config);
    let mut p = Prepared {
        config,
        census,
        bands,
        foundation: Foundation {
            year: 0,
            needs: workforce_sim::rules::workforce_needs::solve(0, 0, 0, 0.0, 0.0, 0.0),
            termination_quotas: vec![],
            hire_quotas: vec![],
        },
        decisions: Decisions {
            term_date: vec![],
            hires: vec![],
            nh_term_date: vec![],
            promotions: vec![],
            raises: vec![],
        },
        events: YearEvents::default(),
    };
    p.foundation = NativeEngine.foundation(&p.ctx(), p.prior());
    p.decisions = native::decide(&p.ctx(), p.prior(), &p.foundation);
    p.events = native::publish(&p.ctx(), p.prior(), p.decisions.clone());
    p
}

#[library_benchmark]
#[bench::n1000(args = (1_000), setup = prepare)]
fn workforce_needs(p: Prepared) -> Foundation {
    black_box(NativeEngine.foundation(&p.ctx(), p.prior()))
}

#[library_benchmark]
#[bench::n1000(args = (1_000), setup = prepare)]
fn experienced_terminations(p: Prepared) -> Vec<i32> {
    black_box(native::experienced_terminations(
        &p.ctx(),
        p.prior(),
        &p.foundation,
    ))
}

#[library_benchmark]
#[bench::n1000(args = (1_000), setup = prepare)]
fn hires(p: Prepared) -> usize {
    black_box(native::new_hires(&p.ctx(), &p.foundation).len())
}

#[library_benchmark]
#[bench::n1000(args = (1_000), setup = prepare)]
fn new_hire_terminations(p: Prepared) -> Vec<i32> {
    black_box(native::new_hire_terminations(
        &p.ctx(),
        &p.decisions.hires,
        &p.foundation,
    ))
}

#[library_benchmark]
#[bench::n1000(args = (1_000), setup = prepare)]
fn promotions(p: Prepared) -> usize {
    black_box(native::promotions(&p.ctx(), p.prior(), &p.decisions.term_date).len())
}

#[library_benchmark]
#[bench::n1000(args = (1_000), setup = prepare)]
fn raises(p: Prepared) -> usize {
    black_box(native::raises(&p.ctx(), p.prior(), &p.decisions.term_date).len())
}

#[library_benchmark]
#[bench::n1000(args = (1_000), setup = prepare)]
fn publish_ledger(p: Prepared) -> usize {
    let d = p.decisions.clone();
    black_box(native::publish(&p.ctx(), p.prior(), d).len())
}

#[library_benchmark]
#[bench::n1000(args = (1_000), setup = prepare)]
fn state_accumulation(p: Prepared) -> usize {
    black_box(NativeEngine.accumulate(p.prior(), &p.events).len())
}

#[library_benchmark]
#[bench::n1000(args = (1_000), setup = prepare)]
fn validation(p: Prepared) -> bool {
    let s = NativeEngine.accumulate(p.prior(), &p.events);
    black_box(
        workforce_sim::validation::validate_year(p.prior(), &p.foundation, &p.events, &s, 5)
            .passed(),
    )
}

fn census_only(n: usize) -> (Config, PreparedCensus) {
    let p = prepare(n);
    (p.config, p.census)
}

#[library_benchmark]
#[bench::n500x2(args = (500), setup = census_only)]
fn end_to_end(input: (Config, PreparedCensus)) -> usize {
    let run = workforce_sim::simulate_in_memory(
        &input.0,
        &input.1,
        &RunOptions {
            threads: 1,
            ..Default::default()
        },
    )
    .unwrap();
    black_box(run.years.len())
}

library_benchmark_group!(
    name = phases;
    benchmarks = workforce_needs, experienced_terminations, hires, new_hire_terminations, promotions, raises, publish_ledger, state_accumulation, validation
);

library_benchmark_group!(
    name = workflow;
    benchmarks = end_to_end
);

main!(library_benchmark_groups = phases, workflow);
