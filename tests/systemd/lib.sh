# tests/systemd/lib.sh: what every tests/systemd/check_*.sh uses, sourced
# by them (run.sh exports sd_in, SRC, BUILD and BOX_ROOT): numbered
# ok / not ok lines, a check that shows its output only when it fails,
# and short names for the CLI and systemctl inside the box.
set -u
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
# not_ok NAME [DETAIL...]: the details follow as comment lines
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; fails=$((fails + 1)); shift
	[ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/#   /'; return 0; }
# check NAME FUNCTION: the function's output is shown only when it fails
check() { local out; if out=$("$2" 2>&1); then ok "$1"; else not_ok "$1" "$out"; fi; }
B() { sd_in bpfpin "$@"; }
sc() { sd_in systemctl "$@"; }
prop() { sc show -p "$1" --value bpfpind.service; }
main_pid() { prop MainPID; }
# until CMD... succeeds, for up to $1 tenths of a second
until_ok() { local t=$1; shift; for _ in $(seq 1 "$t"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; "$@"; }
# the kernel id of the object pinned at PATH
kid() { B stat "$1" | sed -n 's/^Object: .* id \([0-9]*\).*/\1/p'; }
# SIGKILL the daemon: Restart=on-failure brings up a new one (another
# MainPID, NRestarts up) that answers
sigkill_and_back() {
	local pid r
	pid=$(main_pid); r=$(prop NRestarts)
	sc kill -s KILL bpfpind.service || return 1
	until_ok 100 bash -c "[ \"\$(sd_in systemctl show -p MainPID --value bpfpind.service)\" != $pid ] && sd_in systemctl is-active -q bpfpind.service" ||
		{ sc status bpfpind.service; return 1; }
	[ "$(prop NRestarts)" -gt "$r" ] || { echo "NRestarts $(prop NRestarts), was $r"; return 1; }
	until_ok 50 B ls / || return 1
}
