#!/bin/bash
# bench/crash_load.sh: the crash-under-load test at bench length: four
# clients of two uids pin, rename and unpin while bpfpind is SIGKILLed at
# random instants and restarted, 200 cycles (CI runs the same test with
# 20: tests/test_crash_load.c). Builds nothing; the test starts its own
# bpfpind on a fresh /tmp dir and removes it.
# Usage: crash_load.sh BUILDDIR [CYCLES]
set -u -o pipefail
BENCH_SRCDIR=$(cd "$(dirname "$0")" && pwd)
. "$BENCH_SRCDIR/lib.sh"

[ $# -ge 1 ] || bench_die "usage: $0 BUILDDIR [CYCLES]"
B=$(cd "$1" && pwd) || exit 1
CYCLES=${2:-200}
[ "$(id -u)" = 0 ] || bench_die "needs root (bpf(2), mounts, uid 65534 clients)"
[ -x "$B/tests/test_crash_load" ] ||
	bench_die "$B/tests/test_crash_load missing: make tests/test_crash_load (or make check) first"
export BPFPIND=$B/daemon/bpfpind BPFPIN_CLI=$B/cli/bpfpin \
	BPFPIN_SRCDIR=$BENCH_SRCDIR/.. BPFPIN_BUILDDIR=$B BPFPIN_CRASH_CYCLES=$CYCLES
echo "bpfpin crash-load run, $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $(nproc) CPUs"
echo "source: $(git -C "$BENCH_SRCDIR/.." describe --always --dirty 2>/dev/null), $CYCLES cycles"
cd "$B/tests" && ./test_crash_load --verbose
