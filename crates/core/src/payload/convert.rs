//! Workforce ledger rows (4.1, [`EventRecord`]) to typed events (4.3) and back.
//!
//! A payload carries the columns it has a field for (a hire's salary and level, an
//! enrollment's rate, a promotion's new pay); every other column of the row goes to the typed
//! event's [`LedgerContext`], so the conversion back gives the same row. The mapping per
//! ledger type (4.2):
//!
//! | ledger `event_type` | payload | from the row |
//! |---|---|---|
//! | hire | `hire` | hire_date = effective date, job_level = level, annual_compensation |
//! | promotion | `promotion` | new level and pay, effective date |
//! | termination | `termination` | final_pay_date = effective date, reason `voluntary` |
//! | raise | `merit` | new pay; merit and COLA shares from the details (3.8) |
//! | eligibility | `eligibility` | eligible, date, reason from the details JSON |
//! | enrollment | `enrollment` | pre_tax_rate = the deferral rate; source by category |
//! | enrollment_change | `enrollment_change` | opt_out by the employee, new and previous rate |
//! | deferral_escalation, deferral_match_response | the extension payloads | new and previous rate |

use super::*;
use crate::config::ValidConfig;
use crate::events::{EventCategory, EventRecord, EventType};

/// The department of simulated employees: the census has none (1.1).
pub const DEPARTMENT: &str = "unassigned";

fn need(field: &str, v: Option<f64>) -> Result<f64, FieldError> {
    v.ok_or_else(|| FieldError {
        field: field.to_string(),
        rule: "is required for this event type".into(),
    })
}

/// `merit X% + COLA Y%` (the raise's details, 3.8) as shares.
fn merit_and_cola(details: &str) -> Option<(f64, f64)> {
    let rest = details.strip_prefix("merit ")?;
    let (merit, cola) = rest.split_once("% + COLA ")?;
    let cola = cola.strip_suffix('%')?;
    Some((
        quantise(merit.parse::<f64>().ok()? / 100.0),
        quantise(cola.parse::<f64>().ok()? / 100.0),
    ))
}

fn add_days(iso: &str, days: u32) -> Option<String> {
    crate::date::parse(iso).map(|d| crate::events::iso(d + days as i32))
}

