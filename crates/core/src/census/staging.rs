//! Census staging (docs/rules.md 1.2): de-duplication, the census plan-year window, census
//! eligibility and enrollment, job level, baseline age and tenure, and the baseline workforce.

use super::CensusRecord;
use crate::config::ValidConfig;
use crate::date::{self, Day, Iso};
use crate::decimal::round2;
use crate::error::RowProblem;

use crate::rules::job_level;
use crate::state::Workforce;
use serde::{Deserialize, Serialize};

/// Result of [`deduplicate`].
pub struct Dedup {
    pub records: Vec<CensusRecord>,
    /// Rows dropped by the rule.
    pub dropped: usize,
    /// Duplicates the rule cannot resolve (same id, hire date and compensation).
    pub problems: Vec<RowProblem>,
}

/// De-duplication (1.2.1): per employee_id keep the row with the latest hire date, ties broken
/// by the highest gross compensation. Rows still tied after that are an error: the rule cannot
/// choose, and silently picking one would make the result depend on file order.
pub fn deduplicate(rows: Vec<(u64, CensusRecord)>, unit: &'static str) -> Dedup {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&a, &b| {
        rows[a]
            .1
            .employee_id
            .cmp(&rows[b].1.employee_id)
            .then(a.cmp(&b))
    });
    let mut keep = vec![false; rows.len()];
    let mut problems = Vec::new();
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && rows[order[j]].1.employee_id == rows[order[i]].1.employee_id {
            j += 1;
        }
        let group = &order[i..j];
        let best = *group
            .iter()
            .max_by(|&&a, &&b| {
                let (ra, rb) = (&rows[a].1, &rows[b].1);
                ra.employee_hire_date
                    .cmp(&rb.employee_hire_date)
                    .then(
                        ra.employee_gross_compensation
                            .total_cmp(&rb.employee_gross_compensation),
                    )
                    .then(b.cmp(&a))
            })
            .expect("non-empty group");
        let tied: Vec<usize> = group
            .iter()
            .copied()
            .filter(|&k| {
                rows[k].1.employee_hire_date == rows[best].1.employee_hire_date
                    && rows[k].1.employee_gross_compensation
                        == rows[best].1.employee_gross_compensation
            })
            .collect();
        if tied.len() > 1 {
            let lines: Vec<String> = tied.iter().map(|&k| rows[k].0.to_string()).collect();
            for &k in &tied {
                problems.push(RowProblem {
                    line: rows[k].0,
                    unit,
                    column: "employee_id".into(),
                    rule: format!(
                        "duplicate employee_id {:?} ({unit}s {}) with the same hire date and compensation: the de-duplication rule (latest hire date, then highest compensation) cannot choose",
                        rows[k].1.employee_id,
                        lines.join(", ")
                    ),
                });
            }
        }
        keep[best] = true;
        i = j;
    }
    problems.sort_by_key(|p| p.line);
    let dropped = keep.iter().filter(|k| !**k).count();
    let records = rows
        .into_iter()
        .zip(keep)
        .filter_map(|((_, r), k)| k.then_some(r))
        .collect();
    Dedup {
        records,
        dropped,
        problems,
    }
}

/// One staged census row (the `census` table of the store).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StagedRow {
    pub record: CensusRecord,
    pub days_active: i32,
    pub plan_year_compensation: f64,
    pub annualized_compensation: f64,
    pub eligibility_date: Day,
    /// `eligible` or `pending` (1.2.3).
    pub eligibility_status: &'static str,
    pub enrollment_date: Option<Day>,
    pub is_enrolled_at_census: bool,
    pub level_id: u8,
    pub age: u16,
    pub tenure: u16,
    /// In the baseline workforce (no termination date).
    pub in_baseline: bool,
}

/// The staged census and the baseline workforce of the start year.
#[derive(Debug, Clone)]
pub struct StagedCensus {
    pub rows: Vec<StagedRow>,
    pub baseline: Workforce,
}

