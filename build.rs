//! No build steps. This script exists for its `[build-dependencies]`: it pins the host-side
//! features (serde, serde_core, syn 2 and 3, libc) that the bench dev-dependencies' proc-macros
//! (gungraun, criterion, pprof) turn on, so `cargo build`, `cargo test` and `cargo bench` resolve
//! the same features for the bundled DuckDB's build script and share one compile of it (~30
//! minutes of C++ on 2 cores) instead of rebuilding it whenever the command changes. Checked by
//! comparing the `build/libduckdb-sys-*/build-script-build` directory that `cargo build --release
//! -v` and `cargo build --release --all-targets -v` run: both must name the same hash.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
}
