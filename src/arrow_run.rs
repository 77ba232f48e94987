//! A run kept in memory as Arrow record batches: what an embedding that wants tables (the
//! Python package, a notebook, another engine) gets without a file. The year loop runs on
//! the calling thread while a second thread encodes each finished year's events, snapshot,
//! workforce needs and year summary ([`EAGER`]) in the store's column types, so most of the
//! encoding hides behind the run; the other tables are encoded when first asked for.
//!
//! The tables are the store's, to the byte: money as decimal(15,2), rates as decimal(7,6),
//! categories as dictionaries whose keys are the store's ENUM codes, one batch per year.

use crate::engines::build_engine;
use crate::Error;
use std::sync::Arc;
use workforce_sim_core::balances::WeeklyBalances;
use workforce_sim_core::config::ValidConfig;
use workforce_sim_core::engine::Foundation;
use workforce_sim_core::events::YearEvents;
use workforce_sim_core::nondiscrimination::ComplianceTest;
use workforce_sim_core::plan_ledger::PlanLedger;
use workforce_sim_core::report::{RunReport, YearSummary};
use workforce_sim_core::state::Snapshot;
use workforce_sim_core::year::{PreparedCensus, RunOptions, YearLoop, YearOutput};
use workforce_sim_store::arrow::record_batch::RecordBatch;
use workforce_sim_store::{EncodedYear, YearTables};

/// The tables of an [`ArrowRun`], by name.
pub const TABLES: [&str; 8] = [
    "events",
    "snapshot",
    "workforce_needs",
    "year_summary",
    "plan_ledger",
    "employer_cost_by_cohort",
    "compliance_tests",
    "weekly_balances",
];

/// The tables encoded while the run goes on, in this order; the others when first asked for.
pub const EAGER: [&str; 4] = ["events", "snapshot", "workforce_needs", "year_summary"];

/// A year's events and snapshot, handed to the encoder as soon as they are accumulated.
type Accumulated = Arc<(YearEvents, Snapshot)>;

/// One simulated year as an [`ArrowRun`] keeps it (shared with the encoder thread).
struct KeptYear {
    foundation: Foundation,
    accumulated: Accumulated,
    plan_ledger: PlanLedger,
    balances: WeeklyBalances,
    compliance_tests: Vec<ComplianceTest>,
    summary: YearSummary,
}

impl KeptYear {
    fn kept(y: &YearOutput<'_>, accumulated: Accumulated) -> KeptYear {
        KeptYear {
            foundation: y.foundation.clone(),
            accumulated,
            plan_ledger: y.plan_ledger.clone(),
            balances: y.balances.clone(),
            compliance_tests: y.compliance_tests.to_vec(),
            summary: y.summary.clone(),
        }
    }

    fn tables(&self) -> YearTables<'_> {
        YearTables {
            foundation: &self.foundation,
            events: &self.accumulated.0,
            snapshot: &self.accumulated.1,
            plan_ledger: &self.plan_ledger,
            balances: &self.balances,
            compliance_tests: &self.compliance_tests,
            summary: &self.summary,
            timings: &[],
        }
    }

    fn encode(&self, table: &str) -> Result<RecordBatch, Error> {
        EncodedYear::encode_table(&self.tables(), table)?
            .ok_or_else(|| Error::Output(format!("no table {table:?}")))
    }
}

/// What the year loop hands the encoder thread.
enum Handed {
    /// A year's events and snapshot, as soon as they are accumulated.
    Accumulated(Accumulated),
    /// The year, complete (its workforce needs and summary).
    Kept(Arc<KeptYear>),
}

/// A completed in-memory run and its tables as Arrow record batches, one per year.
pub struct ArrowRun {
    years: Vec<Arc<KeptYear>>,
    eager: [Vec<RecordBatch>; 4],
    /// The run report (timings, year summaries, cohort costs, compliance tests).
    pub report: RunReport,
    /// Seconds in the year loop (the encoder working beside it).
    pub loop_seconds: f64,
    /// Seconds waited after the loop for the encoder to finish the last year's tables.
    pub wait_seconds: f64,
}

