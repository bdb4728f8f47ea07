/* tests/test_fdstore.c: bpfpind --store=fdstore under a notify-socket peer
 * that speaks systemd's protocol (tests/svc_peer.c): pins, directories,
 * symlinks, modes, owners, times, renames, hard links and unpins survive
 * a SIGKILL with the fds passed back (same kernel objects, same values);
 * one fd per kernel object; an unpin sends FDSTOREREMOVE; a crash between
 * FDSTORE and its record, or between an unpin's record and FDSTOREREMOVE,
 * leaves an fd no record names, closed and removed at the next start, as
 * is an fd the manager has under an unknown name; a record whose fd the
 * manager lost is dropped; a read-only GET stays read-only; --fdstore-max
 * refuses a pin with ENOSPC; a torn journal, a bogus snapshot and a state
 * of another boot are survived; sockmaps are refused; and without a
 * service manager the daemon refuses to start. */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpfpin/bpfpin.h>

#include "tests/harness.h"
#include "tests/svc_peer.h"

static struct svc_peer p;
static char sock[100], state[128];

static void start_with(unsigned fd_max, const char *const *extra)
{
	const char *argv[24] = { th_bpfpind(), "--foreground", "--no-mount",
				 "--log-level", "debug", "--store=fdstore",
				 "--socket", sock, "--state-dir", state };
	int n = 10;

	cr_assert_eq(svc_peer_init(&p, fd_max), 0);
	snprintf(sock, sizeof(sock), "%s/sock", p.dir);
	snprintf(state, sizeof(state), "%s/state", p.dir);
	for (int i = 0; extra && extra[i] && n < 23; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	cr_assert_eq(svc_peer_start(&p, argv), 0);
	cr_assert_not_null(svc_peer_wait(&p, "READY=1", 20000),
			   "no READY=1 (log %s)", p.log);
}

static void start(void)
{
	start_with(16384, NULL);
}

static struct bpfpin *conn(void)
{
	struct bpfpin *b;

	cr_assert_eq(bpfpin_connect(sock, &b), 0);
	return b;
}

/* A crash, and the restart systemd's Restart=on-failure makes. */
static void crash_restart(void)
{
	cr_assert_eq(svc_peer_restart(&p, SIGKILL), 0);
	cr_assert_not_null(svc_peer_wait(&p, "READY=1", 20000),
			   "no READY=1 after the restart (log %s)", p.log);
}

static void restart_stopped(void)
{
	cr_assert_eq(svc_peer_start(&p, (const char *const *)p.argv), 0);
	cr_assert_not_null(svc_peer_wait(&p, "READY=1", 20000),
			   "no READY=1 after the restart (log %s)", p.log);
}

static bool log_has(const char *what)
{
	int status;
	char *out = th_run(&status, "grep -c -F -- '%s' '%s'", what, p.log);
	bool found = out && atoi(out) > 0;

	free(out);
	return found;
}

static void teardown(void)
{
	if (p.dir[0]) {
		if (p.pid > 0) {
			int st = svc_peer_stop(&p, SIGTERM);

			cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0,
				  "bpfpind did not exit cleanly (log %s)", p.log);
		}
		cr_expect(!log_has("Sanitizer"), "sanitizer report in %s", p.log);
	}
	svc_peer_fini(&p);
}

TestSuite(fdstore, .fini = teardown, .timeout = 120);

static int hash_map(uint64_t v)
{
	int fd = th_map_create(BPF_MAP_TYPE_HASH, 4, 8, 16);
	uint32_t k = 1;

	cr_assert_geq(fd, 0);
	cr_assert_eq(bpf_map_update_elem(fd, &k, &v, 0), 0);
	return fd;
}

static uint64_t value_at(struct bpfpin *b, const char *path)
{
	int fd = bpfpin_get(b, path, O_RDONLY);
	uint32_t k = 1;
	uint64_t v = 0;

	cr_assert_geq(fd, 0, "get %s: %s", path, strerror(-fd));
	cr_assert_eq(bpf_map_lookup_elem(fd, &k, &v), 0);
	close(fd);
	return v;
}

static uint32_t id_at(struct bpfpin *b, const char *path)
{
	struct bpfpin_stat st;

	cr_assert_eq(bpfpin_lstat(b, path, &st), 0, "lstat %s", path);
	return st.obj_id;
}

