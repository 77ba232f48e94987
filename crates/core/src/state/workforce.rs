//! Workforce state and the year-end snapshot (docs/rules.md 5.1, 3.14).
//!
//! The accumulator pattern: the snapshot of year N is built from the start-of-year workforce
//! P(N) (which is year N−1's state) and year N's ledger, and nothing else; the next year's
//! workforce is the snapshot's active rows with age + 1, tenure + 1 and pay = this year's
//! full-year-equivalent pay. Both are struct-of-arrays in `employee_id` byte order; ids are
//! shared `Arc<str>`, so carrying an employee into the next year never allocates.

use crate::date::{self, Day};
use crate::decimal::round2;
use crate::events::{EventCategory, EventType, Member, YearEvents};
use crate::rules::termination::tenure_at;
use crate::state::plan::{PlanCarry, PlanYear};

use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The start-of-year population P(N): one entry per active employee, sorted by employee_id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Workforce {
    pub employee_id: Vec<Arc<str>>,
    pub employee_ssn: Vec<Arc<str>>,
    /// `fnv1a64(employee_id)` (docs/rules.md 2.1), computed once per employee.
    pub id_key: Vec<u64>,
    pub birth_date: Vec<Day>,
    pub hire_date: Vec<Day>,
    /// Start-of-year annual pay (last year's full-year-equivalent pay).
    pub compensation: Vec<f64>,
    pub level: Vec<u8>,
    pub age: Vec<u16>,
    pub tenure: Vec<u16>,
    /// `None` = full time (40 h/wk).
    pub scheduled_hours: Vec<Option<f64>>,
    /// Census: hire + waiting period; new hires: hire date.
    pub eligibility_date: Vec<Day>,
    pub waiting_period_days: Vec<u16>,
    /// Plan state at the end of the prior year (5.2-5.4).
    pub plan: Vec<PlanCarry>,
    /// The prior plan year's NHCE test averages (prior-year ADP/ACP testing); `None` before
    /// the first simulated year.
    pub prior_nhce: Option<super::plan::NhceAverages>,
}

/// One employee, for building a [`Workforce`] row by row at the edges.
#[derive(Debug, Clone, PartialEq)]
pub struct Employee {
    pub employee_id: String,
    pub employee_ssn: String,
    pub birth_date: Day,
    pub hire_date: Day,
    pub compensation: f64,
    pub level: u8,
    pub age: u16,
    pub tenure: u16,
    pub scheduled_hours: Option<f64>,
    pub eligibility_date: Day,
    pub waiting_period_days: u16,
    pub plan: PlanCarry,
}

impl Workforce {
    pub fn with_capacity(n: usize) -> Workforce {
        Workforce {
            employee_id: Vec::with_capacity(n),
            employee_ssn: Vec::with_capacity(n),
            id_key: Vec::with_capacity(n),
            birth_date: Vec::with_capacity(n),
            hire_date: Vec::with_capacity(n),
            compensation: Vec::with_capacity(n),
            level: Vec::with_capacity(n),
            age: Vec::with_capacity(n),
            tenure: Vec::with_capacity(n),
            scheduled_hours: Vec::with_capacity(n),
            eligibility_date: Vec::with_capacity(n),
            waiting_period_days: Vec::with_capacity(n),
            plan: Vec::with_capacity(n),
            prior_nhce: None,
        }
    }

    pub fn len(&self) -> usize {
        self.employee_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.employee_id.is_empty()
    }

    /// Appends an employee. Callers keep the `employee_id` order (checked in debug builds).
    pub fn push(&mut self, e: Employee) {
        debug_assert!(self
            .employee_id
            .last()
            .is_none_or(|last| **last < *e.employee_id));
        self.id_key.push(crate::rng::id_key(&e.employee_id));
        self.employee_id.push(Arc::from(e.employee_id));
        self.employee_ssn.push(Arc::from(e.employee_ssn));
        self.birth_date.push(e.birth_date);
        self.hire_date.push(e.hire_date);
        self.compensation.push(e.compensation);
        self.level.push(e.level);
        self.age.push(e.age);
        self.tenure.push(e.tenure);
        self.scheduled_hours.push(e.scheduled_hours);
        self.eligibility_date.push(e.eligibility_date);
        self.waiting_period_days.push(e.waiting_period_days);
        self.plan.push(e.plan);
    }

