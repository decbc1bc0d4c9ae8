#!/usr/bin/env bash
# pipeline: batched output against one write per reply, on a length-prefixed request/response
# protocol (issue 13, "Measured, in benchmarks").
#
# Server: benchmarks/FramedServer (4-byte big-endian length + payload, each request answered by the
# same frame, cut by ReactorNet.Framing's LengthPrefixFramer and sent with TrySend, which on the loop thread
# joins the connection's batched output), "batched" as it is and "flush-each" with --flush-each (Flush() after every reply: the
# one-send-per-reply baseline). Load: native/echo_load --framed, 64 B payloads (68 B frames), every
# echoed byte checked. Rows: connections {1, 1000} x requests in flight per connection {1, 16}.
# Each measurement starts a fresh server on 127.0.0.1, port 0; within a round both servers run each
# row, their order alternated from round to round; the table shows medians over the rounds.
# Columns: round trips/s (echo_load), write system calls per request (the server's own count: the
# sum of every connection's TcpConnection.WriteCalls over the requests it answered, printed when it
# exits), server CPU µs per request (utime + stime over the measured window / round trips in it),
# and batched / flush-each. Targets from the issue, at depth 16: <= 0.07 write calls per request,
# >= 5x the round trips/s of flush-each.
# --compare adds the depth-1 echo check: benchmarks/compare.sh in the same run, with the C
# reference and the reactor echo server (1 loop, one per core), 1x64 and 1000x64, short rows.
#
# Usage: benchmarks/pipeline.sh [--rounds 3] [--duration 5] [--warmup 1] [--loops 1]
#                               [--rows "1x1 1x16 1000x1 1000x16"] [--compare] [--out FILE]
#        (a row is CONNECTIONSxDEPTH; --loops is the server's event loops)
# Writes benchmarks/results/local/pipeline.md (ignored by git) unless --out says otherwise.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command_line="bash benchmarks/pipeline.sh$(printf ' %q' "$@")"
ROUNDS=3
DURATION=5
WARMUP=1
LOOPS=1
ROWS="1x1 1x16 1000x1 1000x16"
COMPARE=0
SIZE=64
OUT="$root/benchmarks/results/local/pipeline.md"
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --loops) LOOPS=$2; shift 2 ;;
    --rows) ROWS=$2; shift 2 ;;
    --compare) COMPARE=1; shift ;;
    --out) OUT=$2; shift 2 ;;
    -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1' "$0"; exit 0 ;;
    *) echo "pipeline: unknown option $1 (--help)" >&2; exit 2 ;;
  esac
