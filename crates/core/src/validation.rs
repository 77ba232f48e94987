//! The VALIDATION stage: invariants of docs/rules.md 5.7 and ledger rules of 4.4 over one year's
//! foundation, ledger and snapshot. Errors fail the run; warnings are reported. O(events + n).

use crate::config::ValidConfig;
use crate::date::{self, Iso};
use crate::engine::Foundation;
use crate::error::InvariantViolation;
use crate::events::{EventType, Member, YearEvents};
use crate::rules::irs_limits::deferral_limit;
use crate::state::plan::YearPlanEvents;
use crate::state::{Snapshot, Workforce};
use serde::{Deserialize, Serialize};

/// The outcome of validating one year.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct YearValidation {
    pub year: i32,
    #[serde(skip)]
    pub violations: Vec<InvariantViolation>,
    pub warnings: Vec<String>,
}

impl YearValidation {
    pub fn passed(&self) -> bool {
        self.violations.is_empty()
    }
}

/// Checks one simulated year.
pub fn validate_year(
    prior: &Workforce,
    foundation: &Foundation,
    events: &YearEvents,
    snapshot: &Snapshot,
    config: &ValidConfig,
) -> YearValidation {
    let mut v = YearValidation {
        year: events.year,
        ..Default::default()
    };
    let (hires, terminations) = check_counts(&mut v, prior, foundation, events, snapshot);
    let max_level = config.job_levels.len() as u8;
    for (p, range) in events.ranges().into_iter().enumerate() {
        if !range.is_empty() {
            check_employee_events(&mut v, max_level, prior, events, snapshot, p, range);
        }
    }
    // 4.4 warnings: hire/termination ratio and at least one termination.
    if terminations == 0 && !prior.is_empty() {
        v.warnings.push("no terminations this year".into());
    } else if terminations > 0 {
        let ratio = hires as f64 / terminations as f64;
        if !(0.3..=3.0).contains(&ratio) {
            v.warnings.push(format!(
                "hire/termination ratio {ratio:.2} outside [0.3, 3.0]"
            ));
        }
    }
    if !foundation.needs.failed_guards.is_empty() {
        v.warnings.push(format!(
            "workforce needs guards failed: {}",
            foundation.needs.failed_guards.join(", ")
        ));
    }
    for violation in validate_plan(config, prior, events, snapshot) {
        v.violations.push(violation);
    }
    v
}

impl YearValidation {
    fn fail(&mut self, invariant: &'static str, detail: String) {
        self.violations.push(InvariantViolation {
            year: self.year,
            invariant,
            detail,
        })
    }
}

/// 5.7 (1-3): one snapshot row per employee-year with unique ids, the headcount reconciled,
/// one hire event per hire, and the solver's target met exactly. Returns the year's hire
/// and termination event counts.
fn check_counts(
    v: &mut YearValidation,
    prior: &Workforce,
    foundation: &Foundation,
    events: &YearEvents,
    snapshot: &Snapshot,
) -> (usize, usize) {
    // 1. One snapshot row per employee-year; ids unique (strictly increasing roster order).
    if snapshot.len() != prior.len() + events.hires.len() {
        v.fail(
            "one row per employee",
            format!(
                "snapshot has {} rows, expected {} start-of-year + {} hires",
                snapshot.len(),
                prior.len(),
                events.hires.len()
            ),
        );
    }
    if let Some(w) = snapshot.employee_id.windows(2).find(|w| w[0] >= w[1]) {
        v.fail(
            "unique employee ids",
            format!(
                "{} is followed by {} (duplicate or out of order)",
                w[0], w[1]
            ),
        );
    }

    // 2-3. Headcount reconciliation and growth exactness.
    let terminations = events.count(EventType::Termination);
    let hires = events.count(EventType::Hire);
    let active = snapshot.active_count();
    if active + terminations != prior.len() + hires {
        v.fail(
            "headcount reconciliation",
            format!(
                "active {active} != start {} + hires {hires} - terminations {terminations}",
                prior.len()
            ),
        );
    }
    if hires != events.hires.len() {
        v.fail(
            "every hire has one hire event",
            format!("{hires} hire events for {} hires", events.hires.len()),
        );
    }
    if !prior.is_empty() && active as u64 != foundation.needs.target_ending {
        v.fail(
            "growth exactness",
            format!(
                "active at year end {active} != solver target {}",
                foundation.needs.target_ending
            ),
        );
    }
    (hires, terminations)
}

