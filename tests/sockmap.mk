# tests/sockmap.mk: the sockmap manager through the daemon.
