#!/bin/bash
# tests/systemd/check_service.sh: bpfpind.service and bpfpind.socket under
# the real systemd of tests/systemd/run.sh (sd_in runs a command in its
# box): the units verify; READY comes after the socket answers and the
# mount is up; STATUS shows; a reload re-reads the configuration (and a bad
# file keeps the running one); restart and SIGKILL keep every pin; socket
# activation starts the daemon; the watchdog restarts a stopped loop.
. "$SRC/tests/systemd/lib.sh"
# the daemon's default configuration file, as its --help says
CONF=$BOX_ROOT$(sd_in bpfpind --help | sed -n 's/.*(default \(\/.*bpfpind\.conf\);.*/\1/p')
UNITS=$(dirname "$(prop FragmentPath)")   # where run.sh put the units

t_verify() {
	local out
	out=$(sd_in systemd-analyze verify $UNITS/bpfpind.service $UNITS/bpfpind.socket 2>&1)
	[ -z "$out" ] || { echo "$out"; return 1; }
}

# The tmpfiles.d entry make install put in place makes the directories
# (with none of the units running: /run/bpfpin removed, the state dir
# given a wrong mode first).
t_tmpfiles() {
	local f
	f=$(sd_in sh -c 'ls /usr/lib/tmpfiles.d/bpfpin.conf /lib/tmpfiles.d/bpfpin.conf 2>/dev/null' | head -1)
	[ -n "$f" ] || { echo "no tmpfiles.d/bpfpin.conf installed"; return 1; }
	sc stop bpfpind.service bpfpind.socket
	sd_in grep -q ' /run/bpfpin/' /proc/self/mounts && { echo "a mount left under /run/bpfpin"; return 1; }
	sd_in rm -rf --one-file-system /run/bpfpin
	sd_in mkdir -p /var/lib/bpfpin && sd_in chmod 755 /var/lib/bpfpin
	sd_in systemd-tmpfiles --create "$f" || return 1
	[ "$(sd_in stat -c %a /run/bpfpin)" = 755 ] && [ "$(sd_in stat -c %a /var/lib/bpfpin)" = 700 ] &&
		sd_in test -d "${CONF#$BOX_ROOT}" -o -d "$(dirname "${CONF#$BOX_ROOT}")" ||
		{ sd_in ls -ld /run/bpfpin /var/lib/bpfpin "$(dirname "${CONF#$BOX_ROOT}")"; return 1; }
}

# systemctl start returns once READY=1 came: the socket answers at once,
# the mount is the daemon's FUSE mount on the host side (outside the
# service: no mount namespace of its own), and in the journal (ordered by
# the time each line came in) systemd saw READY ("Started") only after the
# daemon listened and mounted.
t_start_ready() {
	sc start bpfpind.service || return 1
	B ls / >/dev/null || { echo "no answer right after start"; return 1; }
	sd_in stat -f -c %T /run/bpfpin/fs | grep -q fuse ||
		{ echo "/run/bpfpin/fs is no FUSE mount: $(sd_in stat -f -c %T /run/bpfpin/fs)"; return 1; }
	[ "$(prop ActiveState)" = active ] || { prop ActiveState; return 1; }
	local j order id
	id=$(prop InvocationID)
	j=$(sd_in journalctl -b -o short-monotonic _SYSTEMD_INVOCATION_ID="$id" + INVOCATION_ID="$id" |
		sed "s/^\[ *//" | sort -s -n -k1,1)
	order=$(echo "$j" | grep -o 'listening on /run/bpfpin/bpfpind.sock\|mounted on /run/bpfpin/fs\|the mount answers\|Started bpfpind.service' | tr '\n' ,)
	[ "$order" = "listening on /run/bpfpin/bpfpind.sock,mounted on /run/bpfpin/fs,the mount answers,Started bpfpind.service," ] ||
		{ echo "order: $order"; echo "$j"; return 1; }
}

t_status() {
	B mkdir /st1 && B mkdir /st2 || return 1
	until_ok 40 bash -c 'sd_in systemctl status bpfpind.service | grep -q "Status: \"serving: [0-9]* pins, [0-9]* dirs, [0-9]* symlinks, [0-9]* connections\""' ||
		{ sc status bpfpind.service; return 1; }
	local dirs pins
	dirs=$(B ls -l -R / | grep -c '^d')
	pins=$(B ls -l -R / | grep -c '^-')
	until_ok 40 bash -c "sd_in systemctl status bpfpind.service | grep -q 'Status: \"serving: $pins pins, $dirs dirs, '" ||
		{ echo "want $pins pins, $dirs dirs"; B ls -l -R /; sc status bpfpind.service; return 1; }
}

nodes_limit() { B limits uid 4242 | awk '$1 == "nodes" { print $NF }'; }

t_reload() {
	mkdir -p "$(dirname "$CONF")"
	echo "max-nodes-per-uid = 77" > "$CONF" && chmod 644 "$CONF"
	sc reload bpfpind.service || return 1
	until_ok 50 bash -c '[ "$(sd_in bpfpin limits uid 4242 | awk '\''$1 == "nodes" { print $NF }'\'')" = 77 ]' ||
		{ B limits uid 4242; return 1; }
	[ "$(prop ActiveState)" = active ] || return 1
}

t_reload_bad_keeps() {
	local pid
	pid=$(main_pid)
	printf 'max-nodes-per-uid = 99\nbogus-option = 1\n' > "$CONF" && chmod 644 "$CONF"
	sc reload bpfpind.service || return 1
	until_ok 50 bash -c 'sd_in journalctl -b -o cat -u bpfpind.service | grep -q "bpfpind.conf:2: unknown option .bogus-option.: the running configuration is kept"' ||
		{ sd_in journalctl -b -o cat -u bpfpind.service | tail; return 1; }
	rm -f "$CONF"
	[ "$(nodes_limit)" = 77 ] || { echo "limit now $(nodes_limit)"; return 1; }
	[ "$(main_pid)" = "$pid" ] && [ "$(prop ActiveState)" = active ]
}

PINS="/keep/a /keep/b /top"
pin_ids() { local p; for p in $PINS; do printf '%s=%s ' "$p" "$(kid "$p")"; done; }

t_pins_made() {
	B mkdir /keep && B sockmap create /keep/a && B sockmap create /keep/b &&
		B sockmap create /top || return 1
	IDS=$(pin_ids)
	echo "$IDS" | grep -q '=[0-9]' || { echo "$IDS"; return 1; }
	echo "$IDS" > "$BOX_ROOT/tmp/ids"
}

t_restart_keeps() {
	local pid
	pid=$(main_pid)
	sc restart bpfpind.service || return 1
	[ "$(main_pid)" != "$pid" ] || { echo "same pid $pid"; return 1; }
	B ls / >/dev/null || return 1
	[ "$(pin_ids)" = "$(cat "$BOX_ROOT/tmp/ids")" ] || { echo "before: $(cat "$BOX_ROOT/tmp/ids")"; echo "after:  $(pin_ids)"; return 1; }
}

t_sigkill_keeps() {
	sigkill_and_back || return 1
	[ "$(pin_ids)" = "$(cat "$BOX_ROOT/tmp/ids")" ] || { echo "before: $(cat "$BOX_ROOT/tmp/ids")"; echo "after:  $(pin_ids)"; return 1; }
}

t_socket_activation() {
	sc stop bpfpind.service bpfpind.socket || return 1
	sd_in test ! -S /run/bpfpin/bpfpind.sock || { echo "socket left after stop"; return 1; }
	sc start bpfpind.socket || return 1
	! sc is-active -q bpfpind.service || { echo "service already active"; return 1; }
	B ls / || { echo "no answer on the activated socket"; return 1; }
	sc is-active -q bpfpind.service || { prop ActiveState; return 1; }
	sd_in journalctl -b -o cat -u bpfpind.service | grep -q 'closing fd' && { echo "an fd was not taken"; return 1; }
	[ "$(pin_ids)" = "$(cat "$BOX_ROOT/tmp/ids")" ] || return 1
	sc stop bpfpind.service bpfpind.socket
}

t_watchdog() {
	local d=$BOX_ROOT/run/systemd/system/bpfpind.service.d pid r
	mkdir -p "$d" && printf '[Service]\nWatchdogSec=2\n' > "$d/watchdog.conf"
	sc daemon-reload && sc start bpfpind.service || return 1
	pid=$(main_pid); r=$(prop NRestarts)
	[ "$(prop WatchdogUSec)" = 2s ] || { echo "WatchdogUSec $(prop WatchdogUSec)"; return 1; }
	sleep 3   # alive past one WatchdogSec: the keep-alives arrive
	[ "$(main_pid)" = "$pid" ] || { echo "restarted while its loop ran"; return 1; }
	sd_in kill -STOP "$pid"
	until_ok 150 bash -c "[ \"\$(sd_in systemctl show -p MainPID --value bpfpind.service)\" != $pid ] && sd_in systemctl is-active -q bpfpind.service" ||
		{ sc status bpfpind.service; return 1; }
	[ "$(prop NRestarts)" -gt "$r" ] || return 1
	sd_in journalctl -b -o cat -u bpfpind.service | grep -q 'Watchdog timeout' ||
		{ echo "no watchdog timeout in the journal"; return 1; }
	rm -f "$d/watchdog.conf"; sc daemon-reload
	[ "$(pin_ids)" = "$(cat "$BOX_ROOT/tmp/ids")" ]
}

t_stop_unmounts() {
	sc start bpfpind.service && sc stop bpfpind.service || return 1
	[ "$(prop Result)" = success ] || { prop Result; return 1; }
	! sd_in grep -q " /run/bpfpin/fs " /proc/self/mounts || { echo "still mounted"; return 1; }
}

check "systemd-analyze verify bpfpind.service bpfpind.socket" t_verify
check "the tmpfiles.d entry makes /run/bpfpin, /var/lib/bpfpin and the configuration's directory" t_tmpfiles
check "start returns when READY: the socket answers, the mount is up on the host side" t_start_ready
check "systemctl status shows the STATUS line with the node count" t_status
check "pins made" t_pins_made
check "systemctl reload re-reads bpfpind.conf (a limit changes live)" t_reload
check "a bad file at reload is refused with its line, the running config kept" t_reload_bad_keeps
check "systemctl restart keeps every pin (same kernel ids)" t_restart_keeps
check "SIGKILL: Restart=on-failure starts it again, every pin kept" t_sigkill_keeps
check "socket activation starts the daemon on the first connection" t_socket_activation
check "the watchdog restarts a daemon whose loop is stopped (SIGSTOP)" t_watchdog
check "systemctl stop: clean exit, unmounted" t_stop_unmounts
sc stop bpfpind.service bpfpind.socket >/dev/null 2>&1
[ $fails -eq 0 ]
