//! Year state: the workforce at the start of a year and the year-end snapshot built from it
//! and the year's events (domain.md 5). Later plan states (enrollment, deferral rate) live
//! beside the workforce here.

pub mod workforce;

pub use workforce::{accumulate, DetailedStatus, Snapshot, Workforce};
