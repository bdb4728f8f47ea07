#!/bin/bash
# tests/package/test_completion.sh: the bash completion of bpfpin
# (packaging/bash-completion/bpfpin), sourced after bash-completion's own
# script, driven as readline does (COMP_WORDS, COMP_CWORD, COMP_LINE,
# COMP_POINT) and checked by its COMPREPLY: commands, prefixes, options,
# keywords, and namespace paths from a real bpfpind started here (socket
# only, in a scratch dir), given by -s or by $BPFPIN_SOCKET.
set -uo pipefail
SRC=${BPFPIN_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BPFPIN_BUILDDIR:-$PWD}
BPFPIND=${BPFPIND:-$BUILD/daemon/bpfpind}
CLI=${BPFPIN_CLI:-$BUILD/cli/bpfpin}
BASHCOMP=/usr/share/bash-completion/bash_completion
say() { echo "test_completion: $*"; }

if [[ ! -r $BASHCOMP ]]; then
	say "FAIL: $BASHCOMP missing: apt-get install bash-completion"
	exit 1
fi

T=$(mktemp -d /tmp/bpfpin-comp.XXXXXX)
SOCK=$T/sock
DPID=
cleanup() {
	[[ -n $DPID ]] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	# the daemon's private bpffs store stays mounted when it exits
	awk -v t="$T" 'index($2, t) == 1 { print $2 }' /proc/self/mounts | sort -r |
		while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
	if ! awk -v t="$T" 'index($2, t) == 1 { f = 1 } END { exit !f }' /proc/self/mounts; then
		rm -rf --one-file-system "$T"
	fi
}
trap cleanup EXIT

# bpfpin on PATH is the one of the build (the completion calls `bpfpin`).
mkdir -p "$T/bin"
ln -s "$CLI" "$T/bin/bpfpin"
export PATH=$T/bin:$PATH
unset BPFPIN_SOCKET

"$BPFPIND" --foreground --no-mount --socket "$SOCK" --state-dir "$T/state" \
	2> "$T/daemon.log" &
DPID=$!
for _ in $(seq 100); do
	bpfpin -s "$SOCK" limits > /dev/null 2>&1 && break
	sleep 0.05
done
if ! bpfpin -s "$SOCK" limits > /dev/null; then
	say "FAIL: bpfpind did not answer on $SOCK"; cat "$T/daemon.log"; exit 1
fi
b() { bpfpin -s "$SOCK" "$@" || { say "FAIL: setup: bpfpin $*"; exit 1; }; }
b mkdir -p /app/sub /apple "/app/my dir"
b sockmap create /app/sm
b ln -s /app/sm /app/link

# shellcheck source=/dev/null
source "$BASHCOMP"
# shellcheck source=../../packaging/bash-completion/bpfpin
source "$SRC/packaging/bash-completion/bpfpin"

