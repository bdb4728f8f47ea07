/* fuzz/fuzz_env.c: the fuzzers' namespace: a temporary state dir, a
 * private mount namespace, the store, the base tree and the fd count. */
#include "config.h"

#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fuzz/fuzz_env.h"

static const gid_t g_nobody[] = { 65534 };
static const gid_t g_user[] = { 1000, 100 };
static const gid_t g_other[] = { 100 };

const struct ns_cred fenv_creds[FENV_NCREDS] = {
	{ .uid = 0, .gid = 0, .pid = 1, .umask = 022 },
	{ .uid = 65534, .gid = 65534, .pid = 2, .umask = 022,
	  .ngroups = 1, .groups = g_nobody },
	{ .uid = 1000, .gid = 1000, .pid = 3, .umask = 022,
	  .ngroups = 2, .groups = g_user },
	{ .uid = 1001, .gid = 1001, .pid = 4, .umask = 002,
	  .ngroups = 1, .groups = g_other },
};

void fenv_check(int cond, const char *what, long long val)
{
	if (cond)
		return;
	fprintf(stderr, "fuzz invariant broken: %s (%lld)\n", what, val);
	abort();
}

static void must(int r, const char *what)
{
	if (r < 0) {
		fprintf(stderr, "fuzz set-up: %s: %s\n", what, strerror(-r));
		abort();
	}
}

/* The base tree: every kind of node, owner, mode and symlink shape that
 * path resolution and the permission rules distinguish. */
static void base_tree(struct fenv *e)
{
	const struct ns_cred *root = &fenv_creds[0], *nobody = &fenv_creds[1];
	struct ns_cred root0 = *root;
	struct obj_ident id;
	struct ns_stat st;
	char err[128];
	struct ns *ns = e->ns;

	root0.umask = 0;
	must(obj_identify(e->map_fd, &id, err, sizeof(err)), err);
	must(ns_mkdir(ns, &root0, NS_AT("/d"), 0755, &st), "mkdir /d");
	must(ns_pin(ns, &root0, NS_AT("/d/m"), e->map_fd, err, sizeof(err), &st), "pin /d/m");
	must(ns_chmod(ns, root, NS_AT("/d/m"), 0644), "chmod /d/m");
	must(ns_mkdir(ns, &root0, NS_AT("/d/sub"), 0755, &st), "mkdir /d/sub");
	must(ns_link(ns, root, NS_AT("/d/m"), NS_AT("/d/hard"), &st), "link");
	must(ns_mkdir(ns, &root0, NS_AT("/pub"), 01777, &st), "mkdir /pub");
	must(ns_pin(ns, nobody, NS_AT("/pub/u"), e->map_fd, err, sizeof(err), &st), "pin /pub/u");
	must(ns_mkdir(ns, &root0, NS_AT("/priv"), 0700, &st), "mkdir /priv");
	must(ns_chown(ns, root, NS_AT("/priv"), 65534, 65534), "chown /priv");
	must(ns_mkdir(ns, &root0, NS_AT("/sg"), 02775, &st), "mkdir /sg");
	must(ns_chown(ns, root, NS_AT("/sg"), 0, 100), "chown /sg");
	must(ns_chmod(ns, root, NS_AT("/sg"), 02775), "chmod /sg");
	must(ns_symlink(ns, root, "/d/m", NS_AT("/l"), &st), "symlink /l");
	must(ns_symlink(ns, root, "/loop", NS_AT("/loop"), &st), "symlink /loop");
	must(ns_symlink(ns, root, "../d", NS_AT("/d/sub/up"), &st), "symlink up");
	must(ns_symlink(ns, nobody, "u", NS_AT("/pub/s"), &st), "symlink /pub/s");
}

static int open_ns(struct fenv *e)
{
	int r = ns_open(&e->ns, e->store);

	if (r < 0)
		return r;
	/* no cached object fds: every fd an input opens must be gone after it */
	ns_set_fd_cache(e->ns, 0);
	base_tree(e);
	return 0;
}

/* A fresh store: the old bpffs detached, the side log gone. */
static int remount(struct fenv *e)
{
	char meta[128];

	ns_close(e->ns);
	e->ns = NULL;
	if (umount2(e->store, MNT_DETACH) < 0)
		return -errno;
	snprintf(meta, sizeof(meta), "%s/meta.log", e->dir);
	unlink(meta);
	return open_ns(e);
}

void fenv_reset(struct fenv *e)
{
	if (ns_generation(e->ns) == e->base_gen &&
	    ns_node_count(e->ns) == e->base_nodes)
		return;
	must(remount(e), "resetting the store");
	e->base_gen = ns_generation(e->ns);
}

int fenv_fd_count(struct fenv *e)
{
	char buf[4096];
	int n = 0;
	long len;

	lseek(e->proc_fd, 0, SEEK_SET);
	while ((len = syscall(SYS_getdents64, e->proc_fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < len;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);

			n += d->d_name[0] != '.';
			off += d->d_reclen;
		}
	}
	return n;
}

static void cleanup(void);
static struct fenv *the_env;

int fenv_init(struct fenv *e)
{
	memset(e, 0, sizeof(*e));
	/* our own mounts: the store vanishes with the process, however it ends */
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	snprintf(e->dir, sizeof(e->dir), "/tmp/bpfpin-fuzz.XXXXXX");
	if (!mkdtemp(e->dir))
		return -errno;
	/* the side log on a tmpfs: the disk's inode allocator is not ours to fuzz */
	if (mount("tmpfs", e->dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0)
		return -errno;
	snprintf(e->store, sizeof(e->store), "%s/store", e->dir);
	e->map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "fuzz", 4, 8, 4, NULL);
	if (e->map_fd < 0)
		return -errno;
	e->proc_fd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (e->proc_fd < 0)
		return -errno;
	must(open_ns(e), "opening the namespace");
	e->base_gen = ns_generation(e->ns);
	e->base_nodes = ns_node_count(e->ns);
	the_env = e;
	atexit(cleanup);
	return 0;
}

static void cleanup(void)
{
	struct fenv *e = the_env;

	ns_close(e->ns);
	umount2(e->store, MNT_DETACH);
	umount2(e->dir, MNT_DETACH);
	rmdir(e->dir);
}
