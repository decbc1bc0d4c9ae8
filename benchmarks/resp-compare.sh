#!/usr/bin/env bash
# resp-compare: RespServer against redis-server and Garnet, driven by redis-benchmark (issue 14).
#
# Runs: redis-benchmark -t ping,set,get -n REQUESTS with -c 50 -P 1, -c 50 -P 16 and -c 1000 -P 1.
# Servers: redis-server (Debian, persistence off: --save '' --appendonly no), Garnet (the
# garnet-server .NET tool, console logger off), RespServer with --loops 1 and --loops 2 (Release).
# Each measurement starts a fresh server on 127.0.0.1; within a round every workload runs on every
# server in turn, the order rotated from round to round; the table shows medians over the rounds.
# Per run: req/s per test, the server's peak RSS (VmHWM) and threads, and its CPU time
# (/proc/PID/stat utime + stime, before and after) -> CPU µs per request.
# --strace adds one more step: write system calls per request at -c 50 -P 16
# (strace -c -f -e trace=write,writev,sendto,sendmsg attached to the server), RespServer
# (--loops 1) against redis-server.
#
# Usage: benchmarks/resp-compare.sh [--rounds 3] [--requests 200000] [--servers "redis garnet resp-1 resp-2"]
#                                   [--workloads "c50-P1 c50-P16 c1000-P1"] [--strace] [--out FILE]
# Writes benchmarks/results/local/resp-compare.md (ignored by git) unless --out says otherwise.
# Missing tools (redis-server, redis-benchmark, strace) are installed with apt-get when run as
# root; Garnet is installed with `dotnet tool install` into benchmarks/results/local/tools.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command_line="bash benchmarks/resp-compare.sh$(printf ' %q' "$@")"
ROUNDS=3
REQUESTS=200000
SERVERS="redis garnet resp-1 resp-2"
WORKLOADS="c50-P1 c50-P16 c1000-P1"
STRACE=0
GARNET_VERSION=2.2.8
OUT="$root/benchmarks/results/local/resp-compare.md"
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --requests) REQUESTS=$2; shift 2 ;;
    --servers) SERVERS=$2; shift 2 ;;
    --workloads) WORKLOADS=$2; shift 2 ;;
    --strace) STRACE=1; shift ;;
    --out) OUT=$2; shift 2 ;;
    -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1' "$0"; exit 0 ;;
    *) echo "resp-compare: unknown option $1 (--help)" >&2; exit 2 ;;
  esac
done
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "resp-compare: --rounds wants a positive integer" >&2; exit 2; }
[[ "$REQUESTS" =~ ^[1-9][0-9]*$ ]] || { echo "resp-compare: --requests wants a positive integer" >&2; exit 2; }

# shellcheck source=lib.sh
. "$root/benchmarks/lib.sh"

label() {
  case "$1" in
    redis) echo "redis-server" ;;
    garnet) echo "Garnet $GARNET_VERSION" ;;
    resp-*) echo "RespServer, ${1#resp-} loop$([ "${1#resp-}" = 1 ] || echo s)" ;;
    *) return 1 ;;
  esac
}
workload_args() { # c50-P16 -> "-c 50 -P 16"
  [[ "$1" =~ ^c([0-9]+)-P([0-9]+)$ ]] || return 1
  echo "-c ${BASH_REMATCH[1]} -P ${BASH_REMATCH[2]}"
}
for s in $SERVERS; do label "$s" >/dev/null || { echo "resp-compare: unknown server '$s'" >&2; exit 2; }; done
for w in $WORKLOADS; do workload_args "$w" >/dev/null || { echo "resp-compare: workload '$w' is not like c50-P16" >&2; exit 2; }; done

need_tool redis-benchmark redis-tools
case " $SERVERS " in *" redis "*) need_tool redis-server redis-server ;; esac
[ "$STRACE" = 1 ] && need_tool strace strace
raise_fd_limit 4096 # -c 1000: a descriptor per connection at both ends

declare -A dll=()
if [[ " $SERVERS " == *" resp-"* ]]; then
  echo "resp-compare: building samples/RespServer (Release)"
  dll[resp]=$(build "$root/samples/RespServer/RespServer.csproj")
fi
garnet=""
if [[ " $SERVERS " == *" garnet "* ]]; then
  tools="$root/benchmarks/results/local/tools"
  garnet="$tools/garnet-server"
  if [ ! -x "$garnet" ] || ! dotnet tool list --tool-path "$tools" | grep -q "garnet-server *$GARNET_VERSION"; then
    echo "resp-compare: installing the garnet-server tool $GARNET_VERSION into ${tools#"$root"/}"
    dotnet tool install garnet-server --version "$GARNET_VERSION" --tool-path "$tools" >"$work/garnet-install.log" 2>&1 ||
      dotnet tool update garnet-server --version "$GARNET_VERSION" --tool-path "$tools" >>"$work/garnet-install.log" 2>&1 ||
      { cat "$work/garnet-install.log" >&2; echo "resp-compare: cannot install garnet-server $GARNET_VERSION" >&2; exit 1; }
  fi
