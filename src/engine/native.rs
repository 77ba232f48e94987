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
const NEVER: Day = Day::MAX;

/// The compensation decisions of one start-of-year employee.
#[derive(Debug, Clone, Copy, Default)]
struct PayDecision {
    /// (new level, new pay, hazard, increase pct)
    promotion: Option<(u8, f64, f64, f64)>,
    /// (new pay, date)
    raise: Option<(f64, Day)>,
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
        let c = ctx.config;
        let year = ctx.year;
        let n = prior.len();
        let id = |i: u32| &*prior.employee_id[i as usize];

        // 3. Experienced terminations.
        let term_rng = Rng::new(c.termination_seed());
        let mut term_date = vec![NEVER; n];
        for i in termination::select(
            &term_rng,
            year,
            &prior.level,
            &prior.id_key,
            &f.termination_quotas,
            id,
        ) {
            term_date[i as usize] =
                termination::effective_date(&term_rng, year, prior.id_key[i as usize]);
        }

        // 4. Hires, 5. new-hire terminations.
        let hires = hiring::hires(
            c,
            &Rng::new(c.hiring_seed()),
            year,
            &f.hire_quotas,
            &ctx.params.new_hire_average,
        );
        let hire_keys: Vec<u64> = hires.iter().map(|h| h.id_key).collect();
        let hire_dates: Vec<Day> = hires.iter().map(|h| h.hire_date).collect();
        let mut nh_term = vec![NEVER; hires.len()];
        for (j, d) in new_hire_termination::select(
            &term_rng,
            year,
            &hire_keys,
            &hire_dates,
            f.needs.implied_new_hire_terminations,
            |j| &hires[j as usize].employee_id,
        ) {
            nh_term[j as usize] = d;
        }

        // 7. Promotions and 8. merit + COLA raises (6: both respect the termination boundary).
        let promo_rng = Rng::new(c.promotion_seed());
        let main_rng = Rng::new(c.simulation.random_seed);
        let yc_promo = Rng::year_code(year, draw::PROMOTION);
        let feb1 = promotion::promotion_date(year);
        let top_level = c.job_levels.len() as u8;
        let decide = |i: usize| -> PayDecision {
            let (level, age, tenure, prev) = (
                prior.level[i],
                prior.age[i],
                prior.tenure[i],
                prior.compensation[i],
            );
            let mut d = PayDecision::default();
            if tenure < 1 {
                return d;
            }
            if level < top_level && age < 65 && term_date[i] >= feb1 {
                let hz = promotion::hazard(
                    &c.promotion,
                    level,
                    ctx.tenure_bands.promotion_multipliers[ctx.tenure_bands.index(tenure) as usize],
                    ctx.age_bands.promotion_multipliers[ctx.age_bands.index(age) as usize],
                );
                let e = promo_rng.employee(prior.id_key[i]);
                if unit(Rng::combine(e, yc_promo)) < hz {
                    let pct = promotion::increase_pct(&c.promotion, level, e, year);
                    d.promotion = Some((
                        level + 1,
                        promotion::new_salary(&c.promotion, prev, pct),
                        hz,
                        pct,
                    ));
                }
            }
            let merit = ctx.params.merit[level as usize - 1];
            if merit > 0.0 {
                let date = merit_raise::raise_date(
                    c,
                    year,
                    &prior.employee_id[i],
                    main_rng.employee(prior.id_key[i]),
                );
                if term_date[i] >= date {
                    d.raise = Some((merit_raise::new_salary(prev, merit, ctx.params.cola), date));
                }
            }
            d
        };
        let pay: Vec<PayDecision> = if rayon::current_num_threads() > 1 && n >= 16_384 {
            (0..n)
                .into_par_iter()
                .with_min_len(4_096)
                .map(decide)
                .collect()
        } else {
            (0..n).map(decide).collect()
        };

        // 13. Publish the ledger: roster in employee_id order (P(N) and hires are each sorted;
        // merge them), each employee's events by date and type priority.
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
        let h_rate = c.workforce.new_hire_termination_rate;
        let mut rows: Vec<EventRow> = Vec::with_capacity(4);
        let (mut i, mut k) = (0usize, 0usize);
        while i < n || k < hire_order.len() {
            let take_prior = k >= hire_order.len()
                || (i < n && *prior.employee_id[i] < *hires[hire_order[k] as usize].employee_id);
            let position = ev.roster.len() as u32;
            rows.clear();
            if take_prior {
                ev.roster.push(Member::Prior(i as u32));
                let (level, age, tenure, prev) = (
                    prior.level[i],
                    prior.age[i],
                    prior.tenure[i],
                    prior.compensation[i],
                );
                let base = EventRow {
                    event_type: EventType::Termination,
                    category: EventCategory::Termination,
                    effective_date: 0,
                    compensation_amount: Some(prev),
                    previous_compensation: Some(prev),
                    employee_deferral_rate: None,
                    prev_employee_deferral_rate: None,
                    employee_age: age,
                    employee_tenure: tenure,
                    level_id: level,
                    event_probability: None,
                    detail: Detail::ExperiencedTermination,
                };
                if term_date[i] != NEVER {
                    rows.push(EventRow {
                        effective_date: term_date[i],
                        employee_tenure: termination::tenure_at(prior.hire_date[i], term_date[i]),
                        ..base
                    });
                }
                let d = pay[i];
                let mut current_level = level;
                if let Some((new_level, new_pay, hz, pct)) = d.promotion {
                    current_level = new_level;
                    rows.push(EventRow {
                        event_type: EventType::Promotion,
                        category: EventCategory::Promotion,
                        effective_date: feb1,
                        compensation_amount: Some(new_pay),
                        level_id: new_level,
                        event_probability: Some(hz),
                        detail: Detail::Promotion {
                            from_level: level,
                            increase_pct: pct,
                        },
                        ..base
                    });
                }
                if let Some((new_pay, date)) = d.raise {
                    let merit = ctx.params.merit[level as usize - 1];
                    rows.push(EventRow {
                        event_type: EventType::Raise,
                        category: EventCategory::Raise,
                        effective_date: date,
                        compensation_amount: Some(new_pay),
                        // A raise dated on or after a same-year promotion reports the level then held.
                        level_id: if date >= feb1 { current_level } else { level },
                        event_probability: Some(merit),
                        detail: Detail::Raise {
                            merit,
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
                if nh_term[j] != NEVER {
                    rows.push(EventRow {
                        event_type: EventType::Termination,
                        category: EventCategory::NewHireTermination,
                        effective_date: nh_term[j],
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
}