/* The name the peer holds the object of kernel map id under, or NULL. */
static const char *name_of(uint32_t id)
{
	for (unsigned i = 0; i < p.nfds; i++) {
		struct bpf_map_info info = { 0 };
		uint32_t len = sizeof(info);

		if (bpf_obj_get_info_by_fd(p.fds[i].fd, &info, &len) == 0 &&
		    info.id == id)
			return p.fds[i].name;
	}
	return NULL;
}

struct before {
	uint32_t m1, m2, prog;
	struct bpfpin_stat pin, dir, lnk;
};

/* Everything the store must keep, made over the socket. */
static void populate(struct bpfpin *b, struct before *w)
{
	const struct timespec ts[2] = { { 1000, 5 }, { 2000, 7 } };
	int m1 = hash_map(11), m2 = hash_map(22), prog = th_prog_load();

	cr_assert_geq(prog, 0);
	cr_assert_eq(bpfpin_mkdir(b, "/d", 0750), 0);
	cr_assert_eq(bpfpin_mkdir(b, "/d/sub", 0755), 0);
	cr_assert_eq(bpfpin_pin(b, m1, "/d/sub/m1", NULL), 0);
	cr_assert_eq(bpfpin_pin(b, m2, "/m2", NULL), 0);
	cr_assert_eq(bpfpin_pin(b, prog, "/prog", NULL), 0);
	cr_assert_eq(bpfpin_pin(b, m2, "/gone", NULL), 0);
	cr_assert_eq(bpfpin_symlink(b, "d/sub/m1", "/lnk"), 0);
	cr_assert_eq(bpfpin_chmod(b, "/d/sub/m1", 0640), 0);
	cr_assert_eq(bpfpin_chown(b, "/d/sub/m1", 1234, 5678), 0);
	cr_assert_eq(bpfpin_utimens(b, "/d/sub/m1", ts), 0);
	cr_assert_eq(bpfpin_rename(b, "/d/sub", "/d/moved", 0), 0);
	cr_assert_eq(bpfpin_link(b, "/m2", "/d/m2link"), 0);
	cr_assert_eq(bpfpin_unlink(b, "/gone"), 0);
	w->m1 = id_at(b, "/d/moved/m1");
	w->m2 = id_at(b, "/m2");
	w->prog = id_at(b, "/prog");
	cr_assert_eq(bpfpin_lstat(b, "/d/moved/m1", &w->pin), 0);
	cr_assert_eq(bpfpin_lstat(b, "/d", &w->dir), 0);
	cr_assert_eq(bpfpin_lstat(b, "/lnk", &w->lnk), 0);
	close(m1);
	close(m2);
	close(prog);
}

/* times: set by utimens; a directory's are the store's clock, which
 * reads a moment after the tree's (on a bpffs too). */
static void same_attrs(const struct bpfpin_stat *a, const struct bpfpin_stat *b,
		       bool times)
{
	cr_expect_eq(a->mode, b->mode);
	cr_expect_eq(a->uid, b->uid);
	cr_expect_eq(a->gid, b->gid);
	if (!times)
		return;
	cr_expect_eq(a->mtime.tv_sec, b->mtime.tv_sec);
	cr_expect_eq(a->mtime.tv_nsec, b->mtime.tv_nsec);
	cr_expect_eq(a->atime.tv_sec, b->atime.tv_sec);
	cr_expect_eq(a->atime.tv_nsec, b->atime.tv_nsec);
}

