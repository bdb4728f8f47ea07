/* tests/test_ns_cmp.c: the comparison engine. The kernel side runs in a
 * child chrooted into a scratch bpffs (so absolute paths and symlink
 * targets mean the same on both sides), as root or, after C_AS_USER, as
 * uid 65534 keeping only CAP_BPF (bpf() is closed to unprivileged users
 * here, and CAP_BPF grants no file access), and reports each step through
 * a pipe. The namespace side runs the same steps with ns_* calls. */
#include "config.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "tests/test_ns_cmp.h"
#include "tests/test_ns_fix.h"

#define BUF 4200
/* An op the switch at hand does not handle (no errno looks like it). */
#define NOT_MINE INT_MIN

struct cmp_attr {
	int err;
	unsigned mode, uid, gid, nlink;
};

/* What one step gave: errno, a value (get: the fd's access mode; readlink:
 * the length; readdir: the entry count), readlink's text, and the lstat
 * of a, b and their parent directories afterwards. */
struct cmp_res {
	int err;
	long val;
	char text[64];
	struct cmp_attr at[4];
};

static const char *expand(const char *p, char *buf)
{
	size_t i = 1;

	if (!p || p[0] != '@')
		return p;
	buf[0] = '/';
	if (p[1] == 'N') {
		memset(buf + 1, 'n', 256);
		buf[257] = '\0';
		return buf;
	}
	for (int k = 0; k < 2046; k++, i += 2)
		memcpy(buf + i, "./", 2);
	strcpy(buf + i, p[1] == 'P' ? "xxx" : "xx");
	return buf;
}

static const char *parent_of(const char *p, char *buf)
{
	if (!p || p[0] == '@' || strlen(p) >= BUF)
		return NULL;
	strcpy(buf, p);
	return dirname(buf);
}

static const struct timespec *times_of(long preset, struct timespec ts[2])
{
	static const struct timespec presets[][2] = {
		[T_SET] = { { 1000, 0 }, { 2000, 5 } },
		[T_OMIT] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } },
		[T_NOW_OMIT] = { { 0, UTIME_NOW }, { 0, UTIME_OMIT } },
		[T_BAD] = { { 0, 1000000000 }, { 0, 0 } },
	};

	if (preset == T_NOW)
		return NULL;
	ts[0] = presets[preset][0];
	ts[1] = presets[preset][1];
	return ts;
}

/* ---- the kernel side ---- */

static void k_attr(const char *p, struct cmp_attr *a)
{
	struct stat st;

	memset(a, 0, sizeof(*a));
	if (!p) {
		a->err = -1;
		return;
	}
	if (lstat(p, &st) < 0) {
		a->err = errno;
		return;
	}
	*a = (struct cmp_attr){ 0, st.st_mode, st.st_uid, st.st_gid,
				(unsigned)st.st_nlink };
}

static int k_get(const char *p, long acc, struct cmp_res *res)
{
	static const unsigned flags[] = { BPF_F_RDONLY, BPF_F_WRONLY, 0 };
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = flags[acc]);
	int fd = bpf_obj_get_opts(p, &opts);

	if (fd < 0)
		return -1;
	res->val = fcntl(fd, F_GETFL) & O_ACCMODE;
	close(fd);
	return 0;
}

/* The kernel may preload maps.debug and progs.debug into a bpffs root;
 * the namespace's root is a directory of its store and has none. */
static bool preloaded(const struct dirent *de)
{
	return strcmp(de->d_name, "maps.debug") == 0 ||
	       strcmp(de->d_name, "progs.debug") == 0;
}

static int k_readdir(const char *p, struct cmp_res *res)
{
	DIR *d = opendir(p);
	struct dirent *de;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    !preloaded(de))
			res->val++;
	}
	closedir(d);
	return 0;
}

static int k_readlink(const char *p, struct cmp_res *res)
{
	ssize_t n = readlink(p, res->text, sizeof(res->text) - 1);

	if (n < 0)
		return -1;
	res->text[n] = '\0';
	res->val = n;
	return 0;
}

