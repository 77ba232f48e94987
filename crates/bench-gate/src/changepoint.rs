//! Change points of one benchmark series over commit order, the way Apache Otava (formerly
//! Hunter) finds them: E-Divisive means (the split that maximises the energy distance of
//! the two sides, Matteson and James 2014) applied recursively, each split kept only when a
//! Student's t-test of the two sides is significant and the step is large enough, then
//! pruned against its neighbours until every change point stands on the segments around it.
//!
//! Two thresholds: a **weak** change (p ≤ 0.05 and at least 0.5%) is shown, a **strong** one
//! (p ≤ 0.001 and at least the gate's 2%) is what fails `history detect --fail-on-new`.
//! A run of change points in one direction is compared with a ramp (one level, a linear
//! climb, another level) by BIC: when the ramp explains the run better it is reported as one
//! **drift** over its commits, not as steps. Each series also gets a noise class from the
//! residuals around its levels: **stable**, **noisy** or **bimodal**.
//!
//! Everything here is a pure function of the values; the commits, benches and machines are
//! the caller's ([`crate::history`]).

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// Thresholds of the detector.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// A change is kept (weak) at p ≤ this and |size| ≥ `weak_pct`.
    pub weak_p: f64,
    pub weak_pct: f64,
    /// A kept change is strong at p ≤ this and |size| ≥ `strong_pct`.
    pub strong_p: f64,
    pub strong_pct: f64,
    /// The fewest points on either side of a change in a noisy series (an exact series, one
    /// whose commit-to-commit noise is below 0.05%, such as instruction counts, allows 1).
    pub min_segment: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            weak_p: 0.05,
            weak_pct: 0.5,
            strong_p: 0.001,
            strong_pct: 2.0,
            min_segment: 3,
        }
    }
}

/// How strong a change is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    Weak,
    Strong,
}

/// A step (one commit) or a drift (a climb over several commits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    Step,
    Drift,
}

/// One change of a series.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Change {
    /// The first point at the new level (a step) or the first point of the climb (a drift).
    pub start: usize,
    /// The first point at the new level: `start` for a step, after the climb for a drift.
    pub end: usize,
    /// Median of the segment before and after.
    pub before: f64,
    pub after: f64,
    /// (after − before) / before, percent.
    pub pct: f64,
    /// The t-test's two-sided p-value (a drift: its slope's).
    pub p_value: f64,
    pub strength: Strength,
    pub shape: Shape,
}

/// The noise class of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoiseClass {
    /// Residuals around the levels within 1% (robust coefficient of variation).
    Stable,
    /// Wider than 1%.
    Noisy,
    /// Two levels the series keeps moving between: a gap of over 1% and five times the
    /// groups' spread splits the residuals into two groups of a fifth of the points or more,
    /// or it steps away and back twice or more.
    Bimodal,
}

impl NoiseClass {
    pub fn label(self) -> &'static str {
        match self {
            NoiseClass::Stable => "stable",
            NoiseClass::Noisy => "noisy",
            NoiseClass::Bimodal => "bimodal",
        }
    }
}

/// What the detector says of one series.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Analysis {
    pub changes: Vec<Change>,
    pub noise: NoiseClass,
    /// Robust coefficient of variation of the residuals, percent.
    pub noise_pct: f64,
}

/// The fewest commits a drift climbs over (fewer is a step with a point between levels).
const MIN_DRIFT: usize = 4;

/// Below this commit-to-commit noise (relative) a series is exact and a change may stand on
/// one point.
const EXACT_NOISE: f64 = 0.0005;

