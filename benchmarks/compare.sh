#!/usr/bin/env bash
# compare: the echo matrix, every server driven by the neutral C load generator (native/echo_load).
#
# Servers: the C reference (native/echo_server), BareEcho (the same loop in C# with LibraryImport),
# the reactor with one loop and with one loop per core (samples/EchoServer), .NET async sockets
# (benchmarks/AsyncEchoServer) and thread-per-connection (samples/ClassicEchoServer --mode threaded).
# Workloads: connections {1, 64, 1000} x size {64, 4096}, one message in flight; 1000 x 64 is the
# headline. Each row starts the server as a process of its own on 127.0.0.1, port 0, and stops it
# afterwards; the load generator also records the server's CPU time (/proc/PID/stat) and the whole
# machine's during the measured window. Writes benchmarks/results/local/echo-matrix.md (ignored by
# git); OUT=benchmarks/results/echo-matrix.md replaces the committed report.
#
# Usage: benchmarks/compare.sh                    (10 s per row after 2 s warmup)
#        QUICK=1 benchmarks/compare.sh            (2 s per row after 1 s warmup)
# Environment: DURATION, WARMUP, SERVERS ("c bare reactor-1 reactor-n async threaded"),
# WORKLOADS ("1x64 1x4096 64x64 64x4096 1000x64 1000x4096"), LOAD_THREADS (1), OUT,
# OTHER_MAX (% of one core others may use during a row before it is re-run, 15), RETRIES (2),
# REPEAT (rounds of the whole matrix; each row shows its median round and the medians of its
# per-round ratios to C, 1).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The exact command, with the settings given in the environment, for the report's header.
command_line="$(for v in QUICK DURATION WARMUP SERVERS WORKLOADS LOAD_THREADS OTHER_MAX RETRIES REPEAT; do
  [ -z "${!v+x}" ] || printf '%s=%q ' "$v" "${!v}"; done)bash benchmarks/compare.sh"
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then DURATION=${DURATION:-2}; WARMUP=${WARMUP:-1}; fi
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
SERVERS=${SERVERS:-"c bare reactor-1 reactor-n async threaded"}
WORKLOADS=${WORKLOADS:-"1x64 1x4096 64x64 64x4096 1000x64 1000x4096"}
LOAD_THREADS=${LOAD_THREADS:-1}
OTHER_MAX=${OTHER_MAX:-15}
RETRIES=${RETRIES:-2}
REPEAT=${REPEAT:-1}
OUT=${OUT:-"$root/benchmarks/results/local/echo-matrix.md"}
cores=$(nproc)

label() {
  case "$1" in
    c) echo "C reference (echo_server.c)" ;;
    bare) echo "BareEcho (C# LibraryImport)" ;;
    reactor-1) echo "Reactor, 1 loop" ;;
    reactor-n) echo "Reactor, $cores loops" ;;
    async) echo ".NET async sockets" ;;
    threaded) echo "thread per connection" ;;
    *) return 1 ;;
  esac
}
project_dir() {
  case "$1" in
    bare) echo benchmarks/BareEcho ;;
    reactor-1 | reactor-n) echo samples/EchoServer ;;
    async) echo benchmarks/AsyncEchoServer ;;
    threaded) echo samples/ClassicEchoServer ;;
  esac
}
server_args() {
  case "$1" in
    reactor-1) echo "--loops 1" ;;
    reactor-n) echo "--loops $cores" ;;
    threaded) echo "--mode threaded" ;;
  esac
}

# shellcheck source=lib.sh
. "$root/benchmarks/lib.sh"

# Both ends hold one descriptor per connection; the largest workload decides.
max_conn=1
for w in $WORKLOADS; do [ "${w%x*}" -gt "$max_conn" ] && max_conn=${w%x*}; done
raise_fd_limit $((max_conn + 1024))

