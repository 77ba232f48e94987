//! Event generation engines behind one interface. The orchestrator, the store and the benches
//! see only [`Engine`]; the native Rust engine is the fast path and the reference for parity.
//! The SQL engine (DuckDB statements) and the dataframe engine (Polars lazy expressions)
//! compute the same decisions from the same keyed draws (docs/rules.md 2.1), so every engine gives
//! byte-identical events and snapshots for the same census, configuration and seed.
//!
//! Division of labour, the same for every engine: each engine counts the start-of-year
//! workforce for steps 1-2 and makes the decisions of steps 3-12 (who terminates, who is
//! hired, promoted, raised, becomes eligible, enrolls, opts out, responds to the match,
//! escalates) over columns; the arithmetic on the counts, the ledger's publication (step 13:
//! roster order, event payloads) and the plan-state accumulator are shared code. The workforce
//! accumulator is shared by native and SQL; the Polars engine has its own.

pub mod decisions;
pub mod foundation;
pub mod native;
pub mod publish;

pub use crate::error::EngineError;
pub use decisions::Decisions;
pub use foundation::Foundation;

use crate::config::ValidConfig;
use crate::events::YearEvents;
use crate::rules::bands::BandTable;
use crate::rules::parameters::YearParameters;
use crate::state::{Snapshot, Workforce};
use serde::{Deserialize, Serialize};

/// Which engine generates the events. The native engine lives here; the others are crates of
/// their own, which the facade (`workforce-sim`) builds from this value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
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
}

impl std::fmt::Display for EngineKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for EngineKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EngineKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown engine {s:?}: expected native, polars or sql"))
    }
}

/// "Stays all year": the upper bound a member's termination date takes in an engine's
/// comparisons when there is none (the ledger and the tables carry none, or NULL).
pub const NO_TERMINATION: crate::date::Day = crate::date::Day::MAX;

/// Everything the year's rules read, resolved once per year (the FOUNDATION stage).
#[derive(Debug, Clone)]
pub struct YearContext<'a> {
    pub config: &'a ValidConfig,
    pub year: i32,
    pub params: YearParameters,
    pub age_bands: &'a BandTable,
    pub tenure_bands: &'a BandTable,
}

impl<'a> YearContext<'a> {
    /// The context of `year`: its parameters resolved from `config`, the band tables the
    /// run built once ([`crate::year::band_tables`]).
    pub fn new(
        config: &'a ValidConfig,
        year: i32,
        age_bands: &'a BandTable,
        tenure_bands: &'a BandTable,
    ) -> Self {
        YearContext {
            config,
            year,
            params: YearParameters::new(config, year),
            age_bands,
            tenure_bands,
        }
    }
}

/// An event-generation engine.
pub trait Engine: Send + Sync {
    fn kind(&self) -> EngineKind;

    /// Steps 1-2 of docs/rules.md 3.0: workforce needs and level quotas, from the counts of
    /// P(N) the engine takes ([`foundation::WorkforceCounts`]).
    fn foundation(
        &self,
        ctx: &YearContext<'_>,
        prior: &Workforce,
    ) -> Result<Foundation, EngineError> {
        foundation::foundation(ctx, prior)
    }

    /// Steps 3-13 (workforce and plan events): the year's events in ledger order.
    fn generate(
        &self,
        ctx: &YearContext<'_>,
        prior: &Workforce,
        foundation: &Foundation,
    ) -> Result<YearEvents, EngineError> {
        let decisions = self.decide(ctx, prior, foundation)?;
        Ok(publish::publish(ctx, prior, decisions))
    }

    /// Steps 3-12: the year's decisions, which [`publish::publish`] turns into the ledger.
    fn decide(
        &self,
        ctx: &YearContext<'_>,
        prior: &Workforce,
        foundation: &Foundation,
    ) -> Result<Decisions, EngineError>;

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
