//! What a report holds for each kind of results: its sections (a sheet in the workbook, a
//! table in the HTML), their charts, the headline figures, the full tables (the workbook
//! only) and the provenance. Every figure is read from the results database; nothing is
//! recomputed except the explanation of the employer cost's change.

use crate::results::{Kind, Results};
use crate::table::{query, Cell, Column, Kind as ColumnKind, Table};
use crate::ReportError;

/// A line chart of a section's table: `y` against `x`, one line per value of `group`.
#[derive(Debug, Clone)]
pub struct LineChart {
    pub title: String,
    pub x: String,
    pub y: String,
    pub group: Option<String>,
}

/// A section: a sheet of the workbook and a table of the HTML report.
#[derive(Debug, Clone)]
pub struct Section {
    /// The sheet's name (at most 31 characters).
    pub sheet: String,
    pub title: String,
    pub note: Option<String>,
    pub table: Table,
    /// Rows whose numbers take the kind of the metric named in this column (bands).
    pub metric_column: Option<String>,
    pub charts: Vec<LineChart>,
    /// Shown in the HTML report (long tables are left to the workbook).
    pub in_html: bool,
    /// The HTML report shows only the rows of the last `simulation_year`.
    pub html_last_year: bool,
}

/// A table written in full to the workbook (split across sheets at the row limit).
#[derive(Debug, Clone)]
pub struct Detail {
    pub sheet: String,
    pub what: String,
    pub sql: String,
    pub count_sql: String,
}

/// A report.
#[derive(Debug, Clone)]
pub struct Report {
    pub kind: Kind,
    pub title: String,
    /// Headline figures: (label, value for people).
    pub headline: Vec<(String, String)>,
    pub sections: Vec<Section>,
    pub details: Vec<Detail>,
    /// Provenance: (field, value).
    pub metadata: Vec<(String, String)>,
    /// The configuration (or batch file, or spec) that produced it, as text.
    pub configuration: Option<String>,
    /// Ensemble fan charts (title, SVG), a batch's.
    pub fan_charts: Vec<(String, String)>,
    pub explanation: Option<crate::explain::Explanation>,
}

fn section(
    r: &Results,
    sheet: &str,
    title: &str,
    sql: &str,
    charts: Vec<LineChart>,
) -> Result<Section, ReportError> {
    Ok(Section {
        sheet: sheet.into(),
        title: title.into(),
        note: None,
        table: query(&r.conn, title, sql)?,
        metric_column: None,
        charts,
        in_html: true,
        html_last_year: false,
    })
}

fn has_table(r: &Results, name: &str) -> bool {
    query(
        &r.conn,
        "the tables",
        &format!(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = '{}'",
            name.replace('\'', "''")
        ),
    )
    .ok()
    .and_then(|t| t.rows.first().and_then(|row| row[0].number()))
    .unwrap_or(0.0)
        > 0.0
}

fn chart(title: &str, x: &str, y: &str, group: Option<&str>) -> LineChart {
    LineChart {
        title: title.into(),
        x: x.into(),
        y: y.into(),
        group: group.map(str::to_string),
    }
}

/// A key/value table from the first row of `sql`.
fn key_values(r: &Results, sql: &str) -> Result<Vec<(String, String)>, ReportError> {
    let t = query(&r.conn, "the metadata", sql)?;
    let Some(row) = t.rows.first() else {
        return Ok(Vec::new());
    };
    Ok(t.columns
        .iter()
        .zip(row)
        .map(|(c, v)| (c.label.clone(), plain_text(c, v)))
        .collect())
}

/// A cell as plain text (for metadata and headlines).
pub fn plain_text(c: &Column, v: &Cell) -> String {
    match v {
        Cell::Null => String::new(),
        Cell::Text(s) => s.clone(),
        Cell::Bool(b) => b.to_string(),
        Cell::Date(d) => workforce_sim_core::date::Iso(*d).to_string(),
        _ => {
            let x = v.number().unwrap_or(f64::NAN);
            match c.kind {
                ColumnKind::Money => crate::figures::money(x),
                ColumnKind::Rate => crate::figures::percent(x),
                ColumnKind::Year => format!("{x}"),
                ColumnKind::Count => crate::figures::thousands(x, 0),
                _ => format!("{x}"),
            }
        }
    }
}

