#!/usr/bin/env bash
# compare.sh: cachee against redis-server, side by side, in one run.
#
# Starts redis-server and `cachee serve` on free loopback ports with the same
# settings (no persistence, 16 databases, protected mode, a Unix socket each),
# then:
#   1. throughput: redis-benchmark against both, alternating test by test and
#      swapping who goes first, at -c 50 and at -c 50 -P 16, for
#      SET GET INCR LPUSH RPOP SADD HSET ZADD LRANGE_100 MSET; prints rps,
#      p50 and p99 of both and the cachee/redis ratio (medians over --reps);
#   2. memory: loads 1 M keys `key:N` -> 10-byte values into fresh servers
#      and reports RSS, used_memory and bytes per key side by side;
#   3. transports: `cachee bench --json` against cachee in-process, over TCP
#      and over the Unix socket, and against redis over TCP and the socket.
# Every file it writes goes to --out (CSV and JSON for benchmarks/chart).
# The servers it starts are stopped by PID when it exits, however it exits.
#
# Needs redis-server, redis-benchmark and redis-cli (Debian: redis-server,
# redis-tools) and Go. The machine should be otherwise idle; on a shared one,
# read the ratios, not the absolute numbers.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: benchmarks/compare.sh [options]

  --requests N     redis-benchmark requests per test at -c 50 (default 200000;
                   the -P 16 runs send 5x as many)
  --reps N         repetitions of every run; tables show medians (default 3)
  --keys N         keys loaded for the memory comparison (default 1000000)
  --out DIR        where results go (default: a new directory under /tmp)
  --quick          smoke run: 20000 requests, 1 rep, 100000 keys
  --skip-memory    skip the memory comparison
  --skip-transport skip the cachee bench transport runs
  -h, --help       this text

Results in DIR: throughput.csv (every run), summary.csv (medians and ratios),
memory.csv, transport-*.json. Draw them with:
  go run ./benchmarks/chart -in DIR -out docs/img
EOF
}

N=200000 REPS=3 KEYS=1000000 OUT="" MEMORY=1 TRANSPORT=1
while [ $# -gt 0 ]; do
  case "$1" in
    --requests) N=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --keys) KEYS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --quick) N=20000 REPS=1 KEYS=100000; shift ;;
    --skip-memory) MEMORY=0; shift ;;
    --skip-transport) TRANSPORT=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "compare.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
for n in "$N" "$REPS" "$KEYS"; do
  case "$n" in ''|*[!0-9]*|0) echo "compare.sh: counts must be positive integers" >&2; exit 2 ;; esac
done
for tool in redis-server redis-benchmark redis-cli go; do
  command -v "$tool" >/dev/null || { echo "compare.sh: $tool not found (apt-get install redis-server redis-tools)" >&2; exit 2; }
done

cd "$(dirname "$0")/.."
OUT=${OUT:-$(mktemp -d /tmp/cachee-compare.XXXXXX)}
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/cachee-compare-work.XXXXXX)
BIN=$WORK/cachee
go build -o "$BIN" ./cmd/cachee

PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port prints a loopback port nothing listens on (bash's /dev/tcp),
# below Linux's ephemeral range so no client connection holds it either.
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
}

wait_ready() { # port name log
  local i
  for i in $(seq 100); do
    redis-cli -p "$1" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "compare.sh: $2 did not start on port $1: $(tail -n 1 "$3" 2>/dev/null)" >&2; exit 1
}

# start_servers sets RPORT CPORT RSOCK CSOCK RPID CPID.
start_servers() {
  RPORT=$(free_port); CPORT=$(free_port)
  while [ "$CPORT" = "$RPORT" ]; do CPORT=$(free_port); done
  RSOCK=$WORK/redis.sock CSOCK=$WORK/cachee.sock
  rm -f "$RSOCK" "$CSOCK"
  redis-server --port "$RPORT" --bind 127.0.0.1 --unixsocket "$RSOCK" --unixsocketperm 700 \
    --save '' --appendonly no --databases 16 --maxclients 10000 --protected-mode yes \
    --daemonize no --dir "$WORK" --logfile "$WORK/redis.log" &
  RPID=$!; PIDS+=("$RPID")
  "$BIN" serve --port "$CPORT" --bind 127.0.0.1 --unixsocket "$CSOCK" --unixsocketperm 700 \
    --databases 16 --maxclients 10000 --protected-mode yes 2>"$WORK/cachee.log" &
  CPID=$!; PIDS+=("$CPID")
  wait_ready "$RPORT" redis-server "$WORK/redis.log"; wait_ready "$CPORT" cachee "$WORK/cachee.log"
  echo "started redis-server pid $RPID port $RPORT, cachee pid $CPID port $CPORT"
}

