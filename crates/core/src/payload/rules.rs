//! The validation rules of the typed events (docs/rules.md 4.3), one check per field, and
//! the quantisation of money and rates to 6 decimals. The first broken rule of an event is
//! its error: the field (a path such as `payload.amount`) and the rule.

use super::*;

/// A broken rule of one typed event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the field (`payload.amount`), or `json` for a line that does not parse.
    pub field: String,
    /// The rule, e.g. `must be > 0 (got -5)`.
    pub rule: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "field {}: {}", self.field, self.rule)
    }
}

impl std::error::Error for FieldError {}

impl FieldError {
    fn new(field: &str, rule: impl Into<String>) -> FieldError {
        FieldError {
            field: field.to_string(),
            rule: rule.into(),
        }
    }

    /// A line that serde refuses: a wrong type, a missing or unknown field, an unknown
    /// `event_type` or enum value. serde names the field in its message.
    pub fn from_json(e: serde_json::Error) -> FieldError {
        let text = e.to_string();
        // "missing field `x` at line 1 column 80" / "unknown field `x`, expected ..."
        let field = text
            .split('`')
            .nth(1)
            .filter(|_| text.starts_with("missing field") || text.starts_with("unknown field"))
            .unwrap_or("json");
        FieldError::new(field, text.clone())
    }
}

type Check = Result<(), FieldError>;

fn non_empty(field: &str, v: &str) -> Check {
    if v.trim().is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if v.trim() != v {
        return Err(FieldError::new(
            field,
            format!("must be trimmed (got {v:?})"),
        ));
    }
    Ok(())
}

fn date(field: &str, v: &str) -> Check {
    match crate::date::parse(v) {
        Some(_) if v.len() == 10 => Ok(()),
        _ => Err(FieldError::new(
            field,
            format!("must be a date YYYY-MM-DD (got {v:?})"),
        )),
    }
}

fn opt_date(field: &str, v: &Option<String>) -> Check {
    v.as_deref().map_or(Ok(()), |d| date(field, d))
}

fn finite(field: &str, v: f64) -> Check {
    if v.is_finite() {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            format!("must be a number (got {v})"),
        ))
    }
}

fn positive(field: &str, v: f64) -> Check {
    finite(field, v)?;
    if v > 0.0 {
        Ok(())
    } else {
        Err(FieldError::new(field, format!("must be > 0 (got {v})")))
    }
}

fn non_negative(field: &str, v: f64) -> Check {
    finite(field, v)?;
    if v >= 0.0 {
        Ok(())
    } else {
        Err(FieldError::new(field, format!("must be >= 0 (got {v})")))
    }
}

fn within(field: &str, v: f64, lo: f64, hi: f64) -> Check {
    finite(field, v)?;
    if (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            format!("must be within [{lo}, {hi}] (got {v})"),
        ))
    }
}

fn rate(field: &str, v: f64) -> Check {
    within(field, v, 0.0, 1.0)
}

fn level(field: &str, v: u8) -> Check {
    if (1..=10).contains(&v) {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            format!("must be within 1..=10 (got {v})"),
        ))
    }
}

fn opt_non_empty(field: &str, v: &Option<String>) -> Check {
    v.as_deref().map_or(Ok(()), |s| non_empty(field, s))
}

impl TypedEvent {
    /// Checks every rule of 4.3 on the envelope, the ledger context and the payload.
    pub fn validate(&self) -> Check {
        non_empty("event_id", &self.event_id)?;
        non_empty("employee_id", &self.employee_id)?;
        date("effective_date", &self.effective_date)?;
        if let Some(c) = &self.created_at {
            let ok = c.len() >= 20
                && crate::date::parse(&c[..10]).is_some()
                && c.as_bytes()[10] == b'T'
                && (c.ends_with('Z') || c.ends_with("+00:00"));
            if !ok {
                return Err(FieldError::new(
                    "created_at",
                    format!("must be an RFC 3339 UTC timestamp (got {c:?})"),
                ));
            }
        }
        non_empty("scenario_id", &self.scenario_id)?;
        non_empty("plan_design_id", &self.plan_design_id)?;
        non_empty("source_system", &self.source_system)?;
        opt_non_empty("correlation_id", &self.correlation_id)?;
        if let Some(l) = &self.ledger {
            non_empty("ledger.employee_ssn", &l.employee_ssn)?;
            if l.event_sequence == 0 {
                return Err(FieldError::new("ledger.event_sequence", "must be >= 1"));
            }
            level("ledger.level_id", l.level_id)?;
            // The probability or rate that drove the event (4.1): a product of segment
            // factors can exceed 1 (a sure event), so only its sign is a rule.
            if let Some(p) = l.event_probability {
                non_negative("ledger.event_probability", p)?;
            }
            if let Some(c) = l.compensation_amount {
                non_negative("ledger.compensation_amount", c)?;
            }
            if let Some(c) = l.previous_compensation {
                non_negative("ledger.previous_compensation", c)?;
            }
            if let Some(r) = l.employee_deferral_rate {
                within("ledger.employee_deferral_rate", r, 0.0, 0.75)?;
            }
            if let Some(r) = l.prev_employee_deferral_rate {
                within("ledger.prev_employee_deferral_rate", r, 0.0, 0.75)?;
            }
            let payload_level = match &self.payload {
                Payload::Hire(p) => Some(p.job_level),
                Payload::Promotion(p) => Some(p.new_job_level),
                _ => None,
            };
            if payload_level.is_some_and(|v| v != l.level_id) {
                return Err(FieldError::new(
                    "ledger.level_id",
                    "must equal the payload's job level",
                ));
            }
        }
        self.payload.validate()
    }

