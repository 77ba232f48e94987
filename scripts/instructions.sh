#!/usr/bin/env bash
# Instruction-count benches (gungraun under callgrind) against the committed baselines.
#
#   scripts/instructions.sh check   # gate: exit non-zero if any count grew more than $GUNGRAUN_LIMIT (2%)
#   scripts/instructions.sh save    # refresh baselines/gungraun on purpose (then commit them)
#
# Needs valgrind and gungraun-runner 0.20.0 (`cargo install gungraun-runner --version 0.20.0 --locked`).
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-check}"
limit="${GUNGRAUN_LIMIT:-2%}"
export GUNGRAUN_HOME="$PWD/baselines/gungraun"
case "$mode" in
  check)
    # --baseline compares read-only against the saved `main` baseline; gungraun exits 3 on a
    # regression beyond the soft limit.
    cargo bench --locked --bench instructions -- --baseline=main --callgrind-limits="ir=${limit}" --save-summary=json
    ;;
  save)
    cargo bench --locked --bench instructions -- --save-baseline=main --save-summary=json
    ;;
  *)
    echo "usage: $0 check|save" >&2
    exit 2
    ;;
esac
