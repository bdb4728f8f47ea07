/* tests/test_ns.c: the namespace (fs/ns.h) on a real store with real maps:
 * side by side with a kernel bpffs, errno for errno, as root and as an
 * ordinary user; the access modes of GET; persistence across close and
 * open; scale; fds; FUSE lookup references. */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "fs/ns.h"
#include "tests/test_ns_fix.h"

/* The namespace of the running test (set up by nsf_init). */
static struct nsf *const fx = &nsf_cur;

static void pin_root(const char *path)
{
	struct ns_cred root = nsf_root();
	int r = ns_pin(fx->ns, &root, NS_AT(path), fx->map, NULL, 0, NULL);

	cr_assert_eq(r, 0, "pin %s: %s", path, strerror(-r));
}

static int get_root(const char *path, int accmode)
{
	struct ns_cred root = nsf_root();
	int fd = -1, r = ns_get(fx->ns, &root, NS_AT(path), accmode, &fd, NULL);

	cr_assert_eq(r, 0, "get %s: %s", path, strerror(-r));
	return fd;
}

Test(get, rdonly_map_fd_refuses_updates, .init = nsf_init, .fini = nsf_fini)
{
	__u32 key = 0;
	__u64 val = 7;
	int fd;

	pin_root("/m");
	fd = get_root("/m", O_RDONLY);
	cr_expect_eq(bpf_map_lookup_elem(fd, &key, &val), 0);
	cr_expect_eq(bpf_map_update_elem(fd, &key, &val, BPF_ANY), -EPERM);
	close(fd);
}

Test(get, wronly_map_fd_refuses_lookups, .init = nsf_init, .fini = nsf_fini)
{
	__u32 key = 0;
	__u64 val = 7;
	int fd;

	pin_root("/m");
	fd = get_root("/m", O_WRONLY);
	cr_expect_eq(bpf_map_update_elem(fd, &key, &val, BPF_ANY), 0);
	cr_expect_eq(bpf_map_lookup_elem(fd, &key, &val), -EPERM);
	close(fd);
}

Test(get, rdwr_map_fd_reads_what_was_written, .init = nsf_init,
     .fini = nsf_fini)
{
	__u32 key = 1;
	__u64 val = 42, out = 0;
	int fd;

	pin_root("/m");
	fd = get_root("/m", O_RDWR);
	cr_assert_eq(bpf_map_update_elem(fd, &key, &val, BPF_ANY), 0);
	cr_assert_eq(bpf_map_lookup_elem(fx->map, &key, &out), 0);
	cr_expect_eq(out, 42);
	close(fd);
}

Test(get, gives_a_new_cloexec_fd_each_time, .init = nsf_init,
     .fini = nsf_fini)
{
	int a, b;

	pin_root("/m");
	a = get_root("/m", O_RDONLY);
	b = get_root("/m", O_RDONLY);
	cr_expect_neq(a, b);
	cr_expect(fcntl(a, F_GETFD) & FD_CLOEXEC);
	cr_expect(fcntl(b, F_GETFD) & FD_CLOEXEC);
	close(a);
	close(b);
}

/* Side by side with the kernel: a link is handed out rdwr only. */
Test(get, link_only_rdwr_as_the_kernel, .init = nsf_init, .fini = nsf_fini)
{
	struct ns_cred root = nsf_root();
	char cg[128], kfs[64], kpath[128];
	struct obj_ident id, got;
	int link = nsf_link_create(cg, sizeof(cg)), fd;
	LIBBPF_OPTS(bpf_obj_get_opts, ro, .file_flags = BPF_F_RDONLY);

	nsf_ident(link, &id);
	nsf_bpffs_mount(kfs, sizeof(kfs));
	snprintf(kpath, sizeof(kpath), "%s/l", kfs);
	cr_assert_eq(bpf_obj_pin(link, kpath), 0);
	cr_assert_eq(ns_pin(fx->ns, &root, NS_AT("/l"), link, NULL, 0, NULL), 0);
	cr_expect_eq(bpf_obj_get_opts(kpath, &ro), -EINVAL);
	cr_expect_eq(ns_get(fx->ns, &root, NS_AT("/l"), O_RDONLY, &fd, NULL),
		     -EINVAL);
	cr_expect_eq(ns_get(fx->ns, &root, NS_AT("/l"), O_WRONLY, &fd, NULL),
		     -EINVAL);
	fd = get_root("/l", O_RDWR);
	nsf_ident(fd, &got);
	cr_expect_eq(got.kind, OBJ_LINK);
	cr_expect_eq(got.id, id.id);
	close(fd);
	nsf_bpffs_umount(kfs);
	nsf_link_destroy(link, cg);
}

