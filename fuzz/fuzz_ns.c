/* fuzz/fuzz_ns.c: path resolution and every namespace operation over a
 * generated tree: the input is a program of fs/ns.h calls (mkdir, symlink,
 * rename, link, unlink, rmdir, stat, readdir, lookup, chmod, chown, ...)
 * on paths made of the base tree's names, "." "..", empty and over-long
 * components, made as different users. After each call and each input:
 * the result is 0 or -errno, nothing crashed or leaked, and the tree
 * that a walk from "/" sees holds ns_node_count() nodes. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz/fuzz_env.h"

#define OPS_MAX 32
#define LOOKUPS_MAX 8

static struct fenv env;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return fenv_init(&env) < 0 ? (abort(), 0) : 0;
}

/* The input, read a byte at a time; zeros once it is used up. */
struct prog {
	const uint8_t *p, *end;
	uint64_t inos[LOOKUPS_MAX];     /* inodes we hold a lookup on */
	int ninos;
	char path[2][NS_PATH_MAX + 64];
};

static uint8_t next(struct prog *g)
{
	return g->p < g->end ? *g->p++ : 0;
}

static const char *const names[] = {
	"d", "m", "sub", "hard", "pub", "u", "s", "priv", "sg", "l", "loop",
	"up", "x", "y", ".", "..", "", "store", "ns",
};
#define NNAMES (sizeof(names) / sizeof(names[0]))

/* A component: a base name, a fuzzed short name, or 255/256 bytes. */
static size_t component(struct prog *g, char *out, size_t room)
{
	uint8_t b = next(g);
	size_t n;

	if (b < 0xe0) {
		n = strlen(names[b % NNAMES]);
		if (n > room)
			return 0;
		memcpy(out, names[b % NNAMES], n);
		return n;
	}
	if (b >= 0xfe) {
		n = b == 0xfe ? NS_NAME_MAX : NS_NAME_MAX + 1;
		n = n > room ? room : n;
		memset(out, 'a', n);
		return n;
	}
	n = (b & 7) + 1;
	n = n > room ? room : n;
	for (size_t i = 0; i < n; i++) {
		char c = (char)next(g);

		out[i] = c ? c : 'z';   /* a NUL would end the path early */
	}
	return n;
}

/* A path of up to 8 components, absolute or relative, "//" allowed;
 * one shape repeats a component to pass NS_PATH_MAX. */
static const char *make_path(struct prog *g, int which)
{
	char *p = g->path[which], *end = p + NS_PATH_MAX + 32;
	uint8_t shape = next(g);
	int n = shape & 7, reps = shape & 0x40 ? 2100 : 1;

	if (!(shape & 0x80))
		*p++ = '/';
	for (int i = 0; i < n; i++) {
		p += component(g, p, (size_t)(end - p));
		if (i + 1 < n || (shape & 0x08))
			*p++ = '/';
		if (shape & 0x10 && p < end)
			*p++ = '/';
	}
	for (int r = 1; r < reps && p + 2 < end; r++) {
		*p++ = 'x';
		*p++ = '/';
	}
	*p = '\0';
	return g->path[which];
}

/* Where: from the root, or relative to an inode we hold (FUSE style),
 * or that inode itself with an empty path. */
static struct ns_at make_at(struct prog *g, int which)
{
	uint8_t b = next(g);
	uint64_t dir = NS_ROOT_INO;

	if (g->ninos && (b & 3) == 3)
		dir = g->inos[(b >> 2) % g->ninos];
	if (g->ninos && (b & 3) == 2)
		return NS_AT_INO(g->inos[(b >> 2) % g->ninos]);
	return (struct ns_at){ .dir = dir, .path = make_path(g, which) };
}

static void ok(int r)
{
	fenv_check(r == 0 || (r < 0 && r >= -4095), "ns result", r);
}

/* unlinked: the node is the inode the resolution started from (NS_AT_INO,
 * or a held directory and a path of "." components), so it may be one
 * only lookup references keep, its last name gone: nlink 0, as stat(".")
 * in a removed working directory gives. Any other node has a name. */
static void check_stat_of(const struct ns_stat *st, bool unlinked)
{
	static const mode_t fmt[] = { 0, S_IFDIR, S_IFREG, S_IFLNK };

	fenv_check(st->type >= NS_DIR && st->type <= NS_SYMLINK, "type", st->type);
	fenv_check((st->mode & S_IFMT) == fmt[st->type], "mode", st->mode);
	fenv_check(st->ino >= NS_ROOT_INO, "ino", (long long)st->ino);
	fenv_check(st->nlink >= 1 || st->type == NS_PIN || unlinked, "nlink",
		   st->nlink);
}

static void check_stat(const struct ns_stat *st)
{
	check_stat_of(st, false);
}

