//! Bad input gets a clear error naming the file, line/row, field and rule; nothing is written:
//! no database file is created and an existing one is left unchanged.

use crate::common;
use crate::util::TestCommand;

use std::path::{Path, PathBuf};
use workforce_sim::{simulate_to_database, CensusInput, Config, Error, SimulationError};

const HEADER: &str = "employee_id,employee_ssn,employee_birth_date,employee_hire_date,employee_termination_date,employee_gross_compensation";

fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

fn census_with(dir: &Path, rows: &[&str]) -> PathBuf {
    let mut body = String::from(HEADER);
    body.push('\n');
    body.push_str("E1,S1,1980-01-01,2010-05-01,,65000\n");
    for r in rows {
        body.push_str(r);
        body.push('\n');
    }
    write(dir, "census.csv", &body)
}

/// Runs with a bad census: returns the error text, and checks no database was created.
fn fails(dir: &Path, census: &Path) -> String {
    let db = dir.join("never.duckdb");
    let err = simulate_to_database(
        &common::valid(Config::default()),
        &CensusInput::File(census.to_path_buf()),
        &db,
        &Default::default(),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::Simulation(SimulationError::Census(_))),
        "{err}"
    );
    assert!(!db.exists(), "no database file may be created on bad input");
    let text = err.to_string();
    assert!(
        text.contains(&census.display().to_string()),
        "message names the file: {text}"
    );
    text
}

#[test]
fn missing_required_column() {
    let dir = common::tmp();
    let p = write(dir.path(), "c.csv", "employee_id,employee_ssn,employee_birth_date,employee_hire_date\nE1,S1,1980-01-01,2010-01-01\n");
    let t = fails(dir.path(), &p);
    assert!(
        t.contains("missing required column(s): employee_gross_compensation"),
        "{t}"
    );
}

#[test]
fn unparsable_date() {
    let dir = common::tmp();
    let t = fails(
        dir.path(),
        &census_with(dir.path(), &["E2,S2,1980-13-01,2010-05-01,,65000"]),
    );
    assert!(
        t.contains("line 3, column employee_birth_date: \"1980-13-01\" is not a date"),
        "{t}"
    );
}

#[test]
fn unparsable_number() {
    let dir = common::tmp();
    let t = fails(
        dir.path(),
        &census_with(dir.path(), &["E2,S2,1980-01-01,2010-05-01,,sixty"]),
    );
    assert!(
        t.contains("line 3, column employee_gross_compensation: \"sixty\" is not a number"),
        "{t}"
    );
}

#[test]
fn zero_or_negative_pay() {
    let dir = common::tmp();
    let t = fails(
        dir.path(),
        &census_with(
            dir.path(),
            &[
                "E2,S2,1980-01-01,2010-05-01,,0",
                "E3,S3,1980-01-01,2010-05-01,2024-03-01,-5",
            ],
        ),
    );
    assert!(
        t.contains(
            "line 3, column employee_gross_compensation: must be > 0 for an active employee, got 0"
        ),
        "{t}"
    );
    assert!(
        t.contains("line 4, column employee_gross_compensation: must not be negative, got -5"),
        "{t}"
    );
    assert!(t.contains("2 problem(s)"), "all problems at once: {t}");
}

#[test]
fn unresolvable_duplicate_ids() {
    let dir = common::tmp();
    let t = fails(
        dir.path(),
        &census_with(dir.path(), &["E1,S9,1981-01-01,2010-05-01,,65000"]),
    );
    assert!(
        t.contains("line 2, column employee_id: duplicate employee_id \"E1\" (lines 2, 3)"),
        "{t}"
    );
}

