//! Three engines, one answer: for several seeds and censuses, including edge
//! censuses (one employee, everyone in one level, a reduction in force, employees on every
//! band and segment edge) and non-default rule choices, the Polars and SQL engines produce
//! exactly the native engine's events and snapshots. Events are compared as sorted ledger
//! rows (JSON, as written to the store) with the first mismatches shown; snapshots by value.

use crate::common;
use crate::util::TestCommand;

use workforce_sim::config::plan::AutoEnrollmentScope;
use workforce_sim::config::{PromotionDistribution, RaiseTiming};
use workforce_sim::digest::{run_digest, Digest};
use workforce_sim::year::band_tables;
use workforce_sim::{simulate_in_memory, EngineKind, PreparedCensus, RunOptions, ValidConfig};

/// The ledger of a year as sorted JSON rows.
fn ledger(
    config: &ValidConfig,
    events: &workforce_sim::YearEvents,
    snapshot: &workforce_sim::Snapshot,
) -> Vec<String> {
    let (age, tenure) = band_tables(config);
    let mut rows: Vec<String> = (0..events.len())
        .map(|i| {
            serde_json::to_string(&events.record(i, snapshot.roster_ids(), config, (&age, &tenure)))
                .unwrap()
        })
        .collect();
    rows.sort();
    rows
}

/// The rows only in `a` and only in `b` (both sorted), at most `limit` of each.
fn first_mismatches(a: &[String], b: &[String], limit: usize) -> (Vec<String>, Vec<String>) {
    let (mut i, mut j) = (0, 0);
    let (mut only_a, mut only_b) = (Vec::new(), Vec::new());
    while (i < a.len() || j < b.len()) && (only_a.len() < limit || only_b.len() < limit) {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x == y => {
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x < y => {
                only_a.push(x.clone());
                i += 1;
            }
            (Some(_), Some(y)) => {
                only_b.push(y.clone());
                j += 1;
            }
            (Some(x), None) => {
                only_a.push(x.clone());
                i += 1;
            }
            (None, Some(y)) => {
                only_b.push(y.clone());
                j += 1;
            }
            (None, None) => break,
        }
    }
    (only_a, only_b)
}

/// The first differing snapshot cells, as `column[row] (employee): native vs other`.
fn snapshot_mismatches(
    a: &workforce_sim::Snapshot,
    b: &workforce_sim::Snapshot,
    limit: usize,
) -> Vec<String> {
    let mut out = Vec::new();
    if a.len() != b.len() {
        out.push(format!("rows: {} vs {}", a.len(), b.len()));
    }
    macro_rules! compare {
        ($($field:ident),*) => {$(
            for (r, (x, y)) in a.$field.iter().zip(&b.$field).enumerate() {
                if x != y && out.len() < limit {
                    out.push(format!(
                        "  {}[{r}] ({}): {x:?} vs {y:?}",
                        stringify!($field),
                        a.employee_id[r]
                    ));
                }
            }
        )*};
    }
    compare!(
        employee_id,
        employee_ssn,
        id_key,
        birth_date,
        hire_date,
        current_compensation,
        prorated_annual_compensation,
        current_age,
        current_tenure,
        level_id,
        active,
        termination_date,
        termination_reason,
        detailed_status,
        scheduled_hours,
        eligibility_date,
        waiting_period_days,
        plan
    );
    out
}

fn options(engine: EngineKind, threads: usize) -> RunOptions {
    RunOptions {
        engine,
        threads,
        ..Default::default()
    }
}

/// The native run's digest of every case: the results every engine must reproduce, pinned so
/// that a refactor cannot move them unnoticed.
const NATIVE_DIGESTS: &[(&str, &str)] = &[
    ("all in level 2", "b9c8f85fe345c669"),
    ("band and segment edges", "84d27b912f3bde41"),
    ("drawn configuration 0", "dd50ab7e1e3c6b69"),
    ("drawn configuration 1", "e711bbb00287ab36"),
    ("drawn configuration 10", "737bae63a72d9e87"),
    ("drawn configuration 11", "fa11ae3665fd3a26"),
    ("drawn configuration 2", "cadbf411a52bab55"),
    ("drawn configuration 3", "36485ceb4a895f95"),
    ("drawn configuration 4", "84a47de2299d86e7"),
    ("drawn configuration 5", "83f2ed10c8a5b8b2"),
    ("drawn configuration 6", "1eb2f97754b226b7"),
    ("drawn configuration 7", "261118ca80b3c607"),
    ("drawn configuration 8", "86f715596eac13b2"),
    ("drawn configuration 9", "da4b3aa2c6d5259f"),
    ("every subsystem on its own seed", "8680fb1240db4921"),
    (
        "legacy raises, deterministic promotions",
        "49304498f85d3e4e",
    ),
    (
        "normal promotions, realistic raises, all-eligible AE",
        "4624fd672c64db1e",
    ),
    ("one employee", "6b22e10f431b68eb"),
    ("plan disabled", "49889257650d9cb9"),
    ("reduction in force", "b4a69e0e48badea4"),
    ("seed 2024, 2500 employees", "e2580c0ccf022a2b"),
    ("seed 42, 1000 employees", "5bf9fb86259f2029"),
    ("seed 7, 400 employees", "56d3f5b885fb7de0"),
];

