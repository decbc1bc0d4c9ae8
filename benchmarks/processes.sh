# Sourced by the benchmark scripts: the processes a script started, and how they are stopped.
# Provides $work (a scratch directory), the pids array (append every background process started),
# stop PID, forget PID, and an EXIT trap that stops whatever is left and removes $work.
work=$(mktemp -d)
pids=()
# stop PID: asks the process to stop, kills it after five seconds, reaps it, forgets it.
stop() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  forget "$pid"
}
# forget PID: a reaped process is no longer ours to signal (its number may be reused).
forget() {
  local keep=() p
  for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  pids=("${keep[@]}")
}
cleanup() {
  local pid
  for pid in "${pids[@]}"; do stop "$pid"; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
