//! No build steps: a build script makes cargo resolve this crate's `[build-dependencies]`, which
//! pin the host-side features of the whole build (see `Cargo.toml`).
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
}
