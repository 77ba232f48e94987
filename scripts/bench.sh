#!/usr/bin/env bash
# Wall-time benches, gate and report in one command.
#
#   scripts/bench.sh            # run criterion benches, gate against baselines/criterion, write the report
#   scripts/bench.sh save       # run them and refresh baselines/criterion/baseline.json on purpose
#
# WFS_BENCH_LARGE=1 adds the 50k and 100k scenarios. The gate exits 1 on a regression
# (time +15%, throughput -10%, peak heap +20%, with non-overlapping confidence intervals;
# a changed output digest; a phase whose time grows faster than n^1.15).
# With WFS_BENCH_HISTORY set, every figure is also recorded in the benchmark history there
# (`bench-gate history record --criterion`), with the commit and the machine's fingerprint.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo bench --locked --bench workflow --bench phases --bench engines
# Built with the whole workspace's features: one compile of every dependency.
cargo build --quiet --release --locked --workspace --bin bench-gate
gate="$CARGO_TARGET_DIR/release/bench-gate"
if [ -n "${WFS_BENCH_HISTORY:-}" ]; then
  "$gate" history record --criterion
fi
case "${1:-check}" in
  save)  "$gate" save --out baselines/criterion/baseline.json ;;
  check) "$gate" check --baseline baselines/criterion/baseline.json --markdown bench-gate.md ;;
esac
"$gate" report --out-dir . --gungraun-dir baselines/gungraun
