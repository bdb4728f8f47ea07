/* tests/compare.h: one sequence of namespace operations run step by step
 * against two backends (a real kernel bpffs, bpfpind over the RPC, or the
 * FUSE mount), comparing the errno of every step and the resulting mode,
 * owner and link count of every stat step. */
#ifndef BPFPIN_TESTS_COMPARE_H
#define BPFPIN_TESTS_COMPARE_H

#include <stddef.h>
#include <sys/types.h>

struct bpfpin;

enum cmp_op {
	C_PIN, C_GET_RO, C_GET_WO, C_GET_RW, C_MKDIR, C_RMDIR, C_UNLINK,
	C_RENAME, C_LINK, C_SYMLINK, C_READLINK, C_CHMOD, C_CHOWN,
	C_STAT, C_LSTAT, C_CREATE, C_MKFIFO,
};

struct cmp_step {
	enum cmp_op op;
	const char *a;        /* path (or symlink target for C_SYMLINK) */
	const char *b;        /* second path (rename, link, symlink) */
	unsigned arg;         /* mode, rename flags, or uid<<16|gid for chown */
};

struct cmp_backend {
	const char *name;
	const char *root;     /* syscalls: the directory paths are under */
	struct bpfpin *rpc;   /* RPC: the connection (pins always go here) */
	int map_fd;           /* the object pinned by C_PIN */
	mode_t umask;
};

/* A kernel bpffs at root, bpfpind at rpc, or a FUSE mount at root with
 * pins and gets over rpc. */
struct cmp_backend cmp_kernel(const char *root, int map_fd);
struct cmp_backend cmp_rpc(struct bpfpin *rpc, int map_fd);
struct cmp_backend cmp_mount(const char *root, struct bpfpin *rpc, int map_fd);

/* Run one step; 0 or -errno. */
int cmp_run(const struct cmp_backend *be, const struct cmp_step *s);
/* Run all steps on both; write a report of every difference into report
 * (empty when they agree). Returns the number of differences. */
int cmp_sequence(const struct cmp_backend *x, const struct cmp_backend *y,
		 const struct cmp_step *steps, size_t n, char *report, size_t size);

#endif
