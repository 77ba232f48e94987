//! Batches: a run of a batch is exactly `simulate` with its scenario and seed; bands are
//! ordered and a single seed has none; bad batch files are refused before anything runs.

use crate::common;
use crate::util::TestCommand;

use std::path::Path;
use workforce_sim::batch::{bands, jobs, run_batch, Metric, ValidBatch};
use workforce_sim::batch::{run_batch_to_database, BatchOptions};
use workforce_sim::{simulate_in_memory, CensusInput, GeneratorParams};

const BATCH: &str = r#"
[batch]
employees = 400
detail = "none"
seeds = [7, 3, 11]

[[scenario]]
id = "baseline"
label = "Baseline"

[[scenario]]
id = "rich_match"
label = "Auto-enroll all at 6%"
[scenario.overlay.simulation]
end_year = 2027
[scenario.overlay.plan.auto_enrollment]
scope = "all_eligible_employees"
default_deferral_rate = 0.06
"#;

fn batch(dir: &Path, text: &str) -> ValidBatch {
    let path = dir.join("b.toml");
    std::fs::write(&path, text).unwrap();
    ValidBatch::load(&path).unwrap()
}

#[test]
fn a_batch_run_is_the_simulate_run_of_its_scenario_and_seed() {
    let dir = common::tmp();
    let b = batch(
        dir.path(),
        &BATCH.replace("end_year = 2027", "end_year = 2026"),
    );
    let runs = run_batch(&b, &jobs(&b), 2, &|_, _| {}).unwrap();
    assert_eq!(runs.len(), 6);
    for r in &runs {
        let config = b.run_config(r.scenario, r.seed).unwrap();
        let census = workforce_sim::prepare_census(
            &config,
            &CensusInput::Synthetic(GeneratorParams::new(400, 2024, r.seed)),
        )
        .unwrap();
        let single = simulate_in_memory(&config, &census, &common::options(1)).unwrap();
        let want: Vec<_> = single
            .report
            .years
            .iter()
            .map(|y| y.summary.clone())
            .collect();
        assert_eq!(r.years, want, "scenario {} seed {}", r.scenario, r.seed);
    }
    // The scenarios differ where their configurations do.
    assert_eq!(runs[0].years.len(), 5);
    assert_eq!(runs[3].years.len(), 2);
    assert_ne!(
        runs[0].years[0].employee_contributions,
        runs[3].years[0].employee_contributions
    );
    // Any thread count gives the same runs.
    let one = run_batch(&b, &jobs(&b), 1, &|_, _| {}).unwrap();
    let years = |r: &[workforce_sim::batch::RunSummary]| -> Vec<_> {
        r.iter()
            .map(|x| (x.scenario, x.seed, x.years.clone()))
            .collect()
    };
    assert_eq!(years(&one), years(&runs));
}

#[test]
fn bands_are_ordered_and_one_seed_has_zero_width() {
    let dir = common::tmp();
    let b = batch(dir.path(), BATCH);
    let runs = run_batch(&b, &jobs(&b), 2, &|_, _| {}).unwrap();
    let all = bands(&runs);
    assert_eq!(all.len(), (5 + 3) * Metric::ALL.len());
    for x in &all {
        assert!(
            x.p5 <= x.p25 && x.p25 <= x.p50 && x.p50 <= x.p75 && x.p75 <= x.p95,
            "{x:?}"
        );
        assert_eq!(x.runs, 3);
    }
    // Seeds move the workforce: some band has width.
    assert!(all.iter().any(|x| x.p95 > x.p5));

    let one = batch(
        dir.path(),
        &BATCH.replace("seeds = [7, 3, 11]", "seeds = [5]"),
    );
    let runs = run_batch(&one, &jobs(&one), 2, &|_, _| {}).unwrap();
    for x in bands(&runs) {
        assert_eq!((x.p5, x.p95, x.sd), (x.p50, x.p50, 0.0), "{x:?}");
    }
}

