#!/bin/bash
# tests/package/test-k8s.sh: every document of packaging/k8s/ validates
# against the Kubernetes OpenAPI schema, twice: the values (types, enums,
# required fields) by kubernetes-models' compiled validators from npm
# (tests/package/k8s-validate.cjs, with the API server's rule that
# Bidirectional propagation needs a privileged container), and the field
# names, strictly, by the OpenAPI models of Debian's python3-kubernetes
# (tests/package/k8s-strict.py). Broken copies must be refused, so that the
# checkers are known to check. The npm packages are installed once, at
# pinned versions, into $NPMDIR (below).
set -euo pipefail
SRC=${BPFPIN_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
# The npm packages are cached outside the build tree (make distcheck wants
# it clean): with test-deb.sh's cache for root, else in ~/.cache.
if [[ $(id -u) == 0 ]]; then CACHE=/var/cache/bpfpin-test; else CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/bpfpin-test; fi
NPMDIR=${BPFPIN_NPM_CACHE:-$CACHE/npm-k8s}
PKGS=(kubernetes-models@4.5.1 js-yaml@4.1.0)
say() { echo "test-k8s: $*"; }

command -v npm > /dev/null || { say "FAIL: npm missing: apt-get install npm"; exit 1; }
/usr/bin/python3 -c 'import kubernetes, yaml' 2> /dev/null ||
	{ say "FAIL: apt-get install python3-kubernetes python3-yaml"; exit 1; }
if [[ ! -f $NPMDIR/.ok || $(cat "$NPMDIR/.ok") != "${PKGS[*]}" ]]; then
	say "npm install ${PKGS[*]} into $NPMDIR"
	# into a directory of this run's, then moved in place whole
	rm -rf "$NPMDIR.$$" && mkdir -p "$NPMDIR.$$"
	echo '{"private": true}' > "$NPMDIR.$$/package.json"
	if ! (cd "$NPMDIR.$$" && npm install --no-audit --no-fund --loglevel=error "${PKGS[@]}" \
		>/dev/null 2>"$NPMDIR.$$/err"); then
		cat "$NPMDIR.$$/err"
		grep -q 'CERT' "$NPMDIR.$$/err" &&
			say "the npm registry's TLS certificate is not trusted by this root's CA certificates"
		rm -rf "$NPMDIR.$$"; say "FAIL: npm install ${PKGS[*]}"; exit 1
	fi
	echo "${PKGS[*]}" > "$NPMDIR.$$/.ok"
	rm -rf "$NPMDIR" && mv "$NPMDIR.$$" "$NPMDIR"
fi
validate() {
	local r=0
	NODE_PATH=$NPMDIR/node_modules node "$SRC/tests/package/k8s-validate.cjs" "$@" || r=1
	/usr/bin/python3 "$SRC/tests/package/k8s-strict.py" "$@" || r=1
	return $r
}

fail=0
say "validating packaging/k8s/*.yaml"
validate "$SRC"/packaging/k8s/*.yaml || fail=1

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# Each broken copy: NAME, FILE, sed expression; each must be refused.
broken() {
	local name=$1 file=$2 expr=$3
	sed "$expr" "$SRC/packaging/k8s/$file" > "$TMP/$name.yaml"
	if cmp -s "$SRC/packaging/k8s/$file" "$TMP/$name.yaml"; then
		say "FAIL: $name: the sed expression changed nothing"; fail=1; return
	fi
	if validate "$TMP/$name.yaml" > "$TMP/$name.out"; then
		say "FAIL: $name: a broken manifest was accepted"; fail=1
	else
		say "refused as it should be: $name: $(grep FAIL "$TMP/$name.out" | head -1 | cut -c1-160)"
	fi
}
broken bad-propagation daemonset.yaml '0,/mountPropagation: Bidirectional/s//mountPropagation: Sideways/'
broken bad-type daemonset.yaml '0,/periodSeconds: 10/s//periodSeconds: often/'
broken misspelt-field daemonset.yaml '0,/mountPropagation: Bidirectional/s//mountPropogation: Bidirectional/'
broken misplaced-field example-reader-pod.yaml 's/^  restartPolicy: Never/  restartPolicy: Never\n  readOnlyRootFilesystem: true/'
broken misspelt-name example-reader-pod.yaml 's/^    - name: reader/    - nmae: reader/'
broken unprivileged-bidirectional daemonset.yaml 's/privileged: true/privileged: false/'
broken bad-hostpath-type daemonset.yaml '0,/type: CharDevice/s//type: Fifo/'
broken bad-kind serviceaccount.yaml 's/^kind: ServiceAccount/kind: ServiceAcount/'
exit $fail
