# Sourced by the benchmark scripts: what more than one of them needs. Sources processes.sh
# (scratch directory $work, the pids array, stop, forget, the EXIT trap) and adds building,
# starting servers, reading /proc, medians and the report header. Expects $root (the repository).
# shellcheck shell=bash
# shellcheck source=processes.sh
. "$root/benchmarks/processes.sh"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# build PROJECT -> the path of its main assembly. Release, into this run's own artifacts directory:
# other builds in the same tree (a developer's, a test run's) neither disturb it nor are disturbed.
# BENCH_ARTIFACTS=DIR keeps the builds in DIR instead, so that scripts run one after another
# rebuild only what changed (never point two scripts running at once at the same DIR).
build() {
  local project=$1 artifacts=${BENCH_ARTIFACTS:-$work/artifacts}
  dotnet build "$project" -c Release -nologo -v quiet --artifacts-path "$artifacts" >"$work/build.log" 2>&1 ||
    { cat "$work/build.log" >&2; return 1; }
  dotnet msbuild "$project" -nologo -getProperty:TargetPath -p:Configuration=Release \
    -p:UseArtifactsOutput=true -p:ArtifactsPath="$artifacts"
}

# need_tool COMMAND DEBIAN-PACKAGE: installs the package when the command is missing (apt-get
# update once per run first), or says what is missing and fails.
apt_updated=""
need_tool() {
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing $2 (for $1)" >&2
    if [ -z "$apt_updated" ]; then apt-get update -qq >&2 && apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >&2 && command -v "$1" >/dev/null 2>&1 && return 0
  fi
  echo "missing: '$1' (Debian package $2); install it with: apt-get install $2" >&2
  return 1
}

# raise_fd_limit N: at least N open descriptors for this shell and what it starts.
raise_fd_limit() {
  local need=$1
  [ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge "$need" ] && return 0
  if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt "$need" ]; then
    ulimit -Hn "$need" 2>/dev/null || echo "cannot raise the hard descriptor limit to $need (it is $(ulimit -Hn))" >&2
  fi
  ulimit -n "$need" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
}

# launch NAME COMMAND...: starts a server in the background, output to $work/NAME.log; sets $server.
launch() {
  local name=$1
  shift
  "$@" >"$work/$name.log" 2>&1 &
  server=$!
  pids+=("$server")
}

# await_listening PID LOG: waits up to 60 s for the project's "listening on HOST:PORT" line; sets $port.
await_listening() {
  local pid=$1 log=$2
  port=""
  for _ in $(seq 600); do
    port=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)[[:space:]]*$/\1/p' "$log" | head -n 1)
    [ -n "$port" ] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "no 'listening on HOST:PORT' line; its output ends with:" >&2
  tail -n 5 "$log" >&2
  return 1
}

# await_port PID PORT LOG: waits up to 60 s until 127.0.0.1:PORT accepts (servers without the line).
await_port() {
  local pid=$1 p=$2 log=$3
  for _ in $(seq 600); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "nothing accepted on 127.0.0.1:$p; its output ends with:" >&2
  tail -n 5 "$log" >&2
  return 1
}

# free_port: a port nothing listens on, for servers that cannot take port 0 (redis, Garnet, nginx).
# Drawn below the kernel's ephemeral range, so no client socket of this machine holds it either.
free_port() {
  local low p
  low=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  [ "$low" -gt 12000 ] || low=32768
  for _ in $(seq 100); do
    p=$((10000 + RANDOM % (low - 10000)))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  echo "no free port found" >&2
  return 1
}

# tree PID -> PID and its descendants (nginx's workers are children of its master).
tree() {
  local pid=$1 child
  [ -d "/proc/$pid" ] || return 0
  echo "$pid"
  for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do tree "$child"; done
}

