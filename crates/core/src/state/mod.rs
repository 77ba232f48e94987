//! Year state: the workforce at the start of a year and the year-end snapshot built from it
//! and the year's events (docs/rules.md 5); the plan states (enrollment, deferral rate,
//! escalation, balances) ride along with each employee.

pub mod plan;
pub mod workforce;

pub use plan::{accumulate_plan, PlanCarry, PlanYear};
pub use workforce::{accumulate, DetailedStatus, Snapshot, Workforce};
