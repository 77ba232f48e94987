//! Nondiscrimination tests of a plan year (docs/rules.md 3.20): ADP and ACP of the highly
//! compensated (HCEs) against the non-highly compensated (NHCEs) with the 1.25× / 2-point rule,
//! and the 402(g) and 415(c) limit counts.
//!
//! * Test population: employees eligible for the plan in the year (eligibility status
//!   `eligible`, not plan-ineligible), whether or not they defer: a non-deferring eligible
//!   employee counts at 0%. Testing pay = min(the year's prorated pay, the 401(a)(17) limit);
//!   an employee with no testing pay is left out.
//! * ADP: each employee's deferrals without catch-up over testing pay; ACP: the match (this
//!   model has no after-tax money) over testing pay; the group averages are the means of the
//!   employees' ratios.
//! * Limit: the larger of the basic limit (NHCE average × 1.25) and the alternative
//!   (min(NHCE average × 2, NHCE average + 2 points)); the test passes when the HCE average is
//!   at most the limit; margin = limit − HCE average (negative when failing); a failure's
//!   excess = (HCE average − limit) × the HCEs' testing pay.
//! * Prior-year testing (the default): the NHCE average is the prior plan year's. In the
//!   first simulated year the prior year was not simulated, so the current year's NHCE
//!   average stands in (the 3% of a new plan's first year does not apply: the plan is not
//!   new); `nhce_year` says which year's average was used. Current-year testing by
//!   `[plan.nondiscrimination] testing = "current_year"`.
//! * No HCE in the population: pass. No NHCE: the test cannot be run (`no_nhce`, not a pass).
//!   A safe-harbor plan (`safe_harbor = true`) passes ADP and ACP by design.
//! * 402(g): the number of employees at their age-appropriate limit, whose deferrals were cut
//!   to it, and within `plan.ledger.limit_margin` of it; passes when no one is above it.
//! * 415(c): annual additions = min(deferrals, the base 402(g) limit) + match + core against
//!   min(the dollar limit, the year's pay): breaches, and at risk within the margin; passes
//!   when there is no breach.

use crate::config::plan::TestingMethod;
use crate::config::ValidConfig;
use crate::decimal::round2;
use crate::rules::contribution::catch_up_part;
use crate::rules::irs_limits::deferral_limit;
pub use crate::state::plan::NhceAverages;
use crate::state::Snapshot;
use serde::{Deserialize, Serialize};

/// Which test a row reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TestKind {
    #[serde(rename = "ADP")]
    Adp,
    #[serde(rename = "ACP")]
    Acp,
    #[serde(rename = "402(g)")]
    Limit402g,
    #[serde(rename = "415(c)")]
    Limit415c,
}

impl TestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TestKind::Adp => "ADP",
            TestKind::Acp => "ACP",
            TestKind::Limit402g => "402(g)",
            TestKind::Limit415c => "415(c)",
        }
    }
}

/// One test of one plan year.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ComplianceTest {
    pub simulation_year: i32,
    pub test: TestKind,
    /// `prior_year` / `current_year` (ADP and ACP), `None` for the limit counts.
    pub method: Option<TestingMethod>,
    pub status: TestStatus,
    pub hce_count: u64,
    pub nhce_count: u64,
    pub hce_average: Option<f64>,
    /// The NHCE average the limit is built on (the prior year's under prior-year testing).
    pub nhce_average: Option<f64>,
    /// The year of `nhce_average`.
    pub nhce_year: Option<i32>,
    /// The year's own NHCE average (ADP and ACP), which the next year's prior-year testing
    /// uses (and a resume reads back).
    pub nhce_current_average: Option<f64>,
    pub basic_limit: Option<f64>,
    pub alternative_limit: Option<f64>,
    pub applied_limit: Option<f64>,
    /// applied limit − HCE average (ADP/ACP).
    pub margin: Option<f64>,
    /// ADP/ACP: the excess contributions of a failure, in dollars.
    pub excess: f64,
    /// 402(g): employees at their limit; 415(c): breaches.
    pub at_limit: u64,
    /// 402(g): deferrals cut to the limit; 415(c): 0.
    pub capped: u64,
    /// Within the margin of the limit (but not above it).
    pub at_risk: u64,
}

