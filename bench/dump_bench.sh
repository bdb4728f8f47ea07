#!/bin/bash
# bench/dump_bench.sh: reading a whole map, bpfpind against bpftool and the
# kernel's bpffs: u32 -> u64 hash maps of 100,000 and 1,000,000 entries,
# with and without BTF; wall time and peak RSS of each reader, and the
# daemon's peak RSS growth (one fresh daemon per map).
# Usage: dump_bench.sh BUILDDIR [WORKDIR]   (sizes: $BENCH_DUMP_SIZES)
set -u -o pipefail
BENCH_SRCDIR=$(cd "$(dirname "$0")" && pwd)
. "$BENCH_SRCDIR/lib.sh"

[ $# -ge 1 ] || bench_die "usage: $0 BUILDDIR [WORKDIR]"
BENCH_BUILDDIR=$(cd "$1" && pwd) || exit 1
WORK=${2:-}
OWN_WORK=
if [ -z "$WORK" ]; then
	WORK=$(mktemp -d /tmp/bpfpin-bench.XXXXXX) || exit 1
	OWN_WORK=$WORK
fi
trap 'bench_cleanup; [ -n "$OWN_WORK" ] && rm -rf --one-file-system "$OWN_WORK"' EXIT
trap 'exit 130' INT TERM

SIZES=${BENCH_DUMP_SIZES:-100000 1000000}
KFS=$WORK/dump-bpffs
CLI=("$BENCH_BUILDDIR/cli/bpfpin")
# The CLI links the shared libbpfpin: run the binary itself, not libtool's
# wrapper script, so that a shell's start-up is not timed as the reader's.
if [ -x "$BENCH_BUILDDIR/cli/.libs/bpfpin" ]; then
	CLI=(env "LD_LIBRARY_PATH=$BENCH_BUILDDIR/lib/.libs"
	     "$BENCH_BUILDDIR/cli/.libs/bpfpin")
fi
declare -A MS

# The readers of the current map, each an array CMD_<name> (read_all
# reaches them by name).
# shellcheck disable=SC2034
set_readers() {
	local dir=$1 id=$2 kpin=$3 btf=$4
	CMD_mount_cat=(cat "$dir/mnt/m")
	CMD_bpfpin_dump=("${CLI[@]}" -s "$dir/sock" dump -j /m)
	CMD_bpftool=(bpftool -j map dump id "$id")
	CMD_kernel_cat=(cat "$kpin")
	READERS="mount_cat bpfpin_dump bpftool"
	[ "$btf" = btf ] && READERS="$READERS kernel_cat"
	return 0
}

# summarize NAME BYTES: print a reader's medians; set MS[NAME].
summarize() {
	local out=$WORK/t.$1 ms rss
	ms=$(cut -d' ' -f1 "$out" | bench_median)
	rss=$(cut -d' ' -f2 "$out" | bench_median)
	bench_row "$LABEL: $1 (${2} bytes out)" "$ms" "ms"
	bench_row "$LABEL: $1, reader peak RSS" "$(bench_div "$rss" 1024)" "MiB"
	MS[$1]=$ms
}

# read_all REPS: one untimed run of each reader (which counts its output),
# then REPS rounds that run every reader once, so that the machine's noise
# falls on all of them alike.
read_all() {
	local name
	local -A bytes
	for name in $READERS; do
		local -n reader_cmd=CMD_$name
		bytes[$name]=$("${reader_cmd[@]}" | wc -c) || return 1
		rm -f "$WORK/t.$name"
	done
	for _ in $(seq "$1"); do
		for name in $READERS; do
			local -n reader_cmd=CMD_$name
			bench_time "$WORK/t.$name" "${reader_cmd[@]}" || return 1
		done
	done
	for name in $READERS; do summarize "$name" "${bytes[$name]}"; done
}

# snapshot_kb MNTFILE: the shared memory (kB, from /proc/meminfo) that
# one open of MNTFILE holds, which neither the daemon's VmHWM nor the
# reader's RSS would show. bpfpind spools the dump to an unlinked file in
# its state dir (reclaimable page cache), so this should read 0; it once
# was the whole document, in a memfd.
snapshot_kb() {
	local fd s0 s1
	s0=$(awk '/^Shmem:/ { print $2 }' /proc/meminfo)
	exec {fd}<"$1" || return 1
	read -r -N 1 -u "$fd" _
	s1=$(awk '/^Shmem:/ { print $2 }' /proc/meminfo)
	exec {fd}<&-
	echo $((s1 - s0))
}

# check_count FILE N: the dump must hold N entries.
check_count() {
	local n
	n=$(jq length "$1") || return 1
	[ "$n" = "$2" ] || { echo "bench: $1 has $n entries, not $2" >&2; return 1; }
}

report_ratios() {
	bench_ratio "dump $LABEL: bpftool -j / mount cat" \
		"$(bench_div "${MS[bpftool]}" "${MS[mount_cat]}")" ">=" 8
	if [ "$1" = btf ]; then
		bench_ratio "dump $LABEL: kernel bpffs cat / mount cat" \
			"$(bench_div "${MS[kernel_cat]}" "${MS[mount_cat]}")" ">=" 2.5
	fi
	printf '  (no target) bpftool -j / bpfpin dump -j %.2fx\n' \
		"$(bench_div "${MS[bpftool]}" "${MS[bpfpin_dump]}")"
}

# one_map SIZE BTF: a fresh daemon, the map, its readers, the daemon's
# peak RSS before and after the reads. The caller stops the daemon.
one_map() {
	local size=$1 btf=$2 dir=$WORK/dump-$1-$2 reps=7 id pid hwm0 hwm1 shm
	local kpin=$KFS/m-$size-$btf flags=()
	[ "$size" -ge 1000000 ] && reps=5
	[ "$btf" = btf ] && flags=(--btf --bpffs-path "$kpin")
	LABEL="$size $btf"
	bench_daemon_start "$dir" mount -1 || return 1
	pid=$BENCH_DAEMON_PID
	id=$("$BENCH_BUILDDIR/bench/mkmap" --socket "$dir/sock" --path /m \
		--entries "$size" "${flags[@]}") || return 1
	hwm0=$(bench_vmhwm "$pid")
	echo "dump: $size entries, $btf, map id $id, median of $reps (daemon unpinned)"
	set_readers "$dir" "$id" "$kpin" "$btf"
	read_all "$reps" || return 1
	# jq is slow on the big maps: the entry count is checked on the small.
	if [ "$size" -le 100000 ]; then
		cat "$dir/mnt/m" >"$WORK/check.json" || return 1
		check_count "$WORK/check.json" "$size" || return 1
	fi
	hwm1=$(bench_vmhwm "$pid")
	shm=$(snapshot_kb "$dir/mnt/m") || return 1
	bench_row "$LABEL: daemon VmHWM after pinning" "$(bench_div "$hwm0" 1024)" MiB
	bench_row "$LABEL: daemon VmHWM growth over the reads" \
		"$(bench_div "$((hwm1 - hwm0))" 1024)" MiB
	bench_row "$LABEL: shared memory per mount open" \
		"$(bench_div "$shm" 1024)" MiB
	report_ratios "$btf"
}

command -v bpftool >/dev/null || bench_die "bpftool not found"
[ -x /usr/bin/time ] || bench_die "/usr/bin/time not found: apt-get install time"
bench_bpffs_mount "$KFS"
status=0
for size in $SIZES; do
	for btf in raw btf; do
		one_map "$size" "$btf" || { echo "bench: dump $size $btf failed" >&2; status=1; }
		for p in $BENCH_PIDS; do bench_daemon_stop "$p"; done
		rm -f "$KFS/m-$size-$btf"
	done
done
exit $status
