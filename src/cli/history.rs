//! `workforce-sim history EMPLOYEE_ID`: one employee's events and yearly state across a run.

use super::args::HistoryArgs;
use anyhow::{bail, Result};

pub fn run(
    HistoryArgs {
        employee_id,
        db,
        json,
    }: HistoryArgs,
) -> Result<()> {
    let h = workforce_sim::participant_history(&db, &employee_id)?;
    if h.is_empty() {
        bail!("no employee {employee_id} in {}", db.display());
    }
    if json {
        super::print::json_pretty(&h)
    } else {
        print!("{}", h.to_table());
        Ok(())
    }
}
