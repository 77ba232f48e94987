//! The native engine: the workforce rules of domain.md 3.2-3.8 and the plan event rules of
//! 3.9-3.12 over the struct-of-arrays workforce. Per-employee decisions are independent keyed draws, so they are computed in
//! parallel chunks when the thread pool has more than one thread, with identical results.

use super::{Engine, EngineError, EngineKind, Foundation, YearContext};
use crate::date::{self, Day};
use crate::events::{Detail, EventCategory, EventRow, EventType, Member, YearEvents};
use crate::rng::{draw, unit, Rng};
use crate::rules::{
    hiring, level_quotas, merit_raise, new_hire_termination, promotion, termination,
    workforce_needs,
};
use crate::state::Workforce;
use rayon::prelude::*;

pub struct NativeEngine;

/// Sentinel for "not terminated this year".
pub const NEVER: Day = Day::MAX;

/// A promotion decided for one start-of-year employee.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PromotionDecision {
    pub new_level: u8,
    pub new_compensation: f64,
    pub hazard: f64,
    pub increase_pct: f64,
}

/// A merit + COLA raise decided for one start-of-year employee.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RaiseDecision {
    pub new_compensation: f64,
    pub date: Day,
    pub merit: f64,
}

/// Runs `f` over `0..n`, in parallel chunks when the pool has threads to spare.
fn per_employee<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync + Send) -> Vec<T> {
    // Parallel only inside a pool the orchestrator installed with more than one thread.
    if rayon::current_thread_index().is_some() && rayon::current_num_threads() > 1 && n >= 16_384 {
        (0..n).into_par_iter().with_min_len(4_096).map(f).collect()
    } else {
        (0..n).map(f).collect()
    }
}

