//! The hiring solver (docs/rules.md 3.2): how many hires, experienced terminations and new-hire
//! terminations year N needs to end exactly on the growth target. All products of counts and
//! rates are exact decimals; rounding is half away from zero; the division by `1 − h` is an
//! exact rational ceiling (the reference's binary double gives 31 hires where exact math gives
//! 30 for net 21 at h = 0.30).

use crate::decimal::{ceil_div, floor_div, round_half_away_div, Decimal};
use serde::{Deserialize, Serialize};

/// The solver's inputs and outputs for one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkforceNeeds {
    pub n_start: u64,
    /// Employees of P(N) hired before Jan 1 of N−1 (start year: all of P(N)).
    pub experienced: u64,
    /// Employees of P(N) hired during N−1 (start year: 0).
    pub prior_year_hires: u64,
    pub target_ending: u64,
    pub expected_experienced_terminations: u64,
    pub survivors: i64,
    pub net_from_hires: i64,
    pub hires: u64,
    pub implied_new_hire_terminations: u64,
    pub rif_terminations: u64,
    pub total_experienced_terminations: u64,
    /// `n_start + hires − total_exp_terms − implied_nh_terms − target_ending` (0 = exact).
    pub balance_error: i64,
    /// Guard flags that failed (FAIL_NH_TERM_RATE, FAIL_GROWTH_BOUNDS, FAIL_HIRE_RATIO,
    /// FAIL_IMPLIED_NH_TERMS); recorded, not fatal, as in the reference.
    pub failed_guards: Vec<String>,
}

impl WorkforceNeeds {
    /// EXACT_MATCH, MINOR (≤ 1), MODERATE (≤ 3) or SIGNIFICANT.
    pub fn balance_status(&self) -> &'static str {
        match self.balance_error.unsigned_abs() {
            0 => "EXACT_MATCH",
            1 => "MINOR",
            2..=3 => "MODERATE",
            _ => "SIGNIFICANT",
        }
    }
}

/// A rate the solver cannot use: out of its range, or not an exact decimal of at most 18
/// places (configuration validation rejects both first, naming the key).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{rate} = {value}: {rule}")]
pub struct RateError {
    pub rate: &'static str,
    pub value: f64,
    pub rule: &'static str,
}

/// `x` as an exact decimal when it lies in `range`.
pub(crate) fn decimal_rate(
    rate: &'static str,
    x: f64,
    range: std::ops::RangeInclusive<f64>,
    rule: &'static str,
) -> Result<Decimal, RateError> {
    let err = |rule| RateError {
        rate,
        value: x,
        rule,
    };
    if !range.contains(&x) {
        return Err(err(rule));
    }
    Decimal::from_f64(x).ok_or_else(|| err("not a decimal of at most 18 places"))
}

