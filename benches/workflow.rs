//! End-to-end multi-year simulation per scenario: in memory, in memory with the Python
//! package's Arrow tables (`arrow`: `simulate_to_arrow`, its events, snapshot, needs and
//! summary encoded beside the loop), into a DuckDB file (the default), and into a DuckDB
//! file with every stage materialised (the naive orchestration), so the report can show the
//! orchestration overhead. Throughput is employee-years.
//!
//! The `persistence` group writes the same simulated years (5,000 x 5, and 100,000 x 10 with
//! `WFS_BENCH_LARGE=1`; prepared once) side by side through: the store from the simulation's
//! columns (`store`: encoding, inserts, commits, checkpoint), the store from batches already
//! encoded (`store_encoded`), the Parquet output (`parquet`), and a limit path written here
//! (`limit`): the same Arrow batches as Parquet files inserted by DuckDB itself
//! (`INSERT ... SELECT * FROM read_parquet`, one transaction per year, one checkpoint).
//!
//! The `batch` group runs an ensemble of 200 seeds of the default 5,000 x 5 run (one
//! scenario, summaries persisted to a DuckDB file; then the same with the first seed kept in
//! full; then summaries on one worker thread: runs per second per core), throughput in runs
//! per second.
//!
//! The `limit` group (issue 31) measures the keyed-draw limit: one keyed draw and one compare
//! per employee-year over the same columns as the run (each year's snapshot's id keys, their
//! per-employee halves, the year code, a probability per row), beside the in-memory run of the
//! same scenario with the same throughput (employee-years); the run's cost as a multiple of the
//! limit is measured side by side in the same process and printed and recorded
//! (`bench-extra/limit/ratio-SCENARIO.json`).
//!
//! The `memory` step (not timed) prints the peak Rust heap of a database run per employee-year
//! at 10,000 x 10 (and 100,000 x 10 with `WFS_BENCH_LARGE=1`): with the process's peak RSS
//! from `/usr/bin/time`, it splits a run's memory between the simulation and DuckDB.
//!
//! `cargo bench --bench workflow` (add `WFS_BENCH_LARGE=1` for the 50k and 100k scenarios;
//! `-- --profile-time 10` writes a flamegraph per bench instead of measuring).

mod common;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use workforce_sim::store::{
    census_fingerprint, EncodedYear, ParquetOut, RunHeader, Store, YearTables,
};
use workforce_sim::{simulate_in_memory, simulate_to_arrow, simulate_to_database, RunOptions};

#[global_allocator]
static ALLOC: common::CountingAlloc = common::CountingAlloc;

fn options(naive: bool) -> RunOptions {
    RunOptions {
        threads: 1,
        materialize_stages: naive,
        ..Default::default()
    }
}

