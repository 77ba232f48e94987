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

use crate::config::plan::ContributionTiming;
use crate::config::ValidConfig;
use crate::date::{self, Day};
use crate::decimal::round2;
use crate::events::{EventType, Member, YearEvents};
use crate::payload::{ComplianceType, ContributionSource, EmployerSource, WindowAction};
use crate::rules::irs_limits::deferral_limit;
use crate::state::{Snapshot, Workforce};

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

/// Spreads `amount` (cents exact) over the pay periods ending in `[from, to]`, pushing one
/// contribution per period; no period ends there → one event on `to`.
#[allow(clippy::too_many_arguments)]
fn spread(
    rows: &mut Vec<(Day, PlanEvent)>,
    ends: &[Day; 26],
    source: ContributionSource,
    amount: f64,
    from: Day,
    to: Day,
    irs_limit_applied: bool,
) {
    let cents = (amount * 100.0).round() as i64;
    let first = ends.iter().position(|&e| e >= from);
    let last = ends.iter().rposition(|&e| e <= to);
    let (a, b) = match (first, last) {
        (Some(a), Some(b)) if a <= b => (a, b),
        _ => {
            let period = ends.iter().position(|&e| e >= to).map_or(26, |k| k + 1) as u8;
            rows.push((
                to,
                PlanEvent::Contribution {
                    source,
                    amount,
                    ytd: amount,
                    period,
                    irs_limit_applied,
                },
            ));
            return;
        }
    };
    let n = (b - a + 1) as i64;
    let (each, rest) = (cents / n, cents % n);
    let mut ytd = 0i64;
    for (j, k) in (a..=b).enumerate() {
        let c = each + if j as i64 == n - 1 { rest } else { 0 };
        if c == 0 {
            continue;
        }
        ytd += c;
        rows.push((
            ends[k],
            PlanEvent::Contribution {
                source,
                amount: c as f64 / 100.0,
                ytd: ytd as f64 / 100.0,
                period: k as u8 + 1,
                irs_limit_applied,
            },
        ));
    }
}

