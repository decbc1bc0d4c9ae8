#!/usr/bin/env bash
# proxy-compare: the same echo traffic sent direct to an echo upstream and through TcpProxy (issue 12).
#
# Upstream: samples/EchoServer --loops 1. Proxy: samples/TcpProxy --loops 1 --upstream to it.
# Client: benchmarks/native/echo_load (C, every echoed byte checked). Workloads:
#   stream  one connection carrying 1 GiB each way (--bytes 1073741824: 1 MiB messages, 4 in flight)
#   small   1000 connections exchanging 64-byte requests and responses, one in flight each, for
#           --duration seconds after --warmup
# Each run starts fresh processes on 127.0.0.1 (port 0); direct and proxied runs alternate, the
# order swapped from round to round; the table shows medians over the rounds. Per run: MiB/s of
# echoed payload, round trips/s, p99, and the CPU time of the process the client talks to (the
# proxy when proxied, the upstream when direct) over the measured window (/proc/PID/stat, read by
# echo_load --server-pid), its peak RSS (VmHWM) and threads.
#
# Usage: benchmarks/proxy-compare.sh [--rounds 3] [--duration 10] [--warmup 2] [--stream-bytes 1073741824]
#                                    [--workloads "stream small"] [--out FILE]
# Writes benchmarks/results/local/proxy-compare.md (ignored by git) unless --out says otherwise.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command_line="bash benchmarks/proxy-compare.sh$(printf ' %q' "$@")"
ROUNDS=3
DURATION=10
WARMUP=2
STREAM_BYTES=1073741824
WORKLOADS="stream small"
OUT="$root/benchmarks/results/local/proxy-compare.md"
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --stream-bytes) STREAM_BYTES=$2; shift 2 ;;
    --workloads) WORKLOADS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1' "$0"; exit 0 ;;
    *) echo "proxy-compare: unknown option $1 (--help)" >&2; exit 2 ;;
  esac
done
for v in ROUNDS DURATION STREAM_BYTES; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || { echo "proxy-compare: $v wants a positive integer" >&2; exit 2; }
done
[[ "$WARMUP" =~ ^[0-9]+$ ]] || { echo "proxy-compare: --warmup wants a whole number of seconds" >&2; exit 2; }
for w in $WORKLOADS; do
  case "$w" in stream | small) ;; *) echo "proxy-compare: unknown workload '$w' (stream, small)" >&2; exit 2 ;; esac
done

# shellcheck source=lib.sh
. "$root/benchmarks/lib.sh"
need_tool gcc gcc
raise_fd_limit 8192 # 1000 connections: client, proxy (two each) and upstream

echo "proxy-compare: building native/echo_load, samples/EchoServer and samples/TcpProxy (Release)"
bash "$root/benchmarks/native/build.sh" >/dev/null
load="$root/benchmarks/native/bin/echo_load"
echo_dll=$(build "$root/samples/EchoServer/EchoServer.csproj")
proxy_dll=$(build "$root/samples/TcpProxy/TcpProxy.csproj")

# load_args WORKLOAD -> echo_load's arguments (the stream is bounded by bytes; --duration is its limit).
load_args() {
  case "$1" in
    stream) echo "--connections 1 --size 1048576 --depth 4 --warmup 0 --bytes $STREAM_BYTES --duration 600" ;;
    small) echo "--connections 1000 --size 64 --depth 1 --warmup $WARMUP --duration $DURATION" ;;
  esac
}

raw="$work/raw.tsv" # round workload mode - MiB/s rt/s p99us cpu_s seconds rss_kb threads notes
: >"$raw"
for round in $(seq "$ROUNDS"); do
  for w in $WORKLOADS; do
    for mode in $(rotated "$round" direct proxy); do
      echo "proxy-compare: round $round/$ROUNDS, $w, $mode"
      launch upstream dotnet "$echo_dll" --host 127.0.0.1 --port 0 --loops 1
      upstream=$server
      await_listening "$upstream" "$work/upstream.log" || { echo "proxy-compare: EchoServer did not start" >&2; exit 1; }
      target=$upstream target_port=$port
      if [ "$mode" = proxy ]; then
        launch proxy dotnet "$proxy_dll" --host 127.0.0.1 --port 0 --loops 1 --upstream "127.0.0.1:$port"
        await_listening "$server" "$work/proxy.log" || { echo "proxy-compare: TcpProxy did not start" >&2; exit 1; }
        target=$server target_port=$port
      fi
      json="$work/run.json"
      rm -f "$json"
      # shellcheck disable=SC2046 # load_args is meant to split into words
      "$load" --host 127.0.0.1 --port "$target_port" $(load_args "$w") --server-pid "$target" --json "$json" \
        >"$work/load.log" 2>&1 &
      client=$!
      pids+=("$client")
      watch_while "$client" "$target"
      alive=1
      kill -0 "$target" 2>/dev/null || alive=0
      [ "$target" = "$upstream" ] || stop "$target"
      stop "$upstream"
      notes=""
      [ "$watched_rc" = 0 ] || notes="echo_load exit $watched_rc: $(grep -E 'FAILED|echo_load:' "$work/load.log" | head -n 2 | tr '\n' ' ')"
      [ "$alive" = 1 ] || notes="$notes; the $mode target exited"
      if [ -s "$json" ]; then
        errors=$(json_number "$json" errors) mismatches=$(json_number "$json" mismatches)
        [ "$errors$mismatches" = 00 ] || notes="$notes; $errors errors, $mismatches mismatches"
        printf '%s\t%s\t%s\t-\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$w" "$mode" \
          "$(awk -v m="$(json_number "$json" megabytesPerSecond)" 'BEGIN { printf "%.1f", m * 1e6 / 1048576 }')" \
          "$(json_number "$json" roundTripsPerSecond)" "$(json_number "$json" p99)" \
          "$(json_number "$json" serverCpuSeconds)" "$(json_number "$json" measuredSeconds)" \
          "$peak_rss_kb" "$peak_threads" "$notes" >>"$raw"
      else
        printf '%s\t%s\t%s\t-\t\t\t\t\t\t\t\t%s\n' "$round" "$w" "$mode" "no report; $notes" >>"$raw"
      fi
      tail -n 1 "$raw" | cut -f 5- | sed 's/^/  /'
    done
  done
