//! The decisions record of steps 3-12 (docs/rules.md 3.0): what an engine decided for the
//! year, before the ledger is published from it. Every engine returns this one type; the
//! SQL and Polars engines fill it through [`Decoder`], which rejects a null where a decision
//! needs a value and an index outside the workforce, so no engine turns a bug into a silent 0.

use crate::date::Day;
use crate::error::EngineError;
use crate::events::EventCategory;
use crate::rules::hiring::{self, Hire};

/// A promotion decided for one start-of-year employee.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PromotionDecision {
    pub new_level: u8,
    pub new_compensation: f64,
    pub hazard: f64,
    pub increase_pct: f64,
}

/// A merit + COLA raise decided for one start-of-year employee.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RaiseDecision {
    pub new_compensation: f64,
    pub date: Day,
    pub merit: f64,
}

/// The year's decisions, before publication.
#[derive(Debug, Clone)]
pub struct Decisions {
    /// Per start-of-year employee: the experienced termination date, `None` when staying.
    pub term_date: Vec<Option<Day>>,
    pub hires: Vec<hiring::Hire>,
    /// Per hire: the new-hire termination date, `None` when staying.
    pub nh_term_date: Vec<Option<Day>>,
    pub promotions: Vec<Option<PromotionDecision>>,
    pub raises: Vec<Option<RaiseDecision>>,
    /// Steps 9-12 (empty until the engine's plan step has run).
    pub plan: PlanDecisions,
}

/// The plan events decided for one member of the year's roster (steps 9-12 of 3.0).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PlanDecision {
    pub eligibility: Option<Day>,
    pub enrollment: Option<EnrollmentDecision>,
    /// `(date, probability)` of an auto-enrollment opt-out.
    pub opt_out: Option<(Day, f64)>,
    /// `(new rate, probability)` of a start-year match response.
    pub match_response: Option<(f64, f64)>,
    /// New rate on Jan 1.
    pub escalation: Option<f64>,
}

/// The enrollment that survived resolution (3.10.6).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnrollmentDecision {
    pub date: Day,
    pub rate: f64,
    pub category: EventCategory,
    pub probability: f64,
}

/// The year's plan decisions: one per start-of-year employee and one per hire.
#[derive(Debug, Clone, Default)]
pub struct PlanDecisions {
    pub prior: Vec<PlanDecision>,
    pub hires: Vec<PlanDecision>,
}

impl PlanDecisions {
    /// The decision of roster member `idx`: a hire's, or a start-of-year employee's.
    pub fn slot(&mut self, hired: bool, idx: usize) -> &mut PlanDecision {
        if hired {
            &mut self.hires[idx]
        } else {
            &mut self.prior[idx]
        }
    }
}

/// The enrollment categories by the code (0-3) the SQL and Polars plan steps emit: the
/// resolution order of 3.10.6 (voluntary, proactive, year-over-year, auto).
pub const ENROLLMENT_CATEGORY_CODES: [EventCategory; 4] = [
    EventCategory::VoluntaryEnrollment,
    EventCategory::ProactiveVoluntary,
    EventCategory::YearOverYearVoluntary,
    EventCategory::AutoEnrollment,
];

/// One nullable column of an engine's result table: its name (for errors) and its cells,
/// read by row (`None` = NULL). Engines wrap their own column type (an Arrow array, a Polars
/// `ChunkedArray`) in a closure, so the decoding below is written once.
pub struct Col<'a, T> {
    name: &'static str,
    get: &'a dyn Fn(usize) -> Option<T>,
}

impl<'a, T> Col<'a, T> {
    pub fn new(name: &'static str, get: &'a dyn Fn(usize) -> Option<T>) -> Self {
        Col { name, get }
    }
}

/// The columns of the hires table (step 4), one row per hire in sequence order.
pub struct HireCols<'a> {
    pub seq: Col<'a, u32>,
    pub employee_id: Col<'a, &'a str>,
    pub employee_ssn: Col<'a, &'a str>,
    pub id_key: Col<'a, u64>,
    pub level: Col<'a, u8>,
    pub age: Col<'a, u16>,
    pub hire_date: Col<'a, Day>,
    pub birth_date: Col<'a, Day>,
    pub compensation: Col<'a, f64>,
    pub part_time: Col<'a, bool>,
    /// The new-hire termination date joined to each hire (NULL = stays), when the engine
    /// returns it with the hires; otherwise [`Decoder::new_hire_terminations`].
    pub term_date: Option<Col<'a, Day>>,
}

/// The columns of the plan decisions table (steps 9-12), one row per roster member with a
/// decision. Nullable columns are optional decisions; the enrollment's date, rate and
/// probability are required when its category is present, and likewise the opt-out's and the
/// match response's probability.
pub struct PlanCols<'a> {
    pub hired: Col<'a, bool>,
    pub idx: Col<'a, u32>,
    pub eligibility_day: Col<'a, Day>,
    pub enrollment_category: Col<'a, u8>,
    pub enrollment_day: Col<'a, Day>,
    pub enrollment_rate: Col<'a, f64>,
    pub enrollment_probability: Col<'a, f64>,
    pub opt_out_day: Col<'a, Day>,
    pub opt_out_probability: Col<'a, f64>,
    pub match_response_rate: Col<'a, f64>,
    pub match_response_probability: Col<'a, f64>,
    pub escalation_rate: Col<'a, f64>,
}

