#!/bin/bash
# tests/systemd/run.sh: bpfpind under a real systemd. Boots systemd (252
# here) as PID 1 in systemd-nspawn over this host's own root with a
# volatile overlay (a tmpfs upper layer: the host is not touched),
# installs the build into it (make install DESTDIR=, copied into the
# box's root), then runs every tests/systemd/check_*.sh against it with
# sd_in (run a command inside the box) exported and SRC, BUILD, BOX_ROOT
# in the environment. Each check prints "ok N - name" or "not ok N -
# name"; this script exits non-zero if any failed. Where no container can
# boot (a chroot, no cgroup2...), it says why and runs the notify-socket
# peer test (tests/test_svc_peer) in its place.
#
# Why each nspawn flag (from ../shared/tools/systemd-box.sh):
#   --register=no --keep-unit: no system bus on the test machine;
#   a private mount namespace with a tmpfs on /run/systemd/nspawn: /run is
#     on disk here, and nspawn keeps its state there;
#   --capability=CAP_BPF,CAP_PERFMON,CAP_NET_ADMIN --system-call-filter="bpf
#     perf_event_open pidfd_getfd": the daemon needs them, and nspawn drops
#     them by default (CAP_NET_ADMIN is kept only with a private network;
#     its seccomp filter answers pidfd_getfd with EPERM): the box grants
#     what a host grants a service, so that check_caps.sh measures the
#     unit's set and not nspawn's;
#   --bind=/dev/fuse: the FUSE mount;
#   SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1: DevicePolicy= is only enforced on
#     cgroup2;
#   no --private-network: the box shares the host's network namespace.
# Privileged calls are made from units (or systemd-run), not through
# sd_in: nsenter keeps the host's capabilities and skips the box's
# seccomp filter. The CLI, an unprivileged client, runs through sd_in.
set -u
SRC=${BPFPIN_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BPFPIN_BUILDDIR:-$PWD}
NAME=bpfpinbox$$
LOG=$BUILD/tests/systemd-box.log
ROOT=/tmp/$NAME.root
STAGE=/tmp/$NAME.stage
NSPID=
export SRC BUILD NAME

if [ -d /sys/fs/cgroup/unified ]; then CG="/sys/fs/cgroup/systemd /sys/fs/cgroup/unified"; else CG=/sys/fs/cgroup; fi
export CG
sd_pid1() { local c; for c in $CG; do head -1 "$c/$NAME/payload/init.scope/cgroup.procs" 2>/dev/null && return 0; done; return 1; }
# the build's configured directories (make distcheck's are under its own
# prefix): the box's PATH starts with them
# (a make of its own: not the one running this test, whose MAKEFLAGS would
# print directories and jobserver warnings into the value)
mkvar() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -C "$BUILD" \
	-f Makefile -f - print-var V="$1" <<<'print-var: ; @echo $($(V))'; }
BOX_PATH=$(mkvar sbindir):$(mkvar bindir)
BOX_LIBDIR=$(mkvar libdir)
UNITDIR=$(mkvar systemdsystemunitdir)
TMPFILESDIR=$(mkvar tmpfilesdir)
# the checks' own files (scripts, test programs) are copied here: the
# build tree may not be visible in the box (nspawn mounts a tmpfs of its
# own on the box's /tmp)
BOX_TEST=/srv/bpfpin-test
export BOX_PATH BOX_LIBDIR BOX_TEST
sd_in() { local p; p=$(sd_pid1) || return 125
	nsenter -t "$p" -m -u -i -n -p -C -- env -i PATH="$BOX_PATH":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		SYSTEMD_PAGER= SYSTEMD_COLORS=0 LANG=C.UTF-8 "$@"; }
export -f sd_in sd_pid1

fallback() {
	echo "# no container could boot: $1"
	local peer=$BUILD/tests/test_svc_peer
	if [ -x "$peer" ]; then
		echo "# ran: the notify-socket peer test ($peer) instead of a real systemd"
		"$peer"
		exit $?
	fi
	echo "not ok 1 - no container and no notify-socket peer test ($peer) to run instead"
	exit 1
}