/// Builds year `events.year`'s plan ledger from the start-of-year workforce, the year's
/// workforce ledger and the year's snapshot (after the plan accumulator).
pub fn build(
    config: &ValidConfig,
    prior: &Workforce,
    events: &YearEvents,
    s: &Snapshot,
) -> PlanLedger {
    let plan = &config.plan;
    let year = events.year;
    let mut out = PlanLedger {
        year,
        ..PlanLedger::default()
    };
    if !plan.enabled {
        return out;
    }
    let (jan1, dec31) = (date::jan1(year), date::dec31(year));
    let limits = config.irs_limits(year);
    let lookback = config.irs_limits(year - 1);
    let ae = &plan.auto_enrollment;
    let ae_cutoff = crate::config::plan::optional_day(&ae.hire_date_cutoff);
    let margin = 1.0 - plan.ledger.limit_margin;
    let per_period = plan.ledger.contributions == ContributionTiming::PerPayPeriod;
    let ends = pay_period_ends(year);
    let start_year = year == config.simulation.start_year;
    let ranges = events.ranges();
    // About 5 events per employee and year at the defaults (annual contributions).
    let expected = s.len() * if per_period { 80 } else { 6 };
    out.position.reserve(expected);
    out.effective_date.reserve(expected);
    out.event_sequence.reserve(expected);
    out.event.reserve(expected);
    let mut rows: Vec<(Day, PlanEvent)> = Vec::with_capacity(64);
    for (p, member) in events.roster.iter().enumerate() {
        rows.clear();
        let y = &s.plan[p];
        let (prior_carry, lookback_comp, hired) = match *member {
            Member::Prior(i) => (
                prior.plan[i as usize],
                prior.compensation[i as usize],
                false,
            ),
            Member::Hire(j) => (
                Default::default(),
                events.hires[j as usize].compensation,
                true,
            ),
        };
        let hire = s.hire_date[p];
        let term = s.termination_date[p];
        let last_day = term.unwrap_or(dec31).min(dec31);
        let age_eoy = (year - date::year_of(s.birth_date[p])).clamp(0, u16::MAX as i32) as u16;

        // Auto-enrollment window of a hire in scope.
        if hired
            && ae.enabled
            && ae.window_days > 0
            && !y.carry.plan_ineligible
            && ae_cutoff.is_none_or(|cut| hire >= cut)
        {
            let end = hire + ae.window_days as i32;
            let window = |action| PlanEvent::AutoEnrollmentWindow {
                action,
                start: hire,
                end,
                default_rate: ae.default_deferral_rate,
                proactive: plan.voluntary_enrollment.proactive_enabled,
            };
            rows.push((hire, window(WindowAction::Opened)));
            match term {
                Some(t) if t < end => rows.push((t, window(WindowAction::Expired))),
                _ => rows.push((end, window(WindowAction::Closed))),
            }
        }

        // HCE determination of the year: every HCE, and everyone who stops being one (an
        // NHCE who was not an HCE the year before keeps the default status: no event).
        let prior_hce = (!hired && !start_year).then_some(prior_carry.was_hce);
        if y.is_hce || prior_hce == Some(true) {
            rows.push((
                jan1,
                PlanEvent::HceStatus {
                    compensation: lookback_comp,
                    threshold: lookback.hce_threshold,
                    is_hce: y.is_hce,
                    prior: prior_hce,
                },
            ));
        }

        // Contributions by source.
        let catch_up = y.catch_up(&limits);
        let capped = y.capped_excess > 0.0;
        let sources = [
            (
                ContributionSource::EmployeePreTax,
                round2(y.pre_tax_contribution - catch_up),
                capped,
            ),
            (
                ContributionSource::EmployeeRoth,
                y.roth_contribution,
                capped,
            ),
            (ContributionSource::EmployeeCatchUp, catch_up, capped),
            (ContributionSource::EmployerMatch, y.employer_match, false),
            (
                ContributionSource::EmployerNonelective,
                y.employer_core,
                false,
            ),
        ];
        // The days the money was earned in: deferrals from this year's enrollment (if any)
        // to the day before an opt-out; employer money over the days employed.
        let employed_from = hire.max(jan1);
        let (mut deferral_from, mut deferral_to) = (employed_from, last_day);
        for k in ranges[p].clone() {
            match events.event_type[k] {
                EventType::Enrollment => {
                    deferral_from = deferral_from.max(events.effective_date[k])
                }
                EventType::EnrollmentChange => {
                    deferral_to = deferral_to.min(events.effective_date[k] - 1)
                }
                _ => {}
            }
        }
        for (source, amount, limited) in sources {
            if amount <= 0.0 {
                continue;
            }
            let employee = !source.is_employer();
            if per_period {
                // An enrollment dated after the year (a late hire's auto-enrollment at the
                // end of its window) still has the year's deferrals: on the last day employed.
                let from = deferral_from.min(last_day);
                let (from, to) = if employee {
                    (from, deferral_to.max(from))
                } else {
                    (employed_from, last_day)
                };
                spread(&mut rows, &ends, source, amount, from, to, limited);
            } else {
                rows.push((
                    if employee { last_day } else { dec31 },
                    PlanEvent::Contribution {
                        source,
                        amount,
                        ytd: amount,
                        period: 0,
                        irs_limit_applied: limited,
                    },
                ));
            }
        }

        // Vesting and forfeiture.
        let balance = y.carry.employer_balance;
        let vested_match = round2(y.carry.employer_match_balance * y.vested_pct);
        if balance > 0.0
            && (y.vested_pct != prior_carry.vested_pct
                || (prior_carry.employer_balance <= 0.0 && y.vested_pct > 0.0))
        {
            rows.push((
                last_day,
                PlanEvent::Vesting {
                    vested_pct: y.vested_pct,
                    vested_match,
                    vested_core: round2(y.vested_balance - vested_match).max(0.0),
                    hours: y.annual_hours,
                    service_start: hire,
                },
            ));
        }
        if y.forfeiture > 0.0 {
            let from_match =
                round2(y.carry.employer_match_balance - vested_match).clamp(0.0, y.forfeiture);
            let from_core = round2(y.forfeiture - from_match);
            for (source, amount) in [
                (EmployerSource::EmployerMatch, from_match),
                (EmployerSource::EmployerNonelective, from_core),
            ] {
                if amount > 0.0 {
                    rows.push((
                        last_day,
                        PlanEvent::Forfeiture {
                            source,
                            amount,
                            vested_pct: y.vested_pct,
                        },
                    ));
                }
            }
        }

        // Compliance monitoring of participants.
        if y.employee_contribution > 0.0 || y.participating() {
            let (limit_402g, _) = deferral_limit(&limits, age_eoy);
            if limit_402g > 0.0 && y.employee_contribution >= margin * limit_402g {
                rows.push((
                    last_day,
                    PlanEvent::Compliance {
                        kind: ComplianceType::Limit402gApproach,
                        limit: limit_402g,
                        amount: y.employee_contribution,
                    },
                ));
            }
            let additions = round2(
                y.employee_contribution
                    .min(limits.elective_deferral_limit_402g)
                    + y.employer_match
                    + y.employer_core,
            );
            let limit_415c = limits
                .annual_additions_limit_415c
                .min(s.prorated_annual_compensation[p]);
            if limit_415c > 0.0 && additions > 0.0 && additions >= margin * limit_415c {
                rows.push((
                    last_day,
                    PlanEvent::Compliance {
                        kind: ComplianceType::Limit415cApproach,
                        limit: limit_415c,
                        amount: additions,
                    },
                ));
            }
            if age_eoy >= 50 && (age_eoy == 50 || hired || start_year) {
                let (total, _) = deferral_limit(&limits, age_eoy);
                let allowance = round2(total - limits.elective_deferral_limit_402g);
                if allowance > 0.0 {
                    rows.push((
                        jan1.max(hire),
                        PlanEvent::Compliance {
                            kind: ComplianceType::CatchUpEligible,
                            limit: allowance,
                            amount: catch_up,
                        },
                    ));
                }
            }
        }
        out.push_employee(p as u32, &mut rows);
    }
    out
}

