# tests/systemd.mk: bpfpind under a real systemd (tests/systemd/run.sh:
# systemd as PID 1 in systemd-nspawn, the build installed into it, then
# every tests/systemd/check_*.sh), run as a shell-script test.
TESTS += tests/systemd/run.sh
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL)
# every check_*.sh, whoever adds one
EXTRA_DIST += $(srcdir)/tests/systemd/*.sh $(srcdir)/tests/systemd/*.py
CLEANFILES += tests/systemd-box.log tests/systemd-install.log
