//! The year loop (docs/rules.md 6): for each year in order the stages foundation → event
//! generation → state accumulation → validation → reporting → persistence, each timed. Year N
//! reads only year N−1's state. Persistence is the caller's sink (the store crate writes each
//! year in one transaction); [`simulate_in_memory`] keeps every year instead.

use crate::balances::WeeklyBalances;
use crate::census::generate::{self, GeneratorParams};
use crate::census::import::{self, ParquetCensus};
use crate::census::staging::{self, StagedCensus};
use crate::census::CensusRecord;
use crate::config::plan::BalanceSnapshots;
use crate::config::ValidConfig;
use crate::engine::{Engine, EngineKind, Foundation, YearContext};
use crate::error::{CensusError, SimulationError};
use crate::events::{EventCategory, EventType, YearEvents};
use crate::plan_ledger::PlanLedger;
use crate::report::{RunReport, Stage, StageTiming, YearReport, YearSummary};
use crate::rules::bands::BandTable;
use crate::rules::parameters::YearParameters;
use crate::state::{Snapshot, Workforce};
use crate::validation::{validate_plan_ledger, validate_year};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Where the census comes from.
#[derive(Debug, Clone)]
pub enum CensusInput {
    /// The deterministic generator (docs/rules.md 1.3).
    Synthetic(GeneratorParams),
    /// A CSV or Parquet file.
    File(PathBuf),
    /// Rows already in memory (`source` names them in the run metadata).
    Records {
        records: Vec<CensusRecord>,
        source: String,
    },
}

/// A census read, validated and staged.
#[derive(Debug, Clone)]
pub struct PreparedCensus {
    pub staged: StagedCensus,
    pub source: String,
    pub warnings: Vec<String>,
}

/// Reads and stages the census (CSV files only: a Parquet census needs
/// [`prepare_census_with`] and a [`ParquetCensus`], which the facade passes). Fails before
/// anything is written anywhere.
pub fn prepare_census(
    config: &ValidConfig,
    input: &CensusInput,
) -> Result<PreparedCensus, SimulationError> {
    prepare_census_with(config, input, None)
}

/// [`prepare_census`] with a Parquet reader for census files.
pub fn prepare_census_with(
    config: &ValidConfig,
    input: &CensusInput,
    parquet: Option<&dyn ParquetCensus>,
) -> Result<PreparedCensus, SimulationError> {
    let (records, source, warnings) = match input {
        CensusInput::Synthetic(p) => (
            generate::generate(p)?,
            format!("synthetic:{}@{}#{}", p.employees, p.base_year, p.seed),
            Vec::new(),
        ),
        CensusInput::File(path) => {
            let imported = import::read_census(path, config.census_plan_year().1, parquet)?;
            (
                imported.records,
                path.display().to_string(),
                imported.warnings,
            )
        }
        CensusInput::Records { records, source } => (records.clone(), source.clone(), Vec::new()),
    };
    let staged = staging::stage(&records, config);
    if staged.baseline.is_empty() {
        return Err(CensusError::Empty {
            path: PathBuf::from(&source),
        }
        .into());
    }
    Ok(PreparedCensus {
        staged,
        source,
        warnings,
    })
}

/// Options that do not change results.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub engine: EngineKind,
    /// Worker threads; 0 = one per core. Results are identical for any value.
    pub threads: usize,
    /// The naive orchestration the reference system used: also materialise every stage's
    /// output (needs, ledger, snapshot) to its own DuckDB table in its own transaction before
    /// the year's commit. Same results, more I/O; benches compare it with the default.
    pub materialize_stages: bool,
    /// Also have DuckDB log every statement it runs on the results database and report that
    /// count beside the store's own (`RunReport::statements`): a check that no statement
    /// bypasses the store's executor. Costs a little; changes no result.
    pub audit_statements: bool,
}

/// Progress of a run, reported after each committed year.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub year: i32,
    pub years_done: usize,
    pub years_total: usize,
    pub ending_headcount: u64,
}

/// Everything one simulated year produced.
pub struct YearOutput<'a> {
    pub foundation: &'a Foundation,
    pub events: &'a YearEvents,
    pub snapshot: &'a Snapshot,
    /// The plan's money events of the year (built from the snapshot's plan figures).
    pub plan_ledger: &'a PlanLedger,
    /// The weekly account balances (empty unless `plan.ledger.balances = "weekly"`).
    pub balances: &'a WeeklyBalances,
    /// The plan year's nondiscrimination tests.
    pub compliance_tests: &'a [crate::nondiscrimination::ComplianceTest],
    pub summary: &'a YearSummary,
}

/// The band tables of a configuration.
pub fn band_tables(config: &ValidConfig) -> (BandTable, BandTable) {
    (
        BandTable::new(&config.age_bands),
        BandTable::new(&config.tenure_bands),
    )
}

