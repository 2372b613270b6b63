#!/usr/bin/env bash
# scaling.sh: how a parallel Go benchmark scales from one P to two.
#
#   cd benchmarks && go test -c -o /tmp/b.test .
#   benchmarks/scaling.sh 8 'ReadMostlyParallel/typed' /tmp/b.test
#
# Each round runs the benchmarks at -cpu 1,2 (one after the other, so both
# see the same moment of a noisy machine) and takes ns/op at 1 over ns/op at
# 2: the throughput of two goroutines over one's. Prints the median ns/op at
# each and the median, minimum and maximum ratio. BT sets -test.benchtime.
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: benchmarks/scaling.sh ROUNDS BENCH-REGEX BINARY..." >&2
  exit 2
fi
rounds=$1 re=$2
shift 2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for _ in $(seq "$rounds"); do
  for b in "$@"; do
    "$b" -test.run '^$' -test.bench "$re" -test.cpu 1,2 -test.count 1 -test.benchtime "${BT:-1s}" |
      awk -v b="$(basename "$b")" '
        /^Benchmark/ { name = $1; if (sub(/-2$/, "", name)) two[name] = $3; else one[name] = $3 }
        END { for (n in one) if (n in two) print n, b, one[n], two[n], one[n] / two[n] }' >>"$out"
  done
done
sort -k1,1 -k2,2 "$out" | awk '
  function med(a, n,   i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  function flush(   lo, hi, i) {
    if (!n) return
    lo = hi = r[1]; for (i = 2; i <= n; i++) { if (r[i] < lo) lo = r[i]; if (r[i] > hi) hi = r[i] }
    printf "%-40s %-14s 1 P %7.1f ns  2 Ps %7.1f ns  scaling median %.2f (min %.2f, max %.2f, n=%d)\n", key, bin, med(x, n), med(y, n), med(r, n), lo, hi, n
  }
  { k = $1 " " $2; if (k != cur) { flush(); cur = k; key = $1; bin = $2; n = 0 } n++; x[n] = $3; y[n] = $4; r[n] = $5 }
  END { flush() }'