/// Solves year N's needs. `g`, `t`, `h`: growth, experienced termination and new-hire
/// termination rates (−1 ≤ g ≤ 1, 0 ≤ t ≤ 1, 0 ≤ h < 1; anything else is a [`RateError`]).
pub fn solve(
    n_start: u64,
    experienced: u64,
    prior_year_hires: u64,
    g: f64,
    t: f64,
    h: f64,
) -> Result<WorkforceNeeds, RateError> {
    let g = decimal_rate("growth rate", g, -1.0..=1.0, "must be within [-1, 1]")?;
    let t = decimal_rate("termination rate", t, 0.0..=1.0, "must be within [0, 1]")?;
    let h = decimal_rate(
        "new-hire termination rate",
        h,
        0.0..=1.0,
        "must be within [0, 1)",
    )?;
    if h.units >= h.denominator() {
        return Err(RateError {
            rate: "new-hire termination rate",
            value: 1.0,
            rule: "must be below 1 (every hire would leave)",
        });
    }
    let n = n_start as i128;

    let dg = g.denominator();
    let target_ending = round_half_away_div(n * (dg + g.units), dg).max(0);

    let (tu, hu, d) = Decimal::aligned(t, h);
    let expected = floor_div(experienced as i128 * tu + prior_year_hires as i128 * hu, d).min(n);
    let survivors = n - expected;
    let net = target_ending - survivors;
    let dh = h.denominator();
    let (hires, implied, rif) = if net > 0 {
        let hires = ceil_div(net * dh, dh - h.units);
        (hires, hires - net, 0)
    } else {
        (0, 0, -net)
    };
    let total_exp = expected + rif;
    let balance_error = (n + hires - total_exp - implied - target_ending) as i64;

    let mut failed_guards = Vec::new();
    if (dh - h.units) * 100 <= dh {
        failed_guards.push("FAIL_NH_TERM_RATE".to_string());
    }
    if g.units.abs() > dg {
        failed_guards.push("FAIL_GROWTH_BOUNDS".to_string());
    }
    if hires * 2 > n {
        failed_guards.push("FAIL_HIRE_RATIO".to_string());
    }
    if implied < 0 || implied > hires {
        failed_guards.push("FAIL_IMPLIED_NH_TERMS".to_string());
    }
    Ok(WorkforceNeeds {
        n_start,
        experienced,
        prior_year_hires,
        target_ending: target_ending as u64,
        expected_experienced_terminations: expected as u64,
        survivors: survivors as i64,
        net_from_hires: net as i64,
        hires: hires as u64,
        implied_new_hire_terminations: implied as u64,
        rif_terminations: rif as u64,
        total_experienced_terminations: total_exp as u64,
        balance_error,
        failed_guards,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g1_default_rates_two_years() {
        let y1 = solve(10_000, 10_000, 0, 0.03, 0.12, 0.25).unwrap();
        assert_eq!(
            (
                y1.target_ending,
                y1.expected_experienced_terminations,
                y1.survivors,
                y1.net_from_hires
            ),
            (10_300, 1_200, 8_800, 1_500)
        );
        assert_eq!(
            (y1.hires, y1.implied_new_hire_terminations, y1.balance_error),
            (2_000, 500, 0)
        );
        let y2 = solve(10_300, 8_800, 1_500, 0.03, 0.12, 0.25).unwrap();
        assert_eq!(
            (
                y2.expected_experienced_terminations,
                y2.target_ending,
                y2.survivors,
                y2.net_from_hires
            ),
            (1_431, 10_609, 8_869, 1_740)
        );
        assert_eq!(
            (y2.hires, y2.implied_new_hire_terminations, y2.balance_error),
            (2_320, 580, 0)
        );
        assert_eq!(y2.balance_status(), "EXACT_MATCH");
    }

    #[test]
    fn g2_small_census_float_trap_and_rif() {
        let s = solve(149, 149, 0, 0.03, 0.12, 0.25).unwrap();
        assert_eq!(
            (
                s.target_ending,
                s.expected_experienced_terminations,
                s.survivors,
                s.net_from_hires,
                s.hires,
                s.implied_new_hire_terminations
            ),
            (153, 17, 132, 21, 28, 7)
        );
        // net 21 with h = 0.30: exactly 30 hires (the reference's double gives 31).
        let trap = solve(100, 100, 0, 0.0, 0.21, 0.30).unwrap(); // target 100, exp 21, net 21
        assert_eq!(
            (
                trap.net_from_hires,
                trap.hires,
                trap.implied_new_hire_terminations
            ),
            (21, 30, 9)
        );
        let rif = solve(100, 100, 0, -0.10, 0.05, 0.25).unwrap();
        assert_eq!(
            (
                rif.target_ending,
                rif.expected_experienced_terminations,
                rif.survivors,
                rif.net_from_hires
            ),
            (90, 5, 95, -5)
        );
        assert_eq!(
            (
                rif.hires,
                rif.rif_terminations,
                rif.total_experienced_terminations,
                rif.balance_error
            ),
            (0, 5, 10, 0)
        );
    }

    #[test]
    fn exact_products_do_not_lose_a_unit() {
        // 7 × 0.12 + 0 = 0.84 → floor 0; 25 × 0.12 = 3 exactly (a double gives 2.9999999999999996).
        assert_eq!(
            solve(25, 25, 0, 0.0, 0.12, 0.25)
                .unwrap()
                .expected_experienced_terminations,
            3
        );
        assert_eq!(
            solve(7, 7, 0, 0.0, 0.12, 0.25)
                .unwrap()
                .expected_experienced_terminations,
            0
        );
        // round half away from zero: 50 × 1.03 = 51.5 → 52
        assert_eq!(
            solve(50, 50, 0, 0.03, 0.12, 0.25).unwrap().target_ending,
            52
        );
    }

    #[test]
    fn guards_are_flagged() {
        let s = solve(10, 10, 0, 1.0, 0.5, 0.5).unwrap();
        assert!(
            s.failed_guards.contains(&"FAIL_HIRE_RATIO".to_string()),
            "{:?}",
            s.failed_guards
        );
        assert!(solve(100, 100, 0, 0.03, 0.12, 0.99)
            .unwrap()
            .failed_guards
            .contains(&"FAIL_NH_TERM_RATE".to_string()));
    }
}
