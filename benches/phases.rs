//! Each stage of a simulated year in isolation, on a prepared start-of-year state, at three
//! census sizes (so the gate can fit time ~ a·n^b and check that every phase is linear).
//! `plan_events` is steps 9-12 (eligibility, enrollment, match response, escalation);
//! `plan_ledger` builds the plan's money events from the accumulated year; `typed_convert`
//! and `typed_jsonl` turn the year's ledger rows into typed events (4.3) and check them;
//! `state_accumulation` is workforce + plan state and money, `workforce_accumulation` the
//! workforce part alone. `weekly_balances` builds the year's Friday balances from the plan
//! ledger. `encode_events` and `encode_snapshot` are the store's Arrow encoders of the
//! year's events and snapshot (throughput: events, snapshot rows). `participant_history`
//! reads one employee from an n × 3 database.
//! Throughput is employees (events for ingest and JSON).
//!
//! The `balances` group answers one participant's weekly balances from a 100,000 × 10 run
//! made with `--balances weekly` (54 million rows; 1,000 × 2 in quick mode): `lookup` on an
//! open database (what a notebook or a service holding the file does), `open_and_lookup`
//! opening it each time (what `workforce-sim history` does). Building that database takes
//! about a minute and 4 GB.
//!
//! `cargo bench --bench phases` (`-- --profile-time 10` for flamegraphs).

mod common;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use workforce_sim::census::{generate, staging};
use workforce_sim::engine::native::{self, NativeEngine};
use workforce_sim::engine::publish::publish;
use workforce_sim::engine::{Engine, YearContext};
use workforce_sim::payload::TypedEvent;
use workforce_sim::report::YearSummary;
use workforce_sim::store::{EncodedYear, RunHeader, Store, YearTables};
use workforce_sim::year::band_tables;
use workforce_sim::{validation, GeneratorParams};

#[global_allocator]
static ALLOC: common::CountingAlloc = common::CountingAlloc;

/// Census sizes of the phase benches.
/// The two largest are beyond the per-core cache and carry the scaling fit (see
/// `bench_gate::MIN_FIT_SIZE`).
pub const SIZES: [usize; 4] = [1_000, 10_000, 50_000, 100_000];

