//! Fault points for the crash tests: a publication step calls [`point`] with its name, and
//! when the environment variable `WORKFORCE_SIM_FAULT` names that step the process aborts
//! there at once (no destructor runs, no buffer is flushed, no lock file is tidied: what a
//! `kill -9` or a power cut at that moment leaves). Unset, as it always is outside the
//! tests, a point is one environment lookup on a path that runs a few times per output.
//! The names are listed in the README's fault table.

/// The variable that names the step to abort at.
pub const VARIABLE: &str = "WORKFORCE_SIM_FAULT";

/// Aborts the process if `WORKFORCE_SIM_FAULT` is `step`.
pub fn point(step: &str) {
    if std::env::var_os(VARIABLE).is_some_and(|v| v == step) {
        eprintln!("workforce-sim: aborting at fault point {step} ({VARIABLE})");
        std::process::abort();
    }
}
