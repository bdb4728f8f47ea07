# bench/lib.sh: shell helpers shared by bench/run.sh and bench/dump_bench.sh:
# start and stop bpfpind on private temporary paths, mount a scratch
# bpffs, time a command (wall and reader's peak RSS), medians, and the
# "ratio" rows the summary collects. Cleanup covers only what we started.
# Sourced, not run.

BENCH_PIDS=
BENCH_MOUNTS=

bench_die() {
	echo "bench: $*" >&2
	exit 1
}

# bench_daemon_start DIR MOUNT CPU: run bpfpind on DIR/sock, DIR/state and,
# when MOUNT is "mount", DIR/mnt; under taskset -c CPU unless CPU is -1.
# Sets BENCH_DAEMON_PID. Waits up to 20 s for it to serve.
bench_daemon_start() {
	local dir=$1 mount=$2 cpu=$3 cmd=()
	mkdir -p "$dir/state" || return 1
	[ "$cpu" = -1 ] || cmd=(taskset -c "$cpu")
	cmd+=("$BENCH_BUILDDIR/daemon/bpfpind" --foreground --socket "$dir/sock"
	      --state-dir "$dir/state" --log-level warning)
	if [ "$mount" = mount ]; then
		mkdir -p "$dir/mnt" || return 1
		cmd+=(--mount "$dir/mnt")
	else
		cmd+=(--no-mount)
	fi
	"${cmd[@]}" 2>>"$dir/log" &
	BENCH_DAEMON_PID=$!
	BENCH_PIDS="$BENCH_PIDS $BENCH_DAEMON_PID:$dir"
	for _ in $(seq 2000); do
		if ! kill -0 "$BENCH_DAEMON_PID" 2>/dev/null; then
			cat "$dir/log" >&2
			echo "bench: bpfpind died at start (log above)" >&2
			return 1
		fi
		if [ -S "$dir/sock" ] && { [ "$mount" != mount ] || mountpoint -q "$dir/mnt"; }; then
			return 0
		fi
		sleep 0.01
	done
	echo "bench: bpfpind did not come up in 20 s (see $dir/log)" >&2
	return 1
}

# bench_stop_pid PID: SIGTERM, then SIGKILL after 5 s.
bench_stop_pid() {
	kill -TERM "$1" 2>/dev/null || return 0
	for _ in $(seq 500); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.01
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# bench_daemon_stop PID:DIR: bench_stop_pid; unmount what the daemon may
# have left behind under DIR.
bench_daemon_stop() {
	local pid=${1%%:*} dir=${1#*:}
	bench_stop_pid "$pid"
	if [ -d "$dir/mnt" ] && mountpoint -q "$dir/mnt"; then umount -l "$dir/mnt"; fi
	if [ -d "$dir/state/store" ] && mountpoint -q "$dir/state/store"; then
		umount -l "$dir/state/store"
	fi
	BENCH_PIDS=$(echo "$BENCH_PIDS" | tr ' ' '\n' | grep -vxF "$1" | tr '\n' ' ')
}

# bench_bpffs_mount DIR: a scratch kernel bpffs.
bench_bpffs_mount() {
	if ! mkdir -p "$1" || ! mount -t bpf bpf "$1"; then
		bench_die "cannot mount a bpffs on $1"
	fi
	BENCH_MOUNTS="$BENCH_MOUNTS $1"
}

bench_cleanup() {
	local p m
	for p in $BENCH_PIDS; do bench_daemon_stop "$p"; done
	for m in $BENCH_MOUNTS; do mountpoint -q "$m" && umount -l "$m"; done
	BENCH_MOUNTS=
}

# bench_vmhwm PID: the process's peak RSS in kB.
bench_vmhwm() {
	awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"
}

# bench_median: the median of the numbers on stdin, one a line.
bench_median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) print 0;
		else if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# bench_div A B: A / B, as a decimal.
bench_div() {
	awk -v a="$1" -v b="$2" 'BEGIN { print (b == 0) ? 0 : a / b }'
}

# bench_time OUT CMD...: run CMD with stdout to /dev/null; append "ms kB"
# (wall time, peak RSS of CMD) to OUT. Fails if CMD fails.
bench_time() {
	local out=$1 t0 t1 rss
	shift
	t0=$EPOCHREALTIME
	/usr/bin/time -f %M -o "$out.rss" "$@" >/dev/null 2>"$out.err" ||
		{ cat "$out.err" >&2; return 1; }
	t1=$EPOCHREALTIME
	rss=$(tail -n 1 "$out.rss")
	awk -v a="$t0" -v b="$t1" -v r="$rss" \
		'BEGIN { printf "%.3f %d\n", (b - a) * 1000, r }' >>"$out"
}

# bench_row LABEL VALUE UNIT, as bench/bench.h prints it.
bench_row() {
	printf '  %-52s %10.2f %s\n' "$1" "$2" "$3"
}

# bench_ratio LABEL VALUE OP TARGET (OP: "<=", "<" or ">="), as bench.h.
bench_ratio() {
	awk -v l="$1" -v v="$2" -v op="$3" -v t="$4" 'BEGIN {
		met = (op == "<=") ? v <= t : (op == "<") ? v < t : v >= t
		miss = (op == ">=") ? t / v : v / t
		printf "ratio %-48s %8.2fx  target %s %.2fx  ", l, v, op, t
		if (met) print "met"; else printf "MISSED by %.1f%%\n", (miss - 1) * 100 }'
}
