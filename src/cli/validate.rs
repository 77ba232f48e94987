//! `workforce-sim validate FILE`: checks a JSON Lines file of typed events, one error per
//! bad line (line, field, rule); exit 1 if any line is bad.

use super::args::ValidateArgs;
use anyhow::{bail, Context, Result};

pub fn run(ValidateArgs { file }: ValidateArgs) -> Result<()> {
    let f =
        std::fs::File::open(&file).with_context(|| format!("cannot open {}", file.display()))?;
    let report = workforce_sim::payload::validate_jsonl(std::io::BufReader::new(f))
        .with_context(|| format!("cannot read {}", file.display()))?;
    for b in &report.bad {
        eprintln!("{}:{}: {}", file.display(), b.line, b.error);
    }
    if !report.bad.is_empty() {
        bail!(
            "{}: {} of {} events are invalid",
            file.display(),
            report.bad.len(),
            report.events
        );
    }
    eprintln!("{}: {} events, all valid", file.display(), report.events);
    Ok(())
}
