#!/usr/bin/env bash
# Backfills the benchmark history: for each commit given, builds its instruction benches in a
# git worktree, runs them under callgrind (every event callgrind collects without a cache
# simulation) and records the figures with `bench-gate history record` at that commit.
# Resumable: a commit's figures are kept in the stage directory once its run finished, and
# a rerun only records what is staged but not yet in the history.
#
#   scripts/bench-backfill.sh COMMIT...          # e.g. $(git rev-list afd32af~1..HEAD -- src crates benches)
#   scripts/bench-backfill.sh --stage DIR --history PATH COMMIT...
#   scripts/bench-backfill.sh --wall COMMIT...   # also criterion's quick figures (quiet machine!)
#   scripts/bench-backfill.sh --stage-only COMMIT...   # build and run, record later
#   scripts/bench-backfill.sh --record-only      # record what is staged
#
# The builds share one target directory ($WFS_BACKFILL_TARGET, default
# $CARGO_TARGET_DIR/backfill): every commit rebuilds the workspace crates and reuses the
# dependencies. Instruction counts do not depend on the load of the machine, so this can run
# beside other work. Needs valgrind and gungraun-runner 0.20.0.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
stage="$CARGO_TARGET_DIR/backfill-stage"
history="${WFS_BENCH_HISTORY:-$root/baselines/history}"
record_only=0
stage_only=0
wall=0
usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --stage) stage="$2"; shift ;;
    --history) history="$2"; shift ;;
    --record-only) record_only=1 ;;
    --stage-only) stage_only=1 ;;
    --wall) wall=1 ;;
    -h|--help) usage ;;
    -*) echo "unknown option $1" >&2; usage ;;
    *) break ;;
  esac
  shift
done
[ $# -gt 0 ] || [ "$record_only" = 1 ] || usage
case "$stage" in /*) ;; *) stage="$root/$stage" ;; esac
case "$history" in /*) ;; *) history="$root/$history" ;; esac
mkdir -p "$stage"

build_target="${WFS_BACKFILL_TARGET:-$CARGO_TARGET_DIR/backfill}"
work=$(mktemp -d)
cleanup() {
  for w in "$work"/*/; do git -C "$root" worktree remove --force "$w" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

if [ "$record_only" = 0 ]; then
  for ref in "$@"; do
    commit=$(git rev-parse --verify --quiet "$ref^{commit}") || { echo "not a commit: $ref" >&2; exit 2; }
    out="$stage/$commit"
    need_counts=1; [ -f "$out/done" ] && need_counts=0
    need_wall=$wall; [ -f "$out/wall/done" ] && need_wall=0
    [ "$need_counts" = 1 ] || [ "$need_wall" = 1 ] || continue
    mkdir -p "$out"
    echo "== $(date -u +%H:%M:%S) $(git log -1 --format='%h %s' "$commit" | cut -c1-80)" >&2
    git worktree add --quiet --detach "$work/$commit" "$commit"
    find "$work/$commit" \( -name '*.rs' -o -name 'Cargo.toml' \) -not -path '*/.git/*' -exec touch {} +
    benches=(--bench instructions)
    [ "$need_wall" = 1 ] && benches+=(--bench workflow --bench phases)
    exes=$(cd "$work/$commit" && CARGO_TARGET_DIR="$build_target" \
      cargo bench --locked --no-run --message-format=json "${benches[@]}" 2>"$out/build.log" \
      | grep '"kind":\["bench"\]' \
      | sed -E 's/.*"target":\{[^}]*"name":"([^"]+)".*"executable":"([^"]+)".*/\1 \2/') || true
    exe=$(awk '$1 == "instructions" {print $2}' <<<"$exes")
    if [ -z "$exe" ]; then
      echo "   does not build; skipped (see $out/build.log)" >&2
      git worktree remove --force "$work/$commit"
      continue
    fi
    if [ "$need_counts" = 1 ]; then
      rm -rf "$out/gungraun"
      if (cd "$work/$commit" && GUNGRAUN_HOME="$out/gungraun" GUNGRAUN_CALLGRIND_METRICS='@all' \
          "$exe" --bench --save-summary=json >"$out/run.log" 2>&1); then
        touch "$out/done"
      else
        echo "   the instruction benches failed; skipped (see $out/run.log)" >&2
      fi
    fi
    if [ "$need_wall" = 1 ]; then
      # Criterion's quick figures: the smallest end-to-end scenario and every phase at 1,000
      # employees, short measurements (their side outputs land in $out/wall/bench-extra).
      rm -rf "$out/wall" && mkdir -p "$out/wall"
      ok=1
      for b in workflow phases; do
        x=$(awk -v b="$b" '$1 == b {print $2}' <<<"$exes")
        [ -n "$x" ] || continue
        (cd "$work/$commit" && CRITERION_HOME="$out/wall/criterion" CARGO_TARGET_DIR="$out/wall" \
          "$x" --bench 'quick$|^phases/[a-z_]+/1000$' --warm-up-time 1 --measurement-time 2 \
          >>"$out/wall/run.log" 2>&1) || ok=0
      done
      [ "$ok" = 1 ] && touch "$out/wall/done"
    fi
    git worktree remove --force "$work/$commit"
  done
fi

[ "$stage_only" = 0 ] || exit 0
# The recorder is this checkout's bench-gate.
cargo build --quiet --release --locked --workspace --bin bench-gate
gate="$CARGO_TARGET_DIR/release/bench-gate"
# Record every staged figure the history does not hold yet, oldest commit first.
for out in "$stage"/*/; do
  commit=$(basename "$out")
  [ -f "$out/done" ] || [ -f "$out/wall/done" ] || continue
  echo "$(git log -1 --format=%ct "$commit") $commit"
done | sort -n | while read -r _ commit; do
  out="$stage/$commit"
  args=()
  [ -f "$out/done" ] && args+=(--gungraun-dir "$out/gungraun")
  [ -f "$out/wall/done" ] && args+=(--criterion --criterion-dir "$out/wall/criterion" --extra-dir "$out/wall/bench-extra")
  "$gate" history --history "$history" record --commit "$commit" --skip-recorded "${args[@]}"
done
