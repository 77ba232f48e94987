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