/* Readdir stops where the input says. */
struct list_ctx {
	int n, stop;
};

static int list_fn(const struct ns_dirent *de, void *arg)
{
	struct list_ctx *lc = arg;

	check_stat(&de->st);
	fenv_check(de->cookie > 0, "cookie", (long long)de->cookie);
	fenv_check(de->name[0] && !strchr(de->name, '/'), "name", 0);
	return ++lc->n >= lc->stop;
}

/* A walk from "/" by inode: the distinct nodes it reaches. */
struct walk {
	uint64_t seen[4096];
	int n;
	int depth;
};

static int walk_dir(struct walk *w, uint64_t ino);

static int walk_fn(const struct ns_dirent *de, void *arg)
{
	struct walk *w = arg;

	check_stat(&de->st);
	for (int i = 0; i < w->n; i++)
		if (w->seen[i] == de->st.ino)
			return 0;
	fenv_check(w->n < 4096, "tree too large", w->n);
	w->seen[w->n++] = de->st.ino;
	return de->st.type == NS_DIR ? walk_dir(w, de->st.ino) : 0;
}

static int walk_dir(struct walk *w, uint64_t ino)
{
	struct ns_cred all = fenv_creds[0];
	int r;

	all.checked = true;
	fenv_check(++w->depth < 64, "tree too deep", w->depth);
	r = ns_readdir(env.ns, &all, (struct ns_at){ .dir = ino, .path = "." },
		       0, walk_fn, w);
	fenv_check(r == 0, "walk readdir", r);
	w->depth--;
	return 0;
}

static void check_tree(void)
{
	static struct walk w;

	w.n = 1;        /* the root */
	w.seen[0] = NS_ROOT_INO;
	w.depth = 0;
	walk_dir(&w, NS_ROOT_INO);
	fenv_check((uint64_t)w.n == ns_node_count(env.ns), "node count",
		   (long long)ns_node_count(env.ns) - w.n);
}

static const int64_t ids[] = { -1, 0, 100, 1000, 1001, 65534, 4294967294LL };

/* Two bytes, in order, as permission bits. */
static mode_t make_mode(struct prog *g)
{
	mode_t hi = next(g);

	return (hi << 4 | next(g)) & 07777;
}

static uid_t make_id(struct prog *g)
{
	return (uid_t)ids[next(g) % 7];
}

static uint64_t make_ino(struct prog *g)
{
	return g->ninos ? g->inos[next(g) % g->ninos] : next(g);
}

static struct timespec make_time(struct prog *g)
{
	uint8_t b = next(g);

	if (b < 3)
		return (struct timespec){ .tv_nsec = b == 0 ? UTIME_NOW : UTIME_OMIT };
	return (struct timespec){ .tv_sec = b * 1000003L, .tv_nsec = b * 7 };
}

static void op_get(struct prog *g, const struct ns_cred *c)
{
	static const int acc[] = { O_RDONLY, O_WRONLY, O_RDWR, 3 };
	struct ns_stat st;
	int fd = -1, r = ns_get(env.ns, c, make_at(g, 0), acc[next(g) & 3], &fd, &st);

	ok(r);
	if (r == 0) {
		check_stat(&st);
		fenv_check(fd >= 0, "ns_get fd", fd);
		close(fd);
	}
}

static void op_lookup(struct prog *g, const struct ns_cred *c)
{
	struct ns_stat st;
	struct ns_at at = make_at(g, 0);
	int r = ns_lookup_ref(env.ns, c, at, &st);

	ok(r);
	if (r < 0)
		return;
	check_stat_of(&st, st.ino == at.dir);
	if (g->ninos < LOOKUPS_MAX)
		g->inos[g->ninos++] = st.ino;
	else
		ns_forget(env.ns, st.ino, 1);
}

static void op_forget(struct prog *g)
{
	int i;

	if (!g->ninos)
		return;
	i = next(g) % g->ninos;
	ns_forget(env.ns, g->inos[i], 1);
	g->inos[i] = g->inos[--g->ninos];
}

static void op_setattr(struct prog *g, const struct ns_cred *c)
{
	struct ns_setattr sa = { .valid = next(g) & 31 };
	struct ns_stat st;
	uint64_t ino;

	sa.mode = make_mode(g);
	sa.uid = make_id(g);
	sa.gid = (gid_t)make_id(g);
	ino = make_ino(g);
	sa.atime = make_time(g);
	sa.mtime = make_time(g);
	ok(ns_setattr_ino(env.ns, c, ino, &sa, &st));
}

static void op_read(struct prog *g, const struct ns_cred *c)
{
	char buf[NS_PATH_MAX];
	size_t size = next(g) & 1 ? sizeof(buf) : next(g) % 8;
	int r = ns_readlink(env.ns, c, make_at(g, 0), buf, size);

	fenv_check(r >= -4095, "readlink", r);
	if (r >= 0 && size)
		fenv_check(strlen(buf) < size, "readlink NUL", r);
}

