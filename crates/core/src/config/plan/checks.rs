//! The range checks of `[plan]` (docs/rules.md 1.4-1.5): each section's keys against their
//! bounds, named by key, all problems gathered at once.

use super::{CoreStatus, EmployerEligibilityConfig, MatchMode, PlanConfig};
use crate::config::problems::Problems;
use crate::model::{MatchTier, VestingSchedule};

impl PlanConfig {
    /// Range checks of the plan keys (called from [`crate::Config::validate`]).
    pub(crate) fn check(&self, years: std::ops::RangeInclusive<i32>, p: &mut Problems) {
        self.check_ledger(p);
        self.check_eligibility(p);
        self.check_auto_enrollment(p);
        self.check_voluntary_enrollment(p);
        self.check_auto_escalation(p);
        self.check_match_response(p);
        self.check_employer_match(p);
        self.check_employer_core(p);
        self.check_vesting(p);
        self.check_irs_limits(years, p);
    }

    /// `plan.ledger`: the limit margin.
    fn check_ledger(&self, p: &mut Problems) {
        p.range(
            "plan.ledger.limit_margin",
            self.ledger.limit_margin,
            0.0,
            0.5,
        );
    }

    /// `plan.eligibility`: minimum age and the waiting periods, the ineligible share of hires.
    fn check_eligibility(&self, p: &mut Problems) {
        let e = &self.eligibility;
        p.range_i(
            "plan.eligibility.minimum_age",
            e.minimum_age as f64,
            0.0,
            100.0,
        );
        p.range_i(
            "plan.eligibility.waiting_period_days",
            e.waiting_period_days as f64,
            0.0,
            3650.0,
        );
        p.range_i(
            "plan.eligibility.enrollment_waiting_period_days",
            e.enrollment_waiting_period_days as f64,
            0.0,
            3650.0,
        );
        p.range(
            "plan.eligibility.new_hire_ineligible_pct",
            e.new_hire_ineligible_pct,
            0.0,
            1.0,
        );
    }

    /// `plan.auto_enrollment`: the cutoff, window, default rate and opt-out.
    fn check_auto_enrollment(&self, p: &mut Problems) {
        let a = &self.auto_enrollment;
        p.optional_date("plan.auto_enrollment.hire_date_cutoff", &a.hire_date_cutoff);
        p.range_i(
            "plan.auto_enrollment.window_days",
            a.window_days as f64,
            0.0,
            365.0,
        );
        p.range(
            "plan.auto_enrollment.default_deferral_rate",
            a.default_deferral_rate,
            0.0,
            0.75,
        );
        p.range_i(
            "plan.auto_enrollment.opt_out_grace_period_days",
            a.opt_out_grace_period_days as f64,
            0.0,
            365.0,
        );
        // The youngest segment's rate is 1.8 T and must stay a probability.
        p.range(
            "plan.auto_enrollment.opt_out_target_rate",
            a.opt_out_target_rate,
            0.0,
            1.0 / 1.8 / 1.3,
        );
    }

    /// `plan.voluntary_enrollment`: the rate multiplier and bounds, the magnet, the proactive window.
    fn check_voluntary_enrollment(&self, p: &mut Problems) {
        let v = &self.voluntary_enrollment;
        p.range(
            "plan.voluntary_enrollment.rate_multiplier",
            v.rate_multiplier,
            0.0,
            5.0,
        );
        p.range(
            "plan.voluntary_enrollment.max_deferral_rate",
            v.max_deferral_rate,
            0.01,
            0.75,
        );
        p.range(
            "plan.voluntary_enrollment.match_magnet_snap_probability",
            v.match_magnet_snap_probability,
            0.0,
            1.0,
        );
        p.range_i(
            "plan.voluntary_enrollment.proactive_max_days",
            v.proactive_max_days as f64,
            v.proactive_min_days as f64,
            365.0,
        );
    }

    /// `plan.auto_escalation`: increment, maximum, cutoff and delay.
    fn check_auto_escalation(&self, p: &mut Problems) {
        let s = &self.auto_escalation;
        p.range("plan.auto_escalation.increment", s.increment, 0.0, 0.1);
        p.range(
            "plan.auto_escalation.maximum_rate",
            s.maximum_rate,
            0.0,
            0.75,
        );
        p.optional_date("plan.auto_escalation.hire_date_cutoff", &s.hire_date_cutoff);
        p.range_i(
            "plan.auto_escalation.first_escalation_delay_years",
            s.first_escalation_delay_years as f64,
            0.0,
            50.0,
        );
    }

