//! The year loop (docs/rules.md 6): for each year in order the stages foundation → event
//! generation → state accumulation → validation → reporting → persistence, each timed. Year N
//! reads only year N−1's state. There is one loop, [`YearLoop`]; persistence is its sink (the
//! store writes each year in one transaction), and [`InMemoryRun::simulate`] keeps every year
//! instead.

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

impl CensusInput {
    /// The synthetic census of `employees` employees that a run of `config` starts from:
    /// generated for the configuration's census year with `seed`.
    pub fn synthetic(config: &ValidConfig, employees: usize, seed: u64) -> CensusInput {
        CensusInput::Synthetic(GeneratorParams::new(employees, config.census_year(), seed))
    }
}

impl PreparedCensus {
    /// Reads, validates and stages the census. A Parquet census file needs `parquet` (the
    /// store's reader: the core links no Parquet library); without one it is an error.
    /// Fails before anything is written anywhere.
    pub fn prepare(
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
            CensusInput::Records { records, source } => {
                (records.clone(), source.clone(), Vec::new())
            }
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
}

/// Options that do not change results.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub engine: EngineKind,
    /// Worker threads; 0 = one per core. Results are identical for any value.
    pub threads: usize,
    /// The naive orchestration: also materialise every stage's
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

/// Which ledgers a year loop builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ledgers {
    /// The workforce ledger and the plan's money ledger (every run that keeps its results).
    All,
    /// The workforce ledger only: the year's plan ledger is left empty. For runs that keep
    /// only their year summaries (a batch's ensemble runs), whose money is in the summaries.
    WorkforceOnly,
}

/// Called with a year's events and snapshot as soon as the snapshot is accumulated, before
/// the year's ledgers, validation and reporting, so that an embedding can start on them (the
/// facade's `simulate_to_arrow` encoder does) while the loop finishes the year. The year may
/// still fail validation after it, and then the run fails.
pub type AccumulatedHook<'s, E> = dyn FnMut(&YearEvents, &Snapshot) -> Result<(), E> + Send + 's;

/// The one year loop (docs/rules.md 6), built once per run: the engine, which ledgers to
/// build, a hook on each accumulated year, the sink of each completed year and a progress
/// callback. Every way of running years (into a store, in memory, to Arrow, a batch's
/// summary-only runs) is this loop with other parts.
///
/// ```no_run
/// # use workforce_sim_core::{year::{YearLoop, PreparedCensus, RunOptions}, ValidConfig, SimulationError};
/// # fn f(config: &ValidConfig, census: &PreparedCensus) -> Result<(), SimulationError> {
/// let engine = workforce_sim_core::engine::native::NativeEngine;
/// let mut headcounts = Vec::new();
/// let report = YearLoop::<SimulationError>::new(config, &engine)
///     .on_year(|y, _| {
///         headcounts.push(y.summary.ending_headcount);
///         Ok(())
///     })
///     .run_census(census, &RunOptions::default())?;
/// # Ok(()) }
/// ```
pub struct YearLoop<'a, E> {
    config: &'a ValidConfig,
    engine: &'a dyn Engine,
    ledgers: Ledgers,
    accumulated: Box<AccumulatedHook<'a, E>>,
    sink: Box<YearSink<'a, E>>,
    progress: Box<dyn FnMut(Progress) + Send + 'a>,
}