/// One plan-ledger row with its envelope, as stored (the `plan_ledger` view) and serialised.
/// Which columns a type fills:
///
/// | event_type | columns |
/// |---|---|
/// | contribution | source, amount, ytd_amount, pay_period (0 = annual), flag = irs_limit_applied |
/// | vesting | rate = vested share, amount = vested balance, vested_match, vested_core, hours, start_date = service start |
/// | forfeiture | source, amount, rate = vested share, action = reason |
/// | hce_status | amount = look-back pay, applicable_limit = HCE threshold, flag = is_hce, prior_flag = the prior year's, action = method |
/// | compliance | action = compliance type, applicable_limit, amount = current amount |
/// | auto_enrollment_window | action, start_date, end_date, rate = default deferral rate, flag = eligible for proactive enrollment |
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanLedgerRecord {
    pub event_id: String,
    pub scenario_id: String,
    pub plan_design_id: String,
    pub employee_id: String,
    pub simulation_year: i32,
    pub event_type: String,
    pub effective_date: String,
    pub event_sequence: u16,
    pub source: Option<String>,
    pub amount: Option<f64>,
    pub ytd_amount: Option<f64>,
    pub rate: Option<f64>,
    pub vested_match: Option<f64>,
    pub vested_core: Option<f64>,
    pub applicable_limit: Option<f64>,
    pub hours: Option<f64>,
    pub flag: Option<bool>,
    pub prior_flag: Option<bool>,
    pub action: Option<String>,
    pub pay_period: Option<u8>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
}

fn enum_value<T: serde::de::DeserializeOwned>(
    field: &str,
    v: &Option<String>,
) -> Result<T, crate::payload::FieldError> {
    let text = v.as_deref().unwrap_or("");
    serde_json::from_value(serde_json::Value::String(text.to_string())).map_err(|_| {
        crate::payload::FieldError {
            field: field.to_string(),
            rule: format!("unknown value {text:?}"),
        }
    })
}

/// The plan-ledger columns of one event (what [`PlanLedgerRecord`] and the store's encoder
/// write; `None` where the type has no such column).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PlanColumns {
    pub source: Option<&'static str>,
    pub amount: Option<f64>,
    pub ytd_amount: Option<f64>,
    pub rate: Option<f64>,
    pub vested_match: Option<f64>,
    pub vested_core: Option<f64>,
    pub applicable_limit: Option<f64>,
    pub hours: Option<f64>,
    pub flag: Option<bool>,
    pub prior_flag: Option<bool>,
    pub action: Option<&'static str>,
    pub pay_period: Option<u8>,
    pub start_date: Option<Day>,
    pub end_date: Option<Day>,
}