#[test]
fn the_batch_database_holds_every_run_year_and_band() {
    let dir = common::tmp();
    let b = batch(
        dir.path(),
        &format!("{BATCH}\n[[threshold]]\nmetric = \"headcount\"\nyear = 2026\nabove = 400\n"),
    );
    let db = dir.path().join("batch.duckdb");
    let report = run_batch_to_database(&b, &db, &BatchOptions::default(), &|_, _| {}).unwrap();
    assert_eq!(report.runs.len(), 6);
    let q = |sql: &str| common::query_i64(&db, sql);
    assert_eq!(q("SELECT count(*) FROM batch_runs"), 6);
    assert_eq!(q("SELECT count(*) FROM batch_year_summary"), 3 * 5 + 3 * 3);
    assert_eq!(
        q("SELECT count(*) FROM batch_bands"),
        ((5 + 3) * Metric::ALL.len()) as i64
    );
    assert_eq!(q("SELECT count(*) FROM batch_thresholds"), 2);
    // A fan chart per metric, beside the database (its first generation's folder).
    assert_eq!(report.charts.len(), Metric::ALL.len());
    let charts = workforce_sim::batch::charts_dir(&db).join("1");
    assert_eq!(report.charts[0].parent(), Some(charts.as_path()));
    let svg = std::fs::read_to_string(charts.join("employer_cost.svg")).unwrap();
    assert!(
        svg.contains("rich_match") && svg.contains("baseline"),
        "the chart names the scenarios"
    );
    // The stored summaries are the runs' (headcount of one run, one year).
    let r = &report.runs[0];
    assert_eq!(
        q(&format!(
            "SELECT headcount FROM batch_year_summary WHERE scenario_id = 'baseline' AND seed = {} AND simulation_year = 2025",
            r.seed
        )),
        r.years[0].ending_headcount as i64
    );
    // A second batch into the same file is refused without --overwrite, before any run.
    let err = run_batch_to_database(&b, &db, &BatchOptions::default(), &|_, _| {
        panic!("a run started")
    })
    .unwrap_err();
    // The library says what is there; the command line and Python name the flag.
    assert!(err.is_output_exists(), "{err}");
    assert!(
        err.to_string().contains("exists") && !err.to_string().contains("--"),
        "{err}"
    );
    let stderr = TestCommand::new()
        .arg("batch")
        .arg(dir.path().join("b.toml"))
        .arg("--db")
        .arg(&db)
        .fails();
    assert!(
        stderr.contains("exists") && stderr.contains("hint: pass --overwrite"),
        "{stderr}"
    );
}

#[test]
fn bad_batch_files_are_refused_and_write_nothing() {
    let dir = common::tmp();
    let path = dir.path().join("bad.toml");
    let db = dir.path().join("never.duckdb");
    for (text, says) in [
        (
            BATCH.replace("label = \"Baseline\"", "label = \"Baseline\"\nweight = 2"),
            "weight",
        ),
        (
            BATCH.replace("default_deferral_rate = 0.06", "default_deferral_rate = 6"),
            "rich_match",
        ),
        (BATCH.replace("scope =", "scoep ="), "scoep"),
        (
            BATCH.replace("seeds = [7, 3, 11]", "seeds = { start = 1, count = 0 }"),
            "count",
        ),
        (
            BATCH.replace("employees = 400", "employees = 0"),
            "employees",
        ),
    ] {
        std::fs::write(&path, &text).unwrap();
        let stderr = TestCommand::new()
            .arg("batch")
            .arg(&path)
            .arg("--db")
            .arg(&db)
            .fails();
        assert!(stderr.contains(says), "{says}: {stderr}");
        assert!(!db.exists(), "{says}: a database was written");
    }
}

#[test]
fn the_example_batch_runs_from_the_cli() {
    let dir = common::tmp();
    let db = dir.path().join("batch.duckdb");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/batch.toml");
    let text = std::fs::read_to_string(&example)
        .unwrap()
        .replace("count = 20", "count = 2")
        .replace("employees = 5000", "employees = 300");
    let path = dir.path().join("batch.toml");
    std::fs::write(&path, text).unwrap();
    let stdout = TestCommand::new()
        .arg("batch")
        .arg(&path)
        .arg("--db")
        .arg(&db)
        .stdout();
    assert!(
        stdout.contains("ae_all_6") && stdout.contains("Employer cost") && stdout.contains('$'),
        "{stdout}"
    );
    assert_eq!(common::query_i64(&db, "SELECT count(*) FROM batch_runs"), 4);
}

