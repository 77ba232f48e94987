//! What the store derives instead of writing (issue 31: "store what is decided, derive the
//! rest in views"). An annual contribution of the money ledger (one event per source and
//! year, docs/rules.md 3.15-3.18) is a function of the snapshot's columns: its amount is the
//! snapshot's pre-tax (less catch-up), Roth, catch-up, match or core amount, its date the
//! last day employed or December 31, its flag whether the deferrals were capped. Only where
//! it sits in the employee's ledger (its id and sequence) and which sources it has are not;
//! those are kept as five narrow columns of the snapshot row ([`Anchor`]), and the
//! `plan_ledger_rows` view ([`crate::schema`]) makes the rows again, identical to the ones
//! the ledger built: about three quarters of the ledger's rows are not written.
//!
//! Nothing is derived on trust: a member's contributions are derived only when every one of
//! them is exactly what the view would make of its snapshot row (amount to the cent, date,
//! flag, year-to-date, period, id and sequence); otherwise they are stored as rows, as
//! per-pay-period contributions always are.

use workforce_sim_core::date::{self, Day};
use workforce_sim_core::decimal::to_cents;
use workforce_sim_core::payload::ContributionSource;
use workforce_sim_core::plan_ledger::{PlanEvent, PlanLedger};
use workforce_sim_core::state::Snapshot;

use crate::schema::contribution_sources::{CAPPED, CATCH_UP, CORE, MATCH, PRE_TAX, ROTH};

const EMPLOYEE: u8 = PRE_TAX | ROTH | CATCH_UP;
const EMPLOYER: u8 = MATCH | CORE;

/// Where a member's derived contributions sit in the year's ledger, and what the snapshot
/// does not say of them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Anchor {
    /// The member's ledger ids less their sequence (`event_id = base + event_sequence`).
    pub base: u64,
    /// The sequence of the first employee contribution (0: none).
    pub employee_sequence: u16,
    /// The sequence of the first employer contribution (0: none).
    pub employer_sequence: u16,
    /// [`PRE_TAX`] ... [`CAPPED`].
    pub sources: u8,
    /// The catch-up contribution in cents (the pre-tax one is the snapshot's less it).
    pub catch_up_cents: i64,
    /// The pre-tax contribution in cents, checked against the snapshot.
    pre_tax_cents: i64,
}

/// A year's money ledger split into the rows stored and the contributions derived.
pub(crate) struct Derivation {
    /// The ledger rows written, in ledger order.
    pub stored: Vec<u32>,
    /// Per snapshot row, the anchor of its derived contributions (`None`: none derived).
    pub anchors: Vec<Option<Anchor>>,
}

impl Derivation {
    /// Nothing derived: every row stored (the in-memory tables, which have no view).
    pub fn none(ledger: &PlanLedger) -> Derivation {
        Derivation {
            stored: (0..ledger.len() as u32).collect(),
            anchors: Vec::new(),
        }
    }

    /// The contributions of `ledger` that the view makes again from `snapshot`, and the
    /// rows that must be written.
    pub fn of(ledger: &PlanLedger, snapshot: &Snapshot) -> Derivation {
        let n = snapshot.len();
        let dec31 = date::dec31(ledger.year);
        let mut anchors: Vec<Option<Anchor>> = vec![None; n];
        let mut refused = vec![false; n];
        for i in 0..ledger.len() {
            let PlanEvent::Contribution {
                source,
                amount,
                ytd,
                period,
                irs_limit_applied,
            } = ledger.event[i]
            else {
                continue;
            };
            let p = ledger.position[i] as usize;
            if refused[p] {
                continue;
            }
            let seq = ledger.event_sequence[i];
            let base = ledger.numeric_id(i) - u64::from(seq);
            let last_day = snapshot.termination_date[p].map_or(dec31, |d| d.min(dec31));
            let a = anchors[p].get_or_insert(Anchor {
                base,
                ..Anchor::default()
            });
            let fits = accept(
                a,
                &snapshot.plan[p],
                Contribution {
                    source,
                    amount,
                    ytd,
                    period,
                    capped: irs_limit_applied,
                    seq,
                    base,
                    date: ledger.effective_date[i],
                },
                last_day,
                dec31,
            );
            if !fits {
                refused[p] = true;
            }
        }
        for (p, a) in anchors.iter_mut().enumerate() {
            let pre_tax_fits = a.as_ref().is_none_or(|a| {
                a.sources & PRE_TAX == 0
                    || a.pre_tax_cents
                        == to_cents(snapshot.plan[p].pre_tax_contribution) - a.catch_up_cents
            });
            if refused[p] || !pre_tax_fits {
                *a = None;
            }
        }
        let stored = (0..ledger.len())
            .filter(|&i| {
                !matches!(ledger.event[i], PlanEvent::Contribution { .. })
                    || anchors[ledger.position[i] as usize].is_none()
            })
            .map(|i| i as u32)
            .collect();
        Derivation { stored, anchors }
    }

    /// The anchor of snapshot row `p`.
    pub fn anchor(&self, p: usize) -> Option<&Anchor> {
        self.anchors.get(p).and_then(Option::as_ref)
    }
}

/// One contribution row of the ledger, as the check reads it.
struct Contribution {
    source: ContributionSource,
    amount: f64,
    ytd: f64,
    period: u8,
    capped: bool,
    seq: u16,
    base: u64,
    date: Day,
}

/// Takes `c` into the member's anchor `a` if the view makes exactly it from the snapshot
/// row's plan year `y`: the sources in the ledger's order, each block's sequences
/// consecutive, the amounts to the cent, the dates and flags.
fn accept(
    a: &mut Anchor,
    y: &workforce_sim_core::state::plan::PlanYear,
    c: Contribution,
    last_day: Day,
    dec31: Day,
) -> bool {
    let bit = match c.source {
        ContributionSource::EmployeePreTax => PRE_TAX,
        ContributionSource::EmployeeRoth => ROTH,
        ContributionSource::EmployeeCatchUp => CATCH_UP,
        ContributionSource::EmployerMatch => MATCH,
        ContributionSource::EmployerNonelective => CORE,
        _ => return false,
    };
    // Each source once, in the ledger's order; annual; year to date is the amount.
    let in_order = u32::from(a.sources & (EMPLOYEE | EMPLOYER)) < u32::from(bit);
    if !in_order || c.period != 0 || c.ytd.to_bits() != c.amount.to_bits() || c.base != a.base {
        return false;
    }
    let cents = to_cents(c.amount);
    let employee = bit & EMPLOYEE != 0;
    let fits = if employee {
        let before = (a.sources & EMPLOYEE).count_ones() as u16;
        if a.employee_sequence == 0 {
            a.employee_sequence = c.seq;
            if c.capped {
                a.sources |= CAPPED;
            }
        }
        let amount = match bit {
            PRE_TAX => {
                a.pre_tax_cents = cents;
                true
            }
            ROTH => cents == to_cents(y.roth_contribution),
            _ => {
                a.catch_up_cents = cents;
                true
            }
        };
        amount
            && c.date == last_day
            && c.seq == a.employee_sequence + before
            && c.capped == (a.sources & CAPPED != 0)
    } else {
        let before = (a.sources & EMPLOYER).count_ones() as u16;
        if a.employer_sequence == 0 {
            a.employer_sequence = c.seq;
        }
        let snapshot_amount = if bit == MATCH {
            y.employer_match
        } else {
            y.employer_core
        };
        cents == to_cents(snapshot_amount)
            && c.date == dec31
            && !c.capped
            && c.seq == a.employer_sequence + before
    };
    a.sources |= bit;
    fits && cents > 0
}
