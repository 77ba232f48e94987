//! The per-year metrics an ensemble is summarised on: what a plan analyst compares between
//! designs (headcount and payroll, participation, and what the plan costs the employer).

use workforce_sim_core::report::YearSummary;

/// One per-year metric of a run.
/// Written by its [`Metric::name`] (JSON output).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(into = "&'static str")]
pub enum Metric {
    Headcount,
    Hires,
    Terminations,
    Payroll,
    Eligible,
    Participants,
    ParticipationRate,
    AverageDeferralRate,
    EmployeeDeferrals,
    EmployerMatch,
    EmployerCore,
    /// Match plus core: what the plan costs the employer in the year.
    EmployerCost,
    Forfeitures,
    HceCount,
}

impl Metric {
    pub const ALL: [Metric; 14] = [
        Metric::Headcount,
        Metric::Hires,
        Metric::Terminations,
        Metric::Payroll,
        Metric::Eligible,
        Metric::Participants,
        Metric::ParticipationRate,
        Metric::AverageDeferralRate,
        Metric::EmployeeDeferrals,
        Metric::EmployerMatch,
        Metric::EmployerCore,
        Metric::EmployerCost,
        Metric::Forfeitures,
        Metric::HceCount,
    ];

    /// The column and key name (`employer_cost`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Metric::Headcount => "headcount",
            Metric::Hires => "hires",
            Metric::Terminations => "terminations",
            Metric::Payroll => "payroll",
            Metric::Eligible => "eligible",
            Metric::Participants => "participants",
            Metric::ParticipationRate => "participation_rate",
            Metric::AverageDeferralRate => "average_deferral_rate",
            Metric::EmployeeDeferrals => "employee_deferrals",
            Metric::EmployerMatch => "employer_match",
            Metric::EmployerCore => "employer_core",
            Metric::EmployerCost => "employer_cost",
            Metric::Forfeitures => "forfeitures",
            Metric::HceCount => "hce_count",
        }
    }

    /// The metric in words, for people (`Employer cost`).
    pub fn label(self) -> &'static str {
        match self {
            Metric::Headcount => "Headcount",
            Metric::Hires => "Hires",
            Metric::Terminations => "Terminations",
            Metric::Payroll => "Payroll",
            Metric::Eligible => "Eligible",
            Metric::Participants => "Participants",
            Metric::ParticipationRate => "Participation rate",
            Metric::AverageDeferralRate => "Average deferral rate",
            Metric::EmployeeDeferrals => "Employee deferrals",
            Metric::EmployerMatch => "Employer match",
            Metric::EmployerCore => "Employer core",
            Metric::EmployerCost => "Employer cost",
            Metric::Forfeitures => "Forfeitures",
            Metric::HceCount => "HCE count",
        }
    }

    /// Whether the metric is money (dollars).
    pub fn is_money(self) -> bool {
        matches!(
            self,
            Metric::Payroll
                | Metric::EmployeeDeferrals
                | Metric::EmployerMatch
                | Metric::EmployerCore
                | Metric::EmployerCost
                | Metric::Forfeitures
        )
    }

    pub fn parse(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == name)
    }

    /// The metric's value in a year's summary, as the batch database stores it (money in
    /// cents, read back as dollars), so a merged batch gives the same statistics as the
    /// unsharded one. Terminations are experienced plus new-hire terminations; headcount is
    /// the year-end active headcount.
    pub fn value(self, s: &YearSummary) -> f64 {
        let money = workforce_sim_store::batch_output::stored_money;
        match self {
            Metric::Headcount => s.ending_headcount as f64,
            Metric::Hires => s.hires as f64,
            Metric::Terminations => (s.experienced_terminations + s.new_hire_terminations) as f64,
            Metric::Payroll => money(s.payroll),
            Metric::Eligible => s.eligible as f64,
            Metric::Participants => s.participants as f64,
            Metric::ParticipationRate => s.participation_rate,
            Metric::AverageDeferralRate => s.average_deferral_rate,
            Metric::EmployeeDeferrals => money(s.employee_contributions),
            Metric::EmployerMatch => money(s.employer_match),
            Metric::EmployerCore => money(s.employer_core),
            Metric::EmployerCost => workforce_sim_store::batch_output::stored_cost(s),
            Metric::Forfeitures => money(s.forfeitures),
            Metric::HceCount => s.hce_count as f64,
        }
    }
}

impl From<Metric> for &'static str {
    fn from(m: Metric) -> Self {
        m.name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for m in Metric::ALL {
            assert_eq!(Metric::parse(m.name()), Some(m));
        }
        assert_eq!(Metric::parse("nope"), None);
    }
}