const SUMMARY: &str = "SELECT simulation_year, ending_headcount AS headcount, hires,
        experienced_terminations + new_hire_terminations AS terminations, payroll, eligible,
        participants, participation_rate, average_deferral_rate,
        employee_contributions AS employee_deferrals, employer_match, employer_core, forfeitures,
        employer_match + employer_core - forfeitures AS net_employer_cost
    FROM year_summary ORDER BY simulation_year";

/// The report of `r`.
pub fn build(r: &Results) -> Result<Report, ReportError> {
    match r.kind {
        Kind::Run => run(r),
        Kind::Batch => batch(r),
        Kind::Optimization => optimization(r),
        Kind::Backtest => backtest(r),
    }
}

fn run(r: &Results) -> Result<Report, ReportError> {
    let summary = section(
        r,
        "Summary",
        "Summary by year",
        SUMMARY,
        vec![
            chart("Headcount", "simulation_year", "headcount", None),
            chart("Payroll", "simulation_year", "payroll", None),
            chart(
                "Participation rate",
                "simulation_year",
                "participation_rate",
                None,
            ),
            chart(
                "Net employer cost",
                "simulation_year",
                "net_employer_cost",
                None,
            ),
        ],
    )?;
    let mut sections = vec![summary.clone()];
    if has_table(r, "plan_ledger") {
        sections.push(section(
            r,
            "Plan",
            "Plan money by year, event and source",
            "SELECT simulation_year, event_type::VARCHAR AS event_type, coalesce(source::VARCHAR, '') AS source,
                    count(*) AS events, sum(amount)::DECIMAL(18,2) AS amount
             FROM plan_ledger GROUP BY ALL ORDER BY ALL",
            Vec::new(),
        )?);
    }
    sections.push(section(
        r,
        "Events",
        "Events by type and year",
        "PIVOT (SELECT simulation_year, event_type::VARCHAR AS event_type FROM events)
         ON event_type USING count(*) GROUP BY simulation_year ORDER BY simulation_year",
        Vec::new(),
    )?);
    sections.push(section(
        r,
        "Compliance",
        "Compliance: ADP and ACP with margins, 402(g) and 415(c)",
        "SELECT simulation_year, test, method, status, hce_count, nhce_count, hce_average,
                nhce_average, applied_limit, margin, excess, at_limit, capped, at_risk
         FROM compliance_tests ORDER BY simulation_year, test",
        Vec::new(),
    )?);
    sections.push(section(
        r,
        "Cost by hire cohort",
        "Employer cost by hire cohort",
        "SELECT simulation_year, hire_cohort, headcount, employer_match, employer_core,
                forfeitures, net_employer_cost
         FROM employer_cost_by_cohort ORDER BY simulation_year, hire_cohort",
        Vec::new(),
    )?);
    let mut metadata = key_values(
        r,
        "SELECT run_id, tool_version, engine, random_seed AS seed, start_year, end_year,
                census_source, census_rows, baseline_headcount, census_fingerprint,
                config_fingerprint, status, threads, created_at::VARCHAR AS created_at,
                finished_at::VARCHAR AS finished_at
         FROM run_metadata",
    )?;
    let seconds = query(
        &r.conn,
        "the run time",
        "SELECT sum(seconds) FROM stage_timings",
    )?;
    if let Some(s) = seconds.rows.first().and_then(|row| row[0].number()) {
        metadata.push(("Run time".into(), format!("{s:.2} s")));
    }
    let configuration = query(
        &r.conn,
        "the configuration",
        "SELECT config_json FROM run_metadata",
    )?
    .rows
    .first()
    .and_then(|row| match &row[0] {
        Cell::Text(s) => Some(
            serde_json::from_str::<serde_json::Value>(s)
                .ok()
                .and_then(|v| serde_json::to_string_pretty(&v).ok())
                .unwrap_or_else(|| s.clone()),
        ),
        _ => None,
    });
    // Headline: the last year.
    let t = &summary.table;
    let mut headline = Vec::new();
    if let Some(last) = t.rows.last() {
        for name in [
            "headcount",
            "payroll",
            "participation_rate",
            "net_employer_cost",
        ] {
            if let Some(i) = t.column(name) {
                headline.push((
                    t.columns[i].label.clone(),
                    plain_text(&t.columns[i], &last[i]),
                ));
            }
        }
    }
    let years = r.years()?;
    // The employer cost's change from the first year to the last, as `explain` gives it.
    let explanation = if years.len() > 1 {
        Some(crate::explain::explain_results(
            std::slice::from_ref(&r.path),
            &crate::explain::Request {
                metric: "employer_cost".into(),
                ..Default::default()
            },
        )?)
    } else {
        None
    };
    Ok(Report {
        kind: Kind::Run,
        title: format!(
            "Simulation {}-{}",
            years.first().copied().unwrap_or_default(),
            years.last().copied().unwrap_or_default()
        ),
        headline,
        sections,
        details: vec![
            Detail {
                sheet: "Snapshot".into(),
                what: "the year-end snapshot".into(),
                sql: "SELECT * FROM workforce_snapshot ORDER BY simulation_year, employee_id"
                    .into(),
                count_sql: "SELECT count(*) FROM workforce_snapshot".into(),
            },
            Detail {
                sheet: "Events detail".into(),
                what: "the events".into(),
                sql: "SELECT * FROM events ORDER BY event_id".into(),
                count_sql: "SELECT count(*) FROM events".into(),
            },
        ],
        metadata,
        configuration,
        fan_charts: Vec::new(),
        explanation,
    })
}

