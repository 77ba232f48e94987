//! The plan's money ledger (docs/rules.md 3.15-3.20, payloads of 4.3): the events the plan
//! accumulator decides, written where it decides them. The workforce ledger ([`crate::events`])
//! is decided before the accumulators and drives them; this one is their output (as 3.17 keeps
//! the match "a separate event table"), so it never feeds back into a year: year N's money
//! events are built from the prior state, the year's workforce events and the year's snapshot.
//!
//! Per employee and year, in this order on a day:
//! * `auto_enrollment_window` (3.10.1): a hire of the year in auto-enrollment scope and not
//!   plan-ineligible: `opened` on the hire date; on the window's end (hire + window_days)
//!   `closed`, or `expired` on the termination date if the employee leaves first. The window
//!   counts from the hire date, as the auto-enrollment date of 3.10.1 does.
//! * `hce_status` (3.20), dated January 1: each year's determination (the look-back pay
//!   against the look-back year's threshold) for every HCE, and for every employee who was
//!   an HCE the year before and no longer is. Non-highly compensated is the default status:
//!   an NHCE who was an NHCE the year before (or is new) gets no event, which keeps the
//!   ledger to the determinations that say something (about a tenth of the employees).
//! * `contribution` (3.15, 3.17, 3.18) per source: employee pre-tax, Roth, catch-up, employer
//!   match, employer core (non-elective). Catch-up is the part of the deferrals above the
//!   base 402(g) limit for employees 50 and over; it is taken from the pre-tax part (catch-up
//!   deferrals are pre-tax here). Annual (`plan.ledger.contributions = "annual"`): one event
//!   per source, employee money dated on the last day employed in the year, employer money on
//!   December 31. `"per_pay_period"`: biweekly periods ending on Fridays (26 a year from the
//!   first Friday of January); each source's annual amount is spread in cents over the
//!   periods the money was earned in (deferrals: from the enrollment to the opt-out or the
//!   last day employed), the last period taking the remainder, so the events sum to the
//!   snapshot's amounts to the cent.
//! * `vesting` (3.19): when an employee with employer money has a vested share different from
//!   the prior year-end's, or has employer money for the first time at a share above 0;
//!   dated December 31 or on the termination date.
//! * `forfeiture` (3.19): on termination with unvested employer money, per employer source.
//! * `compliance` (3.20): a participant whose deferrals reach (1 − margin) of the
//!   age-appropriate 402(g) limit, or whose annual additions reach (1 − margin) of the 415(c)
//!   limit (min of the dollar limit and the year's pay), or who becomes catch-up eligible (turns
//!   50 in the year; in the start year or the hire year, is 50 or over).

mod build;
mod record;

pub use build::build;
pub use record::{schedule_type, PlanColumns, PlanLedgerRecord, ACTIONS, EVENT_TYPES};

use crate::date::{self, Day};
use crate::decimal::round2;
use crate::payload::{ComplianceType, ContributionSource, EmployerSource, WindowAction};

/// One money event of the plan ledger.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PlanEvent {
    AutoEnrollmentWindow {
        action: WindowAction,
        start: Day,
        end: Day,
        /// The plan's default deferral rate.
        default_rate: f64,
        /// Whether the hire may elect inside the window (proactive enrollment offered).
        proactive: bool,
    },
    HceStatus {
        /// The look-back year's pay (prior-year determination).
        compensation: f64,
        threshold: f64,
        is_hce: bool,
        /// The prior plan year's determination (`None` in the start year and for hires).
        prior: Option<bool>,
    },
    Contribution {
        source: ContributionSource,
        amount: f64,
        /// The source's total in the year up to and including this event.
        ytd: f64,
        /// Pay period 1..=26, or 0 for the annual event.
        period: u8,
        irs_limit_applied: bool,
    },
    Vesting {
        vested_pct: f64,
        vested_match: f64,
        vested_core: f64,
        hours: f64,
        service_start: Day,
    },
    Forfeiture {
        source: EmployerSource,
        amount: f64,
        vested_pct: f64,
    },
    Compliance {
        kind: ComplianceType,
        limit: f64,
        amount: f64,
    },
}

impl PlanEvent {
    /// The `event_type` of the typed payload (4.3).
    pub fn event_type(&self) -> &'static str {
        match self {
            PlanEvent::AutoEnrollmentWindow { .. } => "auto_enrollment_window",
            PlanEvent::HceStatus { .. } => "hce_status",
            PlanEvent::Contribution { .. } => "contribution",
            PlanEvent::Vesting { .. } => "vesting",
            PlanEvent::Forfeiture { .. } => "forfeiture",
            PlanEvent::Compliance { .. } => "compliance",
        }
    }

    /// Same-day order (after the workforce ledger's types, 4.1 "other").
    fn priority(&self) -> u8 {
        match self {
            PlanEvent::AutoEnrollmentWindow { .. } => 1,
            PlanEvent::HceStatus { .. } => 2,
            PlanEvent::Contribution { .. } => 3,
            PlanEvent::Vesting { .. } => 4,
            PlanEvent::Forfeiture { .. } => 5,
            PlanEvent::Compliance { .. } => 6,
        }
    }
}

/// The plan ledger of one year, in ledger order: employees in roster order, each employee's
/// events by date, then type, then the order they were decided in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlanLedger {
    pub year: i32,
    /// Roster position of each event (into the year's snapshot).
    pub position: Vec<u32>,
    pub effective_date: Vec<Day>,
    /// 1-based order among the employee's money events of the year.
    pub event_sequence: Vec<u16>,
    pub event: Vec<PlanEvent>,
}

impl PlanLedger {
    pub fn len(&self) -> usize {
        self.event.len()
    }

    pub fn is_empty(&self) -> bool {
        self.event.is_empty()
    }

    /// `PLN_{year}_{seq:09}`: deterministic, and apart from the workforce ledger's `EVT_` ids.
    pub fn event_id(&self, i: usize) -> String {
        plan_event_id_string(self.numeric_id(i))
    }

    fn push_employee(&mut self, position: u32, rows: &mut [(Day, PlanEvent)]) {
        rows.sort_by_key(|(d, e)| (*d, e.priority()));
        for (k, (d, e)) in rows.iter().enumerate() {
            self.position.push(position);
            self.effective_date.push(*d);
            self.event_sequence.push(k as u16 + 1);
            self.event.push(*e);
        }
    }

    /// Σ of the contribution events of one source, per roster position.
    pub fn contributions_by_position(&self, source: ContributionSource, n: usize) -> Vec<f64> {
        let mut out = vec![0.0; n];
        for (p, e) in self.position.iter().zip(&self.event) {
            if let PlanEvent::Contribution {
                source: s, amount, ..
            } = e
            {
                if *s == source {
                    out[*p as usize] = round2(out[*p as usize] + amount);
                }
            }
        }
        out
    }
}

/// Renders a stored plan-ledger id (`year × 10^9 + sequence`) as `PLN_{year}_{seq:09}`.
pub fn plan_event_id_string(id: u64) -> String {
    format!("PLN_{}_{:09}", id / 1_000_000_000, id % 1_000_000_000)
}

/// The 26 biweekly pay-period ends of `year`: from the first Friday of January.
pub fn pay_period_ends(year: i32) -> [Day; 26] {
    let first = date::friday_on_or_after(date::jan1(year));
    std::array::from_fn(|k| first + 14 * k as i32)
}