Test(persist, tree_survives_close_and_open, .init = nsf_init,
     .fini = nsf_fini)
{
	struct ns_cred root = nsf_root(), user = nsf_user();
	struct ns_stat m, h, l;
	char *before, *after, target[64];

	user.pid = 4242;
	root.umask = 0;
	cr_assert_eq(ns_mkdir(fx->ns, &root, NS_AT("/a"), 0750, NULL), 0);
	cr_assert_eq(ns_mkdir(fx->ns, &root, NS_AT("/a/b"), 01777, NULL), 0);
	pin_root("/a/m");
	cr_assert_eq(ns_link(fx->ns, &root, NS_AT("/a/m"), NS_AT("/a/h"), NULL),
		     0);
	cr_assert_eq(ns_symlink(fx->ns, &root, "../a/m", NS_AT("/a/b/l"), NULL),
		     0);
	cr_assert_eq(ns_chmod(fx->ns, &root, NS_AT("/a/m"), 0640), 0);
	cr_assert_eq(ns_chown(fx->ns, &root, NS_AT("/a"), 1000, 100), 0);
	cr_assert_eq(ns_pin(fx->ns, &user, NS_AT("/a/b/u"), fx->map, NULL, 0,
			    NULL), 0);
	before = nsf_snapshot(fx->ns);
	nsf_reopen(fx);
	after = nsf_snapshot(fx->ns);
	cr_expect_str_eq(after, before);
	cr_assert_eq(ns_stat(fx->ns, &root, NS_AT("/a/m"), false, &m), 0);
	cr_assert_eq(ns_stat(fx->ns, &root, NS_AT("/a/h"), false, &h), 0);
	cr_expect_eq(m.ino, h.ino, "hard links are one node again");
	cr_expect_eq(m.nlink, 2);
	cr_expect_eq(m.obj.kind, OBJ_MAP);
	cr_expect_eq(m.obj.id, fx->ident.id);
	cr_expect_str_eq(m.obj.name, "ns_test");
	cr_assert_eq(ns_stat(fx->ns, &root, NS_AT("/a/b/u"), false, &l), 0);
	cr_expect_eq(l.pid, 4242);
	cr_expect_eq(ns_readlink(fx->ns, &root, NS_AT("/a/b/l"), target,
				 sizeof(target)), 6);
	cr_expect_str_eq(target, "../a/m");
	free(before);
	free(after);
}

static int count_lines(const char *path)
{
	FILE *fp = fopen(path, "re");
	int n = 0, c;

	cr_assert_not_null(fp);
	while ((c = fgetc(fp)) != EOF)
		n += c == '\n';
	fclose(fp);
	return n;
}

Test(persist, side_log_keeps_live_nodes_only, .init = nsf_init,
     .fini = nsf_fini)
{
	struct ns_cred root = nsf_root();
	char log[128];

	snprintf(log, sizeof(log), "%s/state/meta.log", fx->tmp);
	pin_root("/p1");
	pin_root("/p2");
	pin_root("/p3");
	cr_assert_eq(ns_mkdir(fx->ns, &root, NS_AT("/d"), 0755, NULL), 0);
	cr_expect_eq(count_lines(log), 4);
	cr_assert_eq(ns_unlink(fx->ns, &root, NS_AT("/p1")), 0);
	cr_assert_eq(ns_unlink(fx->ns, &root, NS_AT("/p2")), 0);
	nsf_reopen(fx);
	cr_expect_eq(count_lines(log), 2);
}

/* The daemon's mode: a change's line is written at ns_flush, after the
 * reply, and still read back at the next open. */
Test(persist, deferred_side_log_lines_are_written_at_flush, .init = nsf_init,
     .fini = nsf_fini)
{
	struct ns_cred root = nsf_root();
	struct ns_stat st;
	char log[128];

	snprintf(log, sizeof(log), "%s/state/meta.log", fx->tmp);
	ns_set_meta_defer(fx->ns, true);
	root.pid = 4242;
	cr_assert_eq(ns_mkdir(fx->ns, &root, NS_AT("/d"), 0755, NULL), 0);
	cr_expect_eq(count_lines(log), 0, "held back until the flush");
	ns_flush(fx->ns);
	cr_expect_eq(count_lines(log), 1);
	nsf_reopen(fx);
	cr_assert_eq(ns_stat(fx->ns, &root, NS_AT("/d"), false, &st), 0);
	cr_expect_eq(st.pid, 4242);
}

Test(persist, side_log_stays_bounded_under_churn, .init = nsf_init,
     .fini = nsf_fini)
{
	struct ns_cred root = nsf_root();
	char log[128];

	snprintf(log, sizeof(log), "%s/state/meta.log", fx->tmp);
	for (int i = 0; i < 10000; i++) {
		pin_root("/p");
		cr_assert_eq(ns_unlink(fx->ns, &root, NS_AT("/p")), 0);
	}
	cr_expect_leq(count_lines(log), 2 * ns_node_count(fx->ns) + 4097);
}

