#!/bin/bash
# quickstart.sh: set up a Debian 12 machine for bpfpin, build it, and run it.
#   ./quickstart.sh          install, build, run bpfpind in the foreground
#   ./quickstart.sh build    install and build only
#   ./quickstart.sh test     install, build, run the whole test suite
#   ./quickstart.sh test --sanitize   the same, then the suite again built
#                            with ASan and UBSan in ./build-asan (CI=true
#                            implies --sanitize)
# Needs root (apt-get, bpf(2), mounts). Builds out of tree in ./build.
set -euo pipefail
cd "$(dirname "$0")"
SRC=$PWD
BUILD=${BUILD_DIR:-$SRC/build}
ASAN_BUILD=${ASAN_BUILD_DIR:-$SRC/build-asan}
SANITIZE=0

PACKAGES=(build-essential pkgconf autoconf automake libtool
	libfuse3-dev fuse3 libbpf-dev bpftool libelf-dev libevent-dev
	libjson-c-dev libcriterion-dev libsystemd-dev clang llvm libclang-rt-14-dev
	python3 jq attr util-linux procps iproute2 less
	dpkg-dev debhelper lintian bash-completion debootstrap systemd systemd-container nodejs
	python3-kubernetes python3-yaml)
# tests/package/test-k8s.sh runs npm: Debian's own package, unless a nodejs
# that carries npm is installed already
command -v npm >/dev/null || PACKAGES+=(npm)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

need_root() {
	if [[ $(id -u) != 0 ]]; then
		echo "quickstart.sh: run me as root (bpfpind needs bpf(2) and mounts)" >&2
		exit 1
	fi
}

install_deps() {
	local missing=()
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
	done
	if ((${#missing[@]})); then
		say "installing: ${missing[*]}"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	fi
}

build() {
	say "building in $BUILD"
	if [[ ! -x $SRC/configure || $SRC/configure.ac -nt $SRC/configure ]]; then
		(cd "$SRC" && autoreconf -fi >/dev/null 2>&1 || autoreconf -fi)
	fi
	mkdir -p "$BUILD"
	cd "$BUILD"
	[[ -f Makefile ]] || "$SRC/configure" -q --prefix=/usr/local --sysconfdir=/etc --localstatedir=/var
	make -j"$(nproc)" -s
	make -j"$(nproc)" -s check TESTS= >/dev/null   # the test programs too
}

# Sum criterion's "Synthesis" lines of every build dir given into one
# closing line.
summary() {
	local pass=0 fail=0 skip=0 t p f c s dir logs=()
	for dir in "$@"; do logs+=("$dir"/tests/*.log); done
	while read -r t p f c s; do
		pass=$((pass + p)); fail=$((fail + f + c)); skip=$((skip + s))
	done < <(sed -n 's/.*Synthesis: Tested: \([0-9]*\) | Passing: \([0-9]*\) | Failing: \([0-9]*\) | Crashing: \([0-9]*\).*/\1 \2 \3 \4 0/p' \
		"${logs[@]}" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g')
	# the script tests (tests/systemd/, tests/package/): one test each
	local trs
	while read -r trs; do
		grep -q 'Synthesis:' "${trs%.trs}.log" 2>/dev/null && continue
		case $(sed -n 's/^:test-result: //p' "$trs") in
		PASS) pass=$((pass + 1)) ;;
		SKIP) skip=$((skip + 1)) ;;
		*) fail=$((fail + 1)) ;;
		esac
	done < <(for dir in "$@"; do find "$dir/tests" -name '*.trs' 2>/dev/null; done)
	echo "tests: $pass passed, $fail failed, $skip skipped"
}

# make check in the current build dir; the logs of failed suites follow.
check_suites() {
	local rc=0 log
	make -j2 check || rc=$?
	if ((rc)); then
		say "failures: test logs follow"
		for log in $(find tests -name '*.log'); do
			grep -qE '^:test-result: (FAIL|ERROR|XPASS)' "${log%.log}.trs" 2>/dev/null && { echo "--- $log"; tail -n 80 "$log"; }
		done
	fi
	return $rc
}

run_tests() {
	local rc=0
	cd "$BUILD"
	say "running the test suite"
	check_suites || rc=$?
	if ((rc == 0)) && [[ ${BPFPIN_DISTCHECK:-1} == 1 ]]; then
		say "make distcheck"
		make -s distcheck >distcheck.log 2>&1 || { rc=$?; tail -n 60 distcheck.log; }
	fi
	return $rc
}

