#!/usr/bin/env bash
# c10k: how each echo server kind holds up under 10,000 concurrent connections.
#
# For each server kind in turn: build it in Release, start it on 127.0.0.1 with an ephemeral port
# (read from its "listening on HOST:PORT" line), record the idle process's RSS and thread count,
# drive it with EchoLoad, sample its threads and RSS during the run, then stop it. Writes a
# markdown table (headed by the exact command) to benchmarks/results/local/c10k.md, which git
# ignores; pass --out benchmarks/results/c10k.md to replace the committed report.
#
# Usage: benchmarks/c10k.sh [--connections N] [--duration S] [--warmup S] [--size BYTES]
#                           [--depth D] [--threads T] [--connect-rate R] [--servers "KIND ..."]
#                           [--out FILE]
# Every option can also be given as an environment variable (CONNECTIONS, DURATION, ...), and
# REACTOR_LOOPS sets the reactor server's --loops (default: one per core).
# Kinds: reactor (samples/EchoServer), reactor-aot (the same, published with NativeAOT),
#        threaded (samples/ClassicEchoServer --mode threaded), dotnet-async (benchmarks/AsyncEchoServer).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONNECTIONS=${CONNECTIONS:-10000}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
SIZE=${SIZE:-64}
DEPTH=${DEPTH:-1}
THREADS=${THREADS:-$(nproc)}
# Opening 10,000 connections in one burst can overflow the server's accept queue (somaxconn);
# dropped handshakes are then retried by the kernel only after a second or more.
CONNECT_RATE=${CONNECT_RATE:-2000}
SERVERS=${SERVERS:-"reactor reactor-aot threaded dotnet-async"}
# The reactor server's event loops: one per core, as the thread pool of the async server has.
REACTOR_LOOPS=${REACTOR_LOOPS:-$(nproc)}
OUT=${OUT:-"$root/benchmarks/results/local/c10k.md"}
# The exact command, for the report's header.
command_line="$(for v in CONNECTIONS DURATION WARMUP SIZE DEPTH THREADS CONNECT_RATE SERVERS REACTOR_LOOPS; do
  [ -z "${!v+x}" ] || printf '%s=%q ' "$v" "${!v}"; done)bash benchmarks/c10k.sh$(printf ' %q' "$@")"

while [ $# -gt 0 ]; do
  case "$1" in
    --connections) CONNECTIONS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --size) SIZE=$2; shift 2 ;;
    --depth) DEPTH=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --connect-rate) CONNECT_RATE=$2; shift 2 ;;
    --servers) SERVERS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "c10k.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

# kind -> project directory (relative to the root) and extra server arguments.
server_dir() {
  case "$1" in
    reactor | reactor-aot) echo samples/EchoServer ;;
    threaded) echo samples/ClassicEchoServer ;;
    dotnet-async) echo benchmarks/AsyncEchoServer ;;
    *) return 1 ;;
  esac
}
server_args() {
  case "$1" in
    reactor | reactor-aot) echo "--loops $REACTOR_LOOPS" ;;
    threaded) echo "--mode threaded" ;;
    *) echo "" ;;
  esac
}

# shellcheck source=lib.sh
. "$root/benchmarks/lib.sh"

# Both ends hold one descriptor per connection, plus the runtime's own.
raise_fd_limit $((CONNECTIONS + 1024))
echo "c10k: open-file limit $(ulimit -n), $CONNECTIONS connections x $SIZE B, depth $DEPTH, ${DURATION}s after ${WARMUP}s warmup"

# Publishes a project with NativeAOT into $work/NAME and prints the path of the native executable.
publish_aot() {
  local project=$1 out="$work/$2" rid
  case "$(uname -m)" in aarch64 | arm64) rid=linux-arm64 ;; *) rid=linux-x64 ;; esac
  dotnet publish "$project" -c Release -r "$rid" -p:PublishAot=true -nologo -v quiet -o "$out" >"$work/build.log" 2>&1 \
    || { cat "$work/build.log" >&2; return 1; }
  echo "$out/$(dotnet msbuild "$project" -nologo -getProperty:AssemblyName)"
}


load_dll=$(build "$root/benchmarks/EchoLoad/EchoLoad.csproj")
rows=()