fn batch(r: &Results) -> Result<Report, ReportError> {
    let mut bands = section(
        r,
        "Bands",
        "Ensemble bands per scenario, year and metric",
        "SELECT scenario_id, simulation_year, metric, runs, mean, sd, p5, p25, p50, p75, p95
         FROM batch_bands ORDER BY scenario_id, metric, simulation_year",
        Vec::new(),
    )?;
    bands.metric_column = Some("metric".into());
    bands.in_html = false;
    let mut thresholds = section(
        r,
        "Thresholds",
        "Thresholds: the probability of meeting each",
        "SELECT scenario_id, metric, simulation_year, comparison, value, runs, probability
         FROM batch_thresholds ORDER BY ALL",
        Vec::new(),
    )?;
    thresholds.metric_column = Some("metric".into());
    let mut headline_bands = section(
        r,
        "Last year",
        "The last year's headline metrics: median and 5-95% band per scenario",
        "SELECT scenario_id, metric, runs, p5, p50, p95, mean FROM batch_bands
         WHERE simulation_year = (SELECT max(simulation_year) FROM batch_bands)
           AND metric IN ('headcount', 'payroll', 'participation_rate', 'employer_cost')
         ORDER BY metric, scenario_id",
        Vec::new(),
    )?;
    headline_bands.metric_column = Some("metric".into());
    let mut sections = vec![headline_bands, bands, thresholds];
    // The paired comparison of every scenario with the first.
    let ids: Vec<String> = query(
        &r.conn,
        "the scenarios",
        "SELECT DISTINCT scenario_id FROM batch_bands ORDER BY scenario_id",
    )?
    .rows
    .iter()
    .filter_map(|row| match &row[0] {
        Cell::Text(s) => Some(s.clone()),
        _ => None,
    })
    .collect();
    let metadata_row = query(
        &r.conn,
        "the batch",
        "SELECT batch_json, tool_version, created_at::VARCHAR AS created_at, runs, shard_index FROM batch_metadata",
    )?;
    let batch_json = metadata_row.rows.first().and_then(|row| match &row[0] {
        Cell::Text(s) => Some(s.clone()),
        _ => None,
    });
    let first = batch_json
        .as_deref()
        .and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok())
        .and_then(|v| {
            v.get("scenarios")
                .and_then(|s| s.get(0))
                .and_then(|s| s.get("id"))
                .and_then(|s| s.as_str().map(str::to_string))
        })
        .or_else(|| ids.first().cloned());
    if let Some(base) = &first {
        let mut rows = Vec::new();
        for alt in ids.iter().filter(|i| *i != base) {
            let diffs =
                workforce_sim_batch::compare_scenarios(&r.path, base, alt).map_err(|e| {
                    ReportError::Query {
                        what: "the paired comparison".into(),
                        message: e.to_string(),
                    }
                })?;
            for d in diffs {
                rows.push(vec![
                    Cell::Text(base.clone()),
                    Cell::Text(alt.clone()),
                    Cell::Int(d.year as i64),
                    Cell::Text(d.metric.to_string()),
                    Cell::Int(d.pairs as i64),
                    Cell::Num(d.base_mean),
                    Cell::Num(d.alternative_mean),
                    Cell::Num(d.mean),
                    Cell::Num(d.p5),
                    Cell::Num(d.p95),
                ]);
            }
        }
        if !rows.is_empty() {
            let col = |name: &str, kind: ColumnKind| Column {
                name: name.into(),
                label: crate::figures::label(name),
                kind,
            };
            sections.push(Section {
                sheet: "Comparison".into(),
                title: format!("Paired comparison with {base} (alternative - base, by seed)"),
                note: Some(
                    "p5 and p95: the 5th and 95th percentiles of the per-seed differences".into(),
                ),
                table: Table {
                    columns: vec![
                        col("base", ColumnKind::Text),
                        col("alternative", ColumnKind::Text),
                        col("simulation_year", ColumnKind::Year),
                        col("metric", ColumnKind::Text),
                        col("pairs", ColumnKind::Count),
                        col("base_mean", ColumnKind::Number),
                        col("alternative_mean", ColumnKind::Number),
                        col("difference", ColumnKind::Number),
                        col("p5", ColumnKind::Number),
                        col("p95", ColumnKind::Number),
                    ],
                    rows,
                },
                metric_column: Some("metric".into()),
                charts: Vec::new(),
                in_html: true,
                html_last_year: true,
            });
        }
    }
    if has_table(r, "batch_attribution") {
        let a = section(
            r,
            "Attribution",
            "Variance attribution by subsystem",
            "SELECT * FROM batch_attribution ORDER BY ALL",
            Vec::new(),
        )?;
        if !a.table.rows.is_empty() {
            sections.push(a);
        }
    }
    let mut runs = section(
        r,
        "Runs",
        "Every run",
        "SELECT scenario_id, label, seed, design, seconds, config_fingerprint FROM batch_runs ORDER BY ALL",
        Vec::new(),
    )?;
    runs.in_html = false;
    sections.push(runs);
    // Fan charts of the headline metrics, from the stored bands.
    let num = |row: &[Cell], k: usize| row[k].number().unwrap_or(f64::NAN);
    let all_bands: Vec<workforce_sim_batch::Band> = sections[1]
        .table
        .rows
        .iter()
        .filter_map(|row| {
            let (Cell::Text(id), Cell::Text(metric)) = (&row[0], &row[2]) else {
                return None;
            };
            Some(workforce_sim_batch::Band {
                scenario: ids.iter().position(|i| i == id)?,
                year: num(row, 1) as i32,
                metric: workforce_sim_batch::Metric::parse(metric)?,
                runs: num(row, 3) as _,
                mean: num(row, 4),
                sd: num(row, 5),
                p5: num(row, 6),
                p25: num(row, 7),
                p50: num(row, 8),
                p75: num(row, 9),
                p95: num(row, 10),
            })
        })
        .collect();
    let mut fan_charts = Vec::new();
    let names: Vec<&str> = ids.iter().map(String::as_str).collect();
    for metric in [
        workforce_sim_batch::Metric::Headcount,
        workforce_sim_batch::Metric::Payroll,
        workforce_sim_batch::Metric::ParticipationRate,
        workforce_sim_batch::Metric::EmployerCost,
    ] {
        let bands: Vec<workforce_sim_batch::Band> = all_bands
            .iter()
            .filter(|b| b.metric == metric)
            .cloned()
            .collect();
        if let Ok(svg) = workforce_sim_batch::fan_chart(&bands, &names, metric) {
            fan_charts.push((crate::figures::label(metric.name()), svg));
        }
    }
    let mut metadata = Vec::new();
    if let Some(row) = metadata_row.rows.first() {
        for (c, v) in metadata_row.columns.iter().zip(row).skip(1) {
            metadata.push((c.label.clone(), plain_text(c, v)));
        }
    }
    metadata.push(("Scenarios".into(), ids.join(", ")));
    let headline = sections[0]
        .table
        .rows
        .iter()
        .filter(|row| matches!(&row[1], Cell::Text(m) if m == "employer_cost"))
        .map(|row| {
            let id = match &row[0] {
                Cell::Text(s) => s.clone(),
                _ => String::new(),
            };
            (
                format!("Employer cost, {id} (median)"),
                crate::figures::money(row[4].number().unwrap_or(f64::NAN)),
            )
        })
        .collect();
    // What drove the employer cost's difference between the first scenario and the next,
    // paired by seed, in the last year.
    let explanation = match (&first, ids.iter().find(|i| Some(*i) != first.as_ref())) {
        (Some(base), Some(alt)) => crate::explain::explain_results(
            std::slice::from_ref(&r.path),
            &crate::explain::Request {
                metric: "employer_cost".into(),
                base: Some(base.clone()),
                alternative: Some(alt.clone()),
                ..Default::default()
            },
        )
        .ok(),
        _ => None,
    };
    Ok(Report {
        kind: Kind::Batch,
        title: format!("Batch of {} scenarios", ids.len()),
        headline,
        sections,
        details: Vec::new(),
        metadata,
        configuration: batch_json.map(|j| {
            serde_json::from_str::<serde_json::Value>(&j)
                .ok()
                .and_then(|v| serde_json::to_string_pretty(&v).ok())
                .unwrap_or(j)
        }),
        fan_charts,
        explanation,
    })
}

