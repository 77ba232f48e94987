//! The workbook, the HTML report and `explain` (issue 30): an independent reader (calamine)
//! finds every summary figure equal to the database's to the cent, numbers stored as
//! numbers, a full table split at the sheet limit (forced small here) or left out above
//! --max-rows; the HTML page is self-contained and its figures are the database's; the
//! drivers of a change add up to it to the cent; bad input is a clear error with no file left.

use crate::util::TestCommand;
use calamine::{open_workbook, Data, Reader, Xlsx as XlsxReader};
use std::path::{Path, PathBuf};
use workforce_sim::reporting::{build, Export, Results, Xlsx};

fn run_db(dir: &Path) -> PathBuf {
    let db = dir.join("run.duckdb");
    TestCommand::new()
        .args(["simulate", "--employees", "400", "--db"])
        .arg(&db)
        .succeeds();
    db
}

fn cents_of(db: &Path, sql: &str) -> Vec<i64> {
    let conn = duckdb::Connection::open(db).unwrap();
    let mut s = conn.prepare(sql).unwrap();
    let rows = s.query_map([], |r| r.get::<_, i64>(0)).unwrap();
    rows.map(Result::unwrap).collect()
}

fn sheet(path: &Path, name: &str) -> Vec<Vec<Data>> {
    let mut wb: XlsxReader<_> = open_workbook(path).unwrap();
    let range = wb.worksheet_range(name).unwrap();
    range.rows().map(|r| r.to_vec()).collect()
}

fn column(rows: &[Vec<Data>], label: &str) -> Vec<Data> {
    let j = rows[0]
        .iter()
        .position(|h| *h == label)
        .unwrap_or_else(|| panic!("no column {label:?} in {:?}", rows[0]));
    rows[1..].iter().map(|r| r[j].clone()).collect()
}

fn as_cents(d: &Data) -> i64 {
    match d {
        Data::Float(x) => (x * 100.0).round() as i64,
        other => panic!("a number was written as {other:?}"),
    }
}

#[test]
fn the_workbook_holds_the_databases_figures_to_the_cent() {
    let dir = crate::common::tmp();
    let db = run_db(dir.path());
    let out = dir.path().join("run.xlsx");
    TestCommand::new()
        .arg("report")
        .arg(&db)
        .arg("--xlsx")
        .arg(&out)
        .succeeds();
    let wb: XlsxReader<_> = open_workbook(&out).unwrap();
    let names = wb.sheet_names();
    for want in [
        "Summary",
        "Plan",
        "Events",
        "Compliance",
        "Cost by hire cohort",
        "Explain",
        "Snapshot",
        "Events detail",
        "Metadata",
    ] {
        assert!(
            names.iter().any(|n| n == want),
            "no sheet {want}: {names:?}"
        );
    }
    let summary = sheet(&out, "Summary");
    for (label, sql) in [
        ("Payroll", "SELECT (payroll * 100)::BIGINT FROM year_summary ORDER BY simulation_year"),
        ("Employer match", "SELECT (employer_match * 100)::BIGINT FROM year_summary ORDER BY simulation_year"),
        ("Employee deferrals", "SELECT (employee_contributions * 100)::BIGINT FROM year_summary ORDER BY simulation_year"),
        ("Net employer cost", "SELECT ((employer_match + employer_core - forfeitures) * 100)::BIGINT FROM year_summary ORDER BY simulation_year"),
    ] {
        let got: Vec<i64> = column(&summary, label).iter().map(as_cents).collect();
        assert_eq!(got, cents_of(&db, sql), "{label}");
    }
    let headcount: Vec<i64> = column(&summary, "Headcount")
        .iter()
        .map(|d| match d {
            Data::Float(x) => *x as i64,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        headcount,
        cents_of(&db, "SELECT ending_headcount FROM year_summary ORDER BY 1")
    );
    // Rates are numbers (in a percent format), not text.
    assert!(column(&summary, "Participation rate")
        .iter()
        .all(|d| matches!(d, Data::Float(x) if *x > 0.0 && *x <= 1.0)));
    // The snapshot in full: a header and every row.
    let snapshot = sheet(&out, "Snapshot");
    assert_eq!(
        snapshot.len() as i64 - 1,
        crate::common::query_i64(&db, "SELECT count(*) FROM workforce_snapshot")
    );
    // The metadata names the seed and the configuration.
    let meta = sheet(&out, "Metadata");
    let text: String = meta
        .iter()
        .flatten()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        text.contains("Seed") && text.contains("Configuration"),
        "{text}"
    );
}