stop_servers() {
  kill "$RPID" "$CPID" 2>/dev/null || true
  wait "$RPID" "$CPID" 2>/dev/null || true
  PIDS=()
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
used_memory() { redis-cli -p "$1" info memory | tr -d '\r' | awk -F: '$1 == "used_memory" {print $2}'; }
median() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(redis-server --version | awk '{print $3}'), $(go version | awk '{print $3}')"
echo "results: $OUT"

# ---- 1. throughput -------------------------------------------------------
TESTS="set get incr lpush rpop sadd hset zadd lrange_100 mset"
probe() { # port test: prints "unsupported" when the server answers the test's command with an error
  local cmd
  case "$2" in
    set) cmd="SET probe:k v" ;; get) cmd="GET probe:k" ;; incr) cmd="INCR probe:n" ;;
    lpush) cmd="LPUSH probe:l v" ;; rpop) cmd="RPOP probe:l" ;; sadd) cmd="SADD probe:s m" ;;
    hset) cmd="HSET probe:h f v" ;; zadd) cmd="ZADD probe:z 1 m" ;;
    lrange_100) cmd="LRANGE probe:l 0 99" ;; mset) cmd="MSET probe:a 1 probe:b 2" ;;
  esac
  # shellcheck disable=SC2086
  if redis-cli -p "$1" $cmd 2>&1 | grep -qE '^(\(error\) )?ERR'; then echo unsupported; fi
}

# bench port test pipeline requests: prints "rps p50 p99" of the test's own line.
bench() {
  local name
  name=$(echo "$2" | tr '[:lower:]' '[:upper:]')
  redis-benchmark -p "$1" -c 50 -P "$3" -n "$4" -r 100000 -t "$2" --csv 2>/dev/null | tr -d '"' |
    awk -F, -v t="$name" '{split($1, w, " ")} w[1] == t && $1 !~ /needed/ {print $2, $5, $7}'
}

start_servers
echo "config,test,server,rep,rps,p50_ms,p99_ms" >"$OUT/throughput.csv"
declare -A UNSUPPORTED
for t in $TESTS; do
  [ -n "$(probe "$CPORT" "$t")" ] && UNSUPPORTED[$t]=1
done
i=0
for cfg in "c50 1 $N" "c50-P16 16 $((N * 5))"; do
  set -- $cfg
  for rep in $(seq "$REPS"); do
    for t in $TESTS; do
      order="redis cachee"
      [ $((i % 2)) = 1 ] && order="cachee redis"
      i=$((i + 1))
      for srv in $order; do
        port=$RPORT; [ "$srv" = cachee ] && port=$CPORT
        # redis-benchmark exits at the first error reply: a test whose
        # command cachee lacks is not run against it (an empty row).
        rps="" p50="" p99=""
        if [ "$srv" = redis ] || [ -z "${UNSUPPORTED[$t]:-}" ]; then
          read -r rps p50 p99 < <(bench "$port" "$t" "$2" "$3") || true
        fi
        echo "$1,$t,$srv,$rep,$rps,$p50,$p99" >>"$OUT/throughput.csv"
      done
      printf '\r%s rep %s/%s %-10s' "$1" "$rep" "$REPS" "$t" >&2
    done
  done
done
printf '\r\033[K' >&2
stop_servers

echo "config,test,redis_rps,cachee_rps,ratio,redis_p50_ms,cachee_p50_ms,redis_p99_ms,cachee_p99_ms,cachee_unsupported" >"$OUT/summary.csv"
col() { # config test server column
  awk -F, -v c="$1" -v t="$2" -v s="$3" -v k="$4" 'NR > 1 && $1 == c && $2 == t && $3 == s {print $k}' "$OUT/throughput.csv" | median
}
for cfg in c50 c50-P16; do
  for t in $TESTS; do
    rr=$(col $cfg "$t" redis 5) cr=$(col $cfg "$t" cachee 5)
    ratio=$(awk -v a="$cr" -v b="$rr" 'BEGIN {if (a != "" && b > 0) printf "%.2f", a / b}')
    echo "$cfg,$t,$rr,$cr,$ratio,$(col $cfg "$t" redis 6),$(col $cfg "$t" cachee 6),$(col $cfg "$t" redis 7),$(col $cfg "$t" cachee 7),${UNSUPPORTED[$t]:+yes}" >>"$OUT/summary.csv"
  done
done

