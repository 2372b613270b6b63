#!/usr/bin/env bash
# cpu_per_request.sh: a server's CPU time per request under redis-benchmark.
#
#   GOMAXPROCS=1 cachee serve --port 7401 & GOMAXPROCS=1 /tmp/old-cachee serve --port 7402 &
#   for i in $(seq 8); do
#     benchmarks/cpu_per_request.sh $(pgrep -f 'port 7401') 7401 get 300000
#     benchmarks/cpu_per_request.sh $(pgrep -f 'port 7402') 7402 get 300000
#   done
#
# Reads the process's user and system CPU time (/proc/PID/stat, Linux)
# before and after one `redis-benchmark -c 50 -r 100000 -t TEST -n N [-P
# PIPE]` run against 127.0.0.1:PORT and prints the difference per request.
# Throughput at -c 50 on a small machine measures the client as much as the
# server; this measures what the server spends. The clock ticks are 10 ms,
# so send enough requests for a second or more of CPU.
set -euo pipefail
if [ $# -lt 4 ]; then
  echo "usage: benchmarks/cpu_per_request.sh PID PORT TEST REQUESTS [PIPELINE]" >&2
  exit 2
fi
pid=$1 port=$2 test=$3 n=$4 pipe=${5:-1}
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
before=$(ticks)
redis-benchmark -p "$port" -c 50 -P "$pipe" -n "$n" -r 100000 -t "$test" -q >/dev/null
after=$(ticks)
awk -v t="$test" -v p="$port" -v d=$((after - before)) -v hz="$hz" -v n="$n" -v P="$pipe" \
  'BEGIN { printf "%-6s port %-5s -P %-3s %8.3f us of server CPU per request\n", t, p, P, d * 1e6 / hz / n }'
