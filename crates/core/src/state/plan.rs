//! Plan state accumulators (docs/rules.md 5.2-5.4) and the plan money of the year (3.15-3.20).
//!
//! The accumulator pattern again: an employee's plan state at the end of year N is their
//! state at the end of N−1 ([`PlanCarry`], carried on the workforce) plus their year-N plan
//! events, and nothing else: the year's deferral rate never reads the year's published
//! contributions or snapshot (the cycle the reference had to break). From that state and the
//! workforce snapshot come hours, contributions, match, core, vesting, forfeiture and HCE.

use crate::config::plan::MatchMode;
use crate::config::ValidConfig;
use crate::date::{self, Day};
use crate::decimal::round2;
use crate::events::{EventCategory, EventType, Member, YearEvents};
use crate::rng::{draw, unit, Rng};
use crate::rules::employer_eligibility::{annual_hours, employer_eligibility, EmployerEligibility};
use crate::rules::irs_limits::{deferral_limit, LimitType};
use crate::rules::{contribution, core_contribution, hce, match_formula, round_rate, vesting};
use crate::state::{Snapshot, Workforce};
use serde::{Deserialize, Serialize};

/// How an employee's current enrollment came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrollmentMethod {
    #[default]
    None,
    /// Enrolled at the census (baseline enrollment record).
    Census,
    Auto,
    Voluntary,
}

impl EnrollmentMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            EnrollmentMethod::None => "none",
            EnrollmentMethod::Census => "census",
            EnrollmentMethod::Auto => "auto",
            EnrollmentMethod::Voluntary => "voluntary",
        }
    }

    pub fn parse(s: &str) -> EnrollmentMethod {
        match s {
            "census" => EnrollmentMethod::Census,
            "auto" => EnrollmentMethod::Auto,
            "voluntary" => EnrollmentMethod::Voluntary,
            _ => EnrollmentMethod::None,
        }
    }
}

/// One employee's plan state at the end of a year, carried into the next (5.2-5.4).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct PlanCarry {
    /// Census `eligibility_override = FALSE` or the new-hire override draw.
    pub plan_ineligible: bool,
    /// `current_eligibility_status` = eligible (else pending); never reverts.
    pub eligible: bool,
    /// Date of the employee's eligibility event, once they had one.
    pub plan_eligibility_date: Option<Day>,
    pub enrolled: bool,
    /// Date of the latest enrollment (census: the census plan-year end).
    pub enrollment_date: Option<Day>,
    pub enrollment_method: EnrollmentMethod,
    /// Sticky: once opted out, always true.
    pub ever_opted_out: bool,
    pub deferral_rate: f64,
    pub original_deferral_rate: f64,
    /// Year of the first enrollment (0 = never enrolled).
    pub first_enrollment_year: i32,
    /// Year the deferral rate last changed (0 = never).
    pub last_rate_change_year: i32,
    pub escalations: u16,
    pub total_escalation_amount: f64,
    pub last_escalation_date: Option<Day>,
    /// Census `auto_escalation_opt_out`.
    pub census_escalation_opt_out: bool,
    /// Cumulative employer money (match + core), before forfeitures.
    pub employer_balance: f64,
    /// The match part of `employer_balance` (the rest is core): forfeitures by source.
    pub employer_match_balance: f64,
    /// Cumulative employee deferrals (always 100% vested).
    pub employee_balance: f64,
    /// The Roth part of `employee_balance`.
    pub employee_roth_balance: f64,
    /// The catch-up part of `employee_balance` (pre-tax deferrals above the base 402(g)
    /// limit, 3.15); the rest is pre-tax.
    pub employee_catch_up_balance: f64,
    /// The vested share at the end of the year (the plan ledger's vesting events fire when
    /// it changes).
    pub vested_pct: f64,
    /// The year's HCE determination (the next year's prior-year status).
    pub was_hce: bool,
}

impl PlanCarry {
    /// The baseline enrollment record of a census row (1.2.4, 4.2): enrolled at the census
    /// plan-year end when the normalised census rate is positive.
    pub fn from_census(
        rate: Option<f64>,
        eligibility_override: Option<bool>,
        escalation_opt_out: Option<bool>,
        census_status_eligible: bool,
        census_end: Day,
    ) -> PlanCarry {
        let rate = crate::rules::enrollment::normalise_deferral_rate(rate.unwrap_or(0.0));
        let enrolled = rate > 0.0;
        let year = date::year_of(census_end);
        PlanCarry {
            plan_ineligible: eligibility_override == Some(false),
            eligible: census_status_eligible,
            enrolled,
            enrollment_date: enrolled.then_some(census_end),
            enrollment_method: if enrolled {
                EnrollmentMethod::Census
            } else {
                EnrollmentMethod::None
            },
            deferral_rate: rate,
            original_deferral_rate: rate,
            first_enrollment_year: if enrolled { year } else { 0 },
            last_rate_change_year: if enrolled { year } else { 0 },
            census_escalation_opt_out: escalation_opt_out.unwrap_or(false),
            ..PlanCarry::default()
        }
    }

