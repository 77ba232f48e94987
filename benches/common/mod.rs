#![allow(dead_code)]
//! What every bench shares: the scenarios, censuses built once per process, a counting global
//! allocator for peak heap and allocation counts, output digests, and a pprof flamegraph
//! profiler for criterion 0.8 (pprof's own criterion feature targets criterion 0.5).

pub mod start_year;

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use workforce_sim::{Config, GeneratorParams, PreparedCensus, ValidConfig};

/// A benchmark scenario: census size and number of simulated years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Scenario {
    pub name: &'static str,
    pub employees: usize,
    pub years: i32,
    /// Only with `WFS_BENCH_LARGE=1` (minutes of runtime on 2 cores).
    pub large: bool,
}

pub const SCENARIOS: [Scenario; 8] = [
    Scenario {
        name: "quick",
        employees: 100,
        years: 2,
        large: false,
    },
    Scenario {
        name: "small",
        employees: 1_000,
        years: 2,
        large: false,
    },
    Scenario {
        name: "1kx3",
        employees: 1_000,
        years: 3,
        large: false,
    },
    Scenario {
        name: "5kx5",
        employees: 5_000,
        years: 5,
        large: false,
    },
    Scenario {
        name: "medium",
        employees: 10_000,
        years: 3,
        large: false,
    },
    Scenario {
        name: "stress",
        employees: 10_000,
        years: 10,
        large: false,
    },
    Scenario {
        name: "large",
        employees: 50_000,
        years: 5,
        large: true,
    },
    Scenario {
        name: "enterprise",
        employees: 100_000,
        years: 5,
        large: true,
    },
];

/// `WFS_BENCH_QUICK=1`: every bench at its smallest size with the shortest measurement, a
/// smoke test that every bench still runs (what `.ci/run` does, with `-- --test` so criterion
/// runs each once).
pub fn quick() -> bool {
    std::env::var("WFS_BENCH_QUICK").is_ok_and(|v| v == "1")
}

/// The first of `sizes` in quick mode, else all of them.
pub fn sizes<T: Copy>(sizes: &[T]) -> Vec<T> {
    if quick() {
        sizes[..1].to_vec()
    } else {
        sizes.to_vec()
    }
}

/// Scenarios enabled in this process: all but the large ones unless `WFS_BENCH_LARGE=1`;
/// the smallest only with `WFS_BENCH_QUICK=1`.
pub fn scenarios() -> Vec<Scenario> {
    if quick() {
        return vec![SCENARIOS[0]];
    }
    let large = std::env::var("WFS_BENCH_LARGE").is_ok_and(|v| v == "1");
    SCENARIOS
        .iter()
        .copied()
        .filter(|s| large || !s.large)
        .collect()
}

impl Scenario {
    pub fn config(&self) -> ValidConfig {
        let mut c = Config::default();
        c.simulation.end_year = c.simulation.start_year + self.years - 1;
        c.validate().expect("bench scenarios are valid")
    }

    /// The staged census, generated once per process.
    pub fn census(&self) -> &'static PreparedCensus {
        static CACHE: OnceLock<Mutex<HashMap<usize, &'static PreparedCensus>>> = OnceLock::new();
        let mut map = CACHE.get_or_init(Default::default).lock().unwrap();
        map.entry(self.employees).or_insert_with(|| {
            let input = workforce_sim::CensusInput::Synthetic(GeneratorParams::new(
                self.employees,
                2024,
                42,
            ));
            Box::leak(Box::new(
                workforce_sim::prepare_census(&self.config(), &input).expect("census"),
            ))
        })
    }
}

/// Counts live bytes, peak bytes and allocations of the whole process. Every call goes to
/// the system allocator, the binary's (with its settings, [`steady_state_allocator`]); the
/// counting adds two or three relaxed atomic operations per allocation.
pub struct CountingAlloc;

static LIVE: AtomicU64 = AtomicU64::new(0);
static PEAK: AtomicU64 = AtomicU64::new(0);
static ALLOCS: AtomicU64 = AtomicU64::new(0);