static struct timespec mono(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t;
}

struct listing {
	long count, chunk, max;
	uint64_t last;
	bool ordered;
};

/* Takes at most max entries per call, like a FUSE buffer that fills. */
static int take_entry(const struct ns_dirent *de, void *arg)
{
	struct listing *l = arg;

	if (l->chunk == l->max)
		return 1;
	l->ordered &= de->cookie > l->last && de->cookie >= 3;
	l->last = de->cookie;
	l->chunk++;
	l->count++;
	return 0;
}

static long list_all(const char *dir, long max)
{
	struct ns_cred root = nsf_root();
	struct listing l = { .max = max, .ordered = true };

	do {
		l.chunk = 0;
		cr_assert_eq(ns_readdir(fx->ns, &root, NS_AT(dir), l.last,
					take_entry, &l), 0);
	} while (l.chunk == max);
	cr_expect(l.ordered, "cookies grow");
	return l.count;
}

#define SCALE 100000

static void pin_many(void)
{
	char path[32];

	for (int i = 0; i < SCALE; i++) {
		snprintf(path, sizeof(path), "/%c/p%06d", i % 2 ? 'b' : 'a', i);
		pin_root(path);
	}
}

Test(scale, hundred_thousand_pins_of_one_map, .init = nsf_init,
     .fini = nsf_fini, .timeout = 120)
{
	struct ns_cred root = nsf_root();
	struct timespec t0 = mono(), t1;
	int fds = nsf_fd_count();
	uint64_t nodes = ns_node_count(fx->ns);
	struct ns_stat st;

	cr_assert_eq(ns_mkdir(fx->ns, &root, NS_AT("/a"), 0755, NULL), 0);
	cr_assert_eq(ns_mkdir(fx->ns, &root, NS_AT("/b"), 0755, NULL), 0);
	pin_many();
	cr_expect_eq(ns_node_count(fx->ns), nodes + 2 + SCALE);
	cr_expect_leq(nsf_fd_count(), fds + 4096 + 2,
		      "the fd cache bounds fds");
	cr_expect_eq(list_all("/a", 1000), SCALE / 2);
	cr_expect_eq(list_all("/b", 777), SCALE / 2);
	cr_assert_eq(ns_stat(fx->ns, &root, NS_AT("/b/p099999"), false, &st),
		     0);
	cr_expect_eq(st.obj.id, fx->ident.id);
	nsf_reopen(fx);
	cr_expect_eq(ns_node_count(fx->ns), nodes + 2 + SCALE);
	cr_expect_eq(list_all("/a", 4096), SCALE / 2);
	cr_assert_eq(ns_stat(fx->ns, &root, NS_AT("/a/p000000"), false, &st),
		     0);
	cr_expect_eq(st.obj.id, fx->ident.id);
	cr_expect_eq(st.mode, S_IFREG | 0600);
	close(get_root("/a/p050000", O_RDONLY));
	t1 = mono();
	cr_expect_lt(t1.tv_sec - t0.tv_sec, 20, "took %ld s",
		     (long)(t1.tv_sec - t0.tv_sec));
}

Test(fds, pin_get_unlink_cycles_leave_none_open, .init = nsf_init,
     .fini = nsf_fini, .timeout = 60)
{
	struct ns_cred root = nsf_root();
	int fds = nsf_fd_count();

	for (int i = 0; i < 10000; i++) {
		pin_root("/p");
		close(get_root("/p", O_RDONLY));
		close(get_root("/p", O_RDWR));
		cr_assert_eq(ns_unlink(fx->ns, &root, NS_AT("/p")), 0);
	}
	cr_expect_eq(nsf_fd_count(), fds);
}

Test(fds, cache_holds_at_most_its_bound, .init = nsf_init, .fini = nsf_fini)
{
	char path[32];
	int fds = nsf_fd_count();

	ns_set_fd_cache(fx->ns, 10);
	for (int i = 0; i < 100; i++) {
		snprintf(path, sizeof(path), "/p%d", i);
		pin_root(path);
		close(get_root(path, O_RDONLY));
	}
	cr_expect_leq(nsf_fd_count(), fds + 10);
	ns_set_fd_cache(fx->ns, 0);
	cr_expect_eq(nsf_fd_count(), fds);
	close(get_root("/p1", O_WRONLY));
	cr_expect_eq(nsf_fd_count(), fds);
}

/* The fd given to ns_pin_take is the cache's on success (the first GET
 * lends it); the caller keeps it when the cache is off or the pin fails. */