/// A batch database's tables as CSV in key order (run times and creation stamps left out:
/// they are when, not what).
fn batch_tables(db: &Path, dir: &Path) -> Vec<(String, Vec<u8>)> {
    [
        (
            "batch_runs",
            "scenario_id, label, seed, design, config_fingerprint",
            "scenario_id, seed, design",
        ),
        (
            "batch_year_summary",
            "*",
            "scenario_id, seed, simulation_year",
        ),
        ("batch_bands", "*", "scenario_id, simulation_year, metric"),
        (
            "batch_thresholds",
            "*",
            "scenario_id, metric, simulation_year",
        ),
        (
            "batch_attribution_summary",
            "*",
            "scenario_id, seed, design, simulation_year",
        ),
        (
            "batch_attribution",
            "*",
            "scenario_id, simulation_year, metric, subsystem",
        ),
    ]
    .iter()
    .map(|(t, cols, order)| {
        let out = dir.join(format!("{t}.csv"));
        let conn = duckdb::Connection::open(db).unwrap();
        conn.execute_batch(&format!(
            "COPY (SELECT {cols} FROM {t} ORDER BY {order}) TO '{}' (HEADER)",
            out.display()
        ))
        .unwrap();
        (t.to_string(), std::fs::read(&out).unwrap())
    })
    .collect()
}

