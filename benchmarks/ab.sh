#!/usr/bin/env bash
# ab.sh: interleaved A/B of Go benchmark binaries on a noisy machine.
#
#   go test -c -o /tmp/old.test .   # at the old commit (a git worktree)
#   go test -c -o /tmp/new.test .   # at the new one
#   benchmarks/ab.sh 8 'BenchmarkGetHit$|BenchmarkSet$' /tmp/old.test /tmp/new.test
#
# Runs every binary once per round, in turn, for the given number of rounds,
# and prints the median and minimum ns/op of each benchmark per binary.
# Interleaving spreads the machine's noise over all binaries alike.
# Environment: CPU (passed as -test.cpu, e.g. 1), BT (-test.benchtime,
# default 1s).
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: benchmarks/ab.sh ROUNDS BENCH-REGEX BINARY..." >&2
  exit 2
fi
rounds=$1 re=$2
shift 2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for _ in $(seq "$rounds"); do
  for b in "$@"; do
    "$b" -test.run '^$' -test.bench "$re" -test.benchmem -test.count 1 \
      ${CPU:+-test.cpu "$CPU"} -test.benchtime "${BT:-1s}" |
      awk -v b="$(basename "$b")" '/^Benchmark/ {print $1, b, $3}' >>"$out"
  done
done
sort -k1,1 -k2,2 -k3,3g "$out" | awk '
  function flush() {
    if (n) printf "%-45s %-14s median %9.1f  min %9.1f  (n=%d)\n", key, bin, (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2), v[1], n
  }
  { k = $1 " " $2; if (k != cur) { flush(); cur = k; key = $1; bin = $2; n = 0 } v[++n] = $3 }
  END { flush() }'
