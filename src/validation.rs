//! The VALIDATION stage: invariants of domain.md 5.7 and ledger rules of 4.4 over one year's
//! foundation, ledger and snapshot. Errors fail the run; warnings are reported. O(events + n).

use crate::date::{self, Iso};
use crate::engine::Foundation;
use crate::error::InvariantViolation;
use crate::events::{EventType, Member, YearEvents};
use crate::state::{Snapshot, Workforce};
use serde::{Deserialize, Serialize};

/// The outcome of validating one year.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct YearValidation {
    pub year: i32,
    #[serde(skip)]
    pub violations: Vec<InvariantViolation>,
    pub warnings: Vec<String>,
}

impl YearValidation {
    pub fn passed(&self) -> bool {
        self.violations.is_empty()
    }
}

/// Checks one simulated year.
pub fn validate_year(
    prior: &Workforce,
    foundation: &Foundation,
    events: &YearEvents,
    snapshot: &Snapshot,
    max_level: u8,
) -> YearValidation {
    let year = events.year;
    let mut v = YearValidation {
        year,
        ..Default::default()
    };
    let mut fail = |invariant: &'static str, detail: String| {
        v.violations.push(InvariantViolation {
            year,
            invariant,
            detail,
        })
    };

    // 1. One snapshot row per employee-year; ids unique (strictly increasing roster order).
    if snapshot.len() != prior.len() + events.hires.len() {
        fail(
            "one row per employee",
            format!(
                "snapshot has {} rows, expected {} start-of-year + {} hires",
                snapshot.len(),
                prior.len(),
                events.hires.len()
            ),
        );
    }
    if let Some(w) = snapshot.employee_id.windows(2).find(|w| w[0] >= w[1]) {
        fail(
            "unique employee ids",
            format!(
                "{} is followed by {} (duplicate or out of order)",
                w[0], w[1]
            ),
        );
    }

    // 2-3. Headcount reconciliation and growth exactness.
    let terminations = events.count(EventType::Termination);
    let hires = events.count(EventType::Hire);
    let active = snapshot.active_count();
    if active + terminations != prior.len() + hires {
        fail(
            "headcount reconciliation",
            format!(
                "active {active} != start {} + hires {hires} - terminations {terminations}",
                prior.len()
            ),
        );
    }
    if hires != events.hires.len() {
        fail(
            "every hire has one hire event",
            format!("{hires} hire events for {} hires", events.hires.len()),
        );
    }
    if !prior.is_empty() && active as u64 != foundation.needs.target_ending {
        fail(
            "growth exactness",
            format!(
                "active at year end {active} != solver target {}",
                foundation.needs.target_ending
            ),
        );
    }

    // 4. No event after the employee's termination; termination within the year and after hire.
    let (jan1, dec31) = (date::jan1(year), date::dec31(year));
    let ranges = events.ranges();
    for (p, range) in ranges.iter().enumerate() {
        if range.is_empty() {
            continue;
        }
        let hire_date = match events.roster[p] {
            Member::Prior(i) => prior.hire_date[i as usize],
            Member::Hire(j) => events.hires[j as usize].hire_date,
        };
        let boundary = range
            .clone()
            .filter(|&k| events.event_type[k] == EventType::Termination)
            .map(|k| events.effective_date[k])
            .min();
        let terms = range
            .clone()
            .filter(|&k| events.event_type[k] == EventType::Termination)
            .count();
        if terms > 1 {
            fail(
                "one termination per employee",
                format!("{} has {terms} terminations", snapshot.employee_id[p]),
            );
        }
        for k in range.clone() {
            let d = events.effective_date[k];
            let t = events.event_type[k];
            if let Some(b) = boundary {
                if t != EventType::Termination && d > b {
                    fail(
                        "no event after termination",
                        format!(
                            "{} has a {} on {} after terminating on {}",
                            snapshot.employee_id[p],
                            t.as_str(),
                            Iso(d),
                            Iso(b)
                        ),
                    );
                }
            }
            if t == EventType::Termination && (d < hire_date || d < jan1 || d > dec31) {
                fail(
                    "termination date",
                    format!(
                        "{} terminates on {} (hired {}, year {year})",
                        snapshot.employee_id[p],
                        Iso(d),
                        Iso(hire_date)
                    ),
                );
            }
            if t == EventType::Hire && matches!(events.roster[p], Member::Prior(_)) {
                fail(
                    "no rehire",
                    format!(
                        "{} was already employed and has a hire event",
                        snapshot.employee_id[p]
                    ),
                );
            }
            if t.requires_compensation() && events.compensation_amount[k].is_none() {
                fail(
                    "INVALID_COMPENSATION",
                    format!(
                        "{} {} has no compensation",
                        snapshot.employee_id[p],
                        t.as_str()
                    ),
                );
            }
            let level = events.level_id[k];
            if level == 0 || level > max_level {
                fail(
                    "level range",
                    format!("{} has level {level}", snapshot.employee_id[p]),
                );
            }
            if !(18..=75).contains(&events.employee_age[k]) && v.warnings.len() < 20 {
                v.warnings.push(format!(
                    "{} event age {} outside 18..75",
                    snapshot.employee_id[p], events.employee_age[k]
                ));
            }
        }
        // event_sequence is 1..=k per employee.
        for (s, k) in range.clone().enumerate() {
            if events.event_sequence[k] as usize != s + 1 {
                fail(
                    "event sequence",
                    format!(
                        "{} event {} has sequence {}",
                        snapshot.employee_id[p],
                        s + 1,
                        events.event_sequence[k]
                    ),
                );
                break;
            }
        }
    }

    // 4.4 warnings: hire/termination ratio and at least one termination.
    if terminations == 0 && !prior.is_empty() {
        v.warnings.push("no terminations this year".into());
    } else if terminations > 0 {
        let ratio = hires as f64 / terminations as f64;
        if !(0.3..=3.0).contains(&ratio) {
            v.warnings.push(format!(
                "hire/termination ratio {ratio:.2} outside [0.3, 3.0]"
            ));
        }
    }
    if !foundation.needs.failed_guards.is_empty() {
        v.warnings.push(format!(
            "workforce needs guards failed: {}",
            foundation.needs.failed_guards.join(", ")
        ));
    }
    v
}