#[test]
fn merged_shards_equal_the_unsharded_batch() {
    use workforce_sim::batch::merge_batches;
    use workforce_sim::batch::Shard;
    let dir = common::tmp();
    let b = batch(
        dir.path(),
        &format!(
            "{BATCH}\n[[threshold]]\nmetric = \"employer_cost\"\nyear = 2026\nabove = 1500000\n\
             [attribution]\npoints = 2\nsubsystems = [\"termination\", \"plan\"]\n"
        ),
    );
    let whole = dir.path().join("whole.duckdb");
    run_batch_to_database(&b, &whole, &BatchOptions::default(), &|_, _| {}).unwrap();
    let mut parts = Vec::new();
    for index in [2, 1, 3] {
        let part = dir.path().join(format!("part{index}.duckdb"));
        let options = BatchOptions {
            shard: Some(Shard { index, count: 3 }),
            ..Default::default()
        };
        let r = run_batch_to_database(&b, &part, &options, &|_, _| {}).unwrap();
        // 6 ensemble runs, and 2 scenarios x 2 points x 3 attribution designs.
        assert_eq!(r.runs.len(), 6, "shard {index}");
        parts.push(part);
    }
    // Shards missing or repeated are refused.
    let merged = dir.path().join("merged.duckdb");
    assert!(merge_batches(&parts[..2], &merged, false).is_err());
    assert!(merge_batches(
        &[parts[0].clone(), parts[0].clone(), parts[1].clone()],
        &merged,
        false
    )
    .is_err());
    assert!(!merged.exists());
    merge_batches(&parts, &merged, false).unwrap();
    let (a, m) = (dir.path().join("a"), dir.path().join("m"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&m).unwrap();
    let (x, y) = (batch_tables(&whole, &a), batch_tables(&merged, &m));
    for ((t, x), (_, y)) in x.iter().zip(&y) {
        assert!(x.len() > 50, "{t} is empty");
        assert!(
            x == y,
            "{t}: the merged shards differ from the unsharded batch"
        );
    }
}

#[test]
fn a_bad_shard_spec_is_refused_and_writes_nothing() {
    let dir = common::tmp();
    let path = dir.path().join("b.toml");
    std::fs::write(&path, BATCH).unwrap();
    let db = dir.path().join("s.duckdb");
    for spec in ["5/4", "0/2", "1/0", "x"] {
        let stderr = TestCommand::new()
            .args(["batch", "--shard", spec, "--db"])
            .arg(&db)
            .arg(&path)
            .fails();
        assert!(stderr.contains("INDEX/COUNT"), "{spec}: {stderr}");
        assert!(!db.exists());
    }
}

#[test]
fn compare_pairs_the_scenarios_seed_by_seed() {
    use workforce_sim::batch::{compare_runs, compare_scenarios};
    let dir = common::tmp();
    let b = batch(
        dir.path(),
        &BATCH.replace("end_year = 2027", "end_year = 2029"),
    );
    let db = dir.path().join("c.duckdb");
    let report = run_batch_to_database(&b, &db, &BatchOptions::default(), &|_, _| {}).unwrap();
    let diffs = compare_scenarios(&db, "baseline", "rich_match").unwrap();
    assert_eq!(diffs.len(), 5 * Metric::ALL.len());
    // The mean difference is the mean of the per-seed differences.
    let d = diffs
        .iter()
        .find(|d| d.year == 2027 && d.metric == "employee_deferrals")
        .unwrap();
    let per_seed: Vec<f64> = b
        .seeds
        .iter()
        .map(|&seed| {
            let of = |s: usize| {
                let r = report
                    .runs
                    .iter()
                    .find(|r| r.scenario == s && r.seed == seed)
                    .unwrap();
                Metric::EmployeeDeferrals.value(&r.years[2])
            };
            of(1) - of(0)
        })
        .collect();
    assert_eq!(d.pairs, 3);
    assert!(
        (d.mean - per_seed.iter().sum::<f64>() / 3.0).abs() < 1e-6,
        "{d:?}"
    );
    assert!(d.p5 <= d.p50 && d.p50 <= d.p95 && d.mean > 0.0, "{d:?}");
    // Unknown scenario ids are errors that list the known ones.
    let err = compare_scenarios(&db, "baseline", "nope")
        .unwrap_err()
        .to_string();
    assert!(err.contains("rich_match"), "{err}");

    // Two single-run databases of the same run differ by nothing.
    let config = common::valid(common::config(2025, 2026, 4));
    let (x, y) = (dir.path().join("x.duckdb"), dir.path().join("y.duckdb"));
    for db in [&x, &y] {
        workforce_sim::simulate_to_database(
            &config,
            &common::synthetic(300, 4),
            db,
            &common::options(1),
            &mut |_| {},
        )
        .unwrap();
    }
    let same = compare_runs(&x, &y).unwrap();
    assert_eq!(same.len(), 2 * Metric::ALL.len());
    assert!(same.iter().all(|d| d.mean == 0.0 && d.pairs == 1));
}

#[test]
fn first_seed_detail_runs_are_the_simulate_databases() {
    let dir = common::tmp();
    let b = batch(
        dir.path(),
        &BATCH
            .replace("detail = \"none\"", "detail = \"first_seed\"")
            .replace("seeds = [7, 3, 11]", "seeds = [7, 3]"),
    );
    let db = dir.path().join("d.duckdb");
    let report = run_batch_to_database(&b, &db, &BatchOptions::default(), &|_, _| {}).unwrap();
    // One full run per scenario: its first seed.
    assert_eq!(report.detail.len(), 2);
    let runs_dir = workforce_sim::batch::detail_dir(&db);
    assert_eq!(report.detail[0], runs_dir.join("1/baseline-seed7.duckdb"));
    assert_eq!(
        common::query_i64(
            &db,
            "SELECT count(*) FROM batch_runs WHERE detail_database IS NOT NULL"
        ),
        2
    );
    // Each is byte for byte the database `simulate` writes for that scenario and seed.
    for (s, path) in report.detail.iter().enumerate() {
        let config = b.run_config(s, 7).unwrap();
        let single = dir.path().join(format!("single{s}.duckdb"));
        workforce_sim::simulate_to_database(
            &config,
            &CensusInput::Synthetic(GeneratorParams::new(400, 2024, 7)),
            &single,
            &common::options(1),
            &mut |_| {},
        )
        .unwrap();
        let (a, c) = (
            dir.path().join(format!("a{s}")),
            dir.path().join(format!("c{s}")),
        );
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&c).unwrap();
        assert!(
            common::results(path, &a) == common::results(&single, &c),
            "scenario {s}: the detail run differs from simulate"
        );
    }
    assert!(!runs_dir.join("1.partial").exists());
}