clock_ticks=$(getconf CLK_TCK)
# cpu_seconds PID -> user + system CPU seconds of PID and its descendants so far (/proc/PID/stat).
cpu_seconds() {
  local p ticks=0 stat
  for p in $(tree "$1"); do
    stat=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    # Fields after the ")" that ends the command name: utime and stime are the 12th and 13th.
    set -- ${stat##*) }
    ticks=$((ticks + ${12} + ${13}))
  done
  awk -v t="$ticks" -v hz="$clock_ticks" 'BEGIN { printf "%.2f", t / hz }'
}

status_field() { # status_field PID FIELD -> the number in /proc/PID/status (kB for sizes)
  awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null || true
}
tree_status_sum() { # tree_status_sum PID FIELD -> the field summed over PID and its descendants
  local p sum=0 v
  for p in $(tree "$1"); do v=$(status_field "$p" "$2"); sum=$((sum + ${v:-0})); done
  echo "$sum"
}

# watch_while PID SERVER: waits for PID (a load generator) to end while sampling SERVER's threads
# and RSS every 0.2 s; then sets $peak_threads, $peak_rss_kb (the larger of the samples and the
# kernel's high-water mark VmHWM, which catches a peak between two samples) and $watched_rc
# (PID's exit status). Process trees are summed.
watch_while() {
  local load=$1 srv=$2 t r
  peak_threads=0 peak_rss_kb=0
  while kill -0 "$load" 2>/dev/null; do
    t=$(tree_status_sum "$srv" Threads); r=$(tree_status_sum "$srv" VmRSS)
    [ "$t" -gt "$peak_threads" ] && peak_threads=$t
    [ "$r" -gt "$peak_rss_kb" ] && peak_rss_kb=$r
    sleep 0.2
  done
  watched_rc=0
  wait "$load" || watched_rc=$?
  forget "$load"
  r=$(tree_status_sum "$srv" VmHWM)
  [ "$r" -gt "$peak_rss_kb" ] && peak_rss_kb=$r
  return 0
}

json_number() { # json_number FILE KEY -> the first "KEY": number in a load generator's JSON
  sed -n "s/^ *\"$2\": *\([-0-9.eE+]*\).*/\1/p" "$1" | head -n 1
}
mib() { awk -v k="${1:-0}" 'BEGIN { printf "%.1f", k / 1024 }'; }
# grouped N -> N rounded, with thousands separators (1,234,567).
grouped() {
  awk -v x="$1" 'BEGIN { if (x == "") exit; s = sprintf("%.0f", x); r = ""
    while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
    print s r }'
}
# median VALUE... -> the median (the mean of the middle two for an even count); empty for none.
median() {
  printf '%s\n' "$@" | awk 'NF' | sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) exit; if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# machine_line -> "`nproc` = 2, CPU model, Linux x, .NET SDK y", for report headers.
machine_line() {
  local cpu
  cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
  echo "\`nproc\` = $(nproc), ${cpu:-unknown CPU}, Linux $(uname -r), .NET SDK $(dotnet --version 2>/dev/null || echo '?')"
}

# rotated ROUND WORD... -> the words rotated left by ROUND - 1: servers alternated from round to
# round, so that none always runs first or right after the same one.
rotated() {
  local by=$(((($1 - 1)) % ($# - 1)))
  shift
  echo "${*:by+1} ${*:1:by}"
}

# The scripts that run rounds keep one TSV line per measurement: round, workload, server, key,
# then values. raw_median FILE WORKLOAD SERVER KEY FIELD -> the median of FIELD over the rounds.
raw_median() {
  # shellcheck disable=SC2046 # one value per word
  median $(awk -F'\t' -v w="$2" -v k="$3" -v t="$4" -v f="$5" '$2 == w && $3 == k && $4 == t { print $f }' "$1")
}
# raw_spread FILE WORKLOAD SERVER KEY FIELD -> "MIN–MAX" of FIELD over the rounds.
raw_spread() {
  awk -F'\t' -v w="$2" -v k="$3" -v t="$4" -v f="$5" '$2 == w && $3 == k && $4 == t {
      if (n++ == 0 || $f < lo) lo = $f; if (n == 1 || $f > hi) hi = $f }
    END { if (n) printf "%.0f–%.0f", lo, hi }' "$1"
}
# raw_ratio_spread FILE WORKLOAD SERVER REFERENCE KEY FIELD -> "MIN–MAX" of SERVER's FIELD over
# REFERENCE's in the same round: how far one round's verdict can be from the next one's.
raw_ratio_spread() {
  awk -F'\t' -v w="$2" -v k="$3" -v r="$4" -v t="$5" -v f="$6" '$2 == w && $4 == t {
      if ($3 == k) mine[$1] = $f; else if ($3 == r) ref[$1] = $f }
    END { for (i in mine) if ((i in ref) && ref[i] > 0) { x = mine[i] / ref[i]
            if (n++ == 0 || x < lo) lo = x; if (n == 1 || x > hi) hi = x }
          if (n) printf "%.2f–%.2f", lo, hi }' "$1"
}
