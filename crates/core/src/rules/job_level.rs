//! Job level from compensation (docs/rules.md 1.2.6): the smallest level whose
//! `[min_compensation, max_compensation)` contains the salary; if none, level 1 (reference
//! parity) or, with `level_mapping = "nearest_band"`, the level whose band is nearest.

use crate::config::{JobLevel, LevelMapping};

pub fn level_for(compensation: f64, levels: &[JobLevel], mapping: LevelMapping) -> u8 {
    if let Some(l) = levels
        .iter()
        .find(|l| compensation >= l.min_compensation && compensation < l.max_compensation)
    {
        return l.level;
    }
    match mapping {
        LevelMapping::Parity => 1,
        LevelMapping::NearestBand => {
            let distance = |l: &JobLevel| {
                if compensation < l.min_compensation {
                    l.min_compensation - compensation
                } else {
                    compensation - l.max_compensation
                }
            };
            levels
                .iter()
                .min_by(|a, b| distance(a).total_cmp(&distance(b)))
                .map_or(1, |l| l.level)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn parity_mapping_reproduces_the_gaps() {
        let l = &Config::default().job_levels;
        assert_eq!(level_for(60_000.0, l, LevelMapping::Parity), 1);
        assert_eq!(level_for(80_500.0, l, LevelMapping::Parity), 1);
        assert_eq!(level_for(81_000.0, l, LevelMapping::Parity), 2);
        assert_eq!(level_for(280_000.0, l, LevelMapping::Parity), 4);
        assert_eq!(level_for(600_000.0, l, LevelMapping::Parity), 1);
        assert_eq!(level_for(40_000.0, l, LevelMapping::Parity), 1);
    }

    #[test]
    fn nearest_band_mapping() {
        let l = &Config::default().job_levels;
        assert_eq!(level_for(80_500.0, l, LevelMapping::NearestBand), 1);
        assert_eq!(level_for(80_900.0, l, LevelMapping::NearestBand), 2);
        assert_eq!(level_for(600_000.0, l, LevelMapping::NearestBand), 5);
    }
}
