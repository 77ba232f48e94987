#!/usr/bin/env bash
# Proof that the gates fire: on copies of HEAD in git worktrees,
#   1. an unchanged head passes the same-job comparison (scripts/bench-compare.sh HEAD);
#   2. a deliberate ~5% slowdown of one phase (one extra keyed hash for every fourth employee
#      in the experienced-terminations selection, results unchanged) fails it, the table
#      names that phase, and a differential instruction flamegraph is written;
#   3. a deliberate change of results (terminations one day later) fails the output-digest
#      tests (tests/digests.rs, the pinned digests of every output);
#   4. a slowdown beyond the wall-time limit (four extra keyed hashes per employee in the
#      same selection) fails the wall-time comparison (--wall, that phase's criterion bench
#      only), and pprof wall-time flamegraphs of base and head are written.
# Exit 0 when all four hold. Takes ~22 min on 2 cores (seven builds of the workspace crates).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
head=$(git rev-parse HEAD)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
out="${1:-$root/gate-selftest}"
rm -rf "$out"; mkdir -p "$out"
work=$(mktemp -d)
cleanup() {
  for w in slow moved wall; do git -C "$root" worktree remove --force "$work/$w" >/dev/null 2>&1 || true; done
  rm -rf "$work"
  # The copies built the workspace crates into the shared target directory: make the
  # checkout's own sources the newest again so its next build is its own.
  find "$root" \( -name '*.rs' -o -name 'Cargo.toml' \) -not -path '*/.git/*' -not -path '*/target/*' -exec touch {} +
}
trap cleanup EXIT
fail() { echo "gate self-test FAILED: $*" >&2; exit 1; }
# Applies a one-line replacement to a file of a copy, failing loudly when the anchor is gone.
patch_line() {
  local file=$1 from=$2 to=$3
  grep -qF "$from" "$file" || fail "the anchor is gone from $file: $from (update this self-test)"
  FROM="$from" TO="$to" perl -0pi -e 's/\Q$ENV{FROM}\E/$ENV{TO}/' "$file"
}

echo "== 1/4 unchanged head against itself: must pass" >&2
git worktree add --quiet --detach "$work/slow" "$head"
(cd "$work/slow" && scripts/bench-compare.sh --out "$out/unchanged" "$head") >"$out/unchanged.log" 2>&1 \
  || fail "an unchanged head failed the comparison: $out/unchanged.log"
grep -q "Verdict: pass" "$out/unchanged/table.md" || fail "no pass verdict in $out/unchanged/table.md"

echo "== 2/4 an extra keyed hash for every fourth employee in experienced terminations: must fail" >&2
patch_line "$work/slow/crates/core/src/rules/termination.rs" \
  "buckets[l].push((keyed(rng, k, yc), i as u32));" \
  "if i % 4 == 0 { std::hint::black_box(keyed(rng, k ^ 1, yc)); } buckets[l].push((keyed(rng, k, yc), i as u32));"
set +e
(cd "$work/slow" && scripts/bench-compare.sh --out "$out/slowdown" "$head") >"$out/slowdown.log" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || fail "the slowdown gave exit $rc, not 1: $out/slowdown.log"
grep -q 'experienced_terminations.n1000` .*\*\*FAIL\*\*' "$out/slowdown/table.md" \
  || fail "the table does not name experienced_terminations as failing: $out/slowdown/table.md"
ls "$out/slowdown/flamegraphs/"*diff*.svg >/dev/null 2>&1 \
  || fail "no differential flamegraph of the failing bench in $out/slowdown/flamegraphs"

echo "== 3/4 terminations one day later: the digest tests must fail" >&2
git worktree add --quiet --detach "$work/moved" "$head"
patch_line "$work/moved/crates/core/src/rules/termination.rs" \
  "pub const DATE_FLOOR: Day = 30;" "pub const DATE_FLOOR: Day = 31;"
find "$work/moved" -name '*.rs' -exec touch {} +
set +e
(cd "$work/moved" && cargo test --release --locked --test tests -- digests) >"$out/moved.log" 2>&1
rc=$?
set -e
[ "$rc" != 0 ] || fail "a change of results passed the digest tests: $out/moved.log"
grep -q "test result: FAILED" "$out/moved.log" || fail "the digest tests did not fail as tests: $out/moved.log"

echo "== 4/4 four extra keyed hashes per employee in experienced terminations: the wall-time gate must fail" >&2
git worktree add --quiet --detach "$work/wall" "$head"
patch_line "$work/wall/crates/core/src/rules/termination.rs" \
  "buckets[l].push((keyed(rng, k, yc), i as u32));" \
  "for j in 1..5 { std::hint::black_box(keyed(rng, k ^ j, yc)); } buckets[l].push((keyed(rng, k, yc), i as u32));"
set +e
(cd "$work/wall" && scripts/bench-compare.sh --wall --rounds 2 --filter '^phases/experienced_terminations/1000$' \
  --out "$out/wall" "$head") >"$out/wall.log" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || fail "the wall-time slowdown gave exit $rc, not 1: $out/wall.log"
grep -q '^| wall time | `phases/experienced_terminations/1000` .*\*\*FAIL\*\*' "$out/wall/table.md" \
  || fail "the table does not fail phases/experienced_terminations/1000 on wall time: $out/wall/table.md"
for side in base head; do
  [ -s "$out/wall/flamegraphs/$side-phases_experienced_terminations_1000.svg" ] \
    || fail "no pprof flamegraph of the $side in $out/wall/flamegraphs"
done

echo "gate self-test passed: unchanged passes; the ~5% slowdown fails naming experienced_terminations; moved results fail the digests; the wall-time slowdown fails with flamegraphs of both sides" >&2
grep 'experienced_terminations' "$out/slowdown/table.md" "$out/wall/table.md" >&2