Test(fds, pin_take_gives_the_fd_to_the_cache, .init = nsf_init, .fini = nsf_fini)
{
	struct ns_cred root = nsf_root();
	int fd = fcntl(fx->map, F_DUPFD_CLOEXEC, 0), given = fd, lent = -1;
	bool is_lent = false;

	cr_assert_eq(ns_pin_take(fx->ns, &root, NS_AT("/t"), &fd, NULL, 0, NULL), 0);
	cr_expect_eq(fd, -1, "the cache took the fd");
	cr_assert_eq(ns_get_lent(fx->ns, &root, NS_AT("/t"), O_RDWR, &lent,
				 &is_lent, NULL), 0);
	cr_expect(is_lent && lent == given, "the first GET lends the fd pinned");
	fd = fcntl(fx->map, F_DUPFD_CLOEXEC, 0);
	cr_expect_eq(ns_pin_take(fx->ns, &root, NS_AT("/t"), &fd, NULL, 0, NULL),
		     -EEXIST);
	cr_expect_geq(fcntl(fd, F_GETFD), 0, "a failed pin leaves the fd");
	ns_set_fd_cache(fx->ns, 0);
	cr_assert_eq(ns_pin_take(fx->ns, &root, NS_AT("/u"), &fd, NULL, 0, NULL), 0);
	cr_expect_geq(fd, 0, "no cache: the fd stays the caller's");
	close(fd);
}

static uint64_t lookup_root(const char *path)
{
	struct ns_cred root = nsf_root();
	struct ns_stat st;

	cr_assert_eq(ns_lookup_ref(fx->ns, &root, NS_AT(path), &st), 0);
	return st.ino;
}

/* The pin inode ino's object, opened as the mount opens it (a map
 * read-only), by a node only lookup references may keep. */
static int open_ino(uint64_t ino, int *fd)
{
	struct ns_cred root = nsf_root();

	return ns_open_obj(fx->ns, &root, NS_AT_INO(ino), NS_USE_SHOW, fd,
			   NULL);
}

static void expect_map_id(int fd, uint32_t id)
{
	struct obj_ident got;

	nsf_ident(fd, &got);
	cr_expect_eq(got.kind, OBJ_MAP);
	cr_expect_eq(got.id, id);
}

Test(lookup, unlinked_pin_answers_until_forget, .init = nsf_init,
     .fini = nsf_fini)
{
	struct ns_cred root = nsf_root();
	int fds = nsf_fd_count(), fd;
	__u32 key = 0;
	__u64 val = 1;
	struct ns_stat st;
	uint64_t ino;

	pin_root("/p");
	ino = lookup_root("/p");
	cr_assert_eq(ns_unlink(fx->ns, &root, NS_AT("/p")), 0);
	cr_assert_eq(ns_stat_ino(fx->ns, ino, &st), 0);
	cr_expect_eq(st.nlink, 0);
	cr_expect_eq(st.obj.id, fx->ident.id);
	cr_assert_eq(open_ino(ino, &fd), 0);
	expect_map_id(fd, fx->ident.id);
	cr_expect_eq(bpf_map_update_elem(fd, &key, &val, BPF_ANY), -EPERM);
	close(fd);
	ns_forget(fx->ns, ino, 1);
	cr_expect_eq(ns_stat_ino(fx->ns, ino, &st), -ENOENT);
	cr_expect_eq(open_ino(ino, &fd), -ENOENT);
	cr_expect_eq(nsf_fd_count(), fds);
}

Test(lookup, pin_renamed_over_answers_until_forget, .init = nsf_init,
     .fini = nsf_fini)
{
	struct ns_cred root = nsf_root();
	uint64_t ino;
	int fd;

	ns_set_fd_cache(fx->ns, 0);
	pin_root("/old");
	pin_root("/new");
	ino = lookup_root("/old");
	ns_forget(fx->ns, lookup_root("/new"), 1);
	cr_assert_eq(ns_rename(fx->ns, &root, NS_AT("/new"), NS_AT("/old"), 0),
		     0);
	cr_assert_eq(open_ino(ino, &fd), 0);
	expect_map_id(fd, fx->ident.id);
	close(fd);
	ns_forget_all(fx->ns);
	cr_expect_eq(open_ino(ino, &fd), -ENOENT);
}

Test(lookup, removed_dir_answers_until_forget, .init = nsf_init,
     .fini = nsf_fini)
{
	struct ns_cred root = nsf_root();
	struct ns_stat st;
	uint64_t ino;

	cr_assert_eq(ns_mkdir(fx->ns, &root, NS_AT("/d"), 0755, NULL), 0);
	ino = lookup_root("/d");
	cr_assert_eq(ns_rmdir(fx->ns, &root, NS_AT("/d")), 0);
	cr_assert_eq(ns_stat_ino(fx->ns, ino, &st), 0);
	cr_expect_eq(st.type, NS_DIR);
	cr_expect_eq(st.nlink, 0);
	cr_expect_eq(ns_pin(fx->ns, &root, (struct ns_at){ ino, "m" }, fx->map,
			    NULL, 0, NULL), -ENOENT, "nothing is made in a "
		     "removed directory");
	ns_forget(fx->ns, ino, 1);
	cr_expect_eq(ns_stat_ino(fx->ns, ino, &st), -ENOENT);
}

