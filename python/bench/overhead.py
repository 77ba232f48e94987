"""The Python call's overhead over the Rust run, side by side in one process.

For the default run (5,000 synthetic employees, 2025-2029, the native engine), alternately:
* the Rust call: the synthetic census (``workforce_sim::prepare_census``), the run
  (``workforce_sim::simulate_in_memory``, what ``cargo bench --bench workflow --
  workflow/in_memory/5kx5`` measures with criterion on a prepared census) and freeing it,
  timed inside Rust (``_native.rust_in_memory_seconds``), and
* the whole Python call: ``workforce_sim.simulate()`` (the same census and run) plus
  importing the events, snapshot, workforce_needs and year_summary tables into pyarrow,
  and freeing the result.

Prints the medians (and the Python call's parts: the call, importing the four tables,
freeing the result) and the overhead (Python − Rust) as a share of the Rust run.

    python3 python/bench/overhead.py [ROUNDS]
"""

import statistics
import sys
import time

import workforce_sim as ws


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    from workforce_sim import _native

    ws.simulate()  # warm-up: page in the library, the allocator's arenas
    _native.rust_in_memory_seconds()
    rust, python, parts = [], [], {"simulate()": [], "import": [], "free": []}
    for _ in range(rounds):
        rust.append(_native.rust_in_memory_seconds())
        t0 = time.perf_counter()
        run = ws.simulate()
        t1 = time.perf_counter()
        for name in ("events", "snapshot", "workforce_needs", "year_summary"):
            run.table(name)
        t2 = time.perf_counter()
        del run  # freed inside the timing, as the Rust call frees its run
        t3 = time.perf_counter()
        python.append(t3 - t0)
        for part, seconds in zip(parts.values(), (t1 - t0, t2 - t1, t3 - t2)):
            part.append(seconds)
    r, p = statistics.median(rust), statistics.median(python)
    print(f"rounds: {rounds}")
    print(f"rust census + run + free, median:         {r * 1e3:.1f} ms")
    print(f"python call + 4 arrow tables + free, median: {p * 1e3:.1f} ms")
    print("  of which, medians: " + ", ".join(
        f"{k} {statistics.median(v) * 1e3:.1f} ms" for k, v in parts.items()))
    print(f"python overhead: {(p - r) * 1e3:.1f} ms = {100 * (p - r) / r:.1f}% of the run")


if __name__ == "__main__":
    main()
