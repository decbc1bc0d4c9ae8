#!/usr/bin/env bash
# Builds the native benchmark tools into benchmarks/native/bin/: echo_load (the C load generator)
# and echo_server (the reference epoll echo server). Idempotent, works from any directory.
# CC and CFLAGS may be overridden; the warnings stay errors.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CC=${CC:-gcc}
CFLAGS=${CFLAGS:-"-O2 -g"}
warn="-Wall -Wextra -Werror"
mkdir -p "$here/bin"

# shellcheck disable=SC2086 # the flag variables are meant to split into words
"$CC" $CFLAGS $warn -pthread -o "$here/bin/echo_load" "$here/echo_load.c" "$here/echo_load_run.c"
# shellcheck disable=SC2086
"$CC" $CFLAGS $warn -o "$here/bin/echo_server" "$here/echo_server.c"
echo "built $here/bin/echo_load and $here/bin/echo_server" | sed "s|$here/|benchmarks/native/|g"