Test(lookup, named_nodes_and_root_outlive_forget,
     .init = nsf_init, .fini = nsf_fini)
{
	struct ns_stat st;
	uint64_t ino;

	pin_root("/p");
	ino = lookup_root("/p");
	ns_forget(fx->ns, ino, 5);
	cr_expect_eq(ns_stat_ino(fx->ns, ino, &st), 0);
	cr_expect_eq(ns_stat_ino(fx->ns, NS_ROOT_INO, &st), 0);
	ns_forget(fx->ns, NS_ROOT_INO, 1);
	ns_forget_all(fx->ns);
	cr_expect_eq(ns_stat_ino(fx->ns, NS_ROOT_INO, &st), 0);
}

struct names {
	char seen[16][8];
	uint64_t cookie[16];
	int n;
};

static int collect(const struct ns_dirent *de, void *arg)
{
	struct names *l = arg;

	snprintf(l->seen[l->n], sizeof(l->seen[0]), "%s", de->name);
	l->cookie[l->n++] = de->cookie;
	return l->n == 16;
}

Test(readdir, resumes_after_a_cookie_despite_removals, .init = nsf_init,
     .fini = nsf_fini)
{
	struct ns_cred root = nsf_root();
	struct names all = { 0 }, rest = { 0 };
	char path[16];

	cr_assert_eq(ns_mkdir(fx->ns, &root, NS_AT("/d"), 0755, NULL), 0);
	for (int i = 0; i < 8; i++) {
		snprintf(path, sizeof(path), "/d/%d", i);
		pin_root(path);
	}
	cr_assert_eq(ns_readdir(fx->ns, &root, NS_AT("/d"), 0, collect, &all),
		     0);
	cr_assert_eq(all.n, 8);
	cr_expect_geq(all.cookie[0], 3, "1 and 2 are FUSE's . and ..");
	cr_assert_eq(ns_unlink(fx->ns, &root, NS_AT("/d/3")), 0);
	cr_assert_eq(ns_unlink(fx->ns, &root, NS_AT("/d/5")), 0);
	cr_assert_eq(ns_readdir(fx->ns, &root, NS_AT("/d"), all.cookie[2],
				collect, &rest), 0);
	cr_assert_eq(rest.n, 3);
	cr_expect_str_eq(rest.seen[0], "4");
	cr_expect_str_eq(rest.seen[1], "6");
	cr_expect_str_eq(rest.seen[2], "7");
}

Test(at, relative_paths_start_at_the_directory, .init = nsf_init,
     .fini = nsf_fini)
{
	struct ns_cred root = nsf_root();
	struct ns_stat d, p;

	cr_assert_eq(ns_mkdir(fx->ns, &root, NS_AT("/d"), 0755, &d), 0);
	cr_assert_eq(ns_pin(fx->ns, &root, (struct ns_at){ d.ino, "m" },
			    fx->map,
			    NULL, 0, &p), 0);
	cr_expect_eq(ns_stat(fx->ns, &root, NS_AT("/d/m"), false, &d), 0);
	cr_expect_eq(d.ino, p.ino);
	cr_expect_eq(ns_stat(fx->ns, &root, (struct ns_at){ p.ino, "x" }, false,
			     &d), -ENOTDIR);
	cr_expect_eq(ns_stat(fx->ns, &root, (struct ns_at){ 999999, "x" },
			     false,
			     &d), -ENOENT);
	cr_expect_eq(ns_stat(fx->ns, &root, (struct ns_at){ 999999, "/d/m" },
			     false, &d), 0, "an absolute path ignores dir");
}

Test(checked, skips_mode_bits_not_ownership, .init = nsf_init,
     .fini = nsf_fini)
{
	struct ns_cred root = nsf_root(), user = nsf_user();

	user.checked = true;
	cr_assert_eq(ns_mkdir(fx->ns, &root, NS_AT("/priv"), 0700, NULL), 0);
	pin_root("/priv/m");
	cr_expect_eq(ns_pin(fx->ns, &user, NS_AT("/priv/u"), fx->map,
			    NULL, 0,
			    NULL), 0);
	cr_expect_eq(ns_chmod(fx->ns, &user, NS_AT("/priv/m"), 0666), -EPERM);
	cr_expect_eq(ns_chown(fx->ns, &user, NS_AT("/priv/u"), 0, -1), -EPERM);
	cr_expect_eq(ns_chmod(fx->ns, &user, NS_AT("/priv/u"), 0644), 0);
}

