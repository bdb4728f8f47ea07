#!/bin/sh
# examples/python/test_example.sh: run the Python example client against the
# running bpfpind at $BPFPIN_SOCKET, every subcommand once; exit nonzero on
# the first step that fails. A daemon-backed test calls it.
set -eu
: "${BPFPIN_SOCKET:?BPFPIN_SOCKET must name the socket of a running bpfpind}"
client="${PYTHON3:-python3} $(dirname "$0")/bpfpin.py"
p="/python-example-$$"

fail() {
	echo "test_example.sh: $*" >&2
	exit 1
}

$client demo "$p" || fail "demo $p failed"
$client --socket "$BPFPIN_SOCKET" get "$p" | grep '"type": "pin"' >/dev/null ||
	fail "get $p did not print the stat of a pin"
$client stat "$p" | grep '"kind": "map"' >/dev/null || fail "stat $p shows no map"
$client ls / | grep " ${p#/}\$" >/dev/null || fail "ls / does not list $p"
$client rm "$p" || fail "rm $p failed"
if $client get "$p" >/dev/null 2>&1; then
	fail "get $p succeeded after rm"
fi
$client get "$p" 2>&1 | grep ENOENT >/dev/null || fail "get of a removed pin did not say ENOENT"
echo "test_example.sh: ok"
