#!/bin/bash
# packaging/build-deb.sh: build bpfpin's Debian packages from a source tree.
#   packaging/build-deb.sh [OUTDIR]     (default: ./deb-out)
# dpkg-buildpackage wants ./debian at the top of the source tree; the
# packaging lives in packaging/debian/. So the tree (without .git and build
# directories) is copied to a scratch directory, packaging/debian is placed
# there as debian/, and `dpkg-buildpackage -us -uc -b` runs in the copy.
# The .deb, .buildinfo and .changes files land in OUTDIR.
# DEB_BUILD_OPTIONS defaults to nocheck: the test suite needs root, a
# BPF-capable kernel and mounts (packaging/debian/rules says why).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$PWD/deb-out}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
export DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS-"nocheck parallel=2"}

VERSION=$(dpkg-parsechangelog -l "$SRC/packaging/debian/changelog" -S Version)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bpfpin-deb.XXXXXX")
trap 'rm -rf --one-file-system "$WORK"' EXIT
TREE=$WORK/bpfpin-$VERSION

echo "build-deb: copying $SRC to $TREE"
mkdir -p "$TREE"
# (_build and _inst: make distcheck's, inside its read-only source tree)
tar -C "$SRC" --exclude=./.git --exclude='./build' --exclude='./build-*' \
	--exclude=./_build --exclude=./_inst \
	--exclude=./autom4te.cache --exclude=./deb-out --exclude=./debian \
	-cf - . | tar -C "$TREE" -xf -
chmod -R u+w "$TREE"
cp -a "$TREE/packaging/debian" "$TREE/debian"

echo "build-deb: dpkg-buildpackage -us -uc -b (DEB_BUILD_OPTIONS=$DEB_BUILD_OPTIONS)"
(cd "$TREE" && dpkg-buildpackage -us -uc -b)

for f in "$WORK"/*.deb "$WORK"/*.buildinfo "$WORK"/*.changes; do
	cp "$f" "$OUT/"
	echo "build-deb: $OUT/$(basename "$f")"
done