Test(generation, bumps_on_each_change_only, .init = nsf_init,
     .fini = nsf_fini)
{
	struct ns_cred root = nsf_root();
	uint64_t g = ns_generation(fx->ns);
	struct ns_stat st;

	pin_root("/p");
	cr_expect_eq(ns_generation(fx->ns), g + 1);
	cr_assert_eq(ns_stat(fx->ns, &root, NS_AT("/p"), true, &st), 0);
	close(get_root("/p", O_RDONLY));
	cr_expect_eq(ns_generation(fx->ns), g + 1);
	cr_assert_eq(ns_chmod(fx->ns, &root, NS_AT("/p"), 0644), 0);
	cr_expect_eq(ns_generation(fx->ns), g + 2);
	cr_expect_eq(ns_unlink(fx->ns, &root, NS_AT("/p")), 0);
	cr_expect_eq(ns_generation(fx->ns), g + 3);
}

Test(pin, records_caller_mode_ident_and_pid, .init = nsf_init,
     .fini = nsf_fini)
{
	struct ns_cred user = nsf_user();
	struct ns_stat st;
	char why[128] = "";
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	user.umask = 0066;
	user.pid = 777;
	cr_assert_eq(ns_pin(fx->ns, &user, NS_AT("/p"), fx->map, NULL, 0,
			    &st), 0);
	cr_expect_eq(st.mode, S_IFREG | 0600);
	cr_expect_eq(st.uid, 65534);
	cr_expect_eq(st.gid, 65534);
	cr_expect_eq(st.pid, 777);
	cr_expect_eq(st.obj.kind, OBJ_MAP);
	cr_expect_eq(st.obj.id, fx->ident.id);
	cr_expect_eq(ns_pin(fx->ns, &user, NS_AT("/q"), -1, NULL, 0, &st),
		     -EBADF);
	cr_expect_eq(ns_pin(fx->ns, &user, NS_AT("/q"), null, why,
			    sizeof(why), &st), -EINVAL);
	cr_expect(why[0], "a refused fd is said what it was");
	close(null);
}

/* Forty symlinks are followed in one resolution, not forty-one, as the
 * kernel does: a chain of links l0 -> l1 -> ... -> target. */
static int chain_kernel(const char *dir, int n)
{
	char p[128], t[16];
	struct stat st;

	for (int i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%s/l%d", dir, i);
		snprintf(t, sizeof(t), i + 1 < n ? "l%d" : "d", i + 1);
		cr_assert_eq(symlink(t, p), 0);
	}
	snprintf(p, sizeof(p), "%s/l0/", dir);
	return stat(p, &st) < 0 ? -errno : 0;
}

static int chain_ns(const char *dir, int n)
{
	struct ns_cred root = nsf_root();
	char p[64], t[16];
	struct ns_stat st;

	for (int i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%s/l%d", dir, i);
		snprintf(t, sizeof(t), i + 1 < n ? "l%d" : "d", i + 1);
		cr_assert_eq(ns_symlink(fx->ns, &root, t, NS_AT(p), NULL), 0);
	}
	snprintf(p, sizeof(p), "%s/l0/", dir);
	return ns_stat(fx->ns, &root, NS_AT(p), true, &st);
}

Test(symlink, forty_followed_not_forty_one, .init = nsf_init,
     .fini = nsf_fini)
{
	struct ns_cred root = nsf_root();
	char kfs[64], dir[96];

	nsf_bpffs_mount(kfs, sizeof(kfs));
	for (int n = 40; n <= 41; n++) {
		snprintf(dir, sizeof(dir), "%s/c%d", kfs, n);
		cr_assert_eq(mkdir(dir, 0755), 0);
		strcat(dir, "/d");
		cr_assert_eq(mkdir(dir, 0755), 0);
		snprintf(dir, sizeof(dir), "/c%d", n);
		cr_assert_eq(ns_mkdir(fx->ns, &root, NS_AT(dir), 0755, NULL),
			     0);
		strcat(dir, "/d");
		cr_assert_eq(ns_mkdir(fx->ns, &root, NS_AT(dir), 0755, NULL),
			     0);
	}
	snprintf(dir, sizeof(dir), "%s/c40", kfs);
	cr_expect_eq(chain_kernel(dir, 40), 0);
	cr_expect_eq(chain_ns("/c40", 40), 0);
	snprintf(dir, sizeof(dir), "%s/c41", kfs);
	cr_expect_eq(chain_kernel(dir, 41), -ELOOP);
	cr_expect_eq(chain_ns("/c41", 41), -ELOOP);
	nsf_bpffs_umount(kfs);
}

