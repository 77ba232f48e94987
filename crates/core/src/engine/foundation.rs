//! Steps 1-2 of docs/rules.md 3.0, shared by every engine: the counts of the start-of-year
//! workforce P(N) that the solver reads, and the exact arithmetic on them (the workforce needs
//! of 3.2 and the level quotas of 3.3). Each engine takes the counts its own way (a pass over
//! the columns, a `GROUP BY level`, a Polars `group_by`); a handful of integer and decimal
//! operations on a few numbers follow, the same for all.

use super::{EngineError, YearContext};
use crate::date::{self, Day};
use crate::rules::workforce_needs::WorkforceNeeds;
use crate::rules::{level_quotas, workforce_needs};
use crate::state::Workforce;
use serde::{Deserialize, Serialize};

/// The foundation of a year: the solver's needs and the level quotas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Foundation {
    pub year: i32,
    pub needs: WorkforceNeeds,
    /// Experienced-termination quota per level (index 0 = level 1).
    pub termination_quotas: Vec<u64>,
    /// Hires per level.
    pub hire_quotas: Vec<u64>,
}

/// Steps 1-2: the solver's needs from the start-of-year headcount and last year's hires, then
/// the level quotas. Arithmetic on a handful of counts, shared by every engine.
pub fn foundation(ctx: &YearContext<'_>, prior: &Workforce) -> Result<Foundation, EngineError> {
    foundation_from_counts("native", ctx, &workforce_counts(ctx, prior))
}

/// The aggregates of P(N) that steps 1-2 read. Each engine counts them its own way (a pass
/// over the columns, a `GROUP BY level`, a Polars `group_by`); the arithmetic on them is
/// [`foundation_from_counts`], shared, because it is a handful of exact integer and decimal
/// operations on a few numbers, not work over the workforce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkforceCounts {
    /// Active headcount at the start of the year.
    pub headcount: u64,
    /// Of them, hired during the previous simulated year (0 in the first year).
    pub prior_hires: u64,
    /// Headcount by level (index 0 = level 1).
    pub by_level: Vec<u64>,
}

impl WorkforceCounts {
    /// The counts from `(level, headcount, last year's hires)` rows, one per level present
    /// (the shape a `GROUP BY level` returns); `levels` is the number of job levels.
    pub fn from_level_rows(levels: usize, rows: impl IntoIterator<Item = (u8, u64, u64)>) -> Self {
        let mut counts = WorkforceCounts {
            headcount: 0,
            prior_hires: 0,
            by_level: vec![0; levels],
        };
        for (level, n, recent) in rows {
            counts.headcount += n;
            counts.prior_hires += recent;
            if let Some(slot) = counts.by_level.get_mut((level as usize).wrapping_sub(1)) {
                *slot = n;
            }
        }
        counts
    }
}

/// The first day of the window whose hires count as last year's new hires (3.2), or `None`
/// in the first simulated year (the census year's hires are experienced), unless
/// `workforce.census_year_hires_are_new` says they are last year's hires.
pub fn prior_hire_window(ctx: &YearContext<'_>) -> Option<Day> {
    (ctx.year != ctx.config.simulation.start_year || ctx.config.workforce.census_year_hires_are_new)
        .then(|| date::jan1(ctx.year - 1))
}

/// [`WorkforceCounts`] by one pass over the columns.
pub fn workforce_counts(ctx: &YearContext<'_>, prior: &Workforce) -> WorkforceCounts {
    WorkforceCounts {
        headcount: prior.len() as u64,
        prior_hires: prior_hire_window(ctx).map_or(0, |from| {
            prior.hire_date.iter().filter(|&&h| h >= from).count() as u64
        }),
        by_level: prior.level_counts(ctx.config.job_levels.len()),
    }
}

/// Steps 1-2 of docs/rules.md 3.0 from the counts: workforce needs (3.2) and level quotas (3.3).
/// `engine` names the engine that took the counts, for the error of a rate the solver cannot
/// use (validation rejects such rates first, so that is a configuration built without it).
pub fn foundation_from_counts(
    engine: &'static str,
    ctx: &YearContext<'_>,
    counts: &WorkforceCounts,
) -> Result<Foundation, EngineError> {
    let c = ctx.config;
    let n = counts.headcount;
    let error = |e: crate::rules::workforce_needs::RateError| EngineError {
        engine,
        year: ctx.year,
        step: "workforce needs",
        message: e.to_string(),
    };
    let needs = workforce_needs::solve(
        n,
        n - counts.prior_hires,
        counts.prior_hires,
        c.simulation.target_growth_rate,
        c.workforce.total_termination_rate,
        c.workforce.new_hire_termination_rate,
    )
    .map_err(error)?;
    let termination_quotas =
        level_quotas::termination_quotas(needs.total_experienced_terminations, &counts.by_level);
    let weights: Vec<u128> = if c.hiring.level_distribution.is_empty() {
        counts.by_level.iter().map(|&x| x as u128).collect()
    } else {
        level_quotas::decimal_weights(&c.hiring.level_distribution).map_err(error)?
    };
    let hire_quotas = level_quotas::hire_quotas(needs.hires, &weights);
    Ok(Foundation {
        year: ctx.year,
        needs,
        termination_quotas,
        hire_quotas,
    })
}
