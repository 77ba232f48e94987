//! Same census, config and seed: byte-identical events and snapshots, whatever the thread
//! count; a different seed gives different results.

use crate::common;

use workforce_sim::simulate_to_database;

fn run(dir: &std::path::Path, name: &str, seed: u64, threads: usize) -> Vec<(String, Vec<u8>)> {
    let config = common::valid(common::config(2025, 2027, seed));
    let db = dir.join(format!("{name}.duckdb"));
    simulate_to_database(
        &config,
        &common::synthetic(3_000, seed),
        &db,
        &common::options(threads),
        &mut |_| {},
    )
    .unwrap();
    let out = dir.join(name);
    std::fs::create_dir_all(&out).unwrap();
    common::results(&db, &out)
}

#[test]
fn same_seed_gives_byte_identical_tables_for_any_thread_count() {
    let dir = common::tmp();
    let a = run(dir.path(), "a", 42, 1);
    let b = run(dir.path(), "b", 42, 1);
    let c = run(dir.path(), "c", 42, 2);
    for ((ta, xa), ((_, xb), (_, xc))) in a.iter().zip(b.iter().zip(c.iter())) {
        assert!(xa.len() > 100, "{ta} exported");
        assert!(xa == xb, "{ta}: two runs differ");
        assert!(xa == xc, "{ta}: --threads 1 and --threads 2 differ");
    }
}

#[test]
fn parallel_decisions_match_sequential_on_a_large_population() {
    // Above the parallel threshold (16,384 employees) the per-employee loop runs on rayon.
    let config = common::valid(common::config(2025, 2026, 42));
    let census = common::prepared(&config, 40_000);
    let one = workforce_sim::simulate_in_memory(&config, &census, &common::options(1)).unwrap();
    let two = workforce_sim::simulate_in_memory(&config, &census, &common::options(2)).unwrap();
    assert_eq!(one.years.len(), two.years.len());
    for (a, b) in one.years.iter().zip(&two.years) {
        assert!(a.1 == b.1, "events differ");
        assert!(a.2 == b.2, "snapshots differ");
    }
}

#[test]
fn different_seed_differs() {
    let dir = common::tmp();
    let a = run(dir.path(), "a", 42, 1);
    let b = run(dir.path(), "b", 43, 1);
    let events = |r: &Vec<(String, Vec<u8>)>| r.iter().find(|t| t.0 == "events").unwrap().1.clone();
    assert_ne!(events(&a), events(&b));
}

/// Each run's events by type, as sorted `employee|date|details|pay|age|level` strings (the event id
/// left out: it numbers events, so a change in one type would renumber the others).
fn events_by_type(
    config: &workforce_sim::ValidConfig,
    census: &workforce_sim::PreparedCensus,
) -> std::collections::BTreeMap<&'static str, Vec<String>> {
    let run = workforce_sim::simulate_in_memory(config, census, &common::options(1)).unwrap();
    let bands = workforce_sim::year::band_tables(config);
    let mut out: std::collections::BTreeMap<&'static str, Vec<String>> = Default::default();
    for (_, events, snapshot) in &run.years {
        for i in 0..events.len() {
            let r = events.record(i, snapshot.roster_ids(), config, (&bands.0, &bands.1));
            out.entry(r.event_type.as_str()).or_default().push(format!(
                "{}|{}|{}|{:?}|{}|{}",
                r.employee_id,
                r.effective_date,
                r.event_details,
                r.compensation_amount,
                r.employee_age,
                r.level_id
            ));
        }
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

/// The subsystem seeds (docs/rules.md 2.1, "the subsystem seed where configured"): the raises
/// seed moves the raise dates only, and the plan seed the plan's decisions only; the
/// workforce events stay as they were. Every subsystem's seed moves its own events.
#[test]
fn each_subsystem_seed_moves_its_own_events_only() {
    use workforce_sim::config::RaiseTiming;
    let mut base = common::config(2025, 2026, 42);
    base.compensation.raise_timing = RaiseTiming::Realistic;
    base.plan.eligibility.new_hire_ineligible_pct = 0.1;
    let census = common::prepared(&common::valid(base.clone()), 2_000);
    let with = |f: &dyn Fn(&mut workforce_sim::config::SimulationConfig)| {
        let mut c = base.clone();
        f(&mut c.simulation);
        events_by_type(&common::valid(c), &census)
    };
    let before = with(&|_| {});
    let workforce = ["termination", "hire", "promotion"];
    let same = |a: &std::collections::BTreeMap<&str, Vec<String>>, types: &[&str], why: &str| {
        for t in types {
            assert!(a[t] == before[t], "{why}: {t} events moved");
        }
    };
    let moved = |a: &std::collections::BTreeMap<&str, Vec<String>>, t: &str, why: &str| {
        assert!(!before[t].is_empty(), "{t} events exist");
        assert!(a[t] != before[t], "{why}: {t} events did not move");
    };

    let raises = with(&|s| s.random_seed_raises = Some(7));
    same(&raises, &workforce, "raises seed");
    moved(&raises, "raise", "raises seed");

    let plan_seed = with(&|s| s.random_seed_plan = Some(7));
    same(&plan_seed, &workforce, "plan seed");
    same(&plan_seed, &["raise"], "plan seed");
    moved(&plan_seed, "enrollment", "plan seed");

    moved(
        &with(&|s| s.random_seed_termination = Some(7)),
        "termination",
        "termination seed",
    );
    let hiring = with(&|s| s.random_seed_hiring = Some(7));
    moved(&hiring, "hire", "hiring seed");
    moved(
        &with(&|s| s.random_seed_promotion = Some(7)),
        "promotion",
        "promotion seed",
    );
    // Setting every subsystem seed to the run's seed is the run itself.
    let all = with(&|s| {
        s.random_seed_termination = Some(42);
        s.random_seed_hiring = Some(42);
        s.random_seed_promotion = Some(42);
        s.random_seed_raises = Some(42);
        s.random_seed_plan = Some(42);
    });
    assert!(
        all == before,
        "explicit subsystem seeds equal to the run's seed"
    );
}
