//! Multiplicative hazard models fitted by iterative proportional fitting (IPF): the expected
//! events of each cell (its exposure times a base rate, or the configured hazard's sum) times
//! one factor per dimension (level, age band, tenure band), the factors raked until the fitted
//! events of every level, every age band and every tenure band equal the observed ones. That
//! is the maximum-likelihood fit of the Poisson model `events ~ expected × Π factors`. Each
//! factor has the Poisson standard error `factor / √events` (at least one event).

use crate::flows::Cell;
use serde::Serialize;

/// The dimensions of a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Level,
    AgeBand,
    TenureBand,
}

impl Dimension {
    fn of(self, c: &Cell) -> usize {
        match self {
            Dimension::Level => c.level as usize,
            Dimension::AgeBand => c.age_band as usize,
            Dimension::TenureBand => c.tenure_band as usize,
        }
    }
}

/// One fitted factor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Factor {
    pub dimension: Dimension,
    /// The level (1-based) or band index (0-based).
    pub value: usize,
    pub exposure: f64,
    pub events: f64,
    /// Normalised so that the expected-weighted mean over the dimension is 1.
    pub factor: f64,
    pub standard_error: f64,
}

/// A fitted model: its overall scale (events / expected) and one factor per value of each
/// dimension.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HazardModel {
    pub scale: f64,
    pub scale_standard_error: f64,
    pub events: f64,
    pub expected: f64,
    pub factors: Vec<Factor>,
}

/// Fits `cells` (expected events in `expected`) over `dimensions` by IPF.
pub fn fit_ipf(cells: &[Cell], dimensions: &[Dimension]) -> HazardModel {
    let size = |d: Dimension| cells.iter().map(|c| d.of(c)).max().map_or(0, |m| m + 1);
    let mut factors: Vec<Vec<f64>> = dimensions.iter().map(|d| vec![1.0; size(*d)]).collect();
    let fitted = |c: &Cell, f: &[Vec<f64>]| {
        c.expected
            * dimensions
                .iter()
                .zip(f)
                .map(|(d, v)| v[d.of(c)])
                .product::<f64>()
    };
    for _ in 0..500 {
        let mut change: f64 = 0.0;
        for (k, d) in dimensions.iter().enumerate() {
            let n = factors[k].len();
            let (mut obs, mut fit) = (vec![0.0; n], vec![0.0; n]);
            for c in cells {
                obs[d.of(c)] += c.events;
                fit[d.of(c)] += fitted(c, &factors);
            }
            for v in 0..n {
                if fit[v] > 0.0 {
                    let r = obs[v] / fit[v];
                    change = change.max((r - 1.0).abs());
                    factors[k][v] *= r;
                }
            }
        }
        if change < 1e-10 {
            break;
        }
    }
    let events: f64 = cells.iter().map(|c| c.events).sum();
    let expected: f64 = cells.iter().map(|c| c.expected).sum();
    let mut out = Vec::new();
    for (k, d) in dimensions.iter().enumerate() {
        let n = factors[k].len();
        let (mut exp_w, mut expo, mut ev) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        // The events each value would have at a factor of 1 (the other factors as fitted).
        let mut at_one = vec![0.0; n];
        for c in cells {
            exp_w[d.of(c)] += c.expected;
            expo[d.of(c)] += c.exposure;
            ev[d.of(c)] += c.events;
            at_one[d.of(c)] += fitted(c, &factors) / factors[k][d.of(c)].max(f64::MIN_POSITIVE);
        }
        let total: f64 = exp_w.iter().sum();
        let mean = if total > 0.0 {
            exp_w
                .iter()
                .zip(&factors[k])
                .map(|(w, f)| w * f)
                .sum::<f64>()
                / total
        } else {
            1.0
        };
        for v in 0..n {
            if expo[v] == 0.0 {
                continue;
            }
            let f = if mean > 0.0 {
                factors[k][v] / mean
            } else {
                1.0
            };
            out.push(Factor {
                dimension: *d,
                value: v,
                exposure: expo[v],
                events: ev[v],
                factor: f,
                // Poisson: factor / √events; with no event, one event's worth (1 / the
                // events expected at a factor of 1), not a false zero.
                standard_error: (f / ev[v].max(1.0).sqrt()).max(if at_one[v] > 0.0 {
                    1.0 / (at_one[v] * mean.max(f64::MIN_POSITIVE))
                } else {
                    f64::NAN
                }),
            });
        }
    }
    HazardModel {
        scale: if expected > 0.0 {
            events / expected
        } else {
            f64::NAN
        },
        scale_standard_error: if expected > 0.0 {
            events.max(1.0).sqrt() / expected
        } else {
            f64::NAN
        },
        events,
        expected,
        factors: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipf_recovers_multiplicative_factors() {
        // Two age bands (factor 1 and 2) x two tenure bands (factor 1 and 3), base 0.1.
        let mut cells = Vec::new();
        for a in 0..2u8 {
            for t in 0..2u8 {
                let exposure = 1000.0 * (1 + a + t) as f64;
                let rate = 0.1 * [1.0, 2.0][a as usize] * [1.0, 3.0][t as usize];
                cells.push(Cell {
                    level: 1,
                    age_band: a,
                    tenure_band: t,
                    exposure,
                    events: exposure * rate,
                    expected: exposure * 0.1,
                });
            }
        }
        let m = fit_ipf(&cells, &[Dimension::AgeBand, Dimension::TenureBand]);
        let f = |d, v| {
            m.factors
                .iter()
                .find(|x| x.dimension == d && x.value == v)
                .unwrap()
                .factor
        };
        assert!((f(Dimension::AgeBand, 1) / f(Dimension::AgeBand, 0) - 2.0).abs() < 1e-8);
        assert!((f(Dimension::TenureBand, 1) / f(Dimension::TenureBand, 0) - 3.0).abs() < 1e-8);
    }
}
