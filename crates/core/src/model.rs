//! The shared vocabulary of the model: the types that the configuration and the rules both
//! speak (job levels, age and tenure bands, IRS limits, match tiers, vesting schedules, the
//! new-hire record). It imports neither the configuration nor the rules, so both can import it
//! and no cycle runs through them (docs/rules.md, "Layers").

use crate::date::Day;
use serde::{Deserialize, Serialize};

// ---- IRS limits by plan year (402(g), catch-up totals, 401(a)(17), HCE threshold, 415(c), SS wage base).

/// The limits of one plan year. Catch-up columns are totals, not increments.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IrsLimits {
    pub year: i32,
    pub elective_deferral_limit_402g: f64,
    pub catch_up_total: f64,
    pub super_catch_up_total: f64,
    pub compensation_limit_401a17: f64,
    pub hce_threshold: f64,
    pub annual_additions_limit_415c: f64,
    pub ss_wage_base: f64,
    pub estimated: bool,
}

/// The default table for 2024-2035.
pub fn default_irs_limits() -> Vec<IrsLimits> {
    #[rustfmt::skip]
    // (year, 402(g), catch-up total, super catch-up total, 401(a)(17), HCE, 415(c), SS wage
    // base, estimated)
    type Row = (i32, f64, f64, f64, f64, f64, f64, f64, bool);
    let rows: [Row; 12] = [
        (
            2024, 23_000.0, 30_500.0, 30_500.0, 345_000.0, 155_000.0, 69_000.0, 168_600.0, false,
        ),
        (
            2025, 23_500.0, 31_000.0, 34_750.0, 350_000.0, 160_000.0, 70_000.0, 176_100.0, false,
        ),
        (
            2026, 23_500.0, 31_000.0, 34_750.0, 350_000.0, 160_000.0, 70_000.0, 184_500.0, false,
        ),
        (
            2027, 24_000.0, 31_500.0, 35_250.0, 355_000.0, 165_000.0, 71_000.0, 192_900.0, true,
        ),
        (
            2028, 24_500.0, 32_000.0, 35_750.0, 360_000.0, 170_000.0, 72_000.0, 201_300.0, true,
        ),
        (
            2029, 25_000.0, 32_500.0, 36_250.0, 365_000.0, 175_000.0, 73_000.0, 209_700.0, true,
        ),
        (
            2030, 25_500.0, 33_000.0, 36_750.0, 370_000.0, 180_000.0, 74_000.0, 218_100.0, true,
        ),
        (
            2031, 26_000.0, 33_500.0, 37_250.0, 375_000.0, 185_000.0, 75_000.0, 226_500.0, true,
        ),
        (
            2032, 26_500.0, 34_000.0, 37_750.0, 380_000.0, 190_000.0, 76_000.0, 234_900.0, true,
        ),
        (
            2033, 27_000.0, 34_500.0, 38_250.0, 385_000.0, 195_000.0, 77_000.0, 243_300.0, true,
        ),
        (
            2034, 27_500.0, 35_000.0, 38_750.0, 390_000.0, 200_000.0, 78_000.0, 251_700.0, true,
        ),
        (
            2035, 28_000.0, 35_500.0, 39_250.0, 395_000.0, 205_000.0, 79_000.0, 260_100.0, true,
        ),
    ];
    rows.iter()
        .map(
            |&(year, g, cu, scu, comp, hce, c415, ss, estimated)| IrsLimits {
                year,
                elective_deferral_limit_402g: g,
                catch_up_total: cu,
                super_catch_up_total: scu,
                compensation_limit_401a17: comp,
                hce_threshold: hce,
                annual_additions_limit_415c: c415,
                ss_wage_base: ss,
                estimated,
            },
        )
        .collect()
}

/// The limits for `year`: the exact row, else the nearest year in the table (ties to the
/// earlier year). `None` only for an empty table.
pub fn irs_limits_for_year(table: &[IrsLimits], year: i32) -> Option<&IrsLimits> {
    table.iter().min_by_key(|l| ((l.year - year).abs(), l.year))
}

// ---- Match tiers and the deferral-based formula.

/// A band of employee deferral rate `[lo, hi)` matched at `rate`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchTier {
    pub employee_min: f64,
    pub employee_max: f64,
    pub match_rate: f64,
}

/// A deferral-based formula: tiers plus a cap as a share of capped compensation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchFormula {
    pub tiers: Vec<MatchTier>,
    /// Cap as a share of capped compensation; `None` = no cap.
    pub cap: Option<f64>,
}

// ---- Vesting schedules.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VestingSchedule {
    Immediate,
    Cliff1Year,
    Cliff2Year,
    Qaca2Year,
    Cliff3Year,
    Cliff4Year,
    Graded3Year,
    Graded4Year,
    Graded5Year,
    Graded6Year,
    /// The table in `plan.vesting.custom_schedule`.
    Custom,
}

impl VestingSchedule {
    /// Vested share by completed years of service (index = years; the last entry holds).
    pub fn table(self) -> &'static [f64] {
        match self {
            VestingSchedule::Immediate => &[1.0],
            VestingSchedule::Cliff1Year => &[0.0, 1.0],
            VestingSchedule::Cliff2Year | VestingSchedule::Qaca2Year => &[0.0, 0.0, 1.0],
            VestingSchedule::Cliff3Year => &[0.0, 0.0, 0.0, 1.0],
            VestingSchedule::Cliff4Year => &[0.0, 0.0, 0.0, 0.0, 1.0],
            VestingSchedule::Graded3Year => &[0.0, 0.3333, 0.6667, 1.0],
            VestingSchedule::Graded4Year => &[0.0, 0.25, 0.50, 0.75, 1.0],
            VestingSchedule::Graded5Year => &[0.0, 0.20, 0.40, 0.60, 0.80, 1.0],
            VestingSchedule::Graded6Year => &[0.0, 0.0, 0.20, 0.40, 0.60, 0.80, 1.0],
            VestingSchedule::Custom => &[],
        }
    }
}

// ---- The new-hire record.

/// One new hire of year N (the payload of its `hire` event).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hire {
    pub seq: u32,
    pub employee_id: String,
    pub employee_ssn: String,
    pub id_key: u64,
    pub level: u8,
    pub age: u16,
    pub hire_date: Day,
    /// Synthesised: Jan 1 of N minus `age × 365` days.
    pub birth_date: Day,
    pub compensation: f64,
    /// `Some(20.0)` for part time, `None` = full time.
    pub scheduled_hours: Option<f64>,
}

// ---- Job levels and bands.

/// One row of the job-level table (docs/rules.md 1.5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobLevel {
    pub level: u8,
    pub name: String,
    pub min_compensation: f64,
    pub max_compensation: f64,
}

/// An age or tenure band `[min, max)`; `max = None` is unbounded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub label: String,
    pub min: u16,
    pub max: Option<u16>,
    /// Multiplier of the promotion hazard (docs/rules.md 3.7).
    pub promotion_multiplier: f64,
}
