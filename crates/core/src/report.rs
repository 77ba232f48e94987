//! The run report (docs/rules.md 6.5): per year headcounts, hires, terminations, promotions,
//! raises and payroll, and the plan's participation, average deferral rate and contribution
//! totals; per stage wall time. Available as a struct, JSON and a terminal table.

use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// SQL statements and bulk appends a store issued for a run (counted by the store's one
/// executor; zero for a run kept in memory).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatementCounts {
    /// SQL statements executed, as the store's executor counted them.
    pub sql: u64,
    /// Record batches handed to the Appender.
    pub appends: u64,
    /// With `RunOptions::audit_statements`: the statements DuckDB's own query log recorded,
    /// an independent count of `sql`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audited: Option<u64>,
    /// Per table, what the store appended over the run (a DuckDB file's; empty in memory):
    /// where the write's rows, bytes and appender time go (issue 31's measurement).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<TableWrite>,
}

/// What the store appended to one table over a run: batches, rows, their size as Arrow
/// arrays, and the time inside DuckDB's appender (each year's commit and the checkpoint,
/// where DuckDB compresses and writes the blocks, are not in it: they are the persistence
/// stage's remainder).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TableWrite {
    pub table: String,
    pub appends: u64,
    pub rows: u64,
    pub arrow_bytes: u64,
    pub seconds: f64,
}

/// One row of `year_summary`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct YearSummary {
    pub year: i32,
    pub starting_headcount: u64,
    pub hires: u64,
    pub experienced_terminations: u64,
    pub new_hire_terminations: u64,
    pub promotions: u64,
    pub raises: u64,
    pub ending_headcount: u64,
    pub target_ending: u64,
    pub total_events: u64,
    pub snapshot_rows: u64,
    pub payroll: f64,
    pub prorated_payroll: f64,
    /// Active employees with plan eligibility status `eligible` at year end.
    pub eligible: u64,
    /// Active employees deferring (rate > 0) at year end.
    pub participants: u64,
    /// participants / eligible actives.
    pub participation_rate: f64,
    /// Mean year-end deferral rate of the participants.
    pub average_deferral_rate: f64,
    pub enrollments: u64,
    pub opt_outs: u64,
    pub escalations: u64,
    pub match_responses: u64,
    pub employee_contributions: f64,
    pub employer_match: f64,
    pub employer_core: f64,
    pub forfeitures: f64,
    pub hce_count: u64,
}

/// The stages of a simulated year, in order (plus the one-off initialization).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Initialization,
    Foundation,
    EventGeneration,
    StateAccumulation,
    Validation,
    Reporting,
    Persistence,
}

impl Stage {
    pub const YEARLY: [Stage; 6] = [
        Stage::Foundation,
        Stage::EventGeneration,
        Stage::StateAccumulation,
        Stage::Validation,
        Stage::Reporting,
        Stage::Persistence,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Initialization => "initialization",
            Stage::Foundation => "foundation",
            Stage::EventGeneration => "event_generation",
            Stage::StateAccumulation => "state_accumulation",
            Stage::Validation => "validation",
            Stage::Reporting => "reporting",
            Stage::Persistence => "persistence",
        }
    }
}

/// Wall time of one stage (of one year, or of the run for initialization).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageTiming {
    pub year: Option<i32>,
    pub stage: Stage,
    pub seconds: f64,
}

/// One simulated year of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearReport {
    #[serde(flatten)]
    pub summary: YearSummary,
    /// Ending over starting headcount, minus 1.
    pub growth: f64,
    pub validation_warnings: Vec<String>,
    /// Employer cost by hire cohort ([`crate::cohort_cost`]).
    #[serde(default)]
    pub cohort_costs: Vec<crate::cohort_cost::CohortCost>,
    /// The plan year's nondiscrimination tests ([`crate::nondiscrimination`]).
    #[serde(default)]
    pub compliance_tests: Vec<crate::nondiscrimination::ComplianceTest>,
}

/// Everything a run did, for a terminal, a JSON consumer or a test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    pub run_id: String,
    pub engine: String,
    pub random_seed: u64,
    pub start_year: i32,
    pub end_year: i32,
    pub census_source: String,
    pub census_rows: u64,
    pub baseline_headcount: u64,
    pub threads: usize,
    pub database: Option<String>,
    /// The last year that was already committed when this run resumed.
    pub resumed_after: Option<i32>,
    pub years: Vec<YearReport>,
    pub stages: Vec<StageTiming>,
    pub total_seconds: f64,
    pub statements: StatementCounts,
    pub warnings: Vec<String>,
    /// The largest heap bytes of each part of a year's state ([`crate::footprint`]).
    #[serde(default)]
    pub memory: crate::footprint::MemoryUse,
}