echo "compare: building native/echo_load and native/echo_server"
bash "$root/benchmarks/native/build.sh" >/dev/null
load="$root/benchmarks/native/bin/echo_load"

# start KIND -> sets $server (pid) and $port, or returns 1 with a reason in $why.
start() {
  local kind=$1 log="$work/$1.server.log" cmd=()
  if [ "$kind" = c ]; then
    cmd=("$root/benchmarks/native/bin/echo_server")
  else
    # shellcheck disable=SC2207 # server_args is meant to split into words
    cmd=(dotnet "${dlls[$kind]}" $(server_args "$kind"))
  fi
  launch "$kind.server" "${cmd[@]}" --host 127.0.0.1 --port 0
  await_listening "$server" "$log" 2>/dev/null && return 0
  why="did not print 'listening on HOST:PORT': $(tail -n 3 "$log" | tr '\n' ' ')"
  stop "$server"
  return 1
}

declare -A dlls=() skip=() built=()
for kind in $SERVERS; do
  label "$kind" >/dev/null || { echo "compare: unknown server '$kind'" >&2; exit 2; }
  [ "$kind" = c ] && continue
  dir=$(project_dir "$kind")
  project=""
  [ -d "$root/$dir" ] && project=$(find "$root/$dir" -maxdepth 1 -name '*.csproj' | head -n 1)
  if [ -z "$project" ]; then
    echo "compare: skipping $kind: $dir is not in the tree"
    skip[$kind]="skipped: $dir not in the tree"
    continue
  fi
  if [ -z "${built[$project]:-}" ]; then
    echo "compare: building $dir"
    built[$project]=$(build "$project") || built[$project]=failed
  fi
  if [ "${built[$project]}" = failed ]; then skip[$kind]="build failed"; else dlls[$kind]=${built[$project]}; fi
done

