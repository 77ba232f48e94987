//! The defined-contribution 401(k) plan (domain.md 3.9-3.20, 5.2-5.4): its configuration, the
//! state carried from year to year for each employee, and the per-year plan figures on the
//! snapshot. The rules themselves are pure functions in [`crate::rules`]; the event step lives
//! in the engine ([`crate::engine::native::plan_decisions`]) and the accumulator in
//! [`crate::state::plan`].

pub mod config;

pub use config::PlanConfig;
