//! The native engine: the workforce rules of docs/rules.md 3.2-3.8 and the plan event rules of
//! 3.9-3.12 over the struct-of-arrays workforce. Per-employee decisions are independent keyed draws, so they are computed in
//! parallel chunks when the thread pool has more than one thread, with identical results.

use super::decisions::{
    Decisions, EnrollmentDecision, PlanDecision, PlanDecisions, PromotionDecision, RaiseDecision,
};
use super::{Engine, EngineError, EngineKind, Foundation, YearContext};
use crate::date::{self, Day};
use crate::events::EventCategory;
use crate::rng::{draw, unit, Rng};
use crate::rules::{hiring, merit_raise, new_hire_termination, promotion, termination};
use crate::state::Workforce;
use rayon::prelude::*;

/// The native engine (the fast path and the reference for parity).
pub struct NativeEngine;

/// Runs `f` over `0..n`, in parallel chunks when the pool has threads to spare.
fn per_employee<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync + Send) -> Vec<T> {
    // Parallel only inside a pool the orchestrator installed with more than one thread.
    if rayon::current_thread_index().is_some() && rayon::current_num_threads() > 1 && n >= 16_384 {
        (0..n).into_par_iter().with_min_len(4_096).map(f).collect()
    } else {
        (0..n).map(f).collect()
    }
}

/// Step 3: experienced terminations. Termination date per start-of-year employee (`None`
/// when not terminated).
pub fn experienced_terminations(
    ctx: &YearContext<'_>,
    prior: &Workforce,
    f: &Foundation,
) -> Vec<Option<Day>> {
    let rng = Rng::new(ctx.config.termination_seed());
    let mut term_date = vec![None; prior.len()];
    for i in termination::select(
        &rng,
        ctx.year,
        &prior.level,
        &prior.id_key,
        &f.termination_quotas,
        |i| &*prior.employee_id[i as usize],
    ) {
        term_date[i as usize] = Some(termination::effective_date(
            &rng,
            ctx.year,
            prior.id_key[i as usize],
        ));
    }
    term_date
}

/// Step 4: the year's hires.
pub fn new_hires(ctx: &YearContext<'_>, f: &Foundation) -> Vec<hiring::Hire> {
    hiring::hires(
        ctx.config,
        &Rng::new(ctx.config.hiring_seed()),
        ctx.year,
        &f.hire_quotas,
        &ctx.params.new_hire_average,
    )
}

/// Step 5: new-hire terminations. Termination date per hire (`None` when staying).
pub fn new_hire_terminations(
    ctx: &YearContext<'_>,
    hires: &[hiring::Hire],
    f: &Foundation,
) -> Vec<Option<Day>> {
    let rng = Rng::new(ctx.config.termination_seed());
    let keys: Vec<u64> = hires.iter().map(|h| h.id_key).collect();
    let dates: Vec<Day> = hires.iter().map(|h| h.hire_date).collect();
    let mut nh_term = vec![None; hires.len()];
    for (j, d) in new_hire_termination::select(
        &rng,
        ctx.year,
        &keys,
        &dates,
        f.needs.implied_new_hire_terminations,
        |j| &hires[j as usize].employee_id,
    ) {
        nh_term[j as usize] = Some(d);
    }
    nh_term
}

/// Step 7: promotions on Feb 1, for employees not terminated before then.
pub fn promotions(
    ctx: &YearContext<'_>,
    prior: &Workforce,
    term_date: &[Option<Day>],
) -> Vec<Option<PromotionDecision>> {
    let c = ctx.config;
    let rng = Rng::new(c.promotion_seed());
    let yc = Rng::year_code(ctx.year, draw::PROMOTION);
    let feb1 = promotion::promotion_date(ctx.year);
    let top_level = c.job_levels.len() as u8;
    per_employee(prior.len(), |i| {
        let (level, age, tenure) = (prior.level[i], prior.age[i], prior.tenure[i]);
        if tenure < promotion::MIN_TENURE
            || level >= top_level
            || age >= promotion::AGE_LIMIT
            || term_date[i].is_some_and(|d| d < feb1)
        {
            return None;
        }
        let hazard = promotion::hazard(
            &c.promotion,
            level,
            ctx.tenure_bands.promotion_multipliers[ctx.tenure_bands.index(tenure) as usize],
            ctx.age_bands.promotion_multipliers[ctx.age_bands.index(age) as usize],
        );
        let e = rng.employee(prior.id_key[i]);
        if unit(Rng::combine(e, yc)) >= hazard {
            return None;
        }
        let increase_pct = promotion::increase_pct(&c.promotion, level, e, ctx.year);
        Some(PromotionDecision {
            new_level: level + 1,
            new_compensation: promotion::new_salary(
                &c.promotion,
                prior.compensation[i],
                increase_pct,
            ),
            hazard,
            increase_pct,
        })
    })
}