/// Turns an engine's result tables into [`Decisions`]: the one decoder of the SQL and Polars
/// engines. A null in a required cell, an index outside the workforce or an unknown code is an
/// [`EngineError`] naming the engine, year, step, column and row; nothing becomes a silent 0.
pub struct Decoder {
    engine: &'static str,
    year: i32,
    decisions: Decisions,
}

impl Decoder {
    /// A decoder for a year whose start-of-year workforce has `prior` employees: nobody
    /// terminated, promoted or raised until a table says so.
    pub fn new(engine: &'static str, year: i32, prior: usize) -> Decoder {
        Decoder {
            engine,
            year,
            decisions: Decisions {
                term_date: vec![None; prior],
                hires: Vec::new(),
                nh_term_date: Vec::new(),
                promotions: vec![None; prior],
                raises: vec![None; prior],
                plan: PlanDecisions {
                    prior: vec![PlanDecision::default(); prior],
                    hires: Vec::new(),
                },
            },
        }
    }

    fn error(&self, step: &'static str, message: String) -> EngineError {
        EngineError {
            engine: self.engine,
            year: self.year,
            step,
            message,
        }
    }

    fn required<T>(&self, step: &'static str, c: &Col<'_, T>, r: usize) -> Result<T, EngineError> {
        (c.get)(r).ok_or_else(|| self.error(step, format!("NULL in column {} at row {r}", c.name)))
    }

    fn index(
        &self,
        step: &'static str,
        c: &Col<'_, u32>,
        r: usize,
        len: usize,
    ) -> Result<usize, EngineError> {
        let i = self.required(step, c, r)? as usize;
        if i < len {
            Ok(i)
        } else {
            Err(self.error(
                step,
                format!("{} {i} at row {r} is outside 0..{len}", c.name),
            ))
        }
    }

    /// Step 3: `(i, term_date)` rows, one per terminated start-of-year employee.
    pub fn terminations(
        &mut self,
        rows: usize,
        i: Col<'_, u32>,
        date: Col<'_, Day>,
    ) -> Result<(), EngineError> {
        const STEP: &str = "read terminations";
        let n = self.decisions.term_date.len();
        for r in 0..rows {
            let k = self.index(STEP, &i, r, n)?;
            self.decisions.term_date[k] = Some(self.required(STEP, &date, r)?);
        }
        Ok(())
    }

    /// Step 4 (and 5 when the table carries `term_date`): the hires, in sequence order.
    pub fn hires(&mut self, rows: usize, c: HireCols<'_>) -> Result<(), EngineError> {
        const STEP: &str = "read hires";
        let mut hires = Vec::with_capacity(rows);
        let mut terms = Vec::with_capacity(rows);
        for r in 0..rows {
            hires.push(Hire {
                seq: self.required(STEP, &c.seq, r)?,
                employee_id: self.required(STEP, &c.employee_id, r)?.to_string(),
                employee_ssn: self.required(STEP, &c.employee_ssn, r)?.to_string(),
                id_key: self.required(STEP, &c.id_key, r)?,
                level: self.required(STEP, &c.level, r)?,
                age: self.required(STEP, &c.age, r)?,
                hire_date: self.required(STEP, &c.hire_date, r)?,
                birth_date: self.required(STEP, &c.birth_date, r)?,
                compensation: self.required(STEP, &c.compensation, r)?,
                scheduled_hours: self
                    .required(STEP, &c.part_time, r)?
                    .then_some(hiring::PART_TIME_HOURS),
            });
            terms.push(c.term_date.as_ref().and_then(|t| (t.get)(r)));
        }
        self.decisions.plan.hires = vec![PlanDecision::default(); hires.len()];
        self.decisions.hires = hires;
        self.decisions.nh_term_date = terms;
        Ok(())
    }

    /// Step 5 as its own table: `(seq, term_date)` rows, `seq` 1-based, one per hire who
    /// leaves (after [`Decoder::hires`]).
    pub fn new_hire_terminations(
        &mut self,
        rows: usize,
        seq: Col<'_, u32>,
        date: Col<'_, Day>,
    ) -> Result<(), EngineError> {
        const STEP: &str = "read new-hire terminations";
        let n = self.decisions.hires.len();
        for r in 0..rows {
            let s = self.required(STEP, &seq, r)? as usize;
            if s == 0 || s > n {
                return Err(self.error(STEP, format!("seq {s} at row {r} is outside 1..={n}")));
            }
            self.decisions.nh_term_date[s - 1] = Some(self.required(STEP, &date, r)?);
        }
        Ok(())
    }