    /// Quantises every money and rate field to 6 decimals (4.3); other numbers (hours, ages,
    /// probabilities) are kept as they are.
    pub fn quantise(&mut self) {
        let q = |x: &mut f64| *x = quantise(*x);
        let qo = |x: &mut Option<f64>| {
            if let Some(v) = x {
                *v = quantise(*v)
            }
        };
        if let Some(l) = &mut self.ledger {
            qo(&mut l.compensation_amount);
            qo(&mut l.previous_compensation);
            qo(&mut l.employee_deferral_rate);
            qo(&mut l.prev_employee_deferral_rate);
        }
        match &mut self.payload {
            Payload::Hire(p) => q(&mut p.annual_compensation),
            Payload::Promotion(p) => q(&mut p.new_annual_compensation),
            Payload::Termination(_) | Payload::Eligibility(_) => {}
            Payload::Merit(p) => {
                q(&mut p.new_compensation);
                q(&mut p.merit_percentage);
                qo(&mut p.cola_percentage);
            }
            Payload::Sabbatical(p) => q(&mut p.compensation_percentage),
            Payload::Enrollment(p) => {
                q(&mut p.pre_tax_rate);
                q(&mut p.roth_rate);
                q(&mut p.after_tax_rate);
            }
            Payload::EnrollmentChange(p) => {
                q(&mut p.new_pre_tax_rate);
                q(&mut p.new_roth_rate);
                qo(&mut p.previous_pre_tax_rate);
                qo(&mut p.previous_roth_rate);
            }
            Payload::DeferralEscalation(p) | Payload::DeferralMatchResponse(p) => {
                q(&mut p.new_deferral_rate);
                q(&mut p.previous_deferral_rate);
            }
            Payload::AutoEnrollmentWindow(p) => q(&mut p.default_deferral_rate),
            Payload::Contribution(p) => {
                q(&mut p.amount);
                q(&mut p.ytd_amount);
            }
            Payload::Vesting(p) => {
                q(&mut p.vested_percentage);
                q(&mut p.source_balances_vested.employer_match);
                q(&mut p.source_balances_vested.employer_nonelective);
                q(&mut p.source_balances_vested.employer_profit_sharing);
            }
            Payload::Forfeiture(p) => {
                q(&mut p.amount);
                q(&mut p.vested_percentage);
            }
            Payload::HceStatus(p) => {
                q(&mut p.ytd_compensation);
                q(&mut p.annualized_compensation);
                q(&mut p.hce_threshold);
            }
            Payload::Compliance(p) => {
                q(&mut p.applicable_limit);
                q(&mut p.current_amount);
            }
        }
    }
}

impl Payload {
    /// The payload's own rules (4.3), each kept on its payload type.
    pub fn validate(&self) -> Check {
        match self {
            Payload::Hire(p) => p.validate(),
            Payload::Promotion(p) => p.validate(),
            Payload::Termination(p) => p.validate(),
            Payload::Merit(p) => p.validate(),
            Payload::Sabbatical(p) => p.validate(),
            Payload::Eligibility(p) => p.validate(),
            Payload::Enrollment(p) => p.validate(),
            Payload::EnrollmentChange(p) => p.validate(),
            Payload::DeferralEscalation(p) | Payload::DeferralMatchResponse(p) => p.validate(),
            Payload::AutoEnrollmentWindow(p) => p.validate(),
            Payload::Contribution(p) => p.validate(),
            Payload::Vesting(p) => p.validate(),
            Payload::Forfeiture(p) => p.validate(),
            Payload::HceStatus(p) => p.validate(),
            Payload::Compliance(p) => p.validate(),
        }
    }
}