/// Every value of the `action` column, in the store's ENUM order.
pub const ACTIONS: [&str; 10] = [
    "opened",
    "closed",
    "expired",
    "prior_year",
    "current_year",
    "unvested_termination",
    "break_in_service",
    "402g_limit_approach",
    "415c_limit_approach",
    "catch_up_eligible",
];

/// Every value of the `event_type` column, in the store's ENUM order.
pub const EVENT_TYPES: [&str; 6] = [
    "auto_enrollment_window",
    "hce_status",
    "contribution",
    "vesting",
    "forfeiture",
    "compliance",
];

impl PlanEvent {
    /// The event's columns.
    pub fn columns(&self) -> PlanColumns {
        let mut c = PlanColumns::default();
        match *self {
            PlanEvent::AutoEnrollmentWindow {
                action,
                start,
                end,
                default_rate,
                proactive,
            } => {
                c.action = Some(action.as_str());
                c.start_date = Some(start);
                c.end_date = Some(end);
                c.rate = Some(default_rate);
                c.flag = Some(proactive);
            }
            PlanEvent::HceStatus {
                compensation,
                threshold,
                is_hce,
                prior,
            } => {
                c.amount = Some(compensation);
                c.applicable_limit = Some(threshold);
                c.flag = Some(is_hce);
                c.prior_flag = prior;
                c.action = Some("prior_year");
            }
            PlanEvent::Contribution {
                source,
                amount,
                ytd,
                period,
                irs_limit_applied,
            } => {
                c.source = Some(source.as_str());
                c.amount = Some(amount);
                c.ytd_amount = Some(ytd);
                c.pay_period = Some(period);
                c.flag = Some(irs_limit_applied);
            }
            PlanEvent::Vesting {
                vested_pct,
                vested_match,
                vested_core,
                hours,
                service_start,
            } => {
                c.rate = Some(vested_pct);
                c.amount = Some(round2(vested_match + vested_core));
                c.vested_match = Some(vested_match);
                c.vested_core = Some(vested_core);
                c.hours = Some(hours);
                c.start_date = Some(service_start);
            }
            PlanEvent::Forfeiture {
                source,
                amount,
                vested_pct,
            } => {
                c.source = Some(source.as_str());
                c.amount = Some(amount);
                c.rate = Some(vested_pct);
                c.action = Some("unvested_termination");
            }
            PlanEvent::Compliance {
                kind,
                limit,
                amount,
            } => {
                c.action = Some(kind.as_str());
                c.applicable_limit = Some(limit);
                c.amount = Some(amount);
            }
        }
        c
    }
}

impl PlanLedger {
    /// Event `i` as a stored row. `ids` names the roster (the year's snapshot).
    pub fn record(
        &self,
        i: usize,
        ids: crate::events::RosterIds<'_>,
        config: &ValidConfig,
    ) -> PlanLedgerRecord {
        let c = self.event[i].columns();
        let iso = crate::events::iso;
        PlanLedgerRecord {
            event_id: self.event_id(i),
            scenario_id: config.simulation.scenario_id.clone(),
            plan_design_id: config.simulation.plan_design_id.clone(),
            employee_id: ids.employee_id[self.position[i] as usize].to_string(),
            simulation_year: self.year,
            event_type: self.event[i].event_type().to_string(),
            effective_date: iso(self.effective_date[i]),
            event_sequence: self.event_sequence[i],
            source: c.source.map(String::from),
            amount: c.amount,
            ytd_amount: c.ytd_amount,
            rate: c.rate,
            vested_match: c.vested_match,
            vested_core: c.vested_core,
            applicable_limit: c.applicable_limit,
            hours: c.hours,
            flag: c.flag,
            prior_flag: c.prior_flag,
            action: c.action.map(String::from),
            pay_period: c.pay_period,
            start_date: c.start_date.map(iso),
            end_date: c.end_date.map(iso),
        }
    }

    /// The numeric event id the store keeps (`year × 10^9 + sequence`, as the workforce
    /// ledger's): rendered `PLN_{year}_{seq:09}`.
    pub fn numeric_id(&self, i: usize) -> u64 {
        self.year as u64 * 1_000_000_000 + i as u64 + 1
    }
}

