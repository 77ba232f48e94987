//! Engine selection: the [`EngineKind`] a user names, built into an engine. The native
//! engine is always there; Polars and SQL are crates of their own behind the `polars` and
//! `sql` features (both on by default).

use crate::Error;
use workforce_sim_core::engine::native::NativeEngine;
use workforce_sim_core::{Engine, EngineKind};

/// A ready engine of `kind` (the SQL engine opens its private in-memory database here).
pub fn build_engine(kind: EngineKind) -> Result<Box<dyn Engine>, Error> {
    Ok(match kind {
        EngineKind::Native => Box::new(NativeEngine),
        #[cfg(feature = "polars")]
        EngineKind::Polars => Box::new(workforce_sim_engine_polars::PolarsEngine),
        #[cfg(feature = "sql")]
        EngineKind::Sql => Box::new(workforce_sim_engine_sql::SqlEngine::new()?),
        #[allow(unreachable_patterns)]
        other => return Err(Error::EngineNotBuilt(other)),
    })
}
