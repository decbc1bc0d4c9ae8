#!/usr/bin/env bash
# http-compare: HttpServer against Kestrel and nginx, driven by wrk (issue 15).
#
# Runs: wrk GET /plaintext with -c 32 and -c 256, each without pipelining and with 16 requests
# pipelined per write (benchmarks/http-pipeline.lua). Servers: Kestrel (benchmarks/KestrelPlaintext:
# a raw app.Run writing HttpServer's /plaintext bytes, Release, server GC, no logging), nginx
# (Debian nginx-light: 1 worker, return 200 "Hello, World!", access log off; configuration
# generated into the scratch directory, on a free port) and samples/HttpServer with --loops 1
# and --loops 2 (Release). Each measurement starts a fresh server on 127.0.0.1, warms it up with
# the same load, then measures; within a round every workload runs on every server in turn, the
# order rotated from round to round; the tables show medians over the rounds. Per run: req/s and
# p99 (wrk --latency), the server's CPU time (/proc/PID/stat utime + stime of the process and its
# children, before and after) -> CPU µs per request, peak RSS (VmHWM) and threads.
#
# Usage: benchmarks/http-compare.sh [--rounds 3] [--duration 10] [--warmup 2] [--wrk-threads 1]
#                                   [--servers "kestrel nginx http-1 http-2"]
#                                   [--workloads "c32 c256 c32-p16 c256-p16"] [--out FILE]
# Writes benchmarks/results/local/http-compare.md (ignored by git) unless --out says otherwise.
# Missing wrk and nginx are installed with apt-get when run as root.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command_line="bash benchmarks/http-compare.sh$(printf ' %q' "$@")"
ROUNDS=3
DURATION=10
WARMUP=2
WRK_THREADS=1
SERVERS="kestrel nginx http-1 http-2"
WORKLOADS="c32 c256 c32-p16 c256-p16"
OUT="$root/benchmarks/results/local/http-compare.md"
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --wrk-threads) WRK_THREADS=$2; shift 2 ;;
    --servers) SERVERS=$2; shift 2 ;;
    --workloads) WORKLOADS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1' "$0"; exit 0 ;;
    *) echo "http-compare: unknown option $1 (--help)" >&2; exit 2 ;;
  esac
done
for v in ROUNDS DURATION WRK_THREADS; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || { echo "http-compare: --${v,,} wants a positive integer" >&2; exit 2; }
done
[[ "$WARMUP" =~ ^[0-9]+$ ]] || { echo "http-compare: --warmup wants a whole number of seconds" >&2; exit 2; }

# shellcheck source=lib.sh
. "$root/benchmarks/lib.sh"

label() {
  case "$1" in
    kestrel) echo "Kestrel (raw app.Run)" ;;
    nginx) echo "nginx, 1 worker" ;;
    http-*) echo "HttpServer, ${1#http-} loop$([ "${1#http-}" = 1 ] || echo s)" ;;
    *) return 1 ;;
  esac
}
workload_args() { # c256-p16 -> "-c 256 16" (connections, pipeline depth; 1 = no pipelining)
  [[ "$1" =~ ^c([0-9]+)(-p([0-9]+))?$ ]] || return 1
  echo "${BASH_REMATCH[1]} ${BASH_REMATCH[3]:-1}"
}
workload_title() {
  local a
  read -r -a a <<<"$(workload_args "$1")"
  if [ "${a[1]}" = 1 ]; then echo "${a[0]} connections, no pipelining"; else echo "${a[0]} connections, ${a[1]} requests pipelined"; fi
}
for s in $SERVERS; do label "$s" >/dev/null || { echo "http-compare: unknown server '$s'" >&2; exit 2; }; done
for w in $WORKLOADS; do workload_args "$w" >/dev/null || { echo "http-compare: workload '$w' is not like c256 or c256-p16" >&2; exit 2; }; done

need_tool wrk wrk
case " $SERVERS " in *" nginx "*) need_tool nginx nginx-light ;; esac
raise_fd_limit 4096

declare -A dll=()
if [[ " $SERVERS " == *" kestrel "* ]]; then
  echo "http-compare: building benchmarks/KestrelPlaintext (Release)"
  dll[kestrel]=$(build "$root/benchmarks/KestrelPlaintext/KestrelPlaintext.csproj")