echo
echo "redis-benchmark -c 50 [-P 16] -r 100000, medians of $REPS; ratio = cachee/redis (rps: above 1 = cachee faster)"
awk -F, 'NR > 1 {
    if ($1 != cfg) {
      if (cfg != "") summary()
      cfg = $1; n = 0; ge = 0; printf "\n%-8s %-11s %11s %11s %6s %8s %8s %8s %8s\n", cfg, "test", "redis rps", "cachee rps", "ratio", "r p50", "c p50", "r p99", "c p99"
    }
    mark = ($10 == "yes") ? "  (cachee: unknown command, not run)" : ""
    printf "%-8s %-11s %11s %11s %6s %8s %8s %8s %8s%s\n", "", toupper($2), int0($3), int0($4), $5, $6, $7, $8, $9, mark
    if ($10 != "yes" && $5 != "") { r[++n] = $5; if ($5 >= 1) ge++ }
  }
  function int0(v) { return v == "" ? "-" : sprintf("%.0f", v) }
  function summary(   i, j, t, m) {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }
    m = (n == 0) ? "-" : (n % 2 ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2)
    printf "%-8s median ratio %s over %d supported tests; %d of them >= 1.0\n", "", m, n, ge
  }
  END { summary() }' "$OUT/summary.csv"

# ---- 2. memory -----------------------------------------------------------
if [ "$MEMORY" = 1 ]; then
  echo
  echo "loading $KEYS keys key:N -> 10-byte values into fresh servers (redis-cli --pipe)..."
  awk -v n="$KEYS" 'BEGIN {for (i = 0; i < n; i++) {k = "key:" i; printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$10\r\n%010d\r\n", length(k), k, i}}' >"$WORK/load.resp"
  start_servers
  echo "server,keys,rss_before_kb,rss_after_kb,used_memory_before,used_memory_after,rss_bytes_per_key,used_bytes_per_key" >"$OUT/memory.csv"
  for srv in redis cachee; do
    port=$RPORT pid=$RPID; [ "$srv" = cachee ] && port=$CPORT pid=$CPID
    rb=$(rss_kb "$pid") ub=$(used_memory "$port")
    redis-cli -p "$port" --pipe <"$WORK/load.resp" >"$WORK/pipe-$srv.log"
    got=$(redis-cli -p "$port" dbsize)
    [ "$got" = "$KEYS" ] || { echo "compare.sh: $srv holds $got keys after loading $KEYS" >&2; exit 1; }
    sleep 1 # let cachee's GC settle before reading RSS
    ra=$(rss_kb "$pid") ua=$(used_memory "$port")
    echo "$srv,$KEYS,$rb,$ra,$ub,$ua,$(( (ra - rb) * 1024 / KEYS )),$(( (ua - ub) / KEYS ))" >>"$OUT/memory.csv"
  done
  stop_servers
  awk -F, 'NR > 1 {rss[$1] = $4; pk[$1] = $7; up[$1] = $8}
    END {
      printf "%-24s %12s %12s %8s\n", "", "redis", "cachee", "ratio"
      printf "%-24s %9.1f MB %9.1f MB %8.2f\n", "RSS after loading", rss["redis"] / 1024, rss["cachee"] / 1024, rss["cachee"] / rss["redis"]
      printf "%-24s %12d %12d %8.2f\n", "RSS bytes per key", pk["redis"], pk["cachee"], pk["cachee"] / pk["redis"]
      printf "%-24s %12d %12d %8.2f\n", "used_memory per key", up["redis"], up["cachee"], up["cachee"] / up["redis"]
    }' "$OUT/memory.csv"
  echo "(cachee's used_memory is the Go heap in use; RSS also holds the garbage the collector has not returned yet)"
fi

# ---- 3. transports -------------------------------------------------------
if [ "$TRANSPORT" = 1 ]; then
  echo
  echo "cachee bench -t set,get,incr,mset -c 50 -r 100000 -n $N: in-process, TCP and Unix socket"
  start_servers
  for run in "cachee-inprocess --inprocess" "cachee-tcp -p $CPORT" "redis-tcp -p $RPORT" "cachee-unix -s $CSOCK" "redis-unix -s $RSOCK"; do
    set -- $run
    label=$1; shift
    "$BIN" bench "$@" -t set,get,incr,mset -c 50 -r 100000 -n "$N" --json >"$OUT/transport-$label.json"
    awk -v l="$label" -F'[:,]' '/"test"/ {gsub(/[" ]/, "", $2); t = $2} /"rps"/ {printf "  %-17s %-5s %12.0f rps\n", l, t, $2}' "$OUT/transport-$label.json"
  done
  stop_servers
fi
echo
echo "results in $OUT; chart: go run ./benchmarks/chart -in $OUT -out docs/img"