impl ArrowRun {
    /// One table (see [`TABLES`]), a batch per year in year order: the [`EAGER`] ones as
    /// encoded during the run (shared, not copied), the others encoded now, their years in
    /// parallel.
    pub fn table(&self, name: &str) -> Result<Vec<RecordBatch>, Error> {
        use rayon::prelude::*;
        if let Some(k) = EAGER.iter().position(|t| *t == name) {
            return Ok(self.eager[k].clone());
        }
        if !TABLES.contains(&name) {
            return Err(Error::Output(format!(
                "no table {name:?}; the tables are {}",
                TABLES.join(", ")
            )));
        }
        self.years.par_iter().map(|y| y.encode(name)).collect()
    }

    /// The number of simulated years.
    pub fn years(&self) -> usize {
        self.years.len()
    }
}

/// Simulates `census` in memory on `options.engine` and returns its tables as Arrow: the year
/// loop on this thread, a second thread encoding each year's [`EAGER`] tables (handed over
/// through a channel, shared, not copied): its events and snapshot as soon as they are
/// accumulated ([`workforce_sim_core::year::AccumulatedHook`]), its needs and summary when
/// the year is complete.
pub fn simulate_to_arrow(
    config: &ValidConfig,
    census: &PreparedCensus,
    options: &RunOptions,
) -> Result<ArrowRun, Error> {
    let started = std::time::Instant::now();
    let total = config.years().count();
    let (tx, rx) = std::sync::mpsc::channel::<Handed>();
    std::thread::scope(|scope| {
        // Events and snapshot are encoded as soon as they are handed over, so the last year's
        // are under way while the loop builds that year's ledgers, validation and report
        // (and are split over both cores, the loop having none left to run).
        let encoder = scope.spawn(move || -> Result<[Vec<RecordBatch>; 4], Error> {
            let mut out: [Vec<RecordBatch>; 4] = Default::default();
            let mut accumulated = 0;
            for handed in rx {
                match handed {
                    Handed::Accumulated(a) => {
                        accumulated += 1;
                        let (events, snapshot) = if accumulated == total {
                            rayon::join(
                                || EncodedYear::events_table(&a.0, &a.1),
                                || EncodedYear::snapshot_table(&a.1),
                            )
                        } else {
                            (
                                EncodedYear::events_table(&a.0, &a.1),
                                EncodedYear::snapshot_table(&a.1),
                            )
                        };
                        out[0].push(events?);
                        out[1].push(snapshot?);
                    }
                    Handed::Kept(y) => {
                        out[2].push(y.encode(EAGER[2])?);
                        out[3].push(y.encode(EAGER[3])?);
                    }
                }
            }
            Ok(out)
        });
        let mut years = Vec::with_capacity(total);
        let report = {
            // The year whose events and snapshot were handed over, until it is complete.
            let pending = std::sync::Mutex::new(None::<Accumulated>);
            let pending = &pending;
            let tx_early = tx.clone();
            let accumulated =
                move |events: &YearEvents, snapshot: &Snapshot| -> Result<(), Error> {
                    let a = Arc::new((events.clone(), snapshot.clone()));
                    if let Ok(mut p) = pending.lock() {
                        *p = Some(Arc::clone(&a));
                    }
                    // A closed channel means the encoder stopped on an error, returned below.
                    let _ = tx_early.send(Handed::Accumulated(a));
                    Ok(())
                };
            let kept = &mut years;
            let keep = move |y: &YearOutput<'_>, _: &[(String, f64)]| -> Result<(), Error> {
                let a = pending
                    .lock()
                    .ok()
                    .and_then(|mut p| p.take())
                    .ok_or_else(|| {
                        Error::Output("a year completed without its events and snapshot".into())
                    })?;
                let year = Arc::new(KeptYear::kept(y, a));
                kept.push(Arc::clone(&year));
                let _ = tx.send(Handed::Kept(year));
                Ok(())
            };
            // The loop owns the senders and drops them when it ends: the encoder ends with
            // the last year.
            build_engine(options.engine).and_then(|engine| {
                YearLoop::new(config, engine.as_ref())
                    .on_accumulated(accumulated)
                    .on_year(keep)
                    .run_census(census, options)
            })
        };
        let loop_end = std::time::Instant::now();
        let eager = encoder
            .join()
            .map_err(|_| Error::Output("the table encoder panicked".into()))?;
        let report = report?;
        Ok(ArrowRun {
            years,
            eager: eager?,
            report,
            loop_seconds: (loop_end - started).as_secs_f64(),
            wait_seconds: loop_end.elapsed().as_secs_f64(),
        })
    })
}
