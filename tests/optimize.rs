//! Choosing a design: on a small grid, `optimize` finds the design that running every
//! design on every seed (a batch) shows to be the cheapest feasible one, with racing as
//! without; a constraint no design can meet gives no feasible design; the result is the
//! same for any thread count; bad specs are errors naming the entry, before any run.

use crate::util::TestCommand;

use std::path::Path;
use workforce_sim::batch::optimize::{optimize, Spec};

const SPEC: &str = r#"
[base]
employees = 300
seeds = 8
max_runs = 200
first_seeds = FIRST

[[lever]]
key = "plan.auto_enrollment.default_deferral_rate"
values = [0.02, 0.04, 0.06]

[[lever]]
key = "plan.employer_core.rate"
values = [0.0, 0.02]

[objective]
metric = "employer_cost"
sense = "minimize"

[[constraint]]
metric = "participation_rate"
at_least = BOUND
probability = 0.6
"#;

fn spec(dir: &Path, first: u64, bound: f64) -> Spec {
    let path = dir.join(format!("spec-{first}-{bound}.toml"));
    std::fs::write(
        &path,
        SPEC.replace("FIRST", &first.to_string())
            .replace("BOUND", &bound.to_string()),
    )
    .unwrap();
    Spec::load(&path).unwrap()
}

#[test]
fn optimize_finds_the_brute_force_best_with_and_without_racing() {
    let dir = crate::common::tmp();
    // Every design on every seed: the brute force.
    let all = optimize(&spec(dir.path(), 8, 0.5), 2).unwrap();
    assert_eq!(all.candidates.len(), 6);
    assert!(all
        .candidates
        .iter()
        .all(|c| c.seeds == 8 && c.dropped_at.is_none()));
    let truth = all
        .candidates
        .iter()
        .filter(|c| c.feasible)
        .min_by(|a, b| a.objective_mean.total_cmp(&b.objective_mean))
        .map(|c| c.index);
    assert!(truth.is_some());
    assert_eq!(all.best, truth);
    // The cheapest design has no core contribution: the objective sees the lever.
    assert!(all.candidates[truth.unwrap()].levers[1].1.starts_with('0'));
    // Racing from 2 seeds reaches the same winner and never drops it.
    let raced = optimize(&spec(dir.path(), 2, 0.5), 2).unwrap();
    assert_eq!(raced.best, truth);
    assert!(raced.candidates[truth.unwrap()].dropped_at.is_none());
    assert!(raced.runs <= all.runs);
    // The same for one thread.
    let one = optimize(&spec(dir.path(), 2, 0.5), 1).unwrap();
    assert_eq!(one.best, raced.best);
    assert_eq!(one.runs, raced.runs);
    for (a, b) in one.candidates.iter().zip(&raced.candidates) {
        assert_eq!(
            (a.objective_mean, a.seeds, &a.dropped_at),
            (b.objective_mean, b.seeds, &b.dropped_at)
        );
    }
}

#[test]
fn a_constraint_no_design_meets_gives_no_feasible_design() {
    let dir = crate::common::tmp();
    let o = optimize(&spec(dir.path(), 8, 1.5), 2).unwrap();
    assert_eq!(o.best, None);
    assert!(o.candidates.iter().all(|c| !c.feasible));
    let out = TestCommand::new()
        .arg("optimize")
        .arg(dir.path().join("spec-8-1.5.toml"))
        .stdout();
    assert!(out.contains("no feasible design"), "{out}");
}

#[test]
fn bad_specs_are_errors_before_any_run() {
    let dir = crate::common::tmp();
    let write = |name: &str, text: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let base = SPEC.replace("FIRST", "2").replace("BOUND", "0.5");
    for (text, want) in [
        (
            base.replace("plan.employer_core.rate", "plan.employer_core.nothing"),
            "[[lever]] 2 (plan.employer_core.nothing): not a key",
        ),
        (
            base.replace("max_runs = 200", "max_runs = 5"),
            "above max_runs",
        ),
        (
            base.replace("values = [0.0, 0.02]", "values = [0.0, 7.0]"),
            "plan.employer_core.rate = 7",
        ),
        (
            base.replace("sense = \"minimize\"", "sense = \"lowest\""),
            "minimize or maximize",
        ),
        (base.replace("employer_cost", "happiness"), "not a target"),
        (base.replace("[objective]", "[objectiv]"), "objectiv"),
    ] {
        let p = write("bad.toml", text);
        let err = TestCommand::new().arg("optimize").arg(&p).fails();
        assert!(err.contains(want), "{want:?} not in {err}");
    }
    // The best design as an overlay that simulate accepts.
    let spec = write("ok.toml", base);
    let out = dir.path().join("best.toml");
    let db = dir.path().join("opt.duckdb");
    TestCommand::new()
        .arg("optimize")
        .arg(&spec)
        .arg("--out")
        .arg(&out)
        .arg("--db")
        .arg(&db)
        .succeeds();
    // Every design is a row of opt_candidates; the best is one of them and feasible.
    let q = |sql: &str| crate::common::query_i64(&db, sql);
    assert_eq!(q("SELECT count(*) FROM opt_candidates"), 6);
    assert_eq!(
        q("SELECT count(*) FROM opt_candidates WHERE best AND feasible"),
        1
    );
    assert_eq!(
        q("SELECT best FROM opt_metadata"),
        q("SELECT design FROM opt_candidates WHERE best")
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains("default_deferral_rate") && text.contains("[plan.employer_core]"),
        "{text}"
    );
    TestCommand::new()
        .args(["simulate", "--employees", "200", "--config"])
        .arg(&out)
        .arg("--db")
        .arg(dir.path().join("best.duckdb"))
        .succeeds();
}
