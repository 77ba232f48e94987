//! The report's formats, one file each behind one trait: the Excel workbook ([`xlsx`]) and
//! the self-contained HTML page ([`html`]). Each writes beside the target and renames it
//! into place, so a failure leaves no partial file.

pub mod html;
pub mod xlsx;

use crate::content::Report;
use crate::results::Results;
use crate::ReportError;
use std::path::Path;

/// A format a report is written in.
pub trait Export {
    /// Writes `report` (built from `results`) to `path`.
    fn export(&self, results: &Results, report: &Report, path: &Path) -> Result<(), ReportError>;
}

/// Writes `path` whole: `write` fills a temporary file beside it, which is then renamed
/// into place; on failure the temporary file is removed.
pub(crate) fn write_whole(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    let tmp = path.with_file_name(format!(".{name}.partial-{}", std::process::id()));
    let result = write(&tmp).and_then(|_| {
        std::fs::rename(&tmp, path).map_err(|e| ReportError::Write {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
