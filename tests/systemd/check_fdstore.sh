#!/bin/bash
# tests/systemd/check_fdstore.sh: bpfpind.service with --store=fdstore
# (a drop-in) under the real systemd of tests/systemd/run.sh (sd_in runs a
# command in its box; SRC, BUILD, BOX_ROOT set): the objects go to
# systemd's fd store (systemctl show and systemd-analyze dump count them),
# and every pin, with its kernel object, values, mode and symlink, lives
# through `systemctl restart` and `systemctl kill -s KILL` (Restart=
# on-failure); an unpin takes its object out of the fd store; the drop-in
# goes at the end, and the unit is as it was.
. "$SRC/tests/systemd/lib.sh"
DROPIN_DIR=/etc/systemd/system/bpfpind.service.d
DROPIN=$DROPIN_DIR/50-fdstore-check.conf
STATE=/var/lib/bpfpin-fdstore-check
SOCK=/run/bpfpin/bpfpind.sock
SAVED=/tmp/fdstore-check.before
# bench/mkmap (copied into the box by run.sh) links libbpfpin as installed
mkmap() { sd_in env LD_LIBRARY_PATH="$BOX_LIBDIR" "$BOX_TEST/mkmap" "$@"; }

# What must come back: each pin's kernel id and its dump, the modes, the
# symlink's target.
snapshot() {
	local p
	for p in /fd/m1 /fd/moved /fd/same; do
		printf '%s id=%s sum=%s\n' "$p" "$(kid "$p")" "$(B dump "$p" | md5sum | cut -c1-12)"
	done
	B stat /fd/m1 | grep '^Access: ('
	printf 'link=%s\n' "$(B stat /fd/l | sed -n 's/^ *File: .* -> //p')"
}

fd_store_count() { prop NFileDescriptorStore; }

t_dropin() {
	local bin
	bin=$(sd_in sh -c 'command -v bpfpind') || { echo "no bpfpind installed in the box"; return 1; }
	sc cat bpfpind.service >/dev/null || { echo "no bpfpind.service installed"; return 1; }
	sc stop bpfpind.service bpfpind.socket >/dev/null 2>&1
	sd_in mkdir -p $DROPIN_DIR || return 1
	# LimitNOFILE: the fd store's objects are fds of the daemon too
	sd_in sh -c "cat > $DROPIN" <<EOF || return 1
[Service]
ExecStart=
ExecStart=$bin --foreground --store=fdstore --state-dir $STATE
FileDescriptorStoreMax=16384
LimitNOFILE=40000
EOF
	sc daemon-reload && sc start bpfpind.service || { sc status bpfpind.service; return 1; }
	sd_in journalctl -b -o cat -u bpfpind.service | grep -q 'store fdstore:' ||
		{ sd_in journalctl -b -o cat -u bpfpind.service | tail; return 1; }
	! sd_in mountpoint -q $STATE/store || { echo "a bpffs store was mounted"; return 1; }
}

t_pins() {
	B mkdir /fd || return 1
	mkmap --socket $SOCK --path /fd/m1 --entries 100 >/dev/null &&
		mkmap --socket $SOCK --path /fd/m2 --entries 50 >/dev/null &&
		mkmap --socket $SOCK --path /fd/gone --entries 10 >/dev/null || return 1
	B mv /fd/m2 /fd/moved && B ln /fd/moved /fd/same && B chmod 0640 /fd/m1 &&
		B ln -s m1 /fd/l || return 1
	snapshot > "$BOX_ROOT$SAVED" || return 1
	grep -q 'id=[0-9]' "$BOX_ROOT$SAVED" || { cat "$BOX_ROOT$SAVED"; return 1; }
	# one fd per object: m1, moved (= same), gone
	until_ok 20 test "$(fd_store_count)" = 3 || { echo "NFileDescriptorStore=$(fd_store_count)"; return 1; }
}

t_unpin() {
	B rm /fd/gone || return 1
	until_ok 20 test "$(fd_store_count)" = 2 || { echo "NFileDescriptorStore=$(fd_store_count)"; return 1; }
}

same_as_before() {
	local now
	now=$(snapshot)
	[ "$now" = "$(cat "$BOX_ROOT$SAVED")" ] || { echo "before:"; cat "$BOX_ROOT$SAVED"; echo "after:"; echo "$now"; return 1; }
	[ "$(fd_store_count)" = 2 ] || { echo "NFileDescriptorStore=$(fd_store_count)"; return 1; }
	sd_in journalctl -b -o cat -u bpfpind.service | grep -q 'did not come back\|no pin of that number' &&
		{ sd_in journalctl -b -o cat -u bpfpind.service | grep 'fd store'; return 1; }
	return 0
}

t_restart() {
	local pid
	pid=$(main_pid)
	sc restart bpfpind.service || return 1
	[ "$(main_pid)" != "$pid" ] || { echo "same pid $pid"; return 1; }
	until_ok 50 B ls / || return 1
	same_as_before
}

t_sigkill() {
	sigkill_and_back || return 1
	same_as_before
}

# systemd's own view of the store: the property, and the unit's dump
t_shown() {
	local dump
	[ "$(prop FileDescriptorStoreMax)" = 16384 ] || { prop FileDescriptorStoreMax; return 1; }
	dump=$(sd_in systemd-analyze dump 2>/dev/null | sed -n '/^-> Unit bpfpind.service:/,/^-> Unit /p')
	echo "$dump" | grep -q 'File Descriptor Store Max: 16384' || { echo "$dump" | head -60; return 1; }
	# (systemctl status of systemd 252 shows no fd store; the dump does)
	echo "$dump" | grep -q 'File Descriptor Store Current: 2' ||
		{ echo "$dump" | grep -i 'descriptor'; return 1; }
}

t_cleanup() {
	sc stop bpfpind.service || return 1
	sd_in rm -f $DROPIN && sd_in sh -c "rmdir $DROPIN_DIR 2>/dev/null; rm -rf $STATE $SAVED; true" &&
		sc daemon-reload || return 1
	! sc cat bpfpind.service | grep -q -- '^ExecStart=.*--store=fdstore' ||
		{ sc cat bpfpind.service; return 1; }
}

check "a drop-in runs bpfpind.service with --store=fdstore (no bpffs mounted)" t_dropin
check "pins made: one object per fd in systemd's fd store" t_pins
check "an unpin takes its object out of the fd store (FDSTOREREMOVE)" t_unpin
check "systemctl restart keeps every pin, object, value, mode and symlink" t_restart
check "SIGKILL: Restart=on-failure starts it again, every pin kept" t_sigkill
check "systemd shows the fd store (FileDescriptorStoreMax, its count in the dump)" t_shown
check "the drop-in removed, the unit as it was" t_cleanup
[ "$fails" = 0 ]