Test(fdstore, everything_survives_a_sigkill)
{
	struct bpfpin *b;
	struct before w;
	struct bpfpin_stat st;
	char target[64];
	unsigned removed;

	start();
	b = conn();
	populate(b, &w);
	/* /gone's object is m2's, pinned still: one fd per object */
	svc_peer_pump(&p);
	cr_assert_eq(svc_peer_fd_count(&p), 3);
	removed = p.removed;
	bpfpin_close(b);

	crash_restart();
	b = conn();
	cr_expect_eq(id_at(b, "/d/moved/m1"), w.m1);
	cr_expect_eq(id_at(b, "/m2"), w.m2);
	cr_expect_eq(id_at(b, "/d/m2link"), w.m2);
	cr_expect_eq(id_at(b, "/prog"), w.prog);
	cr_expect_eq(value_at(b, "/d/moved/m1"), 11);
	cr_expect_eq(value_at(b, "/m2"), 22);
	cr_assert_eq(bpfpin_lstat(b, "/d/moved/m1", &st), 0);
	same_attrs(&st, &w.pin, true);
	cr_expect_eq(st.uid, 1234);
	cr_expect_eq(st.gid, 5678);
	cr_expect_eq(st.mode & 07777, 0640);
	cr_expect_eq(st.mtime.tv_sec, 2000);
	cr_assert_eq(bpfpin_lstat(b, "/d", &st), 0);
	same_attrs(&st, &w.dir, false);
	cr_expect_eq(st.mode, S_IFDIR | 0750);
	cr_assert_eq(bpfpin_lstat(b, "/m2", &st), 0);
	cr_expect_eq(st.nlink, 2);
	cr_expect_gt(bpfpin_readlink(b, "/lnk", target, sizeof(target)), 0);
	cr_expect_str_eq(target, "d/sub/m1");
	cr_expect_eq(bpfpin_lstat(b, "/gone", &st), -ENOENT);
	cr_expect_eq(bpfpin_lstat(b, "/d/sub", &st), -ENOENT);
	svc_peer_pump(&p);
	cr_expect_eq(svc_peer_fd_count(&p), 3);
	cr_expect_eq(p.removed, removed);
	bpfpin_close(b);
}

Test(fdstore, unpin_sends_fdstoreremove)
{
	struct bpfpin *b;
	int m = hash_map(1), m2 = hash_map(2);
	uint32_t id;
	const char *name;

	start();
	b = conn();
	cr_assert_eq(bpfpin_pin(b, m, "/a", NULL), 0);
	cr_assert_eq(bpfpin_link(b, "/a", "/b"), 0);
	id = id_at(b, "/a");
	svc_peer_pump(&p);
	cr_assert_not_null(name = name_of(id));
	cr_assert_eq(strncmp(name, "obj-", 4), 0);
	cr_assert_eq(bpfpin_unlink(b, "/a"), 0);        /* a name is left */
	svc_peer_pump(&p);
	cr_expect_eq(svc_peer_fd_count(&p), 1);
	cr_assert_eq(bpfpin_rename(b, "/b", "/c", 0), 0);
	svc_peer_pump(&p);
	cr_expect_eq(svc_peer_fd_count(&p), 1, "a rename is the state file's");
	cr_assert_eq(bpfpin_unlink(b, "/c"), 0);
	svc_peer_pump(&p);
	cr_expect_eq(svc_peer_fd_count(&p), 0);
	cr_expect_eq(p.removed, 1);
	cr_expect_eq(svc_peer_count(&p, "FDSTOREREMOVE=1"), 1);
	/* two pins of one object: one fd */
	cr_assert_eq(bpfpin_pin(b, m, "/x", NULL), 0);
	cr_assert_eq(bpfpin_pin(b, m, "/x2", NULL), 0);
	cr_assert_eq(bpfpin_pin(b, m2, "/y", NULL), 0);
	svc_peer_pump(&p);
	cr_expect_eq(svc_peer_fd_count(&p), 2);
	/* replaced by a rename: its object goes too */
	cr_assert_eq(bpfpin_rename(b, "/x", "/y", 0), 0);
	svc_peer_pump(&p);
	cr_expect_eq(svc_peer_fd_count(&p), 1);
	cr_expect_eq(p.removed, 2);
	cr_assert_eq(bpfpin_unlink(b, "/y"), 0);
	svc_peer_pump(&p);
	cr_expect_eq(svc_peer_fd_count(&p), 1, "/x2 still names it");
	bpfpin_close(b);
	close(m);
	close(m2);
}

/* Nothing holds the map of id any more (its last fd closed). */
static bool map_freed(uint32_t id)
{
	for (int i = 0; i < 300; i++) {
		int fd = bpf_map_get_fd_by_id(id);

		if (fd < 0)
			return errno == ENOENT;
		close(fd);
		usleep(10000);
	}
	return false;
}

static uint32_t map_id(int fd)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);

	cr_assert_eq(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	return info.id;
}

