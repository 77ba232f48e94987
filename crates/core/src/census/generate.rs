//! Deterministic synthetic census with the shape of the reference's `create_census`
//! (docs/rules.md 1.3), and the "replicate × k with ±2% jitter" scaler.
//!
//! Every field is a keyed draw (docs/rules.md 2.1) on the generated employee id and the base year,
//! so the same `(n, base_year, seed)` always gives the same census, whatever the machine, and
//! the first `n` rows of a larger census equal the census of size `n`.

use super::CensusRecord;
use crate::date::{self, Day};
use crate::decimal::round2;
use crate::error::CensusError;
use crate::rng::{categorical, draw, id_key, unit, Draw, Rng};

/// Parameters of the generator (defaults: 5,000 employees, base year 2024, seed 42).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GeneratorParams {
    pub employees: usize,
    /// The census year: hires happen up to its end; ages are as of its Dec 31.
    pub base_year: i32,
    pub seed: u64,
    /// Share of employees per level (L1 first).
    pub level_mix: Vec<f64>,
    /// Uniform pay range per level, rounded to $100.
    pub compensation_ranges: Vec<(f64, f64)>,
    /// Share of rows terminated within the base year (excluded from the baseline by staging).
    pub terminated_share: f64,
    /// Share of employees with a census deferral election (uniform 3-15%).
    pub participation_share: f64,
}

impl Default for GeneratorParams {
    fn default() -> Self {
        GeneratorParams {
            employees: 5_000,
            base_year: 2024,
            seed: 42,
            level_mix: vec![0.35, 0.30, 0.20, 0.10, 0.05],
            compensation_ranges: vec![
                (50_000.0, 70_000.0),
                (65_000.0, 90_000.0),
                (85_000.0, 120_000.0),
                (110_000.0, 180_000.0),
                (170_000.0, 350_000.0),
            ],
            terminated_share: 0.13,
            participation_share: 0.80,
        }
    }
}

/// The largest census the generator makes, and the largest a replication may reach: ten
/// million employees. A flag or a Python argument beyond it is an error before anything is
/// allocated (a size near `usize::MAX` panicked or aborted allocating). Below it, memory is
/// the limit: a run checks its estimate against what is available before its years are
/// allocated (the store's `memory::check`; docs/figures.md measures 9.07 GB peak for a million employees
/// over ten years into DuckDB).
pub const MAX_EMPLOYEES: usize = 10_000_000;

impl GeneratorParams {
    pub fn new(employees: usize, base_year: i32, seed: u64) -> Self {
        GeneratorParams {
            employees,
            base_year,
            seed,
            ..Default::default()
        }
    }

    fn validate(&self) -> Result<(), CensusError> {
        let err = |key, rule: String| Err(CensusError::Generator { key, rule });
        if self.employees == 0 || self.employees > MAX_EMPLOYEES {
            return err(
                "employees",
                format!(
                    "must be within [1, {MAX_EMPLOYEES}], got {}",
                    self.employees
                ),
            );
        }
        if !(1901..=2199).contains(&self.base_year) {
            return err(
                "base_year",
                format!("must be within [1901, 2199], got {}", self.base_year),
            );
        }
        if self.level_mix.is_empty() || self.level_mix.len() != self.compensation_ranges.len() {
            return err("level_mix", "needs one share per compensation range".into());
        }
        if self.level_mix.iter().any(|w| !(w.is_finite() && *w >= 0.0))
            || self.level_mix.iter().sum::<f64>() <= 0.0
        {
            return err(
                "level_mix",
                "shares must be >= 0 and sum to more than 0".into(),
            );
        }
        if self
            .compensation_ranges
            .iter()
            .any(|(lo, hi)| !(*lo > 0.0 && hi >= lo))
        {
            return err(
                "compensation_ranges",
                "each range must have 0 < min <= max".into(),
            );
        }
        for (key, v) in [
            ("terminated_share", self.terminated_share),
            ("participation_share", self.participation_share),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return err(key, format!("must be within [0, 1], got {v}"));
            }
        }
        Ok(())
    }
}

