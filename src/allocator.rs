//! The allocator settings the shipped binary runs with, and the benches too, so that what is
//! measured is what ships: glibc's malloc in its steady state. Blocks up to 32 MiB come from
//! the heap (not a fresh `mmap` each), and freed memory is kept rather than trimmed back to
//! the kernel.
//!
//! Without this, a year buffer that crosses glibc's dynamic mmap threshold pays a page fault
//! per 4 KiB every year, while a smaller one reuses warm pages. Measured side by side with the
//! same binary (glibc's `MALLOC_MMAP_THRESHOLD_`/`MALLOC_TRIM_THRESHOLD_` set the same values),
//! medians of alternating runs:
//!
//! | run | without | with | change |
//! |---|---|---|---|
//! | default 5,000 × 5 into DuckDB | 0.66 s | 0.62 s | −6% |
//! | 50,000 × 5 to Parquet | 1.79 s | 1.70 s | −5% |
//!
//! Peak RSS is +2%. The Python extension, which must not retune its host's glibc, takes
//! mimalloc as its Rust allocator instead (`python/src/lib.rs`). The binary stays on glibc:
//! the same binary built with mimalloc as its global allocator (DuckDB's C++ keeps glibc)
//! was no faster, medians of 9 alternating runs, two sessions at 4bd4092:
//!
//! | run | glibc, these settings | mimalloc | change |
//! |---|---|---|---|
//! | default 5,000 × 5 into DuckDB | 0.392 / 0.403 s | 0.403 / 0.430 s | +3% / +7% |
//! | 50,000 × 5 to Parquet | 1.33 / 1.29 s | 1.71 / 1.29 s | +29% / 0% |

/// Puts glibc's allocator in its steady state for the whole process (no-op elsewhere). Call
/// it first thing in `main`, before the large allocations.
pub fn steady_state() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        #[allow(unsafe_code)]
        extern "C" {
            fn mallopt(param: i32, value: i32) -> i32;
        }
        const M_TRIM_THRESHOLD: i32 = -1;
        const M_MMAP_THRESHOLD: i32 = -3;
        // SAFETY: mallopt only changes glibc's allocator tunables, with valid values; it is
        // thread-safe and takes no pointers.
        #[allow(unsafe_code)]
        unsafe {
            mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
            mallopt(M_TRIM_THRESHOLD, i32::MAX);
        }
    }
}
