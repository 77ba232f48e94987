//! End-to-end multi-year simulation per scenario: in memory, into a DuckDB file (the
//! default), and into a DuckDB file with every stage materialised (the naive orchestration),
//! so the report can show the orchestration overhead. Throughput is employee-years.
//!
//! `cargo bench --bench workflow` (add `WFS_BENCH_LARGE=1` for the 50k and 100k scenarios;
//! `-- --profile-time 10` writes a flamegraph per bench instead of measuring).

mod common;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use workforce_sim::{simulate_in_memory, simulate_to_database, RunOptions};

#[global_allocator]
static ALLOC: common::CountingAlloc = common::CountingAlloc;

fn options(naive: bool) -> RunOptions {
    RunOptions {
        threads: 1,
        materialize_stages: naive,
        ..Default::default()
    }
}

fn workflow(c: &mut Criterion) {
    let mut group = c.benchmark_group("workflow");
    for s in common::scenarios() {
        let config = s.config();
        let census = s.census();
        // One untimed run: employee-years, digest, memory.
        let (run, mem) =
            common::measure(|| simulate_in_memory(&config, census, &options(false)).expect("run"));
        let employee_years: u64 = run.years.iter().map(|y| y.2.len() as u64).sum();
        let digest = workforce_sim::digest::run_digest(run.years.iter().map(|y| (&y.1, &y.2)));
        drop(run);
        common::record(
            "workflow",
            "in_memory",
            s.name,
            mem,
            Some(&digest),
            employee_years,
        );
        group.throughput(Throughput::Elements(employee_years));
        if s.employees >= 50_000 {
            group
                .sample_size(10)
                .measurement_time(std::time::Duration::from_secs(8));
        }
        group.bench_with_input(BenchmarkId::new("in_memory", s.name), &s, |b, _| {
            b.iter(|| black_box(simulate_in_memory(&config, census, &options(false)).expect("run")))
        });
        for (name, naive) in [("duckdb", false), ("duckdb_naive", true)] {
            let input = workforce_sim::CensusInput::Records {
                records: census
                    .staged
                    .rows
                    .iter()
                    .map(|r| r.record.clone())
                    .collect(),
                source: s.name.into(),
            };
            let dir = tempfile::tempdir().expect("tempdir");
            let (_, mem) = common::measure(|| {
                simulate_to_database(
                    &config,
                    &input,
                    &dir.path().join("m.duckdb"),
                    &options(naive),
                    &mut |_| {},
                )
                .expect("run")
            });
            common::record("workflow", name, s.name, mem, Some(&digest), employee_years);
            group.bench_with_input(BenchmarkId::new(name, s.name), &s, |b, _| {
                b.iter_batched(
                    || tempfile::tempdir().expect("tempdir"),
                    |dir| {
                        let r = simulate_to_database(
                            &config,
                            &input,
                            &dir.path().join("b.duckdb"),
                            &options(naive),
                            &mut |_| {},
                        )
                        .expect("run");
                        black_box(r);
                        dir
                    },
                    BatchSize::PerIteration,
                )
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = workflow
}
criterion_main!(benches);
