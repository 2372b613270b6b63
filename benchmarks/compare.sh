#!/usr/bin/env bash
# Runs redis-benchmark against redis-server and cachee in one run, on loopback
# ports chosen here, and prints requests/s for each and the cachee/redis ratio.
# Needs redis-server and redis-benchmark (Debian: redis-server redis-tools).
#   benchmarks/compare.sh [requests] [pipeline]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200000}
P=${2:-1}
RPORT=7811
CPORT=7812
TESTS=set,get,incr
go build -o /tmp/cachee-bench ./cmd/cachee
redis-server --port $RPORT --bind 127.0.0.1 --save '' --appendonly no --daemonize no >/dev/null &
RPID=$!
/tmp/cachee-bench serve --port $CPORT >/dev/null 2>&1 &
CPID=$!
trap 'kill $RPID $CPID 2>/dev/null; wait 2>/dev/null' EXIT
for p in $RPORT $CPORT; do
  for _ in $(seq 50); do redis-cli -p $p ping >/dev/null 2>&1 && break; sleep 0.1; done
done
run() { redis-benchmark -p "$1" -t $TESTS -n "$N" -P "$P" -c 50 -r 100000 -q --csv | tr -d '"' ; }
declare -A R C
while IFS=, read -r name rps _; do [ "$name" = test ] || R[$name]=$rps; done < <(run $RPORT)
while IFS=, read -r name rps _; do [ "$name" = test ] || C[$name]=$rps; done < <(run $CPORT)
printf '%-8s %14s %14s %8s\n' test redis_rps cachee_rps ratio
for t in "${!R[@]}"; do
  printf '%-8s %14s %14s %8.2f\n' "$t" "${R[$t]}" "${C[$t]}" "$(echo "${C[$t]} / ${R[$t]}" | bc -l)"
done
