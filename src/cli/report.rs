//! `workforce-sim report RESULTS --xlsx FILE --html FILE`: the workbook and the HTML report of
//! a run, a batch, an optimisation or a backtest.

use super::args::ReportArgs;
use anyhow::{bail, Result};
use workforce_sim::reporting::{build, Export, Html, Results, Xlsx};

pub fn run(args: ReportArgs) -> Result<()> {
    if args.xlsx.is_none() && args.html.is_none() {
        bail!("nothing to write: give --xlsx FILE, --html FILE or both");
    }
    for path in [&args.xlsx, &args.html].into_iter().flatten() {
        super::refuse_existing(path, args.overwrite)?;
    }
    let r = Results::open(&args.results)?;
    let report = build(&r)?;
    if let Some(path) = &args.xlsx {
        let started = std::time::Instant::now();
        Xlsx {
            max_rows: args.max_rows,
            ..Xlsx::default()
        }
        .export(&r, &report, path)?;
        eprintln!(
            "{} workbook -> {} ({:.2} s)",
            r.kind.as_str(),
            path.display(),
            started.elapsed().as_secs_f64()
        );
    }
    if let Some(path) = &args.html {
        Html.export(&r, &report, path)?;
        eprintln!("{} report -> {}", r.kind.as_str(), path.display());
    }
    Ok(())
}