#[test]
fn merged_shards_hold_the_runs_kept_in_full_where_the_unsharded_batch_does() {
    use workforce_sim::batch::Shard;
    use workforce_sim::batch::{detail_dir, merge_batches};
    let dir = common::tmp();
    let b = batch(
        dir.path(),
        &BATCH.replace("detail = \"none\"", "detail = \"first_seed\""),
    );
    let whole = dir.path().join("whole.duckdb");
    let w = run_batch_to_database(&b, &whole, &BatchOptions::default(), &|_, _| {}).unwrap();
    let shards = dir.path().join("shards");
    let parts: Vec<_> = (1..=2)
        .map(|index| {
            let part = shards.join(format!("part{index}.duckdb"));
            let options = BatchOptions {
                shard: Some(Shard { index, count: 2 }),
                ..Default::default()
            };
            run_batch_to_database(&b, &part, &options, &|_, _| {}).unwrap();
            part
        })
        .collect();
    // Shards written elsewhere (another machine) and brought together before the merge.
    let moved = dir.path().join("moved");
    std::fs::rename(&shards, &moved).unwrap();
    let parts: Vec<_> = parts
        .iter()
        .map(|p| moved.join(p.file_name().unwrap()))
        .collect();
    let merged = dir.path().join("merged.duckdb");
    merge_batches(&parts, &merged, false).unwrap();
    // A second merge over the first is refused unless asked to overwrite.
    let again = merge_batches(&parts, &merged, false)
        .unwrap_err()
        .to_string();
    assert!(again.contains("exists"), "{again}");
    let m = merge_batches(&parts, &merged, true).unwrap();
    // The shards may go: the merged batch holds its own copies, named as the whole batch
    // names its runs.
    std::fs::remove_dir_all(&moved).unwrap();
    let names = |paths: &[std::path::PathBuf], db: &Path| -> Vec<String> {
        paths
            .iter()
            .map(|p| {
                // In the one generation folder there is (`DB.runs/N/`).
                let generation = p.parent().unwrap();
                assert_eq!(
                    generation.parent(),
                    Some(detail_dir(db).as_path()),
                    "{}",
                    p.display()
                );
                assert_eq!(std::fs::read_dir(detail_dir(db)).unwrap().count(), 1);
                p.file_name().unwrap().to_string_lossy().into_owned()
            })
            .collect()
    };
    assert_eq!(names(&w.detail, &whole), names(&m.detail, &merged));
    assert_eq!(m.detail.len(), 2);
    let stored = common::query_i64(
        &merged,
        &format!(
            "SELECT count(*) FROM batch_runs WHERE detail_database LIKE '{}%'",
            detail_dir(&merged).display()
        ),
    );
    assert_eq!(stored, 2);
    for (k, (x, y)) in w.detail.iter().zip(&m.detail).enumerate() {
        let (a, c) = (
            dir.path().join(format!("a{k}")),
            dir.path().join(format!("c{k}")),
        );
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&c).unwrap();
        assert!(
            common::results(x, &a) == common::results(y, &c),
            "{}: the merged copy differs from the whole batch's run",
            y.display()
        );
    }
    // The second merge's generation replaced the first's: one folder, no partial left.
    assert!(detail_dir(&merged).join("2").is_dir() && !detail_dir(&merged).join("1").exists());
}