static bool later(struct timespec a, struct timespec b)
{
	return a.tv_sec > b.tv_sec ||
	       (a.tv_sec == b.tv_sec && a.tv_nsec > b.tv_nsec);
}

static void nap(void)
{
	struct timespec t = { 0, 20 * 1000 * 1000 };

	nanosleep(&t, NULL);
}

/* Creating and removing change the directory's mtime and ctime; chmod
 * changes the node's ctime only; the store keeps the tree's times. */
Test(times, follow_the_kernel_rules, .init = nsf_init, .fini = nsf_fini)
{
	struct ns_cred root = nsf_root();
	const struct timespec set[2] = { { 1000, 1 }, { 2000, 2 } };
	struct ns_stat d0, d1, p0, p1, back;

	cr_assert_eq(ns_mkdir(fx->ns, &root, NS_AT("/d"), 0755, &d0), 0);
	nap();
	pin_root("/d/p");
	cr_assert_eq(ns_stat(fx->ns, &root, NS_AT("/d"), false, &d1), 0);
	cr_expect(later(d1.mtime, d0.mtime) && later(d1.ctime, d0.ctime));
	cr_assert_eq(ns_stat(fx->ns, &root, NS_AT("/d/p"), false, &p0), 0);
	nap();
	cr_assert_eq(ns_chmod(fx->ns, &root, NS_AT("/d/p"), 0644), 0);
	cr_assert_eq(ns_stat(fx->ns, &root, NS_AT("/d/p"), false, &p1), 0);
	cr_expect(later(p1.ctime, p0.ctime));
	cr_expect(!later(p1.mtime, p0.mtime));
	nap();
	cr_assert_eq(ns_unlink(fx->ns, &root, NS_AT("/d/p")), 0);
	cr_assert_eq(ns_stat(fx->ns, &root, NS_AT("/d"), false, &d0), 0);
	cr_expect(later(d0.mtime, d1.mtime));
	cr_assert_eq(ns_utimens(fx->ns, &root, NS_AT("/d"), set), 0);
	nsf_reopen(fx);
	cr_assert_eq(ns_stat(fx->ns, &root, NS_AT("/d"), false, &back), 0);
	cr_expect_eq(back.atime.tv_sec, 1000);
	cr_expect_eq(back.mtime.tv_nsec, 2);
}

static struct ns_stat stat_root(const char *path)
{
	struct ns_cred root = nsf_root();
	struct ns_stat st;

	cr_assert_eq(ns_stat(fx->ns, &root, NS_AT(path), false, &st), 0,
		     "stat %s", path);
	return st;
}

Test(setattr, applies_mode_owner_and_times_at_once, .init = nsf_init,
     .fini = nsf_fini)
{
	struct ns_cred root = nsf_root();
	struct ns_setattr sa = {
		.valid = NS_SA_MODE | NS_SA_UID | NS_SA_GID | NS_SA_MTIME,
		.mode = 0640, .uid = 65534, .gid = 100,
		.mtime = { 5000, 6 },
	};
	struct ns_stat st;

	pin_root("/p");
	cr_assert_eq(ns_setattr_ino(fx->ns, &root, stat_root("/p").ino, &sa,
				    &st), 0);
	cr_expect_eq(st.mode, S_IFREG | 0640);
	cr_expect_eq(st.uid, 65534);
	cr_expect_eq(st.gid, 100);
	cr_expect_eq(st.mtime.tv_sec, 5000);
	nsf_reopen(fx);
	st = stat_root("/p");
	cr_expect_eq(st.mode, S_IFREG | 0640);
	cr_expect_eq(st.uid, 65534);
	cr_expect_eq(st.mtime.tv_nsec, 6);
}

Test(setattr, keeps_the_ownership_rules, .init = nsf_init,
     .fini = nsf_fini)
{
	struct ns_cred root = nsf_root(), user = nsf_user();
	struct ns_setattr mode = { .valid = NS_SA_MODE, .mode = 0666 };
	struct ns_setattr uid = { .valid = NS_SA_UID, .uid = 65534 };
	struct ns_setattr touch = { .valid = NS_SA_ATIME | NS_SA_MTIME,
				    .atime = { 0, UTIME_NOW },
				    .mtime = { 0, UTIME_NOW } };
	struct ns_setattr set = { .valid = NS_SA_MTIME, .mtime = { 1, 0 } };
	uint64_t ino;

	pin_root("/p");
	ino = stat_root("/p").ino;
	cr_expect_eq(ns_setattr_ino(fx->ns, &user, ino, &mode, NULL), -EPERM);
	cr_expect_eq(ns_setattr_ino(fx->ns, &user, ino, &uid, NULL), -EPERM);
	cr_expect_eq(ns_setattr_ino(fx->ns, &user, ino, &touch, NULL),
		     -EACCES);
	cr_assert_eq(ns_chmod(fx->ns, &root, NS_AT("/p"), 0666), 0);
	cr_expect_eq(ns_setattr_ino(fx->ns, &user, ino, &touch, NULL), 0);
	cr_expect_eq(ns_setattr_ino(fx->ns, &user, ino, &set, NULL), -EPERM);
	cr_expect_eq(ns_setattr_ino(fx->ns, &root, 999999, &set, NULL),
		     -ENOENT);
}

