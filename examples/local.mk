# examples/: the Python client (doc/protocol.md's proof of sufficiency) and
# the script a daemon-backed test runs it with.
EXTRA_DIST += examples/python/bpfpin.py examples/python/README.md \
	examples/python/test_example.sh
