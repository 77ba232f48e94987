//! The year's small tables: workforce needs, the year summary, employer cost by hire
//! cohort, the compliance tests, weekly balances and the stage timings.

use super::columns::{arrow, decimal, strings, total};
use crate::StoreError;
use duckdb::arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, Float64Array, Int32Array, Int64Array,
    StringArray, UInt64Array,
};
use duckdb::arrow::error::ArrowError;
use duckdb::arrow::record_batch::RecordBatch;
use std::sync::Arc;
use workforce_sim_core::engine::Foundation;
use workforce_sim_core::report::YearSummary;
use workforce_sim_core::state::Snapshot;

/// The `workforce_needs` row of a year.
pub(crate) fn needs_batch(f: &Foundation) -> Result<RecordBatch, StoreError> {
    let n = &f.needs;
    let quotas = |q: &[u64]| {
        q.iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    let int = |v: i64| Arc::new(Int64Array::from(vec![v])) as ArrayRef;
    let text = |v: &str| Arc::new(StringArray::from(vec![v])) as ArrayRef;
    RecordBatch::try_from_iter([
        (
            "simulation_year",
            Arc::new(Int32Array::from(vec![f.year])) as ArrayRef,
        ),
        ("n_start", int(n.n_start as i64)),
        ("experienced", int(n.experienced as i64)),
        ("prior_year_hires", int(n.prior_year_hires as i64)),
        ("target_ending", int(n.target_ending as i64)),
        (
            "expected_experienced_terminations",
            int(n.expected_experienced_terminations as i64),
        ),
        ("survivors", int(n.survivors)),
        ("net_from_hires", int(n.net_from_hires)),
        ("hires", int(n.hires as i64)),
        (
            "implied_new_hire_terminations",
            int(n.implied_new_hire_terminations as i64),
        ),
        ("rif_terminations", int(n.rif_terminations as i64)),
        (
            "total_experienced_terminations",
            int(n.total_experienced_terminations as i64),
        ),
        ("balance_error", int(n.balance_error)),
        ("balance_status", text(n.balance_status())),
        ("failed_guards", text(&n.failed_guards.join(","))),
        ("termination_quotas", text(&quotas(&f.termination_quotas))),
        ("hire_quotas", text(&quotas(&f.hire_quotas))),
    ])
    .map_err(arrow("workforce_needs"))
}

/// The `year_summary` row of a year.
pub(crate) fn summary_batch(s: &YearSummary) -> Result<RecordBatch, StoreError> {
    let int = |v: u64| Arc::new(Int64Array::from(vec![v as i64])) as ArrayRef;
    let dbl = |v: f64| Arc::new(Float64Array::from(vec![v])) as ArrayRef;
    let go = || -> Result<RecordBatch, ArrowError> {
        let cash = |v: f64| decimal(Decimal128Array::from(vec![total(v)]), 18, 2);
        RecordBatch::try_from_iter([
            (
                "simulation_year",
                Arc::new(Int32Array::from(vec![s.year])) as ArrayRef,
            ),
            ("starting_headcount", int(s.starting_headcount)),
            ("hires", int(s.hires)),
            ("experienced_terminations", int(s.experienced_terminations)),
            ("new_hire_terminations", int(s.new_hire_terminations)),
            ("promotions", int(s.promotions)),
            ("raises", int(s.raises)),
            ("ending_headcount", int(s.ending_headcount)),
            ("target_ending", int(s.target_ending)),
            ("total_events", int(s.total_events)),
            ("snapshot_rows", int(s.snapshot_rows)),
            ("payroll", cash(s.payroll)?),
            ("prorated_payroll", cash(s.prorated_payroll)?),
            ("eligible", int(s.eligible)),
            ("participants", int(s.participants)),
            ("participation_rate", dbl(s.participation_rate)),
            ("average_deferral_rate", dbl(s.average_deferral_rate)),
            ("enrollments", int(s.enrollments)),
            ("opt_outs", int(s.opt_outs)),
            ("escalations", int(s.escalations)),
            ("match_responses", int(s.match_responses)),
            ("employee_contributions", cash(s.employee_contributions)?),
            ("employer_match", cash(s.employer_match)?),
            ("employer_core", cash(s.employer_core)?),
            ("forfeitures", cash(s.forfeitures)?),
            ("hce_count", int(s.hce_count)),
        ])
    };
    go().map_err(arrow("year_summary"))
}

/// The year's `employer_cost_by_cohort` rows.
pub(crate) fn cohort_batch(s: &Snapshot) -> Result<RecordBatch, StoreError> {
    let rows = workforce_sim_core::cohort_cost::by_hire_cohort(s);
    let go = || -> Result<RecordBatch, ArrowError> {
        let cash = |f: &dyn Fn(&workforce_sim_core::cohort_cost::CohortCost) -> f64| {
            decimal(
                Decimal128Array::from_iter_values(rows.iter().map(|r| total(f(r)))),
                18,
                2,
            )
        };
        RecordBatch::try_from_iter([
            (
                "simulation_year",
                Arc::new(Int32Array::from_iter_values(
                    rows.iter().map(|r| r.simulation_year),
                )) as ArrayRef,
            ),
            (
                "hire_cohort",
                Arc::new(Int32Array::from_iter_values(
                    rows.iter().map(|r| r.hire_cohort),
                )),
            ),
            (
                "headcount",
                Arc::new(Int64Array::from_iter_values(
                    rows.iter().map(|r| r.headcount as i64),
                )),
            ),
            ("employer_match", cash(&|r| r.employer_match)?),
            ("employer_core", cash(&|r| r.employer_core)?),
            ("forfeitures", cash(&|r| r.forfeitures)?),
            ("net_employer_cost", cash(&|r| r.net_employer_cost)?),
        ])
    };
    go().map_err(arrow("employer_cost_by_cohort"))
}

/// The year's `compliance_tests` rows (`nhce_current_average`: the year's own NHCE average,
/// which the next year's prior-year testing reads back on a resume).
pub(crate) fn compliance_batch(
    tests: &[workforce_sim_core::nondiscrimination::ComplianceTest],
) -> Result<RecordBatch, StoreError> {
    let t = || tests.iter();
    let opt =
        |f: &dyn Fn(&workforce_sim_core::nondiscrimination::ComplianceTest) -> Option<f64>| {
            Arc::new(Float64Array::from_iter(t().map(f))) as ArrayRef
        };
    let int = |f: &dyn Fn(&workforce_sim_core::nondiscrimination::ComplianceTest) -> u64| {
        Arc::new(Int64Array::from_iter_values(t().map(|r| f(r) as i64))) as ArrayRef
    };
    let go = || -> Result<RecordBatch, ArrowError> {
        RecordBatch::try_from_iter([
            (
                "simulation_year",
                Arc::new(Int32Array::from_iter_values(t().map(|r| r.simulation_year))) as ArrayRef,
            ),
            ("test", strings(t().map(|r| r.test.as_str()))),
            (
                "method",
                Arc::new(StringArray::from_iter(
                    t().map(|r| r.method.map(|m| m.as_str())),
                )),
            ),
            ("status", strings(t().map(|r| r.status.as_str()))),
            (
                "passed",
                Arc::new(BooleanArray::from_iter(t().map(|r| Some(r.passed())))),
            ),
            ("hce_count", int(&|r| r.hce_count)),
            ("nhce_count", int(&|r| r.nhce_count)),
            ("hce_average", opt(&|r| r.hce_average)),
            ("nhce_average", opt(&|r| r.nhce_average)),
            (
                "nhce_year",
                Arc::new(Int32Array::from_iter(t().map(|r| r.nhce_year))),
            ),
            ("basic_limit", opt(&|r| r.basic_limit)),
            ("alternative_limit", opt(&|r| r.alternative_limit)),
            ("applied_limit", opt(&|r| r.applied_limit)),
            ("margin", opt(&|r| r.margin)),
            (
                "excess",
                decimal(
                    Decimal128Array::from_iter_values(t().map(|r| total(r.excess))),
                    18,
                    2,
                )?,
            ),
            ("at_limit", int(&|r| r.at_limit)),
            ("capped", int(&|r| r.capped)),
            ("at_risk", int(&|r| r.at_risk)),
            ("nhce_current_average", opt(&|r| r.nhce_current_average)),
        ])
    };
    go().map_err(arrow("compliance_tests"))
}

/// The year's weekly balances (`weekly_balances`), in the builder's order (participants by
/// `employee_key`, then Friday), so the key's zone maps find one participant's rows.
pub(crate) fn balances_batch(
    b: &workforce_sim_core::balances::WeeklyBalances,
    snapshot: &Snapshot,
) -> Result<RecordBatch, StoreError> {
    let n = b.len();
    let cents = |v: &[i64]| {
        decimal(
            Decimal128Array::from_iter_values(v.iter().map(|&c| c as i128)),
            15,
            2,
        )
    };
    let go = || -> Result<RecordBatch, ArrowError> {
        RecordBatch::try_from_iter([
            (
                "simulation_year",
                Arc::new(Int32Array::from(vec![b.year; n])) as ArrayRef,
            ),
            (
                "employee_key",
                Arc::new(UInt64Array::from_iter_values(
                    b.position.iter().map(|&p| snapshot.id_key[p as usize]),
                )),
            ),
            (
                "employee_id",
                strings(
                    b.position
                        .iter()
                        .map(|&p| &*snapshot.employee_id[p as usize]),
                ),
            ),
            (
                "week_ending",
                Arc::new(Date32Array::from(b.week_ending.clone())),
            ),
            ("employee_pre_tax_balance", cents(&b.employee_pre_tax)?),
            ("employee_roth_balance", cents(&b.employee_roth)?),
            ("employee_catch_up_balance", cents(&b.employee_catch_up)?),
            ("employer_match_balance", cents(&b.employer_match)?),
            ("employer_core_balance", cents(&b.employer_core)?),
            ("vested_balance", cents(&b.vested)?),
            ("unvested_balance", cents(&b.unvested)?),
            ("ytd_employee_contributions", cents(&b.ytd_employee)?),
            ("ytd_employer_contributions", cents(&b.ytd_employer)?),
        ])
    };
    go().map_err(arrow("weekly_balances"))
}

/// The `stage_timings` rows of one year.
pub(crate) fn timings_batch(
    year: Option<i32>,
    timings: &[(String, f64)],
) -> Result<RecordBatch, StoreError> {
    RecordBatch::try_from_iter([
        (
            "simulation_year",
            Arc::new(Int32Array::from(vec![year; timings.len()])) as ArrayRef,
        ),
        ("stage", strings(timings.iter().map(|t| t.0.as_str()))),
        (
            "seconds",
            Arc::new(Float64Array::from_iter_values(timings.iter().map(|t| t.1))),
        ),
    ])
    .map_err(arrow("stage_timings"))
}
