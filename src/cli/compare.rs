//! `workforce-sim compare`: two scenarios of a batch (paired by seed) or two single-run
//! databases, alternative minus base per year and metric.

use super::args::CompareArgs;
use anyhow::{bail, Result};

pub fn run(
    CompareArgs {
        db,
        runs,
        scenarios,
        all,
        json,
    }: CompareArgs,
) -> Result<()> {
    let (diffs, title) = match (db, runs) {
        (Some(db), None) => {
            let [base, alt] = scenarios.as_slice() else {
                bail!("compare --db BATCH needs two scenario ids: BASE ALTERNATIVE");
            };
            (
                workforce_sim::batch::compare_scenarios(&db, base, alt)?,
                format!("{alt} - {base}"),
            )
        }
        (None, Some(r)) if r.len() == 2 => {
            if !scenarios.is_empty() {
                bail!("compare --runs takes two databases, no scenario ids");
            }
            (
                workforce_sim::batch::compare_runs(&r[0], &r[1])?,
                format!("{} - {}", r[1].display(), r[0].display()),
            )
        }
        _ => bail!("compare needs --db BATCH BASE ALTERNATIVE, or --runs BASE_DB ALTERNATIVE_DB"),
    };
    if json {
        super::print::json_pretty(&diffs)
    } else {
        super::print::differences(&title, &diffs, all);
        Ok(())
    }
}