fn phases(c: &mut Criterion) {
    let mut group = c.benchmark_group("phases");
    let config = common::SCENARIOS[0].config();
    let (age, tenure) = band_tables(&config);
    for n in common::sizes(&SIZES) {
        let scenario = common::Scenario {
            name: "phase",
            employees: n,
            years: 1,
            large: false,
        };
        let census = scenario.census();
        let prior = &census.staged.baseline;
        let ctx = YearContext::new(&config, 2025, &age, &tenure);
        let engine = NativeEngine;
        let foundation = engine.foundation(&ctx, prior).expect("foundation");
        let decisions = native::decide(&ctx, prior, &foundation);
        let events = publish(&ctx, prior, decisions.clone());
        let snapshot = engine.accumulate(&ctx, prior, &events).expect("accumulate");
        let plan_ledger = workforce_sim::plan_ledger::build(&config, prior, &events, &snapshot);
        let records: Vec<_> = census
            .staged
            .rows
            .iter()
            .map(|r| r.record.clone())
            .collect();
        let id = n.to_string();
        let mut bench = |name: &str, elements: u64, f: &mut dyn FnMut()| {
            let (_, mem) = common::measure(&mut *f);
            common::record("phases", name, &id, mem, None, elements);
            group.throughput(Throughput::Elements(elements));
            group.bench_function(BenchmarkId::new(name, n), |b| b.iter(&mut *f));
        };
        let n64 = n as u64;
        bench("census_generation", n64, &mut || {
            black_box(generate::generate(&GeneratorParams::new(n, 2024, 42)).unwrap());
        });
        bench("staging", n64, &mut || {
            black_box(staging::stage(&records, &config));
        });
        bench("workforce_needs", n64, &mut || {
            black_box(engine.foundation(&ctx, prior).expect("foundation"));
        });
        bench("experienced_terminations", n64, &mut || {
            black_box(native::experienced_terminations(&ctx, prior, &foundation));
        });
        bench("hires", n64, &mut || {
            black_box(native::new_hires(&ctx, &foundation));
        });
        bench("new_hire_terminations", n64, &mut || {
            black_box(native::new_hire_terminations(
                &ctx,
                &decisions.hires,
                &foundation,
            ));
        });
        bench("promotions", n64, &mut || {
            black_box(native::promotions(&ctx, prior, &decisions.term_date));
        });
        bench("raises", n64, &mut || {
            black_box(native::raises(&ctx, prior, &decisions.term_date));
        });
        bench("plan_events", n64, &mut || {
            black_box(native::plan_decisions(&ctx, prior, &decisions));
        });
        bench("publish_ledger", n64, &mut || {
            black_box(publish(&ctx, prior, decisions.clone()));
        });
        bench("workforce_accumulation", n64, &mut || {
            black_box(workforce_sim::state::accumulate(prior, &events));
        });
        bench("state_accumulation", n64, &mut || {
            black_box(engine.accumulate(&ctx, prior, &events).expect("accumulate"));
        });
        bench("validation", n64, &mut || {
            black_box(validation::validate_year(
                prior,
                &foundation,
                &events,
                &snapshot,
                &config,
            ));
        });
        let ev_count = events.len() as u64;
        bench("event_json", ev_count, &mut || {
            let mut bytes = 0usize;
            for i in 0..events.len() {
                let r = events.record(i, snapshot.roster_ids(), &config, (&age, &tenure));
                r.validate(2025, 2025, 5).unwrap();
                bytes += serde_json::to_string(&r).unwrap().len();
            }
            black_box(bytes);
        });
        bench("plan_ledger", n64, &mut || {
            black_box(workforce_sim::plan_ledger::build(
                &config, prior, &events, &snapshot,
            ));
        });
        bench("weekly_balances", n64, &mut || {
            black_box(workforce_sim::balances::build(
                prior,
                &events,
                &snapshot,
                &plan_ledger,
            ));
        });
        // Typed events (4.3): every ledger row of the year, the workforce ledger and the plan
        // ledger, as the rows the store keeps. `typed_convert` turns each into its typed
        // event and checks every rule; `typed_jsonl` is what `workforce-sim validate` does per
        // line: parse one JSON line, quantise, check. Throughput: events.
        let rows: Vec<_> = (0..events.len())
            .map(|i| events.record(i, snapshot.roster_ids(), &config, (&age, &tenure)))
            .collect();
        let plan_rows: Vec<_> = (0..plan_ledger.len())
            .map(|i| plan_ledger.record(i, snapshot.roster_ids(), &config))
            .collect();
        let typed_count = (rows.len() + plan_rows.len()) as u64;
        bench("typed_convert", typed_count, &mut || {
            for r in &rows {
                let t = TypedEvent::from_ledger(r, &config).unwrap();
                t.validate().unwrap();
                black_box(t);
            }
            for r in &plan_rows {
                let t = TypedEvent::from_plan_ledger(r, &config).unwrap();
                t.validate().unwrap();
                black_box(t);
            }
        });
        let lines: Vec<String> = rows
            .iter()
            .map(|r| TypedEvent::from_ledger(r, &config).unwrap())
            .chain(
                plan_rows
                    .iter()
                    .map(|r| TypedEvent::from_plan_ledger(r, &config).unwrap()),
            )
            .map(|t| serde_json::to_string(&t).unwrap())
            .collect();
        bench("typed_jsonl", typed_count, &mut || {
            for l in &lines {
                black_box(TypedEvent::parse_and_validate(l).unwrap());
            }
        });
        // DuckDB ingest of one year (events + snapshot) into a fresh in-memory database.
        let header = RunHeader {
            run_id: "bench".into(),
            engine: "native".into(),
            config: config.clone(),
            census_source: "bench".into(),
            census_fingerprint: "bench".into(),
            baseline_headcount: n64,
            threads: 1,
            format: "duckdb",
        };
        let summary = YearSummary {
            year: 2025,
            starting_headcount: n64,
            hires: 0,
            experienced_terminations: 0,
            new_hire_terminations: 0,
            promotions: 0,
            raises: 0,
            ending_headcount: 0,
            target_ending: 0,
            total_events: ev_count,
            snapshot_rows: snapshot.len() as u64,
            ..Default::default()
        };
        let balances = Default::default();
        let tables = YearTables {
            foundation: &foundation,
            events: &events,
            snapshot: &snapshot,
            plan_ledger: &plan_ledger,
            balances: &balances,
            compliance_tests: &[],
            summary: &summary,
            timings: &[],
        };
        group.throughput(Throughput::Elements(ev_count));
        group.bench_function(BenchmarkId::new("duckdb_ingest", n), |b| {
            b.iter_batched(
                || {
                    let mut s = Store::in_memory().unwrap();
                    s.begin_run(&header, &[]).unwrap();
                    s
                },
                |mut s| {
                    s.write_year(&tables).unwrap();
                    s
                },
                BatchSize::PerIteration,
            )
        });
        // The store's Arrow encoders alone (what the writer thread and the Python package
        // run per year): the year's events, and its snapshot.
        for (name, table, elements) in [
            ("encode_events", "events", ev_count),
            ("encode_snapshot", "snapshot", snapshot.len() as u64),
        ] {
            group.throughput(Throughput::Elements(elements));
            group.bench_function(BenchmarkId::new(name, n), |b| {
                b.iter(|| black_box(EncodedYear::encode_table(&tables, table).unwrap()))
            });
        }
        // Participant history: one employee's events and yearly state from an n × 3 database.
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("history.duckdb");
        let mut hist_config = config.clone().into_inner();
        hist_config.simulation.end_year = 2027;
        let hist_config = hist_config.validate().expect("valid");
        workforce_sim::simulate_to_database(
            &hist_config,
            &workforce_sim::CensusInput::Synthetic(GeneratorParams::new(n, 2024, 42)),
            &db,
            &Default::default(),
            &mut |_| {},
        )
        .unwrap();
        let who = &*census.staged.baseline.employee_id[census.staged.baseline.len() / 2];
        group.throughput(Throughput::Elements(1));
        group.bench_function(BenchmarkId::new("participant_history", n), |b| {
            b.iter(|| black_box(workforce_sim::participant_history(&db, who).unwrap()))
        });
    }
    group.finish();
}