done
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "pipeline: --rounds wants a positive integer" >&2; exit 2; }
[[ "$LOOPS" =~ ^[1-9][0-9]*$ ]] || { echo "pipeline: --loops wants a positive integer" >&2; exit 2; }
[[ "$DURATION" =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "pipeline: --duration wants seconds" >&2; exit 2; }
[[ "$WARMUP" =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "pipeline: --warmup wants seconds" >&2; exit 2; }
max_conn=1
for r in $ROWS; do
  [[ "$r" =~ ^([1-9][0-9]*)x([1-9][0-9]*)$ ]] || { echo "pipeline: row '$r' is not like 1000x16" >&2; exit 2; }
  [ "${BASH_REMATCH[1]}" -gt "$max_conn" ] && max_conn=${BASH_REMATCH[1]}
done

# shellcheck source=lib.sh
. "$root/benchmarks/lib.sh"
raise_fd_limit $((max_conn + 1024))

echo "pipeline: building native/echo_load and benchmarks/FramedServer (Release)"
bash "$root/benchmarks/native/build.sh" >/dev/null
load="$root/benchmarks/native/bin/echo_load"
dll=$(build "$root/benchmarks/FramedServer/FramedServer.csproj")
MODES="batched flush-each"

# measure ROUND ROW MODE -> one TSV line: round row mode rt/s p50 p99 calls/request cpu-µs/request client-cpu% notes
measure() {
  local round=$1 row=$2 mode=$3 conns=${2%x*} depth=${2#*x} json="$work/run.json" rc=0 note="" flag=()
  [ "$mode" = flush-each ] && flag=(--flush-each)
  launch "$mode" dotnet "$dll" --host 127.0.0.1 --port 0 --loops "$LOOPS" "${flag[@]}"
  if ! await_listening "$server" "$work/$mode.log"; then
    stop "$server"
    printf '%s\t%s\t%s\t\t\t\t\t\t\t%s\n' "$round" "$row" "$mode" "did not start"
    return
  fi
  rm -f "$json"
  "$load" --framed --host 127.0.0.1 --port "$port" --connections "$conns" --depth "$depth" --size "$SIZE" \
    --duration "$DURATION" --warmup "$WARMUP" --server-pid "$server" --json "$json" >"$work/load.log" 2>&1 || rc=$?
  # The server counts a connection's requests and write calls when it closes; every connection is
  # closed (by the client, or by the shutdown) before it prints its totals and exits.
  stop "$server"
  if [ ! -s "$json" ]; then
    tail -n 5 "$work/load.log" >&2
    printf '%s\t%s\t%s\t\t\t\t\t\t\t%s\n' "$round" "$row" "$mode" "echo_load failed (exit $rc)"
    return
  fi
  [ "$rc" = 0 ] || note="echo_load exit $rc"
  local errors mismatches
  errors=$(json_number "$json" errors) mismatches=$(json_number "$json" mismatches)
  [ "$errors" = 0 ] && [ "$mismatches" = 0 ] || note="${note:+$note; }$errors errors, $mismatches mismatches"
  local calls
  calls=$(sed -n 's/^requests [0-9]* write-calls [0-9]* write-calls-per-request \([0-9.]*\)$/\1/p' "$work/$mode.log")
  [ -n "$calls" ] || note="${note:+$note; }no totals line from the server"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$row" "$mode" \
    "$(json_number "$json" roundTripsPerSecond)" "$(json_number "$json" p50)" "$(json_number "$json" p99)" "$calls" \
    "$(awk -v c="$(json_number "$json" serverCpuSeconds)" -v n="$(json_number "$json" roundTrips)" \
      'BEGIN { if (n > 0) printf "%.2f", c * 1e6 / n }')" \
    "$(awk -v c="$(json_number "$json" clientCpuSeconds)" -v s="$(json_number "$json" measuredSeconds)" \
      'BEGIN { if (s > 0) printf "%.0f", 100 * c / s }')" "$note"
}

raw="$work/raw.tsv"
: >"$raw"
for round in $(seq "$ROUNDS"); do
  for row in $ROWS; do
    # shellcheck disable=SC2086 # one mode per word
    for mode in $(rotated "$round" $MODES); do
      line=$(measure "$round" "$row" "$mode")
      echo "$line" >>"$raw"
      echo "$line" | awk -F'\t' '{ printf "pipeline: round %s, %s, %-10s %10.0f rt/s  %s write calls/request  %s CPU µs/request  client CPU %s%%  %s\n", $1, $2, $3, $4, $7, $8, $9, $10 }'
    done
  done
done

compare_md=""
if [ "$COMPARE" = 1 ]; then
  echo "pipeline: depth-1 echo against the C reference (compare.sh)"
  compare_md="$work/echo-matrix.md"
  # No re-runs of noisy rows (RETRIES=0): on a shared machine they only multiply the time; the
  # notes column keeps what others used.
  SERVERS="c reactor-1 reactor-n" WORKLOADS="1x64 1000x64" DURATION=$DURATION WARMUP=$WARMUP REPEAT=$ROUNDS RETRIES=0 \
    OUT="$compare_md" bash "$root/benchmarks/compare.sh" >"$work/compare.log" 2>&1 ||
    { tail -n 20 "$work/compare.log" >&2; compare_md=""; }
fi

med() { # med ROW MODE FIELD -> the median over the rounds
  # shellcheck disable=SC2046 # one value per word
  median $(awk -F'\t' -v r="$1" -v m="$2" -v f="$3" '$2 == r && $3 == m && $f != "" { print $f }' "$raw")
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b > 0) printf "%.2f", a / b }'; }

mkdir -p "$(dirname "$OUT")"
verdicts=()
{
  echo "# Pipelined request/response: batched output against one write per reply"
  echo
  echo "Written by \`$command_line\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo "Machine: $(machine_line)."
  echo "Server: \`benchmarks/FramedServer --loops $LOOPS\` (frames cut with OnData's consumed count, replies by TrySend into the batched output), and the"
  echo "same with \`--flush-each\` (Flush() after every reply). Load: \`native/echo_load --framed --size $SIZE\` (4-byte length +"
  echo "$SIZE B, every echoed byte checked), 1 thread on the same machine, $DURATION s measured after $WARMUP s warmup, a fresh"
  echo "server per measurement, the two servers alternated; medians of $ROUNDS round(s)."
  echo "Write calls per request: the server's own count (every connection's \`WriteCalls\`, whole run). CPU µs per request:"
  echo "the server's utime + stime over the measured window / round trips in it. Client CPU: echo_load's own, in the"
  echo "same window (100 = one core; near 100 the client, not the server, sets the pace)."
  echo
  echo "| connections | depth | server | round trips/s | p50 µs | p99 µs | write calls / request | server CPU µs / request | client CPU % | batched / flush-each | notes |"
  echo "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|"
  for row in $ROWS; do
    b=$(med "$row" batched 4) f=$(med "$row" flush-each 4)
    for mode in $MODES; do
      notes=$(awk -F'\t' -v r="$row" -v m="$mode" '$2 == r && $3 == m && $10 != "" { printf "%sround %s: %s", sep, $1, $10; sep = "; " }' "$raw")
      printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "${row%x*}" "${row#*x}" "$mode" \
        "$(grouped "$(med "$row" "$mode" 4)")" "$(med "$row" "$mode" 5)" "$(med "$row" "$mode" 6)" \
        "$(med "$row" "$mode" 7)" "$(med "$row" "$mode" 8)" "$(med "$row" "$mode" 9)" \
        "$([ "$mode" = batched ] && ratio "$b" "$f")" "$notes"
    done
    if [ "${row#*x}" = 16 ]; then
      calls=$(med "$row" batched 7) x=$(ratio "$b" "$f")
      verdicts+=("- ${row%x*} connection(s), depth 16: $calls write calls per request (target <= 0.07: $(awk -v c="${calls:-9}" 'BEGIN { print (c <= 0.07 ? "met" : "NOT met") }')), ${x:-?}x flush-each (target >= 5x: $(awk -v x="${x:-0}" 'BEGIN { print (x >= 5 ? "met" : "NOT met") }')).")
    fi
  done
  if [ "${#verdicts[@]}" -gt 0 ]; then
    echo
    echo "Targets (issue 13):"
    echo
    printf '%s\n' "${verdicts[@]}"
  fi
  if [ -n "$compare_md" ]; then
    echo
    echo "## Depth 1: plain echo against the C reference (compare.sh, same run)"
    echo
    sed -n 's/^Written by `\(.*\)` on .*/`\1`, medians of the rounds:/p' "$compare_md"
    sed -n '/^## Matrix/,$p' "$compare_md" | tail -n +2
  fi
} >"$OUT"
echo "pipeline: wrote ${OUT#"$root"/}"
cat "$OUT"