#[test]
fn resolvable_duplicates_are_deduplicated() {
    let dir = common::tmp();
    let p = census_with(
        dir.path(),
        &[
            "E1,S1,1980-01-01,2012-05-01,,60000",
            "E2,S2,1985-01-01,2015-01-01,,70000",
        ],
    );
    let census =
        workforce_sim::prepare_census(&common::valid(Config::default()), &CensusInput::File(p))
            .unwrap();
    assert_eq!(census.staged.baseline.len(), 2);
    assert_eq!(
        census.staged.baseline.hire_date[0],
        workforce_sim::date::days_from_civil(2012, 5, 1)
    );
    assert!(
        census.warnings.iter().any(|w| w.contains("1 duplicate")),
        "{:?}",
        census.warnings
    );
}

#[test]
fn birth_after_hire() {
    let dir = common::tmp();
    let t = fails(
        dir.path(),
        &census_with(dir.path(), &["E2,S2,2011-01-01,2010-05-01,,65000"]),
    );
    assert!(t.contains("line 3, column employee_birth_date: birth date 2011-01-01 is not before hire date 2010-05-01"), "{t}");
}

#[test]
fn termination_before_hire_and_hire_after_census() {
    let dir = common::tmp();
    let t = fails(
        dir.path(),
        &census_with(
            dir.path(),
            &[
                "E2,S2,1980-01-01,2010-05-01,2009-01-01,65000",
                "E3,S3,1980-01-01,2025-02-01,,65000",
            ],
        ),
    );
    assert!(t.contains("line 3, column employee_termination_date: termination date 2009-01-01 is before hire date 2010-05-01"), "{t}");
    assert!(t.contains("line 4, column employee_hire_date: hire date 2025-02-01 is after the census date 2024-12-31"), "{t}");
}

/// Bad input leaves nothing behind, not even the folders the output would have gone in.
#[test]
fn bad_input_leaves_no_folder_behind() {
    let dir = common::tmp();
    let census = census_with(dir.path(), &["E2,S2,1980-13-01,2010-05-01,,65000"]);
    let db = dir.path().join("new").join("deeper").join("x.duckdb");
    TestCommand::new()
        .args(["simulate", "--census"])
        .arg(&census)
        .arg("--db")
        .arg(&db)
        .fails();
    assert!(!dir.path().join("new").exists());
}

/// Windows line endings (what Excel and most HR exports write) give the same line numbers as
/// Unix ones, blank lines included.
#[test]
fn line_numbers_are_the_same_with_windows_line_endings() {
    let dir = common::tmp();
    let body = format!(
        "{HEADER}\r\nE1,S1,1980-01-01,2010-05-01,,65000\r\nE2,S2,1980-13-01,2010-05-01,,65000\r\n\r\n\
         E3,S3,1980-01-01,2010-05-01,,sixty\r\nE4,S4,1980-01-01\r\n\r\n"
    );
    let t = fails(dir.path(), &write(dir.path(), "crlf.csv", &body));
    assert!(
        t.contains("line 3, column employee_birth_date: \"1980-13-01\" is not a date"),
        "{t}"
    );
    assert!(
        t.contains("line 5, column employee_gross_compensation: \"sixty\" is not a number"),
        "{t}"
    );
    assert!(t.contains("line 6, column *: malformed CSV record"), "{t}");
}

#[test]
fn empty_required_cell_and_malformed_row() {
    let dir = common::tmp();
    let t = fails(
        dir.path(),
        &census_with(
            dir.path(),
            &[",S2,1980-01-01,2010-05-01,,65000", "E3,S3,1980-01-01"],
        ),
    );
    assert!(
        t.contains("line 3, column employee_id: is required and empty"),
        "{t}"
    );
    assert!(t.contains("line 4, column *: malformed CSV record"), "{t}");
}

#[test]
fn unknown_columns_are_only_warnings() {
    let dir = common::tmp();
    let p = write(
        dir.path(),
        "c.csv",
        &format!(
            "{HEADER},favourite_colour,job_level\nE1,S1,1980-01-01,2010-05-01,,65000,blue,3\n"
        ),
    );
    let census =
        workforce_sim::prepare_census(&common::valid(Config::default()), &CensusInput::File(p))
            .unwrap();
    assert_eq!(census.staged.baseline.len(), 1);
    assert!(
        census
            .warnings
            .iter()
            .any(|w| w.contains("unknown column \"favourite_colour\"")),
        "{:?}",
        census.warnings
    );
    assert!(
        census
            .warnings
            .iter()
            .any(|w| w.contains("job level is derived from compensation")),
        "{:?}",
        census.warnings
    );
}

