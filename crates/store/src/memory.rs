//! How much memory a run needs, estimated before its years are allocated, so that a census
//! too large for the machine is refused with a message instead of the process being killed
//! by the system mid-run. The model is linear in employee-years, fitted to the peaks
//! docs/figures.md measures for runs into a DuckDB file with the store's DuckDB memory limit
//! (100,000 x 10: 1.14 GB; 1,000,000 x 10: 3.63 GB, issue 31): about 250 bytes per
//! employee-year above ~900 MB, rounded up here. It is
//! compared with the memory the system says is available (Linux: `MemAvailable`, and a
//! cgroup's limit less its usage when lower); where neither can be read, nothing is checked.
//! `WORKFORCE_SIM_MEMORY_AVAILABLE` (bytes) replaces what is read: larger to run anyway,
//! smaller to keep a run within a share of the machine.

/// Bytes a run needs whatever its size (DuckDB, the writer, the encoders).
pub const FIXED_BYTES: u64 = 900 << 20;
/// Bytes per employee-year at the peak (year state, money ledger, encoders, the store).
pub const BYTES_PER_EMPLOYEE_YEAR: u64 = 300;
/// The variable that gives the bytes available instead of what the system reports.
pub const AVAILABLE_VARIABLE: &str = "WORKFORCE_SIM_MEMORY_AVAILABLE";

/// The estimated peak bytes of a run of `employees` over `years`.
pub fn estimate(employees: usize, years: usize) -> u64 {
    FIXED_BYTES.saturating_add(
        BYTES_PER_EMPLOYEE_YEAR
            .saturating_mul(employees as u64)
            .saturating_mul(years as u64),
    )
}

/// The bytes available to a run: `WORKFORCE_SIM_MEMORY_AVAILABLE` if set (an error if it is
/// not a number of bytes), else what the system reports, else `None`.
pub fn available() -> Result<Option<u64>, String> {
    if let Some(v) = std::env::var_os(AVAILABLE_VARIABLE) {
        let text = v.to_string_lossy();
        return text
            .trim()
            .parse::<u64>()
            .map(Some)
            .map_err(|_| format!("{AVAILABLE_VARIABLE} must be a number of bytes, got {text:?}"));
    }
    // Read into a stack buffer: no heap allocation, so a run's allocator state (and the
    // instruction counts the benches gate) is the same as without the check.
    let mem = with_file("/proc/meminfo", |t| {
        t.lines()
            .find_map(|l| l.strip_prefix("MemAvailable:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb.saturating_mul(1024))
    });
    let number = |t: &str| t.trim().parse::<u64>().ok();
    let cgroup = match (
        with_file("/sys/fs/cgroup/memory.max", number),
        with_file("/sys/fs/cgroup/memory.current", number),
    ) {
        (Some(max), Some(used)) => Some(max.saturating_sub(used)),
        _ => None,
    };
    Ok(match (mem, cgroup) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    })
}

/// `parse` of the text of a small file (up to 8 KiB) read into a stack buffer.
fn with_file(path: &str, parse: impl Fn(&str) -> Option<u64>) -> Option<u64> {
    use std::io::Read;
    let mut buf = [0u8; 8192];
    let mut file = std::fs::File::open(path).ok()?;
    let mut len = 0;
    while len < buf.len() {
        match file.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(_) => return None,
        }
    }
    parse(std::str::from_utf8(&buf[..len]).ok()?)
}

/// Gigabytes, for messages.
fn gb(bytes: u64) -> String {
    format!("{:.1} GB", bytes as f64 / 1e9)
}

/// `Err(message)` when a run of `employees` over `years` is estimated to need more memory
/// than is available.
pub fn check(employees: usize, years: usize) -> Result<(), String> {
    let Some(available) = available()? else {
        return Ok(());
    };
    let needed = estimate(employees, years);
    if needed <= available {
        return Ok(());
    }
    Err(format!(
        "a run of {employees} employees over {years} years needs about {} of memory \
         ({} bytes per employee-year, measured), and {} is available: use fewer employees \
         or years, or a larger machine (or set {AVAILABLE_VARIABLE} to the bytes it may use)",
        gb(needed),
        BYTES_PER_EMPLOYEE_YEAR,
        gb(available)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_follows_the_measured_peaks_and_never_overflows() {
        // Measured: 100k x 10 at 1.14 GB and 1M x 10 at 3.63 GB; the estimate is above both.
        assert!(estimate(100_000, 10) >= 1_140_000_000);
        assert!(estimate(1_000_000, 10) >= 3_630_000_000);
        assert!(estimate(1_000_000, 10) < 5_000_000_000);
        assert_eq!(estimate(usize::MAX, usize::MAX), u64::MAX);
    }
}
