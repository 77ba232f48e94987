//! The rules of docs/rules.md section 3, one module per concept, each a pure function of its
//! inputs. The engines call these; nothing here reads or writes state. Workforce: `bands`,
//! `hiring`, `job_level`, `level_quotas`, `merit_raise`, `new_hire_termination`, `parameters`,
//! `promotion`, `termination`, `workforce_needs`. Plan: `eligibility`, `enrollment`,
//! `match_response`, `escalation`, `irs_limits`, `contribution`, `employer_eligibility`,
//! `match_formula`, `core_contribution`, `vesting`, `hce`.

pub mod bands;
pub mod contribution;
pub mod core_contribution;
pub mod eligibility;
pub mod employer_eligibility;
pub mod enrollment;
pub mod escalation;
pub mod hce;
pub mod hiring;
pub mod irs_limits;
pub mod job_level;
pub mod level_quotas;
pub mod match_formula;
pub mod match_response;
pub mod merit_raise;
pub mod new_hire_termination;
pub mod parameters;
pub mod promotion;
pub mod termination;
pub mod vesting;
pub mod workforce_needs;

use crate::rng::Rng;

/// Rounds a deferral rate to 6 decimals (rates are stored as DECIMAL(5,4) and compared
/// exactly; this removes binary noise such as 0.06 + 0.01 = 0.06999999999999999).
pub fn round_rate(r: f64) -> f64 {
    (r * 1e6).round() / 1e6
}

/// Selection by rank (docs/rules.md 2.1): the first `quota` of `candidates` ordered by
/// `(h, employee_id)`, returned in rank order. Linear-time select, then a sort of the selected.
/// Inlined into its callers: left to the compiler, whether it is depends on how the crate is
/// split into codegen units, and the instruction gate saw experienced terminations move by
/// 3.9% between the two outcomes with no change to the code.
#[inline]
pub fn select_by_rank<'a>(
    candidates: &mut [(u64, u32)],
    quota: usize,
    id: impl Fn(u32) -> &'a str,
) -> Vec<u32> {
    let quota = quota.min(candidates.len());
    if quota == 0 {
        return Vec::new();
    }
    let cmp = |a: &(u64, u32), b: &(u64, u32)| a.0.cmp(&b.0).then_with(|| id(a.1).cmp(id(b.1)));
    if quota < candidates.len() {
        candidates.select_nth_unstable_by(quota - 1, cmp);
    }
    let chosen = &mut candidates[..quota];
    chosen.sort_unstable_by(cmp);
    chosen.iter().map(|c| c.1).collect()
}

/// `h` for an employee and a precomputed year code.
#[inline(always)]
pub fn keyed(rng: &Rng, id_key: u64, year_code: u64) -> u64 {
    Rng::combine(rng.employee(id_key), year_code)
}

#[cfg(test)]
mod tests {
    #[test]
    fn rank_breaks_hash_ties_on_id() {
        let ids = ["b", "a", "c", "d"];
        let mut c = vec![(5, 0), (5, 1), (1, 2), (9, 3)];
        assert_eq!(
            super::select_by_rank(&mut c, 3, |i| ids[i as usize]),
            vec![2, 1, 0]
        );
        let mut c = vec![(5, 0), (5, 1)];
        assert_eq!(
            super::select_by_rank(&mut c, 9, |i| ids[i as usize]),
            vec![1, 0]
        );
    }
}
