/* tests/test_crash.c: every change reaches the store whole or not at all.
 * A real bpfpind is killed inside the window of each multi-step change
 * (the test hook BPFPIND_CRASH_AT, fs/store.c) while uid 65534 makes it,
 * then restarted: the name is absent or complete, never root's 0600. And
 * clients of two uids are cut off by SIGKILLs at random instants: after
 * each restart every node holds a state somebody asked for. */
#include "config.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpfpin/bpfpin.h>

#include "tests/harness.h"

#define NOBODY 65534
#define MEMBER 1000      /* a supplementary group of the user */
#define STRANGER 3000    /* a group the user is not in */

static struct th_daemon d;
static int map = -1;

static void setup(void)
{
	map = th_map_create(BPF_MAP_TYPE_HASH, 4, 8, 16);
	cr_assert_geq(map, 0);
}

static void teardown(void)
{
	if (map >= 0)
		close(map);
	map = -1;
	th_daemon_stop(&d);
}

TestSuite(crash, .init = setup, .fini = teardown, .timeout = 120);

/* A daemon that dies when it reaches point; its store made by one that
 * did not (making the root passes points too). */
static int start_at(const char *point)
{
	int r = th_daemon_start(&d, false, NULL);

	if (r < 0)
		return r;
	setenv("BPFPIND_CRASH_AT", point, 1);
	r = th_daemon_restart(&d, SIGTERM);
	unsetenv("BPFPIND_CRASH_AT");
	return r;
}

/* After a crash: the same store, no test hook. */
static struct bpfpin *restart(void)
{
	struct bpfpin *b;

	cr_assert_eq(th_daemon_restart(&d, SIGKILL), 0);
	cr_assert_eq(bpfpin_connect(d.sock, &b), 0);
	return b;
}

static void drop_to_user(void)
{
	const gid_t groups[] = { MEMBER };

	if (setgroups(1, groups) < 0 || setgid(NOBODY) < 0 ||
	    setuid(NOBODY) < 0)
		_exit(120);
}

/* Run fn as uid 65534 (groups {1000}) with its own connection, umask 0;
 * returns the errno of its request (0: done). */
