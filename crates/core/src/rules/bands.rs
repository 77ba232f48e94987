//! Age and tenure bands (docs/rules.md 1.5): `[min, max)` intervals over integer years, looked up
//! through a precomputed table so the hot loop does one index.

use crate::config::Band;

#[derive(Debug, Clone)]
pub struct BandTable {
    lookup: Vec<u8>,
    pub labels: Vec<String>,
    pub promotion_multipliers: Vec<f64>,
}

impl BandTable {
    /// Builds the lookup from validated, contiguous bands starting at 0.
    pub fn new(bands: &[Band]) -> BandTable {
        let top = bands
            .iter()
            .map(|b| b.max.unwrap_or(b.min))
            .max()
            .unwrap_or(0) as usize
            + 1;
        let lookup = (0..=top)
            .map(|v| bands.iter().rposition(|b| v as u16 >= b.min).unwrap_or(0) as u8)
            .collect();
        BandTable {
            lookup,
            labels: bands.iter().map(|b| b.label.clone()).collect(),
            promotion_multipliers: bands.iter().map(|b| b.promotion_multiplier).collect(),
        }
    }

    #[inline(always)]
    pub fn index(&self, value: u16) -> u8 {
        let v = (value as usize).min(self.lookup.len() - 1);
        self.lookup[v]
    }

    /// The largest value with its own lookup entry; larger values take its band.
    pub fn top(&self) -> u16 {
        (self.lookup.len() - 1) as u16
    }

    pub fn label(&self, value: u16) -> &str {
        &self.labels[self.index(value) as usize]
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn default_bands() {
        let c = Config::default();
        let age = super::BandTable::new(&c.age_bands);
        assert_eq!(age.label(0), "< 25");
        assert_eq!(age.label(24), "< 25");
        assert_eq!(age.label(25), "25-34");
        assert_eq!(age.label(64), "55-64");
        assert_eq!(age.label(65), "65+");
        assert_eq!(age.label(300), "65+");
        let ten = super::BandTable::new(&c.tenure_bands);
        assert_eq!(ten.label(1), "< 2");
        assert_eq!(ten.label(4), "2-4");
        assert_eq!(ten.label(20), "20+");
    }
}
