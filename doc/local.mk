# doc/: man pages and the design documents.
dist_man_MANS += doc/man/bpfpind.8
dist_doc_DATA += doc/protocol.md doc/ARCHITECTURE.md doc/threat-model.md doc/sockmap-kernel.md \
	doc/fdstore.md