#[test]
fn problems_are_capped_but_counted() {
    let dir = common::tmp();
    let rows: Vec<String> = (0..250)
        .map(|i| format!("X{i},S,1980-01-01,2010-05-01,,bad"))
        .collect();
    let refs: Vec<&str> = rows.iter().map(|s| s.as_str()).collect();
    let t = fails(dir.path(), &census_with(dir.path(), &refs));
    assert!(
        t.contains("250 problem(s) (first 100 shown)"),
        "{}",
        &t[..200]
    );
}

#[test]
fn unsupported_extension_and_missing_file() {
    let dir = common::tmp();
    let t = fails(dir.path(), &write(dir.path(), "c.xlsx", "x"));
    assert!(t.contains("unsupported file type"), "{t}");
    let t = fails(dir.path(), &dir.path().join("absent.csv"));
    assert!(t.contains("cannot read census"), "{t}");
}

#[test]
fn bad_parquet_rows_are_reported_by_row() {
    let dir = common::tmp();
    // Write a Parquet census with DuckDB whose second row has birth after hire.
    let p = dir.path().join("c.parquet");
    let conn = duckdb::Connection::open_in_memory().unwrap();
    conn.execute_batch(&format!(
        "COPY (SELECT * FROM (VALUES ('E1','S1',DATE '1980-01-01',DATE '2010-01-01',NULL::DATE,60000.0),
                                      ('E2','S2',DATE '2015-01-01',DATE '2010-01-01',NULL::DATE,60000.0))
               t(employee_id, employee_ssn, employee_birth_date, employee_hire_date, employee_termination_date, employee_gross_compensation))
         TO '{}' (FORMAT PARQUET)",
        p.display()
    ))
    .unwrap();
    let t = fails(dir.path(), &p);
    assert!(t.contains("row 2, column employee_birth_date: birth date 2015-01-01 is not before hire date 2010-01-01"), "{t}");
}

#[test]
fn existing_database_is_left_unchanged_by_bad_input() {
    let dir = common::tmp();
    let db = dir.path().join("keep.duckdb");
    simulate_to_database(
        &common::valid(common::config(2025, 2025, 42)),
        &common::synthetic(200, 42),
        &db,
        &Default::default(),
        &mut |_| {},
    )
    .unwrap();
    let before = std::fs::read(&db).unwrap();
    let bad = census_with(dir.path(), &["E2,S2,2011-01-01,2010-05-01,,65000"]);
    assert!(simulate_to_database(
        &common::valid(Config::default()),
        &CensusInput::File(bad),
        &db,
        &Default::default(),
        &mut |_| {}
    )
    .is_err());
    // A broken configuration cannot reach the database at all: simulate_to_database takes
    // only a validated one, and validation fails.
    let mut wrong = Config::default();
    wrong.workforce.total_termination_rate = 1.5;
    assert!(wrong.validate().is_err());
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "database bytes unchanged"
    );
}

// ---- configuration errors: one test per class ----

fn config_err(toml: &str) -> String {
    let dir = common::tmp();
    let p = write(dir.path(), "bad.toml", toml);
    let err = Config::from_toml_file(&p).unwrap_err().to_string();
    assert!(
        err.contains(&p.display().to_string()),
        "names the file: {err}"
    );
    err
}

#[test]
fn config_unknown_key() {
    let e = config_err("[simulation]\nstart_yaer = 2025\n");
    assert!(e.contains("unknown field `start_yaer`"), "{e}");
}

#[test]
fn config_wrong_type() {
    let e = config_err("[simulation]\nrandom_seed = \"forty-two\"\n");
    assert!(
        e.contains("random_seed") || e.contains("invalid type"),
        "{e}"
    );
}

