#!/usr/bin/env bash
# Finds the first commit between GOOD and BAD where an instruction bench moved by more than
# the gate's threshold against GOOD, with `git bisect run` over the instruction benches (as
# `asv find` does for asv's history).
#
#   scripts/bench-find.sh GOOD BAD BENCH
#   scripts/bench-find.sh afd32af 8a861d6 workflow/end_to_end.n500x2
#
# BENCH is named as the gate and the history name it (`group/function.id`; see
# `bench-gate history detect`). The bisect runs in a temporary worktree (your checkout and
# its bisect state are untouched); every commit builds in one target directory of its own
# ($WFS_BACKFILL_TARGET, default $CARGO_TARGET_DIR/backfill, shared with
# scripts/bench-backfill.sh: the first use builds the dependencies there once, later commits
# only the workspace crates, and your checkout's build is never overwritten by another
# commit's); a commit's counts are kept in
# $CARGO_TARGET_DIR/backfill-stage/<commit>/ (the layout of scripts/bench-backfill.sh), so a
# commit counted once, by a bisect or a backfill, is not built or run again. A commit that
# does not build, or lacks the bench, is skipped. Threshold: GUNGRAUN_LIMIT_PCT (2, the
# gate's), up or down. Exit 0 with the commit found, 1 when BAD is within the threshold of
# GOOD, 2 on bad input. Needs valgrind and gungraun-runner 0.20.0.
set -euo pipefail
usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
limit="${GUNGRAUN_LIMIT_PCT:-2}"

# The count of BENCH at the commit checked out in the current directory (built and run
# unless staged). Prints it, or nothing when the commit does not build or lacks the bench.
count_here() {
  local bench=$1 commit out exe group name fn
  commit=$(git rev-parse HEAD)
  out="$stage/$commit"
  group=${bench%%/*}; name=${bench#*/}; fn=${name%%.*}
  # A backfill's run of every bench, or this script's earlier run of this bench alone.
  if [ ! -f "$out/done" ]; then
    out="$stage/$commit/only-$group-$fn"
    if [ ! -f "$out/done" ]; then
      rm -rf "$out" && mkdir -p "$out"
      find . \( -name '*.rs' -o -name 'Cargo.toml' \) -not -path './.git/*' -exec touch {} +
      exe=$(CARGO_TARGET_DIR="$build_target" cargo bench --locked --no-run --message-format=json --bench instructions 2>"$out/build.log" \
        | grep '"kind":\["bench"\]' | grep '"name":"instructions"' \
        | sed -E 's/.*"executable":"([^"]+)".*/\1/' | tail -n 1) || true
      [ -n "$exe" ] || return 0
      GUNGRAUN_HOME="$out/gungraun" "$exe" --bench "*::$group::$fn*" --save-summary=json >"$out/run.log" 2>&1 || return 0
      touch "$out/done"
    fi
  fi
  "$gate" history counts --gungraun-dir "$out" --bench "$bench" 2>/dev/null | awk -F'\t' '$2 == "Ir" {print $3}'
}

if [ "${1:-}" = --step ]; then
  # Inside `git bisect run`, in the bisect's worktree: good (0), bad (1) or skip (125).
  stage=$WFS_BENCH_STAGE build_target=$WFS_BACKFILL_TARGET
  bench=$2 good_count=$3 gate=$4
  c=$(count_here "$bench")
  [ -n "$c" ] || exit 125
  awk -v c="$c" -v g="$good_count" -v l="$limit" 'BEGIN { d = (c - g) / g * 100; if (d < 0) d = -d; exit (d > l) ? 1 : 0 }'
  exit $?
fi

cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
stage="${WFS_BENCH_STAGE:-$CARGO_TARGET_DIR/backfill-stage}"
build_target="${WFS_BACKFILL_TARGET:-$CARGO_TARGET_DIR/backfill}"
[ $# -eq 3 ] || usage
good=$(git rev-parse --verify --quiet "$1^{commit}") || { echo "not a commit: $1" >&2; exit 2; }
bad=$(git rev-parse --verify --quiet "$2^{commit}") || { echo "not a commit: $2" >&2; exit 2; }
bench=$3
git merge-base --is-ancestor "$good" "$bad" || { echo "$1 is not an ancestor of $2" >&2; exit 2; }
[ -n "$(git rev-list "$good..$bad")" ] || { echo "the range $1..$2 holds no commits" >&2; exit 2; }
case "$bench" in */*.*) ;; *) echo "BENCH is group/function.id, e.g. phases/hires.n1000: $bench" >&2; exit 2 ;; esac

cargo build --quiet --release --locked --workspace --bin bench-gate
mkdir -p "$stage"
gate="$stage/bench-gate-find"
cp "$CARGO_TARGET_DIR/release/bench-gate" "$gate"
cp "$0" "$stage/bench-find-step.sh"

work=$(mktemp -d)
cleanup() {
  git -C "$work/bisect" bisect reset >/dev/null 2>&1 || true
  git -C "$root" worktree remove --force "$work/bisect" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
git worktree add --quiet --detach "$work/bisect" "$good"
cd "$work/bisect"
good_count=$(count_here "$bench")
[ -n "$good_count" ] || { echo "$bench has no count at $1 (does it build and have the bench?)" >&2; exit 2; }
git checkout --quiet --detach "$bad"
bad_count=$(count_here "$bench")
[ -n "$bad_count" ] || { echo "$bench has no count at $2 (does it build and have the bench?)" >&2; exit 2; }
echo "$bench: $good_count at $(git rev-parse --short "$good"), $bad_count at $(git rev-parse --short "$bad")" >&2
if awk -v c="$bad_count" -v g="$good_count" -v l="$limit" 'BEGIN { d = (c - g) / g * 100; if (d < 0) d = -d; exit (d > l) ? 1 : 0 }'; then
  echo "$2 is within ${limit}% of $1 for $bench: nothing to find" >&2
  exit 1
fi
git bisect start "$bad" "$good" >/dev/null
git bisect run env WFS_BACKFILL_TARGET="$build_target" WFS_BENCH_STAGE="$stage" GUNGRAUN_LIMIT_PCT="$limit" \
  bash "$stage/bench-find-step.sh" --step "$bench" "$good_count" "$gate" >"$work/bisect.log" 2>&1 || true
first=$(sed -n 's/^\([0-9a-f]\{40\}\) is the first bad commit.*/\1/p' "$work/bisect.log" | head -n 1)
if [ -z "$first" ]; then
  echo "git bisect did not end on one commit:" >&2
  tail -n 20 "$work/bisect.log" >&2
  exit 2
fi
git checkout --quiet --detach "$first"
after=$(count_here "$bench")
git checkout --quiet --detach "$first^"
before=$(count_here "$bench")
awk -v a="$after" -v b="$before" -v c="$(git -C "$root" log -1 --format='%h %s' "$first" | cut -c1-100)" -v n="$bench" \
  'BEGIN { printf "first commit where %s moved beyond the threshold: %s\n  %d -> %d instructions (%+.2f%% against its parent)\n", n, c, b, a, (a - b) / b * 100 }'