done

med() { raw_median "$raw" "$1" "$2" - "$3"; } # med WORKLOAD MODE FIELD
title() {
  case "$1" in
    stream) echo "one stream of $(awk -v b="$STREAM_BYTES" 'BEGIN { printf "%.2f GiB", b / 1073741824 }') each way (1 MiB messages, 4 in flight)" ;;
    small) echo "1000 connections x 64 B request/response, one in flight each" ;;
  esac
}
mkdir -p "$(dirname "$OUT")"
{
  echo "# TcpProxy: the same traffic direct and through the proxy"
  echo
  echo "Written by \`$command_line\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo "Machine: $(machine_line). Client: \`benchmarks/native/echo_load\` (every byte checked), sharing the machine."
  echo "Upstream: \`samples/EchoServer --loops 1\`; proxy: \`samples/TcpProxy --loops 1\`. Medians of $ROUNDS round(s), fresh processes per run."
  echo "MiB/s is echoed payload (the bytes the client got back; as many went the other way). CPU is the process the client"
  echo "connects to (the upstream when direct, the proxy when proxied) over the measured window, from /proc/PID/stat."
  for w in $WORKLOADS; do
    echo
    echo "## $(title "$w")"
    echo
    echo "| path | MiB/s | round trips/s | p99 µs | CPU of | CPU % | CPU per round trip µs | CPU s per GiB | peak RSS MiB | threads | notes |"
    echo "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---|"
    for mode in direct proxy; do
      cpu=$(med "$w" "$mode" 8) secs=$(med "$w" "$mode" 9)
      [ -n "$cpu" ] || { echo "| $mode | - | | | | | | | | | $(awk -F'\t' -v w="$w" -v m="$mode" '$2 == w && $3 == m { print $12; exit }' "$raw") |"; continue; }
      # Per round trip and per GiB from each round's own figures, then the median.
      # shellcheck disable=SC2046
      per_rt=$(median $(awk -F'\t' -v w="$w" -v m="$mode" '$2 == w && $3 == m && $6 > 0 { print $8 * 1e6 / ($6 * $9) }' "$raw"))
      # shellcheck disable=SC2046
      per_gib=$(median $(awk -F'\t' -v w="$w" -v m="$mode" '$2 == w && $3 == m && $5 > 0 { print $8 / ($5 * $9 / 1024) }' "$raw"))
      notes=$(awk -F'\t' -v w="$w" -v m="$mode" '$2 == w && $3 == m && $12 ~ /[^ ;]/ { printf "%sround %s: %s", sep, $1, $12; sep = "; " }' "$raw")
      echo "| $([ "$mode" = direct ] && echo "direct to the upstream" || echo "through TcpProxy") | $(med "$w" "$mode" 5) | $(grouped "$(med "$w" "$mode" 6)") | $(grouped "$(med "$w" "$mode" 7)") | $([ "$mode" = direct ] && echo upstream || echo proxy) | $(awk -v c="$cpu" -v s="$secs" 'BEGIN { printf "%.0f", 100 * c / s }') | $(awk -v v="$per_rt" 'BEGIN { printf "%.2f", v }') | $(awk -v v="$per_gib" 'BEGIN { printf "%.2f", v }') | $(mib "$(med "$w" "$mode" 10)") | $(med "$w" "$mode" 11) | $notes |"
    done
  done
} >"$OUT"
echo "proxy-compare: wrote ${OUT#"$root"/}"
cat "$OUT"
