//! The start-of-year fixture the phase benches share (criterion's `phases` and gungraun's
//! `instructions`): a configuration and a staged census, with the first year's foundation,
//! decisions, events, snapshot and plan ledger computed once, in setup (never measured).
//! Each bench reads the parts it measures.
#![allow(dead_code)]

use workforce_sim::engine::native::{self, NativeEngine};
use workforce_sim::engine::publish::publish;
use workforce_sim::engine::{Decisions, Engine, Foundation, YearContext};
use workforce_sim::events::YearEvents;
use workforce_sim::plan_ledger::PlanLedger;
use workforce_sim::rules::bands::BandTable;
use workforce_sim::year::band_tables;
use workforce_sim::{PreparedCensus, Snapshot, ValidConfig, Workforce};

/// A prepared start-of-year state and the first year computed from it on the native engine.
pub struct StartYear {
    pub config: ValidConfig,
    pub census: PreparedCensus,
    pub bands: (BandTable, BandTable),
    pub foundation: Foundation,
    pub decisions: Decisions,
    pub events: YearEvents,
    pub snapshot: Snapshot,
    pub plan_ledger: PlanLedger,
}

impl StartYear {
    /// The first year of `config` from `census`.
    pub fn new(config: ValidConfig, census: PreparedCensus) -> StartYear {
        let bands = band_tables(&config);
        let year = config.simulation.start_year;
        let ctx = YearContext::new(&config, year, &bands.0, &bands.1);
        let prior = &census.staged.baseline;
        let foundation = NativeEngine.foundation(&ctx, prior).expect("foundation");
        let decisions = native::decide(&ctx, prior, &foundation);
        let events = publish(&ctx, prior, decisions.clone());
        let snapshot = NativeEngine
            .accumulate(&ctx, prior, &events)
            .expect("accumulate");
        let plan_ledger = workforce_sim::plan_ledger::build(&config, prior, &events, &snapshot);
        StartYear {
            config,
            census,
            bands,
            foundation,
            decisions,
            events,
            snapshot,
            plan_ledger,
        }
    }

    /// The year's context.
    pub fn ctx(&self) -> YearContext<'_> {
        YearContext::new(
            &self.config,
            self.config.simulation.start_year,
            &self.bands.0,
            &self.bands.1,
        )
    }

    /// The start-of-year workforce P(N).
    pub fn prior(&self) -> &Workforce {
        &self.census.staged.baseline
    }
}