Test(fdstore, fd_without_record_is_closed_and_removed)
{
	struct bpfpin *b;
	struct bpfpin_stat st;
	int m = hash_map(1), stray = hash_map(2);
	uint32_t id = map_id(m), stray_id = map_id(stray);

	start();
	/* the daemon dies between FDSTORE and its record */
	setenv("BPFPIND_CRASH_AT", "fdstore-sent", 1);
	cr_assert_eq(svc_peer_restart(&p, SIGTERM), 0);
	unsetenv("BPFPIND_CRASH_AT");
	cr_assert_not_null(svc_peer_wait(&p, "READY=1", 20000));
	b = conn();
	cr_assert_lt(bpfpin_pin(b, m, "/a", NULL), 0);
	bpfpin_close(b);
	close(m);
	cr_assert_eq(svc_peer_stop(&p, SIGKILL), SIGKILL);
	cr_assert_eq(svc_peer_fd_count(&p), 1, "the object was sent");
	/* and an fd the manager has under a name no record has */
	cr_assert_eq(svc_peer_fd_add(&p, "obj-999", stray), 0);
	close(stray);
	cr_assert_eq(svc_peer_start(&p, (const char *const *)p.argv), 0);
	cr_assert_not_null(svc_peer_wait(&p, "READY=1", 20000));
	b = conn();
	cr_expect_eq(bpfpin_lstat(b, "/a", &st), -ENOENT);
	bpfpin_close(b);
	cr_expect_eq(svc_peer_fd_count(&p), 0);
	cr_expect_eq(p.removed, 2);
	cr_expect(map_freed(id), "the daemon still holds map %u", id);
	cr_expect(map_freed(stray_id), "the daemon still holds map %u", stray_id);
	cr_expect(log_has("no pin of that number in the state file: closed"));
}

/* The daemon dies between an unpin's record and its FDSTOREREMOVE: the
 * unpin holds (it was written), and the object goes at the next start. */
Test(fdstore, unpin_cut_before_fdstoreremove)
{
	struct bpfpin *b;
	struct bpfpin_stat st;
	int m = hash_map(1);
	uint32_t id = map_id(m);

	start();
	b = conn();
	cr_assert_eq(bpfpin_pin(b, m, "/a", NULL), 0);
	bpfpin_close(b);
	close(m);
	setenv("BPFPIND_CRASH_AT", "fdstore-journaled", 1);
	cr_assert_eq(svc_peer_restart(&p, SIGTERM), 0);
	unsetenv("BPFPIND_CRASH_AT");
	cr_assert_not_null(svc_peer_wait(&p, "READY=1", 20000));
	b = conn();
	cr_assert_lt(bpfpin_unlink(b, "/a"), 0, "the hook did not kill it");
	bpfpin_close(b);
	cr_assert_eq(svc_peer_stop(&p, SIGKILL), SIGKILL);
	cr_assert_eq(svc_peer_fd_count(&p), 1, "FDSTOREREMOVE came before the record");
	restart_stopped();
	b = conn();
	cr_expect_eq(bpfpin_lstat(b, "/a", &st), -ENOENT);
	bpfpin_close(b);
	cr_expect_eq(svc_peer_fd_count(&p), 0);
	cr_expect(map_freed(id), "the daemon still holds map %u", id);
}

Test(fdstore, record_without_fd_is_dropped)
{
	struct bpfpin *b;
	struct bpfpin_stat st;
	int m1 = hash_map(1), m2 = hash_map(2);
	const char *name;

	start();
	b = conn();
	cr_assert_eq(bpfpin_mkdir(b, "/d", 0755), 0);
	cr_assert_eq(bpfpin_pin(b, m1, "/d/lost", NULL), 0);
	cr_assert_eq(bpfpin_pin(b, m2, "/kept", NULL), 0);
	bpfpin_close(b);
	cr_assert_eq(svc_peer_stop(&p, SIGKILL), SIGKILL);
	cr_assert_not_null(name = name_of(map_id(m1)));
	cr_assert_eq(svc_peer_fd_drop(&p, name), 1);    /* the manager lost it */
	cr_assert_eq(svc_peer_start(&p, (const char *const *)p.argv), 0);
	cr_assert_not_null(svc_peer_wait(&p, "READY=1", 20000));
	b = conn();
	cr_expect_eq(bpfpin_lstat(b, "/d/lost", &st), -ENOENT);
	cr_expect_eq(bpfpin_lstat(b, "/d", &st), 0);
	cr_expect_eq(value_at(b, "/kept"), 2);
	bpfpin_close(b);
	cr_expect(log_has("pin d/lost: its object (map) did not come back"));
	/* and it stays dropped, with no record left behind */
	crash_restart();
	b = conn();
	cr_expect_eq(bpfpin_lstat(b, "/d/lost", &st), -ENOENT);
	cr_expect_eq(value_at(b, "/kept"), 2);
	bpfpin_close(b);
	close(m1);
	close(m2);
}