impl Hire {
    /// The rules of 4.3 for this payload.
    fn validate(&self) -> Check {
        opt_non_empty("payload.plan_id", &self.plan_id)?;
        date("payload.hire_date", &self.hire_date)?;
        non_empty("payload.department", &self.department)?;
        level("payload.job_level", self.job_level)?;
        positive("payload.annual_compensation", self.annual_compensation)
    }
}

impl Promotion {
    /// The rules of 4.3 for this payload.
    fn validate(&self) -> Check {
        opt_non_empty("payload.plan_id", &self.plan_id)?;
        level("payload.new_job_level", self.new_job_level)?;
        positive(
            "payload.new_annual_compensation",
            self.new_annual_compensation,
        )?;
        date("payload.effective_date", &self.effective_date)
    }
}

impl Termination {
    /// The rules of 4.3 for this payload.
    fn validate(&self) -> Check {
        opt_non_empty("payload.plan_id", &self.plan_id)?;
        date("payload.final_pay_date", &self.final_pay_date)
    }
}

impl Merit {
    /// The rules of 4.3 for this payload.
    fn validate(&self) -> Check {
        opt_non_empty("payload.plan_id", &self.plan_id)?;
        positive("payload.new_compensation", self.new_compensation)?;
        rate("payload.merit_percentage", self.merit_percentage)?;
        if let Some(c) = self.cola_percentage {
            within("payload.cola_percentage", c, -1.0, 1.0)?;
        }
        Ok(())
    }
}

impl Sabbatical {
    /// The rules of 4.3 for this payload.
    fn validate(&self) -> Check {
        opt_non_empty("payload.plan_id", &self.plan_id)?;
        date("payload.start_date", &self.start_date)?;
        date("payload.end_date", &self.end_date)?;
        if self.start_date >= self.end_date {
            return Err(FieldError::new(
                "payload.end_date",
                format!(
                    "must be after start_date {} (got {})",
                    self.start_date, self.end_date
                ),
            ));
        }
        rate(
            "payload.compensation_percentage",
            self.compensation_percentage,
        )
    }
}

impl Eligibility {
    /// The rules of 4.3 for this payload.
    fn validate(&self) -> Check {
        non_empty("payload.plan_id", &self.plan_id)?;
        date("payload.eligibility_date", &self.eligibility_date)?;
        opt_non_empty("payload.source", &self.source)
    }
}

impl Enrollment {
    /// The rules of 4.3 for this payload.
    fn validate(&self) -> Check {
        non_empty("payload.plan_id", &self.plan_id)?;
        date("payload.enrollment_date", &self.enrollment_date)?;
        rate("payload.pre_tax_rate", self.pre_tax_rate)?;
        rate("payload.roth_rate", self.roth_rate)?;
        rate("payload.after_tax_rate", self.after_tax_rate)?;
        let total = self.pre_tax_rate + self.roth_rate + self.after_tax_rate;
        if total > 1.0 + 1e-9 {
            return Err(FieldError::new(
                "payload.pre_tax_rate",
                format!("the three rates must sum to at most 1 (got {total})"),
            ));
        }
        opt_date(
            "payload.opt_out_window_expires",
            &self.opt_out_window_expires,
        )?;
        opt_date(
            "payload.auto_enrollment_window_start",
            &self.auto_enrollment_window_start,
        )?;
        opt_date(
            "payload.auto_enrollment_window_end",
            &self.auto_enrollment_window_end,
        )?;
        if self.auto_enrollment != (self.enrollment_source == EnrollmentSource::Auto) {
            return Err(FieldError::new(
                "payload.auto_enrollment",
                "must be true exactly when enrollment_source is auto",
            ));
        }
        Ok(())
    }
}

impl EnrollmentChange {
    /// The rules of 4.3 for this payload.
    fn validate(&self) -> Check {
        non_empty("payload.plan_id", &self.plan_id)?;
        opt_date(
            "payload.previous_enrollment_date",
            &self.previous_enrollment_date,
        )?;
        rate("payload.new_pre_tax_rate", self.new_pre_tax_rate)?;
        rate("payload.new_roth_rate", self.new_roth_rate)?;
        if let Some(r) = self.previous_pre_tax_rate {
            rate("payload.previous_pre_tax_rate", r)?;
        }
        if let Some(r) = self.previous_roth_rate {
            rate("payload.previous_roth_rate", r)?;
        }
        if self.change_type == ChangeType::OptOut
            && (self.new_pre_tax_rate != 0.0 || self.new_roth_rate != 0.0)
        {
            return Err(FieldError::new(
                "payload.new_pre_tax_rate",
                "an opt_out must set the new rates to 0",
            ));
        }
        Ok(())
    }
}

