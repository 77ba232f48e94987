//! The detector on synthetic series: a clean step, pure noise (the false-positive rate), a
//! drift, two steps, a step at the newest commit, and the noise classes.

use super::*;

/// A seeded normal generator (xorshift64* and Box-Muller): the same series every run.
struct Noise(u64);

impl Noise {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
    /// `levels[i]` with relative noise of standard deviation `sd`.
    fn series(&mut self, levels: &[f64], sd: f64) -> Vec<f64> {
        levels
            .iter()
            .map(|l| l * (1.0 + sd * self.normal()))
            .collect()
    }
}

fn steps(n: usize, at: &[(usize, f64)]) -> Vec<f64> {
    (0..n)
        .map(|i| {
            at.iter()
                .filter(|(k, _)| i >= *k)
                .fold(1_000_000.0, |l, (_, pct)| l * (1.0 + pct / 100.0))
        })
        .collect()
}

fn strong(a: &Analysis) -> Vec<&Change> {
    a.changes
        .iter()
        .filter(|c| c.strength == Strength::Strong)
        .collect()
}

#[test]
fn a_clean_step_is_found_at_its_commit_with_its_size() {
    let o = Options::default();
    for seed in 1..=50u64 {
        let xs = Noise(seed).series(&steps(40, &[(25, 5.0)]), 0.005);
        let a = analyse(&xs, &o, false);
        let s = strong(&a);
        assert_eq!(s.len(), 1, "seed {seed}: {:?}", a.changes);
        let c = s[0];
        assert_eq!((c.start, c.shape), (25, Shape::Step), "seed {seed}: {c:?}");
        assert!((c.pct - 5.0).abs() < 0.8, "seed {seed}: {c:?}");
        assert!((c.before / 1e6 - 1.0).abs() < 0.01, "{c:?}");
        assert!((c.after / 1.05e6 - 1.0).abs() < 0.01, "{c:?}");
        assert!(c.p_value < 1e-6, "{c:?}");
    }
}

#[test]
fn an_exact_series_steps_at_one_commit_with_p_zero() {
    // Instruction counts: the same for every commit of one level.
    let mut xs = vec![112_017.0; 10];
    xs.extend(vec![122_285.0; 6]);
    let a = analyse(&xs, &Options::default(), true);
    assert_eq!(a.changes.len(), 1, "{:?}", a.changes);
    let c = a.changes[0];
    assert_eq!(
        (c.start, c.strength, c.shape),
        (10, Strength::Strong, Shape::Step)
    );
    assert_eq!(c.p_value, 0.0);
    assert!((c.pct - 9.167).abs() < 0.01, "{c:?}");
    assert_eq!(a.noise, NoiseClass::Stable);
    // Below the weak size nothing is reported, however certain.
    let mut xs = vec![1000.0; 10];
    xs.extend(vec![1004.0; 10]);
    assert!(analyse(&xs, &Options::default(), false).changes.is_empty());
}

#[test]
fn an_exact_measure_steps_at_consecutive_commits() {
    // Instruction counts of a run of commits that each add work: every step stands on its
    // own commit, though the series' commit-to-commit changes are anything but small.
    let xs = [
        6_139_268.0,
        8_561_530.0,
        8_561_531.0,
        9_371_606.0,
        9_372_488.0,
        9_372_488.0,
    ];
    let a = analyse(&xs, &Options::default(), true);
    let at: Vec<usize> = a.changes.iter().map(|c| c.start).collect();
    assert_eq!(at, [1, 3], "{:?}", a.changes);
    assert!(
        (a.changes[0].pct - 39.46).abs() < 0.01,
        "{:?}",
        a.changes[0]
    );
    assert!(a
        .changes
        .iter()
        .all(|c| c.strength == Strength::Strong && c.shape == Shape::Step));
    // One step against a repeated level stands on one commit whether or not the caller
    // says the measure is exact (the commit-to-commit noise is nil).
    let a = analyse(&[5.0, 5.0, 5.0, 6.0, 6.0], &Options::default(), false);
    assert_eq!(a.changes.len(), 1);
}

#[test]
fn a_step_at_the_newest_commit_is_found() {
    let mut xs = vec![6_140_000.0; 12];
    xs.push(6_140_000.0 * 1.06);
    let a = analyse(&xs, &Options::default(), false);
    assert_eq!(a.changes.len(), 1, "{:?}", a.changes);
    assert_eq!(
        (a.changes[0].start, a.changes[0].strength),
        (12, Strength::Strong)
    );
    // In a noisy series too, when the newest point is far outside the noise.
    let mut xs = Noise(7).series(&vec![1e6; 30], 0.005);
    xs.push(1.2e6);
    let a = analyse(&xs, &Options::default(), false);
    assert_eq!(strong(&a).len(), 1, "{:?}", a.changes);
    assert_eq!(strong(&a)[0].start, 30);
}

