//! The year loop with a writer thread: year N is encoded on the loop's thread a chunk of rows
//! at a time and handed to the writer, which appends the chunks as they come and commits the
//! year when its small tables close it, while the loop goes on to year N+1. The hand-over
//! queue holds at most [`IN_FLIGHT_BYTES`] of encoded rows ([`super::queue`]), so memory is
//! bounded by chunks, not by years: the loop waits when the writer is that far behind.
//! Progress is reported as the writer commits.

use super::queue;
use super::RunError;
use crate::{EncodedYear, RowChunk, RunSink, YearTables};
use std::time::Instant;
use workforce_sim_core::config::ValidConfig;
use workforce_sim_core::report::{RunReport, Stage, StageTiming};
use workforce_sim_core::state::Workforce;
use workforce_sim_core::year::{with_pool, Progress, RunOptions, YearLoop, YearOutput};
use workforce_sim_core::Engine;

/// The most bytes of encoded rows handed to the writer and not yet written: about a second
/// of DuckDB's appender, so the loop computes the next year while the writer works through
/// them, and ~2 chunks of the snapshot at 1,000,000 employees.
pub const IN_FLIGHT_BYTES: u64 = 256 << 20;

/// What the loop hands the writer: a chunk of a year's rows, or the rest of the year, which
/// commits it.
enum Handed {
    Rows(RowChunk),
    Year(Box<EncodedYear>),
}

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
    // The naive mode materialises each stage from the whole year.
    let whole_years = options.materialize_stages;
    let mut peak = 0;
    let written = std::thread::scope(|scope| {
        let (send, receive) = queue::bounded::<Handed>(IN_FLIGHT_BYTES);
        let in_flight = &send;
        let writer = scope.spawn(move || -> Result<(Box<dyn RunSink>, f64), RunError> {
            let begun = Instant::now();
            let mut sink = match start {
                Start::Ready(sink) => sink,
                Start::Begin(begin) => begin()?,
            };
            let init_seconds = begun.elapsed().as_secs_f64();
            let mut done = 0;
            while let Some(handed) = receive.recv() {
                let year = match handed {
                    Handed::Rows(chunk) => {
                        sink.append_rows(&chunk)?;
                        continue;
                    }
                    Handed::Year(year) => year,
                };
                sink.write(&year)?;
                done += 1;
                progress(Progress {
                    year: year.year,
                    years_done: done,
                    years_total,
                    ending_headcount: year.ending_headcount,
                });
            }
            Ok((sink, init_seconds))
        });
        let hand_over =
            move |y: &YearOutput<'_>, timings: &[(String, f64)]| -> Result<(), RunError> {
                let tables = YearTables {
                    foundation: y.foundation,
                    events: y.events,
                    snapshot: y.snapshot,
                    plan_ledger: y.plan_ledger,
                    balances: y.balances,
                    compliance_tests: y.compliance_tests,
                    summary: y.summary,
                    timings,
                };
                // A gone receiver means the writer failed; its error is reported below.
                let send = |handed: Handed, bytes: u64| {
                    in_flight
                        .send(handed, bytes)
                        .map_err(|_| RunError::WriterStopped)
                };
                if whole_years {
                    let year = EncodedYear::new(&tables)?;
                    let bytes = year.arrow_bytes();
                    return send(Handed::Year(Box::new(year)), bytes);
                }
                for chunk in EncodedYear::chunks(&tables) {
                    let chunk = chunk?;
                    let bytes = chunk.batch.get_array_memory_size() as u64;
                    send(Handed::Rows(chunk), bytes)?;
                }
                let year = EncodedYear::small(&tables)?;
                let bytes = year.arrow_bytes();
                send(Handed::Year(Box::new(year)), bytes)
            };
        let computed = with_pool(options.threads, || {
            YearLoop::new(run.config, run.engine)
                .on_year(hand_over)
                .run(run.prior, run.years, report)
        });
        // The loop is done: the writer takes what is queued, then sees the end.
        peak = send.peak_bytes();
        drop(send);
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
    });
    report.memory.encoded_bytes = report.memory.encoded_bytes.max(peak);
    written
}
