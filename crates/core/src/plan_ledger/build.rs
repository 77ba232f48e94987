//! How a year's plan ledger is built (docs/rules.md 3.15-3.20): one function per rule, each
//! pushing the member's rows in the order the module's documentation gives; the rows are
//! then sorted by day and type and numbered ([`PlanLedger::push_employee`]).

use super::{pay_period_ends, PlanEvent, PlanLedger};
use crate::config::plan::{ContributionTiming, PlanConfig};
use crate::config::ValidConfig;
use crate::date::{self, Day};
use crate::decimal::round2;
use crate::events::{EventType, Member, YearEvents};
use crate::model::IrsLimits;
use crate::payload::{ComplianceType, ContributionSource, EmployerSource, WindowAction};
use crate::rules::irs_limits::deferral_limit;
use crate::state::plan::{PlanCarry, PlanYear};
use crate::state::{Snapshot, Workforce};

/// Builds year `events.year`'s plan ledger from the start-of-year workforce, the year's
/// workforce ledger and the year's snapshot (after the plan accumulator): per roster member,
/// the rows of each rule in the module's order, then sorted and numbered.
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
    let t = YearTerms::new(config, year);
    let ranges = events.ranges();
    // About 5 events per employee and year at the defaults (annual contributions).
    let expected = s.len() * if t.per_period { 80 } else { 6 };
    out.position.reserve(expected);
    out.effective_date.reserve(expected);
    out.event_sequence.reserve(expected);
    out.event.reserve(expected);
    let mut rows: Vec<(Day, PlanEvent)> = Vec::with_capacity(64);
    for (p, member) in events.roster.iter().enumerate() {
        rows.clear();
        let m = MemberYear::new(&t, prior, events, s, p, *member);
        auto_enrollment_window(&t, &m, &mut rows);
        hce_determination(&t, &m, &mut rows);
        contributions(&t, &m, events, ranges[p].clone(), &mut rows);
        vesting_and_forfeiture(&m, &mut rows);
        compliance(&t, &m, s.prorated_annual_compensation[p], &mut rows);
        out.push_employee(p as u32, &mut rows);
    }
    out
}

/// What the ledger's rules read of the year, resolved once per year.
struct YearTerms<'a> {
    plan: &'a PlanConfig,
    jan1: Day,
    dec31: Day,
    limits: IrsLimits,
    /// The look-back year's limits (its HCE threshold, 3.20).
    lookback: IrsLimits,
    ae_cutoff: Option<Day>,
    /// The share of a limit at which a compliance warning is raised.
    margin: f64,
    per_period: bool,
    ends: [Day; 26],
    start_year: bool,
}

impl<'a> YearTerms<'a> {
    fn new(config: &'a ValidConfig, year: i32) -> Self {
        let plan = &config.plan;
        YearTerms {
            plan,
            jan1: date::jan1(year),
            dec31: date::dec31(year),
            limits: config.irs_limits(year),
            lookback: config.irs_limits(year - 1),
            ae_cutoff: crate::config::plan::optional_day(&plan.auto_enrollment.hire_date_cutoff),
            margin: 1.0 - plan.ledger.limit_margin,
            per_period: plan.ledger.contributions == ContributionTiming::PerPayPeriod,
            ends: pay_period_ends(year),
            start_year: year == config.simulation.start_year,
        }
    }
}

/// One roster member's year as the ledger's rules read it.
struct MemberYear<'a> {
    /// The member's plan year (the snapshot's).
    y: &'a PlanYear,
    /// The prior year-end's carry (the default for a hire).
    prior_carry: PlanCarry,
    /// The look-back pay of the HCE determination.
    lookback_comp: f64,
    hired: bool,
    hire: Day,
    term: Option<Day>,
    /// The last day employed in the year.
    last_day: Day,
    age_eoy: u16,
    /// The part of the deferrals above the base 402(g) limit.
    catch_up: f64,
}