    /// Headcount per level (index 0 = level 1).
    pub fn level_counts(&self, levels: usize) -> Vec<u64> {
        let mut c = vec![0u64; levels];
        for &l in &self.level {
            c[l as usize - 1] += 1;
        }
        c
    }

    /// Whether the ids are strictly increasing (sorted and unique).
    pub fn is_sorted_unique(&self) -> bool {
        self.employee_id.windows(2).all(|w| w[0] < w[1])
    }
}

/// Termination reason on the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TerminationReason {
    DeterministicTermination,
    NewHireDeparture,
}

impl TerminationReason {
    pub fn as_str(self) -> &'static str {
        match self {
            TerminationReason::DeterministicTermination => "deterministic_termination",
            TerminationReason::NewHireDeparture => "new_hire_departure",
        }
    }
}

/// `detailed_status_code` (5.1.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DetailedStatus {
    ContinuousActive,
    ExperiencedTermination,
    NewHireActive,
    NewHireTermination,
}

impl DetailedStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DetailedStatus::ContinuousActive => "continuous_active",
            DetailedStatus::ExperiencedTermination => "experienced_termination",
            DetailedStatus::NewHireActive => "new_hire_active",
            DetailedStatus::NewHireTermination => "new_hire_termination",
        }
    }
}

/// The year-end snapshot: one row per employee active at some point in the year, aligned with
/// the year's roster (so in `employee_id` order).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub year: i32,
    pub employee_id: Vec<Arc<str>>,
    pub employee_ssn: Vec<Arc<str>>,
    pub id_key: Vec<u64>,
    pub birth_date: Vec<Day>,
    pub hire_date: Vec<Day>,
    /// Year-end full-year-equivalent pay (`current_compensation`).
    pub current_compensation: Vec<f64>,
    /// Pay actually earned in the year.
    pub prorated_annual_compensation: Vec<f64>,
    pub current_age: Vec<u16>,
    pub current_tenure: Vec<u16>,
    pub level_id: Vec<u8>,
    pub active: Vec<bool>,
    pub termination_date: Vec<Option<Day>>,
    pub termination_reason: Vec<Option<TerminationReason>>,
    pub detailed_status: Vec<DetailedStatus>,
    pub scheduled_hours: Vec<Option<f64>>,
    pub eligibility_date: Vec<Day>,
    pub waiting_period_days: Vec<u16>,
    /// Plan state and money of the year, one per row (filled by
    /// [`crate::state::plan::accumulate_plan`]; empty after the workforce accumulator alone).
    pub plan: Vec<PlanYear>,
}

impl Snapshot {
    /// The identity columns the ledger's records name people by.
    pub fn roster_ids(&self) -> crate::events::RosterIds<'_> {
        crate::events::RosterIds {
            employee_id: &self.employee_id,
            employee_ssn: &self.employee_ssn,
        }
    }
}

impl Snapshot {
    pub fn len(&self) -> usize {
        self.employee_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.employee_id.is_empty()
    }

    /// Appends the identity columns of the year's roster, carried unchanged from P(N) or from
    /// the hire records (a hire is eligible for service from its hire date, with no waiting
    /// days). Shared by the native and Polars accumulators.
    pub fn push_identities(&mut self, prior: &Workforce, events: &YearEvents) {
        for member in &events.roster {
            match *member {
                Member::Prior(i) => {
                    let i = i as usize;
                    self.employee_id.push(prior.employee_id[i].clone());
                    self.employee_ssn.push(prior.employee_ssn[i].clone());
                    self.id_key.push(prior.id_key[i]);
                    self.birth_date.push(prior.birth_date[i]);
                    self.scheduled_hours.push(prior.scheduled_hours[i]);
                    self.eligibility_date.push(prior.eligibility_date[i]);
                    self.waiting_period_days.push(prior.waiting_period_days[i]);
                }
                Member::Hire(j) => {
                    let h = &events.hires[j as usize];
                    self.employee_id.push(Arc::from(h.employee_id.as_str()));
                    self.employee_ssn.push(Arc::from(h.employee_ssn.as_str()));
                    self.id_key.push(h.id_key);
                    self.birth_date.push(h.birth_date);
                    self.scheduled_hours.push(h.scheduled_hours);
                    self.eligibility_date.push(h.hire_date);
                    self.waiting_period_days.push(0);
                }
            }
        }
    }