/// 5.7 (4) and 4.4 for one employee's workforce events (`range` of the ledger): at most one
/// termination, within the year and after the hire, and no event after it; no rehire; pay
/// where the type needs it; levels in range; sequences 1..=k; ages outside 18..75 warned.
fn check_employee_events(
    v: &mut YearValidation,
    max_level: u8,
    prior: &Workforce,
    events: &YearEvents,
    snapshot: &Snapshot,
    p: usize,
    range: std::ops::Range<usize>,
) {
    let year = events.year;
    let (jan1, dec31) = (date::jan1(year), date::dec31(year));
    let hire_date = match events.roster[p] {
        Member::Prior(i) => prior.hire_date[i as usize],
        Member::Hire(j) => events.hires[j as usize].hire_date,
    };
    let boundary = range
        .clone()
        .filter(|&k| events.event_type[k] == EventType::Termination)
        .map(|k| events.effective_date[k])
        .min();
    let terms = range
        .clone()
        .filter(|&k| events.event_type[k] == EventType::Termination)
        .count();
    if terms > 1 {
        v.fail(
            "one termination per employee",
            format!("{} has {terms} terminations", snapshot.employee_id[p]),
        );
    }
    for k in range.clone() {
        let d = events.effective_date[k];
        let t = events.event_type[k];
        if let Some(b) = boundary {
            if t != EventType::Termination && d > b {
                v.fail(
                    "no event after termination",
                    format!(
                        "{} has a {} on {} after terminating on {}",
                        snapshot.employee_id[p],
                        t.as_str(),
                        Iso(d),
                        Iso(b)
                    ),
                );
            }
        }
        if t == EventType::Termination && (d < hire_date || d < jan1 || d > dec31) {
            v.fail(
                "termination date",
                format!(
                    "{} terminates on {} (hired {}, year {year})",
                    snapshot.employee_id[p],
                    Iso(d),
                    Iso(hire_date)
                ),
            );
        }
        if t == EventType::Hire && matches!(events.roster[p], Member::Prior(_)) {
            v.fail(
                "no rehire",
                format!(
                    "{} was already employed and has a hire event",
                    snapshot.employee_id[p]
                ),
            );
        }
        if t.requires_compensation() && events.compensation_amount[k].is_none() {
            v.fail(
                "INVALID_COMPENSATION",
                format!(
                    "{} {} has no compensation",
                    snapshot.employee_id[p],
                    t.as_str()
                ),
            );
        }
        let level = events.level_id[k];
        if level == 0 || level > max_level {
            v.fail(
                "level range",
                format!("{} has level {level}", snapshot.employee_id[p]),
            );
        }
        if !(18..=75).contains(&events.employee_age[k]) && v.warnings.len() < 20 {
            v.warnings.push(format!(
                "{} event age {} outside 18..75",
                snapshot.employee_id[p], events.employee_age[k]
            ));
        }
    }
    // event_sequence is 1..=k per employee.
    for (s, k) in range.clone().enumerate() {
        if events.event_sequence[k] as usize != s + 1 {
            v.fail(
                "event sequence",
                format!(
                    "{} event {} has sequence {}",
                    snapshot.employee_id[p],
                    s + 1,
                    events.event_sequence[k]
                ),
            );
            break;
        }
    }
}