fn optimization(r: &Results) -> Result<Report, ReportError> {
    let mut candidates = section(
        r,
        "Candidates",
        "Every design evaluated",
        "SELECT * FROM opt_candidates ORDER BY design",
        Vec::new(),
    )?;
    candidates.in_html = false;
    let frontier = section(
        r,
        "Frontier",
        "The Pareto frontier",
        "SELECT * FROM opt_frontier ORDER BY rank",
        Vec::new(),
    )?;
    let metadata = key_values(
        r,
        "SELECT objectives, constraints, search, grid_size, best, runner_up, margin, margin_low,
                margin_high, runs, seeds, tool_version FROM opt_metadata",
    )?;
    let headline = metadata
        .iter()
        .filter(|(k, _)| k == "Best" || k == "Runs" || k == "Grid size")
        .cloned()
        .collect();
    Ok(Report {
        kind: Kind::Optimization,
        title: "Design search".into(),
        headline,
        sections: vec![frontier, candidates],
        details: Vec::new(),
        metadata,
        configuration: None,
        fan_charts: Vec::new(),
        explanation: None,
    })
}

fn backtest(r: &Results) -> Result<Report, ReportError> {
    let scores = section(
        r,
        "Scores",
        "Backtest: held-out actuals against the seeds' bands",
        "SELECT * FROM backtest_scores ORDER BY ALL",
        Vec::new(),
    )?;
    let estimates = section(
        r,
        "Estimates",
        "Fitted rates with standard errors and credibility",
        "SELECT * FROM backtest_estimates ORDER BY ALL",
        Vec::new(),
    )?;
    let metadata = key_values(r, "SELECT * FROM backtest_metadata")?;
    Ok(Report {
        kind: Kind::Backtest,
        title: "Backtest".into(),
        headline: Vec::new(),
        sections: vec![scores, estimates],
        details: Vec::new(),
        metadata,
        configuration: None,
        fan_charts: Vec::new(),
        explanation: None,
    })
}
