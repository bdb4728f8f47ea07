# packaging/systemd/: bpfpind's units and its tmpfiles.d entry. The units
# are made from their .in with the configured paths; `make install` puts
# them in $(systemdsystemunitdir) and the entry in $(tmpfilesdir) as
# bpfpin.conf (configure --with-systemdsystemunitdir, --with-tmpfilesdir).
systemdsystemunit_DATA = packaging/systemd/bpfpind.service packaging/systemd/bpfpind.socket
tmpfiles_DATA = packaging/systemd/bpfpin.conf
CLEANFILES += $(systemdsystemunit_DATA) $(tmpfiles_DATA)
EXTRA_DIST += packaging/systemd/local.mk packaging/systemd/bpfpind.service.in \
	packaging/systemd/bpfpind.socket.in packaging/systemd/bpfpin.tmpfiles
# distcheck installs under its own prefix, never into the host's systemd
AM_DISTCHECK_CONFIGURE_FLAGS = \
	--with-systemdsystemunitdir='$${prefix}/lib/systemd/system' \
	--with-tmpfilesdir='$${prefix}/lib/tmpfiles.d'

edit_unit = sed -e 's|@sbindir[@]|$(sbindir)|g' -e 's|@bindir[@]|$(bindir)|g' \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g' -e 's|@localstatedir[@]|$(localstatedir)|g'

packaging/systemd/bpfpind.service: $(srcdir)/packaging/systemd/bpfpind.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) packaging/systemd && \
	$(edit_unit) $(srcdir)/packaging/systemd/bpfpind.service.in > $@.tmp && mv $@.tmp $@
packaging/systemd/bpfpind.socket: $(srcdir)/packaging/systemd/bpfpind.socket.in Makefile
	$(AM_V_GEN)$(MKDIR_P) packaging/systemd && \
	$(edit_unit) $(srcdir)/packaging/systemd/bpfpind.socket.in > $@.tmp && mv $@.tmp $@
packaging/systemd/bpfpin.conf: $(srcdir)/packaging/systemd/bpfpin.tmpfiles Makefile
	$(AM_V_GEN)$(MKDIR_P) packaging/systemd && \
	$(edit_unit) $(srcdir)/packaging/systemd/bpfpin.tmpfiles > $@.tmp && mv $@.tmp $@
