//! The event ledger (docs/rules.md 4): immutable events of one simulated year, built into
//! columnar buffers (one `Vec` per envelope column) rather than one heap object per event, in
//! ledger order: employees in `employee_id` byte order, then each employee's events by
//! `event_sequence` (effective date, then type priority). Strings (ids, ssn, bands, details)
//! are resolved only at the edges: [`YearEvents::record`] and the store.

use crate::date::{Day, Iso};
use crate::decimal::round_to_i64;
use crate::rules::hiring::Hire;
use serde::{Deserialize, Serialize};

/// Event types with their same-day priority as discriminant (4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum EventType {
    Termination = 1,
    Hire = 2,
    Eligibility = 3,
    Enrollment = 4,
    EnrollmentChange = 5,
    DeferralMatchResponse = 6,
    DeferralEscalation = 7,
    Promotion = 8,
    Raise = 9,
}

impl EventType {
    pub const ALL: [EventType; 9] = [
        EventType::Termination,
        EventType::Hire,
        EventType::Eligibility,
        EventType::Enrollment,
        EventType::EnrollmentChange,
        EventType::DeferralMatchResponse,
        EventType::DeferralEscalation,
        EventType::Promotion,
        EventType::Raise,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Termination => "termination",
            EventType::Hire => "hire",
            EventType::Eligibility => "eligibility",
            EventType::Enrollment => "enrollment",
            EventType::EnrollmentChange => "enrollment_change",
            EventType::DeferralMatchResponse => "deferral_match_response",
            EventType::DeferralEscalation => "deferral_escalation",
            EventType::Promotion => "promotion",
            EventType::Raise => "raise",
        }
    }

    /// Same-day ordering priority (termination 1 ... raise 9).
    pub fn priority(self) -> u8 {
        self as u8
    }

    /// Whether a NULL compensation makes the event invalid (4.1 data-quality flag).
    pub fn requires_compensation(self) -> bool {
        !matches!(
            self,
            EventType::Termination
                | EventType::Enrollment
                | EventType::EnrollmentChange
                | EventType::DeferralEscalation
                | EventType::Eligibility
        )
    }
}

/// Event categories (4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventCategory {
    Termination,
    NewHireTermination,
    Hire,
    Promotion,
    Raise,
    Eligibility,
    AutoEnrollment,
    VoluntaryEnrollment,
    ProactiveVoluntary,
    YearOverYearVoluntary,
    EnrollmentOptOut,
    DeferralEscalation,
    MatchResponse,
}

impl EventCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            EventCategory::Termination => "termination",
            EventCategory::NewHireTermination => "new_hire_termination",
            EventCategory::Hire => "hire",
            EventCategory::Promotion => "promotion",
            EventCategory::Raise => "raise",
            EventCategory::Eligibility => "eligibility",
            EventCategory::AutoEnrollment => "auto_enrollment",
            EventCategory::VoluntaryEnrollment => "voluntary_enrollment",
            EventCategory::ProactiveVoluntary => "proactive_voluntary",
            EventCategory::YearOverYearVoluntary => "year_over_year_voluntary",
            EventCategory::EnrollmentOptOut => "enrollment_opt_out",
            EventCategory::DeferralEscalation => "deferral_escalation",
            EventCategory::MatchResponse => "match_response",
        }
    }
}

/// What `event_details` says, kept as numbers until rendered at the edge.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Detail {
    /// Reason `deterministic_termination`.
    ExperiencedTermination,
    /// Reason `new_hire_departure`.
    NewHireDeparture,
    Hire,
    Promotion {
        from_level: u8,
        increase_pct: f64,
    },
    Raise {
        merit: f64,
        cola: f64,
    },
    /// Rendered as JSON (4.2: eligibility details are JSON).
    Eligibility {
        date: Day,
        waiting_period_days: u32,
        minimum_age: u16,
    },
    Enrollment {
        category: EventCategory,
        rate: f64,
    },
    OptOut {
        previous_rate: f64,
    },
    MatchResponse {
        from: f64,
        to: f64,
    },
    Escalation {
        from: f64,
        to: f64,
    },
}

/// A rate as a percentage with at least one decimal and at most three, by integer
/// formatting: 0.02 → "2.0", 0.05875 → "5.875".
fn rate_pct(out: &mut String, rate: f64) {
    use std::fmt::Write;
    let milli = round_to_i64(rate * 100_000.0); // thousandths of a percent
    let (whole, mut frac, mut digits) = (milli / 1000, milli % 1000, 3);
    while digits > 1 && frac % 10 == 0 {
        frac /= 10;
        digits -= 1;
    }
    if milli < 0 {
        let _ = write!(out, "{whole}.{frac:0digits$}%");
        return;
    }
    push_digits(out, whole as u64, 1);
    out.push('.');
    push_digits(out, frac as u64, digits);
    out.push('%');
}

