//! Event generation engines behind one interface. The orchestrator, the store and the benches
//! see only [`Engine`]; the native Rust engine is the fast path and the reference for parity.
//! The SQL engine (DuckDB statements) and the dataframe engine (Polars lazy expressions)
//! compute the same decisions from the same keyed draws (domain.md 2.1), so every engine gives
//! byte-identical events and snapshots for the same census, configuration and seed.
//!
//! Division of labour, the same for every engine: each engine counts the start-of-year
//! workforce for steps 1-2 and makes the decisions of steps 3-12 (who terminates, who is
//! hired, promoted, raised, becomes eligible, enrolls, opts out, responds to the match,
//! escalates) over columns; the arithmetic on the counts, the ledger's publication (step 13:
//! roster order, event payloads) and the plan-state accumulator are shared code. The workforce
//! accumulator is shared by native and SQL; the Polars engine has its own.

pub mod native;
pub mod polars;
pub mod sql;

use crate::config::Config;
use crate::events::YearEvents;
use crate::rules::bands::BandTable;
use crate::rules::parameters::YearParameters;
use crate::rules::workforce_needs::WorkforceNeeds;
use crate::state::{Snapshot, Workforce};
use serde::{Deserialize, Serialize};

/// Which engine generates the events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum EngineKind {
    /// Native Rust over struct-of-arrays columns.
    #[default]
    Native,
    /// Polars lazy expressions over dataframe columns.
    Polars,
    /// SQL statements inside an in-memory DuckDB.
    Sql,
}

impl EngineKind {
    /// Every engine, native first.
    pub const ALL: [EngineKind; 3] = [EngineKind::Native, EngineKind::Polars, EngineKind::Sql];

    pub fn as_str(self) -> &'static str {
        match self {
            EngineKind::Native => "native",
            EngineKind::Polars => "polars",
            EngineKind::Sql => "sql",
        }
    }

    /// A ready engine (the SQL engine opens its in-memory database here).
    pub fn engine(self) -> Result<Box<dyn Engine>, EngineError> {
        Ok(match self {
            EngineKind::Native => Box::new(native::NativeEngine),
            EngineKind::Polars => Box::new(polars::PolarsEngine),
            EngineKind::Sql => Box::new(sql::SqlEngine::new()?),
        })
    }
}

/// An engine failed to compute a year (a DuckDB or Polars error: a bug, or out of memory).
#[derive(Debug, thiserror::Error)]
#[error("{engine} engine, year {year}, {step}: {message}")]
pub struct EngineError {
    pub engine: &'static str,
    pub year: i32,
    pub step: &'static str,
    pub message: String,
}

/// Everything the year's rules read, resolved once per year (the FOUNDATION stage).
#[derive(Debug, Clone)]
pub struct YearContext<'a> {
    pub config: &'a Config,
    pub year: i32,
    pub params: YearParameters,
    pub age_bands: &'a BandTable,
    pub tenure_bands: &'a BandTable,
}

/// The foundation of a year: the solver's needs and the level quotas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Foundation {
    pub year: i32,
    pub needs: WorkforceNeeds,
    /// Experienced-termination quota per level (index 0 = level 1).
    pub termination_quotas: Vec<u64>,
    /// Hires per level.
    pub hire_quotas: Vec<u64>,
}

/// An event-generation engine.
pub trait Engine: Send + Sync {
    fn kind(&self) -> EngineKind;

    /// Steps 1-2 of domain.md 3.0: workforce needs and level quotas, from the counts of
    /// P(N) the engine takes ([`native::WorkforceCounts`]).
    fn foundation(
        &self,
        ctx: &YearContext<'_>,
        prior: &Workforce,
    ) -> Result<Foundation, EngineError> {
        Ok(native::foundation(ctx, prior))
    }

    /// Steps 3-13 (workforce and plan events): the year's events in ledger order.
    fn generate(
        &self,
        ctx: &YearContext<'_>,
        prior: &Workforce,
        foundation: &Foundation,
    ) -> Result<YearEvents, EngineError> {
        let decisions = self.decide(ctx, prior, foundation)?;
        Ok(native::publish(ctx, prior, decisions))
    }

    /// Steps 3-12: the year's decisions, which [`native::publish`] turns into the ledger.
    fn decide(
        &self,
        ctx: &YearContext<'_>,
        prior: &Workforce,
        foundation: &Foundation,
    ) -> Result<native::Decisions, EngineError>;

    /// Steps 14-19: the year-end snapshot from P(N) and the ledger: workforce state (5.1),
    /// then plan state and money (5.2-5.4, 3.15-3.20).
    fn accumulate(
        &self,
        ctx: &YearContext<'_>,
        prior: &Workforce,
        events: &YearEvents,
    ) -> Result<Snapshot, EngineError> {
        let mut snapshot = crate::state::accumulate(prior, events);
        crate::state::accumulate_plan(ctx.config, prior, events, &mut snapshot);
        Ok(snapshot)
    }
}