impl<'a> MemberYear<'a> {
    fn new(
        t: &YearTerms<'_>,
        prior: &Workforce,
        events: &YearEvents,
        s: &'a Snapshot,
        p: usize,
        member: Member,
    ) -> Self {
        let y = &s.plan[p];
        let (prior_carry, lookback_comp, hired) = match member {
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
        let term = s.termination_date[p];
        MemberYear {
            y,
            prior_carry,
            lookback_comp,
            hired,
            hire: s.hire_date[p],
            term,
            last_day: term.unwrap_or(t.dec31).min(t.dec31),
            age_eoy: (events.year - date::year_of(s.birth_date[p])).clamp(0, u16::MAX as i32)
                as u16,
            catch_up: y.catch_up(&t.limits),
        }
    }
}

/// 3.10.1: the auto-enrollment window of a hire in scope, opened on the hire date, closed at
/// its end or expired on an earlier termination.
fn auto_enrollment_window(t: &YearTerms<'_>, m: &MemberYear<'_>, rows: &mut Vec<(Day, PlanEvent)>) {
    let ae = &t.plan.auto_enrollment;
    if !(m.hired
        && ae.enabled
        && ae.window_days > 0
        && !m.y.carry.plan_ineligible
        && t.ae_cutoff.is_none_or(|cut| m.hire >= cut))
    {
        return;
    }
    let end = m.hire + ae.window_days as i32;
    let window = |action| PlanEvent::AutoEnrollmentWindow {
        action,
        start: m.hire,
        end,
        default_rate: ae.default_deferral_rate,
        proactive: t.plan.voluntary_enrollment.proactive_enabled,
    };
    rows.push((m.hire, window(WindowAction::Opened)));
    match m.term {
        Some(d) if d < end => rows.push((d, window(WindowAction::Expired))),
        _ => rows.push((end, window(WindowAction::Closed))),
    }
}

/// 3.20: the HCE determination of the year: every HCE, and everyone who stops being one (an
/// NHCE who was not an HCE the year before keeps the default status: no event).
fn hce_determination(t: &YearTerms<'_>, m: &MemberYear<'_>, rows: &mut Vec<(Day, PlanEvent)>) {
    let prior_hce = (!m.hired && !t.start_year).then_some(m.prior_carry.was_hce);
    if m.y.is_hce || prior_hce == Some(true) {
        rows.push((
            t.jan1,
            PlanEvent::HceStatus {
                compensation: m.lookback_comp,
                threshold: t.lookback.hce_threshold,
                is_hce: m.y.is_hce,
                prior: prior_hce,
            },
        ));
    }
}

/// 3.15, 3.17, 3.18: the contributions by source, once a year or spread over the pay
/// periods the money was earned in (`events[range]` are the member's workforce events).
fn contributions(
    t: &YearTerms<'_>,
    m: &MemberYear<'_>,
    events: &YearEvents,
    range: std::ops::Range<usize>,
    rows: &mut Vec<(Day, PlanEvent)>,
) {
    let y = m.y;
    let capped = y.capped_excess > 0.0;
    let sources = [
        (
            ContributionSource::EmployeePreTax,
            round2(y.pre_tax_contribution - m.catch_up),
            capped,
        ),
        (
            ContributionSource::EmployeeRoth,
            y.roth_contribution,
            capped,
        ),
        (ContributionSource::EmployeeCatchUp, m.catch_up, capped),
        (ContributionSource::EmployerMatch, y.employer_match, false),
        (
            ContributionSource::EmployerNonelective,
            y.employer_core,
            false,
        ),
    ];
    // The days the money was earned in: deferrals from this year's enrollment (if any)
    // to the day before an opt-out; employer money over the days employed.
    let employed_from = m.hire.max(t.jan1);
    let (mut deferral_from, mut deferral_to) = (employed_from, m.last_day);
    for k in range {
        match events.event_type[k] {
            EventType::Enrollment => deferral_from = deferral_from.max(events.effective_date[k]),
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
        if t.per_period {
            // An enrollment dated after the year (a late hire's auto-enrollment at the
            // end of its window) still has the year's deferrals: on the last day employed.
            let from = deferral_from.min(m.last_day);
            let (from, to) = if employee {
                (from, deferral_to.max(from))
            } else {
                (employed_from, m.last_day)
            };
            spread(rows, &t.ends, source, amount, from, to, limited);
        } else {
            rows.push((
                if employee { m.last_day } else { t.dec31 },
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
}

/// 3.19: a change of the vested share of employer money, and the forfeiture of unvested
/// employer money on termination, per employer source.
fn vesting_and_forfeiture(m: &MemberYear<'_>, rows: &mut Vec<(Day, PlanEvent)>) {
    let y = m.y;
    let balance = y.carry.employer_balance;
    let vested_match = round2(y.carry.employer_match_balance * y.vested_pct);
    if balance > 0.0
        && (y.vested_pct != m.prior_carry.vested_pct
            || (m.prior_carry.employer_balance <= 0.0 && y.vested_pct > 0.0))
    {
        rows.push((
            m.last_day,
            PlanEvent::Vesting {
                vested_pct: y.vested_pct,
                vested_match,
                vested_core: round2(y.vested_balance - vested_match).max(0.0),
                hours: y.annual_hours,
                service_start: m.hire,
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
                    m.last_day,
                    PlanEvent::Forfeiture {
                        source,
                        amount,
                        vested_pct: y.vested_pct,
                    },
                ));
            }
        }
    }
}

/// Compliance monitoring of participants: a 402(g) or 415(c) limit approached (within the
/// margin), and catch-up eligibility at 50 (or on entering the plan's view at 50 or over).
/// `prorated_comp` caps the 415(c) limit.
fn compliance(
    t: &YearTerms<'_>,
    m: &MemberYear<'_>,
    prorated_comp: f64,
    rows: &mut Vec<(Day, PlanEvent)>,
) {
    let y = m.y;
    if !(y.employee_contribution > 0.0 || y.participating()) {
        return;
    }
    let limits = &t.limits;
    let (limit_402g, _) = deferral_limit(limits, m.age_eoy);
    if limit_402g > 0.0 && y.employee_contribution >= t.margin * limit_402g {
        rows.push((
            m.last_day,
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
    let limit_415c = limits.annual_additions_limit_415c.min(prorated_comp);
    if limit_415c > 0.0 && additions > 0.0 && additions >= t.margin * limit_415c {
        rows.push((
            m.last_day,
            PlanEvent::Compliance {
                kind: ComplianceType::Limit415cApproach,
                limit: limit_415c,
                amount: additions,
            },
        ));
    }
    if m.age_eoy >= 50 && (m.age_eoy == 50 || m.hired || t.start_year) {
        let (total, _) = deferral_limit(limits, m.age_eoy);
        let allowance = round2(total - limits.elective_deferral_limit_402g);
        if allowance > 0.0 {
            rows.push((
                t.jan1.max(m.hire),
                PlanEvent::Compliance {
                    kind: ComplianceType::CatchUpEligible,
                    limit: allowance,
                    amount: m.catch_up,
                },
            ));
        }
    }
}

/// Spreads `amount` (cents exact) over the pay periods ending in `[from, to]`, pushing one
/// contribution per period; no period ends there → one event on `to`.
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