/// The vesting schedule's kind (4.3 `schedule_type`).
pub fn schedule_type(config: &ValidConfig) -> crate::payload::ScheduleType {
    use crate::payload::ScheduleType;
    let table = config.plan.vesting_table();
    if table.first().is_some_and(|&v| v >= 1.0) {
        ScheduleType::Immediate
    } else if table.iter().all(|&v| v == 0.0 || v >= 1.0) {
        ScheduleType::Cliff
    } else {
        ScheduleType::Graded
    }
}

impl crate::payload::TypedEvent {
    /// The typed form of one plan-ledger row; `config` gives what the row leaves out (the
    /// vesting schedule's kind, the proactive window).
    pub fn from_plan_ledger(
        r: &PlanLedgerRecord,
        config: &ValidConfig,
    ) -> Result<crate::payload::TypedEvent, crate::payload::FieldError> {
        use crate::payload::*;
        let need_f = |field: &str, v: Option<f64>| {
            v.ok_or_else(|| FieldError {
                field: field.to_string(),
                rule: format!("is required for a {} row", r.event_type),
            })
        };
        let need_s = |field: &str, v: &Option<String>| {
            v.clone().ok_or_else(|| FieldError {
                field: field.to_string(),
                rule: format!("is required for a {} row", r.event_type),
            })
        };
        let plan_id = r.plan_design_id.clone();
        let date = r.effective_date.clone();
        let payload = match r.event_type.as_str() {
            "contribution" => {
                let period = r.pay_period.unwrap_or(0);
                Payload::Contribution(Contribution {
                    plan_id,
                    source: enum_value("source", &r.source)?,
                    amount: need_f("amount", r.amount)?,
                    pay_period_end: date.clone(),
                    contribution_date: date.clone(),
                    ytd_amount: need_f("ytd_amount", r.ytd_amount)?,
                    payroll_id: if period == 0 {
                        format!("PAY_{}_ANNUAL", r.simulation_year)
                    } else {
                        format!("PAY_{}_{period:02}", r.simulation_year)
                    },
                    irs_limit_applied: r.flag.unwrap_or(false),
                    inferred_value: true,
                })
            }
            "vesting" => Payload::Vesting(Vesting {
                plan_id,
                vested_percentage: need_f("rate", r.rate)?,
                source_balances_vested: VestedBalances {
                    employer_match: need_f("vested_match", r.vested_match)?,
                    employer_nonelective: need_f("vested_core", r.vested_core)?,
                    employer_profit_sharing: 0.0,
                },
                schedule_type: schedule_type(config),
                service_computation_date: need_s("start_date", &r.start_date)?,
                service_credited_hours: need_f("hours", r.hours)?,
                service_period_end_date: date.clone(),
            }),
            "forfeiture" => Payload::Forfeiture(Forfeiture {
                plan_id,
                forfeited_from_source: enum_value("source", &r.source)?,
                amount: need_f("amount", r.amount)?,
                reason: enum_value("action", &r.action)?,
                vested_percentage: need_f("rate", r.rate)?,
            }),
            "hce_status" => {
                let pay = need_f("amount", r.amount)?;
                Payload::HceStatus(HceStatus {
                    plan_id,
                    determination_method: enum_value("action", &r.action)?,
                    ytd_compensation: pay,
                    annualized_compensation: pay,
                    hce_threshold: need_f("applicable_limit", r.applicable_limit)?,
                    is_hce: r.flag.unwrap_or(false),
                    determination_date: date.clone(),
                    prior_year_hce: r.prior_flag,
                })
            }
            "compliance" => {
                let kind: ComplianceType = enum_value("action", &r.action)?;
                Payload::Compliance(Compliance {
                    plan_id,
                    compliance_type: kind,
                    limit_type: match kind {
                        ComplianceType::Limit402gApproach => LimitKind::ElectiveDeferral,
                        ComplianceType::Limit415cApproach => LimitKind::AnnualAdditions,
                        ComplianceType::CatchUpEligible => LimitKind::CatchUp,
                    },
                    applicable_limit: need_f("applicable_limit", r.applicable_limit)?,
                    current_amount: need_f("amount", r.amount)?,
                    monitoring_date: date.clone(),
                })
            }
            "auto_enrollment_window" => {
                let start = need_s("start_date", &r.start_date)?;
                let end = need_s("end_date", &r.end_date)?;
                let days = match (date::parse(&start), date::parse(&end)) {
                    (Some(a), Some(b)) => (b - a).clamp(0, u16::MAX as i32) as u16,
                    _ => 0,
                };
                let proactive = r.flag.unwrap_or(false);
                Payload::AutoEnrollmentWindow(AutoEnrollmentWindow {
                    plan_id,
                    action: enum_value("action", &r.action)?,
                    window_start_date: start.clone(),
                    window_end_date: end,
                    window_duration_days: days,
                    default_deferral_rate: need_f("rate", r.rate)?,
                    eligible_for_proactive: proactive,
                    proactive_window_end: if proactive {
                        date::parse(&start).map(|d| {
                            crate::events::iso(
                                d + config.plan.voluntary_enrollment.proactive_max_days as i32,
                            )
                        })
                    } else {
                        None
                    },
                })
            }
            other => {
                return Err(FieldError {
                    field: "event_type".into(),
                    rule: format!("{other:?} is not a plan-ledger type"),
                })
            }
        };
        let ids = RowIds {
            event_id: &r.event_id,
            scenario_id: &r.scenario_id,
            plan_design_id: &r.plan_design_id,
            employee_id: &r.employee_id,
            simulation_year: r.simulation_year,
        };
        Ok(TypedEvent::simulated(ids, date, None, payload))
    }