    /// `plan.match_response`: the shares and factors (probabilities) and the dollar cap.
    fn check_match_response(&self, p: &mut Problems) {
        let r = &self.match_response;
        for (k, x) in [
            ("up_participation", r.up_participation),
            ("up_maximize", r.up_maximize),
            ("up_partial_factor", r.up_partial_factor),
            ("down_participation", r.down_participation),
            ("down_reduce_to_max", r.down_reduce_to_max),
            ("down_partial_factor", r.down_partial_factor),
        ] {
            p.range(&format!("plan.match_response.{k}"), x, 0.0, 1.0);
        }
        p.range(
            "plan.match_response.rate_cap_dollars",
            r.rate_cap_dollars,
            1.0,
            1e7,
        );
    }

    /// `plan.employer_match`: the tiers, the cap, the tenure-graded bands, the eligibility.
    fn check_employer_match(&self, p: &mut Problems) {
        let m = &self.employer_match;
        check_tiers(p, "plan.employer_match.tiers", &m.tiers);
        if let Some(cap) = m.cap {
            p.range("plan.employer_match.cap", cap, 0.0, 1.0);
        }
        if m.mode == MatchMode::TenureGraded {
            if m.tenure_tiers.is_empty() {
                p.push(
                    "plan.employer_match.tenure_tiers",
                    "must list at least one tenure band when mode = \"tenure_graded\"".into(),
                );
            } else if m.tenure_tiers[0].min_years != 0 {
                p.push(
                    "plan.employer_match.tenure_tiers[0].min_years",
                    format!(
                        "the first band must start at 0, got {}",
                        m.tenure_tiers[0].min_years
                    ),
                );
            }
            for (i, b) in m.tenure_tiers.iter().enumerate() {
                let key = format!("plan.employer_match.tenure_tiers[{i}]");
                check_tiers(p, &format!("{key}.tiers"), &b.tiers);
                if let Some(next) = m.tenure_tiers.get(i + 1) {
                    if next.min_years <= b.min_years {
                        p.push(
                            &format!("plan.employer_match.tenure_tiers[{}].min_years", i + 1),
                            format!(
                                "bands must be ascending: must be > {}, got {}",
                                b.min_years, next.min_years
                            ),
                        );
                    }
                }
                if let Some(max) = b.max_years {
                    if max <= b.min_years {
                        p.push(
                            &format!("{key}.max_years"),
                            format!("must be > min_years ({}), got {max}", b.min_years),
                        );
                    }
                }
            }
        }
        check_eligibility(p, "plan.employer_match.eligibility", &m.eligibility);
    }

    /// `plan.employer_core`: the rate, the schedule its status uses, the eligibility.
    fn check_employer_core(&self, p: &mut Problems) {
        let c = &self.employer_core;
        p.range("plan.employer_core.rate", c.rate, 0.0, 1.0);
        for (name, steps, needed) in [
            (
                "graded_schedule",
                &c.graded_schedule,
                c.status == CoreStatus::GradedByService,
            ),
            (
                "age_schedule",
                &c.age_schedule,
                c.status == CoreStatus::AgeBanded,
            ),
            (
                "points_schedule",
                &c.points_schedule,
                c.status == CoreStatus::PointsBased,
            ),
        ] {
            let key = format!("plan.employer_core.{name}");
            if needed && steps.is_empty() {
                p.push(
                    &key,
                    format!(
                        "must list at least one step when status uses it ({:?})",
                        c.status
                    ),
                );
            }
            for (i, s) in steps.iter().enumerate() {
                p.range(&format!("{key}[{i}].rate"), s.rate, 0.0, 1.0);
                if i > 0 && s.min <= steps[i - 1].min {
                    p.push(
                        &format!("{key}[{i}].min"),
                        format!(
                            "steps must be ascending: must be > {}, got {}",
                            steps[i - 1].min,
                            s.min
                        ),
                    );
                }
            }
        }
        check_eligibility(p, "plan.employer_core.eligibility", &c.eligibility);
    }

