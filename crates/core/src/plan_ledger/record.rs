//! The plan ledger's rows as stored and serialised (docs/rules.md 4.3): the record of one
//! event with its envelope, the columns each event type fills, and the typed events.

use super::{PlanEvent, PlanLedger};
use crate::config::ValidConfig;
use crate::date::{self, Day};
use crate::decimal::round2;

/// One plan-ledger row with its envelope, as stored (the `plan_ledger` view) and serialised.
/// Which columns a type fills:
///
/// | event_type | columns |
/// |---|---|
/// | contribution | source, amount, ytd_amount, pay_period (0 = annual), flag = irs_limit_applied |
/// | vesting | rate = vested share, amount = vested balance, vested_match, vested_core, hours, start_date = service start |
/// | forfeiture | source, amount, rate = vested share, action = reason |
/// | hce_status | amount = look-back pay, applicable_limit = HCE threshold, flag = is_hce, prior_flag = the prior year's, action = method |
/// | compliance | action = compliance type, applicable_limit, amount = current amount |
/// | auto_enrollment_window | action, start_date, end_date, rate = default deferral rate, flag = eligible for proactive enrollment |
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanLedgerRecord {
    pub event_id: String,
    pub scenario_id: String,
    pub plan_design_id: String,
    pub employee_id: String,
    pub simulation_year: i32,
    pub event_type: String,
    pub effective_date: String,
    pub event_sequence: u16,
    pub source: Option<String>,
    pub amount: Option<f64>,
    pub ytd_amount: Option<f64>,
    pub rate: Option<f64>,
    pub vested_match: Option<f64>,
    pub vested_core: Option<f64>,
    pub applicable_limit: Option<f64>,
    pub hours: Option<f64>,
    pub flag: Option<bool>,
    pub prior_flag: Option<bool>,
    pub action: Option<String>,
    pub pay_period: Option<u8>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
}

fn enum_value<T: serde::de::DeserializeOwned>(
    field: &str,
    v: &Option<String>,
) -> Result<T, crate::payload::FieldError> {
    let text = v.as_deref().unwrap_or("");
    serde_json::from_value(serde_json::Value::String(text.to_string())).map_err(|_| {
        crate::payload::FieldError {
            field: field.to_string(),
            rule: format!("unknown value {text:?}"),
        }
    })
}

/// The plan-ledger columns of one event (what [`PlanLedgerRecord`] and the store's encoder
/// write; `None` where the type has no such column).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PlanColumns {
    pub source: Option<&'static str>,
    pub amount: Option<f64>,
    pub ytd_amount: Option<f64>,
    pub rate: Option<f64>,
    pub vested_match: Option<f64>,
    pub vested_core: Option<f64>,
    pub applicable_limit: Option<f64>,
    pub hours: Option<f64>,
    pub flag: Option<bool>,
    pub prior_flag: Option<bool>,
    pub action: Option<&'static str>,
    pub pay_period: Option<u8>,
    pub start_date: Option<Day>,
    pub end_date: Option<Day>,
}

/// Every value of the `action` column, in the store's ENUM order.
pub const ACTIONS: [&str; 10] = [
    "opened",
    "closed",
    "expired",
    "prior_year",
    "current_year",
    "unvested_termination",
    "break_in_service",
    "402g_limit_approach",
    "415c_limit_approach",
    "catch_up_eligible",
];

/// Every value of the `event_type` column, in the store's ENUM order.
pub const EVENT_TYPES: [&str; 6] = [
    "auto_enrollment_window",
    "hce_status",
    "contribution",
    "vesting",
    "forfeiture",
    "compliance",
];

