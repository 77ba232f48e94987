#!/usr/bin/env bash
# Instruction-count benches (gungraun under callgrind) against the committed record of
# where main stood (baselines/gungraun, measured on the machine named in baselines/README.md).
# Counts move with the CPU, so this is a record and a local check on the machine that saved
# it; the gate is the same-job comparison, scripts/bench-compare.sh.
#
#   scripts/instructions.sh check   # exit non-zero if any count grew more than $GUNGRAUN_LIMIT (2%)
#   scripts/instructions.sh save    # refresh the record on purpose: counts and COMMIT (then commit them)
#
# With WFS_BENCH_HISTORY set, the counts (and every other callgrind event collected) are
# also recorded in the benchmark history there, with the commit and the machine's fingerprint.
#
# Needs valgrind and gungraun-runner 0.20.0 (`cargo install gungraun-runner --version 0.20.0 --locked`).
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-check}"
limit="${GUNGRAUN_LIMIT:-2%}"
export GUNGRAUN_HOME="$PWD/baselines/gungraun"
record() {
  [ -n "${WFS_BENCH_HISTORY:-}" ] || return 0
  cargo build --quiet --release --locked --workspace --bin bench-gate
  "${CARGO_TARGET_DIR:-target}/release/bench-gate" history record --gungraun-dir "$GUNGRAUN_HOME"
}
case "$mode" in
  check)
    # --baseline compares read-only against the saved `main` baseline; gungraun exits 3 on a
    # regression beyond the soft limit (recorded all the same).
    status=0
    cargo bench --locked --bench instructions -- --baseline=main --callgrind-limits="ir=${limit}" --save-summary=json || status=$?
    record
    exit "$status"
    ;;
  save)
    cargo bench --locked --bench instructions -- --save-baseline=main --save-summary=json
    record
    # The commit the record was measured at: what .ci/run compares the head with.
    git rev-parse HEAD >"$GUNGRAUN_HOME/COMMIT"
    ;;
  *)
    echo "usage: $0 check|save" >&2
    exit 2
    ;;
esac