/// Appends `n` in decimal with at least `width` digits, zero-padded: what `{n:0width$}`
/// writes, without `fmt`'s machinery (the details text is rendered once per event).
fn push_digits(out: &mut String, n: u64, width: usize) {
    let mut buf = itoa::Buffer::new();
    let digits = buf.format(n);
    for _ in digits.len()..width {
        out.push('0');
    }
    out.push_str(digits);
}

/// Appends a percentage `x` (a fraction) with 4 decimals, as `{sign}{whole}.{frac:04}`.
fn push_pct4(out: &mut String, x: f64) {
    let u = round_to_i64(x * 1_000_000.0);
    if u < 0 {
        out.push('-');
    }
    let u = u.unsigned_abs();
    push_digits(out, u / 10_000, 1);
    out.push('.');
    push_digits(out, u % 10_000, 4);
}

/// Appends a date as `YYYY-MM-DD` (what [`Iso`] displays).
fn push_iso(out: &mut String, day: Day) {
    let (y, m, d) = crate::date::civil_from_days(day);
    if y < 0 {
        use std::fmt::Write;
        let _ = write!(out, "{}", Iso(day));
        return;
    }
    push_digits(out, y as u64, 4);
    out.push('-');
    push_digits(out, u64::from(m), 2);
    out.push('-');
    push_digits(out, u64::from(d), 2);
}

impl Detail {
    /// The human-readable `event_details` text.
    pub fn render(&self, level: u8, out: &mut String) {
        // Integers and fixed-point percentages are written digit by digit (`fmt` is the
        // slow path, and this runs once per event); the text is what the format strings in
        // the comments write.
        out.clear();
        match *self {
            Detail::ExperiencedTermination => out.push_str("deterministic_termination"),
            Detail::NewHireDeparture => out.push_str("new_hire_departure"),
            // "new hire at level {level}"
            Detail::Hire => {
                out.push_str("new hire at level ");
                push_digits(out, u64::from(level), 1);
            }
            // "promotion from level {from_level} to {level}: +{pct:.4}%"
            Detail::Promotion {
                from_level,
                increase_pct,
            } => {
                out.push_str("promotion from level ");
                push_digits(out, u64::from(from_level), 1);
                out.push_str(" to ");
                push_digits(out, u64::from(level), 1);
                out.push_str(": +");
                push_pct4(out, increase_pct);
                out.push('%');
            }
            // "merit {merit:.4}% + COLA {cola:.4}%"
            Detail::Raise { merit, cola } => {
                out.push_str("merit ");
                push_pct4(out, merit);
                out.push_str("% + COLA ");
                push_pct4(out, cola);
                out.push('%');
            }
            Detail::Eligibility {
                date,
                waiting_period_days,
                minimum_age,
            } => {
                out.push_str("{\"eligibility_date\":\"");
                push_iso(out, date);
                out.push_str("\",\"waiting_period_days\":");
                push_digits(out, u64::from(waiting_period_days), 1);
                out.push_str(",\"minimum_age\":");
                push_digits(out, u64::from(minimum_age), 1);
                out.push_str(",\"reason\":\"age_and_service\",\"source\":\"plan_rules\"}");
            }
            Detail::Enrollment { category, rate } => {
                out.push_str(match category {
                    EventCategory::AutoEnrollment => "Auto-enrollment - ",
                    EventCategory::ProactiveVoluntary => "Proactive voluntary enrollment - ",
                    EventCategory::YearOverYearVoluntary => {
                        "Year-over-year voluntary enrollment - "
                    }
                    _ => "Voluntary enrollment - ",
                });
                rate_pct(out, rate);
                out.push_str(if category == EventCategory::AutoEnrollment {
                    " default deferral"
                } else {
                    " deferral"
                });
            }
            Detail::OptOut { previous_rate } => {
                out.push_str("Auto-enrollment opt-out: deferral ");
                rate_pct(out, previous_rate);
                out.push_str(" -> 0.0%");
            }
            Detail::MatchResponse { from, to } | Detail::Escalation { from, to } => {
                out.push_str(if matches!(self, Detail::Escalation { .. }) {
                    "Auto-escalation: deferral "
                } else {
                    "Match response: deferral "
                });
                rate_pct(out, from);
                out.push_str(" -> ");
                rate_pct(out, to);
            }
        }
    }
}