impl<'a, E: From<SimulationError> + 'a> YearLoop<'a, E> {
    /// The loop on `engine` with every ledger, no hook, a sink that keeps nothing and no
    /// progress callback.
    pub fn new(config: &'a ValidConfig, engine: &'a dyn Engine) -> Self {
        YearLoop {
            config,
            engine,
            ledgers: Ledgers::All,
            accumulated: Box::new(|_, _| Ok(())),
            sink: Box::new(|_, _| Ok(())),
            progress: Box::new(|_| {}),
        }
    }

    /// Which ledgers each year builds (default [`Ledgers::All`]).
    pub fn ledgers(mut self, ledgers: Ledgers) -> Self {
        self.ledgers = ledgers;
        self
    }

    /// Calls `hook` with each year's events and snapshot as soon as they are accumulated
    /// ([`AccumulatedHook`]).
    pub fn on_accumulated(
        mut self,
        hook: impl FnMut(&YearEvents, &Snapshot) -> Result<(), E> + Send + 'a,
    ) -> Self {
        self.accumulated = Box::new(hook);
        self
    }

    /// Hands each completed year, with its stage timings, to `sink` (persistence, or
    /// whatever the caller keeps of it) before the next year starts.
    pub fn on_year(
        mut self,
        sink: impl FnMut(&YearOutput<'_>, &[(String, f64)]) -> Result<(), E> + Send + 'a,
    ) -> Self {
        self.sink = Box::new(sink);
        self
    }

    /// Calls `progress` after each year has gone to the sink.
    pub fn on_progress(mut self, progress: impl FnMut(Progress) + Send + 'a) -> Self {
        self.progress = Box::new(progress);
        self
    }

    /// Runs a whole census on a pool of `options.threads` workers: a new report, every
    /// configured year from the staged baseline. Returns the report, every year's summary
    /// and compliance tests in it.
    pub fn run_census(self, census: &PreparedCensus, options: &RunOptions) -> Result<RunReport, E>
    where
        E: Send,
    {
        let started = Instant::now();
        let mut report = new_report(
            self.config,
            options,
            &census.source,
            census.staged.rows.len() as u64,
            census.staged.baseline.len() as u64,
            None,
        );
        let years = self.config.years();
        let baseline = census.staged.baseline.clone();
        with_pool(options.threads, || self.run(baseline, years, &mut report))??;
        report.total_seconds = started.elapsed().as_secs_f64();
        Ok(report)
    }

    /// Runs years `years` from `prior` (the start-of-year workforce of the first of them),
    /// each year's stage timings into `report`; returns the workforce after the last year.
    pub fn run(
        mut self,
        mut prior: Workforce,
        years: std::ops::RangeInclusive<i32>,
        report: &mut RunReport,
    ) -> Result<Workforce, E> {
        let config = self.config;
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
            let ctx = YearContext::new(config, year, &age_bands, &tenure_bands);
            let foundation = self
                .engine
                .foundation(&ctx, &prior)
                .map_err(SimulationError::from)?;
            lap(Stage::Foundation, &mut timings);
            let events = self
                .engine
                .generate(&ctx, &prior, &foundation)
                .map_err(SimulationError::from)?;
            lap(Stage::EventGeneration, &mut timings);
            let snapshot = self
                .engine
                .accumulate(&ctx, &prior, &events)
                .map_err(SimulationError::from)?;
            (self.accumulated)(&events, &snapshot)?;
            let all = self.ledgers == Ledgers::All;
            let plan_ledger = if all {
                crate::plan_ledger::build(config, &prior, &events, &snapshot)
            } else {
                PlanLedger {
                    year,
                    ..PlanLedger::default()
                }
            };
            let balances = if all && config.plan.ledger.balances == BalanceSnapshots::Weekly {
                crate::balances::build(&prior, &events, &snapshot, &plan_ledger)
            } else {
                WeeklyBalances {
                    year,
                    ..WeeklyBalances::default()
                }
            };
            lap(Stage::StateAccumulation, &mut timings);
            let mut validation = validate_year(&prior, &foundation, &events, &snapshot, config);
            if all {
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
            report.memory.widen(&crate::footprint::MemoryUse::of_year(
                &prior,
                &events,
                &snapshot,
                &plan_ledger,
            ));
            let named: Vec<(String, f64)> = timings
                .iter()
                .map(|(s, t)| (s.as_str().to_string(), *t))
                .collect();
            (self.sink)(
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
            (self.progress)(Progress {
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
        memory: Default::default(),
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

impl InMemoryRun {
    /// Simulates without a database on `engine` (`options.engine` should name it: the report
    /// records it), keeping every year's events, snapshot and ledgers.
    pub fn simulate(
        config: &ValidConfig,
        census: &PreparedCensus,
        options: &RunOptions,
        engine: &dyn Engine,
    ) -> Result<InMemoryRun, SimulationError> {
        let mut years = Vec::new();
        let mut plan_ledgers = Vec::new();
        let mut balances = Vec::new();
        let report = YearLoop::<SimulationError>::new(config, engine)
            .on_year(|y, _| {
                years.push((y.foundation.clone(), y.events.clone(), y.snapshot.clone()));
                plan_ledgers.push(y.plan_ledger.clone());
                balances.push(y.balances.clone());
                Ok(())
            })
            .run_census(census, options)?;
        Ok(InMemoryRun {
            report,
            years,
            plan_ledgers,
            balances,
        })
    }
}