fn summarize(
    prior: &Workforce,
    foundation: &Foundation,
    events: &YearEvents,
    snapshot: &Snapshot,
) -> YearSummary {
    let (mut payroll, mut prorated) = (0.0, 0.0);
    let (mut eligible, mut participants, mut rate_sum, mut hce_count) = (0u64, 0u64, 0.0, 0u64);
    let (mut employee, mut matched, mut core, mut forfeit) = (0.0, 0.0, 0.0, 0.0);
    for i in 0..snapshot.len() {
        let p = &snapshot.plan[i];
        if snapshot.active[i] {
            payroll += snapshot.current_compensation[i];
            if p.carry.eligible && !p.carry.plan_ineligible {
                eligible += 1;
            }
            if p.participating() {
                participants += 1;
                rate_sum += p.carry.deferral_rate;
            }
        }
        prorated += snapshot.prorated_annual_compensation[i];
        employee += p.employee_contribution;
        matched += p.employer_match;
        core += p.employer_core;
        forfeit += p.forfeiture;
        hce_count += p.is_hce as u64;
    }
    let round2 = crate::decimal::round2;
    YearSummary {
        year: events.year,
        starting_headcount: prior.len() as u64,
        hires: events.count(EventType::Hire) as u64,
        experienced_terminations: events.count_category(EventCategory::Termination) as u64,
        new_hire_terminations: events.count_category(EventCategory::NewHireTermination) as u64,
        promotions: events.count(EventType::Promotion) as u64,
        raises: events.count(EventType::Raise) as u64,
        ending_headcount: snapshot.active_count() as u64,
        target_ending: foundation.needs.target_ending,
        total_events: events.len() as u64,
        snapshot_rows: snapshot.len() as u64,
        payroll: round2(payroll),
        prorated_payroll: round2(prorated),
        eligible,
        participants,
        participation_rate: if eligible > 0 {
            participants as f64 / eligible as f64
        } else {
            0.0
        },
        average_deferral_rate: if participants > 0 {
            crate::rules::round_rate(rate_sum / participants as f64)
        } else {
            0.0
        },
        enrollments: events.count(EventType::Enrollment) as u64,
        opt_outs: events.count(EventType::EnrollmentChange) as u64,
        escalations: events.count(EventType::DeferralEscalation) as u64,
        match_responses: events.count(EventType::DeferralMatchResponse) as u64,
        employee_contributions: round2(employee),
        employer_match: round2(matched),
        employer_core: round2(core),
        forfeitures: round2(forfeit),
        hce_count,
    }
}

/// Where each year's output goes (persistence), with the year's `(stage, seconds)` timings.
pub type YearSink<'s, E> =
    dyn FnMut(&YearOutput<'_>, &[(String, f64)]) -> Result<(), E> + Send + 's;

/// Runs years `years` from `prior` (the start-of-year workforce of the first of them) on
/// `engine`, handing each year's output to `sink` (persistence; its error type is the
/// caller's) and its timings to `report`.
pub fn run_years<E: From<SimulationError>>(
    config: &ValidConfig,
    engine: &dyn Engine,
    prior: Workforce,
    years: std::ops::RangeInclusive<i32>,
    report: &mut RunReport,
    sink: &mut YearSink<'_, E>,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Workforce, E> {
    run_years_with(
        config,
        engine,
        prior,
        years,
        report,
        sink,
        progress,
        Ledgers::All,
    )
}

/// Which ledgers a year loop builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ledgers {
    /// The workforce ledger and the plan's money ledger (every run that keeps its results).
    All,
    /// The workforce ledger only: the year's plan ledger is left empty. For runs that keep
    /// only their year summaries (a batch's ensemble runs), whose money is in the summaries.
    WorkforceOnly,
}

/// [`run_years`], choosing which ledgers are built.
#[allow(clippy::too_many_arguments)]
pub fn run_years_with<E: From<SimulationError>>(
    config: &ValidConfig,
    engine: &dyn Engine,
    prior: Workforce,
    years: std::ops::RangeInclusive<i32>,
    report: &mut RunReport,
    sink: &mut YearSink<'_, E>,
    progress: &mut (dyn FnMut(Progress) + Send),
    ledgers: Ledgers,
) -> Result<Workforce, E> {
    run_years_hooked(
        config,
        engine,
        prior,
        years,
        report,
        &mut |_, _| Ok(()),
        sink,
        progress,
        ledgers,
    )
}

/// Called with a year's events and snapshot as soon as the snapshot is accumulated, before
/// the year's ledgers, validation and reporting, so that an embedding can start on them (the
/// facade's `simulate_to_arrow` encoder does) while the loop finishes the year. The year may
/// still fail validation after it, and then the run fails.
pub type AccumulatedHook<'s, E> = dyn FnMut(&YearEvents, &Snapshot) -> Result<(), E> + Send + 's;