/// A member of the year's roster: an index into the start-of-year workforce or into the
/// year's hires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Member {
    Prior(u32),
    Hire(u32),
}

/// One event without its strings (the unit the engines push).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventRow {
    pub event_type: EventType,
    pub category: EventCategory,
    pub effective_date: Day,
    pub compensation_amount: Option<f64>,
    pub previous_compensation: Option<f64>,
    pub employee_deferral_rate: Option<f64>,
    pub prev_employee_deferral_rate: Option<f64>,
    pub employee_age: u16,
    pub employee_tenure: u16,
    pub level_id: u8,
    pub event_probability: Option<f64>,
    pub detail: Detail,
}

/// The events of one year in ledger order, with the roster they refer to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct YearEvents {
    pub year: i32,
    /// Every employee of the year (start-of-year population ∪ hires) in `employee_id` order.
    pub roster: Vec<Member>,
    /// The year's new employees (payload of their `hire` events), by sequence number.
    pub hires: Vec<Hire>,
    /// Roster position of each event.
    pub position: Vec<u32>,
    pub event_type: Vec<EventType>,
    pub category: Vec<EventCategory>,
    pub effective_date: Vec<Day>,
    pub compensation_amount: Vec<Option<f64>>,
    pub previous_compensation: Vec<Option<f64>>,
    pub employee_deferral_rate: Vec<Option<f64>>,
    pub prev_employee_deferral_rate: Vec<Option<f64>>,
    pub employee_age: Vec<u16>,
    pub employee_tenure: Vec<u16>,
    pub level_id: Vec<u8>,
    pub event_probability: Vec<Option<f64>>,
    /// 1-based order of the event among its employee's events of the year.
    pub event_sequence: Vec<u16>,
    pub detail: Vec<Detail>,
}

impl YearEvents {
    pub fn new(year: i32) -> YearEvents {
        YearEvents {
            year,
            ..Default::default()
        }
    }

    pub fn len(&self) -> usize {
        self.event_type.len()
    }

    pub fn is_empty(&self) -> bool {
        self.event_type.is_empty()
    }

    pub fn reserve(&mut self, n: usize) {
        self.position.reserve(n);
        self.event_type.reserve(n);
        self.category.reserve(n);
        self.effective_date.reserve(n);
        self.compensation_amount.reserve(n);
        self.previous_compensation.reserve(n);
        self.employee_deferral_rate.reserve(n);
        self.prev_employee_deferral_rate.reserve(n);
        self.employee_age.reserve(n);
        self.employee_tenure.reserve(n);
        self.level_id.reserve(n);
        self.event_probability.reserve(n);
        self.event_sequence.reserve(n);
        self.detail.reserve(n);
    }

    /// Appends one employee's events: sorts them by (effective date, type priority) and numbers
    /// them 1, 2, ... Employees must be pushed in roster order.
    pub fn push_employee(&mut self, position: u32, rows: &mut [EventRow]) {
        rows.sort_by_key(|r| (r.effective_date, r.event_type.priority()));
        for (k, r) in rows.iter().enumerate() {
            self.position.push(position);
            self.event_type.push(r.event_type);
            self.category.push(r.category);
            self.effective_date.push(r.effective_date);
            self.compensation_amount.push(r.compensation_amount);
            self.previous_compensation.push(r.previous_compensation);
            self.employee_deferral_rate.push(r.employee_deferral_rate);
            self.prev_employee_deferral_rate
                .push(r.prev_employee_deferral_rate);
            self.employee_age.push(r.employee_age);
            self.employee_tenure.push(r.employee_tenure);
            self.level_id.push(r.level_id);
            self.event_probability.push(r.event_probability);
            self.event_sequence.push(k as u16 + 1);
            self.detail.push(r.detail);
        }
    }

    /// Event `i` as a row.
    pub fn row(&self, i: usize) -> EventRow {
        EventRow {
            event_type: self.event_type[i],
            category: self.category[i],
            effective_date: self.effective_date[i],
            compensation_amount: self.compensation_amount[i],
            previous_compensation: self.previous_compensation[i],
            employee_deferral_rate: self.employee_deferral_rate[i],
            prev_employee_deferral_rate: self.prev_employee_deferral_rate[i],
            employee_age: self.employee_age[i],
            employee_tenure: self.employee_tenure[i],
            level_id: self.level_id[i],
            event_probability: self.event_probability[i],
            detail: self.detail[i],
        }
    }

