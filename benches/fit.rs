//! Fitting, backtesting and the design search (issue 28's targets on 2 cores: a fit of 5
//! snapshots x 100,000 employees in <= 5 s, a backtest of 20 seeds on 5,000 employees in
//! <= 3 s; issue 29's: `examples/optimize.toml`'s search with the runs per second it
//! sustains).
//!
//! The `fit` group fits a history of five year-end snapshots of a simulated run (made once,
//! in memory), from the snapshots' rows: the history's checks, every year's flows, the
//! estimates and the two IPF models, and the overlay; throughput in employee-snapshots.
//! Reading the files adds the census reader's cost (`workforce-sim fit` on CSV files; see
//! docs/figures.md). The `backtest` group backtests a 5,000-employee history of five
//! snapshots (fit four, hold out one) over 20 seeds, two threads.
//!
//! The `optimize` group runs `examples/optimize.toml` (45 designs on the default 5,000 x 5
//! workforce, up to 40 seeds) with racing from 5 seeds, throughput in runs per second. The
//! `optimize_125` group runs `examples/optimize-125.toml` (125 designs x 20 seeds, issue 29's
//! target of <= 60 s on 2 cores) as the full grid and with racing, side by side
//! (`cargo bench --bench fit -- optimize_125`, about 10 minutes).
//!
//! `cargo bench --bench fit` (`WFS_BENCH_LARGE=1` adds the fit of 100,000 employees).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use workforce_sim::fit::backtest::{BacktestOptions, Bands};
use workforce_sim::fit::export::snapshot_from_run;
use workforce_sim::fit::{backtest, fit, FitOptions, History};
use workforce_sim::{Config, GeneratorParams, RunOptions, ValidConfig};

fn config() -> ValidConfig {
    let mut c = Config::default();
    c.simulation.start_year = 2025;
    c.simulation.end_year = 2029;
    c.validate().expect("valid")
}

/// Five year-end snapshots of a simulated run of `n` employees.
fn history(n: usize) -> History {
    let config = config();
    let census = workforce_sim::prepare_census(
        &config,
        &workforce_sim::CensusInput::Synthetic(GeneratorParams::new(n, 2024, 42)),
    )
    .expect("census");
    let run = workforce_sim::simulate_in_memory(
        &config,
        &census,
        &RunOptions {
            threads: 2,
            ..Default::default()
        },
    )
    .expect("run");
    let snapshots = run
        .years
        .iter()
        .map(|(_, _, s)| snapshot_from_run(s, "bench"))
        .collect();
    History::from_snapshots(snapshots, false).expect("history")
}

fn benches(c: &mut Criterion) {
    let defaults = Config::default().validate().expect("defaults");
    let mut g = c.benchmark_group("fit");
    g.sample_size(10);
    let mut sizes = vec![5_000usize];
    if std::env::var_os("WFS_BENCH_LARGE").is_some() {
        sizes.push(100_000);
    }
    for n in sizes {
        let h = history(n);
        let rows: usize = h.snapshots.iter().map(|s| s.people.len()).sum();
        g.throughput(Throughput::Elements(rows as u64));
        g.bench_with_input(BenchmarkId::new("fit", format!("5x{n}")), &h, |b, h| {
            b.iter(|| {
                let f = fit(black_box(h), &defaults, &FitOptions::default()).expect("fit");
                black_box(f.overlay_text(&defaults, None).expect("overlay"))
            })
        });
    }
    g.finish();
    let mut g = c.benchmark_group("backtest");
    g.sample_size(10);
    let h = history(5_000);
    let options = BacktestOptions {
        holdout: 1,
        seeds: 20,
        threads: 2,
        fit: FitOptions::default(),
        bands: Bands::default(),
        parameter_uncertainty: true,
    };
    g.throughput(Throughput::Elements(20));
    g.bench_with_input(BenchmarkId::new("seeds", "20x5000"), &h, |b, h| {
        b.iter(|| black_box(backtest(black_box(h), &defaults, &options).expect("backtest")))
    });
    g.finish();
    let spec = workforce_sim::batch::optimize::Spec::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/optimize.toml"),
    )
    .expect("examples/optimize.toml");
    let runs = workforce_sim::batch::optimize::optimize(&spec, 2)
        .expect("optimize")
        .runs;
    let mut g = c.benchmark_group("optimize");
    g.sample_size(10);
    g.throughput(Throughput::Elements(runs));
    g.bench_with_input(BenchmarkId::new("racing", "45x5000"), &spec, |b, spec| {
        b.iter(|| black_box(workforce_sim::batch::optimize::optimize(spec, 2).expect("optimize")))
    });
    g.finish();
    // Issue 29's target: 125 designs x 20 seeds (2,500 runs) on 2 cores, the full grid
    // against racing from 5 seeds, side by side; throughput is runs, so criterion reports
    // the runs per second each sustains.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/optimize-125.toml");
    let raced =
        workforce_sim::batch::optimize::Spec::load(&path).expect("examples/optimize-125.toml");
    let dir = std::env::temp_dir().join(format!("wfs-bench-optimize-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let full_path = dir.join("optimize-125-full.toml");
    std::fs::write(
        &full_path,
        std::fs::read_to_string(&path)
            .expect("examples/optimize-125.toml")
            .replace("first_seeds = 5", "first_seeds = 20"),
    )
    .expect("write the full-grid spec");
    let full = workforce_sim::batch::optimize::Spec::load(&full_path).expect("the full-grid spec");
    let _ = std::fs::remove_dir_all(&dir);
    let mut g = c.benchmark_group("optimize_125");
    g.sample_size(10);
    for (name, spec) in [("full_grid", &full), ("racing", &raced)] {
        let runs = workforce_sim::batch::optimize::optimize(spec, 2)
            .expect("optimize")
            .runs;
        eprintln!("optimize_125/{name}: {runs} runs");
        g.throughput(Throughput::Elements(runs));
        g.bench_with_input(BenchmarkId::new(name, "125x20x5000"), spec, |b, spec| {
            b.iter(|| {
                black_box(workforce_sim::batch::optimize::optimize(spec, 2).expect("optimize"))
            })
        });
    }
    g.finish();
}

criterion_group!(fit_benches, benches);
criterion_main!(fit_benches);
