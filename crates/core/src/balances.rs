//! Weekly account balances (`plan.ledger.balances = "weekly"`, `--balances weekly`): each
//! participant's account on every Friday they are employed, by source, vested and unvested,
//! with the year-to-date contributions, built from the plan's money ledger
//! ([`crate::plan_ledger`]) over the balances the prior year closed with.
//!
//! The rules, which an auditor can replay from the ledger:
//! * A participant of a year is an employee of the year's roster with an opening balance or a
//!   contribution event in the year. Their rows are the Fridays from the first on or after
//!   the later of January 1 and the hire date to the last on or before the last day employed
//!   (termination date or December 31).
//! * Opening balances by source are the prior year-end's carry ([`crate::state::PlanCarry`]:
//!   employee pre-tax, Roth and catch-up; employer match and core). A hire opens at zero.
//! * On a Friday the balances are the opening balances plus every `contribution` event of
//!   the year dated on or before it, less every `forfeiture` dated on or before it, by source;
//!   year-to-date contributions are the year's contribution events so far (employee and
//!   employer).
//! * Vested = employee money (always 100% vested, 3.19) + the employer money times the vested
//!   share in effect: the prior year-end's share until the year's `vesting` event, that
//!   event's share from its date on (vesting is a year-end determination, 3.19). Unvested =
//!   employer money − its vested part; after a forfeiture (which takes the unvested part on
//!   the termination date) it is 0.
//!
//! With annual contributions (the default timing) the employee money is dated the last day
//! employed and the employer money December 31, so the weekly path is flat within a year and
//! steps at its end; `plan.ledger.contributions = "per_pay_period"` gives the biweekly path.
//! Every amount is exact in cents: the balances accumulate integer cents.
//!
//! The rows come per participant, Fridays in order; participants in ascending
//! [`crate::rng::id_key`] of their id, so a store that keeps the rows in this order lets one
//! participant's rows be found by the key's zone map without an index.

use crate::date::{self, friday_on_or_after, Day};
use crate::decimal::{from_cents, round2, to_cents};
use crate::events::{Member, YearEvents};
use crate::payload::{ContributionSource, EmployerSource};
use crate::plan_ledger::{PlanEvent, PlanLedger};
use crate::state::{PlanCarry, Snapshot, Workforce};

/// The weekly balance rows of one year, columnar, in the order the module doc gives.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WeeklyBalances {
    pub year: i32,
    /// Roster position of the participant (into the year's snapshot).
    pub position: Vec<u32>,
    pub week_ending: Vec<Day>,
    /// Balances by source at the Friday, in cents.
    pub employee_pre_tax: Vec<i64>,
    pub employee_roth: Vec<i64>,
    pub employee_catch_up: Vec<i64>,
    pub employer_match: Vec<i64>,
    pub employer_core: Vec<i64>,
    /// Employee money plus the vested part of the employer money, in cents.
    pub vested: Vec<i64>,
    /// The unvested part of the employer money, in cents.
    pub unvested: Vec<i64>,
    /// The year's contributions up to the Friday, in cents.
    pub ytd_employee: Vec<i64>,
    pub ytd_employer: Vec<i64>,
}

/// One participant's account (cents) while the year is walked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Account {
    pub employee_pre_tax: i64,
    pub employee_roth: i64,
    pub employee_catch_up: i64,
    pub employer_match: i64,
    pub employer_core: i64,
    pub ytd_employee: i64,
    pub ytd_employer: i64,
    /// Employer money forfeited so far in the year (what is left after a forfeiture is
    /// the vested part).
    pub forfeited: i64,
}

impl Account {
    /// The account a year opens with: the prior year-end's balances by source.
    pub fn opening(carry: &PlanCarry) -> Account {
        let roth = to_cents(carry.employee_roth_balance);
        let catch_up = to_cents(carry.employee_catch_up_balance);
        let matched = to_cents(carry.employer_match_balance);
        Account {
            employee_pre_tax: to_cents(carry.employee_balance) - roth - catch_up,
            employee_roth: roth,
            employee_catch_up: catch_up,
            employer_match: matched,
            employer_core: to_cents(carry.employer_balance) - matched,
            ytd_employee: 0,
            ytd_employer: 0,
            forfeited: 0,
        }
    }

    pub fn employee(&self) -> i64 {
        self.employee_pre_tax + self.employee_roth + self.employee_catch_up
    }

    pub fn employer(&self) -> i64 {
        self.employer_match + self.employer_core
    }

    /// Applies one money event; `share` is the vested share in effect (a vesting event
    /// moves it).
    pub fn apply(&mut self, event: &PlanEvent, share: &mut f64) {
        match *event {
            PlanEvent::Contribution { source, amount, .. } => {
                let c = to_cents(amount);
                let slot =
                    match source {
                        ContributionSource::EmployeePreTax
                        | ContributionSource::EmployeeAfterTax => &mut self.employee_pre_tax,
                        ContributionSource::EmployeeRoth => &mut self.employee_roth,
                        ContributionSource::EmployeeCatchUp => &mut self.employee_catch_up,
                        ContributionSource::EmployerMatch
                        | ContributionSource::EmployerMatchTrueUp => &mut self.employer_match,
                        ContributionSource::EmployerNonelective
                        | ContributionSource::EmployerProfitSharing
                        | ContributionSource::ForfeitureAllocation => &mut self.employer_core,
                    };
                *slot += c;
                if source.is_employer() {
                    self.ytd_employer += c;
                } else {
                    self.ytd_employee += c;
                }
            }
            PlanEvent::Forfeiture { source, amount, .. } => {
                let c = to_cents(amount);
                self.forfeited += c;
                match source {
                    EmployerSource::EmployerMatch => self.employer_match -= c,
                    EmployerSource::EmployerNonelective | EmployerSource::EmployerProfitSharing => {
                        self.employer_core -= c
                    }
                }
            }
            PlanEvent::Vesting { vested_pct, .. } => *share = vested_pct,
            _ => {}
        }
    }