impl DeferralRateChange {
    /// The rules of 4.3 for this payload.
    fn validate(&self) -> Check {
        non_empty("payload.plan_id", &self.plan_id)?;
        rate("payload.new_deferral_rate", self.new_deferral_rate)?;
        rate(
            "payload.previous_deferral_rate",
            self.previous_deferral_rate,
        )
    }
}

impl AutoEnrollmentWindow {
    /// The rules of 4.3 for this payload.
    fn validate(&self) -> Check {
        non_empty("payload.plan_id", &self.plan_id)?;
        date("payload.window_start_date", &self.window_start_date)?;
        date("payload.window_end_date", &self.window_end_date)?;
        if !(1..=365).contains(&self.window_duration_days) {
            return Err(FieldError::new(
                "payload.window_duration_days",
                format!("must be within 1..=365 (got {})", self.window_duration_days),
            ));
        }
        rate("payload.default_deferral_rate", self.default_deferral_rate)?;
        opt_date("payload.proactive_window_end", &self.proactive_window_end)
    }
}

impl Contribution {
    /// The rules of 4.3 for this payload.
    fn validate(&self) -> Check {
        non_empty("payload.plan_id", &self.plan_id)?;
        positive("payload.amount", self.amount)?;
        date("payload.pay_period_end", &self.pay_period_end)?;
        date("payload.contribution_date", &self.contribution_date)?;
        non_negative("payload.ytd_amount", self.ytd_amount)?;
        if self.ytd_amount + 1e-6 < self.amount {
            return Err(FieldError::new(
                "payload.ytd_amount",
                format!(
                    "must include this contribution's amount {} (got {})",
                    self.amount, self.ytd_amount
                ),
            ));
        }
        non_empty("payload.payroll_id", &self.payroll_id)
    }
}

impl Vesting {
    /// The rules of 4.3 for this payload.
    fn validate(&self) -> Check {
        non_empty("payload.plan_id", &self.plan_id)?;
        rate("payload.vested_percentage", self.vested_percentage)?;
        let b = &self.source_balances_vested;
        non_negative(
            "payload.source_balances_vested.employer_match",
            b.employer_match,
        )?;
        non_negative(
            "payload.source_balances_vested.employer_nonelective",
            b.employer_nonelective,
        )?;
        non_negative(
            "payload.source_balances_vested.employer_profit_sharing",
            b.employer_profit_sharing,
        )?;
        date(
            "payload.service_computation_date",
            &self.service_computation_date,
        )?;
        non_negative(
            "payload.service_credited_hours",
            self.service_credited_hours,
        )?;
        date(
            "payload.service_period_end_date",
            &self.service_period_end_date,
        )
    }
}

impl Forfeiture {
    /// The rules of 4.3 for this payload.
    fn validate(&self) -> Check {
        non_empty("payload.plan_id", &self.plan_id)?;
        positive("payload.amount", self.amount)?;
        rate("payload.vested_percentage", self.vested_percentage)?;
        if self.vested_percentage >= 1.0 {
            return Err(FieldError::new(
                "payload.vested_percentage",
                "a fully vested balance forfeits nothing (must be < 1)",
            ));
        }
        Ok(())
    }
}

impl HceStatus {
    /// The rules of 4.3 for this payload.
    fn validate(&self) -> Check {
        non_empty("payload.plan_id", &self.plan_id)?;
        non_negative("payload.ytd_compensation", self.ytd_compensation)?;
        non_negative(
            "payload.annualized_compensation",
            self.annualized_compensation,
        )?;
        positive("payload.hce_threshold", self.hce_threshold)?;
        date("payload.determination_date", &self.determination_date)
    }
}

impl Compliance {
    /// The rules of 4.3 for this payload.
    fn validate(&self) -> Check {
        non_empty("payload.plan_id", &self.plan_id)?;
        positive("payload.applicable_limit", self.applicable_limit)?;
        non_negative("payload.current_amount", self.current_amount)?;
        let expected = match self.compliance_type {
            ComplianceType::Limit402gApproach => LimitKind::ElectiveDeferral,
            ComplianceType::Limit415cApproach => LimitKind::AnnualAdditions,
            ComplianceType::CatchUpEligible => LimitKind::CatchUp,
        };
        if self.limit_type != expected {
            return Err(FieldError::new(
                "payload.limit_type",
                format!(
                    "must be {} for this compliance_type (got {})",
                    enum_name(&expected),
                    enum_name(&self.limit_type)
                ),
            ));
        }
        date("payload.monitoring_date", &self.monitoring_date)
    }
}
