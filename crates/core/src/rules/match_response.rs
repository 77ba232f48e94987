//! Match-responsive deferral change in the start year (docs/rules.md 3.11): enrolled employees
//! below the match-maximising rate move up (all the way or half-way, rounded to 0.5%), those
//! above it may move down.

use crate::config::plan::MatchResponseConfig;

/// A partial move is rounded to a multiple of this rate (0.5%).
pub const RATE_STEP: f64 = 0.005;
/// A responded rate closer than this to the current rate is no change.
pub const MIN_CHANGE: f64 = 1e-9;

/// Rounds to the nearest [`RATE_STEP`].
pub fn round_to_half_percent(x: f64) -> f64 {
    (x / RATE_STEP).round() * RATE_STEP
}

/// The responded rate, or `None` when the employee keeps `r`. `m` = match-maximising rate,
/// `cap` = the escalation cap, `comp` = current pay; `u_up`, `u_down` the keyed draws.
/// Returns `(new rate, probability that drove it)`.
pub fn respond(
    c: &MatchResponseConfig,
    r: f64,
    m: f64,
    cap: f64,
    comp: f64,
    u_up: f64,
    u_down: f64,
) -> Option<(f64, f64)> {
    if !c.enabled {
        return None;
    }
    let (new, p) = if r < m {
        if u_up >= c.up_participation {
            return None;
        }
        let target = if u_up < c.up_participation * c.up_maximize {
            m
        } else {
            round_to_half_percent(r + c.up_partial_factor * (m - r))
        };
        let limit = if comp > 0.0 {
            cap.min(c.rate_cap_dollars / comp)
        } else {
            cap
        };
        (target.min(limit), c.up_participation)
    } else if r > m && c.down_enabled {
        if u_down >= c.down_participation {
            return None;
        }
        let target = if u_down < c.down_participation * c.down_reduce_to_max {
            m
        } else {
            round_to_half_percent(r - c.down_partial_factor * (r - m))
        };
        (target.max(0.0), c.down_participation)
    } else {
        return None;
    };
    let new = crate::rules::round_rate(new);
    ((new - r).abs() > MIN_CHANGE).then_some((new, p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g15_match_response() {
        let c = MatchResponseConfig::default();
        let go =
            |r, u_up, u_down, comp| respond(&c, r, 0.06, 0.10, comp, u_up, u_down).map(|x| x.0);
        assert_eq!(go(0.03, 0.30, 0.9, 100_000.0), Some(0.045));
        assert_eq!(go(0.03, 0.10, 0.9, 100_000.0), Some(0.06));
        assert_eq!(go(0.03, 0.50, 0.9, 100_000.0), None);
        assert_eq!(go(0.10, 0.9, 0.12, 100_000.0), Some(0.08));
        assert_eq!(go(0.10, 0.9, 0.05, 100_000.0), Some(0.06));
        assert_eq!(go(0.03, 0.10, 0.9, 200_000.0), Some(0.06));
        // 23,500 / 400,000 = 5.875% caps the upward move.
        assert_eq!(go(0.03, 0.10, 0.9, 400_000.0), Some(0.05875));
        assert_eq!(go(0.06, 0.0, 0.0, 100_000.0), None);
    }
}