#[test]
fn config_value_out_of_range() {
    let e =
        config_err("[workforce]\ntotal_termination_rate = 1.5\nnew_hire_termination_rate = -0.1\n");
    assert!(
        e.contains("workforce.total_termination_rate: must be within [0, 1], got 1.5"),
        "{e}"
    );
    assert!(
        e.contains("workforce.new_hire_termination_rate: must be within [0, 0.99], got -0.1"),
        "{e}"
    );
}

#[test]
fn config_years_out_of_order() {
    let e = config_err("[simulation]\nstart_year = 2030\nend_year = 2026\n");
    assert!(
        e.contains("simulation.end_year: must be >= simulation.start_year (2030), got 2026"),
        "{e}"
    );
}

#[test]
fn config_per_level_vector_length() {
    let e = config_err("[compensation]\nmerit_base = [0.03, 0.04]\n");
    assert!(
        e.contains("compensation.merit_base: must have one value per job level (5), got 2"),
        "{e}"
    );
}

#[test]
fn config_bands_with_a_gap() {
    let e = config_err(
        "[[age_bands]]\nlabel = \"young\"\nmin = 0\nmax = 30\npromotion_multiplier = 1.0\n[[age_bands]]\nlabel = \"old\"\nmin = 31\npromotion_multiplier = 1.0\n",
    );
    assert!(
        e.contains("age_bands[1].min: bands must be contiguous: expected 30, got 31"),
        "{e}"
    );
}

#[test]
fn config_census_year_not_before_start() {
    let e = config_err("[simulation]\nstart_year = 2024\nend_year = 2025\n");
    assert!(
        e.contains("census.plan_year_end: must be in a year before simulation.start_year (2024)"),
        "{e}"
    );
}

// ---- plausibility of census rows (docs/rules.md 1.1) ----

#[test]
fn implausible_rows_are_rejected_with_row_and_rule() {
    let dir = common::tmp();
    let p = census_with(
        dir.path(),
        &[
            "E2,S2,1800-03-01,2010-05-01,,65000",
            "E3,S3,1980-01-01,2010-05-01,,1e-320",
            "E4,S4,1980-01-01,2010-05-01,,25000000",
        ],
    );
    let t = fails(dir.path(), &p);
    assert!(
        t.contains("line 3, column employee_birth_date: birth date 1800-03-01 gives age 224"),
        "{t}"
    );
    assert!(
        t.contains(
            "line 4, column employee_gross_compensation: must be > 0 for an active employee"
        ),
        "{t}"
    );
    assert!(
        t.contains(
            "line 5, column employee_gross_compensation: 25000000 is above the plausible maximum"
        ),
        "{t}"
    );
}

#[test]
fn a_deferral_rate_above_the_plan_cap_is_rejected() {
    let dir = common::tmp();
    let body = format!(
        "{HEADER},employee_deferral_rate\nE1,S1,1980-01-01,2010-05-01,,65000,0.06\nE2,S2,1980-01-01,2010-05-01,,65000,99\nE3,S3,1980-01-01,2010-05-01,,65000,0.99\n"
    );
    let p = write(dir.path(), "rates.csv", &body);
    let t = fails(dir.path(), &p);
    assert!(
        t.contains("line 3, column employee_deferral_rate: 99 is above the plan's deferral-rate cap of 75%"),
        "{t}"
    );
    assert!(
        t.contains(
            "line 4, column employee_deferral_rate: 0.99 is above the plan's deferral-rate cap"
        ),
        "{t}"
    );
}

#[test]
fn unusual_pay_is_a_warning_not_an_error() {
    let dir = common::tmp();
    let p = census_with(dir.path(), &["E2,S2,1980-01-01,2010-05-01,,9000"]);
    let config = common::valid(Config::default());
    let census =
        workforce_sim::prepare_census(&config, &CensusInput::File(p.to_path_buf())).unwrap();
    assert!(
        census.warnings.iter().any(|w| w.contains(
            "line 3, column employee_gross_compensation: annual pay 9000 is outside the usual"
        )),
        "{:?}",
        census.warnings
    );
}