/// Stages de-duplicated census rows (1.2.2-1.2.9) and builds P(start), sorted by employee_id.
pub fn stage(records: &[CensusRecord], config: &ValidConfig) -> StagedCensus {
    let (py_start, py_end) = config.census_plan_year();
    let census_year = date::year_of(py_end);
    let start_year_end = date::dec31(config.simulation.start_year);
    let waiting = config.census.eligibility_waiting_period_days as i32;
    let mut rows: Vec<StagedRow> = records
        .iter()
        .map(|r| {
            let hire = r.employee_hire_date;
            let active_start = hire.max(py_start);
            let active_end = r.employee_termination_date.unwrap_or(py_end).min(py_end);
            let days_active =
                if hire > py_end || r.employee_termination_date.is_some_and(|t| t < py_start) {
                    0
                } else {
                    (active_end - active_start + 1).max(0)
                };
            let gross = r.employee_gross_compensation;
            let eligibility_date = hire + waiting;
            let rate = r.employee_deferral_rate.unwrap_or(0.0);
            let tenure = if hire > start_year_end {
                0
            } else {
                ((start_year_end - hire) as i64 * 100 / 36_525) as u16
            };
            StagedRow {
                days_active,
                plan_year_compensation: round2(gross * days_active as f64 / 365.0),
                annualized_compensation: gross,
                eligibility_date,
                eligibility_status: if eligibility_date <= py_end {
                    "eligible"
                } else {
                    "pending"
                },
                enrollment_date: (rate > 0.0).then_some(py_end),
                is_enrolled_at_census: rate > 0.0,
                level_id: job_level::level_for(
                    gross,
                    &config.job_levels,
                    config.census.level_mapping,
                ),
                age: (census_year - date::year_of(r.employee_birth_date)).clamp(0, u16::MAX as i32)
                    as u16,
                tenure,
                in_baseline: r.employee_termination_date.is_none(),
                record: r.clone(),
            }
        })
        .collect();
    rows.sort_by(|a, b| a.record.employee_id.cmp(&b.record.employee_id));
    let mut baseline = Workforce::with_capacity(rows.len());
    for s in rows.iter().filter(|s| s.in_baseline) {
        let r = &s.record;
        baseline.push(crate::state::workforce::Employee {
            employee_id: r.employee_id.clone(),
            employee_ssn: r.employee_ssn.clone(),
            birth_date: r.employee_birth_date,
            hire_date: r.employee_hire_date,
            compensation: r.employee_gross_compensation,
            level: s.level_id,
            age: s.age,
            tenure: s.tenure,
            scheduled_hours: r.scheduled_hours_per_week,
            eligibility_date: s.eligibility_date,
            waiting_period_days: waiting as u16,
            plan: crate::state::PlanCarry::from_census(
                r.employee_deferral_rate,
                r.eligibility_override,
                r.auto_escalation_opt_out,
                s.eligibility_status == "eligible",
                py_end,
            ),
        });
    }
    tracing::debug!(rows = rows.len(), baseline = baseline.len(), census_end = %Iso(py_end), "staged census");
    StagedCensus { rows, baseline }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: &str, hire: Day, comp: f64) -> CensusRecord {
        CensusRecord {
            employee_id: id.into(),
            employee_ssn: format!("SSN-{id}"),
            employee_birth_date: date::days_from_civil(1980, 5, 1),
            employee_hire_date: hire,
            employee_termination_date: None,
            employee_gross_compensation: comp,
            active: None,
            employee_deferral_rate: None,
            scheduled_hours_per_week: None,
            auto_escalation_opt_out: None,
            eligibility_override: None,
        }
    }

    #[test]
    fn dedup_keeps_latest_hire_then_highest_pay() {
        let d1 = date::days_from_civil(2020, 1, 1);
        let d2 = date::days_from_civil(2021, 1, 1);
        let rows = vec![
            (2, rec("A", d1, 90_000.0)),
            (3, rec("A", d2, 60_000.0)),
            (4, rec("B", d1, 50_000.0)),
            (5, rec("B", d1, 70_000.0)),
        ];
        let d = deduplicate(rows, "line");
        assert!(d.problems.is_empty());
        assert_eq!(d.dropped, 2);
        assert_eq!(d.records.len(), 2);
        assert_eq!(d.records[0].employee_hire_date, d2);
        assert_eq!(d.records[1].employee_gross_compensation, 70_000.0);
    }

    #[test]
    fn dedup_reports_unresolvable_ties() {
        let d1 = date::days_from_civil(2020, 1, 1);
        let d = deduplicate(vec![(2, rec("A", d1, 1.0)), (7, rec("A", d1, 1.0))], "line");
        assert_eq!(d.problems.len(), 2);
        assert_eq!(d.problems[0].line, 2);
        assert!(
            d.problems[0].rule.contains("lines 2, 7"),
            "{}",
            d.problems[0].rule
        );
    }

    #[test]
    fn staging_derives_age_tenure_level_and_window() {
        let config = crate::config::Config::default().validate().unwrap();
        let mut r = rec("A", date::days_from_civil(2024, 7, 1), 85_000.0);
        r.employee_birth_date = date::days_from_civil(1990, 12, 31);
        r.employee_deferral_rate = Some(0.06);
        let s = stage(&[r], &config);
        let row = &s.rows[0];
        assert_eq!(row.age, 34);
        assert_eq!(row.tenure, 1); // (2025-12-31 - 2024-07-01) = 548 days / 365.25
        assert_eq!(row.level_id, 2);
        assert_eq!(row.days_active, 184);
        assert_eq!(row.plan_year_compensation, round2(85_000.0 * 184.0 / 365.0));
        assert_eq!(row.eligibility_status, "eligible");
        assert_eq!(row.enrollment_date, Some(date::dec31(2024)));
        assert_eq!(s.baseline.len(), 1);
    }

    #[test]
    fn rate_normalisation() {
        assert_eq!(crate::rules::enrollment::normalise_deferral_rate(6.0), 0.06);
        assert_eq!(crate::rules::enrollment::normalise_deferral_rate(0.9), 0.75);
        assert_eq!(
            crate::rules::enrollment::normalise_deferral_rate(0.05),
            0.05
        );
    }
}
