//! Fit and backtest: a history simulated with known, non-default rates is exported year by
//! year (`census export`), fitted, and every known value lies in its fitted interval, the
//! intervals narrowing as the census grows; the backtest of that history passes, and one
//! whose last year doubles the terminations fails on terminations and headcount. Every rule
//! of a consistent history is an error naming the file, the line and the rule.

use crate::common;
use crate::util::TestCommand;

use std::path::{Path, PathBuf};
use workforce_sim::fit::backtest::{BacktestOptions, Bands, Status};
use workforce_sim::fit::estimate::Estimate;
use workforce_sim::fit::export::{export_census, snapshot_from_run};
use workforce_sim::fit::history::{read_snapshot, History, HistoryOptions};
use workforce_sim::fit::{backtest, fit, FitOptions};
use workforce_sim::{CensusInput, Config, GeneratorParams, ValidConfig};

/// The known rates of the simulated history.
fn known(start: i32, end: i32, termination: f64) -> ValidConfig {
    let mut c = Config::default();
    c.simulation.start_year = start;
    c.simulation.end_year = end;
    c.simulation.target_growth_rate = 0.05;
    c.workforce.total_termination_rate = termination;
    c.workforce.new_hire_termination_rate = 0.35;
    c.promotion.rate_multiplier = 1.6;
    c.compensation.cola_rate = 0.03;
    c.hiring.level_distribution = vec![0.40, 0.30, 0.15, 0.10, 0.05];
    c.validate().unwrap()
}

/// Simulates `config` from `census` into `dir/run.duckdb` and exports every year's snapshot
/// as `dir/census_YEAR.csv`.
fn history_files(dir: &Path, config: &ValidConfig, census: &CensusInput) -> Vec<PathBuf> {
    let db = dir.join("run.duckdb");
    workforce_sim::simulate_to_database(config, census, &db, &common::options(2), &mut |_| {})
        .unwrap();
    (config.simulation.start_year..=config.simulation.end_year)
        .map(|y| {
            let out = dir.join(format!("census_{y}.csv"));
            export_census(&db, y, &out, false).unwrap();
            out
        })
        .collect()
}

fn history(files: &[PathBuf]) -> History {
    History::read(
        files,
        &HistoryOptions::default(),
        &Config::default().validate().unwrap(),
    )
    .unwrap()
}

fn estimate<'a>(estimates: &'a [Estimate], key: &str) -> &'a Estimate {
    estimates
        .iter()
        .find(|e| e.key.as_deref() == Some(key))
        .unwrap_or_else(|| panic!("no estimate of {key}"))
}

fn covers(e: &Estimate, value: f64) {
    assert!(
        e.low <= value && value <= e.high,
        "{} = {value} is outside the fitted interval {} - {} (fitted {}, raw {}, se {})",
        e.name,
        e.low,
        e.high,
        e.fitted,
        e.raw,
        e.standard_error
    );
}

#[test]
fn a_simulated_history_is_fitted_back_within_its_intervals_and_they_narrow_with_size() {
    let defaults = Config::default().validate().unwrap();
    let mut widths = Vec::new();
    for n in [1_500usize, 6_000] {
        let dir = common::tmp();
        let config = known(2025, 2029, 0.18);
        let files = history_files(
            dir.path(),
            &config,
            &CensusInput::Synthetic(GeneratorParams::new(n, 2024, 7)),
        );
        let f = fit(&history(&files), &defaults, &FitOptions::default()).unwrap();
        let e = &f.estimates;
        covers(estimate(e, "simulation.target_growth_rate"), 0.05);
        covers(estimate(e, "workforce.new_hire_termination_rate"), 0.35);
        covers(estimate(e, "workforce.total_termination_rate"), 0.18);
        covers(estimate(e, "promotion.rate_multiplier"), 1.6);
        let merit = workforce_sim::rules::parameters::effective_merit(&config);
        for (l, m) in merit.iter().enumerate() {
            let got = estimate(e, &format!("compensation.merit_base[{l}]"));
            // Fitted against the defaults' COLA (2%): merit absorbs the extra 1% of COLA.
            covers(got, m + 0.01);
        }
        for (l, share) in [0.40, 0.30, 0.15, 0.10, 0.05].iter().enumerate() {
            covers(
                estimate(e, &format!("hiring.level_distribution[{l}]")),
                *share,
            );
        }
        // The new-hire pay percentiles are the defaults'.
        for (l, p) in config.hiring.compensation_percentile.iter().enumerate() {
            covers(
                estimate(e, &format!("hiring.compensation_percentile[{l}]")),
                *p,
            );
        }
        let width = |key: &str| {
            let x = estimate(e, key);
            x.high - x.low
        };
        widths.push((
            width("workforce.total_termination_rate"),
            width("promotion.rate_multiplier"),
            width("workforce.new_hire_termination_rate"),
        ));
        // The fitted configuration reads back and simulates.
        let text = f.overlay_text(&defaults, None).unwrap();
        assert!(text.contains("# experienced termination rate:"), "{text}");
        let again = Config::from_toml_str(&text).unwrap().validate().unwrap();
        assert!(
            (again.workforce.total_termination_rate
                - estimate(e, "workforce.total_termination_rate").fitted)
                .abs()
                < 1e-12
        );
    }
    let (small, big) = (widths[0], widths[1]);
    assert!(
        big.0 < small.0 && big.1 < small.1 && big.2 < small.2,
        "{widths:?}"
    );
}