    /// The vested part of the employer money at `share`, rounded to the cent as the
    /// snapshot's `vested_balance` is: the share of the money before any forfeiture, so
    /// that after one (which takes exactly the unvested part) all that is left is vested.
    pub fn vested_employer(&self, share: f64) -> i64 {
        let before = from_cents(self.employer() + self.forfeited);
        to_cents(round2(before * share)).min(self.employer())
    }
}

impl WeeklyBalances {
    pub fn len(&self) -> usize {
        self.position.len()
    }

    pub fn is_empty(&self) -> bool {
        self.position.is_empty()
    }

    fn push(&mut self, p: u32, friday: Day, a: &Account, share: f64) {
        let vested_employer = a.vested_employer(share);
        self.position.push(p);
        self.week_ending.push(friday);
        self.employee_pre_tax.push(a.employee_pre_tax);
        self.employee_roth.push(a.employee_roth);
        self.employee_catch_up.push(a.employee_catch_up);
        self.employer_match.push(a.employer_match);
        self.employer_core.push(a.employer_core);
        self.vested.push(a.employee() + vested_employer);
        self.unvested.push(a.employer() - vested_employer);
        self.ytd_employee.push(a.ytd_employee);
        self.ytd_employer.push(a.ytd_employer);
    }

    fn reserve(&mut self, n: usize) {
        self.position.reserve(n);
        self.week_ending.reserve(n);
        for c in [
            &mut self.employee_pre_tax,
            &mut self.employee_roth,
            &mut self.employee_catch_up,
            &mut self.employer_match,
            &mut self.employer_core,
            &mut self.vested,
            &mut self.unvested,
            &mut self.ytd_employee,
            &mut self.ytd_employer,
        ] {
            c.reserve(n);
        }
    }
}

/// The year's weekly balances from the prior workforce (opening balances), the year's
/// roster and snapshot, and its plan ledger. O(rows + ledger events); nothing allocated per
/// row beyond the output columns.
pub fn build(
    prior: &Workforce,
    events: &YearEvents,
    snapshot: &Snapshot,
    ledger: &PlanLedger,
) -> WeeklyBalances {
    let year = events.year;
    let (jan1, dec31) = (date::jan1(year), date::dec31(year));
    let mut out = WeeklyBalances {
        year,
        ..WeeklyBalances::default()
    };
    // Each roster position's slice of the ledger (the ledger is in roster order).
    let n = snapshot.len();
    let mut starts = vec![0u32; n + 1];
    for &p in &ledger.position {
        starts[p as usize + 1] += 1;
    }
    for p in 0..n {
        starts[p + 1] += starts[p];
    }
    // Participants by id key (ties, which would need two ids with one 64-bit hash, by
    // roster position).
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_unstable_by_key(|&p| (snapshot.id_key[p as usize], p));
    out.reserve(n * 53);
    for p in order {
        let pu = p as usize;
        let (opening, mut share) = match events.roster[pu] {
            Member::Prior(i) => {
                let c = &prior.plan[i as usize];
                (Account::opening(c), c.vested_pct)
            }
            Member::Hire(_) => (Account::default(), 0.0),
        };
        let mine = starts[pu] as usize..starts[pu + 1] as usize;
        let contributes = ledger.event[mine.clone()]
            .iter()
            .any(|e| matches!(e, PlanEvent::Contribution { .. }));
        if opening == Account::default() && !contributes {
            continue;
        }
        let last_day = snapshot.termination_date[pu].unwrap_or(dec31).min(dec31);
        let mut friday = friday_on_or_after(snapshot.hire_date[pu].max(jan1));
        let mut account = opening;
        let mut k = mine.start;
        while friday <= last_day {
            while k < mine.end && ledger.effective_date[k] <= friday {
                account.apply(&ledger.event[k], &mut share);
                k += 1;
            }
            out.push(p, friday, &account, share);
            friday += 7;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fridays() {
        // 2025-01-01 is a Wednesday; 2025-01-03 a Friday.
        let jan1 = date::jan1(2025);
        assert_eq!(friday_on_or_after(jan1), jan1 + 2);
        assert_eq!(friday_on_or_after(jan1 + 2), jan1 + 2);
        assert_eq!(friday_on_or_after(jan1 + 3), jan1 + 9);
    }

    #[test]
    fn opening_splits_the_carry_by_source() {
        let carry = PlanCarry {
            employee_balance: 1_000.10,
            employee_roth_balance: 200.05,
            employee_catch_up_balance: 100.0,
            employer_balance: 500.0,
            employer_match_balance: 300.01,
            ..PlanCarry::default()
        };
        let a = Account::opening(&carry);
        assert_eq!(
            (
                a.employee_pre_tax,
                a.employee_roth,
                a.employee_catch_up,
                a.employer_match,
                a.employer_core
            ),
            (70_005, 20_005, 10_000, 30_001, 19_999)
        );
    }
}
