//! `workforce-sim events`: every event of a run as typed events (JSON Lines), on standard
//! output or into a file written whole or not at all.

use super::args::EventsArgs;
use anyhow::{Context, Result};
use std::io::Write;

pub fn run(EventsArgs { db, out, overwrite }: EventsArgs) -> Result<()> {
    if let Some(path) = &out {
        let same = |a: &std::path::Path, b: &std::path::Path| {
            a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
        };
        if same(path, &db) {
            anyhow::bail!(
                "--out {} is the results database itself; write the events elsewhere",
                path.display()
            );
        }
        super::refuse_existing(path, overwrite)?;
    }
    let written = match out {
        None => {
            let mut w = std::io::BufWriter::new(std::io::stdout().lock());
            let n = workforce_sim::store::write_typed_events(&db, &mut w)?;
            w.flush()?;
            n
        }
        Some(path) => workforce_sim::store::place::write_whole(
            &path,
            |partial| -> Result<u64> {
                let f = std::fs::File::create(partial)
                    .with_context(|| format!("cannot create {}", partial.display()))?;
                let mut w = std::io::BufWriter::new(f);
                let n = workforce_sim::store::write_typed_events(&db, &mut w)?;
                w.flush()
                    .with_context(|| format!("cannot write {}", partial.display()))?;
                Ok(n)
            },
            |e| anyhow::Error::new(e).context(format!("cannot rename into {}", path.display())),
        )?,
    };
    eprintln!("{written} typed events from {}", db.display());
    Ok(())
}