#[test]
fn a_parquet_batch_is_hive_partitioned_and_its_views_equal_the_database() {
    let dir = common::tmp();
    let b = batch(
        dir.path(),
        &format!("{BATCH}\n[[threshold]]\nmetric = \"hires\"\nyear = 2026\nbelow = 100\n"),
    );
    let db = dir.path().join("b.duckdb");
    run_batch_to_database(&b, &db, &BatchOptions::default(), &|_, _| {}).unwrap();
    let out = dir.path().join("pq");
    let options = BatchOptions {
        format: workforce_sim::Format::Parquet,
        ..Default::default()
    };
    run_batch_to_database(&b, &out, &options, &|_, _| {}).unwrap();
    assert!(out
        .join("batch_year_summary/scenario_id=rich_match/seed=11/part-0.parquet")
        .exists());
    assert!(out
        .join("batch_bands/scenario_id=baseline/part-0.parquet")
        .exists());
    let (a, p) = (dir.path().join("a"), dir.path().join("p"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&p).unwrap();
    let (x, y) = (
        batch_tables(&db, &a),
        batch_tables(&out.join("batch.duckdb"), &p),
    );
    for ((t, x), (_, y)) in x.iter().zip(&y) {
        assert!(x == y, "{t}: the Parquet batch differs from the database");
    }
    // compare reads the Parquet batch's catalog too.
    let d = workforce_sim::batch::compare_scenarios(
        &out.join("batch.duckdb"),
        "baseline",
        "rich_match",
    )
    .unwrap();
    assert!(!d.is_empty());
}

/// Variance attribution: the design's runs are `simulate` runs with one
/// subsystem's seed changed; a subsystem a metric cannot depend on explains none of it and
/// the one it depends on alone explains all of it; the shares land in `batch_attribution`.
#[test]
fn variance_attribution_varies_one_subsystem_at_a_time() {
    use workforce_sim::batch::{resample_seed, Design, Subsystem};
    let dir = common::tmp();
    let text = BATCH
        .replace("seeds = [7, 3, 11]", "seeds = { start = 1, count = 5 }")
        .replace("end_year = 2027", "end_year = 2026")
        + "\n[attribution]\npoints = 4\n";
    let b = batch(dir.path(), &text);
    let plan = b.attribution.as_ref().unwrap();
    assert_eq!(plan.seeds, vec![1, 2, 3, 4]);
    assert_eq!(plan.subsystems, Subsystem::ALL.to_vec());
    let db = dir.path().join("b.duckdb");
    let report = run_batch_to_database(&b, &db, &BatchOptions::default(), &|_, _| {}).unwrap();
    // 2 x 5 ensemble runs, and 2 scenarios x 4 points x (6 subsystems + resample).
    assert_eq!(report.runs.len(), 10 + 2 * 4 * 7);

    // A design run is simulate with that design's seeds: here the plan seed resampled.
    let run = report
        .runs
        .iter()
        .find(|r| r.scenario == 0 && r.seed == 3 && r.design == Design::Vary(Subsystem::Plan))
        .unwrap();
    // The summaries `simulate` gives for a configuration and a synthetic census seed.
    let simulated = |config: &workforce_sim::ValidConfig, census_seed: u64| -> Vec<_> {
        let census = workforce_sim::prepare_census(
            config,
            &CensusInput::Synthetic(GeneratorParams::new(400, 2024, census_seed)),
        )
        .unwrap();
        let single = simulate_in_memory(config, &census, &common::options(1)).unwrap();
        single.report.years.into_iter().map(|y| y.summary).collect()
    };
    let mut config = b.run_config(0, 3).unwrap().config().clone();
    config.simulation.random_seed_plan = Some(resample_seed(3));
    assert_eq!(run.years, simulated(&common::valid(config), 3));
    // ... and the census design draws the census with the second seed, nothing else.
    let census_run = report
        .runs
        .iter()
        .find(|r| r.scenario == 0 && r.seed == 3 && r.design == Design::Vary(Subsystem::Census))
        .unwrap();
    assert_eq!(
        census_run.years,
        simulated(&b.run_config(0, 3).unwrap(), resample_seed(3))
    );

    // The first year's terminations are quotas of the census's levels: the census explains
    // all of their variance and every other subsystem none, exactly.
    let share = |metric: Metric, subsystem: Subsystem, year: i32| {
        report
            .attribution
            .iter()
            .find(|x| {
                x.scenario == 0 && x.metric == metric && x.subsystem == subsystem && x.year == year
            })
            .unwrap()
            .clone()
    };
    let t = share(Metric::Terminations, Subsystem::Census, 2025);
    assert!(t.variance > 0.0, "terminations vary with the census");
    assert_eq!((t.first_order, t.total_effect), (Some(1.0), Some(1.0)));
    for s in &Subsystem::ALL[1..] {
        let x = share(Metric::Terminations, *s, 2025);
        assert_eq!(
            (x.first_order, x.total_effect),
            (Some(0.0), Some(0.0)),
            "{s:?}"
        );
    }
    // The default raise timing draws nothing: raises explain nothing of any metric.
    for m in Metric::ALL {
        let x = share(m, Subsystem::Raises, 2026);
        if x.total_effect.is_some() {
            assert_eq!(x.total_effect, Some(0.0), "{m:?}");
        }
    }
    // The plan's draws move participation, and nothing of the workforce.
    let p = share(Metric::ParticipationRate, Subsystem::Plan, 2026);
    assert!(p.total_effect.unwrap() > 0.0, "{p:?}");
    assert_eq!(
        share(Metric::Payroll, Subsystem::Plan, 2026).total_effect,
        Some(0.0)
    );
    // The year-end headcount is fixed by the hiring arithmetic: no variance, no shares.
    let h = share(Metric::Headcount, Subsystem::Census, 2026);
    if h.variance == 0.0 {
        assert_eq!(h.first_order, None);
    }

    // Stored: every scenario, year, metric and subsystem; the design runs apart from the
    // ensemble's summaries.
    let rows = 5 * 14 * 6 + 2 * 14 * 6;
    assert_eq!(
        common::query_i64(&db, "SELECT count(*) FROM batch_attribution"),
        rows as i64
    );
    assert_eq!(
        common::query_i64(&db, "SELECT count(*) FROM batch_year_summary"),
        5 * 5 + 5 * 2
    );
    assert_eq!(
        common::query_i64(
            &db,
            "SELECT count(DISTINCT design) FROM batch_attribution_summary"
        ),
        7
    );
    assert_eq!(
        common::query_i64(
            &db,
            "SELECT count(*) FROM batch_attribution WHERE first_order = 1 AND subsystem = 'census'
               AND metric = 'terminations' AND simulation_year = 2025"
        ),
        2
    );
    // The bands are the ensemble's alone.
    let n = common::query_i64(&db, "SELECT max(runs) FROM batch_bands");
    assert_eq!(n, 5);
}

#[test]
fn bad_attribution_tables_are_refused() {
    let dir = common::tmp();
    for (extra, says) in [
        ("points = 1", "attribution.points must be 2"),
        ("points = 4", "attribution.points must be 2"),
        ("subsystems = [\"weather\"]", "\"weather\" is not one of"),
        ("subsystems = [\"plan\", \"plan\"]", "appears twice"),
        ("subsystems = []", "empty"),
        ("sample = 3", "sample"),
    ] {
        let path = dir.path().join("b.toml");
        std::fs::write(&path, format!("{BATCH}\n[attribution]\n{extra}\n")).unwrap();
        let e = ValidBatch::load(&path).unwrap_err().to_string();
        assert!(e.contains(says), "{extra}: {e}");
    }
    // A census file (only named: validation reads no census) has no randomness to
    // attribute.
    let text = BATCH.replace("employees = 400", "census = \"census.csv\"")
        + "\n[attribution]\nsubsystems = [\"census\"]\n";
    std::fs::write(dir.path().join("b.toml"), &text).unwrap();
    let e = ValidBatch::load(&dir.path().join("b.toml"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("census file, which has no randomness"), "{e}");
    // Without a list, a census file batch attributes to the five run subsystems.
    let text = BATCH.replace("employees = 400", "census = \"census.csv\"") + "\n[attribution]\n";
    std::fs::write(dir.path().join("b.toml"), &text).unwrap();
    let b = ValidBatch::load(&dir.path().join("b.toml")).unwrap();
    assert_eq!(b.attribution.unwrap().subsystems.len(), 5);
}

/// Shards are merged only when made from the same inputs, not just the same batch file text:
/// a base configuration file changed between the shards (termination rate 0.12, then 0.40)
/// is refused, naming the shard and what differs; nothing is written.
#[test]
fn shards_made_from_another_base_file_are_not_merged() {
    use workforce_sim::batch::merge_batches;
    use workforce_sim::batch::Shard;
    let dir = common::tmp();
    let base = dir.path().join("base.toml");
    let text = BATCH.replace("[batch]\n", "[batch]\nconfig = \"base.toml\"\n");
    let mut parts = Vec::new();
    for (index, rate) in [(1, "0.12"), (2, "0.40")] {
        std::fs::write(
            &base,
            format!("[workforce]\ntotal_termination_rate = {rate}\n"),
        )
        .unwrap();
        let b = batch(dir.path(), &text);
        let part = dir.path().join(format!("part{index}.duckdb"));
        let options = BatchOptions {
            shard: Some(Shard { index, count: 2 }),
            ..Default::default()
        };
        run_batch_to_database(&b, &part, &options, &|_, _| {}).unwrap();
        parts.push(part);
    }
    let merged = dir.path().join("merged.duckdb");
    let err = merge_batches(&parts, &merged, false)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("part2.duckdb was made from other inputs than")
            && err.contains("scenario baseline configuration"),
        "{err}"
    );
    assert!(!merged.exists());
    // From the same files, the same shards merge.
    let b = batch(dir.path(), &text);
    let options = BatchOptions {
        shard: Some(Shard { index: 1, count: 2 }),
        overwrite: true,
        ..Default::default()
    };
    run_batch_to_database(&b, &parts[0], &options, &|_, _| {}).unwrap();
    merge_batches(&parts, &merged, false).unwrap();
}