/// Plan rules of 4.4 and 5.7 (6-7) and the money invariants of 3.15-3.19: enrollment only
/// when eligible and not already enrolled, never after an opt-out in the same year; no plan
/// event for a plan-ineligible employee; rates within [0, 0.75]; escalations never above the
/// cap and never for an employee who opted out or is a census escalation opt-out; every
/// year-over-year rate change explained by an event; contributions within the year's limit;
/// match within the formula's maximum; vested balance within the balance.
pub fn validate_plan(
    config: &ValidConfig,
    prior: &Workforce,
    events: &YearEvents,
    snapshot: &Snapshot,
) -> Vec<InvariantViolation> {
    let year = events.year;
    let plan = &config.plan;
    let mut out = Vec::new();
    if !plan.enabled {
        return out;
    }
    let mut fail = |invariant: &'static str, detail: String| {
        if out.len() < 50 {
            out.push(InvariantViolation {
                year,
                invariant,
                detail,
            })
        }
    };
    let limits = config.irs_limits(year);
    let cap = plan.auto_escalation.maximum_rate;
    let ranges = events.ranges();
    for (p, range) in ranges.iter().enumerate() {
        let id = &snapshot.employee_id[p];
        let before = match events.roster[p] {
            Member::Prior(i) => Some(prior.plan[i as usize]),
            Member::Hire(_) => None,
        };
        let ev = YearPlanEvents::read(events, range.clone());
        let y = &snapshot.plan[p];
        let has_plan_event = ev.eligibility.is_some()
            || ev.enrollment.is_some()
            || ev.opt_out.is_some()
            || ev.match_response.is_some()
            || ev.escalation.is_some();
        if y.carry.plan_ineligible && has_plan_event {
            fail(
                "plan-ineligible employees get no plan events",
                format!("{id}"),
            );
        }
        for k in range.clone() {
            for r in [
                events.employee_deferral_rate[k],
                events.prev_employee_deferral_rate[k],
            ]
            .into_iter()
            .flatten()
            {
                if !(0.0..=0.75).contains(&r) {
                    fail("deferral rate range", format!("{id} event rate {r}"));
                }
            }
        }
        if let Some((day, _, _)) = ev.enrollment {
            let eligible_on = before
                .and_then(|b| b.plan_eligibility_date)
                .or(ev.eligibility);
            if eligible_on.is_none_or(|e| day < e) {
                fail(
                    "enrollment only after eligibility",
                    format!("{id} enrolls on {}", Iso(day)),
                );
            }
            if before.is_some_and(|b| b.enrolled) {
                fail(
                    "no second enrollment without an opt-out",
                    format!("{id} was already enrolled"),
                );
            }
            if ev.opt_out.is_some_and(|o| o < day) {
                fail(
                    "no enrollment after an opt-out in the same year",
                    format!("{id}"),
                );
            }
        }
        if ev.opt_out.is_some() && ev.enrollment.is_none_or(|e| !e.2) {
            fail(
                "opt-out only of this year's auto-enrollment",
                format!("{id}"),
            );
        }
        if let Some((new, _)) = ev.escalation {
            if new > cap + 1e-12 {
                fail(
                    "escalation never above the cap",
                    format!("{id} escalated to {new}"),
                );
            }
            if before.is_some_and(|b| b.ever_opted_out || b.census_escalation_opt_out) {
                fail("opted-out employees are never escalated", format!("{id}"));
            }
        }
        let rate = y.carry.deferral_rate;
        if !(0.0..=0.75).contains(&rate) {
            fail(
                "deferral rate within [0, 0.75]",
                format!("{id} rate {rate}"),
            );
        }
        let prev_rate = before.map_or(0.0, |b| b.deferral_rate);
        if rate != prev_rate
            && ev.enrollment.is_none()
            && ev.opt_out.is_none()
            && ev.match_response.is_none()
            && ev.escalation.is_none()
        {
            fail(
                "every rate change has an explaining event",
                format!("{id} {prev_rate} -> {rate} without an event"),
            );
        }
        let age_eoy = (year - date::year_of(snapshot.birth_date[p])).clamp(0, 200) as u16;
        let (limit, _) = deferral_limit(&limits, age_eoy);
        if y.employee_contribution > limit + 0.005 || y.employee_contribution < 0.0 {
            fail(
                "contributions within the year's limit",
                format!(
                    "{id} deferred {} over the limit {limit}",
                    y.employee_contribution
                ),
            );
        }
        if let Some(cap_pct) = plan.employer_match.cap {
            let capped = y.contribution_base.min(limits.compensation_limit_401a17);
            if plan.employer_match.mode == crate::config::plan::MatchMode::DeferralBased
                && y.employer_match > crate::decimal::round2(cap_pct * capped) + 0.005
            {
                fail(
                    "match within the formula's maximum",
                    format!("{id} match {}", y.employer_match),
                );
            }
        }
        if y.vested_balance > y.carry.employer_balance + 0.005 || y.forfeiture < 0.0 {
            fail("vested balance within the balance", format!("{id}"));
        }
        if !snapshot.active[p] && y.employer_match + y.employer_core > 0.0 {
            let allowed = plan
                .employer_match
                .eligibility
                .allow_experienced_terminations
                || plan.employer_match.eligibility.allow_terminated_new_hires
                || plan
                    .employer_core
                    .eligibility
                    .allow_experienced_terminations
                || plan.employer_core.eligibility.allow_terminated_new_hires;
            if !allowed {
                fail(
                    "no employer money for terminated employees",
                    format!("{id}"),
                );
            }
        }
    }
    out
}

