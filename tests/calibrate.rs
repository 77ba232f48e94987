//! Calibration: a known lever value is recovered from the metric it produces (common random
//! numbers make the seed-averaged metric a deterministic function of the lever); a target
//! out of reach, a lever that does not move the metric and a key that is not a number are
//! errors.

use crate::util::TestCommand;

use workforce_sim::batch::calibrate::{calibrate, evaluate, CalibrateSpec, Goal};
use workforce_sim::batch::config::BatchCensus;
use workforce_sim::Config;

fn spec(lever: &str, range: (f64, f64), goal: Goal, target: f64) -> CalibrateSpec {
    let mut base = Config::default();
    base.simulation.end_year = 2028;
    CalibrateSpec {
        base: base.validate().unwrap(),
        census: BatchCensus::Synthetic { employees: 800 },
        seeds: vec![1, 2, 3, 4],
        lever: lever.into(),
        range,
        goal,
        target,
        tolerance: 1e-6,
        max_evaluations: 40,
        threads: 2,
    }
}

#[test]
fn calibrate_recovers_a_known_merit_budget_from_its_payroll_growth() {
    let mut s = spec(
        "compensation.merit_budget",
        (0.0, 0.10),
        Goal::PayrollGrowth,
        0.0,
    );
    // The payroll growth a merit budget of 4.5% gives on these seeds.
    s.target = evaluate(&s, 0.045).unwrap().mean;
    let mut seen = Vec::new();
    let c = calibrate(&s, &mut |e| seen.push(e.lever)).unwrap();
    assert!((c.value - 0.045).abs() < 1e-3, "{c:?}");
    assert!((c.at_solution.mean - s.target).abs() <= 1e-6);
    // Its uncertainty over the seeds: finite, and small next to the range.
    assert!(
        c.value_standard_error > 0.0 && c.value_standard_error < 0.01,
        "{c:?}"
    );
    assert_eq!(seen.len(), c.evaluations.len());
    assert_eq!((seen[0], seen[1]), (0.0, 0.10), "the bracket's ends first");
    assert!(c.evaluations.len() <= 40);
    // The overlay sets the lever and reads back.
    let overlay = c.overlay(&s.base).unwrap();
    let text = toml::to_string(&overlay).unwrap();
    let back = Config::from_toml_str(&text).unwrap().validate().unwrap();
    assert_eq!(back.compensation.merit_budget, c.value);
}

#[test]
fn calibrate_says_why_it_cannot_solve() {
    // (lever, range, goal, target, what the error says)
    let cases = [
        (
            "compensation.merit_budget",
            (0.0, 0.10),
            Goal::PayrollGrowth,
            0.9,
            "no sign change",
        ),
        (
            "plan.auto_escalation.maximum_rate",
            (0.05, 0.10),
            Goal::HeadcountGrowth,
            0.03,
            "does not move",
        ),
        (
            "compensation.nothing",
            (0.0, 0.1),
            Goal::PayrollGrowth,
            0.03,
            "not a numeric key",
        ),
        // At a merit budget of 0 nobody gets a raise (not even COLA); above it everyone
        // does: payroll growth jumps, and a target inside the jump has no solution.
        (
            "compensation.merit_budget",
            (0.0, 0.10),
            Goal::PayrollGrowth,
            0.045,
            "jumps across the target",
        ),
        (
            "compensation.merit_budget",
            (0.1, 0.0),
            Goal::PayrollGrowth,
            0.03,
            "low < high",
        ),
    ];
    for (lever, range, goal, target, want) in cases {
        let e = calibrate(&spec(lever, range, goal, target), &mut |_| {})
            .unwrap_err()
            .to_string();
        assert!(e.contains(want), "{lever} {target}: {want:?} not in {e}");
    }
}

/// `calibrate` of the merit budget over 0-10% for 7% payroll growth, 500 employees, 3 seeds.
fn merit_for_growth() -> TestCommand {
    let mut c = TestCommand::new();
    c.args([
        "calibrate",
        "--lever",
        "compensation.merit_budget",
        "--range",
        "0:0.1",
    ])
    .args([
        "--target",
        "payroll_growth=0.07",
        "--employees",
        "500",
        "--seeds",
        "3",
    ]);
    c
}

#[test]
fn the_cli_prints_each_evaluation_and_writes_the_solved_overlay() {
    let dir = crate::common::tmp();
    let out = dir.path().join("solved.toml");
    let run = merit_for_growth()
        .args(["--end-year", "2027"])
        .arg("--out")
        .arg(&out)
        .output();
    // --end-year is not a calibrate flag: clap says so (exit 2), nothing written.
    assert_eq!(run.status.code(), Some(2));
    assert!(!out.exists());
    let stdout = merit_for_growth().arg("--out").arg(&out).stdout();
    assert!(
        stdout.contains("compensation.merit_budget = 0.0"),
        "{stdout}"
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains("[compensation]") && text.contains("merit_budget = "),
        "{text}"
    );
    Config::from_toml_str(&text).unwrap().validate().unwrap();
    let err = TestCommand::new()
        .args([
            "calibrate",
            "--lever",
            "compensation.merit_budget",
            "--range",
            "0:0.1",
        ])
        .args(["--target", "happiness=1"])
        .fails();
    assert!(err.contains("not a target"), "{err}");
}
