# tests/sm_builtin.mk: the built-in sockmap programs on real sockets.
