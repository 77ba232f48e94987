//! `workforce-sim census generate`: a deterministic synthetic census file (docs/rules.md
//! 1.3), optionally replicated with pay jitter.

use super::args::GenerateArgs;
use anyhow::{Context, Result};
use workforce_sim::census::generate::{self, GeneratorParams};

pub fn generate(
    GenerateArgs {
        employees,
        out,
        seed,
        base_year,
        replicate,
        overwrite,
    }: GenerateArgs,
) -> Result<()> {
    super::refuse_existing(&out, overwrite)?;
    let rows = generate::generate(&GeneratorParams::new(employees, base_year, seed))
        .context("--employees or --base-year")?;
    let rows = generate::replicate(&rows, replicate, seed).context("--replicate")?;
    workforce_sim::census_files::write_census(&out, &rows)
        .with_context(|| format!("writing {}", out.display()))?;
    eprintln!("wrote {} employees to {}", rows.len(), out.display());
    Ok(())
}
