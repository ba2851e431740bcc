#!/bin/sh
# tests/valgrind/sb-valgrind.sh — runs sigbridge under valgrind memcheck; usable as SB_BIN for the
# integration tests (`make test-valgrind`). exec, so the daemon's PID and signals are valgrind's own.
#
#   SB_VALGRIND_BIN      the real binary (default: build/sigbridge of this checkout)
#   SB_VALGRIND_LOG_DIR  one log per process, vg.<pid>.<ns>.log (default: build/valgrind); an empty log is
#                        a clean run (--quiet), exit status 97 means valgrind found an error.
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${SB_VALGRIND_BIN:-$root/build/sigbridge}
logdir=${SB_VALGRIND_LOG_DIR:-$root/build/valgrind}
mkdir -p "$logdir" || exit 2
# The PID is reused within a long run (pid_max may be 32768): the start time keeps each log apart.
stamp=$(date +%s%N)
# --soname-synonyms: the daemon is linked with tcmalloc (Makefile MALLOC): memcheck must replace its malloc
exec valgrind --quiet --error-exitcode=97 --soname-synonyms=somalloc=*tcmalloc* --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --track-fds=no --num-callers=30 \
    --suppressions="$here/sigbridge.supp" --log-file="$logdir/vg.%p.$stamp.log" "$bin" "$@"