fail=0 n=0
# comp LINE: complete at the end of LINE (a trailing space: a new word);
# prints COMPREPLY, sorted, space-separated.
comp() {
	local line=$1
	read -ra COMP_WORDS <<< "$line"
	[[ $line == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE=$line
	COMP_POINT=${#line}
	COMPREPLY=()
	_bpfpin 2>/dev/null
	printf '%s\n' "${COMPREPLY[@]}" | sort -u | tr '\n' ' ' | sed 's/ $//'
}
# expectw WANT WORD...: the same, the words given one by one (a word with
# a space in it), completing the last
expectw() {
	local want=$1 got line
	shift
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	line="$*"
	COMP_LINE=$line
	COMP_POINT=${#line}
	COMPREPLY=()
	_bpfpin 2>/dev/null
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort -u | tr '\n' ' ' | sed 's/ $//')
	n=$((n + 1))
	if [[ $got == "$want" ]]; then
		echo "ok $n '$line' -> $got"
	else
		echo "FAIL $n '$line': got '$got', want '$want'"
		fail=1
	fi
}
# expect LINE WANT: COMPREPLY is exactly WANT (sorted, space-separated)
expect() {
	local got
	n=$((n + 1))
	got=$(comp "$1")
	if [[ $got == "$2" ]]; then
		echo "ok $n '$1' -> $got"
	else
		echo "FAIL $n '$1': got '$got', want '$2'"
		fail=1
	fi
}
# has LINE WORD...: COMPREPLY holds each WORD
has() {
	local line=$1 got w
	shift
	n=$((n + 1))
	got=" $(comp "$line") "
	for w in "$@"; do
		if [[ $got != *" $w "* ]]; then
			echo "FAIL $n '$line': '$w' missing from '$got'"
			fail=1
			return
		fi
	done
	echo "ok $n '$line' has $*"
}

say "commands and prefixes"
expect "bpfpin " "attach chmod chown detach dump export get help limits ln load lookup ls mkdir mv pin rm rmdir sock sockmap stat tap version"
expect "bpfpin mk" "mkdir"
expect "bpfpin so" "sock sockmap"
expect "bpfpin -j l" "limits ln load lookup ls"
expect "bpfpin help sto" ""
expect "bpfpin help st" "stat"
say "options"
expect "bpfpin --" "--help --json --pretty --socket --version"
has "bpfpin ls -" -l -R -j -p -s -h
expect "bpfpin mv --no" "--no-target-directory --noreplace"
has "bpfpin mkdir -" -p -m
expect "bpfpin mkdir -m " ""
say "keywords"
expect "bpfpin pin " "fd link map pinned prog"
expect "bpfpin pin map " "id pinned"
expect "bpfpin attach " "cgroup netns sockmap tcx tracing xdp"
expect "bpfpin attach cgroup /sys/fs/cgroup conn" "connect4 connect6 connect_unix"
expect "bpfpin attach tcx lo " "egress ingress"
has "bpfpin attach xdp " lo
expect "bpfpin attach netns /proc/1/ns/net " "flow_dissector sk_lookup"
expect "bpfpin sockmap " "attach create detach"
expect "bpfpin sockm cr" "create"
expect "bpfpin sockm " "attach create detach"
expect "bpfpin sockmap create /x so" "sockhash sockmap"
expect "bpfpin sockmap create /x max " ""
expect "bpfpin sockmap detach /x " "msg_verdict skb_verdict stream_parser stream_verdict"
expect "bpfpin sock " "add kill ls rm"
expect "bpfpin sock rm /x " "cookie key"
expect "bpfpin sock add /x " "accept fd give key lend peer-fd peer-key pid replace"
expect "bpfpin sock add /x fd " ""
expect "bpfpin tap " "rule"
expect "bpfpin tap rule " "add ls rm"
expect "bpfpin tap rule add /x " "both rx tx"
expect "bpfpin tap rule add /x rx GET " "disconnect drop pass"
expect "bpfpin tap rule add /x GET " "disconnect drop pass"
expect "bpfpin load x.o /p " "log map pinmaps type"
expect "bpfpin load x.o /p log " "1 2 4"
expect "bpfpin load x.o /p type sk_" "sk_lookup sk_msg sk_reuseport sk_skb"
expect "bpfpin load x.o /p map " "name"
expect "bpfpin load x.o /p map name m " ""
expect "bpfpin limits " "uid"
expect "bpfpin lookup /x " "key"
expect "bpfpin get /x " "-- rdonly rdwr wronly"
has "bpfpin get /x rdonly -- ech" echo
has "bpfpin chown roo" root
has "bpfpin chown root:roo" root:root

say "namespace paths over the RPC (-s $SOCK)"
S="bpfpin -s $SOCK"
expect "$S ls " "/app/ /apple/"
expect "$S ls /app" "/app/ /apple/"
expect "$S ls /app/" "/app/link /app/my\\ dir/ /app/sm /app/sub/"
expect "$S dump /app/s" "/app/sm /app/sub/"
expect "$S stat /app/my" "/app/my\\ dir/"
expectw "/app/my\\ dir/" bpfpin -s "$SOCK" stat '/app/my\ d'
expectw "/app/my\\ dir/" bpfpin -s "$SOCK" stat "'/app/my d"
expect "$S rm /app/sm /app/l" "/app/link"
expect "$S get /app/s" "/app/sm /app/sub/"
expect "$S mv -n /app/sm /app/su" "/app/sub/"
expect "$S mv /app/sm /app/sub /" ""
expect "$S chmod 0644 /app/l" "/app/link"
expect "$S chmod 064" ""
expect "$S sockmap attach /app/sm stream_verdict " "/app/ /apple/ accelerate drop lenprefix pair pass tap"
expect "$S attach xdp lo /app/s" "/app/sm /app/sub/"
expect "$S attach xdp lo /app/sm replace /app/l" "/app/link"
expect "$S load x.o /p pinmaps /app/su" "/app/sub/"
expect "$S ls /nothing/" ""
expect "bpfpin ls -s $SOCK /app/su" "/app/sub/"
expect "bpfpin --socket=$SOCK ls /ap" "/app/ /apple/"
say "namespace paths from \$BPFPIN_SOCKET"
export BPFPIN_SOCKET=$SOCK
expect "bpfpin ls /app/l" "/app/link"
say "no daemon: no paths, and nothing printed"
export BPFPIN_SOCKET=$T/no-such-socket
expect "bpfpin ls /app/" ""
out=$(comp "bpfpin ls /app/" 2>&1)
n=$((n + 1))
if [[ -z $out ]]; then echo "ok $n nothing printed"; else echo "FAIL $n printed '$out'"; fail=1; fi

say "$n checks, $( ((fail)) && echo FAILED || echo all passed)"
exit $fail