// ---- every entry point rejects a broken configuration, none panics ----

/// Configurations that break one rule each, as a user could write them.
fn broken_configurations() -> Vec<(&'static str, Config)> {
    let mut out = Vec::new();
    let mut add = |name: &'static str, f: &dyn Fn(&mut Config)| {
        let mut c = Config::default();
        f(&mut c);
        out.push((name, c));
    };
    add("NaN growth", &|c| {
        c.simulation.target_growth_rate = f64::NAN
    });
    add("infinite termination rate", &|c| {
        c.workforce.total_termination_rate = f64::INFINITY
    });
    add("a rate with 20 decimal places", &|c| {
        c.workforce.total_termination_rate = 1e-20
    });
    add("every hire leaves", &|c| {
        c.workforce.new_hire_termination_rate = 1.0
    });
    add("years out of order", &|c| c.simulation.end_year = 2020);
    add("a year far away", &|c| c.simulation.end_year = 9999);
    add("no IRS limits", &|c| c.plan.irs_limits.clear());
    add("no job levels", &|c| c.job_levels.clear());
    add("no age bands", &|c| c.age_bands.clear());
    add("census date not a date", &|c| {
        c.census.plan_year_end = "soon".into()
    });
    add("level shares of the wrong length", &|c| {
        c.hiring.level_distribution = vec![0.5, 0.5]
    });
    add("a NaN level share", &|c| {
        c.hiring.level_distribution = vec![f64::NAN, 0.25, 0.25, 0.25, 0.25]
    });
    add("negative COLA beyond bounds", &|c| {
        c.compensation.cola_rate = -5.0
    });
    add("match tiers out of order", &|c| {
        c.plan.employer_match.tiers.reverse()
    });
    add("empty scenario id", &|c| {
        c.simulation.scenario_id = " ".into()
    });
    out
}

#[test]
fn every_entry_point_rejects_a_broken_configuration_without_a_panic() {
    let dir = common::tmp();
    for (name, config) in broken_configurations() {
        let outcome = std::panic::catch_unwind(|| {
            // The library: the only way to a ValidConfig, which every run function takes.
            let validated = config.clone().validate();
            // The same configuration as a file, as the CLI and a user read it.
            let text = toml::to_string(&config);
            let from_file = text.as_ref().ok().map(|t| Config::from_toml_str(t));
            (validated.is_err(), from_file.map(|r| r.is_err()))
        });
        let (validated_err, file_err) = outcome.unwrap_or_else(|_| panic!("{name}: panicked"));
        assert!(validated_err, "{name}: validated");
        if let Some(file_err) = file_err {
            assert!(file_err, "{name}: read back from TOML it validated");
        }
        // The CLI: a clear message and a non-zero exit, even with RUST_BACKTRACE=1.
        if let Ok(text) = toml::to_string(&config) {
            let path = write(dir.path(), "broken.toml", &text);
            let stderr = TestCommand::new()
                .args(["simulate", "--employees", "50", "--config"])
                .arg(&path)
                .arg("--db")
                .arg(dir.path().join("never.duckdb"))
                .env("RUST_BACKTRACE", "1")
                .fails();
            assert!(stderr.starts_with("error: "), "{name}: {stderr}");
            assert!(!stderr.contains("panicked"), "{name}: {stderr}");
            assert!(!stderr.contains("Stack backtrace"), "{name}: {stderr}");
            assert!(
                !dir.path().join("never.duckdb").exists(),
                "{name}: wrote a database"
            );
        }
    }
}

