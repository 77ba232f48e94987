//! Reading the steps' frames back into the shared decisions record.

use crate::engine_error;
use ::polars::prelude::*;
use workforce_sim_core::engine::decisions::{Col, Decoder, HireCols, PlanCols};
use workforce_sim_core::engine::EngineError;

pub(crate) fn read_terminations(
    d: &mut Decoder,
    year: i32,
    term: &DataFrame,
) -> Result<(), EngineError> {
    let at = |step: &'static str| move |e: PolarsError| engine_error(year, step, e);
    let i = column!(term, "i", u32).map_err(at("read terminations"))?;
    let t = column!(term, "term_date", i32).map_err(at("read terminations"))?;
    d.terminations(
        term.height(),
        Col::new("i", &|r| i.get(r)),
        Col::new("term_date", &|r| t.get(r)),
    )?;
    Ok(())
}

/// Steps 4-5 read back: the hires, then the new-hire terminations by sequence number.
pub(crate) fn read_hires(
    d: &mut Decoder,
    year: i32,
    hires_df: &DataFrame,
    nh: &DataFrame,
) -> Result<(), EngineError> {
    let at = |step: &'static str| move |e: PolarsError| engine_error(year, step, e);
    let e = at("read hires");
    let seq = column!(hires_df, "seq", u64).map_err(&e)?;
    let id = column!(hires_df, "employee_id", str).map_err(&e)?;
    let ssn = column!(hires_df, "employee_ssn", str).map_err(&e)?;
    let key = column!(hires_df, "id_key", u64).map_err(&e)?;
    let level = column!(hires_df, "level", u8).map_err(&e)?;
    let age = column!(hires_df, "age", u16).map_err(&e)?;
    let hd = column!(hires_df, "hire_date", i32).map_err(&e)?;
    let bd = column!(hires_df, "birth_date", i32).map_err(&e)?;
    let comp = column!(hires_df, "comp", f64).map_err(&e)?;
    let pt = column!(hires_df, "part_time", bool).map_err(&e)?;
    let seq32 = |r: usize| seq.get(r).and_then(|v| u32::try_from(v).ok());
    d.hires(
        hires_df.height(),
        HireCols {
            seq: Col::new("seq", &seq32),
            employee_id: Col::new("employee_id", &|r| id.get(r)),
            employee_ssn: Col::new("employee_ssn", &|r| ssn.get(r)),
            id_key: Col::new("id_key", &|r| key.get(r)),
            level: Col::new("level", &|r| level.get(r)),
            age: Col::new("age", &|r| age.get(r)),
            hire_date: Col::new("hire_date", &|r| hd.get(r)),
            birth_date: Col::new("birth_date", &|r| bd.get(r)),
            compensation: Col::new("comp", &|r| comp.get(r)),
            part_time: Col::new("part_time", &|r| pt.get(r)),
            term_date: None,
        },
    )?;
    let e = at("read new-hire terminations");
    let s = column!(nh, "seq", u64).map_err(&e)?;
    let t = column!(nh, "term_date", i32).map_err(&e)?;
    let s32 = |r: usize| s.get(r).and_then(|v| u32::try_from(v).ok());
    d.new_hire_terminations(
        nh.height(),
        Col::new("seq", &s32),
        Col::new("term_date", &|r| t.get(r)),
    )?;
    Ok(())
}

/// Step 7 read back.
pub(crate) fn read_promotions(
    d: &mut Decoder,
    year: i32,
    promo: &DataFrame,
) -> Result<(), EngineError> {
    let at = |step: &'static str| move |e: PolarsError| engine_error(year, step, e);
    let e = at("read promotions");
    let i = column!(promo, "i", u32).map_err(&e)?;
    let l = column!(promo, "new_level", u8).map_err(&e)?;
    let nc = column!(promo, "new_comp", f64).map_err(&e)?;
    let hz = column!(promo, "hazard", f64).map_err(&e)?;
    let pct = column!(promo, "pct", f64).map_err(&e)?;
    d.promotions(
        promo.height(),
        Col::new("i", &|r| i.get(r)),
        Col::new("new_level", &|r| l.get(r)),
        Col::new("new_comp", &|r| nc.get(r)),
        Col::new("hazard", &|r| hz.get(r)),
        Col::new("pct", &|r| pct.get(r)),
    )?;
    Ok(())
}

/// Step 8 read back.
pub(crate) fn read_raises(
    d: &mut Decoder,
    year: i32,
    raise: &DataFrame,
) -> Result<(), EngineError> {
    let at = |step: &'static str| move |e: PolarsError| engine_error(year, step, e);
    let e = at("read raises");
    let i = column!(raise, "i", u32).map_err(&e)?;
    let nc = column!(raise, "new_comp", f64).map_err(&e)?;
    let t = column!(raise, "raise_date", i32).map_err(&e)?;
    let m = column!(raise, "merit", f64).map_err(&e)?;
    d.raises(
        raise.height(),
        Col::new("i", &|r| i.get(r)),
        Col::new("new_comp", &|r| nc.get(r)),
        Col::new("raise_date", &|r| t.get(r)),
        Col::new("merit", &|r| m.get(r)),
    )?;
    Ok(())
}

/// Steps 9-12 read back.
pub(crate) fn read_plan(d: &mut Decoder, year: i32, df: &DataFrame) -> Result<(), EngineError> {
    let at = |step: &'static str| move |e: PolarsError| engine_error(year, step, e);
    let e = at("read plan decisions");
    let hired = column!(df, "hired", bool).map_err(&e)?;
    let idx = column!(df, "idx", u32).map_err(&e)?;
    let elig = column!(df, "elig_day", i32).map_err(&e)?;
    let cat = column!(df, "enr_cat", i32).map_err(&e)?;
    let enr_day = column!(df, "enr_day", i32).map_err(&e)?;
    let enr_rate = column!(df, "enr_rate", f64).map_err(&e)?;
    let enr_prob = column!(df, "enr_prob", f64).map_err(&e)?;
    let opt_day = column!(df, "opt_day", i32).map_err(&e)?;
    let opt_prob = column!(df, "opt_prob", f64).map_err(&e)?;
    let mr_rate = column!(df, "mr_rate", f64).map_err(&e)?;
    let mr_prob = column!(df, "mr_prob", f64).map_err(&e)?;
    let esc = column!(df, "esc_rate", f64).map_err(&e)?;
    // A code outside u8 is no category at all: the decoder names it.
    let code = |r: usize| cat.get(r).map(|k| u8::try_from(k).unwrap_or(u8::MAX));
    d.plan(
        df.height(),
        PlanCols {
            hired: Col::new("hired", &|r| hired.get(r)),
            idx: Col::new("idx", &|r| idx.get(r)),
            eligibility_day: Col::new("elig_day", &|r| elig.get(r)),
            enrollment_category: Col::new("enr_cat", &code),
            enrollment_day: Col::new("enr_day", &|r| enr_day.get(r)),
            enrollment_rate: Col::new("enr_rate", &|r| enr_rate.get(r)),
            enrollment_probability: Col::new("enr_prob", &|r| enr_prob.get(r)),
            opt_out_day: Col::new("opt_day", &|r| opt_day.get(r)),
            opt_out_probability: Col::new("opt_prob", &|r| opt_prob.get(r)),
            match_response_rate: Col::new("mr_rate", &|r| mr_rate.get(r)),
            match_response_probability: Col::new("mr_prob", &|r| mr_prob.get(r)),
            escalation_rate: Col::new("esc_rate", &|r| esc.get(r)),
        },
    )?;
    Ok(())
}
