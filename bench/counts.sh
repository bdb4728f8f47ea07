#!/bin/bash
# bench/counts.sh: what one request costs in counts that load does not
# change: syscalls (strace -c -f) and user-space instructions (callgrind)
# of bpfpind and of the client (libbpfpin in bench/rpc_count), per pin, per
# get, per get_many of 253. Each figure is (count at 2N - count at N) / N,
# so start-up and set-up cancel. A fresh daemon per run, on private paths.
# Usage: counts.sh BUILDDIR [N]   (needs strace and valgrind)
set -u -o pipefail
BENCH_SRCDIR=$(cd "$(dirname "$0")" && pwd)
. "$BENCH_SRCDIR/lib.sh"

[ $# -ge 1 ] || bench_die "usage: $0 BUILDDIR [N]"
BENCH_BUILDDIR=$(cd "$1" && pwd) || exit 1
N=${2:-200}
B=$BENCH_BUILDDIR
[ "$(id -u)" = 0 ] || bench_die "needs root"
for t in strace valgrind; do command -v $t >/dev/null || bench_die "needs $t"; done
WORK=$(mktemp -d /tmp/bpfpin-counts.XXXXXX) || exit 1
trap 'bench_cleanup; rm -rf --one-file-system "$WORK"' EXIT
trap 'exit 130' INT TERM

# syscalls OUT: the total of the "calls" column of strace -c output OUT.
syscalls() {
	awk '$NF == "total" { print $(NF - 2) + 0 }' "$1"
}

# instructions OUT: the total Ir of callgrind output OUT.
instructions() {
	awk '/^(summary|totals):/ { print $2; exit }' "$1"
}

# one TOOL OP N: run rpc_count OP N with a fresh daemon, daemon and client
# both under TOOL (strace or callgrind); prints "daemon client".
one() {
	local tool=$1 op=$2 n=$3 dir=$WORK/$1-$2-$3 d c
	mkdir -p "$dir/state"
	if [ "$tool" = strace ]; then
		strace -c -f -o "$dir/daemon.out" "$B/daemon/bpfpind" --foreground \
			--socket "$dir/sock" --state-dir "$dir/state" --no-mount \
			--log-level warning 2>>"$dir/log" &
	else
		valgrind -q --tool=callgrind --callgrind-out-file="$dir/daemon.out" \
			"$B/daemon/bpfpind" --foreground --socket "$dir/sock" \
			--state-dir "$dir/state" --no-mount --log-level warning 2>>"$dir/log" &
	fi
	local pid=$!
	for _ in $(seq 3000); do [ -S "$dir/sock" ] && break; sleep 0.01; done
	if [ "$tool" = strace ]; then
		strace -c -f -o "$dir/client.out" "$B/bench/rpc_count" --socket "$dir/sock" \
			--op "$op" --n "$n" || return 1
	else
		valgrind -q --tool=callgrind --callgrind-out-file="$dir/client.out" \
			"$B/bench/rpc_count" --socket "$dir/sock" --op "$op" --n "$n" || return 1
	fi
	# strace forwards no SIGTERM: stop the daemon it traces (its child).
	if [ "$tool" = strace ]; then
		kill -TERM $(cat "/proc/$pid/task/$pid/children") 2>/dev/null
	else
		kill -TERM "$pid"
	fi
	wait "$pid"
	umount -l "$dir/state/store" 2>/dev/null
	if [ "$tool" = strace ]; then
		d=$(syscalls "$dir/daemon.out") c=$(syscalls "$dir/client.out")
	else
		d=$(instructions "$dir/daemon.out") c=$(instructions "$dir/client.out")
	fi
	echo "$d $c"
}

printf '%-10s %14s %14s %14s %14s\n' "per req" "daemon sysc" "client sysc" \
	"daemon instr" "client instr"
for op in ${COUNT_OPS:-get pin get_many}; do
	read -r s1d s1c < <(one strace "$op" "$N") || bench_die "strace $op failed"
	read -r s2d s2c < <(one strace "$op" $((2 * N))) || bench_die "strace $op failed"
	read -r i1d i1c < <(one callgrind "$op" "$N") || bench_die "callgrind $op failed"
	read -r i2d i2c < <(one callgrind "$op" $((2 * N))) || bench_die "callgrind $op failed"
	awk -v op="$op" -v n="$N" -v a="$s1d" -v b="$s2d" -v c="$s1c" -v d="$s2c" \
		-v e="$i1d" -v f="$i2d" -v g="$i1c" -v h="$i2c" 'BEGIN {
		printf "%-10s %14.2f %14.2f %14.0f %14.0f\n", op, (b - a) / n,
			(d - c) / n, (f - e) / n, (h - g) / n }'
done
