//! The frames a year starts from: the counts of steps 1-2, P(N) as a `DataFrame`, the
//! per-level parameters.

use ::polars::prelude::*;
use workforce_sim_core::engine::foundation::{prior_hire_window, WorkforceCounts};
use workforce_sim_core::engine::{Foundation, YearContext};
use workforce_sim_core::state::Workforce;

// ---- the frames ---------------------------------------------------------------------------

pub(crate) fn workforce_counts(
    ctx: &YearContext<'_>,
    prior: &Workforce,
) -> PolarsResult<WorkforceCounts> {
    let recent =
        prior_hire_window(ctx).map_or(lit(false), |from| col("hire_date").gt_eq(lit(from)));
    let df = DataFrame::new_infer_height(vec![
        Column::new("level".into(), prior.level.clone()),
        Column::new("hire_date".into(), prior.hire_date.clone()),
    ])?
    .lazy()
    .group_by([col("level")])
    .agg([
        len().cast(DataType::UInt64).alias("n"),
        recent.cast(DataType::UInt64).sum().alias("recent"),
    ])
    .collect()?;
    let l = column!(df, "level", u8)?;
    let n = column!(df, "n", u64)?;
    let h = column!(df, "recent", u64)?;
    Ok(WorkforceCounts::from_level_rows(
        ctx.config.job_levels.len(),
        l.into_no_null_iter()
            .zip(n.into_no_null_iter())
            .zip(h.into_no_null_iter())
            .map(|((l, n), h)| (l, n, h)),
    ))
}

pub(crate) fn prior_frame(prior: &Workforce) -> PolarsResult<DataFrame> {
    let p = &prior.plan;
    DataFrame::new_infer_height(vec![
        Column::new("i".into(), (0..prior.len() as u32).collect::<Vec<u32>>()),
        Column::new(
            "employee_id".into(),
            prior
                .employee_id
                .iter()
                .map(|s| &**s)
                .collect::<Vec<&str>>(),
        ),
        Column::new("id_key".into(), prior.id_key.clone()),
        Column::new("level".into(), prior.level.clone()),
        Column::new("age".into(), prior.age.clone()),
        Column::new("tenure".into(), prior.tenure.clone()),
        Column::new("comp".into(), prior.compensation.clone()),
        Column::new("hire_date".into(), prior.hire_date.clone()),
        Column::new(
            "ineligible".into(),
            p.iter().map(|c| c.plan_ineligible).collect::<Vec<bool>>(),
        ),
        Column::new(
            "elig_date".into(),
            p.iter()
                .map(|c| c.plan_eligibility_date)
                .collect::<Vec<Option<i32>>>(),
        ),
        Column::new(
            "enrolled".into(),
            p.iter().map(|c| c.enrolled).collect::<Vec<bool>>(),
        ),
        Column::new(
            "ever_opted_out".into(),
            p.iter().map(|c| c.ever_opted_out).collect::<Vec<bool>>(),
        ),
        Column::new(
            "rate".into(),
            p.iter().map(|c| c.deferral_rate).collect::<Vec<f64>>(),
        ),
        Column::new(
            "census_esc_opt_out".into(),
            p.iter()
                .map(|c| c.census_escalation_opt_out)
                .collect::<Vec<bool>>(),
        ),
        Column::new(
            "last_change_year".into(),
            p.iter()
                .map(|c| c.last_rate_change_year)
                .collect::<Vec<i32>>(),
        ),
        Column::new(
            "first_enroll_year".into(),
            p.iter()
                .map(|c| c.first_enrollment_year)
                .collect::<Vec<i32>>(),
        ),
    ])
}

pub(crate) fn level_frame(ctx: &YearContext<'_>, f: &Foundation) -> PolarsResult<DataFrame> {
    let levels = ctx.config.job_levels.len();
    DataFrame::new_infer_height(vec![
        Column::new("level".into(), (1..=levels as u8).collect::<Vec<u8>>()),
        Column::new("term_quota".into(), f.termination_quotas.clone()),
        Column::new("merit".into(), ctx.params.merit.clone()),
    ])
}
