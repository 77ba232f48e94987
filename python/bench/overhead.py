"""The Python call's overhead over the Rust calls, side by side in one process.

For the default run (5,000 synthetic employees, 2025-2029, the native engine), in turn:
* the Rust call without Arrow: the synthetic census (``workforce_sim::prepare_census``), the
  run (``workforce_sim::simulate_in_memory``, what ``cargo bench --bench workflow --
  workflow/in_memory/5kx5`` measures with criterion on a prepared census) and freeing it,
  timed inside Rust (``_native.rust_in_memory_parts()``);
* the Rust call with the same Arrow tables the Python call returns: the census,
  ``workforce_sim::simulate_to_arrow`` and its events, snapshot, workforce_needs and
  year_summary record batches (``-- workflow/arrow/5kx5``), and freeing them
  (``_native.rust_in_memory_parts(arrow=True)``);
* the whole Python call: ``workforce_sim.simulate()`` (the same census, run and encoder)
  plus importing the four tables into pyarrow, and freeing the result.

Prints the medians; the Python call's overhead against the Rust call with Arrow (what the
binding adds: arguments, the result object, the capsules and their import, freeing through
Arrow's release callbacks) and against the Rust run without Arrow (that, plus encoding the
tables to Arrow beside the loop); and the parts of each.

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
    _native.rust_in_memory_parts()
    _native.rust_in_memory_parts(arrow=True)
    rust, arrow, python = [], [], []
    rust_parts = {"census + run": [], "free": []}
    arrow_parts = {"census + run + encoder": [], "free": []}
    parts = {"simulate()": [], "import": [], "free": []}
    call = {"census + run beside the encoder": [], "wait for the last year's tables": [],
            "the rest (arguments, report, result object)": []}
    for _ in range(rounds):
        run_s, free_s = _native.rust_in_memory_parts()
        rust.append(run_s + free_s)
        rust_parts["census + run"].append(run_s)
        rust_parts["free"].append(free_s)
        run_s, free_s = _native.rust_in_memory_parts(arrow=True)
        arrow.append(run_s + free_s)
        arrow_parts["census + run + encoder"].append(run_s)
        arrow_parts["free"].append(free_s)
        t0 = time.perf_counter()
        run = ws.simulate()
        t1 = time.perf_counter()
        for name in ("events", "snapshot", "workforce_needs", "year_summary"):
            run.table(name)
        t2 = time.perf_counter()
        loop, wait = run._native.handover_seconds()
        del run  # freed inside the timing, as the Rust call frees its run
        t3 = time.perf_counter()
        python.append(t3 - t0)
        for part, seconds in zip(parts.values(), (t1 - t0, t2 - t1, t3 - t2)):
            part.append(seconds)
        for part, seconds in zip(call.values(), (loop, wait, t1 - t0 - loop - wait)):
            part.append(seconds)
    r, a, p = (statistics.median(x) for x in (rust, arrow, python))

    def medians(d: dict) -> str:
        return ", ".join(f"{k} {statistics.median(v) * 1e3:.1f} ms" for k, v in d.items())

    print(f"rounds: {rounds}")
    print(f"rust census + run + free (no Arrow), median:    {r * 1e3:.1f} ms")
    print("  of which, medians: " + medians(rust_parts))
    print(f"rust census + run + 4 Arrow tables + free, median: {a * 1e3:.1f} ms")
    print("  of which, medians: " + medians(arrow_parts))
    print(f"python call + 4 arrow tables + free, median:    {p * 1e3:.1f} ms")
    print("  of which, medians: " + medians(parts))
    print("  simulate(), medians: " + medians(call))
    print(f"python overhead over the Rust call with the same Arrow tables: "
          f"{(p - a) * 1e3:.1f} ms = {100 * (p - a) / a:.1f}%")
    print(f"python overhead over the Rust run without Arrow: "
          f"{(p - r) * 1e3:.1f} ms = {100 * (p - r) / r:.1f}% "
          f"(of which the Rust call's own Arrow encoding: {(a - r) * 1e3:.1f} ms)")


if __name__ == "__main__":
    main()