fi

# start SERVER -> sets $server and $port once it accepts connections.
start() {
  local kind=$1
  case "$kind" in
    redis)
      port=$(free_port)
      launch "$kind" redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
        --daemonize no --dir "$work" --maxclients 10000
      await_port "$server" "$port" "$work/$kind.log" ;;
    garnet)
      port=$(free_port)
      launch "$kind" "$garnet" --bind 127.0.0.1 --port "$port" -q --disable-console-logger
      await_port "$server" "$port" "$work/$kind.log" ;;
    resp-*)
      launch "$kind" dotnet "${dll[resp]}" --host 127.0.0.1 --port 0 --loops "${kind#resp-}"
      await_listening "$server" "$work/$kind.log" ;;
  esac
}

tests="PING_INLINE PING_MBULK SET GET"
raw="$work/raw.tsv" # round workload server test rps | round workload server - cpu_s wall_s rss_kb threads errors
: >"$raw"
for round in $(seq "$ROUNDS"); do
  for w in $WORKLOADS; do
    # shellcheck disable=SC2086 # one server per word
    for kind in $(rotated "$round" $SERVERS); do
      echo "resp-compare: round $round/$ROUNDS, $w, $kind"
      if ! start "$kind"; then
        echo "resp-compare: $kind did not start" >&2
        stop "$server"
        continue
      fi
      cpu0=$(cpu_seconds "$server")
      t0=$(date +%s.%N)
      # shellcheck disable=SC2046 # workload_args is meant to split into words
      redis-benchmark -h 127.0.0.1 -p "$port" -t ping,set,get -n "$REQUESTS" $(workload_args "$w") --csv \
        >"$work/bench.csv" 2>"$work/bench.err" &
      bench=$!
      pids+=("$bench")
      watch_while "$bench" "$server"
      t1=$(date +%s.%N)
      cpu1=$(cpu_seconds "$server")
      alive=1
      kill -0 "$server" 2>/dev/null || alive=0
      stop "$server"
      errors=$(grep -ci 'error' "$work/bench.err" || true)
      [ "$watched_rc" = 0 ] || errors="$errors; redis-benchmark exit $watched_rc"
      [ "$alive" = 1 ] || errors="$errors; the server exited"
      awk -F'"' -v r="$round" -v w="$w" -v k="$kind" -v OFS='\t' \
        'NR > 1 && $2 != "" { print r, w, k, $2, $4 }' "$work/bench.csv" >>"$raw"
      printf '%s\t%s\t%s\t-\t%s\t%s\t%s\t%s\t%s\n' "$round" "$w" "$kind" \
        "$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { print b - a }')" \
        "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$peak_rss_kb" "$peak_threads" "$errors" >>"$raw"
      tail -n 4 "$work/bench.csv" | tr '\n' ' ' | sed 's/^/  /'
      echo
    done
  done
done

med() { raw_median "$raw" "$@"; } # med WORKLOAD SERVER TEST FIELD

strace_rows=()
if [ "$STRACE" = 1 ]; then
  for kind in redis resp-1; do
    echo "resp-compare: strace, c50-P16, $kind"
    start "$kind" || { stop "$server"; strace_rows+=("| $(label "$kind") | did not start | | |"); continue; }
    strace -f -c -e trace=write,writev,sendto,sendmsg -o "$work/strace.txt" -p "$server" 2>"$work/strace.err" &
    tracer=$!
    pids+=("$tracer")
    # -p -f attaches to every thread of the process; wait until it says so before loading it.
    for _ in $(seq 100); do grep -q 'attached' "$work/strace.err" && break; sleep 0.1; done
    redis-benchmark -h 127.0.0.1 -p "$port" -t ping,set,get -n "$REQUESTS" -c 50 -P 16 --csv >"$work/bench.csv" 2>&1 || true
    stop "$tracer"
    stop "$server"
    # The summary's last line: "100.00 seconds usecs/call calls [errors] total".
    calls=$(awk '$NF == "total" { print $4 }' "$work/strace.txt")
    per=$(awk -v c="${calls:-0}" -v n="$((REQUESTS * 4))" 'BEGIN { printf "%.4f", c / n }')
    detail=$(awk '$NF ~ /^(write|writev|sendto|sendmsg)$/ { printf "%s%s %s", sep, $NF, $4; sep = ", " }' "$work/strace.txt")
    strace_rows+=("| $(label "$kind") | $(grouped "${calls:-0}") | $per | $detail |")
  done
