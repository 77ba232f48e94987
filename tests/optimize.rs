//! Choosing a design: on a small grid, `optimize` finds the design that running every
//! design on every seed (a batch) shows to be the cheapest feasible one, with racing as
//! without, and the same Pareto frontier; a constraint no design can meet gives no feasible
//! design and the closest ones; the result is the same for any thread count and shard
//! layout; a grid above the budget is sampled and refined; bad specs are errors naming the
//! entry and its line, before any run.

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
        .min_by(|a, b| a.objectives[0].mean.total_cmp(&b.objectives[0].mean))
        .map(|c| c.index);
    assert!(truth.is_some());
    assert_eq!(all.best, truth);
    // The cheapest design has no core contribution: the objective sees the lever.
    assert!(all.candidate(truth.unwrap()).unwrap().levers[1]
        .1
        .starts_with('0'));
    // Racing from 2 seeds reaches the same winner and never drops it.
    let raced = optimize(&spec(dir.path(), 2, 0.5), 2).unwrap();
    assert_eq!(raced.best, truth);
    assert!(raced
        .candidate(truth.unwrap())
        .unwrap()
        .dropped_at
        .is_none());
    assert!(raced.runs <= all.runs);
    // The same for one thread.
    let one = optimize(&spec(dir.path(), 2, 0.5), 1).unwrap();
    assert_eq!(one.best, raced.best);
    assert_eq!(one.runs, raced.runs);
    for (a, b) in one.candidates.iter().zip(&raced.candidates) {
        assert_eq!(
            (a.objectives[0].mean, a.seeds, &a.dropped_at),
            (b.objectives[0].mean, b.seeds, &b.dropped_at)
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
    // The closest designs are named, with how often each constraint was met.
    assert!(out.contains("closest: design"), "{out}");
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
            "spec.toml:12: [[lever]] 2 (plan.employer_core.nothing): not a key",
        ),
        (
            base.replace("max_runs = 200", "max_runs = 5"),
            "raise max_runs",
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
        (
            base.replace(
                "probability = 0.6",
                "probability = 0.6\nstatistic = \"p10\"",
            ),
            "a probability or a percentile statistic, not both",
        ),
        (
            base.replace(
                "sense = \"minimize\"",
                "sense = \"minimize\"\nstatistic = \"p120\"",
            ),
            "`p1` to `p99`",
        ),
        (
            base.replace(
                "sense = \"minimize\"",
                "sense = \"minimize\"\ndiscount_rate = 0.04",
            )
            .replace("\"employer_cost\"", "\"participation_rate\""),
            "a present value (discount_rate) takes a money metric",
        ),
        (
            format!("{base}\n[[constraint]]\nadp_acp_pass = \"sometimes\"\n"),
            ":25: [[constraint]] 2 (adp_acp_pass): \"sometimes\": every_year or last_year",
        ),
    ] {
        let p = write("spec.toml", text);
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
    // Every value the search rests on: 6 designs x 2 first seeds at least, 2 measures each.
    assert!(q("SELECT count(*) FROM opt_runs") >= 6 * 2 * 2);
    assert!(q("SELECT count(*) FROM opt_frontier") >= 1);
    assert_eq!(
        q("SELECT count(*) FROM opt_frontier f JOIN opt_candidates c USING (design) WHERE c.on_frontier AND c.feasible"),
        q("SELECT count(*) FROM opt_frontier")
    );
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

const TWO_OBJECTIVES: &str = r#"
[base]
employees = 300
seeds = 6
max_runs = 200
first_seeds = FIRST

[[lever]]
key = "plan.auto_enrollment.default_deferral_rate"
values = [0.02, 0.04, 0.06]

[[lever]]
key = "plan.employer_core.rate"
values = [0.0, 0.02]

[[objective]]
metric = "employer_cost"
sense = "minimize"

[[objective]]
metric = "participation_rate"
sense = "maximize"
statistic = "p10"

[[constraint]]
adp_acp_pass = "last_year"
probability = 0.5
"#;

#[test]
fn the_frontier_is_the_pareto_set_of_the_brute_force() {
    let dir = crate::common::tmp();
    let path = dir.path().join("two.toml");
    std::fs::write(&path, TWO_OBJECTIVES.replace("FIRST", "6")).unwrap();
    let o = optimize(&Spec::load(&path).unwrap(), 2).unwrap();
    assert_eq!(o.frontier_axes.len(), 2);
    assert_eq!(o.frontier_axes[1].name, "participation_rate p10");
    // Brute force: the feasible designs no other feasible design beats on both objectives.
    let feasible: Vec<_> = o.candidates.iter().filter(|c| c.feasible).collect();
    assert!(!feasible.is_empty());
    let mut truth: Vec<u64> = feasible
        .iter()
        .filter(|c| {
            !feasible.iter().any(|e| {
                let (c0, c1) = (c.objectives[0].value, c.objectives[1].value);
                let (e0, e1) = (e.objectives[0].value, e.objectives[1].value);
                e0 <= c0 && e1 >= c1 && (e0 < c0 || e1 > c1)
            })
        })
        .map(|c| c.index)
        .collect();
    truth.sort_unstable();
    let mut got = o.frontier.clone();
    got.sort_unstable();
    assert_eq!(got, truth);
    // Every frontier design is marked; every other ran design is dominated by one of them.
    for c in &o.candidates {
        assert_eq!(c.on_frontier, o.frontier.contains(&c.index));
        if c.feasible && !c.on_frontier {
            assert!(o.frontier.contains(&c.dominated_by.unwrap()));
        }
    }
    // The p10 is the seeds' 10th percentile of the stored values.
    let c = &o.candidates[0];
    let mut xs: Vec<f64> = o.values[&c.index].iter().map(|r| r[1]).collect();
    xs.sort_by(f64::total_cmp);
    let h = 0.1 * (xs.len() - 1) as f64;
    let p10 =
        xs[h.floor() as usize] + (h - h.floor()) * (xs[h.ceil() as usize] - xs[h.floor() as usize]);
    assert!((c.objectives[1].value - p10).abs() < 1e-12);
    // The chart draws it.
    let svg = workforce_sim::batch::optimize::chart::pareto_chart(&o).unwrap();
    assert!(
        svg.starts_with("<svg")
            && svg.contains("frontier")
            && svg.contains("participation_rate p10")
    );
}

#[test]
fn shards_merge_to_the_unsharded_result() {
    let dir = crate::common::tmp();
    let spec = dir.path().join("spec.toml");
    std::fs::write(&spec, SPEC.replace("FIRST", "2").replace("BOUND", "0.5")).unwrap();
    let whole = TestCommand::new()
        .arg("optimize")
        .arg(&spec)
        .args(["--json", "--threads", "2"])
        .stdout();
    for layout in [2u32, 3] {
        let mut parts = Vec::new();
        for i in 1..=layout {
            let db = dir.path().join(format!("shard-{i}-of-{layout}.duckdb"));
            TestCommand::new()
                .arg("optimize")
                .arg(&spec)
                .args([
                    "--shard",
                    &format!("{i}/{layout}"),
                    "--threads",
                    "1",
                    "--db",
                ])
                .arg(&db)
                .succeeds();
            parts.push(db);
        }
        let merged = TestCommand::new()
            .arg("optimize")
            .arg(&spec)
            .arg("--json")
            .arg("--merge")
            .args(&parts)
            .stdout();
        assert_eq!(merged, whole, "{layout} shards");
        // A missing shard is named.
        let err = TestCommand::new()
            .arg("optimize")
            .arg(&spec)
            .arg("--merge")
            .args(&parts[1..])
            .fails();
        assert!(
            err.contains(&format!("shard 1/{layout} is missing")),
            "{err}"
        );
    }
    // A shard of another spec is refused.
    let other = dir.path().join("other.toml");
    std::fs::write(&other, SPEC.replace("FIRST", "2").replace("BOUND", "0.4")).unwrap();
    let err = TestCommand::new()
        .arg("optimize")
        .arg(&other)
        .arg("--merge")
        .arg(dir.path().join("shard-1-of-2.duckdb"))
        .arg(dir.path().join("shard-2-of-2.duckdb"))
        .fails();
    assert!(err.contains("a shard of another search"), "{err}");
}

const LARGE: &str = r#"
[base]
employees = 200
seeds = 6
first_seeds = 2
max_runs = 120

[[lever]]
key = "plan.auto_enrollment.default_deferral_rate"
range = [0.01, 0.10]
step = 0.01

[[lever]]
key = "plan.employer_core.rate"
range = [0.0, 0.04]
step = 0.005

[[lever]]
key = "plan.auto_escalation.maximum_rate"
values = [0.06, 0.08, 0.10]

[objective]
metric = "employer_cost"
sense = "minimize"
discount_rate = 0.04

[[constraint]]
metric = "participation_rate"
at_least = 0.5
statistic = "p50"
"#;

#[test]
fn a_grid_above_the_budget_is_sampled_then_refined_within_it() {
    let dir = crate::common::tmp();
    let path = dir.path().join("large.toml");
    std::fs::write(&path, LARGE).unwrap();
    let spec = Spec::load(&path).unwrap();
    assert_eq!(spec.grid_size, 10 * 9 * 3);
    assert!(matches!(
        spec.search,
        workforce_sim::batch::optimize::Search::Sample(15)
    ));
    let o = optimize(&spec, 2).unwrap();
    assert_eq!(o.search, "sample");
    assert!(o.runs <= 120, "{} runs", o.runs);
    // More designs than the sample: refinement added neighbours.
    let ran = o.candidates.iter().filter(|c| c.seeds > 0).count();
    assert!(ran > 15 && (ran as u64) < o.grid_size, "{ran}");
    let best = o.best.unwrap_or_else(|| {
        panic!(
            "no feasible design: {}",
            serde_json::to_string_pretty(&o).unwrap()
        )
    });
    // The cheapest design found has no core contribution (the objective sees the lever).
    assert_eq!(
        spec.indices(best)[1],
        0,
        "{:?}",
        o.candidate(best).unwrap().levers
    );
    // The present value: the years' employer cost discounted to the first year.
    let c = o.candidate(best).unwrap();
    assert!(c.objectives[0].name.contains("pv@4%"));
    // The same for one thread.
    let one = optimize(&spec, 1).unwrap();
    assert_eq!(
        serde_json::to_string(&one).unwrap(),
        serde_json::to_string(&o).unwrap()
    );
}