# measure KIND CONNS SIZE -> one TSV line: kind conns size rt/s MB/s p50 p99 server% rt-per-CPU-s others% notes
measure() {
  local kind=$1 conns=$2 size=$3 attempt json load_rc exited secs scpu ccpu mcpu other note errors mismatches rt eff
  if [ -n "${skip[$kind]:-}" ]; then
    printf '%s\t%s\t%s\t\t\t\t\t\t\t\t%s\n' "$kind" "$conns" "$size" "${skip[$kind]}"
    return
  fi
  for attempt in $(seq 0 "$RETRIES"); do
    if ! start "$kind"; then
      echo "compare: $kind $why" >&2
      printf '%s\t%s\t%s\t\t\t\t\t\t\t\t%s\n' "$kind" "$conns" "$size" "did not start"
      return
    fi
    json="$work/run.json"
    rm -f "$json"
    load_rc=0
    "$load" --host 127.0.0.1 --port "$port" --connections "$conns" --size "$size" --depth 1 \
      --threads "$LOAD_THREADS" --duration "$DURATION" --warmup "$WARMUP" --server-pid "$server" \
      --json "$json" >"$work/load.log" 2>&1 || load_rc=$?
    exited="" # the server's exit status, if it ended during the run
    if ! kill -0 "$server" 2>/dev/null; then
      exited=0
      wait "$server" 2>/dev/null || exited=$?
    fi
    stop "$server"
    if [ ! -s "$json" ]; then
      echo "compare: $kind ${conns}x$size: echo_load failed (exit $load_rc):" >&2
      tail -n 5 "$work/load.log" >&2
      printf '%s\t%s\t%s\t\t\t\t\t\t\t\t%s\n' "$kind" "$conns" "$size" "load failed (exit $load_rc)"
      return
    fi
    secs=$(json_number "$json" measuredSeconds)
    scpu=$(json_number "$json" serverCpuSeconds)
    ccpu=$(json_number "$json" clientCpuSeconds)
    mcpu=$(json_number "$json" machineCpuSeconds)
    # CPU the machine spent on neither end: other work sharing the box skews the row.
    other=$(awk -v m="$mcpu" -v s="${scpu:-0}" -v c="$ccpu" -v t="$secs" 'BEGIN { o = (m - s - c) / t * 100; printf "%.0f", o < 0 ? 0 : o }')
    note=""
    [ "$load_rc" -eq 0 ] || note="echo_load exit $load_rc; "
    [ -z "$exited" ] || note="${note}server exited with status $exited; "
    errors=$(json_number "$json" errors) mismatches=$(json_number "$json" mismatches)
    [ "$errors" = 0 ] && [ "$mismatches" = 0 ] || note="${note}$errors errors, $mismatches mismatches; "
    if [ -n "$note" ]; then
      { echo "compare: $kind ${conns}x$size: ${note%; }; the load generator's and the server's last lines:"
        tail -n 8 "$work/load.log"; tail -n 20 "$work/$kind.server.log"; } >&2
    fi
    if [ "$other" -gt "$OTHER_MAX" ] && [ "$attempt" -lt "$RETRIES" ]; then
      echo "compare: $kind ${conns}x$size: others used ${other}% of a core during the run; again after a pause" >&2
      sleep 5
      continue
    fi
    [ "$other" -le "$OTHER_MAX" ] || note="${note}noisy: others used ${other}% of a core; "
    rt=$(json_number "$json" roundTripsPerSecond)
    eff=$(awk -v r="$(json_number "$json" roundTrips)" -v s="$scpu" 'BEGIN { if (s > 0) printf "%.0f", r / s }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$conns" "$size" "$rt" \
      "$(json_number "$json" megabytesPerSecond)" "$(json_number "$json" p50)" "$(json_number "$json" p99)" \
      "$(json_number "$json" serverCpuPercent)" "$eff" "$other" "${note%; }"
    printf 'compare: %-28s %5s x %-5s %10.0f rt/s  server CPU %5s%%  others %3s%%%s\n' "$(label "$kind")" "$conns" "$size" \
      "$rt" "$(json_number "$json" serverCpuPercent)" "$other" "${note:+  (${note%; })}" >&2
    return
  done
}

echo "compare: ${DURATION}s per row after ${WARMUP}s warmup, $LOAD_THREADS load thread(s), $cores CPUs, $REPEAT round(s)"
# The machine's speed drifts (a shared host): with REPEAT > 1 the whole matrix runs that many
# times. A row shows its median round by rt/s; its ratios to C are the medians of per-round ratios,
# each against the C run of the same round and workload, minutes apart rather than a matrix apart.
raw="$work/raw.tsv" # round, workload index, server index, then measure's columns
: >"$raw"
for round in $(seq 1 "$REPEAT"); do
  [ "$REPEAT" -eq 1 ] || echo "compare: round $round of $REPEAT"
  wi=0
  for w in $WORKLOADS; do
    si=0
    for kind in $SERVERS; do
      printf '%s\t%s\t%s\t%s\n' "$round" "$wi" "$si" "$(measure "$kind" "${w%x*}" "${w#*x}")" >>"$raw"
      si=$((si + 1))
    done
    wi=$((wi + 1))
  done
done
rows="$work/rows.tsv" # measure's columns (median round), then rt/s vs C and per CPU-s vs C
awk -F'\t' -v OFS='\t' '
  function sort(a, n,   i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t } }
  function median(a, n) { if (n == 0) return ""; sort(a, n); return a[int((n + 1) / 2)] }
  {
    key = $2 SUBSEP $3; count[key]++; rec[key, count[key]] = $0
    if ($2 + 0 > maxw) maxw = $2 + 0
    if ($3 + 0 > maxs) maxs = $3 + 0
    if ($4 == "c") { crt[$1, $2] = $7; ceff[$1, $2] = $12 }
  }
  END {
    for (w = 0; w <= maxw; w++) for (s = 0; s <= maxs; s++) {
      key = w SUBSEP s; n = count[key]; if (!n) continue
      nr = 0; ne = 0; nv = 0
      for (i = 1; i <= n; i++) {
        split(rec[key, i], f, "\t")
        if (f[7] != "") { v[++nv] = f[7] + 0; byrt[f[7] + 0] = i }
        if (f[7] != "" && crt[f[1], w] > 0) r[++nr] = f[7] / crt[f[1], w]
        if (f[12] != "" && ceff[f[1], w] > 0) e[++ne] = f[12] / ceff[f[1], w]
      }
      pick = nv ? byrt[median(v, nv)] : 1
      split(rec[key, pick], f, "\t")
      line = f[4]
      for (i = 5; i <= 14; i++) line = line OFS f[i]
      if (nv > 1) line = line (f[14] != "" ? "; " : "") sprintf("%d rounds: %.0f to %.0f rt/s", nv, v[1], v[nv])
      rr = median(r, nr); ee = median(e, ne)
      print line, (rr == "" ? "" : sprintf("%.2f", rr)), (ee == "" ? "" : sprintf("%.2f", ee))
      delete byrt
    }
  }' "$raw" >"$rows"

# Markdown: rows in matrix order.
table() { # table ROWS-FILE
  echo "| server | connections | size B | rt/s | MB/s | p50 µs | p99 µs | server CPU % | rt/s vs C | rt per server CPU-s | per CPU-s vs C | others CPU % | notes |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  awk -F'\t' -v OFS=' | ' -v cores="$cores" '
    function label(k) {
      if (k == "c") return "C reference (echo_server.c)"
      if (k == "bare") return "BareEcho (C# LibraryImport)"
      if (k == "reactor-1") return "Reactor, 1 loop"
      if (k == "reactor-n") return "Reactor, " cores " loops"
      if (k == "async") return ".NET async sockets"
      if (k == "threaded") return "thread per connection"
      return k
    }
    function grouped(x,   s, r) {
      if (x == "") return ""
      s = sprintf("%.0f", x); r = ""
      while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
      return s r
    }
    { print "| " label($1), $2, $3, grouped($4), $5, $6, $7, $8, $12, grouped($9), $13, $10, $11 " |" }' "$1"
}

cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
mkdir -p "$(dirname "$OUT")"
{
  echo "# Echo matrix: every server against the same C load generator"
  echo
  echo "Written by \`$command_line\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo "Machine: \`nproc\` = $cores, ${cpu_model:-unknown CPU}, Linux $(uname -r), $(dotnet --version 2>/dev/null || echo '.NET SDK')."
  echo "Load: \`benchmarks/native/echo_load\`, $LOAD_THREADS thread(s) on the same machine, one message in flight per"
  echo "connection, every echoed byte checked, ${DURATION} s measured after ${WARMUP} s warmup; a fresh server process per row."
  echo "Server CPU % is utime + stime of the server process over the measured window (100 = one core);"
  echo "rt per server CPU-s = round trips / server CPU seconds. \"vs C\" compares with the C reference's row of"
  echo "the same workload. Others CPU % is what the machine spent on neither end (other work sharing the box;"
  echo "rows above $OTHER_MAX % are re-run up to $RETRIES times, then kept with a note)."
  [ "$REPEAT" -eq 1 ] || echo "The matrix ran $REPEAT times; each row is its median round (spread in notes), its ratios the medians of per-round ratios."
  echo
  echo "## Headline: 1000 connections x 64 B"
  echo
  awk -F'\t' '$2 == 1000 && $3 == 64' "$rows" >"$work/headline.tsv"
  if [ -s "$work/headline.tsv" ]; then table "$work/headline.tsv"; else echo "(not in WORKLOADS)"; fi
  echo
  echo "## Matrix"
  echo
  table "$rows"
} >"$OUT"
echo "compare: wrote ${OUT#"$root"/}"
cat "$OUT"