/// The change points and the noise class of `xs` (in commit order). `exact` says the
/// measure repeats exactly for one binary and input (instruction counts, allocation
/// counts), so a change may stand on one commit, as one whose commit-to-commit noise is
/// below 0.05% may. Values that are not finite are not allowed by the caller; an empty or
/// one-point series has no change.
pub fn analyse(xs: &[f64], o: &Options, exact: bool) -> Analysis {
    let n = xs.len();
    if n < 2 {
        return Analysis {
            changes: Vec::new(),
            noise: NoiseClass::Stable,
            noise_pct: 0.0,
        };
    }
    // Relative deviations from the median: the fits below work on numbers near zero.
    let scale = median(xs).abs().max(f64::MIN_POSITIVE);
    let rel: Vec<f64> = xs.iter().map(|x| x / scale - 1.0).collect();
    let exact = exact || first_difference_noise(&rel) < EXACT_NOISE;
    let mode = Mode {
        min_seg: if exact { 1 } else { o.min_segment.max(1) },
        exact,
    };
    let mut cuts = Vec::new();
    split(&rel, 0, n, mode, o, &mut cuts);
    cuts.sort_unstable();
    prune(&rel, &mut cuts, mode, o);
    let mut changes = describe(xs, &rel, &cuts, mode, o);
    changes = drifts(xs, &rel, &cuts, changes, o);
    let (noise, noise_pct) = noise_class(&rel, &cuts, &changes);
    Analysis {
        changes,
        noise,
        noise_pct,
    }
}

/// Robust standard deviation of the first differences over √2: the point-to-point noise,
/// blind to steps.
fn first_difference_noise(rel: &[f64]) -> f64 {
    if rel.len() < 3 {
        return 0.0;
    }
    let d: Vec<f64> = rel.windows(2).map(|w| w[1] - w[0]).collect();
    let m = median(&d);
    let mad = median(&d.iter().map(|x| (x - m).abs()).collect::<Vec<_>>());
    1.4826 * mad / std::f64::consts::SQRT_2
}

/// How a series is split.
#[derive(Debug, Clone, Copy)]
struct Mode {
    /// The fewest points on either side of a change (but the newest commit's).
    min_seg: usize,
    /// An exact measure: a change is real when its size is (its noise is far below the
    /// weak size), and p-values rest on a noise floor of 0.05%.
    exact: bool,
}

impl Mode {
    /// Whether a split of size `pct` and p-value `p` passes the weak test.
    fn keeps(self, p: f64, pct: f64, o: &Options) -> bool {
        pct.abs() >= o.weak_pct && (self.exact || p <= o.weak_p)
    }

    /// The relative noise variance a t-test assumes at least.
    fn floor(self) -> f64 {
        if self.exact {
            EXACT_NOISE * EXACT_NOISE
        } else {
            0.0
        }
    }
}

/// Recursive E-Divisive: the best split of `[lo, hi)`, kept when it passes the weak test,
/// then each side again. A one-point side is allowed only at the end of the series (the
/// newest commit), or everywhere in an exact series.
fn split(x: &[f64], lo: usize, hi: usize, mode: Mode, o: &Options, out: &mut Vec<usize>) {
    let min_right = if hi == x.len() { 1 } else { mode.min_seg };
    let Some(tau) = best_split(&x[lo..hi], mode.min_seg, min_right).map(|t| lo + t) else {
        return;
    };
    let (p, pct) = test(&x[lo..tau], &x[tau..hi], mode.floor());
    let p = adjusted(p, hi - lo, mode.min_seg);
    if mode.keeps(p, pct, o) {
        out.push(tau);
        split(x, lo, tau, mode, o, out);
        split(x, tau, hi, mode, o, out);
    }
}

/// The split of `x` (left size ≥ `min_left`, right size ≥ `min_right`) maximising the
/// energy statistic Q = m(n−m)/n · (2·E|L−R| − E|L−L'| − E|R−R'|), in O(n²).
fn best_split(x: &[f64], min_left: usize, min_right: usize) -> Option<usize> {
    let n = x.len();
    if n < min_left + min_right || n < 2 {
        return None;
    }
    let total: f64 = (0..n)
        .map(|i| (i + 1..n).map(|j| (x[i] - x[j]).abs()).sum::<f64>())
        .sum();
    let (mut within_left, mut within_right, mut between) = (0.0, total, 0.0);
    let mut best: Option<(usize, f64)> = None;
    for t in 0..n - 1 {
        // Point t moves from the right side to the left.
        let to_left: f64 = (0..t).map(|i| (x[i] - x[t]).abs()).sum();
        let to_right: f64 = (t + 1..n).map(|j| (x[t] - x[j]).abs()).sum();
        within_left += to_left;
        within_right -= to_right;
        between += to_right - to_left;
        let m = t + 1;
        let r = n - m;
        if m < min_left || r < min_right {
            continue;
        }
        let pairs = |k: usize| (k * k.saturating_sub(1) / 2) as f64;
        let mean_within = |w: f64, k: usize| if k > 1 { w / pairs(k) } else { 0.0 };
        let (mf, rf) = (m as f64, r as f64);
        let q = mf * rf / n as f64
            * (2.0 * between / (mf * rf)
                - mean_within(within_left, m)
                - mean_within(within_right, r));
        if best.is_none_or(|(_, b)| q > b) {
            best = Some((m, q));
        }
    }
    best.map(|(m, _)| m)
}

