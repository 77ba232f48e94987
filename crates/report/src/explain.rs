//! What drove a change of a money metric: a Shapley decomposition into drivers that add up
//! to the change exactly.
//!
//! Each money metric is a sum of components, each an exact product of factors read from a
//! year's summary (H = year-end headcount, P = payroll, N = participants, D = employee
//! deferrals, M = match, C = core, F = forfeitures):
//!
//! | component | product | factors |
//! |---|---|---|
//! | payroll | H x (P/H) | headcount, pay per head |
//! | employee deferrals | H x (P/H) x (N/H) x (D/(N x P/H)) | ... participants per head, deferral per participant (as a share of pay per head) |
//! | match | ... x (M/D) | ... match per deferral dollar |
//! | core | H x (P/H) x (C/P) | headcount, pay per head, core per payroll dollar |
//! | forfeitures | F | forfeitures (their change, with a minus sign in a net cost) |
//!
//! `employer_cost` = match + core (the batch metric); `net_employer_cost` = match + core -
//! forfeitures. A component's change from state 0 to state 1 is split among its factors by
//! the Shapley value: each factor's average marginal contribution over every order of
//! switching the factors from 0 to 1. For a product this is exact (the shares add up to the
//! change), and a factor that did not change gets exactly zero. The drivers are rounded to
//! the cent; the **residual** is the change (in exact cents) minus the rounded drivers: a
//! cent or two of rounding, or a whole component whose factors are undefined (no
//! headcount, payroll, participants or deferrals in one of the two states), named in the
//! note.
//!
//! Between two years of one run, or two runs, the decomposition is of the two summaries;
//! between two scenarios of a batch, of each seed's pair, averaged over the paired seeds
//! (the average of exact decompositions is exact), with each driver's 95% interval over the
//! seeds.

use serde::Serialize;
use workforce_sim_core::report::YearSummary;

/// The money metrics `explain` decomposes.
pub const METRICS: [&str; 6] = [
    "employer_cost",
    "net_employer_cost",
    "employer_match",
    "employer_core",
    "employee_deferrals",
    "payroll",
];

/// The drivers, in order.
pub const DRIVERS: [&str; 7] = [
    "headcount",
    "pay per head",
    "participants per head",
    "deferral per participant",
    "match per deferral dollar",
    "core per payroll dollar",
    "forfeitures",
];

/// One driver's share of the change.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Driver {
    pub name: String,
    /// Dollars (the mean over the seeds for a batch).
    pub amount: f64,
    /// amount / change (NaN when the change is zero).
    pub share: f64,
    /// The 95% interval of the amount over the seeds (a batch); equal to the amount otherwise.
    pub low: f64,
    pub high: f64,
}

/// A decomposition.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Explanation {
    pub metric: String,
    /// What is compared: `2025 -> 2029`, `base -> alternative (2029)`.
    pub from: String,
    pub to: String,
    pub before: f64,
    pub after: f64,
    pub change: f64,
    /// The drivers (zero ones included) and the residual last.
    pub drivers: Vec<Driver>,
    pub residual: f64,
    /// Seeds the decomposition averages (1 for two summaries).
    pub pairs: usize,
    pub method: &'static str,
    pub notes: Vec<String>,
}

/// Money as stored: exact cents.
fn cents(x: f64) -> i64 {
    (x * 100.0).round() as i64
}

/// The factors of the product components of one state: [H, w, pi, delta, mu, kappa].
fn factors(s: &YearSummary) -> [Option<f64>; 6] {
    let h = s.ending_headcount as f64;
    let p = s.payroll;
    let n = s.participants as f64;
    let d = s.employee_contributions;
    let div = |a: f64, b: f64| (b != 0.0 && a.is_finite() && b.is_finite()).then(|| a / b);
    let w = div(p, h);
    [
        (h > 0.0).then_some(h),
        w,
        div(n, h),
        w.and_then(|w| div(d, n * w)),
        div(s.employer_match, d),
        div(s.employer_core, p),
    ]
}

/// The Shapley split of `f(x1) - f(x0)` for a product over the factors `idx` of `x`.
fn shapley(x0: &[f64; 6], x1: &[f64; 6], idx: &[usize]) -> [f64; 6] {
    let k = idx.len();
    let mut out = [0.0; 6];
    // Over subsets S of the other factors (switched to state 1): weight |S|!(k-|S|-1)!/k!.
    let fact = |n: usize| (1..=n).map(|i| i as f64).product::<f64>();
    for (pos, &j) in idx.iter().enumerate() {
        if x0[j] == x1[j] {
            continue;
        }
        let others: Vec<usize> = idx
            .iter()
            .enumerate()
            .filter(|(p, _)| *p != pos)
            .map(|(_, &i)| i)
            .collect();
        let mut total = 0.0;
        for mask in 0u32..(1 << others.len()) {
            let s = mask.count_ones() as usize;
            let weight = fact(s) * fact(k - s - 1) / fact(k);
            let rest: f64 = others
                .iter()
                .enumerate()
                .map(|(b, &i)| if mask & (1 << b) != 0 { x1[i] } else { x0[i] })
                .product();
            total += weight * rest * (x1[j] - x0[j]);
        }
        out[j] = total;
    }
    out
}