#[test]
fn a_full_table_is_split_at_the_sheet_limit_or_left_out_above_max_rows() {
    let dir = crate::common::tmp();
    let db = run_db(dir.path());
    let rows = crate::common::query_i64(&db, "SELECT count(*) FROM workforce_snapshot") as u64;
    let r = Results::open(&db).unwrap();
    let report = build(&r).unwrap();
    let out = dir.path().join("split.xlsx");
    Xlsx {
        max_rows: None,
        sheet_rows: 700,
    }
    .export(&r, &report, &out)
    .unwrap();
    let wb: XlsxReader<_> = open_workbook(&out).unwrap();
    let parts: Vec<String> = wb
        .sheet_names()
        .into_iter()
        .filter(|n| n.starts_with("Snapshot "))
        .collect();
    assert_eq!(parts.len() as u64, rows.div_ceil(700), "{parts:?}");
    let total: u64 = parts.iter().map(|p| sheet(&out, p).len() as u64 - 1).sum();
    assert_eq!(total, rows);
    assert!(sheet(&out, "Snapshot 1").len() == 701);
    // Above --max-rows: left out, with a note.
    let out = dir.path().join("small.xlsx");
    Xlsx {
        max_rows: Some(10),
        ..Xlsx::default()
    }
    .export(&r, &report, &out)
    .unwrap();
    let wb: XlsxReader<_> = open_workbook(&out).unwrap();
    assert!(!wb.sheet_names().iter().any(|n| n.starts_with("Snapshot")));
    let text: String = sheet(&out, "Metadata")
        .iter()
        .flatten()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(text.contains("above --max-rows 10"), "{text}");
}