    /// A new hire's starting state: nothing yet, except the plan-ineligible override draw
    /// (`eligibility|new_hire_override`, keyed by the hire's id and year).
    pub fn for_hire(config: &ValidConfig, year: i32, id_key: u64) -> PlanCarry {
        let pct = config.plan.eligibility.new_hire_ineligible_pct;
        let ineligible = pct > 0.0
            && crate::rules::eligibility::new_hire_ineligible(
                unit(crate::rules::keyed(
                    &Rng::new(config.plan_seed()),
                    id_key,
                    Rng::year_code(year, draw::ELIGIBILITY_NEW_HIRE_OVERRIDE),
                )),
                pct,
            );
        PlanCarry {
            plan_ineligible: ineligible,
            ..PlanCarry::default()
        }
    }
}

/// The NHCE averages of a plan year's ADP and ACP tests (3.20): what prior-year testing
/// carries into the next year ([`crate::nondiscrimination`] computes them).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NhceAverages {
    pub year: i32,
    /// `None` when the year had no NHCE in the test population.
    pub adp: Option<f64>,
    pub acp: Option<f64>,
}

/// Why the employer match is what it is (3.17).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchStatus {
    #[default]
    Disabled,
    Ineligible,
    NoDeferrals,
    Calculated,
}

impl MatchStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchStatus::Disabled => "disabled",
            MatchStatus::Ineligible => "ineligible",
            MatchStatus::NoDeferrals => "no_deferrals",
            MatchStatus::Calculated => "calculated",
        }
    }
}

/// The plan figures of one snapshot row (employee-year).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlanYear {
    /// Year-end plan state (carried into the next year).
    pub carry: PlanCarry,
    pub annual_hours: f64,
    /// The deferral rate the year's contributions were computed with (3.15).
    pub contribution_rate: f64,
    /// Prorated contribution base B (3.15).
    pub contribution_base: f64,
    pub requested_contribution: f64,
    /// Employee deferrals after the age-appropriate 402(g) limit.
    pub employee_contribution: f64,
    pub pre_tax_contribution: f64,
    pub roth_contribution: f64,
    pub capped_excess: f64,
    pub applied_limit: f64,
    pub limit_type: LimitType,
    pub irs_limit_reached: bool,
    pub match_eligibility: EmployerEligibility,
    pub match_status: MatchStatus,
    pub employer_match: f64,
    pub core_eligibility: EmployerEligibility,
    pub employer_core: f64,
    pub vested_pct: f64,
    pub vested_balance: f64,
    pub forfeiture: f64,
    pub is_hce: bool,
}

impl PlanYear {
    /// A row that only carries the state (before the plan accumulator runs).
    pub fn carried(carry: PlanCarry) -> PlanYear {
        PlanYear {
            carry,
            annual_hours: 0.0,
            contribution_rate: 0.0,
            contribution_base: 0.0,
            requested_contribution: 0.0,
            employee_contribution: 0.0,
            pre_tax_contribution: 0.0,
            roth_contribution: 0.0,
            capped_excess: 0.0,
            applied_limit: 0.0,
            limit_type: LimitType::Base,
            irs_limit_reached: false,
            match_eligibility: EmployerEligibility::InsufficientHours,
            match_status: MatchStatus::Disabled,
            employer_match: 0.0,
            core_eligibility: EmployerEligibility::InsufficientHours,
            employer_core: 0.0,
            vested_pct: 0.0,
            vested_balance: 0.0,
            forfeiture: 0.0,
            is_hce: false,
        }
    }

    /// The catch-up part of the year's deferrals (3.15): above the base 402(g) limit for an
    /// employee under a catch-up limit, taken from the pre-tax part.
    pub fn catch_up(&self, limits: &crate::model::IrsLimits) -> f64 {
        contribution::catch_up_part(self.employee_contribution, self.limit_type, limits)
            .min(self.pre_tax_contribution)
    }

