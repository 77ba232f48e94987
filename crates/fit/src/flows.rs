//! The observed flows of one year N, from the snapshots of N − 1 and N, counted as the model
//! decides them (docs/rules.md 3.0-3.8): P(N) is who was active at the end of N − 1, split
//! into the experienced (hired before N − 1) and those hired during N − 1; an exit is a member
//! of P(N) who is terminated in, or absent from, the N snapshot; a hire is a new id hired in
//! N, a new-hire termination one who also left in N; a promotion is a stayer whose level went
//! up (or, with no levels in the files, whose raise the promotion component of the raise
//! mixture claims, see [`crate::mixture`]); a raise is the pay change of a stayer who was not
//! promoted and had a year of service. Age and tenure in N are counted as the model counts
//! them: age N − 1 − birth year, tenure the completed years to the end of N − 1, plus one.

use crate::history::{Person, Snapshot};
use workforce_sim_core::config::{PromotionConfig, ValidConfig};
use workforce_sim_core::date::{self, Day};
use workforce_sim_core::rules::bands::BandTable;
use workforce_sim_core::rules::promotion;

/// One (level, age band, tenure band) cell: how many were exposed and how many had the event;
/// for promotions also the events the configured hazard expects (at a multiplier of 1).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cell {
    pub level: u8,
    pub age_band: u8,
    pub tenure_band: u8,
    pub exposure: f64,
    pub events: f64,
    pub expected: f64,
}

/// What happened in year N.
#[derive(Debug, Clone, Default)]
pub struct Flows {
    pub year: i32,
    /// P(N): active at the end of N − 1.
    pub start: u64,
    /// Of P(N), hired before N − 1.
    pub experienced: u64,
    /// Of P(N), hired during N − 1 (the model applies the new-hire rate to them).
    pub prior: u64,
    pub exits_experienced: u64,
    pub exits_prior: u64,
    pub hires: u64,
    pub new_hire_terminations: u64,
    /// Active at the end of N.
    pub end: u64,
    pub promotions: u64,
    /// Promotion candidates who stayed, by cell, with the hazard's expected promotions.
    pub promotion_cells: Vec<Cell>,
    /// P(N) by cell with its exits (the termination hazard table).
    pub termination_cells: Vec<Cell>,
    /// Raises of stayers not promoted, with a year of service, by level at N − 1 (index 0 =
    /// level 1).
    pub raises: Vec<Vec<f64>>,
    /// Hires by level.
    pub hire_levels: Vec<u64>,
    /// Year-end pay of hires, by level.
    pub hire_pay: Vec<Vec<f64>>,
    /// The plan's flows, when both snapshots have deferral rates.
    pub plan: Option<PlanFlows>,
}

/// The plan's flows of a year.
#[derive(Debug, Clone, Default)]
pub struct PlanFlows {
    /// Hires of the first three quarters still active at year end and of plan age.
    pub hires_enrollable: u64,
    /// Of those, not participating at year end (never enrolled, or opted out).
    pub hires_not_participating: u64,
    /// Stayers of plan age not participating at the end of N − 1.
    pub stayers_not_participating: u64,
    /// Of those, participating at the end of N.
    pub voluntary_enrollments: u64,
    /// The deferral rates of the participants at the end of N.
    pub deferral_rates: Vec<f64>,
}

/// The figures of one year-end snapshot that a backtest compares.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct YearFigures {
    pub headcount: f64,
    pub payroll: f64,
    /// Average year-end pay of the actives by level (NaN for a level with nobody).
    pub average_pay: Vec<f64>,
    /// Participants / actives, when the snapshot has deferral rates.
    pub participation: Option<f64>,
    /// Mean deferral rate of the participants.
    pub average_deferral: Option<f64>,
}

/// Age in year N as the model counts it.
pub fn age_in(year: i32, birth: Day) -> u16 {
    (year - 1 - date::year_of(birth)).clamp(0, u16::MAX as i32) as u16
}

/// Tenure in year N as the model counts it: completed years to the end of N − 1, plus one
/// (zero for someone hired in N).
pub fn tenure_in(year: i32, hire: Day) -> u16 {
    let end = date::days_from_civil(year - 1, 12, 31);
    if hire > end {
        return 0;
    }
    (((end - hire) as i64 * 100 / 36_525) + 1).clamp(0, u16::MAX as i64) as u16
}

/// The configured promotion settings at a rate multiplier of 1 (the hazard's shape).
pub fn unit_promotion(config: &ValidConfig) -> PromotionConfig {
    let mut p = config.promotion.clone();
    p.rate_multiplier = 1.0;
    p
}

/// Year-end figures of a snapshot.
pub fn figures(s: &Snapshot, levels: usize) -> YearFigures {
    let end = s.year_end();
    let (mut n, mut payroll) = (0.0, 0.0);
    let (mut sum, mut count) = (vec![0.0; levels], vec![0.0; levels]);
    let (mut enrolled, mut rates) = (0.0, 0.0);
    for p in s.people.iter().filter(|p| p.active_at(end)) {
        n += 1.0;
        payroll += p.pay;
        let l = (p.level as usize).clamp(1, levels) - 1;
        sum[l] += p.pay;
        count[l] += 1.0;
        if let Some(d) = p.deferral.filter(|d| *d > 0.0) {
            enrolled += 1.0;
            rates += d;
        }
    }
    YearFigures {
        headcount: n,
        payroll,
        average_pay: sum.iter().zip(&count).map(|(s, c)| s / c).collect(),
        participation: s
            .deferrals_given
            .then(|| if n > 0.0 { enrolled / n } else { 0.0 }),
        average_deferral: s.deferrals_given.then(|| {
            if enrolled > 0.0 {
                rates / enrolled
            } else {
                0.0
            }
        }),
    }
}

