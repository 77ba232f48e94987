//! Calendar dates as day numbers.
//!
//! Every date in the model is an `i32` count of days since 1970-01-01 (the Arrow `Date32` and
//! DuckDB `DATE` representation), so date arithmetic in the hot loop is integer addition and a
//! date crosses into the store without conversion. Day counts follow docs/rules.md: inclusive
//! (`end - start + 1`) where the spec says so, always divided by 365.

use std::fmt;

/// Days since 1970-01-01.
pub type Day = i32;

/// Days from the civil date (proleptic Gregorian). Howard Hinnant's `days_from_civil`.
pub const fn days_from_civil(year: i32, month: u32, day: u32) -> Day {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = (y - era * 400) as u32; // [0, 399]
    let mp = (month + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + day - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe as i32 - 719_468
}

/// Civil date `(year, month, day)` of a day number.
pub const fn civil_from_days(z: Day) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = (z - era * 146_097) as u32;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe as i32 + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// January 1 of `year`.
pub const fn jan1(year: i32) -> Day {
    days_from_civil(year, 1, 1)
}

/// December 31 of `year`.
pub const fn dec31(year: i32) -> Day {
    days_from_civil(year, 12, 31)
}

/// Calendar year of a day number.
pub const fn year_of(day: Day) -> i32 {
    civil_from_days(day).0
}

/// Friday as `(day + 3) mod 7` (1970-01-01 was a Thursday).
const FRIDAY: i32 = 4;

/// The first Friday on or after `day` (pay-period ends and weekly balances fall on Fridays).
pub const fn friday_on_or_after(day: Day) -> Day {
    day + (FRIDAY - (day + 3).rem_euclid(7)).rem_euclid(7)
}

/// Whether `month`/`day` exist in `year`.
pub fn is_valid(year: i32, month: u32, day: u32) -> bool {
    if !(1..=12).contains(&month) || day == 0 {
        return false;
    }
    let dim = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    };
    day <= dim
}

/// Parses `YYYY-MM-DD` (optionally followed by a time, which is ignored: the ledger treats
/// timestamps as dates), `YYYY/MM/DD` or `MM/DD/YYYY`.
pub fn parse(text: &str) -> Option<Day> {
    let t = text.trim();
    let t = t.split([' ', 'T']).next().unwrap_or(t);
    let parts: Vec<&str> = t.split(['-', '/']).collect();
    if parts.len() != 3 {
        return None;
    }
    let num = |s: &str| -> Option<i64> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            None
        } else {
            s.parse().ok()
        }
    };
    let (y, m, d) = if parts[0].len() == 4 {
        (num(parts[0])?, num(parts[1])?, num(parts[2])?)
    } else if parts[2].len() == 4 && t.contains('/') {
        (num(parts[2])?, num(parts[0])?, num(parts[1])?)
    } else {
        return None;
    };
    let (y, m, d) = (
        i32::try_from(y).ok()?,
        u32::try_from(m).ok()?,
        u32::try_from(d).ok()?,
    );
    if !(1000..=9999).contains(&y) || !is_valid(y, m, d) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// A day number that formats as ISO `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Iso(pub Day);

impl fmt::Display for Iso {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = civil_from_days(self.0);
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_civil_dates() {
        for z in [-800_000, -1, 0, 1, 10_000, 20_088, 2_932_896] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(Iso(jan1(2025)).to_string(), "2025-01-01");
        assert_eq!(dec31(2024) - jan1(2024) + 1, 366);
    }

    #[test]
    fn parses_the_accepted_forms_only() {
        assert_eq!(parse("2024-12-31"), Some(dec31(2024)));
        assert_eq!(parse("2024/12/31"), Some(dec31(2024)));
        assert_eq!(parse("12/31/2024"), Some(dec31(2024)));
        assert_eq!(parse("2024-12-31 00:00:00"), Some(dec31(2024)));
        assert_eq!(parse("2023-02-29"), None);
        assert_eq!(parse("31.12.2024"), None);
        assert_eq!(parse("2024-1x-01"), None);
        assert_eq!(parse(""), None);
        // A month or day beyond u32 does not wrap into a valid one (2^32 + 1 is not January).
        assert_eq!(parse("2024-4294967297-01"), None);
        assert_eq!(parse("2024-01-4294967297"), None);
        assert_eq!(parse("4294967297/01/2024"), None);
    }
}
