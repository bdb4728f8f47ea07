# packaging/pkg.mk: the Debian packaging, the Kubernetes manifests and the
# bash completion of bpfpin (doc/packaging.md, doc/kubernetes.md).

# Installed where bash-completion looks for it: configure's
# --with-bashcompletiondir, by default bash-completion's completionsdir
# with our ${prefix} (so that `make distcheck` installs under its prefix).
bashcompletion_DATA = packaging/bash-completion/bpfpin

EXTRA_DIST += packaging/bash-completion/bpfpin packaging/build-deb.sh \
	packaging/debian/control packaging/debian/rules \
	packaging/debian/changelog packaging/debian/copyright \
	packaging/debian/source/format packaging/debian/bpfpind.conf \
	packaging/debian/bpfpin.install packaging/debian/bpfpin.postrm \
	packaging/debian/bpfpin.lintian-overrides \
	packaging/debian/libbpfpin1.install packaging/debian/libbpfpin1.symbols \
	packaging/debian/libbpfpin-dev.install \
	packaging/k8s/namespace.yaml packaging/k8s/serviceaccount.yaml \
	packaging/k8s/daemonset.yaml packaging/k8s/example-reader-pod.yaml

dist_doc_DATA += doc/packaging.md doc/kubernetes.md