/// Ledger rules of 4.4 over the plan's money ledger ([`crate::plan_ledger`]): events in
/// ledger order with sequences 1..=k per employee; amounts positive; money dated within the
/// year, employee money not after the termination; forfeitures only on termination; vested
/// shares within [0, 1]; one HCE determination per HCE (and at most one for an employee who
/// stopped being one); and the ledger agrees with the
/// snapshot's money columns to the cent (contributions by source, forfeitures).
pub fn validate_plan_ledger(
    config: &ValidConfig,
    snapshot: &Snapshot,
    ledger: &crate::plan_ledger::PlanLedger,
) -> Vec<InvariantViolation> {
    use crate::decimal::round2;
    use crate::payload::ContributionSource as S;
    use crate::plan_ledger::PlanEvent;
    let year = ledger.year;
    let mut out = Vec::new();
    let mut fail = |invariant: &'static str, detail: String| {
        if out.len() < 50 {
            out.push(InvariantViolation {
                year,
                invariant,
                detail,
            })
        }
    };
    if !config.plan.enabled {
        if !ledger.is_empty() {
            fail(
                "no plan ledger without a plan",
                format!("{} money events", ledger.len()),
            );
        }
        return out;
    }
    let n = snapshot.len();
    let (jan1, dec31) = (date::jan1(year), date::dec31(year));
    // Per employee: [pre-tax + catch-up, Roth, match, core, forfeiture], HCE determinations.
    let mut sums = vec![[0.0f64; 5]; n];
    let mut hce = vec![0u32; n];
    let mut last: Option<(u32, u16)> = None;
    for i in 0..ledger.len() {
        let p = ledger.position[i];
        if p as usize >= n {
            fail("plan ledger roster", format!("position {p} of {n}"));
            continue;
        }
        let id = &snapshot.employee_id[p as usize];
        let seq = ledger.event_sequence[i];
        let expected = match last {
            Some((q, s)) if q == p => s + 1,
            Some((q, _)) if q > p => {
                fail("plan ledger order", format!("{id} after a later employee"));
                1
            }
            _ => 1,
        };
        if seq != expected {
            fail(
                "plan ledger sequence",
                format!("{id} event has sequence {seq}, expected {expected}"),
            );
        }
        last = Some((p, seq));
        let d = ledger.effective_date[i];
        let term = snapshot.termination_date[p as usize];
        let row = &mut sums[p as usize];
        match ledger.event[i] {
            PlanEvent::Contribution { source, amount, .. } => {
                if amount.is_nan() || amount <= 0.0 {
                    fail("contribution amount", format!("{id} {amount}"));
                }
                if d < jan1 || d > dec31 {
                    fail("contribution date", format!("{id} on {}", Iso(d)));
                }
                if !source.is_employer() && term.is_some_and(|t| d > t) {
                    fail(
                        "no event after termination",
                        format!("{id} contributes on {} after terminating", Iso(d)),
                    );
                }
                let k = match source {
                    S::EmployeePreTax | S::EmployeeCatchUp => 0,
                    S::EmployeeRoth => 1,
                    S::EmployerMatch => 2,
                    S::EmployerNonelective => 3,
                    _ => {
                        fail("contribution source", format!("{id} {}", source.as_str()));
                        continue;
                    }
                };
                row[k] = round2(row[k] + amount);
            }
            PlanEvent::Forfeiture {
                amount, vested_pct, ..
            } => {
                if snapshot.active[p as usize]
                    || amount.is_nan()
                    || amount <= 0.0
                    || vested_pct >= 1.0
                {
                    fail(
                        "forfeiture on termination only",
                        format!("{id} forfeits {amount} at {vested_pct}"),
                    );
                }
                row[4] = round2(row[4] + amount);
            }
            PlanEvent::Vesting { vested_pct, .. } => {
                if !(0.0..=1.0).contains(&vested_pct) {
                    fail("vested share range", format!("{id} {vested_pct}"));
                }
            }
            PlanEvent::HceStatus { is_hce, prior, .. } => {
                hce[p as usize] += 1;
                if is_hce != snapshot.plan[p as usize].is_hce || !(is_hce || prior == Some(true)) {
                    fail(
                        "HCE determinations",
                        format!("{id}: an event for is_hce {is_hce}, prior {prior:?}"),
                    );
                }
            }
            PlanEvent::Compliance { limit, amount, .. } => {
                if !(limit > 0.0 && amount >= 0.0) {
                    fail("compliance amounts", format!("{id} {amount} of {limit}"));
                }
            }
            PlanEvent::AutoEnrollmentWindow { start, end, .. } => {
                if end <= start {
                    fail("auto-enrollment window", format!("{id} window ends first"));
                }
            }
        }
    }
    for (p, y) in snapshot.plan.iter().enumerate() {
        let expected = [
            y.pre_tax_contribution,
            y.roth_contribution,
            y.employer_match,
            y.employer_core,
            y.forfeiture,
        ];
        if sums[p] != expected {
            fail(
                "plan ledger agrees with the snapshot",
                format!(
                    "{}: ledger [pre-tax, Roth, match, core, forfeiture] {:?}, snapshot {:?}",
                    snapshot.employee_id[p], sums[p], expected
                ),
            );
        }
        if (y.is_hce && hce[p] != 1) || hce[p] > 1 {
            fail(
                "one HCE determination per HCE",
                format!("{} has {}", snapshot.employee_id[p], hce[p]),
            );
        }
    }
    out
}