    /// Deterministic event id: `year × 10^9 + ledger sequence` (rendered `EVT_{year}_{seq:09}`).
    pub fn event_id(&self, i: usize) -> u64 {
        self.year as u64 * 1_000_000_000 + i as u64 + 1
    }

    /// Count of events of one type.
    pub fn count(&self, t: EventType) -> usize {
        self.event_type.iter().filter(|&&e| e == t).count()
    }

    /// Count of events of one category.
    pub fn count_category(&self, c: EventCategory) -> usize {
        self.category.iter().filter(|&&e| e == c).count()
    }

    /// Ranges of the ledger per roster position (`ranges[p]` = that employee's events).
    pub fn ranges(&self) -> Vec<std::ops::Range<usize>> {
        let mut out = vec![0..0; self.roster.len()];
        let mut i = 0;
        while i < self.position.len() {
            let p = self.position[i];
            let start = i;
            while i < self.position.len() && self.position[i] == p {
                i += 1;
            }
            out[p as usize] = start..i;
        }
        out
    }
}

/// One ledger event with its envelope (4.1), as serialised to JSON and validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRecord {
    pub event_id: String,
    pub scenario_id: String,
    pub plan_design_id: String,
    pub employee_id: String,
    pub employee_ssn: String,
    pub event_type: EventType,
    pub simulation_year: i32,
    pub effective_date: String,
    pub event_details: String,
    pub compensation_amount: Option<f64>,
    pub previous_compensation: Option<f64>,
    pub employee_deferral_rate: Option<f64>,
    pub prev_employee_deferral_rate: Option<f64>,
    pub employee_age: u16,
    pub employee_tenure: u16,
    pub level_id: u8,
    pub age_band: String,
    pub tenure_band: String,
    pub event_probability: Option<f64>,
    pub event_category: EventCategory,
    pub event_sequence: u16,
}

impl EventRecord {
    /// Field-level rules of 4.1 / 4.4 that one event can break on its own.
    pub fn validate(&self, first_year: i32, last_year: i32, max_level: u8) -> Result<(), String> {
        let non_empty = [
            ("event_id", &self.event_id),
            ("scenario_id", &self.scenario_id),
            ("plan_design_id", &self.plan_design_id),
            ("employee_id", &self.employee_id),
            ("employee_ssn", &self.employee_ssn),
        ];
        if let Some((k, _)) = non_empty.iter().find(|(_, v)| v.trim().is_empty()) {
            return Err(format!("{k} must not be empty"));
        }
        if !(first_year..=last_year).contains(&self.simulation_year) {
            return Err(format!(
                "simulation_year {} outside [{first_year}, {last_year}]",
                self.simulation_year
            ));
        }
        if crate::date::parse(&self.effective_date).is_none() {
            return Err(format!(
                "effective_date {:?} is not a date",
                self.effective_date
            ));
        }
        if self.event_type.requires_compensation() && self.compensation_amount.is_none() {
            return Err(
                "INVALID_COMPENSATION: compensation_amount is required for this event type".into(),
            );
        }
        for r in [
            self.employee_deferral_rate,
            self.prev_employee_deferral_rate,
        ]
        .into_iter()
        .flatten()
        {
            if !(0.0..=0.75).contains(&r) {
                return Err(format!("deferral rate {r} outside [0, 0.75]"));
            }
        }
        if self.level_id == 0 || self.level_id > max_level {
            return Err(format!(
                "level_id {} outside 1..={max_level}",
                self.level_id
            ));
        }
        if self.event_sequence == 0 {
            return Err("event_sequence must be >= 1".into());
        }
        if let Some(c) = self.compensation_amount {
            if !(c.is_finite() && c >= 0.0) {
                return Err(format!("compensation_amount {c} must be >= 0"));
            }
        }
        Ok(())
    }
}

/// The identity columns of a year's roster, by roster position (the snapshot's
/// `employee_id` and `employee_ssn`): the ledger stores positions, the record names people.
#[derive(Debug, Clone, Copy)]
pub struct RosterIds<'a> {
    pub employee_id: &'a [std::sync::Arc<str>],
    pub employee_ssn: &'a [std::sync::Arc<str>],
}