/* Root keeps its saved ids until here; then uid 65534 with CAP_BPF only. */
static int k_become_user(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	if (setgroups(1, nsf_user_groups) < 0 ||
	    setresgid(65534, 65534, 65534) < 0 ||
	    prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 ||
	    setresuid(65534, 65534, 65534) < 0)
		return -1;
	d[CAP_TO_INDEX(CAP_BPF)].effective = CAP_TO_MASK(CAP_BPF);
	d[CAP_TO_INDEX(CAP_BPF)].permitted = CAP_TO_MASK(CAP_BPF);
	return (int)syscall(SYS_capset, &h, d);
}

static int k_tree_op(const struct cmp_step *s, const char *a, const char *b,
		     int map)
{
	switch (s->op) {
	case C_MKDIR:
		return mkdir(a, (mode_t)s->arg);
	case C_PIN:
		return bpf_obj_pin(map, a);
	case C_UNLINK:
		return unlink(a);
	case C_RMDIR:
		return rmdir(a);
	case C_RENAME:
		return renameat2(AT_FDCWD, a, AT_FDCWD, b, (unsigned)s->arg);
	case C_LINK:
		return linkat(AT_FDCWD, a, AT_FDCWD, b, 0);
	case C_SYMLINK:
		return symlink(a, b);
	default:
		return NOT_MINE;
	}
}

static int k_op(const struct cmp_step *s, const char *a, const char *b,
		int map, struct cmp_res *res)
{
	struct timespec ts[2];
	struct stat st;
	int r = k_tree_op(s, a, b, map);

	if (r != NOT_MINE)
		return r;
	switch (s->op) {
	case C_GET:
		return k_get(a, s->arg, res);
	case C_READLINK:
		return k_readlink(a, res);
	case C_READDIR:
		return k_readdir(a, res);
	case C_CHMOD:
		return chmod(a, (mode_t)s->arg);
	case C_CHOWN:
		return chown(a, (uid_t)s->arg, (gid_t)s->arg2);
	case C_STAT:
		return stat(a, &st);
	case C_LSTAT:
		return lstat(a, &st);
	case C_UTIMENS:
		return utimensat(AT_FDCWD, a, times_of(s->arg, ts), 0);
	case C_UMASK:
		umask((mode_t)s->arg);
		return 0;
	default:
		return k_become_user();
	}
}

static void step_attrs(const struct cmp_step *s, const char *a,
		       const char *b, struct cmp_attr at[4],
		       void (*attr)(const char *, struct cmp_attr *, void *),
		       void *ctx)
{
	char pa[BUF], pb[BUF];
	const char *paths[4] = { s->a && s->a[0] != '@' ? a : NULL,
				 s->b && s->b[0] != '@' ? b : NULL,
				 parent_of(s->a, pa), parent_of(s->b, pb) };

	for (int i = 0; i < 4; i++)
		attr(paths[i], &at[i], ctx);
}

static void k_attr_cb(const char *p, struct cmp_attr *a, void *ctx)
{
	k_attr(p, a);
}

static void k_step(const struct cmp_step *s, int map, struct cmp_res *res)
{
	char abuf[BUF], bbuf[BUF];
	const char *a = expand(s->a, abuf), *b = expand(s->b, bbuf);

	memset(res, 0, sizeof(*res));
	errno = 0;
	res->err = k_op(s, a, b, map, res) < 0 ? errno : 0;
	step_attrs(s, a, b, res->at, k_attr_cb, NULL);
}

static void k_child(const char *root, int map, const struct cmp_step *steps,
		    size_t n, int wfd)
{
	struct cmp_res res;

	if (chroot(root) < 0 || chdir("/") < 0)
		_exit(1);
	for (size_t i = 0; i < n; i++) {
		k_step(&steps[i], map, &res);
		if (write(wfd, &res, sizeof(res)) != sizeof(res))
			_exit(1);
	}
	_exit(0);
}