#[test]
fn rule_functions_return_errors_for_values_validation_would_reject() {
    use workforce_sim::rules::{level_quotas, workforce_needs};
    for (g, t, h) in [
        (f64::NAN, 0.12, 0.25),
        (0.03, 1e-20, 0.25),
        (0.03, 0.12, 1.0),
        (2.0, 0.12, 0.25),
        (0.03, -0.1, 0.25),
    ] {
        let r = std::panic::catch_unwind(|| workforce_needs::solve(100, 100, 0, g, t, h));
        assert!(
            matches!(r, Ok(Err(_))),
            "solve({g}, {t}, {h}) did not return an error"
        );
    }
    assert!(level_quotas::decimal_weights(&[f64::NAN, 0.5]).is_err());
    assert!(level_quotas::decimal_weights(&[-0.5, 0.5]).is_err());
}

/// Census sizes beyond the documented maximum are errors that name the flag, never a panic
/// or an abort (`--employees 18446744073709551615` used to panic allocating), and nothing is
/// written.
#[test]
fn census_sizes_beyond_the_maximum_are_errors() {
    let dir = common::tmp();
    let db = dir.path().join("never.duckdb");
    for n in ["18446744073709551615", "100000000000", "10000001"] {
        let stderr = TestCommand::new()
            .args(["simulate", "--employees", n, "--db"])
            .arg(&db)
            .fails();
        assert!(
            stderr.contains("employees") && stderr.contains("10000000"),
            "{stderr}"
        );
        assert!(!db.exists());
    }
    let out = dir.path().join("never.csv");
    let stderr = TestCommand::new()
        .args(["census", "generate", "--employees", "10", "--replicate"])
        .arg(usize::MAX.to_string())
        .arg("--out")
        .arg(&out)
        .fails();
    assert!(stderr.contains("--replicate"), "{stderr}");
    assert!(!out.exists());
}

#[test]
fn a_run_estimated_beyond_the_memory_available_is_refused_before_it_starts() {
    let dir = common::tmp();
    let db = dir.path().join("big.duckdb");
    // Two million employees over ten years: about 7 GB by the measured model, against 1 GB.
    let err = TestCommand::new()
        .args([
            "simulate",
            "--employees",
            "2000000",
            "--end-year",
            "2034",
            "--db",
        ])
        .arg(&db)
        .env("WORKFORCE_SIM_MEMORY_AVAILABLE", "1000000000")
        .fails();
    assert!(
        err.contains("not enough memory") && err.contains("2000000 employees over 10 years"),
        "{err}"
    );
    assert!(err.contains("1.0 GB is available"), "{err}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "something was written"
    );
    // A census file is checked once read, before its years.
    let census = dir.path().join("c.csv");
    TestCommand::new()
        .args(["census", "generate", "--employees", "2000", "--out"])
        .arg(&census)
        .succeeds();
    let err = TestCommand::new()
        .args(["simulate", "--census"])
        .arg(&census)
        .arg("--db")
        .arg(&db)
        .env("WORKFORCE_SIM_MEMORY_AVAILABLE", "1000")
        .fails();
    assert!(err.contains("not enough memory"), "{err}");
    assert!(!db.exists());
    let err = TestCommand::new()
        .args(["simulate", "--employees", "100", "--db"])
        .arg(&db)
        .env("WORKFORCE_SIM_MEMORY_AVAILABLE", "lots")
        .fails();
    assert!(err.contains("must be a number of bytes"), "{err}");
}

#[test]
fn a_database_memory_limit_that_is_not_a_size_is_refused_naming_the_variable() {
    let dir = common::tmp();
    let db = dir.path().join("run.duckdb");
    let run = |memory: &str| {
        let mut command = TestCommand::new();
        command
            .args([
                "simulate",
                "--employees",
                "100",
                "--end-year",
                "2025",
                "--db",
            ])
            .arg(&db)
            .env("WORKFORCE_SIM_DATABASE_MEMORY", memory);
        command
    };
    for bad in ["lots", "12", "4 GBs", "1GB'; DROP TABLE x; --"] {
        let err = run(bad).fails();
        assert!(
            err.contains("WORKFORCE_SIM_DATABASE_MEMORY must be a size"),
            "{bad}: {err}"
        );
        assert!(!db.exists(), "{bad}: a database was left");
    }
    // A size DuckDB reads runs.
    run("256MB").succeeds();
    assert!(db.exists());
}