#[test]
fn the_html_report_is_self_contained_and_holds_the_databases_figures() {
    let dir = crate::common::tmp();
    let db = run_db(dir.path());
    let out = dir.path().join("run.html");
    TestCommand::new()
        .arg("report")
        .arg(&db)
        .arg("--html")
        .arg(&out)
        .succeeds();
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Nothing fetched: no link, no external source, no address but the SVG namespace.
    assert!(
        !html.contains("<link") && !html.contains(" src="),
        "external resources"
    );
    let addresses = html.matches("http").count();
    let namespaces = html.matches("http://www.w3.org/2000/svg").count()
        + html.matches("http://www.w3.org/1999/xlink").count();
    assert_eq!(addresses, namespaces, "an address that is not a namespace");
    assert!(html.matches("<figure class=\"chart\"").count() >= 4);
    assert!(html.contains("What drove the change of Employer cost"));
    // The summary table's payroll cells carry the database's value to the cent.
    let start = html.find("data-section=\"Summary\"").unwrap();
    let table = &html[start..start + html[start..].find("</table>").unwrap()];
    let header: Vec<&str> = table
        .split("<th>")
        .skip(1)
        .map(|h| h.split("</th>").next().unwrap())
        .collect();
    let j = header.iter().position(|h| *h == "Payroll").unwrap();
    let values: Vec<i64> = table
        .split("<tr>")
        .skip(2)
        .map(|row| {
            let cell = row.split("<td").nth(j + 1).unwrap();
            let v = cell
                .split("data-value=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            (v.parse::<f64>().unwrap() * 100.0).round() as i64
        })
        .collect();
    assert_eq!(
        values,
        cents_of(
            &db,
            "SELECT (payroll * 100)::BIGINT FROM year_summary ORDER BY simulation_year"
        )
    );
}

#[test]
fn explain_drivers_add_up_to_the_change_to_the_cent() {
    let dir = crate::common::tmp();
    let db = run_db(dir.path());
    let out = TestCommand::new()
        .arg("explain")
        .arg(&db)
        .args(["--metric", "employer_cost", "--json"])
        .stdout();
    let x: serde_json::Value = serde_json::from_str(&out).unwrap();
    let cents = |v: &serde_json::Value| (v.as_f64().unwrap() * 100.0).round() as i64;
    let drivers: i64 = x["drivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| cents(&d["amount"]))
        .sum();
    assert_eq!(
        drivers + cents(&x["residual"]),
        cents(&x["after"]) - cents(&x["before"])
    );
    assert!(cents(&x["residual"]).abs() <= 5, "{}", x["residual"]);
    let cost = cents_of(
        &db,
        "SELECT ((employer_match + employer_core) * 100)::BIGINT FROM year_summary ORDER BY simulation_year",
    );
    assert_eq!(cents(&x["before"]), cost[0]);
    assert_eq!(cents(&x["after"]), *cost.last().unwrap());
    // The table for people.
    let table = TestCommand::new()
        .arg("explain")
        .arg(&db)
        .args([
            "--metric",
            "employer_cost",
            "--from",
            "2025",
            "--to",
            "2026",
        ])
        .stdout();
    assert!(
        table.contains("headcount") && table.contains("residual") && table.contains("$"),
        "{table}"
    );
}

#[test]
fn bad_input_is_a_clear_error_and_leaves_no_file() {
    let dir = crate::common::tmp();
    let db = run_db(dir.path());
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a database").unwrap();
    let out = dir.path().join("out.xlsx");
    let err = TestCommand::new()
        .arg("report")
        .arg(&text)
        .arg("--xlsx")
        .arg(&out)
        .fails();
    assert!(err.contains("not a results database"), "{err}");
    assert!(!out.exists());
    let err = TestCommand::new().arg("report").arg(&db).fails();
    assert!(err.contains("--xlsx FILE, --html FILE"), "{err}");
    for (args, want) in [
        (vec!["--metric", "happiness"], "not a money metric"),
        (
            vec!["--metric", "employer_cost", "--from", "2031"],
            "2031 is not a year of",
        ),
        (
            vec![
                "--metric",
                "employer_cost",
                "--base",
                "a",
                "--alternative",
                "b",
            ],
            "name a batch's scenarios",
        ),
    ] {
        let err = TestCommand::new()
            .arg("explain")
            .arg(&db)
            .args(&args)
            .fails();
        assert!(err.contains(want), "{want:?} not in {err}");
    }
    // An existing file is not replaced without --overwrite.
    std::fs::write(&out, "mine").unwrap();
    let err = TestCommand::new()
        .arg("report")
        .arg(&db)
        .arg("--xlsx")
        .arg(&out)
        .fails();
    assert!(err.contains("exists"), "{err}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "mine");
    // No temporary file left beside the outputs.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("partial"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

const BATCH: &str = r#"
[batch]
employees = 300
seeds = { start = 1, count = 4 }

[[scenario]]
id = "baseline"
label = "The default plan"

[[scenario]]
id = "richer"
label = "100% of the first 6%"
[scenario.overlay.plan.employer_match]
tiers = [{ employee_min = 0.0, employee_max = 0.06, match_rate = 1.0 }]

[[threshold]]
metric = "employer_cost"
year = 2029
above = 1_000_000
"#;

#[test]
fn a_batch_has_its_bands_comparison_and_paired_explanation() {
    let dir = crate::common::tmp();
    let spec = dir.path().join("batch.toml");
    std::fs::write(&spec, BATCH).unwrap();
    let db = dir.path().join("batch.duckdb");
    TestCommand::new()
        .arg("batch")
        .arg(&spec)
        .arg("--db")
        .arg(&db)
        .succeeds();
    let out = dir.path().join("batch.xlsx");
    let html = dir.path().join("batch.html");
    TestCommand::new()
        .arg("report")
        .arg(&db)
        .arg("--xlsx")
        .arg(&out)
        .arg("--html")
        .arg(&html)
        .succeeds();
    let wb: XlsxReader<_> = open_workbook(&out).unwrap();
    for want in [
        "Last year",
        "Bands",
        "Thresholds",
        "Comparison",
        "Runs",
        "Metadata",
    ] {
        assert!(
            wb.sheet_names().iter().any(|n| n == want),
            "no sheet {want}"
        );
    }
    // The bands' means are the database's.
    let bands = sheet(&out, "Bands");
    let means: Vec<f64> = column(&bands, "Mean")
        .iter()
        .map(|d| match d {
            Data::Float(x) => *x,
            other => panic!("{other:?}"),
        })
        .collect();
    let want: Vec<f64> = {
        let conn = duckdb::Connection::open(&db).unwrap();
        let mut s = conn
            .prepare("SELECT mean FROM batch_bands ORDER BY scenario_id, metric, simulation_year")
            .unwrap();
        let rows = s.query_map([], |r| r.get(0)).unwrap();
        rows.map(Result::unwrap).collect()
    };
    assert_eq!(means, want);
    let page = std::fs::read_to_string(&html).unwrap();
    // The fan charts, the scenario comparison (its last year) and the paired explanation.
    assert_eq!(page.matches("<figure class=\"chart\"").count(), 4);
    assert!(page.contains("Employer cost: median, 25-75% and 5-95% over 4 seeds"));
    assert!(page.contains("Paired comparison with baseline"));
    assert!(page
        .contains("What drove the change of Employer cost from baseline (2029) to richer (2029)"));
    assert!(page.contains("95% interval over the seeds"));
    // The match formula alone differs: paired by seed, the drivers add up.
    let x: serde_json::Value = serde_json::from_str(
        &TestCommand::new()
            .arg("explain")
            .arg(&db)
            .args([
                "--metric",
                "employer_match",
                "--base",
                "baseline",
                "--alternative",
                "richer",
                "--json",
            ])
            .stdout(),
    )
    .unwrap();
    assert_eq!(x["pairs"], 4);
    let cents = |v: &serde_json::Value| (v.as_f64().unwrap() * 100.0).round() as i64;
    let drivers: i64 = x["drivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| cents(&d["amount"]))
        .sum();
    // (The mean change over the seeds may fall between two cents.)
    assert!(
        (drivers + cents(&x["residual"]) - cents(&x["change"])).abs() <= 1,
        "{x}"
    );
    // The match formula alone differs and the seeds are paired: the workforce is the same
    // in both, so headcount, pay per head and participants per head are exactly zero, and
    // the change is the deferral response and the match per deferral dollar.
    let amount = |name: &str| {
        x["drivers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == name)
            .unwrap()["amount"]
            .as_f64()
            .unwrap()
    };
    for exact in [
        "headcount",
        "pay per head",
        "participants per head",
        "core per payroll dollar",
    ] {
        assert_eq!(amount(exact), 0.0, "{exact}: {x}");
    }
    assert!(amount("match per deferral dollar") != 0.0, "{x}");
    assert_eq!(x["residual"], 0.0, "{x}");
}

#[test]
fn a_parquet_output_and_an_optimisation_have_reports_too() {
    let dir = crate::common::tmp();
    let out = dir.path().join("pq");
    TestCommand::new()
        .args([
            "simulate",
            "--employees",
            "200",
            "--format",
            "parquet",
            "--out",
        ])
        .arg(&out)
        .succeeds();
    let xlsx = dir.path().join("pq.xlsx");
    TestCommand::new()
        .arg("report")
        .arg(&out)
        .arg("--xlsx")
        .arg(&xlsx)
        .succeeds();
    let summary = sheet(&xlsx, "Summary");
    assert_eq!(summary.len(), 6, "a header and five years");
    let spec = dir.path().join("opt.toml");
    std::fs::write(
        &spec,
        "[base]\nemployees = 200\nseeds = 3\nmax_runs = 50\nfirst_seeds = 3\n\n[[lever]]\nkey = \"plan.employer_core.rate\"\nvalues = [0.0, 0.02]\n\n[objective]\nmetric = \"employer_cost\"\nsense = \"minimize\"\n",
    )
    .unwrap();
    let db = dir.path().join("opt.duckdb");
    TestCommand::new()
        .arg("optimize")
        .arg(&spec)
        .arg("--db")
        .arg(&db)
        .succeeds();
    let xlsx = dir.path().join("opt.xlsx");
    TestCommand::new()
        .arg("report")
        .arg(&db)
        .arg("--xlsx")
        .arg(&xlsx)
        .succeeds();
    let candidates = sheet(&xlsx, "Candidates");
    assert_eq!(candidates.len(), 3, "a header and two designs");
}