impl PlanEvent {
    /// The event's columns.
    #[inline]
    pub fn columns(&self) -> PlanColumns {
        let mut c = PlanColumns::default();
        match *self {
            PlanEvent::AutoEnrollmentWindow {
                action,
                start,
                end,
                default_rate,
                proactive,
            } => {
                c.action = Some(action.as_str());
                c.start_date = Some(start);
                c.end_date = Some(end);
                c.rate = Some(default_rate);
                c.flag = Some(proactive);
            }
            PlanEvent::HceStatus {
                compensation,
                threshold,
                is_hce,
                prior,
            } => {
                c.amount = Some(compensation);
                c.applicable_limit = Some(threshold);
                c.flag = Some(is_hce);
                c.prior_flag = prior;
                c.action = Some("prior_year");
            }
            PlanEvent::Contribution {
                source,
                amount,
                ytd,
                period,
                irs_limit_applied,
            } => {
                c.source = Some(source.as_str());
                c.amount = Some(amount);
                c.ytd_amount = Some(ytd);
                c.pay_period = Some(period);
                c.flag = Some(irs_limit_applied);
            }
            PlanEvent::Vesting {
                vested_pct,
                vested_match,
                vested_core,
                hours,
                service_start,
            } => {
                c.rate = Some(vested_pct);
                c.amount = Some(round2(vested_match + vested_core));
                c.vested_match = Some(vested_match);
                c.vested_core = Some(vested_core);
                c.hours = Some(hours);
                c.start_date = Some(service_start);
            }
            PlanEvent::Forfeiture {
                source,
                amount,
                vested_pct,
            } => {
                c.source = Some(source.as_str());
                c.amount = Some(amount);
                c.rate = Some(vested_pct);
                c.action = Some("unvested_termination");
            }
            PlanEvent::Compliance {
                kind,
                limit,
                amount,
            } => {
                c.action = Some(kind.as_str());
                c.applicable_limit = Some(limit);
                c.amount = Some(amount);
            }
        }
        c
    }
}

impl PlanLedger {
    /// Event `i` as a stored row. `ids` names the roster (the year's snapshot).
    pub fn record(
        &self,
        i: usize,
        ids: crate::events::RosterIds<'_>,
        config: &ValidConfig,
    ) -> PlanLedgerRecord {
        let c = self.event[i].columns();
        let iso = crate::events::iso;
        PlanLedgerRecord {
            event_id: self.event_id(i),
            scenario_id: config.simulation.scenario_id.clone(),
            plan_design_id: config.simulation.plan_design_id.clone(),
            employee_id: ids.employee_id[self.position[i] as usize].to_string(),
            simulation_year: self.year,
            event_type: self.event[i].event_type().to_string(),
            effective_date: iso(self.effective_date[i]),
            event_sequence: self.event_sequence[i],
            source: c.source.map(String::from),
            amount: c.amount,
            ytd_amount: c.ytd_amount,
            rate: c.rate,
            vested_match: c.vested_match,
            vested_core: c.vested_core,
            applicable_limit: c.applicable_limit,
            hours: c.hours,
            flag: c.flag,
            prior_flag: c.prior_flag,
            action: c.action.map(String::from),
            pay_period: c.pay_period,
            start_date: c.start_date.map(iso),
            end_date: c.end_date.map(iso),
        }
    }

    /// The numeric event id the store keeps (`year × 10^9 + sequence`, as the workforce
    /// ledger's): rendered `PLN_{year}_{seq:09}`.
    pub fn numeric_id(&self, i: usize) -> u64 {
        self.year as u64 * 1_000_000_000 + i as u64 + 1
    }
}

/// The vesting schedule's kind (4.3 `schedule_type`).
pub fn schedule_type(config: &ValidConfig) -> crate::payload::ScheduleType {
    use crate::payload::ScheduleType;
    let table = config.plan.vesting_table();
    if table.first().is_some_and(|&v| v >= 1.0) {
        ScheduleType::Immediate
    } else if table.iter().all(|&v| v == 0.0 || v >= 1.0) {
        ScheduleType::Cliff
    } else {
        ScheduleType::Graded
    }
}