fi
if [[ " $SERVERS " == *" http-"* ]]; then
  echo "http-compare: building samples/HttpServer (Release)"
  dll[http]=$(build "$root/samples/HttpServer/HttpServer.csproj")
fi

# nginx_conf DIR PORT: one worker answering every request as HttpServer's /plaintext does.
nginx_conf() {
  local dir=$1 p=$2
  mkdir -p "$dir/nginx-temp"
  cat >"$dir/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  server_tokens off;
  # The default (1000) would close every wrk connection after 1000 requests; the other servers never do.
  keepalive_requests 100000000;
  client_body_temp_path $dir/nginx-temp/body;
  proxy_temp_path $dir/nginx-temp/proxy;
  fastcgi_temp_path $dir/nginx-temp/fastcgi;
  uwsgi_temp_path $dir/nginx-temp/uwsgi;
  scgi_temp_path $dir/nginx-temp/scgi;
  server {
    listen 127.0.0.1:$p;
    location / {
      default_type text/plain;
      return 200 "Hello, World!";
    }
  }
}
EOF
}

# start SERVER -> sets $server and $port once it accepts connections.
start() {
  local kind=$1
  case "$kind" in
    kestrel)
      launch "$kind" dotnet "${dll[kestrel]}" --host 127.0.0.1 --port 0
      await_listening "$server" "$work/$kind.log" ;;
    nginx)
      port=$(free_port)
      nginx_conf "$work/nginx" "$port"
      launch "$kind" nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log"
      await_port "$server" "$port" "$work/$kind.log" ;;
    http-*)
      launch "$kind" dotnet "${dll[http]}" --host 127.0.0.1 --port 0 --loops "${kind#http-}"
      await_listening "$server" "$work/$kind.log" ;;
  esac
}

# run_wrk WORKLOAD SECONDS OUTPUT: wrk in the background; sets $bench.
run_wrk() {
  local conns depth script=()
  read -r conns depth <<<"$(workload_args "$1")"
  [ "$depth" = 1 ] || script=(-s "$root/benchmarks/http-pipeline.lua")
  WRK_PIPELINE=$depth wrk -t "$WRK_THREADS" -c "$conns" -d "${2}s" --latency "${script[@]}" \
    "http://127.0.0.1:$port/plaintext" -- /plaintext >"$3" 2>&1 &
  bench=$!
  pids+=("$bench")
}

# µs from a wrk duration such as 512.00us, 1.23ms or 2.00s.
to_us() { awk -v d="$1" 'BEGIN { v = d + 0; if (d ~ /us$/) print v; else if (d ~ /ms$/) print v * 1000; else if (d ~ /s$/) print v * 1e6; else print v / 1000 }'; }

raw="$work/raw.tsv" # round workload server - rps requests p99us cpu_s seconds rss_kb threads notes
: >"$raw"
for round in $(seq "$ROUNDS"); do
  for w in $WORKLOADS; do
    # shellcheck disable=SC2086 # one server per word
    for kind in $(rotated "$round" $SERVERS); do
      echo "http-compare: round $round/$ROUNDS, $w, $kind"
      if ! start "$kind"; then
        echo "http-compare: $kind did not start" >&2
        stop "$server"
        continue
      fi
      if [ "$WARMUP" -gt 0 ]; then
        run_wrk "$w" "$WARMUP" "$work/warmup.txt"
        wait "$bench" || true
        forget "$bench"
      fi
      cpu0=$(cpu_seconds "$server")
      t0=$(date +%s.%N)
      run_wrk "$w" "$DURATION" "$work/wrk.txt"
      watch_while "$bench" "$server"
      t1=$(date +%s.%N)
      cpu1=$(cpu_seconds "$server")
      alive=1
      kill -0 "$server" 2>/dev/null || alive=0
      stop "$server"
      rps=$(awk '$1 == "Requests/sec:" { print $2 }' "$work/wrk.txt")
      requests=$(awk '$2 == "requests" && $3 == "in" { print $1 }' "$work/wrk.txt")
      # With pipelining wrk often prints 0.00us for its upper percentiles: no figure, not a zero.
      p99=$(awk '$1 == "99%" && $2 !~ /^0(\.0*)?[um]?s$/ { print $2 }' "$work/wrk.txt")
      notes=$(grep -E 'Socket errors|Non-2xx' "$work/wrk.txt" | sed 's/^ *//' | tr '\n' ' ' || true)
      [ "$watched_rc" = 0 ] || notes="$notes wrk exit $watched_rc"
      [ "$alive" = 1 ] || notes="$notes the server exited"
      printf '%s\t%s\t%s\t-\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$w" "$kind" "${rps:-}" "${requests:-0}" \
        "$([ -n "$p99" ] && to_us "$p99")" "$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { print b - a }')" \
        "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$peak_rss_kb" "$peak_threads" "$notes" >>"$raw"
      echo "  $(grouped "${rps:-0}") req/s, p99 ${p99:-?}, server CPU $(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { print b - a }') s ${notes}"
    done
  done