impl TypedEvent {
    /// The typed form of one workforce ledger row. `config` supplies the plan's parameters
    /// a payload names (the opt-out grace period of an auto-enrollment).
    pub fn from_ledger(r: &EventRecord, config: &ValidConfig) -> Result<TypedEvent, FieldError> {
        let plan_id = r.plan_design_id.clone();
        let mut ctx = LedgerContext {
            employee_ssn: r.employee_ssn.clone(),
            event_category: r.event_category,
            event_sequence: r.event_sequence,
            employee_age: r.employee_age,
            employee_tenure: r.employee_tenure,
            level_id: r.level_id,
            age_band: r.age_band.clone(),
            tenure_band: r.tenure_band.clone(),
            event_details: r.event_details.clone(),
            event_probability: r.event_probability,
            compensation_amount: r.compensation_amount,
            previous_compensation: r.previous_compensation,
            employee_deferral_rate: r.employee_deferral_rate,
            prev_employee_deferral_rate: r.prev_employee_deferral_rate,
        };
        let date = r.effective_date.clone();
        let payload = match r.event_type {
            EventType::Hire => Payload::Hire(Hire {
                plan_id: None,
                hire_date: date.clone(),
                department: DEPARTMENT.into(),
                job_level: r.level_id,
                annual_compensation: need("compensation_amount", ctx.compensation_amount.take())?,
            }),
            EventType::Promotion => Payload::Promotion(Promotion {
                plan_id: None,
                new_job_level: r.level_id,
                new_annual_compensation: need(
                    "compensation_amount",
                    ctx.compensation_amount.take(),
                )?,
                effective_date: date.clone(),
            }),
            EventType::Termination => Payload::Termination(Termination {
                plan_id: None,
                termination_reason: TerminationReason::Voluntary,
                final_pay_date: date.clone(),
            }),
            EventType::Raise => {
                let new = need("compensation_amount", ctx.compensation_amount.take())?;
                let (merit, cola) = merit_and_cola(&r.event_details).unwrap_or_else(|| {
                    let prev = r.previous_compensation.unwrap_or(new);
                    let change = if prev > 0.0 { new / prev - 1.0 } else { 0.0 };
                    (quantise(change.clamp(0.0, 1.0)), 0.0)
                });
                Payload::Merit(Merit {
                    plan_id: None,
                    new_compensation: new,
                    merit_percentage: merit,
                    cola_percentage: Some(cola),
                })
            }
            EventType::Eligibility => {
                let details: serde_json::Value =
                    serde_json::from_str(&r.event_details).unwrap_or_default();
                let reason = details["reason"]
                    .as_str()
                    .and_then(|s| serde_json::from_value(s.into()).ok())
                    .unwrap_or(EligibilityReason::AgeAndService);
                Payload::Eligibility(Eligibility {
                    plan_id,
                    eligible: true,
                    eligibility_date: date.clone(),
                    reason,
                    source: details["source"].as_str().map(String::from),
                })
            }
            EventType::Enrollment => {
                let rate = need("employee_deferral_rate", ctx.employee_deferral_rate.take())?;
                let source = match r.event_category {
                    EventCategory::AutoEnrollment => EnrollmentSource::Auto,
                    EventCategory::ProactiveVoluntary => EnrollmentSource::Proactive,
                    _ => EnrollmentSource::Voluntary,
                };
                let auto = source == EnrollmentSource::Auto;
                Payload::Enrollment(Enrollment {
                    plan_id,
                    enrollment_date: date.clone(),
                    pre_tax_rate: rate,
                    roth_rate: 0.0,
                    after_tax_rate: 0.0,
                    auto_enrollment: auto,
                    opt_out_window_expires: if auto {
                        add_days(&date, config.plan.auto_enrollment.opt_out_grace_period_days)
                    } else {
                        None
                    },
                    enrollment_source: source,
                    auto_enrollment_window_start: None,
                    auto_enrollment_window_end: None,
                    proactive_enrollment_eligible: source == EnrollmentSource::Proactive,
                    // The model dates every enrollment by the plan's own windows (3.10).
                    window_timing_compliant: true,
                })
            }
            EventType::EnrollmentChange => Payload::EnrollmentChange(EnrollmentChange {
                plan_id,
                change_type: ChangeType::OptOut,
                change_reason: ChangeReason::EmployeeOptOut,
                previous_enrollment_date: None,
                new_pre_tax_rate: need(
                    "employee_deferral_rate",
                    ctx.employee_deferral_rate.take(),
                )?,
                new_roth_rate: 0.0,
                previous_pre_tax_rate: ctx.prev_employee_deferral_rate.take(),
                previous_roth_rate: None,
                // Opt-outs of auto-enrollment at the dates of 3.10.4; the model has no
                // permissible-withdrawal penalty.
                within_opt_out_window: true,
                penalty_applied: false,
            }),
            EventType::DeferralEscalation | EventType::DeferralMatchResponse => {
                let change = DeferralRateChange {
                    plan_id,
                    new_deferral_rate: need(
                        "employee_deferral_rate",
                        ctx.employee_deferral_rate.take(),
                    )?,
                    previous_deferral_rate: need(
                        "prev_employee_deferral_rate",
                        ctx.prev_employee_deferral_rate.take(),
                    )?,
                };
                if r.event_type == EventType::DeferralEscalation {
                    Payload::DeferralEscalation(change)
                } else {
                    Payload::DeferralMatchResponse(change)
                }
            }
        };
        let ids = RowIds {
            event_id: &r.event_id,
            scenario_id: &r.scenario_id,
            plan_design_id: &r.plan_design_id,
            employee_id: &r.employee_id,
            simulation_year: r.simulation_year,
        };
        Ok(TypedEvent::simulated(ids, date, Some(ctx), payload))
    }

