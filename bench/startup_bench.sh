#!/bin/bash
# bench/startup_bench.sh: exec -> first answered hello of bpfpind over a
# store of 100,000 pins (bench/startup_bench.c does the work), median of
# 7 runs, the daemon on CPU 0 and the client on CPU 1 (taskset placement
# made by startup_bench itself with sched_setaffinity before exec).
# Builds nothing; starts its own bpfpind on a fresh /tmp dir and removes
# it, and the store's bpffs, on exit.
# Usage: startup_bench.sh BUILDDIR [PINS [RUNS]]
#   BENCH_STARTUP_MOUNT=1 also mounts the FUSE face at each start.
#   BENCH_STARTUP_BEFORE=PATH: another bpfpind (an older build), started in
#   turn with BUILDDIR's on the same store; the last ratio is its median
#   over BUILDDIR's (the speed-up).
set -u -o pipefail
BENCH_SRCDIR=$(cd "$(dirname "$0")" && pwd)
. "$BENCH_SRCDIR/lib.sh"

[ $# -ge 1 ] || bench_die "usage: $0 BUILDDIR [PINS [RUNS]]"
B=$(cd "$1" && pwd) || exit 1
PINS=${2:-100000}
RUNS=${3:-7}
[ "$(id -u)" = 0 ] || bench_die "needs root (bpf(2) and mounts)"
[ -x "$B/bench/startup_bench" ] || bench_die "$B/bench/startup_bench missing: run make first"
WORK=$(mktemp -d /tmp/bpfpin-bench.XXXXXX) || exit 1
cleanup() {
	if mountpoint -q "$WORK/mnt" 2>/dev/null; then umount -l "$WORK/mnt"; fi
	if mountpoint -q "$WORK/state/store" 2>/dev/null; then umount -l "$WORK/state/store"; fi
	rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mount=() before=()
[ "${BENCH_STARTUP_MOUNT:-0}" = 1 ] && mount=(--mount)
[ -n "${BENCH_STARTUP_BEFORE:-}" ] && before=(--daemon "$BENCH_STARTUP_BEFORE")
echo "bpfpin startup bench, $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $(nproc) CPUs"
echo "source: $(git -C "$BENCH_SRCDIR/.." describe --always --dirty 2>/dev/null)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
"$B/bench/startup_bench" --daemon "$B/daemon/bpfpind" --dir "$WORK" \
	"${before[@]}" --pins "$PINS" --runs "$RUNS" --cpu 0 --client-cpu 1 "${mount[@]}"