Test(setattr, chown_without_mode_drops_setuid, .init = nsf_init,
     .fini = nsf_fini)
{
	struct ns_cred root = nsf_root();
	struct ns_setattr chown_only = { .valid = NS_SA_UID, .uid = 1 };
	struct ns_setattr with_mode = { .valid = NS_SA_UID | NS_SA_MODE,
					.uid = 2, .mode = 04755 };
	uint64_t ino;

	pin_root("/p");
	ino = stat_root("/p").ino;
	cr_assert_eq(ns_chmod(fx->ns, &root, NS_AT("/p"), 04755), 0);
	cr_assert_eq(ns_setattr_ino(fx->ns, &root, ino, &chown_only, NULL), 0);
	cr_expect_eq(stat_root("/p").mode, S_IFREG | 0755);
	cr_assert_eq(ns_setattr_ino(fx->ns, &root, ino, &with_mode, NULL), 0);
	cr_expect_eq(stat_root("/p").mode, S_IFREG | 04755);
	nsf_reopen(fx);
	cr_expect_eq(stat_root("/p").mode, S_IFREG | 04755, "so is the store");
}

Test(setattr, symlinks_take_owners_not_modes, .init = nsf_init,
     .fini = nsf_fini)
{
	struct ns_cred root = nsf_root();
	struct ns_setattr mode = { .valid = NS_SA_MODE, .mode = 0600 };
	struct ns_setattr own = { .valid = NS_SA_UID | NS_SA_GID, .uid = 7,
				  .gid = 8 };
	uint64_t ino;

	cr_assert_eq(ns_symlink(fx->ns, &root, "t", NS_AT("/l"), NULL), 0);
	ino = stat_root("/l").ino;
	cr_expect_eq(ns_setattr_ino(fx->ns, &root, ino, &mode, NULL),
		     -EOPNOTSUPP);
	cr_assert_eq(ns_setattr_ino(fx->ns, &root, ino, &own, NULL), 0);
	nsf_reopen(fx);
	cr_expect_eq(stat_root("/l").uid, 7);
	cr_expect_eq(stat_root("/l").gid, 8);
}

Test(ino, readlink_by_inode, .init = nsf_init, .fini = nsf_fini)
{
	struct ns_cred root = nsf_root();
	char buf[8];

	cr_assert_eq(ns_symlink(fx->ns, &root, "target/x", NS_AT("/l"), NULL),
		     0);
	pin_root("/p");
	cr_expect_eq(ns_readlink_ino(fx->ns, stat_root("/l").ino, buf,
				     sizeof(buf)), 8);
	cr_expect_str_eq(buf, "target/", "truncated to the buffer");
	cr_expect_eq(ns_readlink_ino(fx->ns, stat_root("/p").ino, buf,
				     sizeof(buf)), -EINVAL);
	cr_expect_eq(ns_readlink_ino(fx->ns, 999999, buf, sizeof(buf)),
		     -ENOENT);
}

Test(ino, link_by_inode, .init = nsf_init, .fini = nsf_fini)
{
	struct ns_cred root = nsf_root();
	struct ns_stat st;
	uint64_t pin, dir, gone;

	pin_root("/p");
	pin_root("/q");
	cr_assert_eq(ns_mkdir(fx->ns, &root, NS_AT("/d"), 0755, NULL), 0);
	pin = stat_root("/p").ino;
	dir = stat_root("/d").ino;
	gone = lookup_root("/q");
	cr_assert_eq(ns_unlink(fx->ns, &root, NS_AT("/q")), 0);
	cr_assert_eq(ns_link_ino(fx->ns, &root, pin, NS_AT("/d/h"), &st), 0);
	cr_expect_eq(st.nlink, 2);
	cr_expect_eq(stat_root("/d/h").ino, pin);
	cr_expect_eq(ns_link_ino(fx->ns, &root, dir, NS_AT("/x"), &st), -EPERM);
	cr_expect_eq(ns_link_ino(fx->ns, &root, gone, NS_AT("/x"), &st),
		     -ENOENT);
	cr_expect_eq(ns_link_ino(fx->ns, &root, pin, NS_AT("/d/h"), &st),
		     -EEXIST);
}
