//! Experienced terminations (docs/rules.md 3.4): per level, the first `q_l` members of the
//! start-of-year population by keyed rank (event_type `termination`, salt `select`); no hazard
//! weighting (reference parity). Effective date `Jan 1 + 30 + (h_min mod 61) + (h_date mod
//! 275)`, always between Jan 31 and Dec 31.

use super::{keyed, select_by_rank};
use crate::date::{self, Day};
use crate::rng::{draw, Rng};

/// Selects the terminated employees. `levels[i]`, `id_keys[i]`: population arrays; `quotas`
/// per level (index 0 = level 1). Returns population indices in rank order per level.
pub fn select<'a>(
    rng: &Rng,
    year: i32,
    levels: &[u8],
    id_keys: &[u64],
    quotas: &[u64],
    id: impl Fn(u32) -> &'a str + Copy,
) -> Vec<u32> {
    let yc = Rng::year_code(year, draw::TERMINATION_SELECT);
    let mut buckets: Vec<Vec<(u64, u32)>> = quotas.iter().map(|_| Vec::new()).collect();
    for (i, (&l, &k)) in levels.iter().zip(id_keys).enumerate() {
        let l = l as usize - 1;
        if quotas[l] > 0 {
            buckets[l].push((keyed(rng, k, yc), i as u32));
        }
    }
    let mut out = Vec::with_capacity(quotas.iter().sum::<u64>() as usize);
    for (bucket, &q) in buckets.iter_mut().zip(quotas) {
        out.extend(select_by_rank(bucket, q as usize, id));
    }
    out
}

/// A termination falls at least `DATE_FLOOR + (h_min mod DATE_FLOOR_SPREAD)` days after its
/// start (Jan 1, or the hire date of a new hire, 3.6), with `h_min` the year-independent draw.
pub const DATE_FLOOR: Day = 30;
/// See [`DATE_FLOOR`].
pub const DATE_FLOOR_SPREAD: u64 = 61;
/// An experienced termination adds `h_date mod DATE_SPREAD` days to its floor.
pub const DATE_SPREAD: u64 = 275;

/// Effective date of an experienced termination in `year`.
pub fn effective_date(rng: &Rng, year: i32, id_key: u64) -> Day {
    let e = rng.employee(id_key);
    let h_min = Rng::combine(e, Rng::year_code(0, draw::TERMINATION_DATE_MIN));
    let h_date = Rng::combine(e, Rng::year_code(year, draw::TERMINATION_DATE));
    date::jan1(year)
        + DATE_FLOOR
        + (h_min % DATE_FLOOR_SPREAD) as Day
        + (h_date % DATE_SPREAD) as Day
}

/// Completed years of service at a date: `floor(days(hire → at) / 365.25)`.
pub fn tenure_at(hire: Day, at: Day) -> u16 {
    if at <= hire {
        0
    } else {
        ((at - hire) as i64 * 100 / 36_525) as u16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_fall_between_jan_31_and_dec_31() {
        let rng = Rng::new(42);
        for k in 0..2_000u64 {
            let d = effective_date(&rng, 2025, crate::rng::mix(k));
            assert!(d >= date::days_from_civil(2025, 1, 31) && d <= date::dec31(2025));
        }
    }

    #[test]
    fn selection_respects_quotas_and_is_keyed() {
        let rng = Rng::new(42);
        let ids: Vec<String> = (0..100).map(|i| format!("E{i:03}")).collect();
        let keys: Vec<u64> = ids.iter().map(|s| crate::rng::id_key(s)).collect();
        let levels: Vec<u8> = (0..100).map(|i| (i % 5 + 1) as u8).collect();
        let sel = select(&rng, 2025, &levels, &keys, &[3, 0, 1, 0, 2], |i| {
            ids[i as usize].as_str()
        });
        assert_eq!(sel.len(), 6);
        assert_eq!(sel.iter().filter(|&&i| levels[i as usize] == 1).count(), 3);
        assert_eq!(sel.iter().filter(|&&i| levels[i as usize] == 5).count(), 2);
        // the level-1 winners are the three smallest hashes of level 1
        let yc = Rng::year_code(2025, draw::TERMINATION_SELECT);
        let mut l1: Vec<(u64, u32)> = (0..100u32)
            .filter(|&i| levels[i as usize] == 1)
            .map(|i| (keyed(&rng, keys[i as usize], yc), i))
            .collect();
        l1.sort();
        assert_eq!(&sel[..3], &[l1[0].1, l1[1].1, l1[2].1]);
    }

    #[test]
    fn tenure_at_termination() {
        assert_eq!(
            tenure_at(
                date::days_from_civil(2020, 3, 1),
                date::days_from_civil(2025, 2, 28)
            ),
            4
        );
        assert_eq!(
            tenure_at(
                date::days_from_civil(2020, 3, 1),
                date::days_from_civil(2025, 3, 2)
            ),
            5
        );
    }
}