cleanup() {
	local p
	if [ -n "$NSPID" ]; then
		timeout 10 bash -c 'sd_in systemctl poweroff' >/dev/null 2>&1
		for _ in $(seq 1 100); do kill -0 "$NSPID" 2>/dev/null || break; sleep 0.1; done
		if kill -0 "$NSPID" 2>/dev/null; then
			echo "# nspawn $NSPID did not power off: SIGKILL"
			kill -9 "$NSPID" 2>/dev/null; sleep 0.5
		fi
	fi
	for c in $CG; do
		for p in $(cat $(find "$c/$NAME" -name cgroup.procs 2>/dev/null) 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		[ -d "$c/$NAME" ] && find "$c/$NAME" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	rmdir "$ROOT" 2>/dev/null
	rm -rf "$STAGE" "$STAGE.out"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Can a container boot here at all?
[ "$(id -u)" = 0 ] || fallback "not root"
if ! command -v systemd-nspawn >/dev/null; then
	echo "# installing systemd-container"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q systemd-container >/dev/null 2>&1 ||
		fallback "systemd-nspawn is missing and apt-get install systemd-container failed"
fi
[ -w /sys/fs/cgroup ] || fallback "/sys/fs/cgroup is not writable"

# The build, installed as a package would be, into a staging tree.
make -C "$BUILD" -s install DESTDIR="$STAGE" >"$BUILD/tests/systemd-install.log" 2>&1 ||
	{ echo "not ok 1 - make install DESTDIR=$STAGE (see tests/systemd-install.log)"; exit 1; }

mkdir -p /run/systemd/nspawn "$ROOT"
for c in $CG; do mkdir -p "$c/$NAME"; done
(
	for c in $CG; do echo $BASHPID > "$c/$NAME/cgroup.procs"; done
	export SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1
	exec unshare -m --propagation private sh -c 'mount -t tmpfs tmpfs /run/systemd/nspawn && mount --bind / "$0" && exec systemd-nspawn -D "$0" -M "$1" --register=no --keep-unit --boot --console=passive --volatile=overlay --bind=/dev/fuse --capability=CAP_BPF,CAP_PERFMON,CAP_NET_ADMIN --system-call-filter="bpf perf_event_open pidfd_getfd" systemd.mask=postgresql.service' "$ROOT" "$NAME"
) >"$LOG" 2>&1 </dev/null &
NSPID=$!
for _ in $(seq 1 200); do
	p=$(sd_pid1) && [ -S "/proc/$p/root/run/systemd/private" ] && break
	kill -0 $NSPID 2>/dev/null || break
	sleep 0.05
done
if ! p=$(sd_pid1) || ! kill -0 $NSPID 2>/dev/null; then
	NSPID=
	fallback "systemd-nspawn exited before systemd ran: $(tail -3 "$LOG" | tr '\n' ' ')"
fi
state=$(timeout 60 bash -c 'sd_in systemctl is-system-running --wait' 2>&1)
BOX_ROOT=/proc/$p/root
export BOX_ROOT
echo "# ran: under a real systemd ($(sd_in systemctl --version | head -1)) as PID 1 in systemd-nspawn, system $state (log $LOG)"

# Install: the staged tree into the box's overlay.
# (through tar: /lib and friends are symlinks into /usr there)
# Units and the tmpfiles entry where systemd looks, when the build puts
# them elsewhere (make distcheck's prefix); the checks' files in BOX_TEST.
install_box() {
	tar -C "$STAGE" -cf - . | tar -C "$BOX_ROOT" -xf - --keep-directory-symlink --no-same-owner || return 1
	case $UNITDIR in
	/lib/systemd/system | /usr/lib/systemd/system | /etc/systemd/system) ;;
	*) cp "$STAGE$UNITDIR"/bpfpind.* "$BOX_ROOT/etc/systemd/system/" || return 1 ;;
	esac
	case $TMPFILESDIR in
	/lib/tmpfiles.d | /usr/lib/tmpfiles.d) ;;
	*) cp "$STAGE$TMPFILESDIR/bpfpin.conf" "$BOX_ROOT/usr/lib/tmpfiles.d/" || return 1 ;;
	esac
	mkdir -p "$BOX_ROOT$BOX_TEST" &&
		cp "$SRC"/tests/systemd/*.py "$BUILD/bench/mkmap" "$BUILD"/tests/progs/*.bpf.o "$BOX_ROOT$BOX_TEST/" &&
		sd_in ldconfig && sd_in systemctl daemon-reload
}
install_box || { echo "not ok 1 - installing the build into the box"; exit 1; }

rc=0
# BPFPIN_SYSTEMD_CHECKS: a glob to run only some (default: all)
for check in "$SRC"/tests/systemd/${BPFPIN_SYSTEMD_CHECKS:-check_*.sh}; do
	[ -e "$check" ] || continue
	echo "# $(basename "$check")"
	bash "$check" 2>&1 | tee "$STAGE.out"; crc=${PIPESTATUS[0]}
	if [ "$crc" -ne 0 ] || grep -q '^not ok' "$STAGE.out"; then
		rc=1
	fi
done
exit $rc