/// Runs every engine on the case and fails with a readable diff on the first difference.
fn assert_parity(case: &str, config: &ValidConfig, census: &PreparedCensus) {
    let native = simulate_in_memory(config, census, &options(EngineKind::Native, 1))
        .unwrap_or_else(|e| panic!("{case}: native run failed: {e}"));
    let digest = run_digest(native.years.iter().map(|(_, e, s)| (e, s)));
    let pinned = NATIVE_DIGESTS
        .iter()
        .find(|(c, _)| *c == case)
        .map(|(_, d)| *d);
    assert_eq!(
        pinned,
        Some(digest.as_str()),
        "{case}: the native results moved (or the case has no pinned digest)"
    );
    let total_events: usize = native.years.iter().map(|(_, e, _)| e.len()).sum();
    assert!(
        total_events > 0 || census.staged.baseline.len() <= 1,
        "{case}: no events"
    );
    for engine in [EngineKind::Polars, EngineKind::Sql] {
        let other = simulate_in_memory(config, census, &options(engine, 2))
            .unwrap_or_else(|e| panic!("{case}: {} run failed: {e}", engine.as_str()));
        assert_eq!(native.years.len(), other.years.len());
        for ((fa, ea, sa), (fb, eb, sb)) in native.years.iter().zip(&other.years) {
            let year = ea.year;
            let name = engine.as_str();
            assert_eq!(fa, fb, "{case}: {name} foundation of {year}");
            let (a, b) = (ledger(config, ea, sa), ledger(config, eb, sb));
            if a != b {
                let (only_native, only_other) = first_mismatches(&a, &b, 5);
                panic!(
                    "{case}: {name} events of {year} differ from native ({} vs {} events)\n\
                     only in native:\n  {}\nonly in {name}:\n  {}",
                    a.len(),
                    b.len(),
                    only_native.join("\n  "),
                    only_other.join("\n  ")
                );
            }
            assert!(ea == eb, "{case}: {name} ledger order of {year} differs");
            if sa != sb {
                let (mut da, mut db) = (Digest::default(), Digest::default());
                da.snapshot(sa);
                db.snapshot(sb);
                panic!(
                    "{case}: {name} snapshot of {year} differs (digest {} vs {})\n{}",
                    da.hex(),
                    db.hex(),
                    snapshot_mismatches(sa, sb, 5).join("\n")
                );
            }
        }
        for (la, lb) in native.plan_ledgers.iter().zip(&other.plan_ledgers) {
            assert_eq!(
                la.len(),
                lb.len(),
                "{case}: {} plan ledger size",
                engine.as_str()
            );
            assert!(
                la == lb,
                "{case}: {} plan ledger of {} differs from native",
                engine.as_str(),
                la.year
            );
        }
    }
}

#[test]
fn engines_agree_on_the_default_run_for_several_seeds() {
    for (seed, n, end) in [(42, 1_000, 2027), (7, 400, 2026), (2024, 2_500, 2026)] {
        let config = common::valid(common::config(2025, end, seed));
        let census = common::prepared(&config, n);
        assert_parity(&format!("seed {seed}, {n} employees"), &config, &census);
    }
}

#[test]
fn engines_agree_on_a_single_employee() {
    let config = common::valid(common::config(2025, 2027, 42));
    let census = common::prepared(&config, 1);
    assert_parity("one employee", &config, &census);
}

#[test]
fn engines_agree_when_everyone_is_in_one_level() {
    let config = common::valid(common::config(2025, 2027, 11));
    let mut census = common::prepared(&config, 600);
    let w = &mut census.staged.baseline;
    for l in w.level.iter_mut() {
        *l = 2;
    }
    assert_parity("all in level 2", &config, &census);
}

#[test]
fn engines_agree_on_a_reduction_in_force() {
    let mut config = common::config(2025, 2027, 5);
    config.simulation.target_growth_rate = -0.25;
    let config = common::valid(config);
    let census = common::prepared(&config, 800);
    assert_parity("reduction in force", &config, &census);
}

