#!/bin/bash
# tests/package/test-deb.sh: the Debian packages, built and used as an
# operator would. It
#   1. builds them (packaging/build-deb.sh: dpkg-buildpackage -us -uc -b,
#      DEB_BUILD_OPTIONS=nocheck) and runs lintian on them: any E: fails;
#   2. makes a fresh Debian 12 root (debootstrap --variant=minbase bookworm,
#      once, cached in $BPFPIN_DEBROOT_CACHE, default /var/cache/bpfpin-test,
#      with the packages' dependencies installed once too) and copies it;
#   3. there, in a mount namespace of its own (nothing mounted leaks out),
#      installs the .debs with apt-get, checks the files and the conffile,
#      starts bpfpind (as installed: default paths, FUSE mount included),
#      has bpfpin mkdir, pin a map made by bpftool, dump and stat it, make a
#      sockmap, sees the pins on the FUSE mount, stops bpfpind (SIGTERM);
#   4. purges the packages and compares the root's file list with the one
#      taken before the install: only apt's and dpkg's own records and logs
#      may differ; /var/lib/bpfpin, /etc/bpfpin, /run/bpfpin must be gone;
#   5. does it again under a real systemd, booted in systemd-nspawn on a
#      copy of the root with systemd (tests/package/deb-systemd.sh): the
#      maintainer scripts' enable, start, restart on upgrade, stop, purge.
# Needs root. About a minute once the roots are cached (debootstrap and
# the dependencies, once: a few minutes).
set -euo pipefail

if [[ ${1-} == __inside ]]; then
	INSIDE=1
	R=$2 DEBS=$3
else
	INSIDE=0
	SRC=${BPFPIN_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
	SRC=$(cd "$SRC" && pwd)
	CACHE=${BPFPIN_DEBROOT_CACHE:-/var/cache/bpfpin-test}
fi
say() { echo "test-deb: $*"; }
# in_ns DIR CMD...: CMD in a mount namespace of its own whose mounts under
# DIR do not outlive it. Their propagation is made private where it can
# be; in a chroot ("/" is no mount point there, and unshare cannot make it
# private) it stays as it is, so every mount under DIR is undone when CMD
# ends (they would reach the parent namespace too).
in_ns() {
	local dir=$1; shift
	if unshare --mount --propagation private true 2>/dev/null; then
		unshare --mount --propagation private "$@"
		return
	fi
	local rc=0
	unshare --mount --propagation unchanged "$@" || rc=$?
	awk -v d="$dir/" 'index($2 "/", d) == 1 {print $2}' /proc/mounts | sort -r |
		while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
	return $rc
}
die() { echo "test-deb: FAIL: $*"; exit 1; }

# ---- inside the private mount namespace: install, use, purge ----------
in_root() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }

