//! Step 13 of docs/rules.md 3.0, shared by every engine: the ledger of the year published from
//! the decisions, in ledger order (roster in `employee_id` order, each employee's events by
//! date and type priority, docs/rules.md 4).

use super::decisions::{Decisions, PlanDecision};
use super::YearContext;
use crate::date::{self, Day};
use crate::events::{Detail, EventCategory, EventRow, EventType, Member, YearEvents};
use crate::rules::{promotion, termination};
use crate::state::Workforce;

/// Step 13: publishes the ledger: roster in employee_id order (P(N) and hires are each sorted;
/// merge them), each employee's events by date and type priority.
pub fn publish(ctx: &YearContext<'_>, prior: &Workforce, d: Decisions) -> YearEvents {
    let year = ctx.year;
    let n = prior.len();
    let feb1 = promotion::promotion_date(year);
    let Decisions {
        term_date,
        hires,
        nh_term_date,
        promotions,
        raises,
        plan,
    } = d;
    // Hire ids `NH_{year}_{seq:06}` sort by sequence below a million hires; sort beyond.
    let mut hire_order: Vec<u32> = (0..hires.len() as u32).collect();
    if hires.len() >= 1_000_000 {
        hire_order.sort_by(|&a, &b| {
            hires[a as usize]
                .employee_id
                .cmp(&hires[b as usize].employee_id)
        });
    }
    let mut ev = YearEvents::new(year);
    ev.roster.reserve(n + hires.len());
    // Generous: untouched capacity costs address space, not memory; growing 14 columns costs time.
    ev.reserve(n * 2 + hires.len() * 5);
    let h_rate = ctx.config.workforce.new_hire_termination_rate;
    let mut rows: Vec<EventRow> = Vec::with_capacity(8);
    let (mut i, mut k) = (0usize, 0usize);
    while i < n || k < hire_order.len() {
        let take_prior = k >= hire_order.len()
            || (i < n && *prior.employee_id[i] < *hires[hire_order[k] as usize].employee_id);
        let position = ev.roster.len() as u32;
        rows.clear();
        if take_prior {
            ev.roster.push(Member::Prior(i as u32));
            let (level, prev) = (prior.level[i], prior.compensation[i]);
            let base = EventRow {
                event_type: EventType::Termination,
                category: EventCategory::Termination,
                effective_date: term_date[i].unwrap_or(Day::MAX),
                compensation_amount: Some(prev),
                previous_compensation: Some(prev),
                employee_deferral_rate: None,
                prev_employee_deferral_rate: None,
                employee_age: prior.age[i],
                employee_tenure: prior.tenure[i],
                level_id: level,
                event_probability: None,
                detail: Detail::ExperiencedTermination,
            };
            if let Some(day) = term_date[i] {
                rows.push(EventRow {
                    employee_tenure: termination::tenure_at(prior.hire_date[i], day),
                    ..base
                });
            }
            let mut current_level = level;
            if let Some(p) = promotions[i] {
                current_level = p.new_level;
                rows.push(EventRow {
                    event_type: EventType::Promotion,
                    category: EventCategory::Promotion,
                    effective_date: feb1,
                    compensation_amount: Some(p.new_compensation),
                    level_id: p.new_level,
                    event_probability: Some(p.hazard),
                    detail: Detail::Promotion {
                        from_level: level,
                        increase_pct: p.increase_pct,
                    },
                    ..base
                });
            }
            if let Some(r) = raises[i] {
                rows.push(EventRow {
                    event_type: EventType::Raise,
                    category: EventCategory::Raise,
                    effective_date: r.date,
                    compensation_amount: Some(r.new_compensation),
                    // A raise dated on or after a same-year promotion reports the level then held.
                    level_id: if r.date >= feb1 { current_level } else { level },
                    event_probability: Some(r.merit),
                    detail: Detail::Raise {
                        merit: r.merit,
                        cola: ctx.params.cola,
                    },
                    ..base
                });
            }
            if let Some(pd) = plan.prior.get(i) {
                let promoted = promotions[i].map(|p| p.new_level);
                push_plan_rows(
                    ctx,
                    pd,
                    prior.plan[i].deferral_rate,
                    &base,
                    prev,
                    |day| match promoted {
                        Some(l) if day >= feb1 => l,
                        _ => level,
                    },
                    &mut rows,
                );
            }
            i += 1;
        } else {
            let j = hire_order[k] as usize;
            let h = &hires[j];
            ev.roster.push(Member::Hire(j as u32));
            let base = EventRow {
                event_type: EventType::Hire,
                category: EventCategory::Hire,
                effective_date: h.hire_date,
                compensation_amount: Some(h.compensation),
                previous_compensation: None,
                employee_deferral_rate: None,
                prev_employee_deferral_rate: None,
                employee_age: h.age,
                employee_tenure: 0,
                level_id: h.level,
                event_probability: Some(1.0),
                detail: Detail::Hire,
            };
            rows.push(base);
            if let Some(day) = nh_term_date[j] {
                rows.push(EventRow {
                    event_type: EventType::Termination,
                    category: EventCategory::NewHireTermination,
                    effective_date: day,
                    previous_compensation: Some(h.compensation),
                    event_probability: Some(h_rate),
                    detail: Detail::NewHireDeparture,
                    ..base
                });
            }
            if let Some(pd) = plan.hires.get(j) {
                // A new hire has no deferral rate before this year's events.
                push_plan_rows(ctx, pd, 0.0, &base, h.compensation, |_| h.level, &mut rows);
            }
            k += 1;
        }
        ev.push_employee(position, &mut rows);
    }
    ev.hires = hires;
    ev
}

