//! The year loop with a writer thread: year N is encoded on the loop's thread and handed to
//! the writer, which writes and commits it while the loop computes year N+1. The channel
//! holds no year (a rendezvous), so at most one year is in flight besides the one being
//! computed and memory stays bounded. Progress is reported as the writer commits.

use super::RunError;
use crate::{EncodedYear, RunSink, YearTables};
use std::sync::mpsc;
use std::time::Instant;
use workforce_sim_core::config::ValidConfig;
use workforce_sim_core::report::{RunReport, Stage, StageTiming};
use workforce_sim_core::state::Workforce;
use workforce_sim_core::year::{with_pool, Progress, RunOptions, YearLoop, YearOutput};
use workforce_sim_core::Engine;

/// How the writer thread gets its sink: already open (a resume), or begun there (a new run:
/// its schema and census rows are written while the loop computes the first year).
pub enum Start<'a> {
    Ready(Box<dyn RunSink>),
    Begin(Box<dyn FnOnce() -> Result<Box<dyn RunSink>, RunError> + Send + 'a>),
}

/// One stretch of years of a run: where it starts and what it runs.
pub struct Years<'a> {
    pub config: &'a ValidConfig,
    pub engine: &'a dyn Engine,
    /// The start-of-year workforce of the first year.
    pub prior: Workforce,
    pub years: std::ops::RangeInclusive<i32>,
}

/// Runs `run`'s years into the sink `start` gives, timings into `report`; returns the sink
/// (every year committed, not yet finished) and the seconds its beginning took.
pub fn run_into(
    run: Years<'_>,
    start: Start<'_>,
    options: &RunOptions,
    report: &mut RunReport,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<(Box<dyn RunSink>, f64), RunError> {
    let years_total = run.years.clone().count();
    std::thread::scope(|scope| {
        let (send, receive) = mpsc::sync_channel::<EncodedYear>(0);
        let writer = scope.spawn(move || -> Result<(Box<dyn RunSink>, f64), RunError> {
            let begun = Instant::now();
            let mut sink = match start {
                Start::Ready(sink) => sink,
                Start::Begin(begin) => begin()?,
            };
            let init_seconds = begun.elapsed().as_secs_f64();
            for (done, year) in receive.into_iter().enumerate() {
                sink.write(&year)?;
                progress(Progress {
                    year: year.year,
                    years_done: done + 1,
                    years_total,
                    ending_headcount: year.ending_headcount,
                });
            }
            Ok((sink, init_seconds))
        });
        let hand_over =
            move |y: &YearOutput<'_>, timings: &[(String, f64)]| -> Result<(), RunError> {
                let encoded = EncodedYear::new(&YearTables {
                    foundation: y.foundation,
                    events: y.events,
                    snapshot: y.snapshot,
                    plan_ledger: y.plan_ledger,
                    balances: y.balances,
                    compliance_tests: y.compliance_tests,
                    summary: y.summary,
                    timings,
                })?;
                // A closed channel means the writer failed; its error is reported below.
                send.send(encoded).map_err(|_| RunError::WriterStopped)
            };
        // The loop owns the sender: the writer's channel closes when the loop ends.
        let computed = with_pool(options.threads, || {
            YearLoop::new(run.config, run.engine)
                .on_year(hand_over)
                .run(run.prior, run.years, report)
        });
        let wait = Instant::now();
        let written = writer
            .join()
            .map_err(|_| RunError::Output("the writer thread panicked".into()))?;
        report.stages.push(StageTiming {
            year: None,
            stage: Stage::Persistence,
            seconds: wait.elapsed().as_secs_f64(),
        });
        match (computed, written) {
            (_, Err(e)) => Err(e),
            (Err(e), _) => Err(e.into()),
            (Ok(Err(e)), _) => Err(e),
            (Ok(Ok(_)), Ok(written)) => Ok(written),
        }
    })
}