static int as_user(int (*fn)(struct bpfpin *b, const char *path),
		   const char *path)
{
	pid_t pid = fork();
	int status;

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct bpfpin *b;
		int r;

		drop_to_user();
		umask(0);
		if (bpfpin_connect(d.sock, &b) < 0)
			_exit(121);
		r = fn(b, path);
		_exit(r < 0 ? -r : 0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int do_pin(struct bpfpin *b, const char *path)
{
	return bpfpin_pin(b, map, path, NULL);
}

static int do_mkdir(struct bpfpin *b, const char *path)
{
	return bpfpin_mkdir(b, path, 0777);
}

static int do_symlink(struct bpfpin *b, const char *path)
{
	return bpfpin_symlink(b, "somewhere", path);
}

static int do_chgrp(struct bpfpin *b, const char *path)
{
	return bpfpin_chown(b, path, (uid_t)-1, MEMBER);
}

/* The hook kills the daemon; its zombie may lag the closed socket. */
static bool daemon_died(void)
{
	for (int i = 0; i < 300; i++) {
		if (waitpid(d.pid, NULL, WNOHANG) == d.pid) {
			d.pid = 0;
			return true;
		}
		usleep(10000);
	}
	return false;
}

static int stage_entries(void)
{
	char path[256];
	struct dirent *de;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/store/stage", d.state);
	dir = opendir(path);
	cr_assert_not_null(dir, "%s: %s", path, strerror(errno));
	while ((de = readdir(dir)))
		n += de->d_name[0] != '.';
	closedir(dir);
	return n;
}

struct crash_case {
	const char *point;
	int (*op)(struct bpfpin *b, const char *path);
	mode_t mode;              /* what the user asked for */
	bool placed;              /* killed once in place: it is there */
};

/* Killed at the point while the user makes /x: the name is either not
 * there or the user's, with the mode asked for; nothing stays staged. */
static void crash_create(const struct crash_case *c)
{
	struct bpfpin_stat st;
	struct bpfpin *b;
	int r;

	cr_assert_eq(start_at(c->point), 0);
	as_user(c->op, "/x");
	cr_assert(daemon_died(), "the daemon did not die at %s", c->point);
	b = restart();
	r = bpfpin_lstat(b, "/x", &st);
	if (c->placed) {
		cr_assert_eq(r, 0, "%s: /x is gone", c->point);
		cr_expect_eq(st.uid, NOBODY, "%s: uid %u", c->point, st.uid);
		cr_expect_eq(st.gid, NOBODY, "%s: gid %u", c->point, st.gid);
		cr_expect_eq(st.mode, c->mode, "%s: mode 0%o", c->point,
			     st.mode);
	} else {
		cr_expect_eq(r, -ENOENT, "%s: /x came back uid %u mode 0%o",
			     c->point, st.uid, st.mode);
		/* and the user can make it now */
		cr_expect_eq(as_user(c->op, "/x"), 0);
	}
	cr_expect_eq(stage_entries(), 0);
	bpfpin_close(b);
}

Test(crash, pin_killed_before_rename_leaves_no_name)
{
	crash_create(&(struct crash_case){ "pin-staged", do_pin,
					   S_IFREG | 0600, false });
}

Test(crash, pin_killed_after_rename_is_the_users)
{
	crash_create(&(struct crash_case){ "pin-placed", do_pin,
					   S_IFREG | 0600, true });
}

Test(crash, mkdir_killed_before_rename_leaves_no_name)
{
	crash_create(&(struct crash_case){ "mkdir-staged", do_mkdir,
					   S_IFDIR | 0777, false });
}

Test(crash, mkdir_killed_after_rename_is_the_users_with_its_mode)
{
	crash_create(&(struct crash_case){ "mkdir-placed", do_mkdir,
					   S_IFDIR | 0777, true });
}

Test(crash, symlink_killed_before_rename_leaves_no_name)
{
	crash_create(&(struct crash_case){ "symlink-staged", do_symlink,
					   S_IFLNK | 0777, false });
}

Test(crash, symlink_killed_after_rename_is_the_users)
{
	crash_create(&(struct crash_case){ "symlink-placed", do_symlink,
					   S_IFLNK | 0777, true });
}

/* chgrp of a set-group-ID pin whose group the user is not in: the store's
 * chown (as root) keeps the bit, a chmod then takes it away. Killed in
 * between, the pin comes back as it was, not with the bit and the new
 * group. */
Test(crash, chgrp_killed_between_chown_and_chmod_comes_back_as_it_was)
{
	struct bpfpin_stat st;
	struct bpfpin *b;

	cr_assert_eq(start_at("attr-partial"), 0);
	cr_assert_eq(bpfpin_connect(d.sock, &b), 0);
	cr_assert_eq(bpfpin_pin(b, map, "/f", NULL), 0);
	cr_assert_eq(bpfpin_chown(b, "/f", NOBODY, STRANGER), 0);
	cr_assert_eq(bpfpin_chmod(b, "/f", 02640), 0);
	bpfpin_close(b);
	as_user(do_chgrp, "/f");
	cr_assert(daemon_died());
	b = restart();
	cr_assert_eq(bpfpin_lstat(b, "/f", &st), 0);
	cr_expect_eq(st.gid, STRANGER, "gid %u", st.gid);
	cr_expect_eq(st.mode, S_IFREG | 02640, "mode 0%o", st.mode);
	cr_expect_eq(stage_entries(), 0);
	/* done again, whole */
	cr_expect_eq(as_user(do_chgrp, "/f"), 0);
	cr_assert_eq(bpfpin_lstat(b, "/f", &st), 0);
	cr_expect_eq(st.gid, MEMBER);
	cr_expect_eq(st.mode, S_IFREG | 0640, "mode 0%o", st.mode);
	bpfpin_close(b);
}

/* The namespace's root is made 01777 in one piece: a daemon killed while
 * making it leaves a root that is still made right at the next start. */
Test(crash, root_killed_while_made_comes_back_01777)
{
	struct bpfpin_stat st;
	struct bpfpin *b;

	setenv("BPFPIND_CRASH_AT", "mkdir-staged", 1);
	cr_assert_eq(th_daemon_start(&d, false, NULL), -ECHILD);
	unsetenv("BPFPIND_CRASH_AT");
	b = restart();
	cr_assert_eq(bpfpin_stat(b, "/", &st), 0);
	cr_expect_eq(st.mode, S_IFDIR | 01777, "mode 0%o", st.mode);
	cr_expect_eq(stage_entries(), 0);
	bpfpin_close(b);
}
