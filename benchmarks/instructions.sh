#!/usr/bin/env bash
# instructions.sh: instructions per operation of a Go benchmark, counted by
# valgrind's callgrind, which the machine's noise does not change.
#
#   go test -c -o /tmp/new.test .
#   benchmarks/instructions.sh 'BenchmarkTxPipelined3$' /tmp/old.test /tmp/new.test
#
# The regex must match one benchmark. Runs it in each binary at -test.cpu 1
# for N1 and N2 iterations (-test.benchtime Nx) and prints
# (I(N2) - I(N1)) / (N2 - N1): the set-up cancels out. The count includes
# the GC's work (at -cpu 1 it runs on the benchmark's thread); GOGC=off in
# the environment leaves it out, counting the code path alone. N1 and N2
# (default 100000 and 300000) are environment variables too. Needs
# valgrind (Debian's valgrind); a run takes about 70 times the benchmark's
# own time.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: benchmarks/instructions.sh BENCH-REGEX BINARY..." >&2
  exit 2
fi
re=$1
shift
n1=${N1:-100000} n2=${N2:-300000}
# Go's preemption signals can trip callgrind (an assertion in its signal
# handling): asyncpreemptoff avoids them.
count() {
  local n
  n=$(GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" \
    -test.run '^$' -test.bench "$re" -test.benchtime "$2x" -test.cpu 1 -test.count 1 2>&1 |
    awk '/Collected/ {print $NF}')
  if [ -z "$n" ]; then
    echo "instructions.sh: valgrind did not finish $1" >&2
    exit 1
  fi
  echo "$n"
}
for b in "$@"; do
  i1=$(count "$b" "$n1")
  i2=$(count "$b" "$n2")
  awk -v b="$(basename "$b")" -v i1="$i1" -v i2="$i2" -v n1="$n1" -v n2="$n2" -v gc="${GOGC:-on}" \
    'BEGIN { printf "%-14s %10.0f instructions per op (GOGC=%s)\n", b, (i2 - i1) / (n2 - n1), gc }'
done