fi

cell() { # cell RPS REDIS-RPS -> "123,456 (1.02)"
  [ -n "$1" ] || { echo "-"; return; }
  if [ -n "$2" ]; then echo "$(grouped "$1") ($(awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'))"; else grouped "$1"; fi
}

mkdir -p "$(dirname "$OUT")"
{
  echo "# RESP: RespServer against redis-server and Garnet (redis-benchmark)"
  echo
  echo "Written by \`$command_line\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo "Machine: $(machine_line). redis-server $(redis-server --version 2>/dev/null | sed -n "s/.* v=\([^ ]*\).*/\1/p"), redis-benchmark $(redis-benchmark --version | awk "{ print \$2 }") (it shares the machine with the server)."
  echo "Each cell: requests/s, median of $ROUNDS round(s) (in brackets: ratio to redis-server's median). \`-n $REQUESTS\` per test,"
  echo "\`-t ping,set,get\` (PING_INLINE, PING_MBULK, SET, GET), a fresh server per run, servers alternated within each round."
  echo "Server CPU: utime + stime from /proc/PID/stat over the whole redis-benchmark run (its four tests), as % of one core and"
  echo "per request; peak RSS is the server's VmHWM, threads the most seen in /proc/PID/status during the run."
  for w in $WORKLOADS; do
    echo
    echo "## $(workload_args "$w")"
    echo
    echo "| server | PING_INLINE | PING_MBULK | SET | GET | server CPU % | CPU µs/request | peak RSS MiB | threads | notes |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    for kind in $SERVERS; do
      line="| $(label "$kind")"
      for t in $tests; do line="$line | $(cell "$(med "$w" "$kind" "$t" 5)" "$([ "$kind" = redis ] || med "$w" redis "$t" 5)")"; done
      cpu=$(med "$w" "$kind" - 5) wall=$(med "$w" "$kind" - 6)
      pct="" us=""
      if [ -n "$cpu" ]; then
        pct=$(awk -v c="$cpu" -v s="$wall" 'BEGIN { printf "%.0f", 100 * c / s }')
        us=$(awk -v c="$cpu" -v n="$((REQUESTS * 4))" 'BEGIN { printf "%.2f", c * 1e6 / n }')
      fi
      rss=$(med "$w" "$kind" - 7) thr=$(med "$w" "$kind" - 8)
      notes=$(awk -F'\t' -v w="$w" -v k="$kind" '$2 == w && $3 == k && $4 == "-" && $9 != "0" { printf "%sround %s: %s error line(s)", sep, $1, $9; sep = "; " }' "$raw")
      echo "$line | $pct | $us | $( [ -n "$rss" ] && mib "$rss") | $thr | $notes |"
    done
  done
  if [ "$ROUNDS" -gt 1 ]; then
    echo
    echo "## Round to round"
    echo
    echo "How far apart the rounds were: redis-server's lowest and highest requests/s, and each other server's ratio to"
    echo "redis-server within the same round (lowest–highest). Where a range spans 1.00, the rounds disagree on which server was faster."
    for w in $WORKLOADS; do
      echo
      echo "$(workload_args "$w"):"
      echo
      echo "| server | PING_INLINE | PING_MBULK | SET | GET |"
      echo "|---|---:|---:|---:|---:|"
      for kind in $SERVERS; do
        line="| $(label "$kind")"
        for t in $tests; do
          if [ "$kind" = redis ]; then
            spread=$(raw_spread "$raw" "$w" redis "$t" 5)
            line="$line | $(grouped "${spread%–*}")–$(grouped "${spread#*–}")"
          else line="$line | $(raw_ratio_spread "$raw" "$w" "$kind" redis "$t" 5)"; fi
        done
        echo "$line |"
      done
    done
  fi
  if [ "$STRACE" = 1 ]; then
    echo
    echo "## Write system calls per request, -c 50 -P 16"
    echo
    echo "\`strace -f -c -e trace=write,writev,sendto,sendmsg -p PID\` attached to the server during one"
    echo "\`redis-benchmark -t ping,set,get -n $REQUESTS -c 50 -P 16\` run ($((REQUESTS * 4)) requests). Each client sends 16"
    echo "requests and waits for their 16 replies, so one write per client batch (1/16 = 0.0625 per request) is the floor."
    echo
    echo "| server | write calls | per request | by call |"
    echo "|---|---:|---:|---|"
    printf '%s\n' "${strace_rows[@]}"
  fi
} >"$OUT"
echo "resp-compare: wrote ${OUT#"$root"/}"
cat "$OUT"
