#!/bin/bash
# tests/systemd/check_caps.sh: the capabilities of bpfpind.service, each
# checked under the real systemd of tests/systemd/run.sh: with the unit's
# whole set every operation below works, and with any one capability taken
# out (a drop-in resetting CapabilityBoundingSet= and AmbientCapabilities=
# to the rest) at least one of them fails, so none is there for nothing.
# Each line says which operations failed without which capability (the
# findings of doc/systemd.md, Capabilities).
. "$SRC/tests/systemd/lib.sh"
B() { sd_in timeout 10 bpfpin "$@"; }
UNIT=$BOX_ROOT$(prop FragmentPath)   # where run.sh put the unit
DROP=$BOX_ROOT/run/systemd/system/bpfpind.service.d
PROGS=$BOX_TEST   # tests/progs/*.bpf.o, copied into the box by run.sh
CAPS=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")
TESTCG=/sys/fs/cgroup/bpfpin-caps

# A TCP connection whose accepted end is fd 3 of a process that writes its
# pid (in the box) to /tmp/holder.pid and waits: what `sock add ... pid
# PID fd 3` takes with pidfd_getfd. Prints the pid.
holder() {
	rm -f "$BOX_ROOT/tmp/holder.pid"
	sd_in python3 -c '
import os, socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
c = socket.create_connection(s.getsockname()); a, _ = s.accept()
os.dup2(a.fileno(), 3)
open("/tmp/holder.pid.new", "w").write(str(os.getpid()))
os.rename("/tmp/holder.pid.new", "/tmp/holder.pid"); time.sleep(30)' >/dev/null 2>&1 </dev/null &
	for _ in $(seq 1 100); do [ -s "$BOX_ROOT/tmp/holder.pid" ] && break; sleep 0.05; done
	cat "$BOX_ROOT/tmp/holder.pid"
}

op() { local name=$1 out; shift
	if out=$("$@" 2>&1); then echo "$name:ok"; else echo "$name:FAIL:$(echo "$out" | tail -1)"; fi; }

# Every operation, each as NAME:ok or NAME:FAIL:why, on a fresh /c.
ops() {
	local pid
	op mount sd_in sh -c 'stat -f -c %T /run/bpfpin/fs | grep -q fuse'
	op mkdir B mkdir /c
	op sockmap-create B sockmap create /c/sm
	op mkdir-owned B mkdir /c/u
	op chown B chown 4242:4242 /c/u
	op chmod-others B chmod 0700 /c/u
	op mkdir-in-others-dir B mkdir /c/u/sub
	op load B load "$PROGS/load_plain.bpf.o" /c/ld
	sd_in mkdir -p $TESTCG
	op attach-cgroup B attach cgroup $TESTCG cgroup_inet_egress /c/ld/bump_too /c/lnk
	B detach /c/lnk >/dev/null 2>&1
	pid=$(holder)
	op sock-add-pid B sock add /c/sm key 1 pid "$pid" fd 3
	op sock-kill B sock kill /c/sm key 1
	sd_in kill "$pid" 2>/dev/null
	op dump-on-mount sd_in sh -c 'cat /run/bpfpin/fs/c/sm >/dev/null'
	# a restart rebuilds the namespace from the store, other uids' 0700
	# directories included
	op restart-with-others-dirs bash -c 'sd_in systemctl restart bpfpind.service &&
		sd_in bpfpin stat /c/u/sub'
}

# The daemon restarted with the capabilities $1 (and nothing else).
with_caps() {
	mkdir -p "$DROP"
	printf '[Service]\nCapabilityBoundingSet=\nCapabilityBoundingSet=%s\nAmbientCapabilities=\nAmbientCapabilities=%s\n' \
		"$1" "$1" > "$DROP/caps.conf"
	sc daemon-reload; sc reset-failed bpfpind.service 2>/dev/null
	sc restart bpfpind.service >/dev/null 2>&1
}

# With every capability: the tree of the last run removed.
fresh() {
	with_caps "$CAPS" && sd_in rm -rf /run/bpfpin/fs/c
}

# The daemon's last words: its last line in the journal.
last_words() {
	sd_in journalctl -b -o cat _PID="$(sc show -p ExecMainPID --value bpfpind.service)" | tail -1
}

failed_ops() { echo "$1" | grep ':FAIL' | cut -d: -f1 | tr '\n' ' '; }
why() { echo "$1" | grep ':FAIL' | cut -d: -f1,3-; }

fresh
all=$(ops)
if [ -z "$(failed_ops "$all")" ]; then ok "every operation works with the unit's capabilities ($CAPS)"
else not_ok "every operation works with the unit's capabilities" "$(why "$all")"; fi

for cap in $CAPS; do
	rest=$(echo " $CAPS " | sed "s/ $cap / /" | xargs)
	fresh || { not_ok "without $cap: a fresh start with every capability" "$(last_words)"; continue; }
	if ! with_caps "$rest"; then
		ok "without $cap: the daemon does not start ($(last_words))"
		continue
	fi
	res=$(ops)
	if [ -n "$(failed_ops "$res")" ]; then ok "without $cap: $(failed_ops "$res")fail"; why "$res" | sed 's/^/#   /'
	else not_ok "without $cap: nothing failed, so it is not needed"; fi
done
fresh
rm -f "$DROP/caps.conf"; sc daemon-reload; sc reset-failed bpfpind.service 2>/dev/null
sc stop bpfpind.service >/dev/null 2>&1
sd_in rmdir $TESTCG 2>/dev/null
[ $fails -eq 0 ]
