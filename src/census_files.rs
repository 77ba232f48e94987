//! Census files in either format: CSV through the core, Parquet through the store.

use std::path::Path;
use workforce_sim_core::census::import::{self, ImportedCensus};
use workforce_sim_core::census::CensusRecord;
use workforce_sim_core::date::Day;
use workforce_sim_core::error::CensusError;
use workforce_sim_store::DuckdbParquet;

/// Reads and validates a census file (CSV or Parquet, by extension); `census_date` is the
/// census plan-year end, after which no hire may come.
pub fn read_census(path: &Path, census_date: Day) -> Result<ImportedCensus, CensusError> {
    import::read_census(path, census_date, Some(&DuckdbParquet))
}

/// Writes a census file (CSV or Parquet, by extension) under a temporary name, renamed into
/// place when complete.
pub fn write_census(path: &Path, records: &[CensusRecord]) -> Result<(), CensusError> {
    import::write_census(path, records, Some(&DuckdbParquet))
}