/// [`simulate_to_arrow`] and its four eager tables.
fn arrow_tables(
    config: &workforce_sim::ValidConfig,
    census: &workforce_sim::PreparedCensus,
) -> (workforce_sim::ArrowRun, usize) {
    let run = simulate_to_arrow(config, census, &options(false)).expect("run");
    let rows = workforce_sim::arrow_run::EAGER
        .iter()
        .map(|t| {
            run.table(t)
                .expect("table")
                .iter()
                .map(|b| b.num_rows())
                .sum::<usize>()
        })
        .sum();
    (run, rows)
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
        // The same run with its events, snapshot, needs and summary as Arrow record batches
        // (encoded on a second thread beside the loop): what the Python package returns.
        let (_, mem) = common::measure(|| arrow_tables(&config, census));
        common::record("workflow", "arrow", s.name, mem, None, employee_years);
        group.bench_with_input(BenchmarkId::new("arrow", s.name), &s, |b, _| {
            b.iter(|| black_box(arrow_tables(&config, census)))
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

/// The persistence contents: `(name, employees, years)`.
fn persistence_contents() -> Vec<(&'static str, usize, i32)> {
    if common::quick() {
        return vec![("100x2", 100, 2)];
    }
    let mut v = vec![("5000x5", 5_000, 5)];
    if std::env::var("WFS_BENCH_LARGE").is_ok_and(|v| v == "1") {
        v.push(("100000x10", 100_000, 10));
    }
    v
}

fn persistence(c: &mut Criterion) {
    let mut group = c.benchmark_group("persistence");
    group.sample_size(10);
    for (name, employees, years) in persistence_contents() {
        let mut config = workforce_sim::Config::default();
        config.simulation.end_year = config.simulation.start_year + years - 1;
        let config = config.validate().expect("valid");
        let input = workforce_sim::CensusInput::Synthetic(workforce_sim::GeneratorParams::new(
            employees, 2024, 42,
        ));
        let census = workforce_sim::prepare_census(&config, &input).expect("census");
        let run = simulate_in_memory(&config, &census, &options(false)).expect("run");
        let tables = || {
            run.years
                .iter()
                .zip(&run.report.years)
                .zip(&run.plan_ledgers)
                .zip(&run.balances)
                .map(|((((f, e, s), r), l), b)| YearTables {
                    foundation: f,
                    events: e,
                    snapshot: s,
                    plan_ledger: l,
                    balances: b,
                    compliance_tests: &r.compliance_tests,
                    summary: &r.summary,
                    timings: &[],
                })
        };
        let encoded: Vec<EncodedYear> = tables()
            .map(|t| EncodedYear::new(&t).expect("encode"))
            .collect();
        let employee_years: u64 = run.years.iter().map(|y| y.2.len() as u64).sum();
        let header = RunHeader {
            run_id: "bench".into(),
            engine: "native".into(),
            config: config.clone(),
            census_source: "bench".into(),
            census_fingerprint: census_fingerprint(&census.staged.rows),
            baseline_headcount: census.staged.baseline.len() as u64,
            threads: 1,
            format: "duckdb",
        };
        // The limit path's input: each year's batches as Parquet files, written once.
        let files = tempfile::tempdir().expect("tempdir");
        let limit_files = write_limit_files(files.path(), &encoded);
        group.throughput(Throughput::Elements(employee_years));
        let fresh = || tempfile::tempdir().expect("tempdir");
        group.bench_function(BenchmarkId::new("store", name), |b| {
            b.iter_batched(
                fresh,
                |dir| {
                    let mut store = Store::open(&dir.path().join("s.duckdb")).expect("open");
                    store
                        .begin_run(&header, &census.staged.rows)
                        .expect("begin");
                    for t in tables() {
                        store.write_year(&t).expect("year");
                    }
                    store.finish_run(0.0).expect("finish");
                    drop(store);
                    dir
                },
                BatchSize::PerIteration,
            )
        });
        group.bench_function(BenchmarkId::new("store_encoded", name), |b| {
            b.iter_batched(
                fresh,
                |dir| {
                    let mut store = Store::open(&dir.path().join("s.duckdb")).expect("open");
                    store
                        .begin_run(&header, &census.staged.rows)
                        .expect("begin");
                    for y in &encoded {
                        store.write_encoded(y).expect("year");
                    }
                    store.finish_run(0.0).expect("finish");
                    drop(store);
                    dir
                },
                BatchSize::PerIteration,
            )
        });
        group.bench_function(BenchmarkId::new("limit", name), |b| {
            b.iter_batched(
                fresh,
                |dir| {
                    limit_path(&dir.path().join("l.duckdb"), &limit_files);
                    dir
                },
                BatchSize::PerIteration,
            )
        });
        group.bench_function(BenchmarkId::new("parquet", name), |b| {
            b.iter_batched(
                fresh,
                |dir| {
                    let mut out = ParquetOut::create(
                        &dir.path().join("pq"),
                        &header,
                        &census.staged.rows,
                        false,
                    )
                    .expect("create");
                    for y in &encoded {
                        out.write_year(y).expect("year");
                    }
                    black_box(out.finish(0.0).expect("finish"));
                    dir
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

/// Each year's batches as Parquet files: `(year, [(table, file)])`.
fn write_limit_files(
    dir: &std::path::Path,
    years: &[EncodedYear],
) -> Vec<Vec<(&'static str, std::path::PathBuf)>> {
    years
        .iter()
        .map(|y| {
            y.tables()
                .iter()
                .filter(|(_, b)| b.num_rows() > 0)
                .map(|(table, batch)| {
                    let path = dir.join(format!("{table}_{}.parquet", y.year));
                    let file = std::fs::File::create(&path).expect("create");
                    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None)
                        .expect("writer");
                    w.write(batch).expect("write");
                    w.close().expect("close");
                    (*table, path)
                })
                .collect()
        })
        .collect()
}

/// The limit path: DuckDB inserting the same batches from Parquet files itself, one
/// transaction per year, one checkpoint at the end.
fn limit_path(db: &std::path::Path, years: &[Vec<(&'static str, std::path::PathBuf)>]) {
    let conn = duckdb::Connection::open(db).expect("open");
    conn.execute_batch("SET checkpoint_threshold = '1GB'")
        .expect("set");
    let mut created = std::collections::HashSet::new();
    for year in years {
        conn.execute_batch("BEGIN TRANSACTION").expect("begin");
        for (table, file) in year {
            let sql = if created.insert(*table) {
                format!(
                    "CREATE TABLE {table} AS SELECT * FROM read_parquet('{}')",
                    file.display()
                )
            } else {
                format!(
                    "INSERT INTO {table} SELECT * FROM read_parquet('{}')",
                    file.display()
                )
            };
            conn.execute_batch(&sql).expect("insert");
        }
        conn.execute_batch("COMMIT").expect("commit");
    }
    conn.execute_batch("CHECKPOINT").expect("checkpoint");
}

fn batch(c: &mut Criterion) {
    use workforce_sim::batch::ValidBatch;
    use workforce_sim::batch::{run_batch_to_database, BatchOptions};
    let mut group = c.benchmark_group("batch");
    group.sample_size(10);
    let (seeds, employees) = if common::quick() {
        (2, 100)
    } else {
        (200, 5_000)
    };
    let size = format!("{seeds}x{employees}x5");
    group.throughput(Throughput::Elements(seeds));
    // Summaries only, and the same with the first seed kept in full (its own database), on
    // every core; and summaries only on one worker thread: its throughput is the runs per
    // second per core (the 2-core figure over the 1-thread one is the parallel speedup).
    for (name, detail, threads) in [
        ("summaries", "none", 0),
        ("first_seed_detail", "first_seed", 0),
        ("summaries_per_core", "none", 1),
    ] {
        let text = format!(
            "[batch]\nemployees = {employees}\ndetail = \"{detail}\"\nseeds = {{ start = 1, count = {seeds} }}\n[[scenario]]\nid = \"baseline\"\nlabel = \"Baseline\"\n"
        );
        let b = ValidBatch::parse(std::path::Path::new("bench.toml"), &text).expect("batch");
        group.bench_function(BenchmarkId::new(name, &size), |bench| {
            bench.iter_batched(
                || tempfile::tempdir().expect("tempdir"),
                |dir| {
                    let db = dir.path().join("batch.duckdb");
                    black_box(
                        run_batch_to_database(
                            &b,
                            &db,
                            &BatchOptions {
                                threads,
                                ..BatchOptions::default()
                            },
                            &|_, _| {},
                        )
                        .expect("batch"),
                    );
                    dir
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

/// One keyed draw and one compare per employee-year: the floor of any simulation that draws
/// each employee's fate once a year. Returns how many draws fell under their probability.
fn keyed_draws(years: &[(u64, Vec<u64>, Vec<f64>)]) -> u64 {
    use workforce_sim::rng::{unit, Rng};
    let mut hits = 0u64;
    for (year_code, halves, p) in years {
        for (h, p) in halves.iter().zip(p) {
            hits += (unit(Rng::combine(*h, *year_code)) < *p) as u64;
        }
    }
    hits
}

/// The median wall time of `n` calls of `f`, in seconds.
fn median_seconds(n: usize, mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..n)
        .map(|_| {
            let start = std::time::Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[n / 2]
}

fn limit(c: &mut Criterion) {
    use workforce_sim::rng::Rng;
    let mut group = c.benchmark_group("limit");
    let scenarios: Vec<common::Scenario> = common::scenarios()
        .into_iter()
        .filter(|s| common::quick() || s.name == "5kx5" || s.employees >= 100_000)
        .collect();
    for s in scenarios {
        let config = s.config();
        let census = s.census();
        let run = simulate_in_memory(&config, census, &options(false)).expect("run");
        let rng = Rng::new(config.simulation.random_seed);
        let draw = workforce_sim::rng::draw::TERMINATION_SELECT;
        // The run's own columns: each year's roster, its halves and a probability per row.
        let years: Vec<(u64, Vec<u64>, Vec<f64>)> = run
            .years
            .iter()
            .map(|(_, _, snap)| {
                let halves: Vec<u64> = snap.id_key.iter().map(|k| rng.employee(*k)).collect();
                let p: Vec<f64> = snap
                    .current_tenure
                    .iter()
                    .map(|t| 0.05 + 0.01 * (*t as f64).min(10.0))
                    .collect();
                (Rng::year_code(snap.year, draw), halves, p)
            })
            .collect();
        let employee_years: u64 = years.iter().map(|y| y.1.len() as u64).sum();
        drop(run);
        group.throughput(Throughput::Elements(employee_years));
        group.bench_with_input(BenchmarkId::new("keyed_draw", s.name), &years, |b, y| {
            b.iter(|| black_box(keyed_draws(black_box(y))))
        });
        group.bench_with_input(BenchmarkId::new("in_memory", s.name), &s, |b, _| {
            b.iter(|| black_box(simulate_in_memory(&config, census, &options(false)).expect("run")))
        });
        // The ratio, side by side in this process (criterion's two medians above give the
        // same figure; this one is written down).
        let runs = if common::quick() { 3 } else { 11 };
        let limit_s = median_seconds(runs * 20, || {
            black_box(keyed_draws(black_box(&years)));
        });
        let run_s = median_seconds(runs, || {
            black_box(simulate_in_memory(&config, census, &options(false)).expect("run"));
        });
        let per = |t: f64| t * 1e9 / employee_years as f64;
        eprintln!(
            "limit/{}: the in-memory run costs {:.0}x the keyed-draw limit ({:.1} ns against {:.2} ns per employee-year, {employee_years} employee-years)",
            s.name,
            run_s / limit_s,
            per(run_s),
            per(limit_s)
        );
        let dir = common::extra_dir().join("limit");
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(
            dir.join(format!("ratio-{}.json", s.name)),
            serde_json::to_string_pretty(&serde_json::json!({
                "scenario": s.name,
                "employee_years": employee_years,
                "run_ns_per_employee_year": per(run_s),
                "limit_ns_per_employee_year": per(limit_s),
                "ratio": run_s / limit_s,
            }))
            .unwrap_or_default(),
        );
    }
    group.finish();
}

/// Where a database run's memory goes (issue 31): the peak of the Rust heap (the year state,
/// the ledgers, the encoders and the writer's in-flight years; DuckDB's C++ heap is not seen
/// by the counting allocator) of `simulate_to_database`, in bytes per employee-year, for
/// 10,000 x 3 and x 10 (and 100,000 x 10 with `WFS_BENCH_LARGE=1`); the process's peak RSS minus it is
/// DuckDB's. Printed and recorded (`bench-extra/memory/SCENARIO.json`); not timed.
fn memory(_: &mut Criterion) {
    let sizes: Vec<(usize, i32)> = if common::quick() {
        vec![(100, 2)]
    } else if std::env::var("WFS_BENCH_LARGE").is_ok_and(|v| v == "1") {
        vec![(10_000, 3), (10_000, 10), (100_000, 10)]
    } else {
        // Three years and ten: a heap that grows with the years holds every year.
        vec![(10_000, 3), (10_000, 10)]
    };
    for (employees, years) in sizes {
        let mut config = workforce_sim::Config::default();
        config.simulation.end_year = config.simulation.start_year + years - 1;
        let config = config.validate().expect("valid");
        let input = workforce_sim::CensusInput::Synthetic(workforce_sim::GeneratorParams::new(
            employees, 2024, 42,
        ));
        let dir = tempfile::tempdir().expect("tempdir");
        let (report, mem) = common::measure(|| {
            simulate_to_database(
                &config,
                &input,
                &dir.path().join("m.duckdb"),
                &options(false),
                &mut |_| {},
            )
            .expect("run")
        });
        let employee_years: u64 = report.years.iter().map(|y| y.summary.snapshot_rows).sum();
        let last_rows = report
            .years
            .last()
            .map_or(1, |y| y.summary.snapshot_rows.max(1));
        let name = format!("{employees}x{years}");
        eprintln!(
            "memory/{name}: peak Rust heap {:.0} MB: {:.0} bytes per employee of the last year's snapshot ({last_rows} rows), {:.0} per employee-year ({} allocations)",
            mem.peak_heap_bytes as f64 / 1e6,
            mem.peak_heap_bytes as f64 / last_rows as f64,
            mem.peak_heap_bytes as f64 / employee_years as f64,
            mem.allocations
        );
        let m = &report.memory;
        let per = |b: u64| m.per_employee(b);
        eprintln!(
            "memory/{name}: per employee of the largest roster: workforce {:.0} B, events {:.0} B, snapshot {:.0} B, money ledger {:.0} B, encoded years in flight {:.0} B (sum {:.0} B)",
            per(m.workforce_bytes),
            per(m.events_bytes),
            per(m.snapshot_bytes),
            per(m.plan_ledger_bytes),
            per(m.encoded_bytes),
            per(m.total_bytes()),
        );
        common::record("memory", "database_run", &name, mem, None, employee_years);
    }
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = workflow, persistence, batch, limit, memory
}
criterion_main!(benches);