/// The metric's value in a state.
pub fn value(metric: &str, s: &YearSummary) -> Option<f64> {
    Some(match metric {
        "employer_cost" => s.employer_match + s.employer_core,
        "net_employer_cost" => s.employer_match + s.employer_core - s.forfeitures,
        "employer_match" => s.employer_match,
        "employer_core" => s.employer_core,
        "employee_deferrals" => s.employee_contributions,
        "payroll" => s.payroll,
        _ => return None,
    })
}

/// The metric's components: (factor indices of the product, its value in a state, sign).
type Component = (&'static [usize], fn(&YearSummary) -> f64, &'static str);

fn components(metric: &str) -> (Vec<Component>, bool) {
    const PAYROLL: Component = (&[0, 1], |s| s.payroll, "payroll");
    const DEFERRALS: Component = (&[0, 1, 2, 3], |s| s.employee_contributions, "deferrals");
    const MATCH: Component = (&[0, 1, 2, 3, 4], |s| s.employer_match, "match");
    const CORE: Component = (&[0, 1, 5], |s| s.employer_core, "core");
    match metric {
        "employer_cost" => (vec![MATCH, CORE], false),
        "net_employer_cost" => (vec![MATCH, CORE], true),
        "employer_match" => (vec![MATCH], false),
        "employer_core" => (vec![CORE], false),
        "employee_deferrals" => (vec![DEFERRALS], false),
        _ => (vec![PAYROLL], false),
    }
}

/// The drivers' amounts of one pair of states (unrounded), and the notes of components left
/// to the residual.
fn split(metric: &str, s0: &YearSummary, s1: &YearSummary) -> ([f64; 7], Vec<String>) {
    let (parts, net) = components(metric);
    let (f0, f1) = (factors(s0), factors(s1));
    let mut out = [0.0; 7];
    let mut notes = Vec::new();
    for (idx, _, name) in parts {
        let x0: Option<Vec<f64>> = idx.iter().map(|&i| f0[i]).collect();
        let x1: Option<Vec<f64>> = idx.iter().map(|&i| f1[i]).collect();
        match (x0, x1) {
            (Some(_), Some(_)) => {
                let full = |f: &[Option<f64>; 6]| {
                    let mut a = [0.0; 6];
                    for (i, v) in f.iter().enumerate() {
                        a[i] = v.unwrap_or(0.0);
                    }
                    a
                };
                let s = shapley(&full(&f0), &full(&f1), idx);
                for (i, v) in s.iter().enumerate() {
                    out[i] += v;
                }
            }
            _ => notes.push(format!(
                "the {name} change is in the residual: one state has no headcount, payroll, participants or deferrals to divide by"
            )),
        }
    }
    if net {
        out[6] = -(s1.forfeitures - s0.forfeitures);
    }
    (out, notes)
}

/// Decomposes the change of `metric` from `s0` to `s1` (two years, or two runs).
pub fn explain(
    metric: &str,
    from: &str,
    to: &str,
    s0: &YearSummary,
    s1: &YearSummary,
) -> Option<Explanation> {
    explain_pairs(metric, from, to, &[(s0.clone(), s1.clone())])
}