for kind in $SERVERS; do
  dir=$(server_dir "$kind") || { echo "c10k: unknown server kind '$kind'" >&2; exit 2; }
  project=""
  [ -d "$root/$dir" ] && project=$(find "$root/$dir" -maxdepth 1 -name '*.csproj' | head -n 1)
  if [ -z "$project" ]; then
    echo "c10k: skipping $kind: no project in $dir" >&2
    rows+=("| $kind | skipped: no project in $dir | | | | | | |")
    continue
  fi
  echo "c10k: building $kind ($dir)"
  if [ "${kind%-aot}" != "$kind" ]; then
    exe=$(publish_aot "$project" "$kind") && cmd=("$exe") || cmd=()
  else
    dll=$(build "$project") && cmd=(dotnet "$dll") || cmd=()
  fi
  if [ ${#cmd[@]} -eq 0 ]; then
    rows+=("| $kind | build failed | | | | | | |")
    continue
  fi

  # shellcheck disable=SC2046 # server_args is meant to split into words
  launch "$kind.server" "${cmd[@]}" $(server_args "$kind") --host 127.0.0.1 --port 0
  if ! await_listening "$server" "$work/$kind.server.log"; then
    echo "c10k: $kind did not start" >&2
    rows+=("| $kind | did not start | | | | | | |")
    stop "$server"
    continue
  fi
  sleep 1 # let start-up settle before calling the process idle
  idle_rss=$(status_field "$server" VmRSS)
  idle_threads=$(status_field "$server" Threads)
  echo "c10k: $kind listening on port $port, idle: $(mib "$idle_rss") MiB RSS, $idle_threads threads"

  json="$work/$kind.json"
  dotnet "$load_dll" --host 127.0.0.1 --port "$port" --connections "$CONNECTIONS" --size "$SIZE" \
    --depth "$DEPTH" --threads "$THREADS" --duration "$DURATION" --warmup "$WARMUP" \
    --connect-rate "$CONNECT_RATE" --json "$json" &
  load=$!
  pids+=("$load")
  watch_while "$load" "$server"
  load_rc=$watched_rc
  [ "$idle_threads" -gt "$peak_threads" ] && peak_threads=$idle_threads
  peak_rss=$peak_rss_kb
  alive=yes
  kill -0 "$server" 2>/dev/null || alive="no (it exited during the run)"
  stop "$server"

  if [ -s "$json" ]; then
    rt=$(json_number "$json" roundTripsPerSecond)
    p99=$(json_number "$json" p99)
    established=$(json_number "$json" connectionsEstablished)
    errors=$(json_number "$json" errors)
    mismatches=$(json_number "$json" mismatches)
  else
    rt="" p99="" established=0 errors="?" mismatches="?"
  fi
  note=""
  [ "$alive" = yes ] || note=" (server exited)"
  [ "$load_rc" -eq 0 ] || note="$note (EchoLoad exit $load_rc)"
  rows+=("| $kind$note | $established / $CONNECTIONS | $(printf '%.0f' "${rt:-0}") | $(printf '%.0f' "${p99:-0}") | $(mib "$idle_rss") | $(mib "$peak_rss") | $idle_threads / $peak_threads | $errors / $mismatches |")
done

mkdir -p "$(dirname "$OUT")"
{
  echo "# c10k: echo servers under $CONNECTIONS concurrent connections"
  echo
  echo "Written by \`$command_line\` on $(date -u +%Y-%m-%d)"
  echo "($(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), Linux $(uname -r), .NET SDK $(dotnet --version 2>/dev/null || echo '?'))."
  echo "Load: EchoLoad, $CONNECTIONS connections x $SIZE B, depth $DEPTH, $THREADS client loops on the same machine,"
  echo "opened at $CONNECT_RATE connections/s, measured ${DURATION}s after ${WARMUP}s warmup."
  echo "RSS peak is the server's VmHWM; threads are counted in /proc/PID/status (idle, then the peak under load)."
  echo
  echo "| server | connections | rt/s | p99 µs | idle RSS MiB | peak RSS MiB | threads idle / under load | errors / mismatches |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
} >"$OUT"
echo "c10k: wrote ${OUT#"$root"/}"
cat "$OUT"