inside() {
	local id kid f
	dpid=
	# a failed check must not leave bpfpind running (it would hold this
	# namespace, and its mounts, alive)
	trap '[[ -n $dpid ]] && kill -KILL "$dpid" 2>/dev/null' EXIT
	mount -t proc proc "$R/proc"
	mount --rbind /sys "$R/sys"
	mount --rbind /dev "$R/dev"
	mount --bind -o ro "$DEBS" "$R/mnt/debs"

	say "apt-get install ./bpfpin ./libbpfpin1 ./libbpfpin-dev"
	local debs=()
	for f in "$DEBS"/{bpfpin,libbpfpin1,libbpfpin-dev}_*.deb; do
		debs+=("/mnt/debs/${f##*/}")
	done
	in_root apt-get install -y -q --no-install-recommends "${debs[@]}" \
		> "$DEBS/apt-install.log" 2>&1 ||
		{ cat "$DEBS/apt-install.log"; die "apt-get install"; }

	say "installed files"
	for f in /usr/sbin/bpfpind /usr/bin/bpfpin \
		/lib/systemd/system/bpfpind.service /lib/systemd/system/bpfpind.socket \
		/usr/lib/tmpfiles.d/bpfpin.conf /usr/share/man/man8/bpfpind.8.gz \
		/usr/share/man/man8/bpfpin.8.gz /usr/share/man/man5/bpfpind.conf.5.gz \
		/usr/share/bash-completion/completions/bpfpin /etc/bpfpin/bpfpind.conf \
		/usr/include/bpfpin/bpfpin.h /usr/lib/x86_64-linux-gnu/pkgconfig/libbpfpin.pc \
		/usr/lib/x86_64-linux-gnu/libbpfpin.so; do
		[[ -e $R$f ]] || die "$f not installed"
	done
	in_root dpkg-query -W -f='${Conffiles}\n' bpfpin | grep -q ' /etc/bpfpin/bpfpind.conf ' ||
		die "/etc/bpfpin/bpfpind.conf is not a conffile"
	! find "$R/usr/lib" -name 'libbpfpin*.la' | grep -q . || die "a .la file is installed"
	in_root bpfpin version | grep -q . || die "bpfpin version"

	say "starting bpfpind in the root (bpfpind --foreground, installed defaults)"
	# exec: $! is bpfpind itself (chroot and env exec), not a subshell
	(exec chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		/usr/sbin/bpfpind --foreground) > "$DEBS/bpfpind.log" 2>&1 &
	dpid=$!
	for _ in $(seq 100); do
		in_root bpfpin limits > /dev/null 2>&1 && break
		sleep 0.1
	done
	in_root bpfpin limits > /dev/null || { cat "$DEBS/bpfpind.log"; die "bpfpind does not answer"; }

	say "bpfpin against it: mkdir, pin a map made by bpftool, dump, stat, sockmap"
	mount -t bpf bpf "$R/mnt/bpffs"
	bpftool map create "$R/mnt/bpffs/counters" type array key 4 value 8 entries 4 name debtest
	bpftool map update pinned "$R/mnt/bpffs/counters" key 1 0 0 0 value 42 0 0 0 0 0 0 0
	kid=$(bpftool -j map show pinned "$R/mnt/bpffs/counters" | sed -n 's/.*"id":\([0-9]*\).*/\1/p')
	in_root bpfpin mkdir -p /deb/test
	in_root bpfpin pin pinned /mnt/bpffs/counters /deb/test/counters
	umount "$R/mnt/bpffs"   # the pin in bpfpind's store is what holds it now
	in_root bpfpin -j dump /deb/test/counters |
		grep -qF '{"key":["0x01","0x00","0x00","0x00"],"value":["0x2a",' ||
		die "dump does not show the value written (42 at key 1)"
	id=$(in_root bpfpin -j stat /deb/test/counters | sed -n 's/.*"id":\([0-9]*\).*/\1/p' | head -1)
	[[ $id == "$kid" ]] || die "stat: kernel id '$id', bpftool made '$kid'"
	in_root bpfpin sockmap create /deb/test/sm
	in_root bpfpin ls -l /deb/test
	[[ -f $R/run/bpfpin/fs/deb/test/counters ]] || die "counters not on the FUSE mount"

	say "stopping bpfpind (SIGTERM)"
	kill -TERM "$dpid"
	wait "$dpid" || die "bpfpind exited with $?"
	dpid=
	! awk '$2 ~ "/run/bpfpin/fs$"' /proc/self/mounts | grep -q . || die "the FUSE mount is left"

	say "apt-get purge"
	umount "$R/mnt/debs"
	in_root apt-get purge -y -q bpfpin libbpfpin1 libbpfpin-dev > "$DEBS/apt-purge.log" 2>&1 ||
		{ cat "$DEBS/apt-purge.log"; die "apt-get purge"; }
	! awk -v r="$R/var/lib/bpfpin" 'index($2, r) == 1' /proc/self/mounts | grep -q . ||
		die "the store is still mounted after the purge"
	for f in /var/lib/bpfpin /etc/bpfpin /run/bpfpin; do
		[[ ! -e $R$f ]] || die "$f is left after the purge"
	done
}

if ((INSIDE)); then
	inside
	exit 0
fi

# ---- outside ----------------------------------------------------------
[[ $(id -u) == 0 ]] || die "needs root (chroot, mounts, bpf)"
for t in dpkg-buildpackage dh lintian debootstrap bpftool unshare; do
	command -v "$t" > /dev/null ||
		die "$t missing: apt-get install dpkg-dev debhelper lintian debootstrap bpftool util-linux"
done

W=$(mktemp -d /var/tmp/bpfpin-test-deb.XXXXXX)
R=$W/root
cleanup() {
	# the namespace took its mounts with it; this is for a root that was
	# mounted on by anything else: never rm into a mount
	if awk -v r="$W" 'index($2, r) == 1 { f = 1 } END { exit !f }' /proc/self/mounts; then
		echo "test-deb: mounts remain under $W; not removing it" >&2
	else
		rm -rf --one-file-system "$W"
	fi
}
trap cleanup EXIT

say "building the packages from $SRC"
"$SRC/packaging/build-deb.sh" "$W/debs" > "$W/build.log" 2>&1 ||
	{ tail -n 40 "$W/build.log"; die "packaging/build-deb.sh"; }
ls "$W/debs"