fn cell(cells: &mut Vec<Cell>, level: u8, age_band: u8, tenure_band: u8) -> &mut Cell {
    let at = cells
        .iter()
        .position(|c| (c.level, c.age_band, c.tenure_band) == (level, age_band, tenure_band));
    match at {
        Some(i) => &mut cells[i],
        None => {
            cells.push(Cell {
                level,
                age_band,
                tenure_band,
                ..Cell::default()
            });
            cells.last_mut().expect("just pushed")
        }
    }
}

/// The flows of the year of `b` from the snapshot `a` of the year before. `promoted` says,
/// for a stayer (by its index in `a`), whether the year's raise was a promotion, when the
/// files give no levels.
pub fn year_flows(
    a: &Snapshot,
    b: &Snapshot,
    config: &ValidConfig,
    promoted_by_raise: Option<&dyn Fn(f64) -> bool>,
) -> Flows {
    let year = b.year;
    let levels = config.job_levels.len();
    let (a_end, b_end) = (a.year_end(), b.year_end());
    let jan1_prior = date::days_from_civil(a.year, 1, 1);
    let (ages, tenures) = (
        BandTable::new(&config.age_bands),
        BandTable::new(&config.tenure_bands),
    );
    let shape = unit_promotion(config);
    let mut f = Flows {
        year,
        raises: vec![Vec::new(); levels],
        hire_levels: vec![0; levels],
        hire_pay: vec![Vec::new(); levels],
        ..Flows::default()
    };
    let plan_age = config.plan.eligibility.minimum_age;
    let mut plan = (a.deferrals_given && b.deferrals_given).then(PlanFlows::default);
    for p in a.people.iter().filter(|p| p.active_at(a_end)) {
        f.start += 1;
        let experienced = p.hire < jan1_prior;
        if experienced {
            f.experienced += 1;
        } else {
            f.prior += 1;
        }
        let (age, tenure) = (age_in(year, p.birth), tenure_in(year, p.hire));
        let (ab, tb) = (ages.index(age), tenures.index(tenure));
        let now: Option<&Person> = b.find(&p.id);
        let stayed = now.filter(|q| q.active_at(b_end));
        let t = cell(&mut f.termination_cells, p.level, ab, tb);
        t.exposure += 1.0;
        if stayed.is_none() {
            t.events += 1.0;
            if experienced {
                f.exits_experienced += 1;
            } else {
                f.exits_prior += 1;
            }
            continue;
        }
        let q = stayed.expect("a stayer");
        let raise = if p.pay > 0.0 {
            q.pay / p.pay - 1.0
        } else {
            0.0
        };
        let up = match promoted_by_raise {
            Some(classify) => tenure >= promotion::MIN_TENURE && classify(raise),
            None => q.level > p.level,
        };
        let candidate = (p.level as usize) < levels
            && tenure >= promotion::MIN_TENURE
            && age < promotion::AGE_LIMIT;
        if candidate {
            let hazard = promotion::hazard(
                &shape,
                p.level,
                tenures.promotion_multipliers[tb as usize],
                ages.promotion_multipliers[ab as usize],
            );
            let c = cell(&mut f.promotion_cells, p.level, ab, tb);
            c.exposure += 1.0;
            c.expected += hazard;
            if up {
                c.events += 1.0;
            }
        }
        if up {
            f.promotions += 1;
        } else if tenure >= 1 {
            let l = (p.level as usize).clamp(1, levels) - 1;
            f.raises[l].push(raise);
        }
        if let (Some(plan), Some(before), Some(after)) = (plan.as_mut(), p.deferral, q.deferral) {
            if before <= 0.0 && age >= plan_age {
                plan.stayers_not_participating += 1;
                if after > 0.0 {
                    plan.voluntary_enrollments += 1;
                }
            }
        }
    }
    let jan1 = date::days_from_civil(year, 1, 1);
    let oct1 = date::days_from_civil(year, 10, 1);
    for q in &b.people {
        if q.active_at(b_end) {
            f.end += 1;
            if let (Some(plan), Some(d)) = (plan.as_mut(), q.deferral) {
                if d > 0.0 {
                    plan.deferral_rates.push(d);
                }
            }
        }
        let new = q.hire >= jan1 && a.find(&q.id).is_none();
        if !new {
            continue;
        }
        f.hires += 1;
        let l = (q.level as usize).clamp(1, levels) - 1;
        f.hire_levels[l] += 1;
        f.hire_pay[l].push(q.pay);
        if !q.active_at(b_end) {
            f.new_hire_terminations += 1;
        } else if let (Some(plan), Some(d)) = (plan.as_mut(), q.deferral) {
            // A hire's age in its year is its drawn age: N − birth year.
            if q.hire < oct1 && (year - date::year_of(q.birth)) as i64 >= plan_age as i64 {
                plan.hires_enrollable += 1;
                if d <= 0.0 {
                    plan.hires_not_participating += 1;
                }
            }
        }
    }
    f.plan = plan;
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_and_tenure_count_as_the_model_does() {
        let d = date::days_from_civil;
        assert_eq!(age_in(2026, d(1990, 6, 1)), 35);
        // Hired during 2025: tenure 1 in 2026; hired in 2026: 0.
        assert_eq!(tenure_in(2026, d(2025, 12, 31)), 1);
        assert_eq!(tenure_in(2026, d(2026, 3, 1)), 0);
        assert_eq!(tenure_in(2026, d(2020, 1, 1)), 6);
    }
}
