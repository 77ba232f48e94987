//! The three event-generation engines side by side: native Rust, Polars lazy
//! expressions and DuckDB SQL, each running the whole in-memory simulation (decisions by the
//! engine, then the shared ledger publication and accumulators) on the same scenarios, in one
//! group with employee-year throughput. An untimed run per engine first checks that its
//! output digest equals native's, so a bench never compares engines that disagree.
//!
//! `cargo bench --bench engines` (`-- --profile-time 10` writes a flamegraph per bench).

mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use workforce_sim::{simulate_in_memory, EngineKind, RunOptions};

#[global_allocator]
static ALLOC: common::CountingAlloc = common::CountingAlloc;

/// The scenarios of the engine comparison.
const SCENARIOS: [&str; 4] = ["quick", "1kx3", "5kx5", "medium"];

fn options(engine: EngineKind) -> RunOptions {
    RunOptions {
        engine,
        threads: 1,
        ..Default::default()
    }
}

fn engines(c: &mut Criterion) {
    let mut group = c.benchmark_group("engines");
    for s in common::scenarios()
        .into_iter()
        .filter(|s| common::quick() || SCENARIOS.contains(&s.name))
    {
        let config = s.config();
        let census = s.census();
        let mut native_digest = None;
        for engine in EngineKind::ALL {
            let (run, mem) = common::measure(|| {
                simulate_in_memory(&config, census, &options(engine)).expect("run")
            });
            let employee_years: u64 = run.years.iter().map(|y| y.2.len() as u64).sum();
            let digest = workforce_sim::digest::run_digest(run.years.iter().map(|y| (&y.1, &y.2)));
            drop(run);
            let expected = native_digest.get_or_insert_with(|| digest.clone());
            assert_eq!(
                &digest,
                expected,
                "{} engine disagrees with native on {}",
                engine.as_str(),
                s.name
            );
            common::record(
                "engines",
                engine.as_str(),
                s.name,
                mem,
                Some(&digest),
                employee_years,
            );
            group.throughput(Throughput::Elements(employee_years));
            group.bench_with_input(BenchmarkId::new(engine.as_str(), s.name), &s, |b, _| {
                b.iter(|| {
                    black_box(simulate_in_memory(&config, census, &options(engine)).expect("run"))
                })
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = engines
}
criterion_main!(benches);