impl YearEvents {
    /// Event `i` with its envelope and strings, as written to the ledger (JSON, validation).
    pub fn record(
        &self,
        i: usize,
        roster: RosterIds<'_>,
        config: &crate::config::Config,
        bands: (
            &crate::rules::bands::BandTable,
            &crate::rules::bands::BandTable,
        ),
    ) -> EventRecord {
        let p = self.position[i] as usize;
        let mut details = String::new();
        self.detail[i].render(self.level_id[i], &mut details);
        EventRecord {
            event_id: event_id_string(self.event_id(i)),
            scenario_id: config.simulation.scenario_id.clone(),
            plan_design_id: config.simulation.plan_design_id.clone(),
            employee_id: roster.employee_id[p].to_string(),
            employee_ssn: roster.employee_ssn[p].to_string(),
            event_type: self.event_type[i],
            simulation_year: self.year,
            effective_date: iso(self.effective_date[i]),
            event_details: details,
            compensation_amount: self.compensation_amount[i],
            previous_compensation: self.previous_compensation[i],
            employee_deferral_rate: self.employee_deferral_rate[i],
            prev_employee_deferral_rate: self.prev_employee_deferral_rate[i],
            employee_age: self.employee_age[i],
            employee_tenure: self.employee_tenure[i],
            level_id: self.level_id[i],
            age_band: bands.0.label(self.employee_age[i]).to_string(),
            tenure_band: bands.1.label(self.employee_tenure[i]).to_string(),
            event_probability: self.event_probability[i],
            event_category: self.category[i],
            event_sequence: self.event_sequence[i],
        }
    }
}

/// Renders `EVT_{year}_{seq:09}` for an event id.
pub fn event_id_string(id: u64) -> String {
    format!("EVT_{}_{:09}", id / 1_000_000_000, id % 1_000_000_000)
}

/// ISO string of a date (edge helper).
pub fn iso(d: Day) -> String {
    Iso(d).to_string()
}

#[cfg(test)]
mod tests {
    use super::{push_digits, push_iso, push_pct4, Detail, Iso};

    #[test]
    fn digits_are_written_as_fmt_writes_them() {
        let mut s = String::new();
        for n in [0u64, 1, 9, 10, 99, 100, 2025, 65_535, 1_000_000, u64::MAX] {
            for width in [1, 2, 4, 25] {
                s.clear();
                push_digits(&mut s, n, width);
                assert_eq!(s, format!("{n:0width$}"));
            }
        }
        for x in [0.0f64, 0.03, -0.015, 0.123_456_7, 1.5, -2.000_05, 12.345_65] {
            s.clear();
            push_pct4(&mut s, x);
            let u = (x * 1_000_000.0).round() as i64;
            let sign = if u < 0 { "-" } else { "" };
            assert_eq!(
                s,
                format!("{sign}{}.{:04}", u.abs() / 10_000, u.abs() % 10_000)
            );
        }
        for (y, m, d) in [(2006, 1, 1), (1999, 12, 31), (987, 3, 9)] {
            s.clear();
            push_iso(&mut s, crate::date::days_from_civil(y, m, d));
            assert_eq!(s, Iso(crate::date::days_from_civil(y, m, d)).to_string());
        }
    }

    #[test]
    fn details_render_percentages_with_four_decimals() {
        let mut s = String::new();
        Detail::Raise {
            merit: 0.027_222_222,
            cola: 0.02,
        }
        .render(1, &mut s);
        assert_eq!(s, "merit 2.7222% + COLA 2.0000%");
        Detail::Promotion {
            from_level: 2,
            increase_pct: 0.183_456_7,
        }
        .render(3, &mut s);
        assert_eq!(s, "promotion from level 2 to 3: +18.3457%");
        Detail::Raise {
            merit: 0.0,
            cola: -0.005,
        }
        .render(1, &mut s);
        assert_eq!(s, "merit 0.0000% + COLA -0.5000%");
        Detail::Enrollment {
            category: super::EventCategory::AutoEnrollment,
            rate: 0.02,
        }
        .render(1, &mut s);
        assert_eq!(s, "Auto-enrollment - 2.0% default deferral");
        Detail::MatchResponse {
            from: 0.03,
            to: 0.05875,
        }
        .render(1, &mut s);
        assert_eq!(s, "Match response: deferral 3.0% -> 5.875%");
        Detail::Eligibility {
            date: crate::date::days_from_civil(2006, 1, 1),
            waiting_period_days: 0,
            minimum_age: 21,
        }
        .render(1, &mut s);
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["eligibility_date"], "2006-01-01");
        assert_eq!(v["reason"], "age_and_service");
    }
}