/// Step 8: merit + COLA raises, for employees not terminated before the raise date.
pub fn raises(
    ctx: &YearContext<'_>,
    prior: &Workforce,
    term_date: &[Option<Day>],
) -> Vec<Option<RaiseDecision>> {
    let c = ctx.config;
    let rng = Rng::new(c.raises_seed());
    // Only the realistic timing draws a date; the others need no per-employee hash.
    let keyed = c.compensation.raise_timing == crate::config::RaiseTiming::Realistic;
    per_employee(prior.len(), |i| {
        let merit = ctx.params.merit[prior.level[i] as usize - 1];
        if prior.tenure[i] < merit_raise::MIN_TENURE || merit <= 0.0 {
            return None;
        }
        let employee = if keyed {
            rng.employee(prior.id_key[i])
        } else {
            0
        };
        let date = merit_raise::raise_date(c, ctx.year, &prior.employee_id[i], employee);
        term_date[i]
            .is_none_or(|t| t >= date)
            .then(|| RaiseDecision {
                new_compensation: merit_raise::new_salary(
                    prior.compensation[i],
                    merit,
                    ctx.params.cola,
                ),
                date,
                merit,
            })
    })
}

/// Steps 3-12.
pub fn decide(ctx: &YearContext<'_>, prior: &Workforce, f: &Foundation) -> Decisions {
    let term_date = experienced_terminations(ctx, prior, f);
    let hires = new_hires(ctx, f);
    let nh_term_date = new_hire_terminations(ctx, &hires, f);
    let promotions = promotions(ctx, prior, &term_date);
    let raises = raises(ctx, prior, &term_date);
    let mut d = Decisions {
        term_date,
        hires,
        nh_term_date,
        promotions,
        raises,
        plan: PlanDecisions::default(),
    };
    d.plan = plan_decisions(ctx, prior, &d);
    d
}

impl Engine for NativeEngine {
    fn kind(&self) -> EngineKind {
        EngineKind::Native
    }

    fn decide(
        &self,
        ctx: &YearContext<'_>,
        prior: &Workforce,
        f: &Foundation,
    ) -> Result<Decisions, EngineError> {
        Ok(decide(ctx, prior, f))
    }
}

/// What the plan rules read about one member of the roster.
#[derive(Debug, Clone, Copy)]
struct PlanMember {
    id_key: u64,
    hire_date: Day,
    age: u16,
    tenure: u16,
    level: u8,
    comp: f64,
    hired_this_year: bool,
    /// The last day the member is employed this year: the termination date, or
    /// [`Day::MAX`] (no bound) when staying.
    boundary: Day,
    carry: crate::state::PlanCarry,
}

/// Resolved per-year constants of the plan rules, including the year half of every plan
/// draw's key (`mix((year << 32) ^ code)`, once per year rather than once per draw).
struct PlanYearRules {
    year: i32,
    start_year: bool,
    ceiling: f64,
    ae_cutoff: Option<Day>,
    esc_cutoff: Option<Day>,
    rng: Rng,
    voluntary: u64,
    voluntary_magnet: u64,
    proactive: u64,
    proactive_timing: u64,
    proactive_magnet: u64,
    yoy: u64,
    opt_out: u64,
    match_up: u64,
    match_down: u64,
}