/// Step 3: experienced terminations. Termination date per start-of-year employee ([`NEVER`]
/// when not terminated).
pub fn experienced_terminations(
    ctx: &YearContext<'_>,
    prior: &Workforce,
    f: &Foundation,
) -> Vec<Day> {
    let rng = Rng::new(ctx.config.termination_seed());
    let mut term_date = vec![NEVER; prior.len()];
    for i in termination::select(
        &rng,
        ctx.year,
        &prior.level,
        &prior.id_key,
        &f.termination_quotas,
        |i| &*prior.employee_id[i as usize],
    ) {
        term_date[i as usize] =
            termination::effective_date(&rng, ctx.year, prior.id_key[i as usize]);
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

/// Step 5: new-hire terminations. Termination date per hire ([`NEVER`] when staying).
pub fn new_hire_terminations(
    ctx: &YearContext<'_>,
    hires: &[hiring::Hire],
    f: &Foundation,
) -> Vec<Day> {
    let rng = Rng::new(ctx.config.termination_seed());
    let keys: Vec<u64> = hires.iter().map(|h| h.id_key).collect();
    let dates: Vec<Day> = hires.iter().map(|h| h.hire_date).collect();
    let mut nh_term = vec![NEVER; hires.len()];
    for (j, d) in new_hire_termination::select(
        &rng,
        ctx.year,
        &keys,
        &dates,
        f.needs.implied_new_hire_terminations,
        |j| &hires[j as usize].employee_id,
    ) {
        nh_term[j as usize] = d;
    }
    nh_term
}

/// Step 7: promotions on Feb 1, for employees not terminated before then.
pub fn promotions(
    ctx: &YearContext<'_>,
    prior: &Workforce,
    term_date: &[Day],
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
            || term_date[i] < feb1
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
    term_date: &[Day],
) -> Vec<Option<RaiseDecision>> {
    let c = ctx.config;
    let rng = Rng::new(c.simulation.random_seed);
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
        (term_date[i] >= date).then(|| RaiseDecision {
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

/// The year's decisions, before publication.
#[derive(Debug, Clone)]
pub struct Decisions {
    pub term_date: Vec<Day>,
    pub hires: Vec<hiring::Hire>,
    pub nh_term_date: Vec<Day>,
    pub promotions: Vec<Option<PromotionDecision>>,
    pub raises: Vec<Option<RaiseDecision>>,
    /// Steps 9-12 (empty until [`plan_decisions`] has run).
    pub plan: PlanDecisions,
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

/// Steps 1-2: the solver's needs from the start-of-year headcount and last year's hires, then
/// the level quotas. Arithmetic on a handful of counts, shared by every engine.
pub fn foundation(ctx: &YearContext<'_>, prior: &Workforce) -> Foundation {
    foundation_from_counts(ctx, &workforce_counts(ctx, prior))
}

/// The aggregates of P(N) that steps 1-2 read. Each engine counts them its own way (a pass
/// over the columns, a `GROUP BY level`, a Polars `group_by`); the arithmetic on them is
/// [`foundation_from_counts`], shared, because it is a handful of exact integer and decimal
/// operations on a few numbers, not work over the workforce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkforceCounts {
    /// Active headcount at the start of the year.
    pub headcount: u64,
    /// Of them, hired during the previous simulated year (0 in the first year).
    pub prior_hires: u64,
    /// Headcount by level (index 0 = level 1).
    pub by_level: Vec<u64>,
}

impl WorkforceCounts {
    /// The counts from `(level, headcount, last year's hires)` rows, one per level present
    /// (the shape a `GROUP BY level` returns); `levels` is the number of job levels.
    pub fn from_level_rows(levels: usize, rows: impl IntoIterator<Item = (u8, u64, u64)>) -> Self {
        let mut counts = WorkforceCounts {
            headcount: 0,
            prior_hires: 0,
            by_level: vec![0; levels],
        };
        for (level, n, recent) in rows {
            counts.headcount += n;
            counts.prior_hires += recent;
            if let Some(slot) = counts.by_level.get_mut((level as usize).wrapping_sub(1)) {
                *slot = n;
            }
        }
        counts
    }
}

/// The first day of the window whose hires count as last year's new hires (3.2), or `None`
/// in the first simulated year (the census year's hires are experienced).
pub fn prior_hire_window(ctx: &YearContext<'_>) -> Option<Day> {
    (ctx.year != ctx.config.simulation.start_year).then(|| date::jan1(ctx.year - 1))
}

/// [`WorkforceCounts`] by one pass over the columns.
pub fn workforce_counts(ctx: &YearContext<'_>, prior: &Workforce) -> WorkforceCounts {
    WorkforceCounts {
        headcount: prior.len() as u64,
        prior_hires: prior_hire_window(ctx).map_or(0, |from| {
            prior.hire_date.iter().filter(|&&h| h >= from).count() as u64
        }),
        by_level: prior.level_counts(ctx.config.job_levels.len()),
    }
}

/// Steps 1-2 of domain.md 3.0 from the counts: workforce needs (3.2) and level quotas (3.3).
pub fn foundation_from_counts(ctx: &YearContext<'_>, counts: &WorkforceCounts) -> Foundation {
    let c = ctx.config;
    let n = counts.headcount;
    let needs = workforce_needs::solve(
        n,
        n - counts.prior_hires,
        counts.prior_hires,
        c.simulation.target_growth_rate,
        c.workforce.total_termination_rate,
        c.workforce.new_hire_termination_rate,
    );
    let termination_quotas =
        level_quotas::termination_quotas(needs.total_experienced_terminations, &counts.by_level);
    let weights: Vec<u128> = if c.hiring.level_distribution.is_empty() {
        counts.by_level.iter().map(|&x| x as u128).collect()
    } else {
        level_quotas::decimal_weights(&c.hiring.level_distribution)
    };
    let hire_quotas = level_quotas::hire_quotas(needs.hires, &weights);
    Foundation {
        year: ctx.year,
        needs,
        termination_quotas,
        hire_quotas,
    }
}

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
                effective_date: term_date[i],
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
            if term_date[i] != NEVER {
                rows.push(EventRow {
                    employee_tenure: termination::tenure_at(prior.hire_date[i], term_date[i]),
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
            if nh_term_date[j] != NEVER {
                rows.push(EventRow {
                    event_type: EventType::Termination,
                    category: EventCategory::NewHireTermination,
                    effective_date: nh_term_date[j],
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

/// The plan events decided for one member of the year's roster (steps 9-12 of 3.0).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PlanDecision {
    pub eligibility: Option<Day>,
    pub enrollment: Option<EnrollmentDecision>,
    /// `(date, probability)` of an auto-enrollment opt-out.
    pub opt_out: Option<(Day, f64)>,
    /// `(new rate, probability)` of a start-year match response.
    pub match_response: Option<(f64, f64)>,
    /// New rate on Jan 1.
    pub escalation: Option<f64>,
}

/// The enrollment that survived resolution (3.10.6).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnrollmentDecision {
    pub date: Day,
    pub rate: f64,
    pub category: EventCategory,
    pub probability: f64,
}

/// The year's plan decisions: one per start-of-year employee and one per hire.
#[derive(Debug, Clone, Default)]
pub struct PlanDecisions {
    pub prior: Vec<PlanDecision>,
    pub hires: Vec<PlanDecision>,
}

impl PlanDecisions {
    /// The decision of roster member `idx`: a hire's, or a start-of-year employee's.
    pub fn slot(&mut self, hired: bool, idx: usize) -> &mut PlanDecision {
        if hired {
            &mut self.hires[idx]
        } else {
            &mut self.prior[idx]
        }
    }
}

/// The enrollment categories by the code (0-3) the SQL and Polars plan steps emit: the
/// resolution order of 3.10.6 (voluntary, proactive, year-over-year, auto).
pub const ENROLLMENT_CATEGORY_CODES: [EventCategory; 4] = [
    EventCategory::VoluntaryEnrollment,
    EventCategory::ProactiveVoluntary,
    EventCategory::YearOverYearVoluntary,
    EventCategory::AutoEnrollment,
];

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
    /// Earliest termination date ([`NEVER`] when staying).
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
        ae_cutoff: crate::plan::config::optional_day(&c.plan.auto_enrollment.hire_date_cutoff),
        esc_cutoff: crate::plan::config::optional_day(&c.plan.auto_escalation.hire_date_cutoff),
        rng: Rng::new(c.simulation.random_seed),
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
                boundary: d.term_date[i],
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
                boundary: d.nh_term_date[j],
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
    use crate::rules::{eligibility, enrollment, escalation, match_response};
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
            let ok = |day: Day| day >= eligible_on && day <= m.boundary;
            let jan15 = date::jan1(year) + 14;
            let ae = &p.auto_enrollment;
            let in_scope = ae.enabled
                && r.ae_cutoff.is_none_or(|cut| m.hire_date >= cut)
                && match ae.scope {
                    crate::plan::config::AutoEnrollmentScope::NewHiresOnly => {
                        m.hired_this_year || r.start_year
                    }
                    crate::plan::config::AutoEnrollmentScope::AllEligibleEmployees => true,
                };
            let v = &p.voluntary_enrollment;
            let never_opted = !m.carry.ever_opted_out;
            let vol_p =
                enrollment::voluntary_probability(m.age, m.comp, m.level, v.rate_multiplier);
            let seg_rate = enrollment::segment_rate(m.age, m.comp);
            // Voluntary and proactive enrollment share probability and rate rules (3.10.3);
            // only the date, the magnet draw and the category differ.
            let voluntary = |date: Day, magnet_code: u64, category: EventCategory| {
                let magnet = v
                    .match_magnet_enabled
                    .then(|| (u(magnet_code), v.match_magnet_snap_probability));
                EnrollmentDecision {
                    date,
                    rate: enrollment::voluntary_rate(
                        seg_rate,
                        r.ceiling,
                        magnet,
                        v.max_deferral_rate,
                    ),
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
            if chosen.is_none()
                && m.hired_this_year
                && in_scope
                && never_opted
                && v.proactive_enabled
            {
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
                    let p_opt =
                        enrollment::opt_out_probability(m.age, m.comp, ae.opt_out_target_rate);
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
