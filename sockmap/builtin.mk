# sockmap/builtin.mk: the built-in programs and their aux maps.
