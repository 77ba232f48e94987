//! Employer cost by hire cohort: per simulation year and hire-cohort year (the calendar year
//! of the hire date), the cohort's year-end headcount and the employer money it drew that year:
//! match, core (non-elective) and forfeitures, and the net employer cost. The cross-year view
//! of cost: which year's hires the plan's money goes to, year after year.
//!
//! Net employer cost = match + core − forfeitures: the plan's forfeitures offset employer
//! contributions (3.19 names "offset employer contributions" and "pay plan expenses", both of
//! which reduce the sponsor's cost, and "reallocate", which does not; the first is the common
//! plan-document choice and the one taken here). Money of employees who left during the year
//! counts in their cohort; the headcount is of those active at year end.

use crate::date;
use crate::state::Snapshot;
use serde::{Deserialize, Serialize};

/// One cohort's employer cost in one year.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CohortCost {
    pub simulation_year: i32,
    /// Calendar year of the hire date.
    pub hire_cohort: i32,
    /// Active at the end of the year.
    pub headcount: u64,
    pub employer_match: f64,
    pub employer_core: f64,
    pub forfeitures: f64,
    pub net_employer_cost: f64,
}

/// The year's cost by hire cohort, cohorts in ascending order; in cents throughout, so the
/// cohorts sum to the year's totals exactly.
pub fn by_hire_cohort(s: &Snapshot) -> Vec<CohortCost> {
    let Some((lo, hi)) = s
        .hire_date
        .iter()
        .fold(None, |acc: Option<(i32, i32)>, &d| {
            let y = date::year_of(d);
            Some(acc.map_or((y, y), |(a, b)| (a.min(y), b.max(y))))
        })
    else {
        return Vec::new();
    };
    // Per cohort: [headcount, match, core, forfeitures] (money in cents).
    let mut acc = vec![[0i64; 4]; (hi - lo + 1) as usize];
    let cents = |x: f64| (x * 100.0).round() as i64;
    for (i, &d) in s.hire_date.iter().enumerate() {
        let a = &mut acc[(date::year_of(d) - lo) as usize];
        let p = &s.plan[i];
        a[0] += s.active[i] as i64;
        a[1] += cents(p.employer_match);
        a[2] += cents(p.employer_core);
        a[3] += cents(p.forfeiture);
    }
    acc.iter()
        .enumerate()
        .filter(|(_, a)| a.iter().any(|&x| x != 0))
        .map(|(k, a)| CohortCost {
            simulation_year: s.year,
            hire_cohort: lo + k as i32,
            headcount: a[0] as u64,
            employer_match: a[1] as f64 / 100.0,
            employer_core: a[2] as f64 / 100.0,
            forfeitures: a[3] as f64 / 100.0,
            net_employer_cost: (a[1] + a[2] - a[3]) as f64 / 100.0,
        })
        .collect()
}
