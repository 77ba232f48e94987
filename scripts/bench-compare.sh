#!/usr/bin/env bash
# Base against head in one job on one machine: builds BASE_REF in a git worktree and the
# working tree as head, runs the instruction benches of both (gungraun: the base saves a
# `base` baseline, the head runs against it) and, with --wall, the criterion benches in
# interleaved rounds (base, head, base, head, ... so drift hits both sides), then prints one
# Markdown table: bench, base, head, change, verdict. Counts move with the CPU as well as the
# code, so only counts taken on the same machine in the same job are compared.
#
#   scripts/bench-compare.sh BASE_REF                  # instruction counts
#   scripts/bench-compare.sh --wall BASE_REF           # and wall time (criterion, 2 rounds)
#   scripts/bench-compare.sh --wall --rounds 3 --filter 'phases/.*/1000$' BASE_REF
#
# Output in --out DIR (default bench-compare/): table.md, table.json, the gungraun tree (with
# an instruction-count flamegraph and a differential one per bench), and for every failing
# bench flamegraphs/: the differential instruction flamegraph, and with --wall pprof
# wall-time flamegraphs of base and head.
# Thresholds: instructions +2% fails (GUNGRAUN_LIMIT_PCT), wall time +15% with
# non-overlapping intervals fails (WALL_LIMIT_PCT). Exit 0 pass, 1 a bench failed, 2 usage or
# build error. Needs valgrind and gungraun-runner 0.20.0.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
wall=0
rounds=2
out=bench-compare
filter='quick$'
usage() { sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --wall) wall=1 ;;
    --rounds) rounds="$2"; shift ;;
    --out) out="$2"; shift ;;
    --filter) filter="$2"; shift ;;
    -h|--help) usage ;;
    -*) echo "unknown option $1" >&2; usage ;;
    *) break ;;
  esac
  shift
done
[ $# -eq 1 ] || usage
base=$(git rev-parse --verify --quiet "$1^{commit}") || { echo "not a commit: $1" >&2; exit 2; }
head=$(git rev-parse HEAD)
dirty=""
git diff --quiet HEAD -- || dirty=" + working-tree changes"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
case "$out" in /*) ;; *) out="$root/$out" ;; esac
rm -rf "$out"
mkdir -p "$out/bin" "$out/flamegraphs"
work=$(mktemp -d)
cleanup() { git -C "$root" worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
git worktree add --quiet --detach "$work/base" "$base"

benches=(--bench instructions)
[ "$wall" = 1 ] && benches+=(--bench workflow --bench phases)
# Builds the benches of the checkout in $1 and copies their executables to $out/bin/$2-NAME
# (base and head share the target directory, so the second build would overwrite the first).
build() {
  local dir=$1 side=$2
  echo "== building the $side benches ($(git -C "$dir" rev-parse --short HEAD))" >&2
  # The two checkouts build the same workspace crates into one target directory, and cargo
  # tells a stale artifact by file times: make this checkout's sources the newest, so its
  # crates are rebuilt and not taken from the other side's build.
  find "$dir" \( -name '*.rs' -o -name 'Cargo.toml' \) -not -path '*/.git/*' -not -path '*/target/*' \
    -exec touch {} +
  (cd "$dir" && cargo bench --locked --no-run --message-format=json "${benches[@]}") \
    | grep '"kind":\["bench"\]' \
    | sed -E 's/.*"target":\{[^}]*"name":"([^"]+)".*"executable":"([^"]+)".*/\1 \2/' \
    | while read -r name exe; do cp "$exe" "$out/bin/$side-$name"; done
}
build "$work/base" base || { echo "the base $base does not build" >&2; exit 2; }
build "$root" head || { echo "the head does not build" >&2; exit 2; }

# Instruction counts: base saves the `base` baseline, head runs against it (read-only).
export GUNGRAUN_HOME="$out/gungraun"
(cd "$work/base" && "$out/bin/base-instructions" --bench --save-baseline=base >"$out/base-instructions.log" 2>&1) \
  || { echo "the base instruction benches failed: $out/base-instructions.log" >&2; exit 2; }