static void check_modes(struct bpfpin *b)
{
	uint32_t k = 1;
	uint64_t v = 5;
	int ro = bpfpin_get(b, "/m", O_RDONLY), wo = bpfpin_get(b, "/m", O_WRONLY);
	int rw = bpfpin_get(b, "/m", O_RDWR);

	cr_assert_geq(ro, 0);
	cr_assert_geq(wo, 0);
	cr_assert_geq(rw, 0);
	cr_expect_eq(fcntl(ro, F_GETFL) & O_ACCMODE, O_RDONLY);
	cr_expect_neq(bpf_map_update_elem(ro, &k, &v, 0), 0, "read-only fd wrote");
	cr_expect_eq(errno, EPERM);
	cr_expect_eq(bpf_map_lookup_elem(ro, &k, &v), 0);
	cr_expect_neq(bpf_map_lookup_elem(wo, &k, &v), 0, "write-only fd read");
	cr_expect_eq(bpf_map_update_elem(wo, &k, &v, 0), 0);
	cr_expect_eq(bpf_map_update_elem(rw, &k, &v, 0), 0);
	close(ro);
	close(wo);
	close(rw);
}

Test(fdstore, get_keeps_the_access_mode)
{
	struct bpfpin *b;
	int m = hash_map(1), ro;

	start_with(16384, (const char *const[]){ "--fd-cache", "0", NULL });
	b = conn();
	/* pinned from a read-only fd, as the pin's mode says */
	ro = bpf_map_get_fd_by_id_opts(map_id(m), &(struct bpf_get_fd_by_id_opts){
		.sz = sizeof(struct bpf_get_fd_by_id_opts), .open_flags = BPF_F_RDONLY });
	cr_assert_geq(ro, 0);
	cr_assert_eq(bpfpin_pin(b, ro, "/m", NULL), 0);
	close(ro);
	close(m);
	check_modes(b);
	bpfpin_close(b);
	crash_restart();
	b = conn();
	check_modes(b);
	bpfpin_close(b);
}

Test(fdstore, fdstore_max_refuses_with_enospc)
{
	struct bpfpin *b;
	int m1 = hash_map(1), m2 = hash_map(2), m3 = hash_map(3);

	start_with(16384, (const char *const[]){ "--fdstore-max", "2", NULL });
	b = conn();
	cr_assert_eq(bpfpin_pin(b, m1, "/1", NULL), 0);
	cr_assert_eq(bpfpin_pin(b, m2, "/2", NULL), 0);
	cr_expect_eq(bpfpin_pin(b, m3, "/3", NULL), -ENOSPC);
	cr_expect_str_eq(bpfpin_errmsg(b), "/3: No space left on device: the fd store "
			 "is full (--fdstore-max objects)");
	cr_expect_eq(bpfpin_pin(b, m1, "/1again", NULL), 0, "an object held already");
	cr_expect_eq(bpfpin_link(b, "/1", "/1b"), 0, "a name is no object");
	cr_expect_eq(bpfpin_mkdir(b, "/dir", 0755), 0);
	cr_expect_eq(bpfpin_pin(b, m3, "/3", NULL), -ENOSPC);
	cr_expect(log_has("fd store full: 2 objects held (--fdstore-max)"));
	{
		char *n = th_run(NULL, "grep -c 'fd store full' '%s'", p.log);

		cr_expect(n && atoi(n) == 1, "logged %s times, not once until there "
			  "is room", n ? n : "?");
		free(n);
	}
	cr_assert_eq(bpfpin_unlink(b, "/2"), 0);
	cr_expect_eq(bpfpin_pin(b, m3, "/3", NULL), 0);
	svc_peer_pump(&p);
	cr_expect_eq(svc_peer_fd_count(&p), 2);
	bpfpin_close(b);
	close(m1);
	close(m2);
	close(m3);
	cr_expect_eq(p.refused, 0, "the peer refused an fd (FileDescriptorStoreMax=)");
}