static void kernel_results(int map, const struct cmp_step *steps, size_t n,
			   struct cmp_res *out)
{
	char root[64];
	int p[2], status;
	size_t got = 0;
	pid_t pid;

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	nsf_bpffs_mount(root, sizeof(root));
	pid = fork();
	if (pid == 0)
		k_child(root, map, steps, n, p[1]);
	close(p[1]);
	while (got < n * sizeof(*out)) {
		ssize_t r = read(p[0], (char *)out + got,
				 n * sizeof(*out) - got);

		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(p[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	nsf_bpffs_umount(root);
	cr_assert_eq(got, n * sizeof(*out), "the kernel side stopped early");
}

/* ---- the namespace side ---- */

struct n_ctx {
	struct ns *ns;
	struct ns_cred cred;
	int map;
	struct obj_ident ident;
};

static void n_attr(const char *p, struct cmp_attr *a, void *ctx)
{
	struct n_ctx *c = ctx;
	struct ns_stat st;
	int r;

	memset(a, 0, sizeof(*a));
	if (!p) {
		a->err = -1;
		return;
	}
	r = ns_stat(c->ns, &c->cred, NS_AT(p), false, &st);
	if (r < 0) {
		a->err = -r;
		return;
	}
	*a = (struct cmp_attr){ 0, st.mode, st.uid, st.gid, st.nlink };
}

static int count_entry(const struct ns_dirent *de, void *arg)
{
	(*(long *)arg)++;
	return 0;
}

static int n_query_op(struct n_ctx *c, const struct cmp_step *s,
		      const char *a, struct cmp_res *res)
{
	struct ns_stat st;
	int fd, r;

	switch (s->op) {
	case C_GET:
		r = ns_get(c->ns, &c->cred, NS_AT(a), (int)s->arg, &fd, NULL);
		if (r == 0) {
			res->val = fcntl(fd, F_GETFL) & O_ACCMODE;
			close(fd);
		}
		return r;
	case C_READLINK:
		r = ns_readlink(c->ns, &c->cred, NS_AT(a), res->text,
				sizeof(res->text));
		res->val = r < 0 ? 0 : r;
		return r < 0 ? r : 0;
	case C_READDIR:
		return ns_readdir(c->ns, &c->cred, NS_AT(a), 0, count_entry,
				  &res->val);
	case C_STAT:
	case C_LSTAT:
		return ns_stat(c->ns, &c->cred, NS_AT(a), s->op == C_STAT, &st);
	default:
		return NOT_MINE;
	}
}

static int n_tree_op(struct n_ctx *c, const struct cmp_step *s,
		     const char *a, const char *b)
{
	switch (s->op) {
	case C_MKDIR:
		return ns_mkdir(c->ns, &c->cred, NS_AT(a), (mode_t)s->arg,
				NULL);
	case C_PIN:
		return ns_pin(c->ns, &c->cred, NS_AT(a), c->map, NULL, 0,
			      NULL);
	case C_UNLINK:
		return ns_unlink(c->ns, &c->cred, NS_AT(a));
	case C_RMDIR:
		return ns_rmdir(c->ns, &c->cred, NS_AT(a));
	case C_RENAME:
		return ns_rename(c->ns, &c->cred, NS_AT(a), NS_AT(b),
				 (unsigned)s->arg);
	case C_LINK:
		return ns_link(c->ns, &c->cred, NS_AT(a), NS_AT(b), NULL);
	case C_SYMLINK:
		return ns_symlink(c->ns, &c->cred, a, NS_AT(b), NULL);
	default:
		return NOT_MINE;
	}
}

static int n_op(struct n_ctx *c, const struct cmp_step *s, const char *a,
		const char *b, struct cmp_res *res)
{
	struct timespec ts[2];
	int r = n_tree_op(c, s, a, b);

	if (r == NOT_MINE)
		r = n_query_op(c, s, a, res);
	if (r != NOT_MINE)
		return r;
	switch (s->op) {
	case C_CHMOD:
		return ns_chmod(c->ns, &c->cred, NS_AT(a), (mode_t)s->arg);
	case C_CHOWN:
		return ns_chown(c->ns, &c->cred, NS_AT(a), (uid_t)s->arg,
				(gid_t)s->arg2);
	case C_UTIMENS:
		return ns_utimens(c->ns, &c->cred, NS_AT(a),
				  times_of(s->arg, ts));
	case C_UMASK:
		c->cred.umask = (mode_t)s->arg;
		return 0;
	default:
		c->cred = nsf_user();
		c->cred.umask = 022;
		return 0;
	}
}

static void n_step(struct n_ctx *c, const struct cmp_step *s,
		   struct cmp_res *res)
{
	char abuf[BUF], bbuf[BUF];
	const char *a = expand(s->a, abuf), *b = expand(s->b, bbuf);

	memset(res, 0, sizeof(*res));
	res->err = -n_op(c, s, a, b, res);
	step_attrs(s, a, b, res->at, n_attr, c);
}

/* ---- comparing ---- */

static const char *ename(int e)
{
	const char *s = e > 0 ? strerrorname_np(e) : NULL;

	return e == 0 ? "success" : s ? s : "?";
}

static const char *const op_names[] = {
	"mkdir", "pin", "get", "unlink", "rmdir", "rename", "link",
	"symlink", "readlink", "readdir", "chmod", "chown", "stat", "lstat",
	"utimens", "umask", "as_user",
};

static void compare_attr(size_t i, int which, const struct cmp_attr *k,
			 const struct cmp_attr *n)
{
	static const char *const what[] = { "a", "b", "parent of a",
					    "parent of b" };

	cr_expect(k->err == n->err && k->mode == n->mode && k->uid == n->uid &&
		  k->gid == n->gid && k->nlink == n->nlink,
		  "step %zu, lstat of %s: kernel %s mode %o uid %u gid %u "
		  "nlink %u; namespace %s mode %o uid %u gid %u nlink %u", i,
		  what[which], ename(k->err), k->mode, k->uid, k->gid,
		  k->nlink, ename(n->err), n->mode, n->uid, n->gid, n->nlink);
}

static void compare(size_t i, const struct cmp_step *s,
		    const struct cmp_res *k, const struct cmp_res *n)
{
	const char *a = s->a ? s->a : "", *b = s->b ? s->b : "";

	cr_expect_eq(k->err, s->expect, "step %zu (%s %s %s): the kernel "
		     "gave %s, the table expects %s", i, op_names[s->op], a, b,
		     ename(k->err), ename(s->expect));
	cr_expect_eq(n->err, k->err, "step %zu (%s %s %s): namespace %s, "
		     "kernel %s", i, op_names[s->op], a, b, ename(n->err),
		     ename(k->err));
	cr_expect_eq(n->val, k->val, "step %zu (%s %s): value %ld, kernel "
		     "%ld", i, op_names[s->op], a, n->val, k->val);
	cr_expect_str_eq(n->text, k->text, "step %zu: readlink text", i);
	for (int w = 0; w < 4; w++)
		compare_attr(i, w, &k->at[w], &n->at[w]);
}

void cmp_run(struct nsf *f, const struct cmp_step *steps, size_t n)
{
	struct cmp_res *k = calloc(n, sizeof(*k)), res;
	char *before, *after;
	struct n_ctx c;

	cr_assert_not_null(k);
	kernel_results(f->map, steps, n, k);
	c = (struct n_ctx){ .ns = f->ns, .cred = nsf_root(), .map = f->map,
			    .ident = f->ident };
	for (size_t i = 0; i < n; i++) {
		n_step(&c, &steps[i], &res);
		compare(i, &steps[i], &k[i], &res);
	}
	/* Every change reached the store: a tree rebuilt from it is the
	 * same tree. */
	before = nsf_snapshot(f->ns);
	nsf_reopen(f);
	after = nsf_snapshot(f->ns);
	cr_expect_str_eq(after, before, "the tree rebuilt from the store");
	free(before);
	free(after);
	free(k);
}
