#!/bin/bash
# bench/run.sh: run every benchmark against its anchor in one go and print
# a summary of the ratios against their targets. Builds nothing: takes the
# build dir (`make bench` passes it). Starts its own bpfpind instances on
# temporary paths and removes them, and its mounts, even on failure.
# Usage: run.sh BUILDDIR [rpc|fuse|dump|load|sockmap...] (default: all five)
set -u -o pipefail
BENCH_SRCDIR=$(cd "$(dirname "$0")" && pwd)
. "$BENCH_SRCDIR/lib.sh"

[ $# -ge 1 ] || bench_die "usage: $0 BUILDDIR [rpc|fuse|dump|load|sockmap...]"
BENCH_BUILDDIR=$(cd "$1" && pwd) || exit 1
shift
PARTS=${*:-rpc fuse dump load sockmap}
for p in $PARTS; do
	case $p in rpc|fuse|dump|load|sockmap) ;; *) bench_die "unknown part $p (rpc, fuse, dump, load, sockmap)" ;; esac
done
B=$BENCH_BUILDDIR
[ "$(id -u)" = 0 ] || bench_die "needs root (bpf(2) and mounts)"
WORK=$(mktemp -d /tmp/bpfpin-bench.XXXXXX) || exit 1
BARE_PID= BARE_MNT=
trap 'bare_stop; bench_cleanup; rm -rf --one-file-system "$WORK"' EXIT
trap 'exit 130' INT TERM
LOG=$WORK/out
STATUS=0

fail() {
	echo "bench: $*" | tee -a "$LOG" >&2
	STATUS=1
}

# rpc_placement LABEL DAEMON_CPU CLIENT_CPU (-1: unpinned); the bare echo
# server runs where the daemon does.
rpc_placement() {
	local dir=$WORK/rpc-$1
	bench_daemon_start "$dir" no-mount "$2" || return 1
	"$B/bench/rpc_bench" --socket "$dir/sock" --bpffs "$WORK/bpffs" \
		--cpu "$3" --server-cpu "$2" --label "$1" --repeats 15 | tee -a "$LOG" ||
		fail "rpc_bench [$1] failed"
	bench_daemon_stop "$BENCH_DAEMON_PID:$dir"
}

run_rpc() {
	if [ ! -x "$B/daemon/bpfpind" ]; then
		fail "no daemon/bpfpind: only the anchors are measured"
		"$B/bench/rpc_bench" --bpffs "$WORK/bpffs" --cpu 0 --label same-cpu | tee -a "$LOG"
		"$B/bench/rpc_bench" --bpffs "$WORK/bpffs" --label unpinned | tee -a "$LOG"
		return
	fi
	rpc_placement same-cpu 0 0 || fail "rpc [same-cpu]: no daemon"
	rpc_placement cross-cpu 0 1 || fail "rpc [cross-cpu]: no daemon"
	rpc_placement unpinned -1 -1 || fail "rpc [unpinned]: no daemon"
}

# bare_start MOUNT: fuse_bench's FUSE anchor (bench/fuse_bare) on MOUNT,
# as deep as the daemon's mount. Sets BARE_PID. Waits up to 20 s.
bare_start() {
	mkdir -p "$1" || return 1
	BARE_MNT=$1
	"$B/bench/fuse_bare" "$1" 2>>"$WORK/fuse-bare.log" &
	BARE_PID=$!
	for _ in $(seq 2000); do
		kill -0 "$BARE_PID" 2>/dev/null || { cat "$WORK/fuse-bare.log" >&2; return 1; }
		mountpoint -q "$1" && return 0
		sleep 0.01
	done
	return 1
}

# bare_stop: SIGTERM (it unmounts itself), SIGKILL after 5 s, then
# detach the mount if it is still there.
bare_stop() {
	[ -n "$BARE_PID" ] || return 0
	bench_stop_pid "$BARE_PID"
	if mountpoint -q "$BARE_MNT"; then
		fusermount3 -u -z "$BARE_MNT" 2>/dev/null || umount -l "$BARE_MNT"
	fi
	BARE_PID=
}

run_fuse() {
	local dir=$WORK/fuse bare=()
	[ -x "$B/daemon/bpfpind" ] || { fail "no daemon/bpfpind: FUSE not measured"; return; }
	bench_daemon_start "$dir" mount -1 || { fail "fuse: no daemon"; return; }
	if bare_start "$WORK/fuse-bare/mnt"; then
		bare=(--bare "$WORK/fuse-bare/mnt")
	else
		fail "fuse: no bench/fuse_bare mount: bare FUSE not measured"
	fi
	echo "(fuse: daemon, bare FUSE and ls unpinned)" | tee -a "$LOG"
	"$B/bench/fuse_bench" --socket "$dir/sock" --mount "$dir/mnt" \
		--bpffs "$WORK/bpffs" "${bare[@]}" --repeats 5 | tee -a "$LOG" ||
		fail "fuse_bench failed"
	bare_stop
	bench_daemon_stop "$BENCH_DAEMON_PID:$dir"
}

run_dump() {
	if [ ! -x "$B/daemon/bpfpind" ] || [ ! -x "$B/cli/bpfpin" ]; then
		fail "no daemon/bpfpind or cli/bpfpin: dumps not measured"
		return
	fi
	"$BENCH_SRCDIR/dump_bench.sh" "$B" "$WORK" | tee -a "$LOG" || fail "dump_bench failed"
}

run_load() {
	local dir=$WORK/load obj=$B/tests/progs/load_slow.bpf.o
	[ -x "$B/daemon/bpfpind" ] || { fail "no daemon/bpfpind: load not measured"; return; }
	[ -f "$obj" ] || { fail "no $obj (make check builds it): load not measured"; return; }
	bench_daemon_start "$dir" no-mount -1 || { fail "load: no daemon"; return; }
	"$B/bench/load_bench" --socket "$dir/sock" --object "$obj" --repeats 3 |
		tee -a "$LOG" || fail "load_bench failed"
	bench_daemon_stop "$BENCH_DAEMON_PID:$dir"
}

# The sockmap paths side by side (bench/sm_bench.c), on one CPU, then
# client on cpu 0, server and proxies on cpu 1, then both ends in one
# thread on cpu 0. It loads the kernel programs bpfpind carries itself,
# and for pair-bpfpind(-lent) starts (and stops) its own bpfpind on a
# temporary directory.
run_sockmap() {
	[ -x "$B/daemon/bpfpind" ] || { fail "no daemon/bpfpind: sockmap not measured"; return; }
	"$B/bench/sm_bench" -r 9 -t 0.15 -c 0 -C 1 -P 1 -D "$B/daemon/bpfpind" |
		tee -a "$LOG" || fail "sm_bench failed"
}

for p in rpc_bench fuse_bench fuse_bare mkmap load_bench sm_bench; do
	[ -x "$B/bench/$p" ] || bench_die "$B/bench/$p missing: run make first"
done
{
	echo "bpfpin bench, $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $(nproc) CPUs"
	echo "source: $(git -C "$BENCH_SRCDIR/.." describe --always --dirty 2>/dev/null)"
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee -a "$LOG"
bench_bpffs_mount "$WORK/bpffs"
T0=$SECONDS
for p in $PARTS; do "run_$p"; done
echo
echo "summary ($((SECONDS - T0)) s; load average at end:" \
	"$(cut -d' ' -f1-3 /proc/loadavg)):"
grep -E '^ratio' "$LOG" | sed 's/^ratio /  /'
grep -E '^bench: ' "$LOG"
exit $STATUS
