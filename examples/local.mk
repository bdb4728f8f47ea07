# examples/: the Python client (doc/protocol.md's proof of sufficiency) and
# the script a daemon-backed test runs it with.
EXTRA_DIST += examples/python/bpfpin.py examples/python/README.md \
	examples/python/test_example.sh

# The C example of the load op, built against the library of the tree.
noinst_PROGRAMS += examples/c/load
examples_c_load_SOURCES = examples/c/load.c
examples_c_load_LDADD = lib/libbpfpin.la
