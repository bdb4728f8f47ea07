# sockmap/accel.mk: the accelerate built-in.
sockmap_libsockmap_la_SOURCES += sockmap/accel_stub.c