impl RunReport {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("report serialises")
    }

    /// Total seconds per stage over all years, in stage order.
    pub fn stage_totals(&self) -> Vec<(Stage, f64)> {
        let mut order = vec![Stage::Initialization];
        order.extend(Stage::YEARLY);
        order
            .into_iter()
            .map(|st| {
                (
                    st,
                    self.stages
                        .iter()
                        .filter(|t| t.stage == st)
                        .map(|t| t.seconds)
                        .sum(),
                )
            })
            .collect()
    }

    /// Compound annual growth of active headcount over the simulated years.
    pub fn cagr(&self) -> Option<f64> {
        let first = self.years.first()?;
        let last = self.years.last()?;
        let start = first.summary.starting_headcount as f64;
        let n = self.years.len() as f64;
        (start > 0.0).then(|| (last.summary.ending_headcount as f64 / start).powf(1.0 / n) - 1.0)
    }

    /// A plain-text table for terminals.
    /// Net employer cost (match + core − forfeitures) by hire cohort: one row per simulated
    /// year, one column per cohort hired in the run and one for the census (everyone hired
    /// before the start year).
    fn cohort_table(&self, out: &mut String) {
        use std::fmt::Write;
        let Some(start) = self.years.first().map(|y| y.summary.year) else {
            return;
        };
        if self.years.iter().all(|y| y.cohort_costs.is_empty()) {
            return;
        }
        let last = self.years.last().map_or(start, |y| y.summary.year);
        let mut header = vec![
            "Net employer $ by hire cohort".to_string(),
            format!("hired < {start}"),
        ];
        header.extend((start..=last).map(|y| format!("hired {y}")));
        let rows: Vec<Vec<String>> = self
            .years
            .iter()
            .map(|y| {
                let mut cents = vec![0i64; (last - start + 2) as usize];
                for c in &y.cohort_costs {
                    let k = if c.hire_cohort < start {
                        0
                    } else {
                        (c.hire_cohort - start + 1) as usize
                    };
                    if let Some(v) = cents.get_mut(k) {
                        *v += (c.net_employer_cost * 100.0).round() as i64;
                    }
                }
                let mut row = vec![y.summary.year.to_string()];
                row.extend(cents.iter().map(|&c| {
                    if c < 0 {
                        format!("-${}", thousands((-c / 100) as u64))
                    } else {
                        format!("${}", thousands((c / 100) as u64))
                    }
                }));
                row
            })
            .collect();
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        render(out, &header, &rows);
        let _ = writeln!(out);
    }

    /// The nondiscrimination tests of each plan year: ADP and ACP (HCE and NHCE averages, the
    /// limit, the outcome with its margin) and the 402(g) and 415(c) counts.
    fn compliance_table(&self, out: &mut String) {
        use crate::nondiscrimination::{ComplianceTest, TestKind};
        use std::fmt::Write;
        if self.years.iter().all(|y| y.compliance_tests.is_empty()) {
            return;
        }
        let pct = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{:.2}%", v * 100.0));
        let ratio = |t: Option<&ComplianceTest>| -> [String; 3] {
            match t {
                None => ["-".into(), "-".into(), "-".into()],
                Some(t) => [
                    format!("{} / {}", pct(t.hce_average), pct(t.nhce_average)),
                    pct(t.applied_limit),
                    match t.margin {
                        Some(m) => format!("{} ({:+.2} pt)", t.status.as_str(), m * 100.0),
                        None => t.status.as_str().to_string(),
                    },
                ],
            }
        };
        let header = [
            "Year",
            "ADP HCE / NHCE",
            "ADP limit",
            "ADP",
            "ACP HCE / NHCE",
            "ACP limit",
            "ACP",
            "402(g) at limit",
            "415(c) breaches",
        ];
        let rows: Vec<Vec<String>> = self
            .years
            .iter()
            .map(|y| {
                let find = |k: TestKind| y.compliance_tests.iter().find(|t| t.test == k);
                let [a1, a2, a3] = ratio(find(TestKind::Adp));
                let [c1, c2, c3] = ratio(find(TestKind::Acp));
                vec![
                    y.summary.year.to_string(),
                    a1,
                    a2,
                    a3,
                    c1,
                    c2,
                    c3,
                    find(TestKind::Limit402g).map_or("-".into(), |t| thousands(t.at_limit)),
                    find(TestKind::Limit415c).map_or("-".into(), |t| thousands(t.at_limit)),
                ]
            })
            .collect();
        render(out, &header, &rows);
        let _ = writeln!(out);
    }

    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let header = [
            "Year",
            "Start",
            "Hires",
            "Exp terms",
            "NH terms",
            "Promotions",
            "Raises",
            "End",
            "Target",
            "Growth",
            "Events",
            "Payroll (FYE)",
        ];
        let rows: Vec<Vec<String>> = self
            .years
            .iter()
            .map(|y| {
                let s = &y.summary;
                vec![
                    s.year.to_string(),
                    thousands(s.starting_headcount),
                    thousands(s.hires),
                    thousands(s.experienced_terminations),
                    thousands(s.new_hire_terminations),
                    thousands(s.promotions),
                    thousands(s.raises),
                    thousands(s.ending_headcount),
                    thousands(s.target_ending),
                    format!("{:+.2}%", y.growth * 100.0),
                    thousands(s.total_events),
                    format!("${}", thousands(s.payroll.round() as u64)),
                ]
            })
            .collect();
        render(&mut out, &header, &rows);
        let _ = writeln!(out);
        let plan_header = [
            "Year",
            "Eligible",
            "Participants",
            "Participation",
            "Avg deferral",
            "Enroll",
            "Opt-outs",
            "Escalations",
            "Employee $",
            "Match $",
            "Core $",
            "Forfeited $",
        ];
        let plan_rows: Vec<Vec<String>> = self
            .years
            .iter()
            .map(|y| {
                let s = &y.summary;
                vec![
                    s.year.to_string(),
                    thousands(s.eligible),
                    thousands(s.participants),
                    format!("{:.1}%", s.participation_rate * 100.0),
                    format!("{:.2}%", s.average_deferral_rate * 100.0),
                    thousands(s.enrollments),
                    thousands(s.opt_outs),
                    thousands(s.escalations),
                    format!("${}", thousands(s.employee_contributions.round() as u64)),
                    format!("${}", thousands(s.employer_match.round() as u64)),
                    format!("${}", thousands(s.employer_core.round() as u64)),
                    format!("${}", thousands(s.forfeitures.round() as u64)),
                ]
            })
            .collect();
        render(&mut out, &plan_header, &plan_rows);
        let _ = writeln!(out);
        self.cohort_table(&mut out);
        self.compliance_table(&mut out);
        let totals = self.stage_totals();
        let all: f64 = totals.iter().map(|t| t.1).sum();
        let stage_rows: Vec<Vec<String>> = totals
            .iter()
            .map(|(st, secs)| {
                vec![
                    st.as_str().to_string(),
                    format!("{:.3}", secs * 1000.0),
                    format!("{:.1}%", if all > 0.0 { secs / all * 100.0 } else { 0.0 }),
                ]
            })
            .collect();
        render(&mut out, &["Stage", "ms", "share"], &stage_rows);
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{} employee-years in {:.3} s ({} engine, seed {}, {} thread(s)){}",
            thousands(self.years.iter().map(|y| y.summary.snapshot_rows).sum()),
            self.total_seconds,
            self.engine,
            self.random_seed,
            self.threads,
            self.cagr()
                .map(|c| format!("; headcount CAGR {:+.2}%", c * 100.0))
                .unwrap_or_default()
        );
        if let Some(db) = &self.database {
            let audited = self
                .statements
                .audited
                .map(|n| format!("; DuckDB logged {n} statements"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "results: {db} ({} SQL statements, {} bulk appends{audited})",
                self.statements.sql, self.statements.appends
            );
        }
        for w in &self.warnings {
            let _ = writeln!(out, "warning: {w}");
        }
        out
    }
}

fn render(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.len());
        }
    }
    let line = |out: &mut String, cells: Vec<&str>| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                if i == 0 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect();
        let _ = writeln!(out, "{}", parts.join("  ").trim_end());
    };
    line(out, header.to_vec());
    let _ = writeln!(
        out,
        "{}",
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("  ")
    );
    for r in rows {
        line(out, r.iter().map(|s| s.as_str()).collect());
    }
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_separators() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1_000), "1,000");
        assert_eq!(super::thousands(1_234_567), "1,234,567");
    }
}
