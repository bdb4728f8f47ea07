# doc/: man pages and the design documents.
dist_man_MANS += doc/man/bpfpind.8 doc/man/bpfpind.conf.5
dist_doc_DATA += doc/protocol.md doc/ARCHITECTURE.md doc/threat-model.md doc/sockmap-kernel.md doc/systemd.md \
	doc/fdstore.md