/// One participant's weekly balances from a 100,000 × 10 database (see the module doc).
fn balances(c: &mut Criterion) {
    let (employees, years) = if common::quick() {
        (1_000, 2)
    } else {
        (100_000, 10)
    };
    let mut config = common::SCENARIOS[0].config().into_inner();
    config.simulation.end_year = config.simulation.start_year + years - 1;
    config.plan.ledger.balances = workforce_sim::config::plan::BalanceSnapshots::Weekly;
    let config = config.validate().expect("valid");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("balances.duckdb");
    workforce_sim::simulate_to_database(
        &config,
        &workforce_sim::CensusInput::Synthetic(GeneratorParams::new(employees, 2024, 42)),
        &db,
        &Default::default(),
        &mut |_| {},
    )
    .unwrap();
    // Participants of the first year who are still there in the last: every year's rows.
    let census = generate::generate(&GeneratorParams::new(employees, 2024, 42)).unwrap();
    let reader = workforce_sim::HistoryReader::open(&db).unwrap();
    let full = 52 * years as usize;
    let ids: Vec<String> = census
        .iter()
        .map(|r| r.employee_id.clone())
        .step_by((employees / 500).max(1))
        .filter(|id| reader.balances(id).unwrap().len() >= full)
        .take(16)
        .collect();
    assert!(!ids.is_empty(), "no participant with {full} weekly rows");
    let id = format!("{employees}x{years}");
    let mut group = c.benchmark_group("balances");
    group.throughput(Throughput::Elements(1));
    let mut k = 0;
    group.bench_function(BenchmarkId::new("lookup", &id), |b| {
        b.iter(|| {
            k = (k + 1) % ids.len();
            black_box(reader.balances(&ids[k]).unwrap())
        })
    });
    group.bench_function(BenchmarkId::new("open_and_lookup", &id), |b| {
        b.iter(|| {
            k = (k + 1) % ids.len();
            let r = workforce_sim::HistoryReader::open(&db).unwrap();
            black_box(r.balances(&ids[k]).unwrap())
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = phases, balances
}
criterion_main!(benches);
