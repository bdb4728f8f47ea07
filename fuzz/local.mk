# fuzz/: libFuzzer targets (doc/ARCHITECTURE.md, "Fuzzing"). Built only in a
# tree configured with CC=clang --enable-fuzz, where everything is compiled
# for libFuzzer with ASan and UBSan; `make fuzz` runs each target for
# FUZZ_SECONDS over its seed corpus fuzz/corpus/TARGET/.
FUZZ_TARGETS = fuzz_dispatch fuzz_ns fuzz_key fuzz_btf
FUZZ_SECONDS = 60
FUZZ_JOBS = 2
EXTRA_DIST += fuzz/run.sh fuzz/corpus

if FUZZ
noinst_PROGRAMS += fuzz/fuzz_dispatch fuzz/fuzz_ns fuzz/fuzz_key fuzz/fuzz_btf
FUZZER_LINK = -fsanitize=fuzzer

# The daemon's own objects, as bpfpind links them (so a new daemon file
# needs nothing here), with its main() renamed: libFuzzer brings main.
fuzz_fuzz_dispatch_SOURCES = fuzz/fuzz_dispatch.c fuzz/fuzz_env.c \
	fuzz/fuzz_env.h $(daemon_bpfpind_SOURCES)
fuzz_fuzz_dispatch_CFLAGS = $(daemon_bpfpind_CFLAGS) -Dmain=bpfpind_main -Wno-missing-prototypes
fuzz_fuzz_dispatch_LDFLAGS = $(FUZZER_LINK)
fuzz_fuzz_dispatch_LDADD = $(daemon_bpfpind_LDADD)

fuzz_fuzz_ns_SOURCES = fuzz/fuzz_ns.c fuzz/fuzz_env.c fuzz/fuzz_env.h
fuzz_fuzz_ns_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS)
fuzz_fuzz_ns_LDFLAGS = $(FUZZER_LINK)
fuzz_fuzz_ns_LDADD = fs/libns.la bpf/libbpfobj.la $(LIBBPF_LIBS)

fuzz_fuzz_key_SOURCES = fuzz/fuzz_key.c
fuzz_fuzz_key_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS)
fuzz_fuzz_key_LDFLAGS = $(FUZZER_LINK)
fuzz_fuzz_key_LDADD = bpf/libbpfobj.la $(LIBBPF_LIBS)

fuzz_fuzz_btf_SOURCES = fuzz/fuzz_btf.c
fuzz_fuzz_btf_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS) $(JSONC_CFLAGS)
fuzz_fuzz_btf_LDFLAGS = $(FUZZER_LINK)
fuzz_fuzz_btf_LDADD = bpf/libbpfobj.la $(LIBBPF_LIBS) $(JSONC_LIBS)

# the skeletons first: `make fuzz` is not `make all`, which BUILT_SOURCES
# would order
fuzz: $(BUILT_SOURCES) fuzz/fuzz_dispatch$(EXEEXT) fuzz/fuzz_ns$(EXEEXT) fuzz/fuzz_key$(EXEEXT) fuzz/fuzz_btf$(EXEEXT)
	$(SHELL) $(srcdir)/fuzz/run.sh $(srcdir)/fuzz/corpus fuzz \
		$(FUZZ_SECONDS) $(FUZZ_JOBS) $(FUZZ_TARGETS)
else
fuzz:
	@echo "make fuzz: configure with CC=clang --enable-fuzz first" >&2; exit 1
endif
.PHONY: fuzz