impl crate::payload::TypedEvent {
    /// The typed form of one plan-ledger row; `config` gives what the row leaves out (the
    /// vesting schedule's kind, the proactive window).
    pub fn from_plan_ledger(
        r: &PlanLedgerRecord,
        config: &ValidConfig,
    ) -> Result<crate::payload::TypedEvent, crate::payload::FieldError> {
        use crate::payload::*;
        let need_f = |field: &str, v: Option<f64>| {
            v.ok_or_else(|| FieldError {
                field: field.to_string(),
                rule: format!("is required for a {} row", r.event_type),
            })
        };
        let need_s = |field: &str, v: &Option<String>| {
            v.clone().ok_or_else(|| FieldError {
                field: field.to_string(),
                rule: format!("is required for a {} row", r.event_type),
            })
        };
        let plan_id = r.plan_design_id.clone();
        let date = r.effective_date.clone();
        let payload = match r.event_type.as_str() {
            "contribution" => {
                let period = r.pay_period.unwrap_or(0);
                Payload::Contribution(Contribution {
                    plan_id,
                    source: enum_value("source", &r.source)?,
                    amount: need_f("amount", r.amount)?,
                    pay_period_end: date.clone(),
                    contribution_date: date.clone(),
                    ytd_amount: need_f("ytd_amount", r.ytd_amount)?,
                    payroll_id: if period == 0 {
                        format!("PAY_{}_ANNUAL", r.simulation_year)
                    } else {
                        format!("PAY_{}_{period:02}", r.simulation_year)
                    },
                    irs_limit_applied: r.flag.unwrap_or(false),
                    inferred_value: true,
                })
            }
            "vesting" => Payload::Vesting(Vesting {
                plan_id,
                vested_percentage: need_f("rate", r.rate)?,
                source_balances_vested: VestedBalances {
                    employer_match: need_f("vested_match", r.vested_match)?,
                    employer_nonelective: need_f("vested_core", r.vested_core)?,
                    employer_profit_sharing: 0.0,
                },
                schedule_type: schedule_type(config),
                service_computation_date: need_s("start_date", &r.start_date)?,
                service_credited_hours: need_f("hours", r.hours)?,
                service_period_end_date: date.clone(),
            }),
            "forfeiture" => Payload::Forfeiture(Forfeiture {
                plan_id,
                forfeited_from_source: enum_value("source", &r.source)?,
                amount: need_f("amount", r.amount)?,
                reason: enum_value("action", &r.action)?,
                vested_percentage: need_f("rate", r.rate)?,
            }),
            "hce_status" => {
                let pay = need_f("amount", r.amount)?;
                Payload::HceStatus(HceStatus {
                    plan_id,
                    determination_method: enum_value("action", &r.action)?,
                    ytd_compensation: pay,
                    annualized_compensation: pay,
                    hce_threshold: need_f("applicable_limit", r.applicable_limit)?,
                    is_hce: r.flag.unwrap_or(false),
                    determination_date: date.clone(),
                    prior_year_hce: r.prior_flag,
                })
            }
            "compliance" => {
                let kind: ComplianceType = enum_value("action", &r.action)?;
                Payload::Compliance(Compliance {
                    plan_id,
                    compliance_type: kind,
                    limit_type: match kind {
                        ComplianceType::Limit402gApproach => LimitKind::ElectiveDeferral,
                        ComplianceType::Limit415cApproach => LimitKind::AnnualAdditions,
                        ComplianceType::CatchUpEligible => LimitKind::CatchUp,
                    },
                    applicable_limit: need_f("applicable_limit", r.applicable_limit)?,
                    current_amount: need_f("amount", r.amount)?,
                    monitoring_date: date.clone(),
                })
            }
            "auto_enrollment_window" => {
                let start = need_s("start_date", &r.start_date)?;
                let end = need_s("end_date", &r.end_date)?;
                let days = match (date::parse(&start), date::parse(&end)) {
                    (Some(a), Some(b)) => (b - a).clamp(0, u16::MAX as i32) as u16,
                    _ => 0,
                };
                let proactive = r.flag.unwrap_or(false);
                Payload::AutoEnrollmentWindow(AutoEnrollmentWindow {
                    plan_id,
                    action: enum_value("action", &r.action)?,
                    window_start_date: start.clone(),
                    window_end_date: end,
                    window_duration_days: days,
                    default_deferral_rate: need_f("rate", r.rate)?,
                    eligible_for_proactive: proactive,
                    proactive_window_end: if proactive {
                        date::parse(&start).map(|d| {
                            crate::events::iso(
                                d + config.plan.voluntary_enrollment.proactive_max_days as i32,
                            )
                        })
                    } else {
                        None
                    },
                })
            }
            other => {
                return Err(FieldError {
                    field: "event_type".into(),
                    rule: format!("{other:?} is not a plan-ledger type"),
                })
            }
        };
        let ids = RowIds {
            event_id: &r.event_id,
            scenario_id: &r.scenario_id,
            plan_design_id: &r.plan_design_id,
            employee_id: &r.employee_id,
            simulation_year: r.simulation_year,
        };
        Ok(TypedEvent::simulated(ids, date, None, payload))
    }