#[test]
fn engines_agree_on_band_and_segment_edges() {
    let config = common::valid(common::config(2025, 2026, 3));
    let mut census = common::prepared(&config, 700);
    let w = &mut census.staged.baseline;
    let ages = [
        20u16, 21, 25, 29, 30, 31, 34, 35, 44, 45, 46, 55, 56, 59, 60, 64, 65, 70,
    ];
    let tenures = [0u16, 1, 2, 3, 4, 5, 9, 10, 19, 20, 30];
    let pay = [
        49_999.99, 50_000.0, 99_999.99, 100_000.0, 199_999.99, 200_000.0, 500_000.0,
    ];
    for i in 0..w.len() {
        w.age[i] = ages[i % ages.len()];
        w.tenure[i] = tenures[i % tenures.len()];
        w.compensation[i] = pay[i % pay.len()];
    }
    assert_parity("band and segment edges", &config, &census);
}

#[test]
fn engines_agree_on_non_default_rules() {
    let mut config = common::config(2025, 2027, 99);
    config.promotion.distribution_type = PromotionDistribution::Normal;
    config.compensation.raise_timing = RaiseTiming::Realistic;
    config.plan.auto_enrollment.scope = AutoEnrollmentScope::AllEligibleEmployees;
    config.plan.eligibility.new_hire_ineligible_pct = 0.1;
    config.plan.eligibility.waiting_period_days = 90;
    config.plan.auto_escalation.hire_date_cutoff = Some("2020-01-01".into());
    let config = common::valid(config);
    let census = common::prepared(&config, 1_500);
    assert_parity(
        "normal promotions, realistic raises, all-eligible AE",
        &config,
        &census,
    );

    let mut config = common::config(2025, 2026, 8);
    config.compensation.raise_timing = RaiseTiming::Legacy;
    config.promotion.distribution_type = PromotionDistribution::Deterministic;
    config.plan.voluntary_enrollment.match_magnet_enabled = false;
    config.plan.match_response.enabled = false;
    let config = common::valid(config);
    let census = common::prepared(&config, 900);
    assert_parity("legacy raises, deterministic promotions", &config, &census);

    let mut config = common::config(2025, 2027, 5);
    config.compensation.raise_timing = RaiseTiming::Realistic;
    config.plan.eligibility.new_hire_ineligible_pct = 0.1;
    let s = &mut config.simulation;
    (s.random_seed_termination, s.random_seed_hiring) = (Some(11), Some(12));
    (
        s.random_seed_promotion,
        s.random_seed_raises,
        s.random_seed_plan,
    ) = (Some(13), Some(14), Some(15));
    let config = common::valid(config);
    let census = common::prepared(&config, 1_200);
    assert_parity("every subsystem on its own seed", &config, &census);

    let mut config = common::config(2025, 2026, 8);
    config.plan.enabled = false;
    let config = common::valid(config);
    let census = common::prepared(&config, 500);
    assert_parity("plan disabled", &config, &census);
}

/// A small deterministic generator for the configuration sweep (SplitMix64 over a counter).
struct Draws(u64);

