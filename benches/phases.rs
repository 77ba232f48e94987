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

use common::start_year::StartYear;
use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BatchSize, BenchmarkGroup, BenchmarkId, Criterion, Throughput,
};
use std::hint::black_box;
use workforce_sim::census::{generate, staging};
use workforce_sim::engine::native::{self, NativeEngine};
use workforce_sim::engine::publish::publish;
use workforce_sim::engine::Engine;
use workforce_sim::payload::TypedEvent;
use workforce_sim::report::YearSummary;
use workforce_sim::store::{EncodedYear, RunHeader, Store, YearTables};
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
    for n in common::sizes(&SIZES) {
        let scenario = common::Scenario {
            name: "phase",
            employees: n,
            years: 1,
            large: false,
        };
        let y = StartYear::new(config.clone(), scenario.census().clone());
        let mut phase = Phase {
            group: &mut group,
            n,
        };
        workforce_steps(&mut phase, &y);
        plan_and_ledgers(&mut phase, &y);
        typed_events(&mut phase, &y);
        store(&mut phase, &y);
    }
    group.finish();
}

/// The group and the census size the benches of one size go into.
struct Phase<'g, 'c> {
    group: &'g mut BenchmarkGroup<'c, WallTime>,
    n: usize,
}

impl Phase<'_, '_> {
    /// Records `f`'s memory once, then benches it with a throughput of `elements`.
    fn bench(&mut self, name: &str, elements: u64, f: &mut dyn FnMut()) {
        let (_, mem) = common::measure(&mut *f);
        common::record("phases", name, &self.n.to_string(), mem, None, elements);
        self.group.throughput(Throughput::Elements(elements));
        self.group
            .bench_function(BenchmarkId::new(name, self.n), |b| b.iter(&mut *f));
    }
}

/// The census, then steps 1-8 and the workforce accumulation.
fn workforce_steps(phase: &mut Phase<'_, '_>, y: &StartYear) {
    let (n, config, ctx, prior) = (phase.n, &y.config, y.ctx(), y.prior());
    let (foundation, decisions, events) = (&y.foundation, &y.decisions, &y.events);
    let engine = NativeEngine;
    let records: Vec<_> = y
        .census
        .staged
        .rows
        .iter()
        .map(|r| r.record.clone())
        .collect();
    let n64 = n as u64;
    phase.bench("census_generation", n64, &mut || {
        black_box(generate::generate(&GeneratorParams::new(n, 2024, 42)).unwrap());
    });
    phase.bench("staging", n64, &mut || {
        black_box(staging::stage(&records, config));
    });
    phase.bench("workforce_needs", n64, &mut || {
        black_box(engine.foundation(&ctx, prior).expect("foundation"));
    });
    phase.bench("experienced_terminations", n64, &mut || {
        black_box(native::experienced_terminations(&ctx, prior, foundation));
    });
    phase.bench("hires", n64, &mut || {
        black_box(native::new_hires(&ctx, foundation));
    });
    phase.bench("new_hire_terminations", n64, &mut || {
        black_box(native::new_hire_terminations(
            &ctx,
            &decisions.hires,
            foundation,
        ));
    });
    phase.bench("promotions", n64, &mut || {
        black_box(native::promotions(&ctx, prior, &decisions.term_date));
    });
    phase.bench("raises", n64, &mut || {
        black_box(native::raises(&ctx, prior, &decisions.term_date));
    });
    phase.bench("plan_events", n64, &mut || {
        black_box(native::plan_decisions(&ctx, prior, decisions));
    });
    phase.bench("publish_ledger", n64, &mut || {
        black_box(publish(&ctx, prior, decisions.clone()));
    });
    phase.bench("workforce_accumulation", n64, &mut || {
        black_box(workforce_sim::state::accumulate(prior, events));
    });
}

/// Workforce + plan accumulation, validation, the plan ledger and the weekly balances.
fn plan_and_ledgers(phase: &mut Phase<'_, '_>, y: &StartYear) {
    let (config, ctx, prior) = (&y.config, y.ctx(), y.prior());
    let (events, snapshot) = (&y.events, &y.snapshot);
    let n64 = phase.n as u64;
    phase.bench("state_accumulation", n64, &mut || {
        black_box(
            NativeEngine
                .accumulate(&ctx, prior, events)
                .expect("accumulate"),
        );
    });
    phase.bench("validation", n64, &mut || {
        black_box(validation::validate_year(
            prior,
            &y.foundation,
            events,
            snapshot,
            config,
        ));
    });
    phase.bench("plan_ledger", n64, &mut || {
        black_box(workforce_sim::plan_ledger::build(
            config, prior, events, snapshot,
        ));
    });
    phase.bench("weekly_balances", n64, &mut || {
        black_box(workforce_sim::balances::build(
            prior,
            events,
            snapshot,
            &y.plan_ledger,
        ));
    });
}