# The sanitizer build: ASan and UBSan in everything the suites run (the
# daemon, the CLI, the test programs), every UBSan finding fatal.
SAN_FLAGS="-g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"

build_sanitized() {
	say "building with ASan and UBSan in $ASAN_BUILD"
	mkdir -p "$ASAN_BUILD"
	cd "$ASAN_BUILD"
	[[ -f Makefile ]] || "$SRC/configure" -q --prefix=/usr/local --sysconfdir=/etc \
		--localstatedir=/var CFLAGS="$SAN_FLAGS" LDFLAGS="$SAN_FLAGS"
	make -j"$(nproc)" -s
	make -j"$(nproc)" -s check TESTS= >/dev/null
}

# Every report fails: halt at the first error, and exit with 86, a status
# no bpfpin program uses, so that a test expecting exit 1 or 2 from the CLI
# notices a report it cannot see (its stderr may go to /dev/null). The
# daemon's reports land in its log, which the harness checks.
sanitizer_env() {
	export ASAN_OPTIONS="halt_on_error=1:exitcode=86:detect_leaks=1:strict_string_checks=1"
	export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=86"
	export LSAN_OPTIONS="suppressions=$SRC/tests/lsan.supp:print_suppressions=0:exitcode=86"
}

# A report in any suite's log (a child the suite ran with its stderr)
# fails the run even if the suite itself passed.
sanitizer_reports() {
	grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:|^th_daemon: bpfpind' \
		"$ASAN_BUILD"/tests/*.log 2>/dev/null
}

run_sanitized() {
	local rc=0 log
	build_sanitized || return 1
	say "running the test suite with ASan and UBSan"
	(sanitizer_env && check_suites) || rc=$?
	for log in $(sanitizer_reports); do
		say "sanitizer report in $log"
		grep -nE -A 30 'ERROR: (Address|Leak)Sanitizer|runtime error:|^th_daemon: bpfpind' "$log" | head -n 120
		rc=1
	done
	return $rc
}

# The suite (and distcheck), then with --sanitize the sanitizer build's;
# one closing line for all of it.
test_all() {
	local rc=0
	run_tests || rc=$?
	if ((SANITIZE)); then
		run_sanitized || rc=1
		run_fuzz || rc=1
		summary "$BUILD" "$ASAN_BUILD"
	else
		summary "$BUILD"
	fi
	return $rc
}

# The libFuzzer targets of fuzz/, FUZZ_SECONDS each (two at a time), in
# a clang build of their own with ASan and UBSan.
run_fuzz() {
	local dir=$SRC/build-fuzz
	say "fuzzing for ${FUZZ_SECONDS:-60} s a target in $dir"
	mkdir -p "$dir"
	(cd "$dir" && { [[ -f Makefile ]] || CC=clang "$SRC/configure" -q --enable-fuzz; } &&
		make -j2 -s fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-60}")
}

run_daemon() {
	local sock=/run/bpfpin/bpfpind.sock mnt=/run/bpfpin/fs
	mkdir -p /run/bpfpin
	cat <<MSG

bpfpind listens on $sock and mounts the namespace on $mnt.
Try it from another shell:
  $BUILD/cli/bpfpin mkdir /demo
  bpftool map create /sys/fs/bpf/demo type hash key 4 value 8 entries 16 name demo
  $BUILD/cli/bpfpin pin pinned /sys/fs/bpf/demo /demo/counters && rm /sys/fs/bpf/demo
  ls -l $mnt/demo && cat $mnt/demo/counters
  $BUILD/cli/bpfpin get /demo/counters rdonly
Stop with Ctrl-C.

MSG
	exec "$BUILD/daemon/bpfpind" --foreground --socket "$sock" --mount "$mnt"
}

main() {
	local cmd=${1:-run}
	case $cmd in
	run|build|test) ;;
	-h|--help|help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "quickstart.sh: unknown command '$cmd' (run, build, test)" >&2; exit 2 ;;
	esac
	shift $(($# ? 1 : 0))
	[[ ${CI:-} == true ]] && SANITIZE=1
	case ${1:-} in
	--sanitize) [[ $cmd == test ]] || { echo "quickstart.sh: --sanitize goes with test" >&2; exit 2; }
		SANITIZE=1 ;;
	"") ;;
	*) echo "quickstart.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	need_root
	install_deps
	build
	case $cmd in
	build) say "built: $BUILD/daemon/bpfpind and $BUILD/cli/bpfpin" ;;
	test) test_all ;;
	run) run_daemon ;;
	esac
}

main "$@"