done

med() { raw_median "$raw" "$1" "$2" - "$3"; } # med WORKLOAD SERVER FIELD
mkdir -p "$(dirname "$OUT")"
{
  echo "# HTTP: HttpServer against Kestrel and nginx (wrk, GET /plaintext)"
  echo
  echo "Written by \`$command_line\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo "Machine: $(machine_line). $(wrk --version 2>&1 | head -n 1 | awk '{ print $1, $2 }'), $WRK_THREADS thread(s), shares the machine with the server;"
  echo "$(nginx -v 2>&1 | sed 's/^nginx version: //')."
  echo "Each row: medians of $ROUNDS round(s); a fresh server per run, warmed up for ${WARMUP} s with the same load, then ${DURATION} s measured."
  echo "Pipelined runs send 16 requests per write (\`benchmarks/http-pipeline.lua\`); wrk counts every response."
  echo "Server CPU: utime + stime (process and children) from /proc/PID/stat over the measured run, as % of one core and"
  echo "per request; peak RSS is VmHWM (summed over nginx's master and worker), threads the most seen during the run."
  echo "p99 is wrk's (\`--latency\`), median over the rounds that have one; for pipelined runs wrk times whole batches and"
  echo "often prints 0.00us for its upper percentiles, shown as \"-\"."
  for w in $WORKLOADS; do
    echo
    echo "## $(workload_title "$w")"
    echo
    echo "| server | req/s | vs Kestrel | p99 µs | server CPU % | CPU µs/request | peak RSS MiB | threads | notes |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
    kestrel_rps=$(med "$w" kestrel 5)
    for kind in $SERVERS; do
      rps=$(med "$w" "$kind" 5)
      [ -n "$rps" ] || { echo "| $(label "$kind") | - | | | | | | | no run completed |"; continue; }
      ratio=$([ -n "$kestrel_rps" ] && awk -v a="$rps" -v b="$kestrel_rps" 'BEGIN { printf "%.2f", a / b }')
      cpu=$(med "$w" "$kind" 8) secs=$(med "$w" "$kind" 9)
      pct=$(awk -v c="$cpu" -v s="$secs" 'BEGIN { printf "%.0f", 100 * c / s }')
      # CPU per request per round, then the median: the rounds' own ratios, not a ratio of medians.
      # shellcheck disable=SC2046
      us=$(median $(awk -F'\t' -v w="$w" -v k="$kind" '$2 == w && $3 == k && $6 > 0 { print $8 * 1e6 / $6 }' "$raw"))
      notes=$(awk -F'\t' -v w="$w" -v k="$kind" '$2 == w && $3 == k && $12 ~ /[^ ]/ { printf "%sround %s: %s", sep, $1, $12; sep = "; " }' "$raw")
      p99=$(med "$w" "$kind" 7)
      echo "| $(label "$kind") | $(grouped "$rps") | $ratio | $([ -n "$p99" ] && grouped "$p99" || echo "-") | $pct | $(awk -v u="$us" 'BEGIN { printf "%.2f", u }') | $(mib "$(med "$w" "$kind" 10)") | $(med "$w" "$kind" 11) | $notes |"
    done
  done
} >"$OUT"
echo "http-compare: wrote ${OUT#"$root"/}"
cat "$OUT"