    /// Step 7: `(i, new_level, new_comp, hazard, pct)` rows, one per promotion.
    pub fn promotions(
        &mut self,
        rows: usize,
        i: Col<'_, u32>,
        new_level: Col<'_, u8>,
        new_compensation: Col<'_, f64>,
        hazard: Col<'_, f64>,
        increase_pct: Col<'_, f64>,
    ) -> Result<(), EngineError> {
        const STEP: &str = "read promotions";
        let n = self.decisions.promotions.len();
        for r in 0..rows {
            let k = self.index(STEP, &i, r, n)?;
            self.decisions.promotions[k] = Some(PromotionDecision {
                new_level: self.required(STEP, &new_level, r)?,
                new_compensation: self.required(STEP, &new_compensation, r)?,
                hazard: self.required(STEP, &hazard, r)?,
                increase_pct: self.required(STEP, &increase_pct, r)?,
            });
        }
        Ok(())
    }

    /// Step 8: `(i, new_comp, raise_date, merit)` rows, one per raise.
    pub fn raises(
        &mut self,
        rows: usize,
        i: Col<'_, u32>,
        new_compensation: Col<'_, f64>,
        date: Col<'_, Day>,
        merit: Col<'_, f64>,
    ) -> Result<(), EngineError> {
        const STEP: &str = "read raises";
        let n = self.decisions.raises.len();
        for r in 0..rows {
            let k = self.index(STEP, &i, r, n)?;
            self.decisions.raises[k] = Some(RaiseDecision {
                new_compensation: self.required(STEP, &new_compensation, r)?,
                date: self.required(STEP, &date, r)?,
                merit: self.required(STEP, &merit, r)?,
            });
        }
        Ok(())
    }

    /// Steps 9-12, after [`Decoder::hires`] (a row addresses a hire or a start-of-year
    /// employee by `hired` and `idx`).
    pub fn plan(&mut self, rows: usize, c: PlanCols<'_>) -> Result<(), EngineError> {
        const STEP: &str = "read plan decisions";
        for r in 0..rows {
            let hired = self.required(STEP, &c.hired, r)?;
            let len = if hired {
                self.decisions.plan.hires.len()
            } else {
                self.decisions.plan.prior.len()
            };
            let idx = self.index(STEP, &c.idx, r, len)?;
            let enrollment = match (c.enrollment_category.get)(r) {
                None => None,
                Some(code) => Some(EnrollmentDecision {
                    date: self.required(STEP, &c.enrollment_day, r)?,
                    rate: self.required(STEP, &c.enrollment_rate, r)?,
                    category: *ENROLLMENT_CATEGORY_CODES
                        .get(code as usize)
                        .ok_or_else(|| {
                            self.error(STEP, format!("enrollment category code {code} at row {r}"))
                        })?,
                    probability: self.required(STEP, &c.enrollment_probability, r)?,
                }),
            };
            let opt_out = match (c.opt_out_day.get)(r) {
                None => None,
                Some(day) => Some((day, self.required(STEP, &c.opt_out_probability, r)?)),
            };
            let match_response = match (c.match_response_rate.get)(r) {
                None => None,
                Some(rate) => Some((rate, self.required(STEP, &c.match_response_probability, r)?)),
            };
            *self.decisions.plan.slot(hired, idx) = PlanDecision {
                eligibility: (c.eligibility_day.get)(r),
                enrollment,
                opt_out,
                match_response,
                escalation: (c.escalation_rate.get)(r),
            };
        }
        Ok(())
    }

    /// The decisions read so far.
    pub fn finish(self) -> Decisions {
        self.decisions
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_null_where_a_decision_is_required_is_an_error() {
        let mut d = Decoder::new("test", 2025, 3);
        let i = |r: usize| [Some(0u32), Some(2)][r];
        let date = |r: usize| [Some(100), None][r];
        let err = d
            .terminations(2, Col::new("i", &i), Col::new("term_date", &date))
            .unwrap_err();
        assert_eq!(err.step, "read terminations");
        assert!(
            err.message.contains("NULL in column term_date at row 1"),
            "{err}"
        );
    }

    #[test]
    fn an_index_outside_the_workforce_is_an_error() {
        let mut d = Decoder::new("test", 2025, 2);
        let i = |_: usize| Some(5u32);
        let date = |_: usize| Some(100);
        let err = d
            .terminations(1, Col::new("i", &i), Col::new("term_date", &date))
            .unwrap_err();
        assert!(
            err.message.contains("i 5 at row 0 is outside 0..2"),
            "{err}"
        );
    }

    #[test]
    fn rows_land_on_their_employees() {
        let mut d = Decoder::new("test", 2025, 3);
        let i = |_: usize| Some(1u32);
        let date = |_: usize| Some(42);
        d.terminations(1, Col::new("i", &i), Col::new("term_date", &date))
            .unwrap();
        assert_eq!(d.finish().term_date, vec![None, Some(42), None]);
    }
}