fn options(seeds: u32) -> BacktestOptions {
    BacktestOptions {
        holdout: 1,
        seeds,
        threads: 2,
        fit: FitOptions::default(),
        bands: Bands::default(),
        parameter_uncertainty: true,
    }
}

#[test]
fn a_backtest_passes_on_its_own_history_and_fails_when_the_regime_changes() {
    // (The simulated bands of counts are narrow: the model's counts follow from the rates;
    // the seeds move who leaves, is promoted and enrolls.)
    let defaults = Config::default().validate().unwrap();
    let dir = common::tmp();
    let census = CensusInput::Synthetic(GeneratorParams::new(5_000, 2024, 11));
    let files = history_files(dir.path(), &known(2025, 2029, 0.18), &census);
    let b = backtest(&history(&files), &defaults, &options(20)).unwrap();
    assert_eq!(b.held_out_years, vec![2029]);
    assert_eq!(b.fit.years, vec![2025, 2026, 2027, 2028]);
    let failing: Vec<_> = b
        .scores
        .iter()
        .filter(|s| s.status != Status::Pass)
        .collect();
    assert!(
        failing.is_empty(),
        "{}",
        workforce_sim::fit::backtest::markdown(&b)
    );
    assert!(b.scores.iter().any(|s| s.figure == "participation"));
    // Each seed draws the fitted values from their standard errors: the headcount band holds
    // the estimation's uncertainty; with the fitted values alone it is the model's only (the
    // model's counts follow from its rates). The same seeds give the same scores for any
    // thread count.
    let score = |b: &workforce_sim::fit::Backtest, figure: &str| {
        b.scores
            .iter()
            .find(|s| s.figure == figure)
            .cloned()
            .unwrap()
    };
    let h = score(&b, "headcount");
    assert!(h.p5 < h.p95, "{h:?}");
    let fixed = backtest(
        &history(&files),
        &defaults,
        &BacktestOptions {
            parameter_uncertainty: false,
            ..options(20)
        },
    )
    .unwrap();
    let h = score(&fixed, "headcount");
    assert_eq!(h.p5, h.p95);
    let one_thread = backtest(
        &history(&files),
        &defaults,
        &BacktestOptions {
            threads: 1,
            ..options(20)
        },
    )
    .unwrap();
    assert_eq!(one_thread.scores, b.scores);

    // The same history, but in the last year twice as many leave and the sponsor shrinks by
    // 5% (the model hires to its growth target, so doubled turnover alone moves hires, not
    // headcount).
    let changed = common::tmp();
    let early = history_files(changed.path(), &known(2025, 2028, 0.18), &census);
    let last_year = changed.path().join("last");
    std::fs::create_dir_all(&last_year).unwrap();
    let mut then = known(2029, 2029, 0.36).config().clone();
    then.simulation.target_growth_rate = -0.05;
    then.census.plan_year_start = "2028-01-01".into();
    then.census.plan_year_end = "2028-12-31".into();
    let last = history_files(
        &last_year,
        &then.validate().unwrap(),
        &CensusInput::File(early[3].clone()),
    );
    let mut files = early.clone();
    files.extend(last);
    let b = backtest(&history(&files), &defaults, &options(20)).unwrap();
    let status = |figure: &str| {
        b.scores
            .iter()
            .find(|s| s.figure == figure)
            .map(|s| s.status)
            .unwrap()
    };
    assert_eq!(status("experienced terminations"), Status::Fail);
    assert_eq!(
        status("headcount"),
        Status::Fail,
        "{}",
        workforce_sim::fit::backtest::markdown(&b)
    );
}