    /// The plan-ledger row of a typed money event. `event_sequence` is not in the typed
    /// event (it is the row's order): pass it.
    pub fn to_plan_ledger(
        &self,
        event_sequence: u16,
    ) -> Result<PlanLedgerRecord, crate::payload::FieldError> {
        use crate::payload::*;
        let year = self.simulation_year.ok_or_else(|| FieldError {
            field: "simulation_year".into(),
            rule: "is required to form a plan-ledger row".into(),
        })?;
        let mut r = PlanLedgerRecord {
            event_id: self.event_id.clone(),
            scenario_id: self.scenario_id.clone(),
            plan_design_id: self.plan_design_id.clone(),
            employee_id: self.employee_id.clone(),
            simulation_year: year,
            event_type: self.payload.event_type().to_string(),
            effective_date: self.effective_date.clone(),
            event_sequence,
            ..PlanLedgerRecord::default()
        };
        match &self.payload {
            Payload::Contribution(p) => {
                r.source = Some(p.source.as_str().into());
                r.amount = Some(p.amount);
                r.ytd_amount = Some(p.ytd_amount);
                r.pay_period = Some(
                    p.payroll_id
                        .rsplit('_')
                        .next()
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(0),
                );
                r.flag = Some(p.irs_limit_applied);
            }
            Payload::Vesting(p) => {
                let b = &p.source_balances_vested;
                r.rate = Some(p.vested_percentage);
                r.amount = Some(round2(b.employer_match + b.employer_nonelective));
                r.vested_match = Some(b.employer_match);
                r.vested_core = Some(b.employer_nonelective);
                r.hours = Some(p.service_credited_hours);
                r.start_date = Some(p.service_computation_date.clone());
            }
            Payload::Forfeiture(p) => {
                r.source = Some(enum_name(&p.forfeited_from_source));
                r.amount = Some(p.amount);
                r.rate = Some(p.vested_percentage);
                r.action = Some(enum_name(&p.reason));
            }
            Payload::HceStatus(p) => {
                r.amount = Some(p.annualized_compensation);
                r.applicable_limit = Some(p.hce_threshold);
                r.flag = Some(p.is_hce);
                r.prior_flag = p.prior_year_hce;
                r.action = Some(enum_name(&p.determination_method));
            }
            Payload::Compliance(p) => {
                r.action = Some(enum_name(&p.compliance_type));
                r.applicable_limit = Some(p.applicable_limit);
                r.amount = Some(p.current_amount);
            }
            Payload::AutoEnrollmentWindow(p) => {
                r.action = Some(enum_name(&p.action));
                r.start_date = Some(p.window_start_date.clone());
                r.end_date = Some(p.window_end_date.clone());
                r.rate = Some(p.default_deferral_rate);
                r.flag = Some(p.eligible_for_proactive);
            }
            other => {
                return Err(FieldError {
                    field: "payload.event_type".into(),
                    rule: format!(
                        "{} is not a plan-ledger type (it belongs to the workforce ledger)",
                        other.event_type()
                    ),
                })
            }
        }
        Ok(r)
    }
}
