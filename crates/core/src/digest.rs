//! Content digests of results: FNV-1a over the little-endian bytes of every column of the
//! ledger and the snapshot. A bench stores the digest with its baseline, so a change that
//! makes the simulation faster but different cannot pass the gate unnoticed.

use crate::events::{Detail, Member, YearEvents};
use crate::state::Snapshot;

/// An incremental FNV-1a 64 hasher.
#[derive(Debug, Clone, Copy)]
pub struct Digest(u64);

impl Default for Digest {
    fn default() -> Self {
        Digest(0xCBF2_9CE4_8422_2325)
    }
}

impl Digest {
    #[inline]
    pub fn bytes(&mut self, b: &[u8]) {
        for &x in b {
            self.0 ^= x as u64;
            self.0 = self.0.wrapping_mul(0x0100_0000_01B3);
        }
    }
    pub fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }
    pub fn f64(&mut self, v: f64) {
        self.u64(v.to_bits());
    }
    pub fn opt_f64(&mut self, v: Option<f64>) {
        match v {
            Some(x) => {
                self.bytes(&[1]);
                self.f64(x)
            }
            None => self.bytes(&[0]),
        }
    }
    pub fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.bytes(s.as_bytes());
    }
    pub fn finish(&self) -> u64 {
        self.0
    }
    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }

    /// Adds a year's ledger (every column, in ledger order).
    pub fn events(&mut self, ev: &YearEvents) {
        self.u64(ev.year as u64);
        self.u64(ev.len() as u64);
        for m in &ev.roster {
            match *m {
                Member::Prior(i) => self.u64(i as u64),
                Member::Hire(j) => self.u64((1 << 40) | j as u64),
            }
        }
        for h in &ev.hires {
            self.str(&h.employee_id);
            self.str(&h.employee_ssn);
        }
        for i in 0..ev.len() {
            self.u64(ev.position[i] as u64);
            self.bytes(&[ev.event_type[i] as u8, ev.category[i] as u8, ev.level_id[i]]);
            self.u64(ev.effective_date[i] as u64);
            self.opt_f64(ev.compensation_amount[i]);
            self.opt_f64(ev.previous_compensation[i]);
            self.opt_f64(ev.employee_deferral_rate[i]);
            self.opt_f64(ev.prev_employee_deferral_rate[i]);
            self.u64(((ev.employee_age[i] as u64) << 32) | ev.employee_tenure[i] as u64);
            self.opt_f64(ev.event_probability[i]);
            self.u64(ev.event_sequence[i] as u64);
            match ev.detail[i] {
                Detail::Promotion {
                    from_level,
                    increase_pct,
                } => {
                    self.bytes(&[from_level]);
                    self.f64(increase_pct)
                }
                Detail::Raise { merit, cola } => {
                    self.f64(merit);
                    self.f64(cola)
                }
                Detail::Enrollment { rate, .. } => self.f64(rate),
                Detail::OptOut { previous_rate } => self.f64(previous_rate),
                Detail::MatchResponse { from, to } | Detail::Escalation { from, to } => {
                    self.f64(from);
                    self.f64(to)
                }
                Detail::Eligibility {
                    date,
                    waiting_period_days,
                    minimum_age,
                } => {
                    self.u64(date as u64);
                    self.u64(((waiting_period_days as u64) << 16) | minimum_age as u64)
                }
                _ => {}
            }
        }
    }

    /// Adds a year's snapshot (every column, in row order).
    pub fn snapshot(&mut self, s: &Snapshot) {
        self.u64(s.year as u64);
        for i in 0..s.len() {
            self.str(&s.employee_id[i]);
            self.str(&s.employee_ssn[i]);
            self.u64(s.birth_date[i] as u64);
            self.u64(s.hire_date[i] as u64);
            self.f64(s.current_compensation[i]);
            self.f64(s.prorated_annual_compensation[i]);
            self.u64(((s.current_age[i] as u64) << 32) | s.current_tenure[i] as u64);
            self.bytes(&[s.level_id[i], s.active[i] as u8, s.detailed_status[i] as u8]);
            self.u64(s.termination_date[i].map_or(u64::MAX, |d| d as u64));
            self.opt_f64(s.scheduled_hours[i]);
            self.u64(s.eligibility_date[i] as u64);
            self.u64(s.waiting_period_days[i] as u64);
            let y = &s.plan[i];
            let c = &y.carry;
            self.bytes(&[
                c.plan_ineligible as u8,
                c.eligible as u8,
                c.enrolled as u8,
                c.enrollment_method as u8,
                c.ever_opted_out as u8,
                c.census_escalation_opt_out as u8,
                y.limit_type as u8,
                y.irs_limit_reached as u8,
                y.match_eligibility as u8,
                y.match_status as u8,
                y.core_eligibility as u8,
                y.is_hce as u8,
            ]);
            for d in [
                c.plan_eligibility_date,
                c.enrollment_date,
                c.last_escalation_date,
            ] {
                self.u64(d.map_or(u64::MAX, |d| d as u64));
            }
            self.u64(
                ((c.first_enrollment_year as u64) << 32) | c.last_rate_change_year as u32 as u64,
            );
            self.u64(c.escalations as u64);
            for x in [
                c.deferral_rate,
                c.original_deferral_rate,
                c.total_escalation_amount,
                c.employer_balance,
                c.employee_balance,
                y.annual_hours,
                y.contribution_rate,
                y.contribution_base,
                y.requested_contribution,
                y.employee_contribution,
                y.pre_tax_contribution,
                y.roth_contribution,
                y.employer_match,
                y.employer_core,
                y.vested_pct,
                y.vested_balance,
                y.forfeiture,
            ] {
                self.f64(x);
            }
        }
    }
}

/// Digest of a whole run's years.
pub fn run_digest<'a>(years: impl IntoIterator<Item = (&'a YearEvents, &'a Snapshot)>) -> String {
    let mut d = Digest::default();
    for (e, s) in years {
        d.events(e);
        d.snapshot(s);
    }
    d.hex()
}