    /// `plan.vesting`: the hours threshold and a custom schedule (monotone, ending at 1.0).
    fn check_vesting(&self, p: &mut Problems) {
        let g = &self.vesting;
        p.range(
            "plan.vesting.hours_threshold",
            g.hours_threshold,
            0.0,
            8784.0,
        );
        if g.schedule == VestingSchedule::Custom {
            let t = &g.custom_schedule;
            if t.is_empty() {
                p.push(
                    "plan.vesting.custom_schedule",
                    "must list the vested share by year of service when schedule = \"custom\""
                        .into(),
                );
            }
            for (i, x) in t.iter().enumerate() {
                p.range(&format!("plan.vesting.custom_schedule[{i}]"), *x, 0.0, 1.0);
                if i > 0 && *x < t[i - 1] {
                    p.push(
                        &format!("plan.vesting.custom_schedule[{i}]"),
                        format!(
                            "schedule must be monotone (never decreasing): {x} after {}",
                            t[i - 1]
                        ),
                    );
                }
            }
            if t.last().is_some_and(|&x| x != 1.0) {
                p.push(
                    "plan.vesting.custom_schedule",
                    "must end fully vested (1.0)".into(),
                );
            }
        } else if !g.custom_schedule.is_empty() {
            p.push(
                "plan.vesting.custom_schedule",
                "is only used with schedule = \"custom\"".into(),
            );
        }
    }

    /// `plan.irs_limits`: every limit positive, no year twice, a row for every simulated
    /// year when the plan is enabled.
    fn check_irs_limits(&self, years: std::ops::RangeInclusive<i32>, p: &mut Problems) {
        if self.irs_limits.is_empty() {
            p.push(
                "plan.irs_limits",
                "must list the limits of every simulated year".into(),
            );
        }
        for (i, l) in self.irs_limits.iter().enumerate() {
            let key = format!("plan.irs_limits[{i}]");
            for (k, x) in [
                (
                    "elective_deferral_limit_402g",
                    l.elective_deferral_limit_402g,
                ),
                ("catch_up_total", l.catch_up_total),
                ("super_catch_up_total", l.super_catch_up_total),
                ("compensation_limit_401a17", l.compensation_limit_401a17),
                ("hce_threshold", l.hce_threshold),
                ("annual_additions_limit_415c", l.annual_additions_limit_415c),
                ("ss_wage_base", l.ss_wage_base),
            ] {
                p.range(&format!("{key}.{k}"), x, 1.0, 1e8);
            }
            if l.catch_up_total < l.elective_deferral_limit_402g {
                p.push(
                    &format!("{key}.catch_up_total"),
                    "is a total and must be >= elective_deferral_limit_402g".into(),
                );
            }
            if self.irs_limits[..i].iter().any(|o| o.year == l.year) {
                p.push(
                    &format!("{key}.year"),
                    format!("year {} is listed twice", l.year),
                );
            }
        }
        if self.enabled {
            for y in years {
                if !self.irs_limits.iter().any(|l| l.year == y) {
                    p.push(
                        "plan.irs_limits",
                        format!("limits missing for simulated year {y} (add a [[plan.irs_limits]] row with year = {y})"),
                    );
                }
            }
        }
    }
}

fn check_tiers(p: &mut Problems, key: &str, tiers: &[MatchTier]) {
    for (i, t) in tiers.iter().enumerate() {
        let k = format!("{key}[{i}]");
        p.range(&format!("{k}.employee_min"), t.employee_min, 0.0, 1.0);
        p.range(&format!("{k}.employee_max"), t.employee_max, 0.0, 1.0);
        p.range(&format!("{k}.match_rate"), t.match_rate, 0.0, 1.0);
        if t.employee_max <= t.employee_min {
            p.push(
                &format!("{k}.employee_max"),
                format!(
                    "must be > employee_min ({}), got {}",
                    t.employee_min, t.employee_max
                ),
            );
        }
        if i > 0 && t.employee_min < tiers[i - 1].employee_max {
            p.push(
                &format!("{k}.employee_min"),
                format!(
                    "tiers must be ascending and not overlap: must be >= {}, got {}",
                    tiers[i - 1].employee_max,
                    t.employee_min
                ),
            );
        }
    }
}

fn check_eligibility(p: &mut Problems, key: &str, e: &EmployerEligibilityConfig) {
    p.range(
        &format!("{key}.minimum_hours_annual"),
        e.minimum_hours_annual,
        0.0,
        8784.0,
    );
    p.range_i(
        &format!("{key}.minimum_tenure_years"),
        e.minimum_tenure_years as f64,
        0.0,
        50.0,
    );
}
