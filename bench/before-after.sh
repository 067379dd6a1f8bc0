#!/usr/bin/env bash
# Runs the ingest, search and export benchmarks on two commits in one run, alternating
# (before, after, before, after…) so both see the same machine, and keeps each run's output.
#
#   bench/before-after.sh <before-rev> <after-rev> [out-dir]
#
# Each commit is checked out in its own worktree under $TMPDIR with its own `npm ci` and
# build; each benchmark starts its own throwaway database. Sizes are smaller than the
# benchmarks' defaults so the whole comparison takes about half an hour on 2 cores; set
# INGEST_ARGS, SEARCH_ARGS and EXPORT_ARGS to change them.
set -euo pipefail
before=${1:?before revision}; after=${2:?after revision}
out=${3:-$(mktemp -d)}
INGEST_ARGS=${INGEST_ARGS:-"--events 20000 --warm 50000 --rounds 3 --singles 2000 --concurrency 32"}
SEARCH_ARGS=${SEARCH_ARGS:-"--events 200000 --runs 20"}
EXPORT_ARGS=${EXPORT_ARGS:-"--events 200000"}
repo=$(git rev-parse --show-toplevel)
mkdir -p "$out"
for side in before after; do
  rev=${!side}
  dir=${TMPDIR:-/tmp}/vigil-bench-$side
  if [ ! -d "$dir" ]; then
    git -C "$repo" worktree add --detach "$dir" "$rev" >/dev/null
    (cd "$dir" && npm ci --no-audit --no-fund >/dev/null 2>&1)
  fi
  echo "$side = $(git -C "$dir" rev-parse --short HEAD) in $dir"
done
for bench in ingest search export; do
  args_var="$(echo "$bench" | tr a-z A-Z)_ARGS"
  for side in before after; do
    dir=${TMPDIR:-/tmp}/vigil-bench-$side
    echo "== $bench $side $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    # shellcheck disable=SC2086
    (cd "$dir" && npx tsx "bench/$bench.ts" ${!args_var}) >"$out/$bench-$side.log" 2>&1 || echo "   failed: see $out/$bench-$side.log"
    tail -n 30 "$out/$bench-$side.log" | grep -v '^$' | tail -n 14
  done
done
echo "logs in $out"