/// Pure noise at several levels: the share of 1,000 seeded series of 50 commits each in
/// which the strong threshold finds a change (printed; the README cites it).
#[test]
fn pure_noise_finds_no_strong_change() {
    let o = Options::default();
    for sd in [0.002, 0.01, 0.05, 0.2] {
        let mut noise = Noise(0x5eed ^ (sd * 1e4) as u64);
        let (mut strong_hits, mut weak_hits) = (0, 0);
        for _ in 0..1000 {
            let xs = noise.series(&vec![1e6; 50], sd);
            let a = analyse(&xs, &o, false);
            if a.changes.iter().any(|c| c.strength == Strength::Strong) {
                strong_hits += 1;
            }
            if !a.changes.is_empty() {
                weak_hits += 1;
            }
        }
        println!(
            "noise sd {:.1}%: strong changes in {strong_hits}/1000 series, weak or strong in {weak_hits}/1000",
            sd * 100.0
        );
        assert!(
            strong_hits <= 10,
            "sd {sd}: {strong_hits}/1000 false strong changes"
        );
    }
}

#[test]
fn a_slow_drift_is_one_drift_not_steps() {
    let o = Options::default();
    // Flat, a climb of 10% over 20 commits, flat.
    let levels: Vec<f64> = (0..60)
        .map(|i| 1e6 * (1.0 + 0.10 * ((i as f64 - 19.0) / 20.0).clamp(0.0, 1.0)))
        .collect();
    for seed in 1..=20u64 {
        let xs = Noise(seed).series(&levels, 0.003);
        let a = analyse(&xs, &o, false);
        // One strong change, the drift; a weak one of the noise may come too (at about the
        // rate the noise test measures), never a step of the climb.
        let s = strong(&a);
        assert_eq!(s.len(), 1, "seed {seed}: {:?}", a.changes);
        assert!(a
            .changes
            .iter()
            .all(|c| c.pct.abs() < 1.0 || c.shape == Shape::Drift));
        let c = *s[0];
        assert_eq!(c.shape, Shape::Drift, "seed {seed}: {c:?}");
        assert!((16..=23).contains(&c.start), "seed {seed}: {c:?}");
        assert!((36..=43).contains(&c.end), "seed {seed}: {c:?}");
        assert!((c.pct - 10.0).abs() < 1.5, "seed {seed}: {c:?}");
        assert_eq!(c.strength, Strength::Strong);
    }
    // A drift over the whole history.
    let levels: Vec<f64> = (0..40).map(|i| 1e6 * (1.0 + 0.004 * i as f64)).collect();
    let a = analyse(&Noise(3).series(&levels, 0.002), &o, false);
    assert_eq!(a.changes.len(), 1, "{:?}", a.changes);
    assert_eq!(a.changes[0].shape, Shape::Drift, "{:?}", a.changes);
}

#[test]
fn two_steps_are_both_found() {
    let o = Options::default();
    for seed in 1..=30u64 {
        // The same direction (a staircase is not a drift) ...
        let xs = Noise(seed).series(&steps(60, &[(20, 5.0), (40, 5.0)]), 0.005);
        let a = analyse(&xs, &o, false);
        let s = strong(&a);
        assert_eq!(s.len(), 2, "seed {seed}: {:?}", a.changes);
        assert_eq!((s[0].start, s[1].start), (20, 40), "seed {seed}: {s:?}");
        assert!(s.iter().all(|c| c.shape == Shape::Step));
        // ... and away and back.
        let xs = Noise(seed).series(&steps(60, &[(20, 8.0), (40, -8.0)]), 0.005);
        let a = analyse(&xs, &o, false);
        let s = strong(&a);
        assert_eq!(s.len(), 2, "seed {seed}: {:?}", a.changes);
        assert_eq!((s[0].start, s[1].start), (20, 40), "seed {seed}: {s:?}");
        assert!(s[0].pct > 0.0 && s[1].pct < 0.0);
    }
}

#[test]
fn noise_classes() {
    let o = Options::default();
    let stable = analyse(&Noise(1).series(&vec![1e6; 40], 0.001), &o, false);
    assert_eq!(stable.noise, NoiseClass::Stable, "{stable:?}");
    let noisy = analyse(&Noise(2).series(&vec![1e6; 40], 0.05), &o, false);
    assert_eq!(noisy.noise, NoiseClass::Noisy, "{noisy:?}");
    assert!((3.0..8.0).contains(&noisy.noise_pct), "{noisy:?}");
    // Two codegen outcomes the series moves between at random.
    let mut n = Noise(3);
    let levels: Vec<f64> = (0..40)
        .map(|_| if n.uniform() < 0.5 { 1e6 } else { 1.04e6 })
        .collect();
    let bimodal = analyse(&n.series(&levels, 0.001), &o, false);
    assert_eq!(bimodal.noise, NoiseClass::Bimodal, "{bimodal:?}");
}

#[test]
fn short_series_do_not_break() {
    let o = Options::default();
    assert!(analyse(&[], &o, false).changes.is_empty());
    assert!(analyse(&[5.0], &o, false).changes.is_empty());
    assert!(analyse(&[5.0, 5.0], &o, false).changes.is_empty());
    let a = analyse(&[100.0, 110.0], &o, false);
    assert_eq!(a.changes.len(), 1, "{a:?}");
    assert!(analyse(&[0.0, 0.0, 0.0], &o, false).changes.is_empty());
}
