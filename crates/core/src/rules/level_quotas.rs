//! Level quotas (docs/rules.md 3.3): experienced terminations apportioned by largest remainder;
//! hires placed by systematic slots. Integer arithmetic throughout, so the split is exact.

use crate::rules::workforce_needs::{decimal_rate, RateError};

/// Experienced-termination quota per level. `counts[l]` = experienced headcount of level l+1.
/// `q_l = min(total × c_l / Σc, c_l)`, floors, then the remainder to levels with capacity by
/// (fractional part descending, level ascending).
pub fn termination_quotas(total: u64, counts: &[u64]) -> Vec<u64> {
    let sum: u128 = counts.iter().map(|&c| c as u128).sum();
    if sum == 0 || total == 0 {
        return vec![0; counts.len()];
    }
    let mut floors = Vec::with_capacity(counts.len());
    let mut fracs = Vec::with_capacity(counts.len());
    for &c in counts {
        let num = total as u128 * c as u128;
        if c == 0 || num >= c as u128 * sum {
            floors.push(c);
            fracs.push(None); // no capacity
        } else {
            floors.push((num / sum) as u64);
            fracs.push(Some(num % sum));
        }
    }
    let assigned: u64 = floors.iter().sum();
    let mut remainder = total.saturating_sub(assigned);
    let mut order: Vec<usize> = (0..counts.len())
        .filter(|&l| fracs[l].is_some() && floors[l] < counts[l])
        .collect();
    order.sort_by(|&a, &b| fracs[b].cmp(&fracs[a]).then(a.cmp(&b)));
    for l in order {
        if remainder == 0 {
            break;
        }
        floors[l] += 1;
        remainder -= 1;
    }
    floors
}

/// Hire quota per level by systematic slots: slot `i = 1..H` at position `(i − 0.5)/H` goes to
/// the level whose cumulative share interval `(lo, hi]` contains it. `weights` are integer
/// shares (headcounts, or fixed percentages scaled to integers). Σ = `hires` exactly.
pub fn hire_quotas(hires: u64, weights: &[u128]) -> Vec<u64> {
    let s: u128 = weights.iter().sum();
    if s == 0 {
        return vec![0; weights.len()];
    }
    let h = hires as u128;
    // Slots with position ≤ C/S: (2i − 1)·S ≤ 2H·C  ⇔  i ≤ (2H·C + S) / (2S).
    let count_le = |c: u128| ((2 * h * c + s) / (2 * s)).min(h);
    let mut cum = 0u128;
    let mut prev = 0u128;
    weights
        .iter()
        .map(|&w| {
            cum += w;
            let upto = if cum == s { h } else { count_le(cum) };
            let q = upto - prev;
            prev = upto;
            q as u64
        })
        .collect()
}

/// Fixed level shares (decimals) scaled to exact integer weights over a common denominator.
/// A share below 0, above 1 or not a decimal of at most 18 places is a [`RateError`].
pub fn decimal_weights(shares: &[f64]) -> Result<Vec<u128>, RateError> {
    let decs = shares
        .iter()
        .map(|&x| decimal_rate("level share", x, 0.0..=1.0, "must be within [0, 1]"))
        .collect::<Result<Vec<_>, _>>()?;
    let scale = decs.iter().map(|d| d.scale).max().unwrap_or(0);
    Ok(decs
        .iter()
        .map(|d| (d.units.max(0) * 10_i128.pow(scale - d.scale)) as u128)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g3_level_apportionment() {
        let counts = [60, 45, 30, 10, 4];
        assert_eq!(termination_quotas(17, &counts), vec![7, 5, 3, 1, 1]);
        let w: Vec<u128> = counts.iter().map(|&c| c as u128).collect();
        assert_eq!(hire_quotas(28, &w), vec![11, 9, 5, 2, 1]);
    }

    #[test]
    fn quotas_sum_exactly_and_respect_capacity() {
        for total in 0..=40 {
            let q = termination_quotas(total, &[3, 0, 10, 1, 1]);
            assert_eq!(q.iter().sum::<u64>(), total.min(15));
            assert!(q.iter().zip([3, 0, 10, 1, 1]).all(|(q, c)| *q <= c));
        }
        for h in 0..200 {
            assert_eq!(hire_quotas(h, &[35, 30, 20, 10, 5]).iter().sum::<u64>(), h);
        }
        assert_eq!(hire_quotas(5, &[0, 0, 7, 0, 0]), vec![0, 0, 5, 0, 0]);
    }

    #[test]
    fn fixed_shares_as_integers() {
        assert_eq!(
            decimal_weights(&[0.6, 0.25, 0.1, 0.04, 0.01]).unwrap(),
            vec![60, 25, 10, 4, 1]
        );
        assert_eq!(
            hire_quotas(
                100,
                &decimal_weights(&[0.6, 0.25, 0.1, 0.04, 0.01]).unwrap()
            ),
            vec![60, 25, 10, 4, 1]
        );
    }
}