    /// The plan-ledger row of a typed money event. `event_sequence` is not in the typed
    /// event (it is the row's order): pass it.
    pub fn to_plan_ledger(
        &self,
        event_sequence: u16,
    ) -> Result<PlanLedgerRecord, crate::payload::FieldError> {
        use crate::payload::*;
        let year = self.simulation_year.ok_or_else(|| FieldError {
            field: "simulation_year".into(),
            rule: "is required to form a plan-ledger row".into(),
        })?;
        let mut r = PlanLedgerRecord {
            event_id: self.event_id.clone(),
            scenario_id: self.scenario_id.clone(),
            plan_design_id: self.plan_design_id.clone(),
            employee_id: self.employee_id.clone(),
            simulation_year: year,
            event_type: self.payload.event_type().to_string(),
            effective_date: self.effective_date.clone(),
            event_sequence,
            ..PlanLedgerRecord::default()
        };
        match &self.payload {
            Payload::Contribution(p) => {
                r.source = Some(p.source.as_str().into());
                r.amount = Some(p.amount);
                r.ytd_amount = Some(p.ytd_amount);
                r.pay_period = Some(
                    p.payroll_id
                        .rsplit('_')
                        .next()
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(0),
                );
                r.flag = Some(p.irs_limit_applied);
            }
            Payload::Vesting(p) => {
                let b = &p.source_balances_vested;
                r.rate = Some(p.vested_percentage);
                r.amount = Some(round2(b.employer_match + b.employer_nonelective));
                r.vested_match = Some(b.employer_match);
                r.vested_core = Some(b.employer_nonelective);
                r.hours = Some(p.service_credited_hours);
                r.start_date = Some(p.service_computation_date.clone());
            }
            Payload::Forfeiture(p) => {
                r.source = Some(enum_name(&p.forfeited_from_source));
                r.amount = Some(p.amount);
                r.rate = Some(p.vested_percentage);
                r.action = Some(enum_name(&p.reason));
            }
            Payload::HceStatus(p) => {
                r.amount = Some(p.annualized_compensation);
                r.applicable_limit = Some(p.hce_threshold);
                r.flag = Some(p.is_hce);
                r.prior_flag = p.prior_year_hce;
                r.action = Some(enum_name(&p.determination_method));
            }
            Payload::Compliance(p) => {
                r.action = Some(enum_name(&p.compliance_type));
                r.applicable_limit = Some(p.applicable_limit);
                r.amount = Some(p.current_amount);
            }
            Payload::AutoEnrollmentWindow(p) => {
                r.action = Some(enum_name(&p.action));
                r.start_date = Some(p.window_start_date.clone());
                r.end_date = Some(p.window_end_date.clone());
                r.rate = Some(p.default_deferral_rate);
                r.flag = Some(p.eligible_for_proactive);
            }
            other => {
                return Err(FieldError {
                    field: "payload.event_type".into(),
                    rule: format!(
                        "{} is not a plan-ledger type (it belongs to the workforce ledger)",
                        other.event_type()
                    ),
                })
            }
        }
        Ok(r)
    }
}