    /// The pre-tax part of the employee balance (what is neither Roth nor catch-up).
    pub fn employee_pre_tax_balance(&self) -> f64 {
        let c = &self.carry;
        round2(c.employee_balance - c.employee_roth_balance - c.employee_catch_up_balance)
    }

    /// `participating` iff the year-end rate is positive.
    pub fn participating(&self) -> bool {
        self.carry.deferral_rate > 0.0
    }

    /// `total_employer_contributions` = match + core.
    pub fn employer_total(&self) -> f64 {
        round2(self.employer_match + self.employer_core)
    }

    /// `participation_status_detail` (5.1).
    pub fn participation_detail(&self) -> &'static str {
        let c = &self.carry;
        if c.deferral_rate > 0.0 {
            match c.enrollment_method {
                EnrollmentMethod::Auto => "participating - auto enrollment",
                EnrollmentMethod::Voluntary => "participating - voluntary enrollment",
                EnrollmentMethod::Census => "participating - census enrollment",
                EnrollmentMethod::None => "participating - unknown source",
            }
        } else if c.ever_opted_out {
            "not_participating - opted out of AE"
        } else {
            "not_participating - not auto enrolled"
        }
    }
}

/// The year's plan events of one employee, as read back from the ledger.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct YearPlanEvents {
    pub eligibility: Option<Day>,
    /// (date, rate, auto?)
    pub enrollment: Option<(Day, f64, bool)>,
    pub opt_out: Option<Day>,
    pub match_response: Option<f64>,
    /// (new rate, previous rate)
    pub escalation: Option<(f64, f64)>,
}

impl YearPlanEvents {
    /// Collects the plan events of ledger range `range`.
    pub fn read(events: &YearEvents, range: std::ops::Range<usize>) -> YearPlanEvents {
        let mut y = YearPlanEvents::default();
        for k in range {
            match events.event_type[k] {
                EventType::Eligibility => y.eligibility = Some(events.effective_date[k]),
                EventType::Enrollment => {
                    y.enrollment = Some((
                        events.effective_date[k],
                        events.employee_deferral_rate[k].unwrap_or(0.0),
                        events.category[k] == EventCategory::AutoEnrollment,
                    ))
                }
                EventType::EnrollmentChange => y.opt_out = Some(events.effective_date[k]),
                EventType::DeferralMatchResponse => {
                    y.match_response = events.employee_deferral_rate[k]
                }
                EventType::DeferralEscalation => {
                    y.escalation =
                        events.employee_deferral_rate[k].zip(events.prev_employee_deferral_rate[k])
                }
                _ => {}
            }
        }
        y
    }
}

/// Year-end plan state (5.2-5.4) from the prior state and the year's plan events; the
/// deferral rate follows the precedence of 3.13. `comp` is the employee's current pay (for
/// the rate-equivalent 402(g) cap when a match response and an escalation coincide).
pub fn next_state(
    config: &ValidConfig,
    year: i32,
    prior: &PlanCarry,
    ev: &YearPlanEvents,
    comp: f64,
) -> PlanCarry {
    let plan = &config.plan;
    let mut c = *prior;
    if let Some(d) = ev.eligibility {
        c.eligible = true;
        c.plan_eligibility_date = Some(d);
    }
    let mut enroll_rate = None;
    if let Some((d, rate, auto)) = ev.enrollment {
        c.enrolled = true;
        c.enrollment_date = Some(d);
        c.enrollment_method = if auto {
            EnrollmentMethod::Auto
        } else {
            EnrollmentMethod::Voluntary
        };
        if c.first_enrollment_year == 0 {
            c.first_enrollment_year = year;
            c.original_deferral_rate = rate;
        }
        enroll_rate = Some(rate);
    }
    if ev.opt_out.is_some() {
        c.enrolled = false;
        c.ever_opted_out = true;
    }
    if let Some((new, old)) = ev.escalation {
        c.escalations += 1;
        c.total_escalation_amount = round_rate(c.total_escalation_amount + (new - old));
        c.last_escalation_date = Some(date::jan1(year));
    }
    let rate = if ev.opt_out.is_some() || !c.enrolled {
        0.0
    } else if let (Some(mr), Some(_)) = (ev.match_response, ev.escalation) {
        let cap = plan.auto_escalation.maximum_rate;
        let dollars = if comp > 0.0 {
            plan.match_response.rate_cap_dollars / comp
        } else {
            cap
        };
        round_rate((mr + plan.auto_escalation.increment).min(cap).min(dollars))
    } else {
        ev.escalation
            .map(|e| e.0)
            .or(ev.match_response)
            .or(enroll_rate)
            .or((prior.enrolled && prior.deferral_rate > 0.0).then_some(prior.deferral_rate))
            .unwrap_or(0.03)
    };
    if rate != prior.deferral_rate {
        c.last_rate_change_year = year;
    }
    c.deferral_rate = rate;
    c
}

