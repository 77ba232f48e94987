//! Event generation engines behind one interface. The orchestrator, the store and the benches
//! see only [`Engine`]; the native Rust engine is the fast path and the reference for parity.

pub mod native;

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
}

impl EngineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EngineKind::Native => "native",
        }
    }

    pub fn engine(self) -> Box<dyn Engine> {
        match self {
            EngineKind::Native => Box::new(native::NativeEngine),
        }
    }
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

    /// Steps 1-2 of domain.md 3.0: workforce needs and level quotas.
    fn foundation(&self, ctx: &YearContext<'_>, prior: &Workforce) -> Foundation;

    /// Steps 3-13 (workforce and plan events): the year's events in ledger order.
    fn generate(
        &self,
        ctx: &YearContext<'_>,
        prior: &Workforce,
        foundation: &Foundation,
    ) -> YearEvents;

    /// Steps 14-19: the year-end snapshot from P(N) and the ledger: workforce state (5.1),
    /// then plan state and money (5.2-5.4, 3.15-3.20).
    fn accumulate(
        &self,
        ctx: &YearContext<'_>,
        prior: &Workforce,
        events: &YearEvents,
    ) -> Snapshot {
        let mut snapshot = crate::state::accumulate(prior, events);
        crate::state::accumulate_plan(ctx.config, prior, events, &mut snapshot);
        snapshot
    }
}