#[test]
fn census_export_writes_what_the_run_holds_in_memory() {
    let dir = common::tmp();
    let config = known(2025, 2026, 0.18);
    let census = CensusInput::Synthetic(GeneratorParams::new(400, 2024, 3));
    let files = history_files(dir.path(), &config, &census);
    let prepared = workforce_sim::prepare_census(&config, &census).unwrap();
    let run = workforce_sim::simulate_in_memory(&config, &prepared, &common::options(1)).unwrap();
    for (k, (_, _, snapshot)) in run.years.iter().enumerate() {
        let memory = snapshot_from_run(snapshot, "memory");
        let (file, _) = read_snapshot(&files[k], None, &config).unwrap();
        assert_eq!(file.year, memory.year);
        assert_eq!(file.people.len(), memory.people.len());
        for (a, b) in file.people.iter().zip(&memory.people) {
            assert_eq!(
                (&a.id, a.birth, a.hire, a.termination, a.level, a.deferral),
                (&b.id, b.birth, b.hire, b.termination, b.level, b.deferral)
            );
            assert!(
                (a.pay - b.pay).abs() < 0.005,
                "{} {} {}",
                a.id,
                a.pay,
                b.pay
            );
        }
    }
    // An existing file is replaced only with --overwrite; a year the run lacks is an error.
    let err = export_census(&dir.path().join("run.duckdb"), 2025, &files[0], false).unwrap_err();
    assert!(err.to_string().contains("--overwrite"), "{err}");
    let err = export_census(
        &dir.path().join("run.duckdb"),
        2031,
        &dir.path().join("x.csv"),
        false,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("no year 2031") && err.contains("2025, 2026"),
        "{err}"
    );
    assert!(!dir.path().join("x.csv").exists());
}

const HEADER: &str = "employee_id,employee_ssn,employee_birth_date,employee_hire_date,employee_termination_date,employee_gross_compensation,job_level\n";

fn write(dir: &Path, name: &str, rows: &[&str]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, format!("{HEADER}{}\n", rows.join("\n"))).unwrap();
    p
}

/// `fit FILES...` fails naming each of these (and writes no --out).
#[test]
fn inconsistent_histories_are_errors_naming_file_line_and_rule() {
    let dir = common::tmp();
    let d = dir.path();
    let a = write(
        d,
        "h_2024.csv",
        &[
            "E1,S1,1980-01-01,2010-03-01,,60000,1",
            "E2,S2,1985-01-01,2015-03-01,,90000,2",
        ],
    );
    let ok = write(
        d,
        "h_2025.csv",
        &[
            "E1,S1,1980-01-01,2010-03-01,,61000,1",
            "E3,S3,1990-01-01,2025-02-01,,60000,1",
        ],
    );
    let cases: Vec<(Vec<PathBuf>, &str)> = vec![
        (vec![a.clone()], "needs 2 to 10"),
        (vec![a.clone(), a.clone()], "one file per year"),
        (
            vec![
                a.clone(),
                write(d, "h_2026.csv", &["E1,S1,1980-01-01,2010-03-01,,62000,1"]),
            ],
            "the year 2025 is missing",
        ),
        (
            vec![
                a.clone(),
                write(d, "b_2025.csv", &["E1,S1,1981-01-01,2010-03-01,,61000,1"]),
            ],
            "b_2025.csv, line 2: employee E1's birth date is 1981-01-01 here and 1980-01-01",
        ),
        (
            vec![
                a.clone(),
                write(
                    d,
                    "c_2025.csv",
                    &[
                        "E2,S2,1985-01-01,2016-03-01,,90000,2",
                        "E1,S1,1980-01-01,2010-03-01,,61000,1",
                    ],
                ),
            ],
            "c_2025.csv, line 2: employee E2's hire date is 2016-03-01 here",
        ),
        (
            vec![
                a.clone(),
                write(
                    d,
                    "d_2025.csv",
                    &[
                        "E1,S1,1980-01-01,2010-03-01,,61000,1",
                        "E9,S9,1970-01-01,2001-01-01,,70000,1",
                    ],
                ),
            ],
            "d_2025.csv, line 3: employee E9 first appears in 2025 with hire date 2001-01-01",
        ),
        (
            vec![
                a.clone(),
                write(d, "e_2025.csv", &["E1,S1,1980-01-01,2010-03-01,,61000,9"]),
            ],
            "e_2025.csv, line 2: job_level \"9\" is not a level",
        ),
        (
            vec![
                a.clone(),
                write(d, "noyear.csv", &["E1,S1,1980-01-01,2010-03-01,,61000,1"]),
            ],
            "cannot tell its year",
        ),
        (
            vec![
                a.clone(),
                write(d, "f_2025.csv", &["E1,S1,1980-01-01,2030-03-01,,61000,1"]),
            ],
            "f_2025.csv",
        ),
    ];
    for (files, want) in cases {
        let out = d.join("fitted.toml");
        let err = TestCommand::new()
            .arg("fit")
            .args(&files)
            .arg("--out")
            .arg(&out)
            .fails();
        assert!(err.contains(want), "{want:?} not in: {err}");
        assert!(!out.exists());
    }
    // A rehire: refused, then accepted with --allow-rehires.
    let left = write(
        d,
        "g_2024.csv",
        &[
            "E1,S1,1980-01-01,2010-03-01,2024-05-01,60000,1",
            "E2,S2,1985-01-01,2015-03-01,,90000,2",
        ],
    );
    let mid = write(d, "g_2025.csv", &["E2,S2,1985-01-01,2015-03-01,,92000,2"]);
    let back = write(
        d,
        "g_2026.csv",
        &[
            "E1,S1,1980-01-01,2026-02-01,,60000,1",
            "E2,S2,1985-01-01,2015-03-01,,94000,2",
        ],
    );
    let err = TestCommand::new()
        .arg("fit")
        .args([&left, &mid, &back])
        .fails();
    assert!(
        err.contains("g_2026.csv, line 2: employee E1 left") && err.contains("--allow-rehires"),
        "{err}"
    );
    TestCommand::new()
        .arg("fit")
        .args([&left, &mid, &back])
        .arg("--allow-rehires")
        .succeeds();
    // The years may be given instead of read from the names.
    TestCommand::new()
        .arg("fit")
        .args([&a, &ok])
        .args(["--year", "2024,2025"])
        .succeeds();
    let err = TestCommand::new()
        .arg("fit")
        .args([&a, &ok])
        .args(["--year", "2024"])
        .fails();
    assert!(err.contains("1 years given for 2 files"), "{err}");
}