Test(fdstore, refused_without_a_service_manager)
{
	char dir[] = "/tmp/bpfpin-nosvc.XXXXXX", *out;
	int status;

	cr_assert_not_null(mkdtemp(dir));
	out = th_run(&status, "env -u NOTIFY_SOCKET '%s' --foreground --no-mount "
		     "--socket %s/sock --state-dir %s/state --store=fdstore 2>&1",
		     th_bpfpind(), dir, dir);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) != 0);
	cr_expect_not_null(strstr(out, "--store=fdstore needs a service manager"),
			   "%s", out);
	cr_expect_eq(access(strcat(strcpy((char[96]){ 0 }, dir), "/sock"), F_OK), -1,
		     "it listened anyway");
	free(out);
	free(th_run(NULL, "rm -rf '%s'", dir));
}

Test(fdstore, sockmaps_are_refused)
{
	struct bpfpin *b;

	start();
	b = conn();
	cr_expect_lt(bpfpin_sockmap_create(b, "/sm", NULL), 0);
	cr_expect_not_null(strstr(bpfpin_errmsg(b), "--store=bpffs"), "%s",
			   bpfpin_errmsg(b));
	bpfpin_close(b);
}

/* Enough changes for snapshots to replace the journal, and a restart
 * in between: the state is the last one. */
Test(fdstore, journal_compacts)
{
	struct bpfpin *b;
	struct bpfpin_stat st;
	int m = hash_map(9);

	start();
	b = conn();
	cr_assert_eq(bpfpin_pin(b, m, "/keep", NULL), 0);
	for (int i = 0; i < 2100; i++) {
		cr_assert_eq(bpfpin_mkdir(b, "/t", 0700), 0);
		cr_assert_eq(bpfpin_rmdir(b, "/t"), 0);
	}
	cr_assert_eq(bpfpin_mkdir(b, "/last", 0711), 0);
	bpfpin_close(b);
	crash_restart();
	b = conn();
	cr_expect_eq(value_at(b, "/keep"), 9);
	cr_expect_eq(bpfpin_lstat(b, "/t", &st), -ENOENT);
	cr_assert_eq(bpfpin_lstat(b, "/last", &st), 0);
	cr_expect_eq(st.mode, S_IFDIR | 0711);
	bpfpin_close(b);
	close(m);
}

/* A record of the state file's format (fs/store_fd_log.c), by hand. */
static void put_rec(FILE *f, const char *head, const char *s1, const char *s2)
{
	char buf[512];
	size_t len = 0;
	uint32_t h = 2166136261u;

	const char *parts[3] = { head, s1, s2 };

	for (int k = 0; k < 3; k++)
		if (parts[k]) {
			memcpy(buf + len, parts[k], strlen(parts[k]) + 1);
			len += strlen(parts[k]) + 1;
		}
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)buf[i]) * 16777619u;
	for (int i = 0; i < 4; i++)
		fputc((int)((len >> (8 * i)) & 0xff), f);
	for (int i = 0; i < 4; i++)
		fputc((int)((h >> (8 * i)) & 0xff), f);
	fwrite(buf, 1, len, f);
}

static void state_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", state, name);
}

