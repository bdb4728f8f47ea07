# sockmap/builtin.mk: the built-in programs and their aux maps.
sockmap_libsockmap_la_SOURCES += sockmap/builtin_stub.c
