//! New-hire terminations (docs/rules.md 3.6): the solver's implied count, chosen among the year's
//! hires by keyed rank (event_type `new_hire_termination`), each with a date after the hire
//! date and on or before Dec 31: with `d = days(hire → Dec 31)`, `d < 30` → hire + 1 + (r mod
//! d); `30 ≤ d < 90` → hire + 30 + (r mod (d − 29)); else hire + m + (r mod max(1, d − m + 1))
//! with `m = 30 + (h_min mod 61)`. `r` is the keyed `date` draw (not the id's last digits).

use super::termination::{DATE_FLOOR, DATE_FLOOR_SPREAD};
use super::{keyed, select_by_rank};
use crate::date::{self, Day};
use crate::rng::{draw, Rng};

/// The candidate termination date of a hire, `None` when hired on Dec 31.
pub fn candidate_date(rng: &Rng, year: i32, id_key: u64, hire_date: Day) -> Option<Day> {
    let d = (date::dec31(year) - hire_date) as u64;
    if d < 1 {
        return None;
    }
    let e = rng.employee(id_key);
    let r = Rng::combine(e, Rng::year_code(year, draw::NEW_HIRE_TERMINATION_DATE));
    let offset = if d < 30 {
        1 + r % d
    } else if d < 90 {
        30 + r % (d - 29)
    } else {
        let h_min = Rng::combine(e, Rng::year_code(0, draw::NEW_HIRE_TERMINATION_DATE_MIN));
        let m = DATE_FLOOR as u64 + h_min % DATE_FLOOR_SPREAD;
        m + r % (d + 1).saturating_sub(m).max(1)
    };
    Some(hire_date + offset as Day)
}

/// Chooses `target` hires to terminate. Returns `(hire index, date)` in rank order.
pub fn select<'a>(
    rng: &Rng,
    year: i32,
    id_keys: &[u64],
    hire_dates: &[Day],
    target: u64,
    id: impl Fn(u32) -> &'a str,
) -> Vec<(u32, Day)> {
    let yc = Rng::year_code(year, draw::NEW_HIRE_TERMINATION_SELECT);
    let mut dates = vec![0; id_keys.len()];
    let mut candidates = Vec::with_capacity(id_keys.len());
    for (i, (&k, &h)) in id_keys.iter().zip(hire_dates).enumerate() {
        if let Some(d) = candidate_date(rng, year, k, h) {
            dates[i] = d;
            candidates.push((keyed(rng, k, yc), i as u32));
        }
    }
    select_by_rank(&mut candidates, target as usize, id)
        .into_iter()
        .map(|i| (i, dates[i as usize]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_stay_inside_the_year_after_hire() {
        let rng = Rng::new(42);
        for day in 0..365 {
            let hire = date::jan1(2025) + day;
            for k in 0..50u64 {
                match candidate_date(&rng, 2025, crate::rng::mix(k + day as u64 * 1000), hire) {
                    None => assert_eq!(hire, date::dec31(2025)),
                    Some(t) => assert!(t > hire && t <= date::dec31(2025), "hire {hire} term {t}"),
                }
            }
        }
    }
}
