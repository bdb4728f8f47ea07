/* fuzz/fuzz_env.h: the world the namespace and dispatch fuzzers run in: a
 * real namespace over a private bpffs store in a temporary directory, in a
 * mount namespace of the fuzzer's own (nothing is left mounted when it
 * dies), a base tree rebuilt whenever an input changed it, a real map to
 * pin, and a count of open fds (an input must leave it as it found it). */
#ifndef BPFPIN_FUZZ_ENV_H
#define BPFPIN_FUZZ_ENV_H

#include <stddef.h>
#include <stdint.h>

#include "fs/ns.h"

#define FENV_NCREDS 4

struct fenv {
	char dir[64];           /* the state dir (mkdtemp) */
	char store[96];         /* dir/store, the private bpffs */
	struct ns *ns;
	int map_fd;             /* an array map; ours for the whole run */
	int proc_fd;            /* /proc/self/fd, to count fds */
	uint64_t base_gen;      /* ns_generation() right after the base tree */
	uint64_t base_nodes;
};

/* Who asks: root, nobody, a user in groups 1000 and 100, a user in 100. */
extern const struct ns_cred fenv_creds[FENV_NCREDS];

/* Set up once (LLVMFuzzerInitialize); 0 or -errno. */
int fenv_init(struct fenv *e);
/* Bring the namespace back to the base tree if an input changed it. */
void fenv_reset(struct fenv *e);
/* Open fds of the process now. */
int fenv_fd_count(struct fenv *e);
/* Report and abort (a finding for libFuzzer) when cond is false. */
void fenv_check(int cond, const char *what, long long val);

#endif