// A global allocator is unsafe code by its nature (the trait is unsafe to implement).
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live =
                LIVE.fetch_add(layout.size() as u64, Ordering::Relaxed) + layout.size() as u64;
            PEAK.fetch_max(live, Ordering::Relaxed);
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size() as u64, Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            let live = if new_size >= layout.size() {
                LIVE.fetch_add((new_size - layout.size()) as u64, Ordering::Relaxed)
                    + (new_size - layout.size()) as u64
            } else {
                LIVE.fetch_sub((layout.size() - new_size) as u64, Ordering::Relaxed)
                    - (layout.size() - new_size) as u64
            };
            PEAK.fetch_max(live, Ordering::Relaxed);
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        p
    }
}

/// Heap use of one measured call: peak bytes above what was live before, and allocations.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Memory {
    pub peak_heap_bytes: u64,
    pub allocations: u64,
}

/// Runs `f` once and measures its heap use (Rust allocations; DuckDB's C++ heap is not seen).
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, Memory) {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let allocs = ALLOCS.load(Ordering::Relaxed);
    let out = f();
    let m = Memory {
        peak_heap_bytes: PEAK.load(Ordering::Relaxed).saturating_sub(base),
        allocations: ALLOCS.load(Ordering::Relaxed) - allocs,
    };
    (out, m)
}

/// Where bench side outputs go: `$CARGO_TARGET_DIR/bench-extra` (or `target/bench-extra`).
pub fn extra_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let d = target.join("bench-extra");
    std::fs::create_dir_all(&d).expect("bench-extra dir");
    d
}

/// Records memory (and optionally a digest) of a bench id next to criterion's results:
/// `bench-extra/<group>/<function>/<parameter>.json`, read by `bench-gate`.
pub fn record(
    group: &str,
    function: &str,
    parameter: &str,
    memory: Memory,
    digest: Option<&str>,
    elements: u64,
) {
    let dir = extra_dir().join(group).join(function);
    std::fs::create_dir_all(&dir).expect("extra dir");
    let json = serde_json::json!({
        "group": group, "function": function, "parameter": parameter,
        "peak_heap_bytes": memory.peak_heap_bytes, "allocations": memory.allocations,
        "digest": digest, "elements": elements,
    });
    std::fs::write(
        dir.join(format!("{parameter}.json")),
        serde_json::to_string_pretty(&json).unwrap(),
    )
    .expect("write extra");
}

/// A criterion profiler writing a pprof flamegraph per bench (`--profile-time N`).
pub struct FlamegraphProfiler {
    frequency: i32,
    guard: Option<pprof::ProfilerGuard<'static>>,
}

impl FlamegraphProfiler {
    pub fn new(frequency: i32) -> Self {
        FlamegraphProfiler {
            frequency,
            guard: None,
        }
    }
}

impl criterion::profiler::Profiler for FlamegraphProfiler {
    fn start_profiling(&mut self, _benchmark_id: &str, _benchmark_dir: &std::path::Path) {
        self.guard = Some(
            pprof::ProfilerGuardBuilder::default()
                .frequency(self.frequency)
                .blocklist(&["libc", "libgcc", "pthread", "vdso"])
                .build()
                .expect("pprof"),
        );
    }

    fn stop_profiling(&mut self, _benchmark_id: &str, benchmark_dir: &std::path::Path) {
        if let Some(guard) = self.guard.take() {
            std::fs::create_dir_all(benchmark_dir).expect("profile dir");
            let report = guard.report().build().expect("pprof report");
            let file = std::fs::File::create(benchmark_dir.join("flamegraph.svg"))
                .expect("flamegraph file");
            report.flamegraph(file).expect("flamegraph");
        }
    }
}

/// The binary's allocator settings ([`workforce_sim::allocator::steady_state`]), so the
/// benches measure what ships. Called by [`criterion`].
pub fn steady_state_allocator() {
    workforce_sim::allocator::steady_state();
}

/// Criterion configured for 2-core machines: short warm-up and measurement, flamegraphs on
/// `--profile-time`.
pub fn criterion() -> criterion::Criterion {
    steady_state_allocator();
    let (warm_up, measurement) = if quick() {
        (
            std::time::Duration::from_millis(1),
            std::time::Duration::from_millis(1),
        )
    } else {
        (
            std::time::Duration::from_millis(500),
            std::time::Duration::from_secs(2),
        )
    };
    criterion::Criterion::default()
        .warm_up_time(warm_up)
        .measurement_time(measurement)
        .sample_size(10)
        .with_profiler(FlamegraphProfiler::new(997))
}
