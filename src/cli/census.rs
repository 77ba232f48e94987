//! `workforce-sim census generate`: a deterministic synthetic census file (docs/rules.md
//! 1.3), optionally replicated with pay jitter.

use super::args::GenerateArgs;
use anyhow::{bail, Context, Result};
use workforce_sim::census::generate::{self, GeneratorParams};

pub fn generate(
    GenerateArgs {
        employees,
        out,
        seed,
        base_year,
        replicate,
    }: GenerateArgs,
) -> Result<()> {
    if replicate == 0 {
        bail!("--replicate must be at least 1");
    }
    let rows = generate::generate(&GeneratorParams::new(employees, base_year, seed))?;
    let rows = if replicate > 1 {
        generate::replicate(&rows, replicate, seed)
    } else {
        rows
    };
    workforce_sim::census_files::write_census(&out, &rows)
        .with_context(|| format!("writing {}", out.display()))?;
    eprintln!("wrote {} employees to {}", rows.len(), out.display());
    Ok(())
}