/// The p-value of a split chosen as the best of a segment of `len` points, Bonferroni
/// corrected for the number of places it could have been: the t-test of the chosen split
/// alone would find a change in pure noise far more often than its p-value says.
fn adjusted(p: f64, len: usize, min_seg: usize) -> f64 {
    let places = len.saturating_sub(2 * min_seg).max(1) as f64;
    (p * places).min(1.0)
}

/// Student's two-sample t-test (pooled variance, as Otava's) of `a` against `b`: the
/// two-sided p-value and the change of the medians, percent of `a`'s (on relative values).
/// `floor` is the least relative noise variance assumed (0: what the values show).
fn test(a: &[f64], b: &[f64], floor: f64) -> (f64, f64) {
    let pct = (median(b) - median(a)) / (1.0 + median(a)) * 100.0;
    (t_test(a, b, floor), pct)
}

fn t_test(a: &[f64], b: &[f64], floor: f64) -> f64 {
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (ma, mb) = (mean(a), mean(b));
    let ss = |v: &[f64], m: f64| v.iter().map(|x| (x - m) * (x - m)).sum::<f64>();
    let df = na + nb - 2.0;
    let diff = (mb - ma).abs();
    let pooled = if df > 0.0 {
        (ss(a, ma) + ss(b, mb)) / df
    } else {
        0.0
    }
    .max(floor);
    // Exactly repeated values: any difference beyond rounding is certain, none is nothing.
    if pooled <= 1e-24 {
        return if diff > 1e-12 { 0.0 } else { 1.0 };
    }
    let t = diff / (pooled * (1.0 / na + 1.0 / nb)).sqrt();
    if floor > 0.0 {
        // An exact measure: its noise is known to be at most the floor, so a z-test (a
        // t-test's few degrees of freedom would make a 40% step of one commit look unsure).
        return (2.0 * (1.0 - Normal::standard().cdf(t))).clamp(0.0, 1.0);
    }
    if df <= 0.0 {
        return 1.0;
    }
    match StudentsT::new(0.0, 1.0, df) {
        Ok(dist) => (2.0 * (1.0 - dist.cdf(t))).clamp(0.0, 1.0),
        Err(_) => 1.0,
    }
}

/// Removes, one at a time, the weakest change point that fails the weak test against the
/// segments between its neighbours, until all pass.
fn prune(x: &[f64], cuts: &mut Vec<usize>, mode: Mode, o: &Options) {
    loop {
        let mut worst: Option<(usize, f64)> = None;
        for k in 0..cuts.len() {
            let lo = if k == 0 { 0 } else { cuts[k - 1] };
            let hi = cuts.get(k + 1).copied().unwrap_or(x.len());
            let (p, pct) = test(&x[lo..cuts[k]], &x[cuts[k]..hi], mode.floor());
            let p = adjusted(p, hi - lo, mode.min_seg);
            let fails = !mode.keeps(p, pct, o);
            if fails && worst.is_none_or(|(_, w)| p > w) {
                worst = Some((k, p));
            }
        }
        match worst {
            Some((k, _)) => {
                cuts.remove(k);
            }
            None => return,
        }
    }
}