/// The outcome of a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestStatus {
    Pass,
    Fail,
    /// No HCE in the test population.
    PassNoHce,
    /// A safe-harbor plan (ADP and ACP).
    PassSafeHarbor,
    /// HCEs but no NHCE: the test cannot be run.
    NoNhce,
}

impl TestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TestStatus::Pass => "pass",
            TestStatus::Fail => "fail",
            TestStatus::PassNoHce => "pass_no_hce",
            TestStatus::PassSafeHarbor => "pass_safe_harbor",
            TestStatus::NoNhce => "no_nhce",
        }
    }
}

impl ComplianceTest {
    pub fn passed(&self) -> bool {
        matches!(
            self.status,
            TestStatus::Pass | TestStatus::PassNoHce | TestStatus::PassSafeHarbor
        )
    }
}

/// The limit of the 1.25× / 2-point rule on an NHCE average: (basic, alternative, applied).
pub fn adp_limits(nhce: f64) -> (f64, f64, f64) {
    let basic = nhce * 1.25;
    let alternative = (nhce * 2.0).min(nhce + 0.02);
    (basic, alternative, basic.max(alternative))
}

#[derive(Default)]
struct Group {
    n: u64,
    adp: f64,
    acp: f64,
    pay: f64,
}

/// The year's tests, and its own NHCE averages (for the next year's prior-year testing).
/// `prior` is the prior plan year's NHCE averages, when that year was simulated.
pub fn tests(
    config: &ValidConfig,
    s: &Snapshot,
    prior: Option<NhceAverages>,
) -> (Vec<ComplianceTest>, NhceAverages) {
    let year = s.year;
    let plan = &config.plan;
    let limits = config.irs_limits(year);
    let margin = 1.0 - plan.ledger.limit_margin;
    let (mut hce, mut nhce) = (Group::default(), Group::default());
    let (mut g_at, mut g_capped, mut g_risk, mut g_over) = (0u64, 0u64, 0u64, 0u64);
    let (mut c_breach, mut c_risk) = (0u64, 0u64);
    for (p, y) in s.plan.iter().enumerate() {
        let age = (year - crate::date::year_of(s.birth_date[p])).clamp(0, u16::MAX as i32) as u16;
        let comp = s.prorated_annual_compensation[p];
        // Limit counts over everyone with deferrals.
        if y.employee_contribution > 0.0 {
            let (limit, _) = deferral_limit(&limits, age);
            if y.employee_contribution >= limit {
                g_at += 1;
            } else if y.employee_contribution >= margin * limit {
                g_risk += 1;
            }
            if y.employee_contribution > limit {
                g_over += 1;
            }
            g_capped += (y.capped_excess > 0.0) as u64;
        }
        let additions = y
            .employee_contribution
            .min(limits.elective_deferral_limit_402g)
            + y.employer_match
            + y.employer_core;
        let limit_415 = limits.annual_additions_limit_415c.min(comp);
        if additions > 0.0 && limit_415 > 0.0 {
            if additions > limit_415 + 0.005 {
                c_breach += 1;
            } else if additions >= margin * limit_415 {
                c_risk += 1;
            }
        }
        // ADP/ACP population.
        if !y.carry.eligible || y.carry.plan_ineligible {
            continue;
        }
        let testing_pay = comp.min(limits.compensation_limit_401a17);
        if testing_pay <= 0.0 {
            continue;
        }
        let deferrals =
            y.employee_contribution - catch_up_part(y.employee_contribution, y.limit_type, &limits);
        let g = if y.is_hce { &mut hce } else { &mut nhce };
        g.n += 1;
        g.adp += deferrals / testing_pay;
        g.acp += y.employer_match / testing_pay;
        g.pay += testing_pay;
    }
    let avg = |g: &Group, x: f64| (g.n > 0).then(|| x / g.n as f64);
    let current = NhceAverages {
        year,
        adp: avg(&nhce, nhce.adp),
        acp: avg(&nhce, nhce.acp),
    };
    let method = plan.nondiscrimination.testing;
    let base = match (method, prior) {
        (TestingMethod::PriorYear, Some(p)) if p.year == year - 1 => p,
        _ => current,
    };
    let ratio_test =
        |test: TestKind, hce_avg: Option<f64>, nhce_avg: Option<f64>, nhce_now: Option<f64>| {
            let mut t = ComplianceTest {
                simulation_year: year,
                test,
                method: Some(method),
                status: TestStatus::Pass,
                hce_count: hce.n,
                nhce_count: nhce.n,
                hce_average: hce_avg,
                nhce_average: nhce_avg,
                nhce_year: nhce_avg.map(|_| base.year),
                nhce_current_average: nhce_now,
                basic_limit: None,
                alternative_limit: None,
                applied_limit: None,
                margin: None,
                excess: 0.0,
                at_limit: 0,
                capped: 0,
                at_risk: 0,
            };
            if let Some(n) = nhce_avg {
                let (basic, alternative, applied) = adp_limits(n);
                t.basic_limit = Some(basic);
                t.alternative_limit = Some(alternative);
                t.applied_limit = Some(applied);
                if let Some(h) = hce_avg {
                    t.margin = Some(applied - h);
                    if h > applied + 1e-12 {
                        t.status = TestStatus::Fail;
                        t.excess = round2((h - applied) * hce.pay);
                    }
                }
            }
            if hce_avg.is_none() {
                t.status = TestStatus::PassNoHce;
            } else if nhce_avg.is_none() {
                t.status = TestStatus::NoNhce;
            } else if plan.nondiscrimination.safe_harbor {
                t.status = TestStatus::PassSafeHarbor;
                t.excess = 0.0;
            }
            t
        };
    let limit_row =
        |test: TestKind, at_limit: u64, capped: u64, at_risk: u64, over: u64| ComplianceTest {
            simulation_year: year,
            test,
            method: None,
            status: if over == 0 {
                TestStatus::Pass
            } else {
                TestStatus::Fail
            },
            hce_count: hce.n,
            nhce_count: nhce.n,
            hce_average: None,
            nhce_average: None,
            nhce_year: None,
            nhce_current_average: None,
            basic_limit: None,
            alternative_limit: None,
            applied_limit: None,
            margin: None,
            excess: 0.0,
            at_limit,
            capped,
            at_risk,
        };
    let out = vec![
        ratio_test(TestKind::Adp, avg(&hce, hce.adp), base.adp, current.adp),
        ratio_test(TestKind::Acp, avg(&hce, hce.acp), base.acp, current.acp),
        limit_row(TestKind::Limit402g, g_at, g_capped, g_risk, g_over),
        limit_row(TestKind::Limit415c, c_breach, 0, c_risk, c_breach),
    ];
    (out, current)
}

#[cfg(test)]
mod tests {
    use super::adp_limits;

    /// The 1.25× / 2-point rule by hand: NHCE 4% → basic 5%, alternative min(8%, 6%) = 6%,
    /// limit 6%; NHCE 1% → basic 1.25%, alternative min(2%, 3%) = 2%; NHCE 10% → basic
    /// 12.5%, alternative 12%, limit 12.5%.
    #[test]
    fn the_limit_is_the_larger_of_the_basic_and_the_alternative() {
        let close = |a: (f64, f64, f64), b: (f64, f64, f64)| {
            (a.0 - b.0).abs() < 1e-12 && (a.1 - b.1).abs() < 1e-12 && (a.2 - b.2).abs() < 1e-12
        };
        assert!(close(adp_limits(0.04), (0.05, 0.06, 0.06)));
        assert!(close(adp_limits(0.01), (0.0125, 0.02, 0.02)));
        assert!(close(adp_limits(0.10), (0.125, 0.12, 0.125)));
    }
}