(cd "$root" && "$out/bin/head-instructions" --bench --baseline=base --save-summary=json >"$out/head-instructions.log" 2>&1) \
  || { echo "the head instruction benches failed: $out/head-instructions.log" >&2; exit 2; }

# Wall time: interleaved rounds into one criterion tree.
export CRITERION_HOME="$out/criterion"
if [ "$wall" = 1 ]; then
  for r in $(seq 1 "$rounds"); do
    for side in base head; do
      for b in workflow phases; do
        [ -x "$out/bin/$side-$b" ] || continue
        echo "== wall time, round $r/$rounds: $side $b" >&2
        dir=$root; [ "$side" = base ] && dir=$work/base
        (cd "$dir" && "$out/bin/$side-$b" --bench "$filter" --save-baseline "$side-$r" >>"$out/$side-wall.log" 2>&1)
      done
    done
  done
fi

set +e
# The head's bench-gate, built with the whole workspace's features (one compile of every
# dependency); acknowledged slowdowns (baselines/acknowledged.toml) between base and head pass.
cargo build --quiet --release --locked --workspace --bin bench-gate
"$CARGO_TARGET_DIR/release/bench-gate" \
  --criterion-dir "$CRITERION_HOME" compare --gungraun-dir "$GUNGRAUN_HOME" \
  --range "$base..$head" --acknowledged "$root/baselines/acknowledged.toml" \
  --rounds "$([ "$wall" = 1 ] && echo "$rounds" || echo 0)" \
  --instructions-pct "${GUNGRAUN_LIMIT_PCT:-2}" --wall-pct "${WALL_LIMIT_PCT:-15}" \
  --title "Benchmarks: base $(git rev-parse --short "$base") against head $(git rev-parse --short "$head")$dirty" \
  --markdown "$out/table.md" --json "$out/table.json"
verdict=$?
set -e
[ "$verdict" -le 1 ] || exit 2

if [ "$verdict" = 1 ]; then
  # Flamegraphs of what failed: gungraun's differential instruction flamegraph, and for wall
  # time a pprof flamegraph of each side (criterion's --profile-time mode).
  grep -o '"bench": "[^"]*"\|"kind": "[^"]*"\|"verdict": "[^"]*"' "$out/table.json" | paste - - - \
    | grep '"verdict": "fail"' | sed -E 's/"kind": "([^"]*)"\t"bench": "([^"]*)".*/\1|\2/' \
    | while IFS='|' read -r kind bench; do
        if [ "$kind" = instructions ]; then
          # Again with flamegraphs, against the base: gungraun writes the head's and the
          # differential one (red: more instructions in the head than in the base).
          group=${bench%%/*}; name=${bench#*/}; fn=${name%%.*}
          (cd "$root" && WFS_BENCH_FLAMEGRAPH=1 "$out/bin/head-instructions" --bench --baseline=base \
            "*::$group::$fn*" >>"$out/head-instructions.log" 2>&1) || true
          find "$GUNGRAUN_HOME" -path "*/$group/$name/*" -name '*.svg' \
            -exec cp {} "$out/flamegraphs/" \;
        else
          for side in base head; do
            dir=$root; [ "$side" = base ] && dir=$work/base
            for b in workflow phases; do
              [ -x "$out/bin/$side-$b" ] || continue
              (cd "$dir" && "$out/bin/$side-$b" --bench "^${bench}\$" --profile-time 5 >/dev/null 2>&1) || true
            done
            svg="$CRITERION_HOME/$bench/profile/flamegraph.svg"
            [ -f "$svg" ] && cp "$svg" "$out/flamegraphs/$side-$(echo "$bench" | tr '/' '_').svg"
          done
        fi
      done
  echo "flamegraphs of the failing benches: $out/flamegraphs/" >&2
fi
exit "$verdict"