/// Decomposes the mean change of `metric` over paired states (a batch's seeds), each driver
/// with its 95% interval over the pairs. `None` for a metric `explain` does not know or no
/// pair.
pub fn explain_pairs(
    metric: &str,
    from: &str,
    to: &str,
    pairs: &[(YearSummary, YearSummary)],
) -> Option<Explanation> {
    if pairs.is_empty() {
        return None;
    }
    value(metric, &pairs[0].0)?;
    let n = pairs.len() as f64;
    let mut per_pair: Vec<[f64; 7]> = Vec::new();
    let mut notes = Vec::new();
    let (mut before_c, mut after_c) = (0i128, 0i128);
    for (a, b) in pairs {
        let (d, note) = split(metric, a, b);
        for x in note {
            if !notes.contains(&x) {
                notes.push(x);
            }
        }
        per_pair.push(d);
        before_c += cents(value(metric, a)?) as i128;
        after_c += cents(value(metric, b)?) as i128;
    }
    let before = before_c as f64 / 100.0 / n;
    let after = after_c as f64 / 100.0 / n;
    let change_cents = (after_c - before_c) as f64 / n;
    let change = change_cents / 100.0;
    let mut drivers = Vec::new();
    let mut sum_cents = 0.0;
    for (k, name) in DRIVERS.iter().enumerate() {
        let xs: Vec<f64> = per_pair.iter().map(|d| d[k]).collect();
        let mean = xs.iter().sum::<f64>() / n;
        let amount_cents = (mean * 100.0).round();
        sum_cents += amount_cents;
        let (low, high) = if xs.len() > 1 {
            let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            let half = 1.959_963_984_540_054 * sd / n.sqrt();
            (mean - half, mean + half)
        } else {
            (mean, mean)
        };
        drivers.push(Driver {
            name: name.to_string(),
            amount: amount_cents / 100.0,
            share: if change != 0.0 {
                amount_cents / change_cents
            } else {
                f64::NAN
            },
            low,
            high,
        });
    }
    let residual = ((change_cents - sum_cents).round()) / 100.0;
    Some(Explanation {
        metric: metric.to_string(),
        from: from.to_string(),
        to: to.to_string(),
        before,
        after,
        change,
        drivers,
        residual,
        pairs: pairs.len(),
        method: "Shapley decomposition of each component's product of factors (exact); residual = rounding to the cent and any component whose factors are undefined",
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(h: u64, pay: f64, n: u64, d: f64, m: f64, c: f64, f: f64) -> YearSummary {
        YearSummary {
            ending_headcount: h,
            payroll: pay,
            participants: n,
            employee_contributions: d,
            employer_match: m,
            employer_core: c,
            forfeitures: f,
            ..Default::default()
        }
    }

    #[test]
    fn a_change_of_headcount_alone_is_all_headcount() {
        // Double everyone: headcount doubles, every ratio stays.
        let a = state(100, 5e6, 80, 2e5, 1e5, 5e4, 1e3);
        let b = state(200, 1e7, 160, 4e5, 2e5, 1e5, 1e3);
        let e = explain("employer_cost", "2025", "2026", &a, &b).unwrap();
        assert_eq!(e.change, 150_000.0);
        assert_eq!(e.drivers[0].amount, 150_000.0);
        assert!(e.drivers[1..].iter().all(|d| d.amount == 0.0), "{e:?}");
        assert_eq!(e.residual, 0.0);
    }

    #[test]
    fn drivers_and_residual_add_up_to_the_change_to_the_cent() {
        let a = state(5000, 3.4e8, 4100, 1.9e7, 9.1e6, 3.3e6, 2.1e5);
        let b = state(5350, 3.9e8, 4600, 2.35e7, 1.12e7, 3.8e6, 2.6e5);
        for metric in METRICS {
            let e = explain(metric, "2025", "2029", &a, &b).unwrap();
            let sum: i64 =
                e.drivers.iter().map(|d| cents(d.amount)).sum::<i64>() + cents(e.residual);
            assert_eq!(sum, cents(e.after) - cents(e.before), "{metric}");
            assert!(e.residual.abs() <= 0.05, "{metric}: {}", e.residual);
        }
        // A match formula change alone moves only the match per deferral dollar.
        let c = state(5000, 3.4e8, 4100, 1.9e7, 1.2e7, 3.3e6, 2.1e5);
        let e = explain("employer_cost", "base", "alternative", &a, &c).unwrap();
        assert_eq!(e.drivers[4].amount, 2.9e6);
        assert_eq!(e.residual, 0.0);
        assert!(explain("headcount", "a", "b", &a, &b).is_none());
    }

    #[test]
    fn an_undefined_factor_goes_to_the_residual_with_a_note() {
        let a = state(100, 5e6, 0, 0.0, 0.0, 5e4, 0.0);
        let b = state(100, 5e6, 80, 2e5, 1e5, 5e4, 0.0);
        let e = explain("employer_cost", "2025", "2026", &a, &b).unwrap();
        assert_eq!(e.residual, 100_000.0);
        assert!(e.notes[0].contains("match change is in the residual"));
    }
}

/// What to explain, as the command line or Python asks for it.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub metric: String,
    /// A run's years (default: its first and last).
    pub from: Option<i32>,
    pub to: Option<i32>,
    /// A batch's scenarios.
    pub base: Option<String>,
    pub alternative: Option<String>,
    /// The year two runs or two scenarios are compared in (default: the last).
    pub year: Option<i32>,
}

fn invalid(m: String) -> crate::ReportError {
    crate::ReportError::Invalid(m)
}

fn read_err(e: impl std::fmt::Display) -> crate::ReportError {
    crate::ReportError::Query {
        what: "the year summaries".into(),
        message: e.to_string(),
    }
}

/// The run's summaries, by year.
fn run_years(r: &crate::Results) -> Result<Vec<YearSummary>, crate::ReportError> {
    workforce_sim_store::batch_output::read_run_summaries(&r.file).map_err(read_err)
}

fn pick<'a>(
    path: &std::path::Path,
    all: &'a [YearSummary],
    year: i32,
) -> Result<&'a YearSummary, crate::ReportError> {
    all.iter().find(|s| s.year == year).ok_or_else(|| {
        invalid(format!(
            "{year} is not a year of {} ({}-{})",
            path.display(),
            all.first().map_or(0, |s| s.year),
            all.last().map_or(0, |s| s.year)
        ))
    })
}