Test(fdstore, a_damaged_state_file_is_survived)
{
	char path[256];
	struct bpfpin *b;
	struct bpfpin_stat st;
	int m = hash_map(4);
	FILE *f;

	start();
	b = conn();
	cr_assert_eq(bpfpin_pin(b, m, "/a", NULL), 0);
	cr_assert_eq(bpfpin_mkdir(b, "/d", 0755), 0);
	bpfpin_close(b);
	cr_assert_eq(svc_peer_stop(&p, SIGKILL), SIGKILL);
	/* a torn record at the end of the journal: the rest stands */
	state_path(path, sizeof(path), "fdstore.journal");
	cr_assert_not_null(f = fopen(path, "ae"));
	fwrite("\x40\0\0\0garbage", 1, 11, f);
	fclose(f);
	restart_stopped();
	b = conn();
	cr_expect_eq(value_at(b, "/a"), 4);
	cr_expect_eq(bpfpin_lstat(b, "/d", &st), 0);
	bpfpin_close(b);
	cr_expect(log_has("a torn or damaged record after record"));
	/* a snapshot that is no snapshot: nothing to stand on, so the
	 * objects passed back are let go */
	cr_assert_eq(svc_peer_stop(&p, SIGKILL), SIGKILL);
	state_path(path, sizeof(path), "fdstore.state");
	cr_assert_not_null(f = fopen(path, "we"));
	fputs("not a state file", f);
	fclose(f);
	restart_stopped();
	b = conn();
	cr_expect_eq(bpfpin_lstat(b, "/a", &st), -ENOENT);
	bpfpin_close(b);
	cr_expect(log_has("no valid header: ignored"));
	cr_expect_eq(svc_peer_fd_count(&p), 0);
	close(m);
}

/* A reboot destroys every object: a state of another boot is not used. */
Test(fdstore, a_state_of_another_boot_is_ignored)
{
	char path[256];
	struct bpfpin *b;
	struct bpfpin_stat st;
	FILE *f;

	start();
	cr_assert_eq(svc_peer_stop(&p, SIGTERM), 0);
	state_path(path, sizeof(path), "fdstore.state");
	cr_assert_not_null(f = fopen(path, "we"));
	put_rec(f, "H 1 7 10 1 00000000-0000-0000-0000-000000000000", NULL, NULL);
	put_rec(f, "C 1 41777 0 0 1 0 1 0 1 0 0 0 0", "", "");
	put_rec(f, "C 2 40755 0 0 1 0 1 0 1 0 0 0 0", "x", "");
	fclose(f);
	state_path(path, sizeof(path), "fdstore.journal");
	unlink(path);
	restart_stopped();
	b = conn();
	cr_expect_eq(bpfpin_lstat(b, "/x", &st), -ENOENT);
	bpfpin_close(b);
	cr_expect(log_has("written before a reboot"));
	/* the same file with this boot's id is read: the format is right */
	cr_assert_eq(svc_peer_stop(&p, SIGTERM), 0);
	state_path(path, sizeof(path), "fdstore.state");
	cr_assert_not_null(f = fopen(path, "we"));
	{
		char boot[64] = "", head[128];
		FILE *bf = fopen("/proc/sys/kernel/random/boot_id", "re");

		cr_assert_not_null(bf);
		cr_assert_not_null(fgets(boot, sizeof(boot), bf));
		fclose(bf);
		boot[strcspn(boot, "\n")] = '\0';
		snprintf(head, sizeof(head), "H 1 7 10 1 %s", boot);
		put_rec(f, head, NULL, NULL);
	}
	put_rec(f, "C 1 41777 0 0 1 0 1 0 1 0 0 0 0", "", "");
	put_rec(f, "C 2 40755 0 0 1 0 1 0 1 0 0 0 0", "x", "");
	fclose(f);
	restart_stopped();
	b = conn();
	cr_expect_eq(bpfpin_lstat(b, "/x", &st), 0);
	cr_expect_eq(st.mode, S_IFDIR | 0755);
	bpfpin_close(b);
}

/* More objects in a row than the kernel queues datagrams for (10 here):
 * the manager reads as they come, and every one comes back. */
Test(fdstore, many_objects_come_back)
{
	struct bpfpin *b;
	char path[32];
	uint32_t ids[200];

	start();
	b = conn();
	for (int i = 0; i < 200; i++) {
		int m = hash_map((uint64_t)i);

		snprintf(path, sizeof(path), "/m%d", i);
		cr_assert_eq(bpfpin_pin(b, m, path, NULL), 0, "pin %d", i);
		ids[i] = map_id(m);
		close(m);
	}
	bpfpin_close(b);
	crash_restart();
	cr_expect_eq(svc_peer_fd_count(&p), 200);
	b = conn();
	for (int i = 0; i < 200; i++) {
		snprintf(path, sizeof(path), "/m%d", i);
		cr_expect_eq(id_at(b, path), ids[i], "%s", path);
		cr_expect_eq(value_at(b, path), (uint64_t)i, "%s", path);
	}
	bpfpin_close(b);
}
