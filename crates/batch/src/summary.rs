//! What a batch keeps of each run: its per-year summaries. A leaf module, read by the
//! statistics (ensembles, attribution, comparison) and written by the runner.

use crate::design::Design;
use workforce_sim_core::report::YearSummary;

/// What a run keeps: its per-year summaries.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    pub scenario: usize,
    pub seed: u64,
    pub design: Design,
    pub years: Vec<YearSummary>,
    /// Per simulated year, whether the ADP and ACP tests both passed (a pass with no HCE and
    /// a safe-harbor pass included; `no_nhce` is not a pass). Empty when the plan is off, and
    /// for runs read back from a store (which keeps the tests in its own tables).
    pub adp_acp_pass: Vec<bool>,
    /// Wall time of the run (census and years).
    pub seconds: f64,
}
