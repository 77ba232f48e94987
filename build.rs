//! No build steps. This script exists for its `[build-dependencies]`: it pins the host-side
//! features of `serde` that the bench dev-dependencies (gungraun's proc-macros) turn on, so
//! `cargo build`, `cargo test` and `cargo bench` resolve the same features for the bundled
//! DuckDB's build script and share one compile of it (~30 minutes of C++ on 2 cores) instead
//! of rebuilding it whenever the command changes.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
}
