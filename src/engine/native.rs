//! The native engine: the workforce rules of domain.md 3.2-3.8 over the struct-of-arrays
//! workforce. Per-employee decisions are independent keyed draws, so they are computed in
//! parallel chunks when the thread pool has more than one thread, with identical results.

use super::{Engine, EngineKind, Foundation, YearContext};
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
        if tenure < 1 || level >= top_level || age >= 65 || term_date[i] < feb1 {
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
        if prior.tenure[i] < 1 || merit <= 0.0 {
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
}

/// Steps 3-8.
pub fn decide(ctx: &YearContext<'_>, prior: &Workforce, f: &Foundation) -> Decisions {
    let term_date = experienced_terminations(ctx, prior, f);
    let hires = new_hires(ctx, f);
    let nh_term_date = new_hire_terminations(ctx, &hires, f);
    let promotions = promotions(ctx, prior, &term_date);
    let raises = raises(ctx, prior, &term_date);
    Decisions {
        term_date,
        hires,
        nh_term_date,
        promotions,
        raises,
    }
}

impl Engine for NativeEngine {
    fn kind(&self) -> EngineKind {
        EngineKind::Native
    }

    fn foundation(&self, ctx: &YearContext<'_>, prior: &Workforce) -> Foundation {
        let c = ctx.config;
        let levels = c.job_levels.len();
        let n = prior.len() as u64;
        let prior_hires = if ctx.year == c.simulation.start_year {
            0
        } else {
            let from = date::jan1(ctx.year - 1);
            prior.hire_date.iter().filter(|&&h| h >= from).count() as u64
        };
        let needs = workforce_needs::solve(
            n,
            n - prior_hires,
            prior_hires,
            c.simulation.target_growth_rate,
            c.workforce.total_termination_rate,
            c.workforce.new_hire_termination_rate,
        );
        let counts = prior.level_counts(levels);
        let termination_quotas =
            level_quotas::termination_quotas(needs.total_experienced_terminations, &counts);
        let weights: Vec<u128> = if c.hiring.level_distribution.is_empty() {
            counts.iter().map(|&x| x as u128).collect()
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

    fn generate(&self, ctx: &YearContext<'_>, prior: &Workforce, f: &Foundation) -> YearEvents {
        publish(ctx, prior, decide(ctx, prior, f))
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
    ev.reserve(n / 2 + hires.len() * 2);
    let h_rate = ctx.config.workforce.new_hire_termination_rate;
    let mut rows: Vec<EventRow> = Vec::with_capacity(4);
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
            k += 1;
        }
        ev.push_employee(position, &mut rows);
    }
    ev.hires = hires;
    ev
}