/// Appends the ledger rows of one member's plan decisions to `rows`. `base` carries the
/// member's age, tenure, level and pay; `level_at` gives the level held on a date.
fn push_plan_rows(
    ctx: &YearContext<'_>,
    d: &PlanDecision,
    prev_rate: f64,
    base: &EventRow,
    comp: f64,
    level_at: impl Fn(Day) -> u8,
    rows: &mut Vec<EventRow>,
) {
    let p = &ctx.config.plan;
    let plain = EventRow {
        compensation_amount: None,
        previous_compensation: None,
        employee_deferral_rate: None,
        prev_employee_deferral_rate: None,
        ..*base
    };
    if let Some(day) = d.eligibility {
        rows.push(EventRow {
            event_type: EventType::Eligibility,
            category: EventCategory::Eligibility,
            effective_date: day,
            level_id: level_at(day),
            event_probability: Some(1.0),
            detail: Detail::Eligibility {
                date: day,
                waiting_period_days: p.eligibility.waiting_period_days,
                minimum_age: p.eligibility.minimum_age,
            },
            ..plain
        });
    }
    if let Some(e) = d.enrollment {
        rows.push(EventRow {
            event_type: EventType::Enrollment,
            category: e.category,
            effective_date: e.date,
            compensation_amount: Some(comp),
            employee_deferral_rate: Some(e.rate),
            prev_employee_deferral_rate: Some(0.0),
            level_id: level_at(e.date),
            event_probability: Some(e.probability),
            detail: Detail::Enrollment {
                category: e.category,
                rate: e.rate,
            },
            ..plain
        });
    }
    if let Some((day, prob)) = d.opt_out {
        let ae_rate = d
            .enrollment
            .map_or(p.auto_enrollment.default_deferral_rate, |e| e.rate);
        rows.push(EventRow {
            event_type: EventType::EnrollmentChange,
            category: EventCategory::EnrollmentOptOut,
            effective_date: day,
            compensation_amount: Some(comp),
            previous_compensation: Some(comp),
            employee_deferral_rate: Some(0.0),
            prev_employee_deferral_rate: Some(ae_rate),
            level_id: level_at(day),
            event_probability: Some(prob),
            detail: Detail::OptOut {
                previous_rate: ae_rate,
            },
            ..plain
        });
    }
    let jan1 = date::jan1(ctx.year);
    if let Some((rate, prob)) = d.match_response {
        rows.push(EventRow {
            event_type: EventType::DeferralMatchResponse,
            category: EventCategory::MatchResponse,
            effective_date: jan1,
            compensation_amount: Some(comp),
            previous_compensation: Some(comp),
            employee_deferral_rate: Some(rate),
            prev_employee_deferral_rate: Some(prev_rate),
            level_id: level_at(jan1),
            event_probability: Some(prob),
            detail: Detail::MatchResponse {
                from: prev_rate,
                to: rate,
            },
            ..plain
        });
    }
    if let Some(rate) = d.escalation {
        rows.push(EventRow {
            event_type: EventType::DeferralEscalation,
            category: EventCategory::DeferralEscalation,
            effective_date: jan1,
            employee_deferral_rate: Some(rate),
            prev_employee_deferral_rate: Some(prev_rate),
            level_id: level_at(jan1),
            event_probability: Some(p.auto_escalation.increment),
            detail: Detail::Escalation {
                from: prev_rate,
                to: rate,
            },
            ..plain
        });
    }
}