/// Each cut as a step, measured against the segments between its neighbours.
fn describe(xs: &[f64], rel: &[f64], cuts: &[usize], mode: Mode, o: &Options) -> Vec<Change> {
    (0..cuts.len())
        .map(|k| {
            let lo = if k == 0 { 0 } else { cuts[k - 1] };
            let hi = cuts.get(k + 1).copied().unwrap_or(xs.len());
            let (p, _) = test(&rel[lo..cuts[k]], &rel[cuts[k]..hi], mode.floor());
            let p = adjusted(p, hi - lo, mode.min_seg);
            change(xs, lo, cuts[k], cuts[k], hi, p, Shape::Step, o)
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn change(
    xs: &[f64],
    lo: usize,
    start: usize,
    end: usize,
    hi: usize,
    p_value: f64,
    shape: Shape,
    o: &Options,
) -> Change {
    let before = median(&xs[lo..start.max(lo + 1)]);
    let after = median(&xs[end.min(hi - 1)..hi]);
    let pct = if before != 0.0 {
        (after - before) / before.abs() * 100.0
    } else {
        0.0
    };
    let strength = if p_value <= o.strong_p && pct.abs() >= o.strong_pct {
        Strength::Strong
    } else {
        Strength::Weak
    };
    Change {
        start,
        end,
        before,
        after,
        pct,
        p_value,
        strength,
        shape,
    }
}

/// Prefix sums for O(1) fits of constants and ramps over index ranges.
struct Sums {
    x: Vec<f64>,
    xx: Vec<f64>,
    tx: Vec<f64>,
}

impl Sums {
    fn new(v: &[f64]) -> Sums {
        let mut s = Sums {
            x: vec![0.0; v.len() + 1],
            xx: vec![0.0; v.len() + 1],
            tx: vec![0.0; v.len() + 1],
        };
        for (t, &x) in v.iter().enumerate() {
            s.x[t + 1] = s.x[t] + x;
            s.xx[t + 1] = s.xx[t] + x * x;
            s.tx[t + 1] = s.tx[t] + t as f64 * x;
        }
        s
    }
    fn x(&self, a: usize, b: usize) -> f64 {
        self.x[b] - self.x[a]
    }
    fn xx(&self, a: usize, b: usize) -> f64 {
        self.xx[b] - self.xx[a]
    }
    fn tx(&self, a: usize, b: usize) -> f64 {
        self.tx[b] - self.tx[a]
    }
    /// Residual sum of squares of one constant over [a, b).
    fn rss_constant(&self, a: usize, b: usize) -> f64 {
        if b <= a {
            return 0.0;
        }
        let s = self.x(a, b);
        (self.xx(a, b) - s * s / (b - a) as f64).max(0.0)
    }
    /// Least-squares fit over [a, b) of `α + β·r(t)`, where r is 0 before `s`, climbs
    /// linearly over [s, e) and is 1 from `e` on: (RSS, β, standard error of β).
    fn ramp(&self, a: usize, b: usize, s: usize, e: usize) -> Option<(f64, f64, f64)> {
        let n = (b - a) as f64;
        let m = (e - s) as f64;
        let l = m + 1.0;
        let tail = (b - e) as f64;
        let r1 = m * (m + 1.0) / 2.0 / l + tail;
        let r2 = m * (m + 1.0) * (2.0 * m + 1.0) / 6.0 / (l * l) + tail;
        let xr = (self.tx(s, e) - (s as f64 - 1.0) * self.x(s, e)) / l + self.x(e, b);
        let x = self.x(a, b);
        let xx = self.xx(a, b);
        let det = n * r2 - r1 * r1;
        if det <= 1e-12 || n < 3.0 {
            return None;
        }
        let beta = (n * xr - x * r1) / det;
        let alpha = (x - beta * r1) / n;
        let rss = (xx - alpha * x - beta * xr).max(0.0);
        let se = (rss / (n - 2.0) * n / det).sqrt();
        Some((rss, beta, se))
    }
}

/// Bayesian information criterion of a fit with `params` parameters and residual `rss` over
/// `n` points (a floor on the residual: exact series fit perfectly).
fn bic(rss: f64, n: usize, params: usize) -> f64 {
    let n = n as f64;
    n * (rss / n).max(1e-16).ln() + params as f64 * n.ln()
}

/// Runs of change points in one direction that a ramp explains better than steps (by BIC),
/// each replaced by one drift over the ramp's commits.
fn drifts(xs: &[f64], rel: &[f64], cuts: &[usize], steps: Vec<Change>, o: &Options) -> Vec<Change> {
    if cuts.is_empty() {
        return steps;
    }
    let sums = Sums::new(rel);
    let bound = |k: usize| -> usize {
        match k {
            0 => 0,
            k if k > cuts.len() => xs.len(),
            k => cuts[k - 1],
        }
    };
    let mut out = Vec::new();
    let mut k = 0;
    while k < cuts.len() {
        // The run of cuts k..j in one direction.
        let up = steps[k].pct > 0.0;
        let mut j = k + 1;
        while j < cuts.len() && (steps[j].pct > 0.0) == up {
            j += 1;
        }
        let (a, b) = (bound(k), bound(j + 1));
        let runs = j - k;
        let rss_steps: f64 = (k..=j)
            .map(|s| sums.rss_constant(bound(s), bound(s + 1)))
            .sum();
        let steps_bic = bic(rss_steps, b - a, 2 * runs + 1);
        // The best ramp starting at or before the first cut and ending at or after the last.
        let mut best: Option<(f64, usize, usize, f64, f64)> = None;
        for s in a..=cuts[k] {
            for e in cuts[j - 1]..b {
                if e < s + MIN_DRIFT {
                    continue;
                }
                if let Some((rss, beta, se)) = sums.ramp(a, b, s, e) {
                    if best.is_none_or(|bst| rss < bst.0) {
                        best = Some((rss, s, e, beta, se));
                    }
                }
            }
        }
        match best {
            Some((rss, s, e, beta, se)) if bic(rss, b - a, 4) < steps_bic => {
                let p = if se > 0.0 {
                    let t = (beta / se).abs();
                    StudentsT::new(0.0, 1.0, ((b - a) as f64 - 2.0).max(1.0))
                        .map(|d| (2.0 * (1.0 - d.cdf(t))).clamp(0.0, 1.0))
                        .unwrap_or(1.0)
                } else {
                    0.0
                };
                let mut c = change(xs, a, s.max(a + 1), e, b, p, Shape::Drift, o);
                c.start = s;
                out.push(c);
            }
            _ => out.extend_from_slice(&steps[k..j]),
        }
        k = j;
    }
    out
}

/// The noise class from the residuals around the segments' medians (relative values).
fn noise_class(rel: &[f64], cuts: &[usize], changes: &[Change]) -> (NoiseClass, f64) {
    let mut bounds = vec![0];
    bounds.extend_from_slice(cuts);
    bounds.push(rel.len());
    let mut resid = Vec::with_capacity(rel.len());
    for w in bounds.windows(2) {
        let seg = &rel[w[0]..w[1]];
        let m = median(seg);
        resid.extend(seg.iter().map(|x| (x - m) / (1.0 + m)));
    }
    let med = median(&resid);
    let mad = median(&resid.iter().map(|x| (x - med).abs()).collect::<Vec<_>>());
    let cv = 1.4826 * mad * 100.0;
    // Away and back: a change followed within three points by one of the other sign and a
    // similar size.
    let flips = changes
        .windows(2)
        .filter(|w| {
            w[0].shape == Shape::Step
                && w[1].shape == Shape::Step
                && w[1].start - w[0].start <= 3
                && w[0].pct.signum() != w[1].pct.signum()
                && (w[0].pct.abs() - w[1].pct.abs()).abs() <= 0.5 * w[0].pct.abs()
        })
        .count();
    let mut sorted = resid.clone();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let least = (n / 5).max(3);
    let gap = (least..=n.saturating_sub(least))
        .filter(|&i| i > 0 && i < n)
        .map(|i| (sorted[i] - sorted[i - 1], i))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let bimodal_gap = gap.is_some_and(|(g, i)| {
        let spread = |v: &[f64]| {
            let m = median(v);
            1.4826 * median(&v.iter().map(|x| (x - m).abs()).collect::<Vec<_>>())
        };
        let within = spread(&sorted[..i]).max(spread(&sorted[i..]));
        g > 0.01 && g > 5.0 * within
    });
    let class = if flips >= 2 || bimodal_gap {
        NoiseClass::Bimodal
    } else if cv > 1.0 {
        NoiseClass::Noisy
    } else {
        NoiseClass::Stable
    };
    (class, cv)
}

/// The median (the mean of the middle two for an even count); 0 for nothing.
pub fn median(v: &[f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

#[cfg(test)]
#[path = "changepoint_tests.rs"]
mod tests;