say "lintian"
lintian --pedantic -I --fail-on error "$W"/debs/*.changes 2>&1 |
	grep -v 'running with root privileges' | tee "$W/lintian.log" || true
grep -q '^E: ' "$W/lintian.log" && die "lintian reports errors"
say "lintian: $(grep -c '^E: ' "$W/lintian.log") errors, $(grep -c '^W: ' "$W/lintian.log") warnings, $(grep -c '^[IP]: ' "$W/lintian.log") info/pedantic"

# The fresh root: debootstrap once; then, once per set of dependencies,
# the packages' dependencies (what a user's apt-get would fetch).
mkdir -p "$CACHE"
if [[ ! -f $CACHE/debroot/.ok ]]; then
	say "debootstrap --variant=minbase bookworm $CACHE/debroot (once)"
	rm -rf --one-file-system "$CACHE/debroot.tmp"
	debootstrap --variant=minbase bookworm "$CACHE/debroot.tmp" > "$CACHE/debootstrap.log" 2>&1 ||
		{ tail "$CACHE/debootstrap.log"; die "debootstrap"; }
	touch "$CACHE/debroot.tmp/.ok"
	rm -rf --one-file-system "$CACHE/debroot"
	mv "$CACHE/debroot.tmp" "$CACHE/debroot"
fi
deps=$(for d in "$W"/debs/{bpfpin,libbpfpin1,libbpfpin-dev}_*.deb; do
	dpkg-deb -f "$d" Depends | tr ',' '\n'
done | sed 's/[[:space:]]*(.*//; s/^[[:space:]]*//; s/[[:space:]]*|.*//' |
	grep -v '^libbpfpin' | grep . | sort -u | tr '\n' ' ')

# root_with PKG...: the cached root with PKG... installed from Debian
# (made once per list); prints its path.
root_with() {
	local key base
	key=$(echo "$*" | sha256sum | cut -c1-12)
	base=$CACHE/debroot-deps-$key
	if [[ ! -f $base/.ok ]]; then
		say "a root with $* in $base (once)" >&2
		rm -rf --one-file-system "$base.tmp"
		cp -a "$CACHE/debroot" "$base.tmp"
		rm -f "$base.tmp/.ok"
		cp /etc/resolv.conf "$base.tmp/etc/resolv.conf"
		in_ns "$base.tmp" bash -c '
			r=$1; shift
			mount -t proc proc "$r/proc" &&
			chroot "$r" env DEBIAN_FRONTEND=noninteractive sh -c "
				apt-get update -q && apt-get install -y -q --no-install-recommends $* && apt-get clean"
		' sh "$base.tmp" "$@" > "$CACHE/deps.log" 2>&1 ||
			{ tail "$CACHE/deps.log" >&2; die "installing $* in the root"; }
		rm -rf "$base.tmp"/var/lib/apt/lists/*
		touch "$base.tmp/.ok"
		rm -rf --one-file-system "$base"
		mv "$base.tmp" "$base"
	fi
	echo "$base"
}
# shellcheck disable=SC2086
BASE=$(root_with $deps)

say "a copy of the fresh root in $R"
cp -a "$BASE" "$R"
rm -f "$R/.ok"

# Every path of the root with its type, owner and mode; what apt and dpkg
# keep about themselves (their database, caches, logs), ldconfig's cache
# and /tmp are left out: they may differ after an install and a purge.
snapshot() {
	(cd "$R" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./tmp \
		-o -path ./var/lib/dpkg -o -path ./var/lib/apt -o -path ./var/cache/apt \
		-o -path ./var/cache/debconf -o -path ./var/log -o -path ./var/cache/ldconfig \) \
		-prune -o -printf '%p %y %u:%g %m\n' | grep -v '^\./etc/ld\.so\.cache ' | sort)
}
# the mount points of the namespace (for the .debs, a scratch bpffs) are
# made before the first file list, which is the root as a user would have it
mkdir -p "$R/mnt/debs" "$R/mnt/bpffs"
snapshot > "$W/before.txt"

in_ns "$R" "$0" __inside "$R" "$W/debs"

snapshot > "$W/after.txt"
if ! diff -u "$W/before.txt" "$W/after.txt" > "$W/diff.txt"; then
	cat "$W/diff.txt"
	die "the purge left the root different from before the install"
fi
say "purge left nothing behind ($(wc -l < "$W/before.txt") paths compared)"

# The same packages under a real systemd: a fresh copy with systemd
# (tests/package/deb-systemd.sh).
# shellcheck disable=SC2086
SDBASE=$(root_with $deps systemd)
say "a copy of the fresh root with systemd in $W/sdroot"
cp -a "$SDBASE" "$W/sdroot"
rm -f "$W/sdroot/.ok"
"$SRC/tests/package/deb-systemd.sh" "$W/sdroot" "$W/debs" || die "under systemd"
say "all passed"