    pub fn active_count(&self) -> usize {
        self.active.iter().filter(|a| **a).count()
    }

    /// The next year's start-of-year workforce: active rows, age + 1, tenure + 1, pay = FYE.
    pub fn next_workforce(&self) -> Workforce {
        let n = self.active_count();
        let mut w = Workforce::with_capacity(n);
        for i in (0..self.len()).filter(|&i| self.active[i]) {
            w.employee_id.push(self.employee_id[i].clone());
            w.employee_ssn.push(self.employee_ssn[i].clone());
            w.id_key.push(self.id_key[i]);
            w.birth_date.push(self.birth_date[i]);
            w.hire_date.push(self.hire_date[i]);
            w.compensation.push(self.current_compensation[i]);
            w.level.push(self.level_id[i]);
            w.age.push(self.current_age[i] + 1);
            w.tenure.push(self.current_tenure[i] + 1);
            w.scheduled_hours.push(self.scheduled_hours[i]);
            w.eligibility_date.push(self.eligibility_date[i]);
            w.waiting_period_days.push(self.waiting_period_days[i]);
            // A snapshot built by the workforce accumulator alone carries no plan state.
            w.plan.push(
                self.plan
                    .get(i)
                    .map_or_else(PlanCarry::default, |p| p.carry),
            );
        }
        w
    }
}

/// Proration order within a day (3.14): hire < promotion < raise < termination; every other
/// event type ranks 4 (it does not change pay).
pub const fn proration_rank(t: EventType) -> u8 {
    match t {
        EventType::Hire => 0,
        EventType::Promotion => 1,
        EventType::Raise => 2,
        EventType::Termination => 3,
        _ => 4,
    }
}

