#!/bin/bash
# tests/systemd/check_given.sh: sockets given to bpfpind.service live
# through `systemctl restart` and a SIGKILL (Restart=on-failure) under
# the real systemd of tests/systemd/run.sh: the daemon keeps them in the
# service's fd store (a service's restart kills every process of its
# cgroup, so no holder process could), takes them back at start, and lets
# go of them in the store too once their connection ends.
. "$SRC/tests/systemd/lib.sh"
store() { prop NFileDescriptorStore; }

sc stop bpfpind.socket bpfpind.service >/dev/null 2>&1
sc reset-failed bpfpind.service >/dev/null 2>&1
sc start bpfpind.service || { not_ok "bpfpind.service starts"; exit 1; }
restarts=$(prop NRestarts)
restart="systemctl restart bpfpind.service"
kill9="systemctl kill -s KILL bpfpind.service; sleep 0.3;
  until systemctl is-active -q bpfpind.service; do sleep 0.1; done"
# given_pair.py prints its own ok / not ok lines; renumbered here
while read -r line; do
	case $line in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) not_ok "${line#not ok - }" ;;
	*) echo "$line" ;;
	esac
done < <(sd_in env CLI=bpfpin UNIT=bpfpind.service BPFPIN_SOCKET=/run/bpfpin/bpfpind.sock \
	python3 "$BOX_TEST/given_pair.py" "$restart" "$kill9" 2>&1)
[ "$(prop NRestarts)" -gt "$restarts" ] &&
	ok "Restart=on-failure brought bpfpind back after the SIGKILL" ||
	not_ok "Restart=on-failure brought bpfpind back after the SIGKILL"
for _ in $(seq 50); do [ "$(store)" = 0 ] && break; sleep 0.1; done
[ "$(store)" = 0 ] && ok "the fd store is empty once the connection closed" ||
	not_ok "the fd store still holds $(store) fds after the connection closed"
sd_in bpfpin rm /given/pair >/dev/null 2>&1
sd_in bpfpin rmdir /given >/dev/null 2>&1
sc stop bpfpind.service
exit $((fails > 0))