/// [`run_years_with`], calling `accumulated` with each year's events and snapshot before
/// the rest of the year is built (and `sink` once the year is complete).
#[allow(clippy::too_many_arguments)]
pub fn run_years_hooked<E: From<SimulationError>>(
    config: &ValidConfig,
    engine: &dyn Engine,
    mut prior: Workforce,
    years: std::ops::RangeInclusive<i32>,
    report: &mut RunReport,
    accumulated: &mut AccumulatedHook<'_, E>,
    sink: &mut YearSink<'_, E>,
    progress: &mut (dyn FnMut(Progress) + Send),
    ledgers: Ledgers,
) -> Result<Workforce, E> {
    let (age_bands, tenure_bands) = band_tables(config);
    let years_total = years.clone().count();
    for (done, year) in years.enumerate() {
        let mut timings: Vec<(Stage, f64)> = Vec::with_capacity(6);
        let mut clock = Instant::now();
        let mut lap = |stage: Stage, timings: &mut Vec<(Stage, f64)>| {
            let now = Instant::now();
            timings.push((stage, (now - clock).as_secs_f64()));
            clock = now;
        };
        let _span = tracing::info_span!("year", year).entered();
        let ctx = YearContext {
            config,
            year,
            params: YearParameters::new(config, year),
            age_bands: &age_bands,
            tenure_bands: &tenure_bands,
        };
        let foundation = engine
            .foundation(&ctx, &prior)
            .map_err(SimulationError::from)?;
        lap(Stage::Foundation, &mut timings);
        let events = engine
            .generate(&ctx, &prior, &foundation)
            .map_err(SimulationError::from)?;
        lap(Stage::EventGeneration, &mut timings);
        let snapshot = engine
            .accumulate(&ctx, &prior, &events)
            .map_err(SimulationError::from)?;
        accumulated(&events, &snapshot)?;
        let plan_ledger = match ledgers {
            Ledgers::All => crate::plan_ledger::build(config, &prior, &events, &snapshot),
            Ledgers::WorkforceOnly => PlanLedger {
                year,
                ..PlanLedger::default()
            },
        };
        let balances =
            if ledgers == Ledgers::All && config.plan.ledger.balances == BalanceSnapshots::Weekly {
                crate::balances::build(&prior, &events, &snapshot, &plan_ledger)
            } else {
                WeeklyBalances {
                    year,
                    ..WeeklyBalances::default()
                }
            };
        lap(Stage::StateAccumulation, &mut timings);
        let mut validation = validate_year(&prior, &foundation, &events, &snapshot, config);
        if ledgers == Ledgers::All {
            validation
                .violations
                .extend(validate_plan_ledger(config, &snapshot, &plan_ledger));
        }
        lap(Stage::Validation, &mut timings);
        if !validation.passed() {
            return Err(SimulationError::Invariants(validation.violations).into());
        }
        let summary = summarize(&prior, &foundation, &events, &snapshot);
        let (compliance_tests, nhce) = if config.plan.enabled {
            let (t, n) = crate::nondiscrimination::tests(config, &snapshot, prior.prior_nhce);
            (t, Some(n))
        } else {
            (Vec::new(), None)
        };
        lap(Stage::Reporting, &mut timings);
        let named: Vec<(String, f64)> = timings
            .iter()
            .map(|(s, t)| (s.as_str().to_string(), *t))
            .collect();
        sink(
            &YearOutput {
                foundation: &foundation,
                events: &events,
                snapshot: &snapshot,
                plan_ledger: &plan_ledger,
                balances: &balances,
                compliance_tests: &compliance_tests,
                summary: &summary,
            },
            &named,
        )?;
        lap(Stage::Persistence, &mut timings);
        tracing::debug!(
            events = events.len(),
            active = summary.ending_headcount,
            "year committed"
        );
        report
            .stages
            .extend(timings.into_iter().map(|(stage, seconds)| StageTiming {
                year: Some(year),
                stage,
                seconds,
            }));
        let growth = if summary.starting_headcount > 0 {
            summary.ending_headcount as f64 / summary.starting_headcount as f64 - 1.0
        } else {
            0.0
        };
        progress(Progress {
            year,
            years_done: done + 1,
            years_total,
            ending_headcount: summary.ending_headcount,
        });
        report.years.push(YearReport {
            summary,
            growth,
            validation_warnings: validation.warnings,
            cohort_costs: crate::cohort_cost::by_hire_cohort(&snapshot),
            compliance_tests,
        });
        prior = snapshot.next_workforce();
        prior.prior_nhce = nhce;
    }
    Ok(prior)
}