    /// The workforce ledger row of a typed event: needs the ledger context and a payload of
    /// the workforce ledger's types.
    pub fn to_ledger(&self) -> Result<EventRecord, FieldError> {
        let err = |field: &str, rule: &str| FieldError {
            field: field.to_string(),
            rule: rule.to_string(),
        };
        let ctx = self.ledger.as_ref().ok_or_else(|| {
            err(
                "ledger",
                "is required to form a workforce ledger row (4.1 columns no payload carries)",
            )
        })?;
        let year = self
            .simulation_year
            .ok_or_else(|| err("simulation_year", "is required to form a ledger row"))?;
        let mut row = EventRecord {
            event_id: self.event_id.clone(),
            scenario_id: self.scenario_id.clone(),
            plan_design_id: self.plan_design_id.clone(),
            employee_id: self.employee_id.clone(),
            employee_ssn: ctx.employee_ssn.clone(),
            event_type: EventType::Hire,
            simulation_year: year,
            effective_date: self.effective_date.clone(),
            event_details: ctx.event_details.clone(),
            compensation_amount: ctx.compensation_amount,
            previous_compensation: ctx.previous_compensation,
            employee_deferral_rate: ctx.employee_deferral_rate,
            prev_employee_deferral_rate: ctx.prev_employee_deferral_rate,
            employee_age: ctx.employee_age,
            employee_tenure: ctx.employee_tenure,
            level_id: ctx.level_id,
            age_band: ctx.age_band.clone(),
            tenure_band: ctx.tenure_band.clone(),
            event_probability: ctx.event_probability,
            event_category: ctx.event_category,
            event_sequence: ctx.event_sequence,
        };
        match &self.payload {
            Payload::Hire(p) => {
                row.event_type = EventType::Hire;
                row.compensation_amount = Some(p.annual_compensation);
                row.level_id = p.job_level;
                row.effective_date = p.hire_date.clone();
            }
            Payload::Promotion(p) => {
                row.event_type = EventType::Promotion;
                row.compensation_amount = Some(p.new_annual_compensation);
                row.level_id = p.new_job_level;
                row.effective_date = p.effective_date.clone();
            }
            Payload::Termination(p) => {
                row.event_type = EventType::Termination;
                row.effective_date = p.final_pay_date.clone();
            }
            Payload::Merit(p) => {
                row.event_type = EventType::Raise;
                row.compensation_amount = Some(p.new_compensation);
            }
            Payload::Eligibility(p) => {
                row.event_type = EventType::Eligibility;
                row.effective_date = p.eligibility_date.clone();
            }
            Payload::Enrollment(p) => {
                row.event_type = EventType::Enrollment;
                row.employee_deferral_rate =
                    Some(quantise(p.pre_tax_rate + p.roth_rate + p.after_tax_rate));
                row.effective_date = p.enrollment_date.clone();
            }
            Payload::EnrollmentChange(p) => {
                row.event_type = EventType::EnrollmentChange;
                row.employee_deferral_rate = Some(quantise(p.new_pre_tax_rate + p.new_roth_rate));
                row.prev_employee_deferral_rate =
                    match (p.previous_pre_tax_rate, p.previous_roth_rate) {
                        (None, None) => None,
                        (a, b) => Some(quantise(a.unwrap_or(0.0) + b.unwrap_or(0.0))),
                    };
            }
            Payload::DeferralEscalation(p) | Payload::DeferralMatchResponse(p) => {
                row.event_type = if matches!(self.payload, Payload::DeferralEscalation(_)) {
                    EventType::DeferralEscalation
                } else {
                    EventType::DeferralMatchResponse
                };
                row.employee_deferral_rate = Some(p.new_deferral_rate);
                row.prev_employee_deferral_rate = Some(p.previous_deferral_rate);
            }
            other => {
                return Err(err(
                    "payload.event_type",
                    &format!(
                        "{} is not a workforce ledger type (it belongs to the plan ledger)",
                        other.event_type()
                    ),
                ))
            }
        }
        Ok(row)
    }
}
