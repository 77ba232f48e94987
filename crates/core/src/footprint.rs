//! Where a run's memory goes (issue 31): the heap bytes of each part of a year's state (the
//! start-of-year workforce, the workforce ledger, the snapshot, the money ledger) and, for a
//! store-backed run, of the year's encoded Arrow batches, each at its largest over the
//! run's years. Counted from the vectors' capacities and the id strings' lengths, so the
//! figure is what the allocator holds for these columns, not an estimate of a model.
//!
//! The ids are `Arc<str>` shared by the workforce and the snapshot; their text is counted
//! once, with the workforce (a hire's with the snapshot: it has no workforce entry yet).

use crate::events::YearEvents;
use crate::plan_ledger::PlanLedger;
use crate::state::{Snapshot, Workforce};
use serde::{Deserialize, Serialize};
use std::mem::size_of;
use std::sync::Arc;

/// The bytes a vector's buffer holds.
fn buffer<T>(v: &Vec<T>) -> u64 {
    (v.capacity() * size_of::<T>()) as u64
}

/// The text and counts of shared id strings (an `Arc<str>` allocation: two counts and the
/// bytes).
fn shared_text(ids: &[Arc<str>]) -> u64 {
    ids.iter()
        .map(|s| (s.len() + 2 * size_of::<usize>()) as u64)
        .sum()
}

/// The heap bytes of the start-of-year workforce, its id strings included.
pub fn workforce_bytes(w: &Workforce) -> u64 {
    buffer(&w.employee_id)
        + buffer(&w.employee_ssn)
        + shared_text(&w.employee_id)
        + shared_text(&w.employee_ssn)
        + buffer(&w.id_key)
        + buffer(&w.birth_date)
        + buffer(&w.hire_date)
        + buffer(&w.compensation)
        + buffer(&w.level)
        + buffer(&w.age)
        + buffer(&w.tenure)
        + buffer(&w.scheduled_hours)
        + buffer(&w.eligibility_date)
        + buffer(&w.waiting_period_days)
        + buffer(&w.plan)
}

/// The heap bytes of the year's workforce ledger (the hires' records with their strings).
pub fn events_bytes(e: &YearEvents) -> u64 {
    let hire_text: u64 = e
        .hires
        .iter()
        .map(|h| (h.employee_id.capacity() + h.employee_ssn.capacity()) as u64)
        .sum();
    buffer(&e.roster)
        + buffer(&e.hires)
        + hire_text
        + buffer(&e.position)
        + buffer(&e.event_type)
        + buffer(&e.category)
        + buffer(&e.effective_date)
        + buffer(&e.compensation_amount)
        + buffer(&e.previous_compensation)
        + buffer(&e.employee_deferral_rate)
        + buffer(&e.prev_employee_deferral_rate)
        + buffer(&e.employee_age)
        + buffer(&e.employee_tenure)
        + buffer(&e.level_id)
        + buffer(&e.event_probability)
        + buffer(&e.event_sequence)
        + buffer(&e.detail)
}

/// The heap bytes of the year-end snapshot (the id strings of the year's hires included;
/// the others are the workforce's).
pub fn snapshot_bytes(s: &Snapshot, hires: &[crate::model::Hire]) -> u64 {
    let hire_text: u64 = hires
        .iter()
        .map(|h| (h.employee_id.len() + h.employee_ssn.len() + 4 * size_of::<usize>()) as u64)
        .sum();
    buffer(&s.employee_id)
        + buffer(&s.employee_ssn)
        + hire_text
        + buffer(&s.id_key)
        + buffer(&s.birth_date)
        + buffer(&s.hire_date)
        + buffer(&s.current_compensation)
        + buffer(&s.prorated_annual_compensation)
        + buffer(&s.current_age)
        + buffer(&s.current_tenure)
        + buffer(&s.level_id)
        + buffer(&s.active)
        + buffer(&s.termination_date)
        + buffer(&s.termination_reason)
        + buffer(&s.detailed_status)
        + buffer(&s.scheduled_hours)
        + buffer(&s.eligibility_date)
        + buffer(&s.waiting_period_days)
        + buffer(&s.plan)
}

/// The heap bytes of the year's money ledger.
pub fn plan_ledger_bytes(l: &PlanLedger) -> u64 {
    buffer(&l.position) + buffer(&l.effective_date) + buffer(&l.event_sequence) + buffer(&l.event)
}

/// The largest bytes of each part of a year's state over a run's years, and the roster of
/// that year (`simulate --json`'s `memory`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MemoryUse {
    /// The largest year's roster (snapshot rows).
    pub employees: u64,
    /// The start-of-year workforce.
    pub workforce_bytes: u64,
    /// The workforce ledger of the year.
    pub events_bytes: u64,
    /// The year-end snapshot with its plan year.
    pub snapshot_bytes: u64,
    /// The money ledger of the year.
    pub plan_ledger_bytes: u64,
    /// The year's Arrow batches on their way to the store, at most (0 in memory): the
    /// encoder's chunks queued for the writer and the one being appended.
    pub encoded_bytes: u64,
}

impl MemoryUse {
    /// Takes the larger of each part.
    pub fn widen(&mut self, other: &MemoryUse) {
        self.employees = self.employees.max(other.employees);
        self.workforce_bytes = self.workforce_bytes.max(other.workforce_bytes);
        self.events_bytes = self.events_bytes.max(other.events_bytes);
        self.snapshot_bytes = self.snapshot_bytes.max(other.snapshot_bytes);
        self.plan_ledger_bytes = self.plan_ledger_bytes.max(other.plan_ledger_bytes);
        self.encoded_bytes = self.encoded_bytes.max(other.encoded_bytes);
    }

    /// The year state of one year: workforce, ledgers, snapshot.
    pub fn of_year(
        prior: &Workforce,
        events: &YearEvents,
        snapshot: &Snapshot,
        plan_ledger: &PlanLedger,
    ) -> MemoryUse {
        MemoryUse {
            employees: snapshot.len() as u64,
            workforce_bytes: workforce_bytes(prior),
            events_bytes: events_bytes(events),
            snapshot_bytes: snapshot_bytes(snapshot, &events.hires),
            plan_ledger_bytes: plan_ledger_bytes(plan_ledger),
            encoded_bytes: 0,
        }
    }

    /// All parts together.
    pub fn total_bytes(&self) -> u64 {
        self.workforce_bytes
            + self.events_bytes
            + self.snapshot_bytes
            + self.plan_ledger_bytes
            + self.encoded_bytes
    }

    /// `bytes` per employee of the largest roster.
    pub fn per_employee(&self, bytes: u64) -> f64 {
        bytes as f64 / self.employees.max(1) as f64
    }
}
