#!/bin/bash
# tests/package/deb-systemd.sh ROOT DEBS: the second half of test-deb.sh:
# the packages under a real systemd. Boots ROOT (a copy of the fresh
# Debian 12 root, with systemd) in systemd-nspawn, installs the .debs of
# DEBS there with apt-get, and checks what the maintainer scripts did:
# bpfpind.socket and bpfpind.service enabled and running (postinst), the
# tmpfiles directories made, bpfpin answered by the service, pins kept
# across `systemctl restart` and an upgrade; then purges and checks that the units are
# stopped and forgotten, the store unmounted, and the root's file list as
# it was before the install (what systemd itself keeps aside).
# The nspawn flags are those of tests/systemd/run.sh, which says why each.
set -u
R=$1 DEBS=$2
NAME=bpfpindeb$$
LOG=$DEBS/nspawn.log
NSPID=
say() { echo "test-deb: [systemd] $*"; }
die() { echo "test-deb: [systemd] FAIL: $*"; exit 1; }

if [ -d /sys/fs/cgroup/unified ]; then CG="/sys/fs/cgroup/systemd /sys/fs/cgroup/unified"; else CG=/sys/fs/cgroup; fi
sd_pid1() { local c; for c in $CG; do head -1 "$c/$NAME/payload/init.scope/cgroup.procs" 2>/dev/null && return 0; done; return 1; }
sd_in() { local p; p=$(sd_pid1) || return 125
	nsenter -t "$p" -m -u -i -n -p -C -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		SYSTEMD_PAGER= SYSTEMD_COLORS=0 LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
export -f sd_in sd_pid1
export CG NAME

cleanup() {
	local p
	if [ -n "$NSPID" ]; then
		timeout 10 bash -c 'sd_in systemctl poweroff' >/dev/null 2>&1
		for _ in $(seq 1 100); do kill -0 "$NSPID" 2>/dev/null || break; sleep 0.1; done
		if kill -0 "$NSPID" 2>/dev/null; then
			echo "test-deb: [systemd] nspawn $NSPID did not power off: SIGKILL"
			kill -9 "$NSPID" 2>/dev/null; sleep 0.5
		fi
	fi
	for c in $CG; do
		find "$c/$NAME" -name cgroup.procs -exec cat {} + 2>/dev/null |
			while read -r p; do kill -9 "$p" 2>/dev/null; done
		[ -d "$c/$NAME" ] && find "$c/$NAME" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
}
trap cleanup EXIT

command -v systemd-nspawn > /dev/null || die "systemd-nspawn missing: apt-get install systemd-container"
mkdir -p /run/systemd/nspawn "$R/mnt/debs"
for c in $CG; do mkdir -p "$c/$NAME"; done
(
	for c in $CG; do echo $BASHPID > "$c/$NAME/cgroup.procs"; done
	export SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1
	prop=private
	unshare -m --propagation private true 2>/dev/null || prop=unchanged
	exec unshare -m --propagation $prop sh -c 'mount -t tmpfs tmpfs /run/systemd/nspawn && exec systemd-nspawn -D "$0" -M "$1" --register=no --keep-unit --boot --console=passive --bind=/dev/fuse --bind-ro="$2:/mnt/debs" --capability=CAP_BPF,CAP_PERFMON,CAP_NET_ADMIN --system-call-filter="bpf perf_event_open pidfd_getfd"' "$R" "$NAME" "$DEBS"
) > "$LOG" 2>&1 < /dev/null &
NSPID=$!
for _ in $(seq 1 200); do
	p=$(sd_pid1) && [ -S "/proc/$p/root/run/systemd/private" ] && break
	kill -0 $NSPID 2>/dev/null || break
	sleep 0.05
done
if ! sd_pid1 > /dev/null || ! kill -0 $NSPID 2>/dev/null; then
	# (a chroot standing in for a fresh machine, say: tests/systemd/run.sh
	# falls back the same way, to its notify-socket peer)
	NSPID=
	echo "# no container could boot: $(tail -3 "$LOG" | tr '\n' ' ')"
	say "ran: the packages without systemd only (above); not under systemd"
	exit 0
fi
state=$(timeout 60 bash -c 'sd_in systemctl is-system-running --wait' 2>&1)
say "booted: $(sd_in systemctl --version | head -1), system $state"

# Every path of the box with its type, owner and mode, but what systemd,
# apt and dpkg keep about themselves and the API file systems.
snapshot() {
	sd_in sh -c 'cd / && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./run \
		-o -path ./tmp -o -path ./mnt/debs -o -path ./var/lib/dpkg -o -path ./var/lib/apt \
		-o -path ./var/cache/apt -o -path ./var/cache/debconf -o -path ./var/log \
		-o -path ./var/cache/ldconfig -o -path ./var/lib/systemd \) -prune \
		-o -printf "%p %y %u:%g %m\n"' | grep -v '^\./etc/ld\.so\.cache ' | sort
}
snapshot > "$DEBS/sd-before.txt"

say "apt-get install (postinst under systemd)"
debs=()
for f in "$DEBS"/{bpfpin,libbpfpin1,libbpfpin-dev}_*.deb; do debs+=("/mnt/debs/${f##*/}"); done
sd_in apt-get install -y -q --no-install-recommends "${debs[@]}" > "$DEBS/sd-install.log" 2>&1 ||
	{ cat "$DEBS/sd-install.log"; die "apt-get install"; }
for u in bpfpind.socket bpfpind.service; do
	[ "$(sd_in systemctl is-enabled $u)" = enabled ] || die "$u is not enabled"
	[ "$(sd_in systemctl is-active $u)" = active ] || { sd_in systemctl status $u; die "$u is not running"; }
done
for d in /run/bpfpin /var/lib/bpfpin /etc/bpfpin; do
	sd_in test -d $d || die "$d not made"
done
say "bpfpind.socket and bpfpind.service enabled and active; tmpfiles made"

sd_in bpfpin mkdir /pkg > /dev/null || die "bpfpin mkdir against the service"
sd_in bpfpin sockmap create /pkg/sm > /dev/null || die "bpfpin sockmap create against the service"
id=$(sd_in bpfpin -j stat /pkg/sm | sed -n 's/.*"id":\([0-9]*\).*/\1/p' | head -1)
sd_in systemctl restart bpfpind.service || die "systemctl restart"
id2=$(sd_in bpfpin -j stat /pkg/sm | sed -n 's/.*"id":\([0-9]*\).*/\1/p' | head -1)
[ -n "$id" ] && [ "$id" = "$id2" ] || die "the pin did not survive a restart (id '$id', then '$id2')"
sd_in systemctl status --no-pager bpfpind.service | sed -n 's/^ *Status: /Status: /p'
say "bpfpin works against the service; the pin kept its kernel id $id across a restart"

say "an upgrade (dpkg -i of the same packages: postinst configure OLD-VERSION)"
sd_in dpkg -i "${debs[@]}" > "$DEBS/sd-upgrade.log" 2>&1 || { cat "$DEBS/sd-upgrade.log"; die "dpkg -i"; }
for u in bpfpind.socket bpfpind.service; do
	[ "$(sd_in systemctl is-active $u)" = active ] || { sd_in systemctl status $u; die "$u is not running after the upgrade"; }
done
id3=$(sd_in bpfpin -j stat /pkg/sm | sed -n 's/.*"id":\([0-9]*\).*/\1/p' | head -1)
[ "$id3" = "$id" ] || die "the pin did not survive the upgrade (id '$id', then '$id3')"
say "after the upgrade: both units active, the pin kept"

say "apt-get purge (prerm, postrm under systemd)"
sd_in apt-get purge -y -q bpfpin libbpfpin1 libbpfpin-dev > "$DEBS/sd-purge.log" 2>&1 ||
	{ cat "$DEBS/sd-purge.log"; die "apt-get purge"; }
for u in bpfpind.socket bpfpind.service; do
	[ "$(sd_in systemctl is-active $u)" != active ] || die "$u still running after the purge"
done
! sd_in sh -c 'ls /etc/systemd/system/*/bpfpind.* 2>/dev/null' | grep -q . || die "unit links left in /etc/systemd/system"
! sd_in grep -q ' /var/lib/bpfpin' /proc/self/mounts || die "the store is still mounted"
for d in /run/bpfpin /var/lib/bpfpin /etc/bpfpin; do
	! sd_in test -e $d || die "$d left after the purge"
done
snapshot > "$DEBS/sd-after.txt"
diff -u "$DEBS/sd-before.txt" "$DEBS/sd-after.txt" || die "the purge left the box different from before the install"
say "purge: units stopped and forgotten, nothing left ($(wc -l < "$DEBS/sd-before.txt") paths compared)"