/// Generates a census of `params.employees` rows with ids `EMP_000001`, ...
pub fn generate(params: &GeneratorParams) -> Result<Vec<CensusRecord>, CensusError> {
    params.validate()?;
    let rng = Rng::new(params.seed);
    let y = params.base_year;
    let code = |d: Draw| Rng::year_code(y, d);
    let (c_level, c_comp, c_age, c_age2, c_ten, c_hday, c_bday, c_term, c_tday, c_part, c_rate) = (
        code(draw::CENSUS_LEVEL),
        code(draw::CENSUS_COMPENSATION),
        code(draw::CENSUS_AGE),
        code(draw::CENSUS_AGE2),
        code(draw::CENSUS_TENURE),
        code(draw::CENSUS_HIRE_DAY),
        code(draw::CENSUS_BIRTH_DAY),
        code(draw::CENSUS_TERMINATED),
        code(draw::CENSUS_TERMINATION_DAY),
        code(draw::CENSUS_PARTICIPATES),
        code(draw::CENSUS_DEFERRAL_RATE),
    );
    let year_end = date::dec31(y);
    let mut out = Vec::with_capacity(params.employees);
    for n in 1..=params.employees {
        let employee_id = format!("EMP_{n:06}");
        let e = rng.employee(id_key(&employee_id));
        let u = |c: u64| unit(Rng::combine(e, c));
        let h = |c: u64| Rng::combine(e, c);

        let level = categorical(&params.level_mix, u(c_level)).unwrap_or(0);
        let (lo, hi) = params.compensation_ranges[level];
        let comp = ((lo + (hi - lo) * u(c_comp)) / 100.0).round() * 100.0;

        // Age ~ Normal(38, 10) clamped to 22..65 (Box-Muller on two keyed uniforms).
        let u1 = u(c_age).max(f64::EPSILON / 2.0);
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u(c_age2)).cos();
        let age = (38.0 + 10.0 * z).round().clamp(22.0, 65.0) as i32;
        // Tenure ~ Exponential(mean 5) clamped to 0..30 and to a hire age of at least 18.
        let tenure = (-5.0 * (1.0 - u(c_ten)).ln()).floor().clamp(0.0, 30.0) as i32;
        let tenure = tenure.min(age - 18);

        let hire_year = y - tenure;
        let hire_date = date::jan1(hire_year) + (h(c_hday) % 365) as Day;
        let birth_year = y - age;
        let birth_date = date::jan1(birth_year) + (h(c_bday) % 365) as Day;

        let employee_termination_date = (u(c_term) < params.terminated_share).then(|| {
            let first = hire_date.max(date::jan1(y)) + 1;
            let span = (year_end - first + 1).max(1) as u64;
            (first + (h(c_tday) % span) as Day).min(year_end)
        });
        let employee_deferral_rate = (u(c_part) < params.participation_share)
            .then(|| ((0.03 + 0.12 * u(c_rate)) * 1000.0).round() / 1000.0);
        out.push(CensusRecord {
            employee_ssn: format!("SSN-{}", 100_000_000 + n),
            employee_id,
            employee_birth_date: birth_date,
            employee_hire_date: hire_date,
            active: Some(employee_termination_date.is_none()),
            employee_termination_date,
            employee_gross_compensation: comp,
            employee_deferral_rate,
            scheduled_hours_per_week: None,
            auto_escalation_opt_out: None,
            eligibility_override: None,
        });
    }
    Ok(out)
}