/// Builds year N's snapshot from P(N) and year N's ledger (5.1, 3.14).
pub fn accumulate(prior: &Workforce, events: &YearEvents) -> Snapshot {
    let year = events.year;
    let year_days = (date::jan1(year), date::dec31(year));
    let n = events.roster.len();
    let mut s = Snapshot {
        year,
        ..Default::default()
    };
    macro_rules! reserve { ($($c:ident),*) => { $( s.$c.reserve(n); )* } }
    reserve!(
        employee_id,
        employee_ssn,
        id_key,
        birth_date,
        hire_date,
        current_compensation,
        prorated_annual_compensation,
        current_age,
        current_tenure,
        level_id,
        active,
        termination_date,
        termination_reason,
        detailed_status,
        scheduled_hours,
        eligibility_date,
        waiting_period_days
    );
    let ranges = events.ranges();
    // (proration rank, date, ledger index) of one employee's pay events; at most a handful.
    let mut pay: Vec<(Day, u8, usize)> = Vec::with_capacity(8);

    s.push_identities(prior, events);
    for (p, member) in events.roster.iter().enumerate() {
        let range = ranges[p].clone();
        let (hired_this_year, mut comp, mut level, age, tenure, hire_date) = match *member {
            Member::Prior(i) => {
                let i = i as usize;
                (
                    false,
                    prior.compensation[i],
                    prior.level[i],
                    prior.age[i],
                    prior.tenure[i],
                    prior.hire_date[i],
                )
            }
            Member::Hire(j) => {
                let h = &events.hires[j as usize];
                // Pay, level, age and date come from the hire event itself (below).
                (true, 0.0, 0, h.age, 0, h.hire_date)
            }
        };
        let start_comp = comp;
        let mut promo_new = None;
        let mut raise = None;
        let mut termination: Option<(Day, EventCategory)> = None;
        pay.clear();
        for k in range {
            match events.event_type[k] {
                EventType::Hire => {
                    comp = events.compensation_amount[k].unwrap_or(0.0);
                    level = events.level_id[k];
                }
                EventType::Promotion => {
                    promo_new = events.compensation_amount[k];
                    level = events.level_id[k];
                }
                EventType::Raise => {
                    raise = events.compensation_amount[k].zip(events.previous_compensation[k])
                }
                EventType::Termination => {
                    let d = events.effective_date[k];
                    if termination.is_none_or(|(t, _)| d < t) {
                        termination = Some((d, events.category[k]));
                    }
                }
                _ => continue,
            }
            pay.push((
                events.effective_date[k],
                proration_rank(events.event_type[k]),
                k,
            ));
        }
        let hire_comp = if hired_this_year { comp } else { start_comp };
        let fye = match (promo_new, raise) {
            (Some(pn), Some((rn, rp))) if rp > 0.0 => round2(pn * (1.0 + (rn / rp - 1.0))),
            (Some(pn), _) => pn,
            (None, Some((rn, _))) => rn,
            (None, None) => hire_comp,
        };

        let earned = prorated_pay(events, year_days, &mut pay, start_comp);

        s.hire_date.push(hire_date);
        s.current_compensation.push(fye);
        s.prorated_annual_compensation.push(round2(earned));
        s.current_age.push(age);
        s.level_id.push(level);
        match termination {
            Some((d, category)) => {
                s.active.push(false);
                s.termination_date.push(Some(d));
                s.current_tenure.push(if hired_this_year {
                    0
                } else {
                    tenure_at(hire_date, d)
                });
                let new_hire = category == EventCategory::NewHireTermination;
                s.termination_reason.push(Some(if new_hire {
                    TerminationReason::NewHireDeparture
                } else {
                    TerminationReason::DeterministicTermination
                }));
                s.detailed_status.push(if hired_this_year {
                    DetailedStatus::NewHireTermination
                } else {
                    DetailedStatus::ExperiencedTermination
                });
            }
            None => {
                s.active.push(true);
                s.termination_date.push(None);
                s.current_tenure.push(tenure);
                s.termination_reason.push(None);
                s.detailed_status.push(if hired_this_year {
                    DetailedStatus::NewHireActive
                } else {
                    DetailedStatus::ContinuousActive
                });
            }
        }
    }
    s
}

/// 3.14's prorated pay of one employee's year: periods opened by hire, promotion or raise at
/// their amounts, closed the day before the next event or on the termination date; before
/// the first non-hire event the salary is that event's previous compensation (`start_comp`
/// without events). `year_days` are the year's first and last days; `pay` holds the
/// employee's (date, proration rank, ledger index), sorted here.
#[inline]
fn prorated_pay(
    events: &YearEvents,
    (jan1, dec31): (Day, Day),
    pay: &mut [(Day, u8, usize)],
    start_comp: f64,
) -> f64 {
    pay.sort_unstable_by_key(|&(d, r, _)| (d, r));
    let mut earned = 0.0;
    let mut open: Option<(Day, f64)> = None;
    if let Some(&(d, _, k)) = pay.first() {
        if events.event_type[k] != EventType::Hire && d > jan1 {
            open = Some((jan1, events.previous_compensation[k].unwrap_or(start_comp)));
        }
    } else {
        open = Some((jan1, start_comp));
    }
    for &(d, _, k) in pay.iter() {
        match events.event_type[k] {
            EventType::Termination => {
                if let Some((from, salary)) = open.take() {
                    earned += salary * (d - from + 1).max(0) as f64 / 365.0;
                }
                break;
            }
            _ => {
                if let Some((from, salary)) = open {
                    earned += salary * (d - from).max(0) as f64 / 365.0;
                }
                open = Some((d, events.compensation_amount[k].unwrap_or(0.0)));
            }
        }
    }
    if let Some((from, salary)) = open {
        earned += salary * (dec31 - from + 1).max(0) as f64 / 365.0;
    }
    earned
}