/// Steps 9-12: eligibility, enrollment (auto, voluntary, proactive, year-over-year, opt-out),
/// start-year match response and auto-escalation, for every member of the year's roster.
pub fn plan_decisions(ctx: &YearContext<'_>, prior: &Workforce, d: &Decisions) -> PlanDecisions {
    let c = ctx.config;
    if !c.plan.enabled {
        return PlanDecisions {
            prior: vec![PlanDecision::default(); prior.len()],
            hires: vec![PlanDecision::default(); d.hires.len()],
        };
    }
    let rules = PlanYearRules {
        year: ctx.year,
        start_year: ctx.year == c.simulation.start_year,
        ceiling: c.plan.match_ceiling(),
        ae_cutoff: crate::config::plan::optional_day(&c.plan.auto_enrollment.hire_date_cutoff),
        esc_cutoff: crate::config::plan::optional_day(&c.plan.auto_escalation.hire_date_cutoff),
        rng: Rng::new(c.plan_seed()),
        voluntary: Rng::year_code(ctx.year, draw::ENROLLMENT_VOLUNTARY),
        voluntary_magnet: Rng::year_code(ctx.year, draw::ENROLLMENT_VOLUNTARY_MAGNET),
        proactive: Rng::year_code(ctx.year, draw::ENROLLMENT_PROACTIVE),
        proactive_timing: Rng::year_code(ctx.year, draw::ENROLLMENT_PROACTIVE_TIMING),
        proactive_magnet: Rng::year_code(ctx.year, draw::ENROLLMENT_PROACTIVE_MAGNET),
        yoy: Rng::year_code(ctx.year, draw::ENROLLMENT_YOY),
        opt_out: Rng::year_code(ctx.year, draw::ENROLLMENT_CHANGE_OPT_OUT),
        match_up: Rng::year_code(ctx.year, draw::MATCH_RESPONSE_UP),
        match_down: Rng::year_code(ctx.year, draw::MATCH_RESPONSE_DOWN),
    };
    let prior_decisions = per_employee(prior.len(), |i| {
        plan_member(
            ctx,
            &rules,
            &PlanMember {
                id_key: prior.id_key[i],
                hire_date: prior.hire_date[i],
                age: prior.age[i],
                tenure: prior.tenure[i],
                level: prior.level[i],
                comp: prior.compensation[i],
                hired_this_year: false,
                boundary: d.term_date[i].unwrap_or(Day::MAX),
                carry: prior.plan[i],
            },
        )
    });
    let hire_decisions = per_employee(d.hires.len(), |j| {
        let h = &d.hires[j];
        plan_member(
            ctx,
            &rules,
            &PlanMember {
                id_key: h.id_key,
                hire_date: h.hire_date,
                age: h.age,
                tenure: 0,
                level: h.level,
                comp: h.compensation,
                hired_this_year: true,
                boundary: d.nh_term_date[j].unwrap_or(Day::MAX),
                carry: crate::state::PlanCarry::for_hire(c, ctx.year, h.id_key),
            },
        )
    });
    PlanDecisions {
        prior: prior_decisions,
        hires: hire_decisions,
    }
}

fn plan_member(ctx: &YearContext<'_>, r: &PlanYearRules, m: &PlanMember) -> PlanDecision {
    use crate::rules::{eligibility, escalation, match_response};
    let p = &ctx.config.plan;
    let mut out = PlanDecision::default();
    if m.carry.plan_ineligible {
        return out;
    }
    let year = r.year;
    let employee = r.rng.employee(m.id_key);
    let u = |year_code: u64| unit(Rng::combine(employee, year_code));

    // 3.9 eligibility: once, dated no later than the termination.
    let mut eligible_on = m.carry.plan_eligibility_date;
    if eligible_on.is_none() {
        if let Some(day) = eligibility::eligibility_date(&p.eligibility, year, m.age, m.hire_date) {
            if day <= m.boundary {
                out.eligibility = Some(day);
                eligible_on = Some(day);
            }
        }
    }

    // 3.10 enrollment of the not-yet-enrolled. A candidate is kept only when dated on or
    // after plan eligibility and not after the termination (3.10.6 step 1; 4.4).
    if !m.carry.enrolled {
        if let Some(eligible_on) = eligible_on {
            enrollment_decisions(ctx, r, m, employee, eligible_on, &mut out);
        }
    }

    // 3.11 match response (start year, enrolled before the year, not hired this year).
    if r.start_year && !m.hired_this_year && m.carry.enrolled && m.boundary >= date::jan1(year) {
        out.match_response = match_response::respond(
            &p.match_response,
            m.carry.deferral_rate,
            r.ceiling,
            p.auto_escalation.maximum_rate,
            m.comp,
            u(r.match_up),
            u(r.match_down),
        );
    }

    // 3.12 escalation on Jan 1 from the prior year's rate.
    if !m.hired_this_year && m.boundary >= date::jan1(year) {
        out.escalation = escalation::escalate(
            &p.auto_escalation,
            r.esc_cutoff,
            year,
            &escalation::EscalationInput {
                hire_date: m.hire_date,
                enrolled: m.carry.enrolled,
                ever_opted_out: m.carry.ever_opted_out,
                census_opt_out: m.carry.census_escalation_opt_out,
                rate: m.carry.deferral_rate,
                last_rate_change_year: m.carry.last_rate_change_year,
                first_enrollment_year: m.carry.first_enrollment_year,
            },
        );
    }
    out
}