impl Draws {
    fn next(&mut self) -> u64 {
        self.0 += 1;
        workforce_sim::rng::mix(self.0)
    }
    /// Uniform in `[lo, hi)`, rounded to 4 decimals (configuration values a user would type).
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((lo + u * (hi - lo)) * 10_000.0).round() / 10_000.0
    }
    fn coin(&mut self) -> bool {
        self.next() & 1 == 1
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

/// Configurations drawn at random across the rule switches and rates the engines branch on,
/// so a branch the hand-written cases miss still meets every engine.
#[test]
fn engines_agree_on_randomly_drawn_configurations() {
    use workforce_sim::config::{LevelOverride, MarketScenario};
    let mut r = Draws(2026);
    for case in 0..12 {
        let seed = r.next() % 10_000;
        let mut c = common::config(2025, 2027, seed);
        c.simulation.target_growth_rate = r.range(-0.3, 0.3);
        c.simulation.random_seed_termination = r.coin().then(|| r.next() % 1_000);
        c.simulation.random_seed_hiring = r.coin().then(|| r.next() % 1_000);
        c.simulation.random_seed_promotion = r.coin().then(|| r.next() % 1_000);
        c.workforce.total_termination_rate = r.range(0.02, 0.35);
        c.workforce.new_hire_termination_rate = r.range(0.0, 0.5);
        c.workforce.part_time_new_hire_pct = r.range(0.0, 0.5);
        c.compensation.cola_rate = r.range(0.0, 0.06);
        c.compensation.raise_timing = r.pick(&[
            RaiseTiming::CalendarDriven,
            RaiseTiming::Realistic,
            RaiseTiming::Legacy,
        ]);
        c.promotion.distribution_type = r.pick(&[
            PromotionDistribution::Uniform,
            PromotionDistribution::Normal,
            PromotionDistribution::Deterministic,
        ]);
        c.promotion.rate_multiplier = r.range(0.0, 3.0);
        c.promotion.level_dampener_factor = r.range(0.0, 0.5);
        if r.coin() {
            c.promotion.level_overrides = vec![LevelOverride {
                level: r.pick(&[1u8, 2, 3]),
                increase_pct: r.range(0.0, 0.3),
            }];
        }
        c.hiring.market_scenario = r.pick(&[
            MarketScenario::Conservative,
            MarketScenario::Baseline,
            MarketScenario::Competitive,
            MarketScenario::Aggressive,
        ]);
        if r.coin() {
            c.hiring.level_distribution = vec![0.5, 0.2, 0.15, 0.1, 0.05];
        }
        let p = &mut c.plan;
        p.eligibility.minimum_age = r.pick(&[18u16, 21, 25]);
        p.eligibility.waiting_period_days = r.pick(&[0u32, 30, 90, 365]);
        p.eligibility.new_hire_ineligible_pct = r.pick(&[0.0, 0.05, 0.2]);
        p.auto_enrollment.enabled = r.coin();
        p.auto_enrollment.scope = r.pick(&[
            AutoEnrollmentScope::NewHiresOnly,
            AutoEnrollmentScope::AllEligibleEmployees,
        ]);
        p.auto_enrollment.default_deferral_rate = r.pick(&[0.01, 0.03, 0.06]);
        p.auto_enrollment.opt_out_target_rate = r.range(0.0, 0.4);
        p.voluntary_enrollment.rate_multiplier = r.range(0.0, 2.0);
        p.voluntary_enrollment.proactive_enabled = r.coin();
        p.voluntary_enrollment.match_magnet_enabled = r.coin();
        p.voluntary_enrollment.year_over_year_enabled = r.coin();
        p.auto_escalation.enabled = r.coin();
        p.auto_escalation.increment = r.pick(&[0.005, 0.01, 0.02]);
        p.auto_escalation.first_escalation_delay_years = r.pick(&[0u32, 1, 2]);
        p.auto_escalation.require_active_enrollment = r.coin();
        p.match_response.enabled = r.coin();
        p.match_response.down_enabled = r.coin();
        let c = c
            .validate()
            .unwrap_or_else(|e| panic!("case {case}: drawn configuration invalid: {e}"));
        let census = common::prepared(&c, 300 + (r.next() % 900) as usize);
        assert_parity(&format!("drawn configuration {case}"), &c, &census);
    }
}

#[test]
fn engine_results_do_not_depend_on_the_thread_count() {
    let config = common::valid(common::config(2025, 2026, 42));
    let census = common::prepared(&config, 20_000);
    for engine in [EngineKind::Polars, EngineKind::Sql] {
        let one = simulate_in_memory(&config, &census, &options(engine, 1)).unwrap();
        let two = simulate_in_memory(&config, &census, &options(engine, 2)).unwrap();
        for ((_, ea, sa), (_, eb, sb)) in one.years.iter().zip(&two.years) {
            assert!(ea == eb && sa == sb, "{} year {}", engine.as_str(), ea.year);
        }
    }
}

/// The acceptance run of the engines: the default `simulate` (5,000 employees, 2025-2029) writes
/// the same database content with `--engine sql` and `--engine polars` as with the native
/// engine (run metadata and timings aside).
#[test]
fn cli_engines_write_the_same_database() {
    let dir = common::tmp();
    let mut results = Vec::new();
    for engine in ["native", "sql", "polars"] {
        let db = dir.path().join(format!("{engine}.duckdb"));
        TestCommand::new()
            .args(["simulate", "--engine", engine, "--db"])
            .arg(&db)
            .stdout();
        let tables = common::results(&db, dir.path());
        assert!(tables.iter().all(|(_, bytes)| bytes.len() > 100));
        // The run's metadata records which engine ran; everything else in it but the run id,
        // the clock times and the thread count is the same for every engine.
        let conn = duckdb::Connection::open(&db).unwrap();
        let (recorded, meta): (String, String) = conn
            .query_row(
                "SELECT engine, concat_ws('|', tool_version, random_seed, start_year, end_year,
                        census_source, census_rows, baseline_headcount, config_fingerprint,
                        config_json, status, last_committed_year) FROM run_metadata",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(recorded, engine);
        results.push((engine, tables, meta));
    }
    let (_, native, native_meta) = &results[0];
    for (engine, tables, meta) in &results[1..] {
        for ((name, a), (_, b)) in native.iter().zip(tables) {
            assert!(a == b, "{engine}: table {name} differs from native");
        }
        assert_eq!(
            meta, native_meta,
            "{engine}: run metadata differs from native"
        );
    }
}