/// Explains the change `req` asks for in the results at `paths`: one run (two of its
/// years), two runs (one year), or a batch (two scenarios in one year, paired by seed).
pub fn explain_results(
    paths: &[std::path::PathBuf],
    req: &Request,
) -> Result<Explanation, crate::ReportError> {
    if !METRICS.contains(&req.metric.as_str()) {
        return Err(invalid(format!(
            "{:?} is not a money metric explain decomposes: {}",
            req.metric,
            METRICS.join(", ")
        )));
    }
    let opened = paths
        .iter()
        .map(|p| crate::Results::open(p))
        .collect::<Result<Vec<_>, _>>()?;
    match opened.as_slice() {
        [r] if r.kind == crate::Kind::Run => {
            if req.base.is_some() || req.alternative.is_some() {
                return Err(invalid("--base and --alternative name a batch's scenarios; a run's change is explained between --from and --to".into()));
            }
            let all = run_years(r)?;
            let from = req.from.or(all.first().map(|s| s.year)).unwrap_or_default();
            let to = req.to.or(all.last().map(|s| s.year)).unwrap_or_default();
            let (a, b) = (pick(&r.path, &all, from)?, pick(&r.path, &all, to)?);
            explain(&req.metric, &from.to_string(), &to.to_string(), a, b)
                .ok_or_else(|| invalid(format!("cannot explain {}", req.metric)))
        }
        [a, b] if a.kind == crate::Kind::Run && b.kind == crate::Kind::Run => {
            let (ya, yb) = (run_years(a)?, run_years(b)?);
            let year = req
                .year
                .or(ya.last().map(|s| s.year).min(yb.last().map(|s| s.year)))
                .unwrap_or_default();
            let (sa, sb) = (pick(&a.path, &ya, year)?, pick(&b.path, &yb, year)?);
            explain(
                &req.metric,
                &format!("{} ({year})", a.path.display()),
                &format!("{} ({year})", b.path.display()),
                sa,
                sb,
            )
            .ok_or_else(|| invalid(format!("cannot explain {}", req.metric)))
        }
        [r] if r.kind == crate::Kind::Batch => {
            let (Some(base), Some(alt)) = (&req.base, &req.alternative) else {
                return Err(invalid(
                    "a batch's change is explained between two scenarios: give --base ID --alternative ID".into(),
                ));
            };
            let part = workforce_sim_store::batch_output::read_batch(&r.file).map_err(read_err)?;
            let ids: std::collections::BTreeSet<&str> =
                part.years.iter().map(|y| y.0.as_str()).collect();
            for id in [base, alt] {
                if !ids.contains(id.as_str()) {
                    return Err(invalid(format!(
                        "{} has no scenario {id:?} (it has {})",
                        r.path.display(),
                        ids.iter().copied().collect::<Vec<_>>().join(", ")
                    )));
                }
            }
            let last = part.years.iter().map(|y| y.2.year).max().unwrap_or_default();
            let year = req.year.unwrap_or(last);
            let of = |id: &str| -> std::collections::BTreeMap<u64, &YearSummary> {
                part.years
                    .iter()
                    .filter(|y| y.0 == id && y.2.year == year)
                    .map(|y| (y.1, &y.2))
                    .collect()
            };
            let (xs, ys) = (of(base), of(alt));
            let pairs: Vec<(YearSummary, YearSummary)> = xs
                .iter()
                .filter_map(|(seed, a)| ys.get(seed).map(|b| ((*a).clone(), (*b).clone())))
                .collect();
            if pairs.is_empty() {
                return Err(invalid(format!(
                    "{}: no seed ran both {base} and {alt} in {year}",
                    r.path.display()
                )));
            }
            explain_pairs(
                &req.metric,
                &format!("{base} ({year})"),
                &format!("{alt} ({year})"),
                &pairs,
            )
            .ok_or_else(|| invalid(format!("cannot explain {}", req.metric)))
        }
        _ => Err(invalid(
            "explain takes one run (two of its years), two runs, or a batch with --base and --alternative".into(),
        )),
    }
}