#[test]
fn the_cli_fits_writes_a_configuration_that_simulates_and_backtest_fails_on_request() {
    let dir = common::tmp();
    let d = dir.path();
    let db = d.join("run.duckdb");
    TestCommand::new()
        .args([
            "simulate",
            "--employees",
            "1500",
            "--end-year",
            "2028",
            "--db",
        ])
        .arg(&db)
        .succeeds();
    let files: Vec<PathBuf> = (2025..=2028)
        .map(|y| {
            let out = d.join(format!("s{y}.parquet"));
            TestCommand::new()
                .args(["census", "export", "--db"])
                .arg(&db)
                .args(["--year", &y.to_string(), "--out"])
                .arg(&out)
                .succeeds();
            out
        })
        .collect();
    let fitted = d.join("fitted.toml");
    let table = TestCommand::new()
        .arg("fit")
        .args(&files)
        .arg("--out")
        .arg(&fitted)
        .stdout();
    assert!(
        table.contains("experienced termination rate")
            && table.contains("workforce.total_termination_rate"),
        "{table}"
    );
    TestCommand::new()
        .args(["simulate", "--employees", "300", "--config"])
        .arg(&fitted)
        .arg("--db")
        .arg(d.join("again.duckdb"))
        .succeeds();
    // An existing --out needs --overwrite.
    let err = TestCommand::new()
        .arg("fit")
        .args(&files)
        .arg("--out")
        .arg(&fitted)
        .fails();
    assert!(err.contains("--overwrite"), "{err}");
    // Flows bands of zero width put every flow that misses by anything at warn or worse:
    // --fail-on warn exits 1 after the scorecard, which is also in the database.
    let scores = d.join("scores.duckdb");
    let out = TestCommand::new()
        .arg("backtest")
        .args(&files)
        .args([
            "--seeds",
            "5",
            "--flows-band",
            "0,0",
            "--fail-on",
            "fail",
            "--db",
        ])
        .arg(&scores)
        .output();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("| 2028 | hires |"), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--fail-on"));
    assert!(
        common::query_i64(
            &scores,
            "SELECT count(*) FROM backtest_scores WHERE status = 'fail'"
        ) > 0
    );
    let json = TestCommand::new()
        .arg("backtest")
        .args(&files)
        .args(["--seeds", "3", "--json"])
        .stdout();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["seeds"].as_array().unwrap().len(), 3);
}
