# tests/package.mk: the packaging tests, shell scripts run by make check.
# test-deb.sh builds the Debian packages, runs lintian and installs them
# on a fresh Debian 12 root (debootstrap, cached in /var/cache/bpfpin-test);
# test-k8s.sh validates packaging/k8s/ against the Kubernetes schema (npm,
# cached in /var/cache/bpfpin-test too); test_completion.sh drives the
# bash completion against a real bpfpind.
TESTS += tests/package/test-deb.sh tests/package/test-k8s.sh \
	tests/package/test_completion.sh
EXTRA_DIST += tests/package/test-deb.sh tests/package/test-k8s.sh \
	tests/package/deb-systemd.sh tests/package/k8s-validate.cjs tests/package/k8s-strict.py \
	tests/package/test_completion.sh
