#!/bin/bash
# tests/systemd/check_given.sh: given sockets live through `systemctl
# restart` and a SIGKILL under systemd: they are kept in the service's fd
# store (a restart kills every process of the cgroup, the holder too).
# Run by tests/systemd/run.sh with sd_in, SRC and BUILD set; its own
# transient unit, socket and state dir, so it runs beside the other checks.
set -u
UNIT=bpfpind-given
STATE=/var/lib/bpfpin-given
SOCK=/run/bpfpin-given.sock
fail=0
say() { echo "$@"; }
sd_in systemd-run --unit=$UNIT -p Type=notify -p NotifyAccess=main \
	-p FileDescriptorStoreMax=64 -p Restart=on-failure -p RestartSec=100ms \
	"$BUILD/daemon/bpfpind" --foreground --no-mount -s $SOCK -d $STATE >/dev/null || {
	say "not ok - $UNIT starts"; exit 1; }
restart="systemctl restart $UNIT"
# Restart=on-failure brings it back; wait until the new one is ready
kill9="systemctl kill -s KILL $UNIT && sleep 0.5 && until systemctl is-active -q $UNIT; do sleep 0.1; done"
sd_in env CLI="$BUILD/cli/bpfpin" BPFPIN_SOCKET=$SOCK UNIT=$UNIT \
	python3 "$SRC/tests/systemd/given_pair.py" "$restart" "$kill9" || fail=1
n=$(sd_in systemctl show -P NRestarts $UNIT)
[ "$n" -ge 1 ] && say "ok - Restart=on-failure restarted $UNIT after SIGKILL ($n)" ||
	{ say "not ok - $UNIT was not restarted after SIGKILL (NRestarts=$n)"; fail=1; }
# the connection's two ends closed: the daemon let go of both, in the store too
for i in $(seq 50); do fds=$(sd_in systemctl show -P NFileDescriptorStore $UNIT); [ "$fds" = 0 ] && break; sleep 0.1; done
[ "$fds" = 0 ] && say "ok - the fd store is empty once the connection closed" ||
	{ say "not ok - the fd store still holds $fds fds after the connection closed"; fail=1; }
sd_in systemctl stop $UNIT
sd_in sh -c "umount $STATE/store 2>/dev/null; rm -rf $STATE $SOCK"
exit $fail