static void op_readdir(struct prog *g, const struct ns_cred *c)
{
	struct list_ctx lc = { .stop = next(g) + 1 };
	uint64_t cookie = next(g);

	ok(ns_readdir(env.ns, c, make_at(g, 0), cookie, list_fn, &lc));
}

static void op_pin(struct prog *g, const struct ns_cred *c)
{
	struct obj_ident id;
	struct ns_stat st;
	char err[128];

	if (obj_identify(env.map_fd, &id, err, sizeof(err)) == 0)
		ok(ns_pin(env.ns, c, make_at(g, 0), env.map_fd, err, sizeof(err), &st));
}

static void op_timed(struct prog *g, const struct ns_cred *c)
{
	struct timespec t[2];

	t[0] = make_time(g);
	t[1] = make_time(g);
	ok(ns_utimens(env.ns, c, make_at(g, 0), t));
}

static void op_rename(struct prog *g, const struct ns_cred *c)
{
	static const unsigned flags[] = { 0, RENAME_NOREPLACE, RENAME_EXCHANGE,
		RENAME_NOREPLACE | RENAME_EXCHANGE, RENAME_WHITEOUT };
	struct ns_at from = make_at(g, 0), to = make_at(g, 1);

	ok(ns_rename(env.ns, c, from, to, flags[next(g) % 5]));
}

/* mkdir, symlink, link by name, link by inode. */
static void op_create(struct prog *g, const struct ns_cred *c, int what)
{
	struct ns_stat st;
	struct ns_at at, to;
	const char *target;
	uint64_t ino;

	switch (what) {
	case 0:
		at = make_at(g, 0);
		ok(ns_mkdir(env.ns, c, at, make_mode(g), &st));
		break;
	case 1:
		target = make_path(g, 1);
		ok(ns_symlink(env.ns, c, target, make_at(g, 0), &st));
		break;
	case 2:
		at = make_at(g, 0);
		to = make_at(g, 1);
		ok(ns_link(env.ns, c, at, to, &st));
		break;
	default:
		ino = make_ino(g);
		ok(ns_link_ino(env.ns, c, ino, make_at(g, 0), &st));
		break;
	}
}

/* chmod (what 0) or chown. */
static void op_owner(struct prog *g, const struct ns_cred *c, int what)
{
	struct ns_at at = make_at(g, 0);
	uid_t uid;

	if (what == 0) {
		ok(ns_chmod(env.ns, c, at, make_mode(g)));
		return;
	}
	uid = make_id(g);
	ok(ns_chown(env.ns, c, at, uid, (gid_t)make_id(g)));
}

static void run_one(struct prog *g)
{
	uint8_t op = next(g);
	struct ns_cred c = fenv_creds[next(g) % FENV_NCREDS];
	struct ns_stat st;
	struct ns_at at;

	c.umask = (mode_t)(op & 0xe0) << 1 & 0777;
	switch (op % 19) {
	case 0: op_create(g, &c, 0); break;
	case 1: op_create(g, &c, 1); break;
	case 2: op_rename(g, &c); break;
	case 3: op_create(g, &c, 2); break;
	case 4: ok(ns_unlink(env.ns, &c, make_at(g, 0))); break;
	case 5: ok(ns_rmdir(env.ns, &c, make_at(g, 0))); break;
	case 6:
		at = make_at(g, 0);
		ok(ns_stat(env.ns, &c, at, next(g) & 1, &st));
		break;
	case 7: op_readdir(g, &c); break;
	case 8: op_owner(g, &c, 0); break;
	case 9: op_owner(g, &c, 1); break;
	case 10: op_timed(g, &c); break;
	case 11: op_read(g, &c); break;
	case 12: op_get(g, &c); break;
	case 13: op_pin(g, &c); break;
	case 14: op_lookup(g, &c); break;
	case 15: op_forget(g); break;
	case 16: op_setattr(g, &c); break;
	case 17: op_create(g, &c, 3); break;
	default: ok(ns_stat_ino(env.ns, next(g), &st)); break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct prog g;
	int fds = fenv_fd_count(&env);

	g.p = data;
	g.end = data + size;
	g.ninos = 0;
	for (int i = 0; i < OPS_MAX && g.p < g.end; i++)
		run_one(&g);
	while (g.ninos)
		ns_forget(env.ns, g.inos[--g.ninos], 1);
	check_tree();
	fenv_reset(&env);
	fenv_check(fenv_fd_count(&env) == fds, "fds left open",
		   fenv_fd_count(&env) - fds);
	return 0;
}
