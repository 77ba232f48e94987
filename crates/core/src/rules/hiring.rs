//! Hires (docs/rules.md 3.5): `H` new employees ordered by (level, index within level) with
//! sequence numbers 1..H; id `NH_{N}_{seq:06}`, ssn `SSN-{900000000 + (N − start)·100000 +
//! seq}`, age from the new-hire age distribution (keyed draw on the new id), hire date
//! `Jan 1 + (seq mod 365)`, pay `round2(avg_l × (0.91 + (seq mod 10) × 0.02))`, part time
//! (20 h/wk) with probability `part_time_new_hire_pct`.

pub use crate::model::Hire;

use crate::config::ValidConfig;
use crate::date::{self, Day};
use crate::decimal::round2;
use crate::rng::{categorical, draw, id_key, unit, Rng};

/// The age of a hire when the age distribution's weights sum to zero.
pub const DEFAULT_AGE: u16 = 32;
/// Pay is the level's new-hire average × (`PAY_FLOOR` + (seq mod 10) × `PAY_STEP`).
pub const PAY_FLOOR: f64 = 0.91;
/// See [`PAY_FLOOR`].
pub const PAY_STEP: f64 = 0.02;
/// Scheduled weekly hours of a part-time hire.
pub const PART_TIME_HOURS: f64 = 20.0;
/// Generated SSNs are `SSN-{SSN_BASE + cohort + seq}`, with cohort = years since the start
/// year × `COHORT_STRIDE`.
pub const SSN_BASE: u64 = 900_000_000;
/// See [`SSN_BASE`].
pub const COHORT_STRIDE: u64 = 100_000;

/// The generated SSN number offset of the year's hires (`SSN_BASE + cohort`).
pub fn ssn_offset(config: &ValidConfig, year: i32) -> u64 {
    SSN_BASE + (year - config.simulation.start_year) as u64 * COHORT_STRIDE
}

/// Builds the year's hires from the per-level quotas.
pub fn hires(
    config: &ValidConfig,
    rng: &Rng,
    year: i32,
    level_hires: &[u64],
    new_hire_average: &[f64],
) -> Vec<Hire> {
    let total: u64 = level_hires.iter().sum();
    let mut out = Vec::with_capacity(total as usize);
    let ages: Vec<f64> = config
        .hiring
        .age_distribution
        .iter()
        .map(|a| a.weight)
        .collect();
    let yc_age = Rng::year_code(year, draw::HIRE_AGE);
    let yc_pt = Rng::year_code(year, draw::HIRE_PART_TIME);
    let pt = config.workforce.part_time_new_hire_pct;
    let jan1 = date::jan1(year);
    let ssn_offset = ssn_offset(config, year);
    let mut seq = 0u32;
    for (l, &n) in level_hires.iter().enumerate() {
        for _ in 0..n {
            seq += 1;
            let employee_id = format!("NH_{year}_{seq:06}");
            let key = id_key(&employee_id);
            let e = rng.employee(key);
            let age = categorical(&ages, unit(Rng::combine(e, yc_age)))
                .map_or(DEFAULT_AGE, |i| config.hiring.age_distribution[i].age);
            let part_time = unit(Rng::combine(e, yc_pt)) < pt;
            out.push(Hire {
                seq,
                employee_ssn: format!("SSN-{}", ssn_offset + seq as u64),
                employee_id,
                id_key: key,
                level: (l + 1) as u8,
                age,
                hire_date: jan1 + (seq % 365) as Day,
                birth_date: jan1 - age as Day * 365,
                compensation: round2(
                    new_hire_average[l] * (PAY_FLOOR + (seq % 10) as f64 * PAY_STEP),
                ),
                scheduled_hours: part_time.then_some(PART_TIME_HOURS),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hire_fields_follow_3_5() {
        let c = crate::config::Config::default().validate().unwrap();
        let avg = crate::rules::parameters::new_hire_average(&c, 2025);
        let h = hires(&c, &Rng::new(42), 2025, &[2, 0, 1, 0, 0], &avg);
        assert_eq!(h.len(), 3);
        assert_eq!(h[0].employee_id, "NH_2025_000001");
        assert_eq!(h[0].employee_ssn, "SSN-900000001");
        assert_eq!(h[0].hire_date, date::days_from_civil(2025, 1, 2));
        assert_eq!(h[0].compensation, round2(58_100.0 * 0.93));
        assert_eq!(h[2].level, 3);
        assert_eq!(h[2].compensation, round2(125_095.0 * 0.97));
        // u = 0.3968744941028435 for NH_2025_000001 → third category (age 28)
        assert_eq!(h[0].age, 28);
        assert_eq!(h[0].birth_date, date::jan1(2025) - 28 * 365);
        assert!(h.iter().all(|x| x.scheduled_hours.is_none()));
        let h2 = hires(&c, &Rng::new(42), 2027, &[1, 0, 0, 0, 0], &avg);
        assert_eq!(h2[0].employee_ssn, "SSN-900200001");
    }
}
