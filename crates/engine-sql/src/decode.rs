//! Reading the steps' results back: the hires and the plan decisions, from Arrow batches into
//! the shared decisions record.

use crate::err;
use duckdb::arrow::array::{
    Array, BooleanArray, Float64Array, Int32Array, StringArray, UInt16Array, UInt32Array,
    UInt64Array, UInt8Array,
};
use duckdb::arrow::record_batch::RecordBatch;
use workforce_sim_core::engine::decisions::{Col, Decoder, HireCols, PlanCols};
use workforce_sim_core::engine::EngineError;

/// Steps 4-5 read back: the hires with their new-hire termination dates joined.
pub(crate) fn decode_hires(d: &mut Decoder, year: i32, b: &RecordBatch) -> Result<(), EngineError> {
    let e = |step: &'static str| move |m: String| err::<String>(year, step)(m);
    let s = |k: usize| col::<StringArray>(b, k).map_err(e("read hires"));
    let (seq, id, ssn) = (
        col::<UInt32Array>(b, 0).map_err(e("read hires"))?,
        s(1)?,
        s(2)?,
    );
    let key = col::<UInt64Array>(b, 3).map_err(e("read hires"))?;
    let level = col::<UInt8Array>(b, 4).map_err(e("read hires"))?;
    let age = col::<UInt16Array>(b, 5).map_err(e("read hires"))?;
    let hire_date = col::<Int32Array>(b, 6).map_err(e("read hires"))?;
    let birth = col::<Int32Array>(b, 7).map_err(e("read hires"))?;
    let comp = col::<Float64Array>(b, 8).map_err(e("read hires"))?;
    let pt = col::<BooleanArray>(b, 9).map_err(e("read hires"))?;
    let term = col::<Int32Array>(b, 10).map_err(e("read hires"))?;
    fn text(a: &StringArray, r: usize) -> Option<&str> {
        (!a.is_null(r)).then(|| a.value(r))
    }
    d.hires(
        b.num_rows(),
        HireCols {
            seq: Col::new("seq", &|r| cell(seq, r)),
            employee_id: Col::new("employee_id", &|r| text(id, r)),
            employee_ssn: Col::new("employee_ssn", &|r| text(ssn, r)),
            id_key: Col::new("id_key", &|r| cell(key, r)),
            level: Col::new("level", &|r| cell(level, r)),
            age: Col::new("age", &|r| cell(age, r)),
            hire_date: Col::new("hire_date", &|r| cell(hire_date, r)),
            birth_date: Col::new("birth_date", &|r| cell(birth, r)),
            compensation: Col::new("comp", &|r| cell(comp, r)),
            part_time: Col::new("part_time", &|r| (!pt.is_null(r)).then(|| pt.value(r))),
            term_date: Some(Col::new("term_date", &|r| cell(term, r))),
        },
    )?;
    Ok(())
}

/// Steps 9-12 read back.
pub(crate) fn decode_plan(d: &mut Decoder, year: i32, b: &RecordBatch) -> Result<(), EngineError> {
    let e = |step: &'static str| move |m: String| err::<String>(year, step)(m);
    let step = e("read plan decisions");
    let hired = col::<BooleanArray>(b, 0).map_err(step)?;
    let idx = col::<UInt32Array>(b, 1).map_err(step)?;
    let day = |k: usize| col::<Int32Array>(b, k).map_err(step);
    let f = |k: usize| col::<Float64Array>(b, k).map_err(step);
    let cat = col::<UInt8Array>(b, 3).map_err(step)?;
    let (elig, enr_day, opt_day) = (day(2)?, day(4)?, day(7)?);
    let (enr_rate, enr_prob, opt_prob) = (f(5)?, f(6)?, f(8)?);
    let (mr_rate, mr_prob, esc) = (f(9)?, f(10)?, f(11)?);
    d.plan(
        b.num_rows(),
        PlanCols {
            hired: Col::new("hired", &|r| (!hired.is_null(r)).then(|| hired.value(r))),
            idx: Col::new("idx", &|r| cell(idx, r)),
            eligibility_day: Col::new("elig_day", &|r| cell(elig, r)),
            enrollment_category: Col::new("enr_cat", &|r| cell(cat, r)),
            enrollment_day: Col::new("enr_day", &|r| cell(enr_day, r)),
            enrollment_rate: Col::new("enr_rate", &|r| cell(enr_rate, r)),
            enrollment_probability: Col::new("enr_prob", &|r| cell(enr_prob, r)),
            opt_out_day: Col::new("opt_day", &|r| cell(opt_day, r)),
            opt_out_probability: Col::new("opt_prob", &|r| cell(opt_prob, r)),
            match_response_rate: Col::new("mr_rate", &|r| cell(mr_rate, r)),
            match_response_probability: Col::new("mr_prob", &|r| cell(mr_prob, r)),
            escalation_rate: Col::new("esc_rate", &|r| cell(esc, r)),
        },
    )?;
    Ok(())
}

/// Column `i` of a batch as its concrete Arrow type. The statements above cast every column
/// they return, so a mismatch is a bug in this file: an error, not a panic.
pub(crate) fn col<T: 'static>(b: &RecordBatch, i: usize) -> Result<&T, String> {
    b.column(i)
        .as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| format!("column {i} has type {}", b.column(i).data_type()))
}

/// Cell `r` of a primitive Arrow column (`None` = NULL).
pub(crate) fn cell<T: duckdb::arrow::datatypes::ArrowPrimitiveType>(
    a: &duckdb::arrow::array::PrimitiveArray<T>,
    r: usize,
) -> Option<T::Native> {
    (!a.is_null(r)).then(|| a.value(r))
}
