/* tests/test_ns_cmp.h: the comparison engine of the namespace suite: one
 * table of operations run step by step on a real kernel bpffs (the
 * oracle) and on the namespace, which must answer the same errno at each
 * step and leave the same modes, owners and link counts behind. */
#ifndef BPFPIN_TESTS_TEST_NS_CMP_H
#define BPFPIN_TESTS_TEST_NS_CMP_H

#include <stddef.h>

enum cmp_op {
	C_MKDIR, C_PIN, C_GET, C_UNLINK, C_RMDIR, C_RENAME, C_LINK,
	C_SYMLINK, C_READLINK, C_READDIR, C_CHMOD, C_CHOWN, C_STAT, C_LSTAT,
	C_UTIMENS,
	C_UMASK,        /* arg: the umask of the steps that follow */
	C_AS_USER,      /* the steps that follow run as uid 65534 */
};

/* C_UTIMENS's arg. */
enum cmp_times { T_NOW, T_SET, T_OMIT, T_NOW_OMIT, T_BAD };

/* Paths "@N" (a 256-byte name), "@P" (a 4096-byte path) and "@Q" (a
 * 4095-byte path to "/xx") are expanded. */
struct cmp_step {
	enum cmp_op op;
	const char *a, *b;      /* paths; C_SYMLINK: target, link path */
	long arg, arg2;         /* mode, flags, accmode, uid and gid... */
	int expect;             /* the errno the kernel gives (0: success) */
};

#define MKDIR(p, m, e)          { C_MKDIR, p, NULL, m, 0, e }
#define PIN(p, e)               { C_PIN, p, NULL, 0, 0, e }
#define GET(p, acc, e)          { C_GET, p, NULL, acc, 0, e }
#define UNLINK(p, e)            { C_UNLINK, p, NULL, 0, 0, e }
#define RMDIR(p, e)             { C_RMDIR, p, NULL, 0, 0, e }
#define RENAME(a, b, fl, e)     { C_RENAME, a, b, fl, 0, e }
#define LINK(a, b, e)           { C_LINK, a, b, 0, 0, e }
#define SYMLINK(t, p, e)        { C_SYMLINK, t, p, 0, 0, e }
#define READLINK(p, e)          { C_READLINK, p, NULL, 0, 0, e }
#define READDIR(p, e)           { C_READDIR, p, NULL, 0, 0, e }
#define CHMOD(p, m, e)          { C_CHMOD, p, NULL, m, 0, e }
#define CHOWN(p, u, g, e)       { C_CHOWN, p, NULL, u, g, e }
#define STAT(p, e)              { C_STAT, p, NULL, 0, 0, e }
#define LSTAT(p, e)             { C_LSTAT, p, NULL, 0, 0, e }
#define UTIMENS(p, t, e)        { C_UTIMENS, p, NULL, t, 0, e }
#define UMASK(m)                { C_UMASK, NULL, NULL, m, 0, 0 }
#define AS_USER()               { C_AS_USER, NULL, NULL, 0, 0, 0 }

struct nsf;

/* Run the table on both sides (f: a fresh namespace) and expect the same
 * results (criterion expectations: every difference is reported, not only
 * the first); then expect the tree rebuilt from the store to be the same. */
void cmp_run(struct nsf *f, const struct cmp_step *steps, size_t n);

#endif