/// Replicates a census `factor` times (docs/rules.md 1.3, `make_large_census`): copy 0 is the
/// original; copy `k >= 1` gets id `{id}_C{k}`, ssn `{ssn}-C{k}`, and every money column times a
/// keyed jitter `0.98 + 0.04 × ((h mod 1000) / 1000)` (±2%), rounded to cents; dates untouched.
/// A factor of 0, or a result above [`MAX_EMPLOYEES`] rows, is an error.
pub fn replicate(
    census: &[CensusRecord],
    factor: usize,
    seed: u64,
) -> Result<Vec<CensusRecord>, CensusError> {
    let rows = census.len().checked_mul(factor);
    if factor == 0 || rows.is_none_or(|rows| rows > MAX_EMPLOYEES) {
        return Err(CensusError::Generator {
            key: "replicate",
            rule: format!(
                "must be at least 1 and keep the census within {MAX_EMPLOYEES} employees \
                 ({} rows x {factor})",
                census.len()
            ),
        });
    }
    let rng = Rng::new(seed);
    let code = Rng::year_code(0, draw::CENSUS_JITTER);
    let mut out = Vec::with_capacity(census.len() * factor.max(1));
    out.extend_from_slice(census);
    for k in 1..factor {
        for r in census {
            let employee_id = format!("{}_C{k}", r.employee_id);
            let h = Rng::combine(rng.employee(id_key(&employee_id)), code);
            let jitter = 0.98 + 0.04 * ((h % 1000) as f64 / 1000.0);
            out.push(CensusRecord {
                employee_ssn: format!("{}-C{k}", r.employee_ssn),
                employee_gross_compensation: round2(r.employee_gross_compensation * jitter),
                employee_id,
                ..r.clone()
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_is_deterministic_and_prefix_stable() {
        let a = generate(&GeneratorParams::new(200, 2024, 42)).unwrap();
        let b = generate(&GeneratorParams::new(200, 2024, 42)).unwrap();
        let c = generate(&GeneratorParams::new(100, 2024, 42)).unwrap();
        let d = generate(&GeneratorParams::new(200, 2024, 7)).unwrap();
        assert_eq!(a, b);
        assert_eq!(&a[..100], &c[..]);
        assert_ne!(a, d);
    }

    #[test]
    fn generated_rows_respect_the_shape() {
        let rows = generate(&GeneratorParams::new(5_000, 2024, 42)).unwrap();
        let terminated = rows
            .iter()
            .filter(|r| r.employee_termination_date.is_some())
            .count();
        assert!(
            (500..800).contains(&terminated),
            "about 13% terminated, got {terminated}"
        );
        for r in &rows {
            assert!(
                r.employee_birth_date < r.employee_hire_date,
                "{}",
                r.employee_id
            );
            assert!(r.employee_hire_date <= date::dec31(2024));
            assert!(
                r.employee_gross_compensation >= 50_000.0
                    && r.employee_gross_compensation <= 350_000.0
            );
            assert_eq!(r.employee_gross_compensation % 100.0, 0.0);
            if let Some(t) = r.employee_termination_date {
                assert!(t > r.employee_hire_date && t <= date::dec31(2024));
            }
            if let Some(rate) = r.employee_deferral_rate {
                assert!((0.03..=0.15).contains(&rate));
            }
        }
    }

    #[test]
    fn replicate_scales_with_jitter() {
        let base = generate(&GeneratorParams::new(50, 2024, 42)).unwrap();
        let big = replicate(&base, 3, 42).unwrap();
        assert_eq!(big.len(), 150);
        assert_eq!(&big[..50], &base[..]);
        assert_eq!(big[50].employee_id, "EMP_000001_C1");
        assert_eq!(big[50].employee_ssn, format!("{}-C1", base[0].employee_ssn));
        for (copy, orig) in big[50..].iter().zip(base.iter().cycle()) {
            let ratio = copy.employee_gross_compensation / orig.employee_gross_compensation;
            assert!((0.979..=1.021).contains(&ratio), "{ratio}");
            assert_eq!(copy.employee_hire_date, orig.employee_hire_date);
        }
    }

    #[test]
    fn sizes_beyond_the_maximum_are_errors_not_panics() {
        for employees in [0, MAX_EMPLOYEES + 1, usize::MAX] {
            let e = generate(&GeneratorParams::new(employees, 2024, 42)).unwrap_err();
            assert!(
                e.to_string().contains("employees") && e.to_string().contains("10000000"),
                "{e}"
            );
        }
        let base = generate(&GeneratorParams::new(10, 2024, 42)).unwrap();
        for factor in [0, MAX_EMPLOYEES / 10 + 1, usize::MAX / 2, usize::MAX] {
            let e = replicate(&base, factor, 42).unwrap_err();
            assert!(e.to_string().contains("replicate"), "{e}");
        }
        assert_eq!(replicate(&base, 1, 42).unwrap(), base);
    }
}
