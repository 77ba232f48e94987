//! Highly compensated employee determination (docs/rules.md 3.20): prior-year compensation above
//! the HCE threshold of the prior year (the look-back year). The top-20% election is not
//! modelled.

/// `prior_year_comp > threshold of year N − 1`.
pub fn is_hce(prior_year_comp: f64, lookback_threshold: f64) -> bool {
    prior_year_comp > lookback_threshold
}

#[cfg(test)]
mod tests {
    #[test]
    fn strictly_above_the_lookback_threshold() {
        assert!(super::is_hce(160_000.01, 160_000.0));
        assert!(!super::is_hce(160_000.0, 160_000.0));
    }
}