/// Days from `a` to `b` inclusive, at least 0.
fn days_incl(a: Day, b: Day) -> i32 {
    (b - a + 1).max(0)
}

/// Steps 15-18 of 3.0: plan state, hours, contributions, match, core, vesting, forfeiture and
/// HCE for every row of `s` (the workforce snapshot built from `prior` and `events`).
pub fn accumulate_plan(
    config: &ValidConfig,
    prior: &Workforce,
    events: &YearEvents,
    s: &mut Snapshot,
) {
    let plan = &config.plan;
    let year = events.year;
    let (jan1, dec31) = (date::jan1(year), date::dec31(year));
    let limits = config.irs_limits(year);
    let lookback = config.irs_limits(year - 1);
    let vesting_table = plan.vesting_table();
    let ranges = events.ranges();
    s.plan.clear();
    s.plan.reserve_exact(events.roster.len());
    for (p, member) in events.roster.iter().enumerate() {
        let (carry, start_comp, prior_comp, hired) = match *member {
            Member::Prior(i) => {
                let i = i as usize;
                (
                    prior.plan[i],
                    prior.compensation[i],
                    prior.compensation[i],
                    false,
                )
            }
            Member::Hire(j) => {
                let h = &events.hires[j as usize];
                (
                    PlanCarry::for_hire(config, year, h.id_key),
                    h.compensation,
                    h.compensation,
                    true,
                )
            }
        };
        let mut y = PlanYear::carried(carry);
        if !plan.enabled {
            s.plan.push(y);
            continue;
        }
        let ev = YearPlanEvents::read(events, ranges[p].clone());
        y.carry = next_state(config, year, &carry, &ev, start_comp);

        let hire = s.hire_date[p];
        let term = s.termination_date[p];
        let active = s.active[p];
        let tenure = s.current_tenure[p];
        let age_eoy = (year - date::year_of(s.birth_date[p])).clamp(0, u16::MAX as i32) as u16;

        // 3.16 hours and employer eligibility.
        let hours = annual_hours(year, s.scheduled_hours[p], hire, hired, term);
        y.annual_hours = hours;
        let nh_term = hired && term.is_some();

        // 3.15 contribution base and rate.
        let end = term.unwrap_or(dec31).min(dec31);
        let proration = if hired {
            days_incl(hire, end).min(365) as f64 / 365.0
        } else if term.is_some() {
            days_incl(jan1, end).min(365) as f64 / 365.0
        } else {
            1.0
        };
        let base = round2(start_comp * proration);
        let (rate, contribution_base) = match (ev.enrollment, ev.opt_out) {
            // Enrolled and opted out in the same year: the enrollment's rate on the pay of
            // the days between them (the opt-out day itself carries no deferral).
            (Some((enrolled_on, r, _)), Some(opted_out_on)) => {
                let stop = opted_out_on.min(end + 1);
                (
                    r,
                    round2(start_comp * (stop - enrolled_on).max(0) as f64 / 365.0),
                )
            }
            _ => (y.carry.deferral_rate, base),
        };
        y.contribution_rate = rate;
        y.contribution_base = contribution_base;
        let c = contribution::employee_contribution(contribution_base, rate, age_eoy, &limits);
        y.requested_contribution = c.requested;
        y.employee_contribution = c.amount;
        y.pre_tax_contribution = c.pre_tax;
        y.roth_contribution = c.roth;
        y.capped_excess = c.capped_excess;
        y.applied_limit = c.applied_limit;
        y.limit_type = c.limit_type;
        y.irs_limit_reached = c.amount > 0.0 && c.amount >= deferral_limit(&limits, age_eoy).0;

        // 3.17 match on the contribution base capped at 401(a)(17), from the rate.
        let capped = contribution_base.min(limits.compensation_limit_401a17);
        let m = &plan.employer_match;
        y.match_eligibility =
            employer_eligibility(&m.eligibility, hours, tenure, hired, active, nh_term);
        (y.match_status, y.employer_match) = if !m.enabled {
            (MatchStatus::Disabled, 0.0)
        } else if y.match_eligibility != EmployerEligibility::Eligible {
            (MatchStatus::Ineligible, 0.0)
        } else if rate <= 0.0 || c.amount <= 0.0 {
            (MatchStatus::NoDeferrals, 0.0)
        } else {
            let amount = match m.mode {
                MatchMode::DeferralBased => {
                    match_formula::tiered_amount(&m.tiers, m.cap, rate, capped)
                }
                MatchMode::TenureGraded => m
                    .tenure_tiers
                    .iter()
                    .rev()
                    .find(|b| b.min_years <= tenure)
                    .map_or(0.0, |b| {
                        match_formula::tiered_amount(&b.tiers, None, rate, capped)
                    }),
            };
            (MatchStatus::Calculated, amount)
        };

        // 3.18 core: new hires on prorated pay, others on start-of-year pay.
        let core = &plan.employer_core;
        y.core_eligibility =
            employer_eligibility(&core.eligibility, hours, tenure, hired, active, nh_term);
        let core_base = if hired { base } else { start_comp };
        y.employer_core = core_contribution::core_amount(
            core,
            y.core_eligibility == EmployerEligibility::Eligible,
            core_contribution::core_rate(core, tenure, age_eoy),
            core_base,
            limits.compensation_limit_401a17,
        );

        // Balances, 3.19 vesting and forfeiture on termination.
        y.carry.employee_balance = round2(carry.employee_balance + y.employee_contribution);
        y.carry.employee_roth_balance = round2(carry.employee_roth_balance + c.roth);
        y.carry.employee_catch_up_balance =
            round2(carry.employee_catch_up_balance + y.catch_up(&limits));
        y.carry.employer_balance =
            round2(carry.employer_balance + y.employer_match + y.employer_core);
        y.carry.employer_match_balance = round2(carry.employer_match_balance + y.employer_match);
        let hours_rule = plan
            .vesting
            .require_hours_credit
            .then_some((hours, plan.vesting.hours_threshold));
        y.vested_pct = vesting::vested_share(vesting_table, tenure as f64, hours_rule);
        y.vested_balance = round2(y.carry.employer_balance * y.vested_pct);
        y.carry.vested_pct = y.vested_pct;
        if !active {
            y.forfeiture = round2(y.carry.employer_balance - y.vested_balance);
        }

        // 3.20 HCE on prior-year pay against the look-back year's threshold.
        y.is_hce = hce::is_hce(prior_comp, lookback.hce_threshold);
        y.carry.was_hce = y.is_hce;
        s.plan.push(y);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opt_out_is_sticky_and_zeroes_the_rate() {
        let config = crate::config::Config::default().validate().unwrap();
        let census = PlanCarry::from_census(Some(0.0), None, None, true, date::dec31(2024));
        let ev = YearPlanEvents {
            enrollment: Some((date::jan1(2025) + 14, 0.02, true)),
            opt_out: Some(date::jan1(2025) + 165),
            ..Default::default()
        };
        let s = next_state(&config, 2025, &census, &ev, 50_000.0);
        assert!(!s.enrolled && s.ever_opted_out);
        assert_eq!(s.deferral_rate, 0.0);
        let later = next_state(&config, 2026, &s, &YearPlanEvents::default(), 50_000.0);
        assert!(later.ever_opted_out && !later.enrolled);
        assert_eq!(later.deferral_rate, 0.0);
    }

    #[test]
    fn precedence_of_the_year_end_rate() {
        let config = crate::config::Config::default().validate().unwrap();
        let census = PlanCarry::from_census(Some(6.0), None, None, true, date::dec31(2024));
        assert_eq!(census.deferral_rate, 0.06);
        assert_eq!(census.first_enrollment_year, 2024);
        // Match response and escalation in the same year: min(mr + 1%, cap, 23,500 / comp).
        let ev = YearPlanEvents {
            match_response: Some(0.05),
            escalation: Some((0.07, 0.06)),
            ..Default::default()
        };
        assert_eq!(
            next_state(&config, 2025, &census, &ev, 100_000.0).deferral_rate,
            0.06
        );
        assert_eq!(
            next_state(&config, 2025, &census, &ev, 400_000.0).deferral_rate,
            0.05875
        );
        let only_esc = YearPlanEvents {
            escalation: Some((0.07, 0.06)),
            ..Default::default()
        };
        let s = next_state(&config, 2025, &census, &only_esc, 100_000.0);
        assert_eq!(
            (s.deferral_rate, s.escalations, s.last_rate_change_year),
            (0.07, 1, 2025)
        );
        let none = next_state(
            &config,
            2025,
            &census,
            &YearPlanEvents::default(),
            100_000.0,
        );
        assert_eq!(
            (none.deferral_rate, none.last_rate_change_year),
            (0.06, 2024)
        );
    }
}