/// 3.10 for one member who is eligible (since `eligible_on`) and not yet enrolled: the
/// enrollment that survives resolution (3.10.6) and an opt-out of an auto-enrollment.
#[inline(always)]
fn enrollment_decisions(
    ctx: &YearContext<'_>,
    r: &PlanYearRules,
    m: &PlanMember,
    employee: u64,
    eligible_on: Day,
    out: &mut PlanDecision,
) {
    use crate::rules::enrollment;
    let p = &ctx.config.plan;
    let year = r.year;
    let u = |year_code: u64| unit(Rng::combine(employee, year_code));
    let ok = |day: Day| day >= eligible_on && day <= m.boundary;
    let jan15 = date::jan1(year) + 14;
    let ae = &p.auto_enrollment;
    let in_scope = ae.enabled
        && r.ae_cutoff.is_none_or(|cut| m.hire_date >= cut)
        && match ae.scope {
            crate::config::plan::AutoEnrollmentScope::NewHiresOnly => {
                m.hired_this_year || r.start_year
            }
            crate::config::plan::AutoEnrollmentScope::AllEligibleEmployees => true,
        };
    let v = &p.voluntary_enrollment;
    let never_opted = !m.carry.ever_opted_out;
    let vol_p = enrollment::voluntary_probability(m.age, m.comp, m.level, v.rate_multiplier);
    let seg_rate = enrollment::segment_rate(m.age, m.comp);
    // Voluntary and proactive enrollment share probability and rate rules (3.10.3);
    // only the date, the magnet draw and the category differ.
    let voluntary = |date: Day, magnet_code: u64, category: EventCategory| {
        let magnet = v
            .match_magnet_enabled
            .then(|| (u(magnet_code), v.match_magnet_snap_probability));
        EnrollmentDecision {
            date,
            rate: enrollment::voluntary_rate(seg_rate, r.ceiling, magnet, v.max_deferral_rate),
            category,
            probability: vol_p,
        }
    };
    // Priority: voluntary > proactive > year-over-year > auto (3.10.6 step 2).
    let mut chosen: Option<EnrollmentDecision> = None;
    let wait = p.eligibility.enrollment_waiting_period_days as i32;
    let vol_day = if m.hired_this_year {
        m.hire_date + wait
    } else {
        jan15
    };
    if never_opted
        && (!m.hired_this_year || date::year_of(vol_day) == year)
        && ok(vol_day)
        && u(r.voluntary) < vol_p
    {
        chosen = Some(voluntary(
            vol_day,
            r.voluntary_magnet,
            EventCategory::VoluntaryEnrollment,
        ));
    }
    if chosen.is_none() && m.hired_this_year && in_scope && never_opted && v.proactive_enabled {
        let t = u(r.proactive_timing);
        let span = (v.proactive_max_days - v.proactive_min_days) as f64;
        let day = eligible_on + v.proactive_min_days as i32 + (t * span).floor() as i32;
        if ok(day) && u(r.proactive) < vol_p {
            chosen = Some(voluntary(
                day,
                r.proactive_magnet,
                EventCategory::ProactiveVoluntary,
            ));
        }
    }
    if chosen.is_none() && !m.hired_this_year && never_opted && v.year_over_year_enabled {
        let day = date::days_from_civil(year, 6, 15);
        let yoy_p = enrollment::yoy_probability(m.age, m.comp, m.tenure, v.rate_multiplier);
        if ok(day) && u(r.yoy) < yoy_p {
            chosen = Some(EnrollmentDecision {
                date: day,
                rate: enrollment::yoy_rate(m.age),
                category: EventCategory::YearOverYearVoluntary,
                probability: yoy_p,
            });
        }
    }
    if chosen.is_none() && in_scope {
        let day = if m.hired_this_year {
            m.hire_date + ae.window_days as i32
        } else {
            jan15
        };
        if ok(day) {
            chosen = Some(EnrollmentDecision {
                date: day,
                rate: ae.default_deferral_rate,
                category: EventCategory::AutoEnrollment,
                probability: 1.0,
            });
            // 3.10.4 opt-out of the auto-enrollment, while still employed.
            let p_opt = enrollment::opt_out_probability(m.age, m.comp, ae.opt_out_target_rate);
            let opt_day = if m.hired_this_year {
                m.hire_date + (ae.window_days + ae.opt_out_grace_period_days) as i32
            } else {
                date::days_from_civil(year, 6, 15)
            };
            if opt_day <= m.boundary && u(r.opt_out) < p_opt {
                out.opt_out = Some((opt_day, p_opt));
            }
        }
    }
    out.enrollment = chosen;
}