/// The year's ledger rows as JSON, and as typed events (4.3) converted and checked.
fn typed_events(phase: &mut Phase<'_, '_>, y: &StartYear) {
    let (config, events, snapshot, plan_ledger) =
        (&y.config, &y.events, &y.snapshot, &y.plan_ledger);
    let (age, tenure) = (&y.bands.0, &y.bands.1);
    let ev_count = events.len() as u64;
    phase.bench("event_json", ev_count, &mut || {
        let mut bytes = 0usize;
        for i in 0..events.len() {
            let r = events.record(i, snapshot.roster_ids(), config, (age, tenure));
            r.validate(2025, 2025, 5).unwrap();
            bytes += serde_json::to_string(&r).unwrap().len();
        }
        black_box(bytes);
    });
    // Typed events (4.3): every ledger row of the year, the workforce ledger and the plan
    // ledger, as the rows the store keeps. `typed_convert` turns each into its typed
    // event and checks every rule; `typed_jsonl` is what `workforce-sim validate` does per
    // line: parse one JSON line, quantise, check. Throughput: events.
    let rows: Vec<_> = (0..events.len())
        .map(|i| events.record(i, snapshot.roster_ids(), config, (age, tenure)))
        .collect();
    let plan_rows: Vec<_> = (0..plan_ledger.len())
        .map(|i| plan_ledger.record(i, snapshot.roster_ids(), config))
        .collect();
    let typed_count = (rows.len() + plan_rows.len()) as u64;
    phase.bench("typed_convert", typed_count, &mut || {
        for r in &rows {
            let t = TypedEvent::from_ledger(r, config).unwrap();
            t.validate().unwrap();
            black_box(t);
        }
        for r in &plan_rows {
            let t = TypedEvent::from_plan_ledger(r, config).unwrap();
            t.validate().unwrap();
            black_box(t);
        }
    });
    let lines: Vec<String> = rows
        .iter()
        .map(|r| TypedEvent::from_ledger(r, config).unwrap())
        .chain(
            plan_rows
                .iter()
                .map(|r| TypedEvent::from_plan_ledger(r, config).unwrap()),
        )
        .map(|t| serde_json::to_string(&t).unwrap())
        .collect();
    phase.bench("typed_jsonl", typed_count, &mut || {
        for l in &lines {
            black_box(TypedEvent::parse_and_validate(l).unwrap());
        }
    });
}

/// The store: one year into a fresh in-memory database, the Arrow encoders alone, and the
/// participant history from an n × 3 database.
fn store(phase: &mut Phase<'_, '_>, y: &StartYear) {
    let (n, config) = (phase.n, &y.config);
    let n64 = n as u64;
    let ev_count = y.events.len() as u64;
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
        snapshot_rows: y.snapshot.len() as u64,
        ..Default::default()
    };
    let balances = Default::default();
    let tables = YearTables {
        foundation: &y.foundation,
        events: &y.events,
        snapshot: &y.snapshot,
        plan_ledger: &y.plan_ledger,
        balances: &balances,
        compliance_tests: &[],
        summary: &summary,
        timings: &[],
    };
    phase.group.throughput(Throughput::Elements(ev_count));
    phase
        .group
        .bench_function(BenchmarkId::new("duckdb_ingest", n), |b| {
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
        ("encode_snapshot", "snapshot", y.snapshot.len() as u64),
    ] {
        phase.group.throughput(Throughput::Elements(elements));
        phase.group.bench_function(BenchmarkId::new(name, n), |b| {
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
    let who = &*y.census.staged.baseline.employee_id[y.census.staged.baseline.len() / 2];
    phase.group.throughput(Throughput::Elements(1));
    phase
        .group
        .bench_function(BenchmarkId::new("participant_history", n), |b| {
            b.iter(|| black_box(workforce_sim::participant_history(&db, who).unwrap()))
        });
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