/// A report for a new run (no years yet); the caller fills in what it knows beyond this.
pub fn new_report(
    config: &ValidConfig,
    options: &RunOptions,
    source: &str,
    census_rows: u64,
    baseline: u64,
    database: Option<&Path>,
) -> RunReport {
    RunReport {
        run_id: run_id(),
        engine: options.engine.as_str().to_string(),
        random_seed: config.simulation.random_seed,
        start_year: config.simulation.start_year,
        end_year: config.simulation.end_year,
        census_source: source.to_string(),
        census_rows,
        baseline_headcount: baseline,
        threads: effective_threads(options.threads),
        database: database.map(|p| p.display().to_string()),
        resumed_after: None,
        years: Vec::new(),
        stages: Vec::new(),
        total_seconds: 0.0,
        statements: Default::default(),
        warnings: Vec::new(),
    }
}

/// A fresh run id: `run-{unix seconds}-{nanoseconds}`.
pub fn run_id() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format!("run-{}-{:09}", now.as_secs(), now.subsec_nanos())
}

/// The worker count a `threads` option means (0 = one per core).
pub fn effective_threads(threads: usize) -> usize {
    if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    }
}

/// Runs `f` on a pool of `threads` workers; with one thread, on the caller's thread (no pool,
/// so the per-employee loops stay sequential: they go parallel only inside our own pool).
pub fn with_pool<T>(threads: usize, f: impl FnOnce() -> T + Send) -> Result<T, SimulationError>
where
    T: Send,
{
    let threads = effective_threads(threads);
    if threads == 1 {
        return Ok(f());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| SimulationError::Threads(e.to_string()))?;
    Ok(pool.install(f))
}

/// A run kept in memory (no store): every year's output, for tests, benches and embedding.
pub struct InMemoryRun {
    pub report: RunReport,
    pub years: Vec<(Foundation, YearEvents, Snapshot)>,
    /// Each year's plan ledger, in the order of `years`.
    pub plan_ledgers: Vec<PlanLedger>,
    /// Each year's weekly balances (empty unless `plan.ledger.balances = "weekly"`).
    pub balances: Vec<WeeklyBalances>,
}

/// Simulates without a database on the native engine, keeping every year's events and
/// snapshot (the facade's `simulate_in_memory` runs any engine).
pub fn simulate_in_memory(
    config: &ValidConfig,
    census: &PreparedCensus,
    options: &RunOptions,
) -> Result<InMemoryRun, SimulationError> {
    simulate_in_memory_on(
        config,
        census,
        options,
        &crate::engine::native::NativeEngine,
    )
}

/// [`simulate_in_memory`] on a given engine (`options.engine` should name it: the report
/// records it).
pub fn simulate_in_memory_on(
    config: &ValidConfig,
    census: &PreparedCensus,
    options: &RunOptions,
    engine: &dyn Engine,
) -> Result<InMemoryRun, SimulationError> {
    let mut years = Vec::new();
    let mut plan_ledgers = Vec::new();
    let mut balances = Vec::new();
    let report = simulate_each_year::<SimulationError>(
        config,
        census,
        options,
        engine,
        &mut |_, _| Ok(()),
        &mut |y| {
            years.push((y.foundation.clone(), y.events.clone(), y.snapshot.clone()));
            plan_ledgers.push(y.plan_ledger.clone());
            balances.push(y.balances.clone());
            Ok(())
        },
    )?;
    Ok(InMemoryRun {
        report,
        years,
        plan_ledgers,
        balances,
    })
}

/// Simulates without a database on `engine`, handing each year's events and snapshot to
/// `accumulated` as soon as they are built ([`AccumulatedHook`]) and each completed year to
/// `keep` as soon as its loop step ends (the caller keeps what it wants of it: [`simulate_in_memory_on`]
/// clones every table; an embedding can hand the year to another thread while the next one
/// is simulated). Returns the run report, every year's summary and compliance tests in it.
pub fn simulate_each_year<E: From<SimulationError> + Send>(
    config: &ValidConfig,
    census: &PreparedCensus,
    options: &RunOptions,
    engine: &dyn Engine,
    accumulated: &mut AccumulatedHook<'_, E>,
    keep: &mut (dyn FnMut(&YearOutput<'_>) -> Result<(), E> + Send),
) -> Result<RunReport, E> {
    let started = Instant::now();
    let mut report = new_report(
        config,
        options,
        &census.source,
        census.staged.rows.len() as u64,
        census.staged.baseline.len() as u64,
        None,
    );
    let mut sink = |y: &YearOutput<'_>, _: &[(String, f64)]| -> Result<(), E> { keep(y) };
    with_pool(options.threads, || {
        run_years_hooked(
            config,
            engine,
            census.staged.baseline.clone(),
            config.years(),
            &mut report,
            accumulated,
            &mut sink,
            &mut |_| {},
            Ledgers::All,
        )
    })??;
    report.total_seconds = started.elapsed().as_secs_f64();
    Ok(report)
}
