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
	cr_expect_eq(th_stage_entries(&d), 0);
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
	cr_expect_eq(th_stage_entries(&d), 0);
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
	cr_expect_eq(th_stage_entries(&d), 0);
	bpfpin_close(b);
}

/* Random kills: clients of uid 0 and uid 65534 make and change nodes in
 * their own directories, each logging in shared memory what it asked for
 * before sending and whether it was acknowledged; the daemon is killed at
 * a random instant, restarted, and every name must hold its acknowledged
 * state, or the state of the one request cut off, and nothing else. */
#define CLIENTS 4
#define ROUNDS 10
#define OPS_MAX 3000

enum rop { R_PIN, R_MKDIR, R_SYMLINK, R_CHMOD, R_CHOWN };
enum rstate { R_UNSENT, R_SENT, R_ACKED, R_REFUSED };

/* One request: the node it is about and the state it asks that node to
 * have (mode with its type bits). */
struct rrec {
	int node;
	enum rop op;
	uid_t uid;
	gid_t gid;
	mode_t mode;
	volatile int state;
	int err;
};

struct rlog {
	int n;
	struct rrec ops[OPS_MAX];
};

static struct rlog (*logs)[CLIENTS];       /* [ROUNDS][CLIENTS], shared */

static uid_t client_uid(int k)
{
	return k % 2 ? NOBODY : 0;
}

static void rname(char *buf, size_t size, int round, int k, int node)
{
	snprintf(buf, size, "/c%d/r%dn%d", k, round, node);
}

static const mode_t dir_modes[] = { 0700, 0755, 0777, 0750, 01777 };
static const mode_t pin_modes[] = { 0600, 0640, 0644, 0400 };

/* The next request of client k: a new node, or a change of one of its
 * nodes already acknowledged (never through a symlink). */
static void rpick(struct rlog *lg, int k, struct rrec *q, unsigned *seed)
{
	int pick = rand_r(seed) % 10;
	const struct rrec *base = NULL;

	if (lg->n > 0 && pick >= 6) {
		for (int tries = 0; tries < 8 && !base; tries++) {
			const struct rrec *o = &lg->ops[rand_r(seed) % lg->n];

			if (o->op <= R_SYMLINK && o->op != R_SYMLINK)
				base = o;
		}
	}
	if (base) {
		/* the node's latest state: its last request */
		for (int i = lg->n - 1; i >= 0; i--) {
			if (lg->ops[i].node == base->node) {
				base = &lg->ops[i];
				break;
			}
		}
		*q = *base;
		q->op = pick >= 8 ? R_CHOWN : R_CHMOD;
		if (q->op == R_CHMOD && S_ISDIR(q->mode))
			q->mode = S_IFDIR | dir_modes[rand_r(seed) % 5];
		else if (q->op == R_CHMOD)
			q->mode = S_IFREG | pin_modes[rand_r(seed) % 4];
		else if (client_uid(k) == 0)
			q->uid = (uid_t[]){ 0, 1000, NOBODY }[rand_r(seed) % 3],
			q->gid = (gid_t[]){ 0, MEMBER, STRANGER }[rand_r(seed) % 3];
		else
			q->gid = rand_r(seed) % 2 ? MEMBER : NOBODY;
		return;
	}
	*q = (struct rrec){ .node = lg->n, .op = pick % 3,
			    .uid = client_uid(k), .gid = client_uid(k) };
	if (q->op == R_PIN)
		q->mode = S_IFREG | 0600;
	else if (q->op == R_MKDIR)
		q->mode = S_IFDIR | dir_modes[rand_r(seed) % 5];
	else
		q->mode = S_IFLNK | 0777;
}

static int rsend(struct bpfpin *b, const struct rrec *q, const char *path)
{
	switch (q->op) {
	case R_PIN:
		return bpfpin_pin(b, map, path, NULL);
	case R_MKDIR:
		return bpfpin_mkdir(b, path, q->mode & 07777);
	case R_SYMLINK:
		return bpfpin_symlink(b, "target", path);
	case R_CHMOD:
		return bpfpin_chmod(b, path, q->mode & 07777);
	default:
		return bpfpin_chown(b, path, q->uid, q->gid);
	}
}

static void rclient(int round, int k)
{
	struct rlog *lg = &logs[round][k];
	unsigned seed = (unsigned)(round * 7919 + k * 104729 + getpid());
	struct bpfpin *b;
	char path[64];

	if (client_uid(k))
		drop_to_user();
	umask(0);
	if (bpfpin_connect(d.sock, &b) < 0)
		_exit(121);
	while (lg->n < OPS_MAX) {
		struct rrec *q = &lg->ops[lg->n];
		int r;

		rpick(lg, k, q, &seed);
		rname(path, sizeof(path), round, k, q->node);
		q->state = R_SENT;
		lg->n++;
		r = rsend(b, q, path);
		q->err = -r;
		q->state = r == 0 ? R_ACKED : R_REFUSED;
		if (r < 0)
			break;
	}
	_exit(0);
}

static bool cut_off(const struct rrec *q)
{
	return q->state == R_SENT ||
	       (q->state == R_REFUSED &&
		(q->err == ECONNRESET || q->err == EPIPE));
}

static bool holds(const struct bpfpin_stat *st, const struct rrec *q)
{
	return st->uid == q->uid && st->gid == q->gid && st->mode == q->mode;
}

/* Each node of one client's round: the acknowledged state, or the one
 * cut off; a node whose making was cut off may be absent. */
static void rcheck_log(struct bpfpin *b, int round, int k, int *names)
{
	const struct rlog *lg = &logs[round][k];

	for (int node = 0; node < lg->n; node++) {
		const struct rrec *acked = NULL, *cut = NULL;
		struct bpfpin_stat st;
		char path[64];
		int r;

		for (int i = 0; i < lg->n; i++) {
			const struct rrec *q = &lg->ops[i];

			if (q->node != node)
				continue;
			if (q->state == R_ACKED)
				acked = q;
			else if (cut_off(q))
				cut = q;
			else
				cr_expect(0, "a request was refused: %s",
					  strerror(q->err));
		}
		if (!acked && !cut)
			continue;
		rname(path, sizeof(path), round, k, node);
		r = bpfpin_lstat(b, path, &st);
		if (!acked) {
			cr_expect(r == -ENOENT || (r == 0 && holds(&st, cut)),
				  "%s: made by a request cut off, it is uid %u gid %u mode 0%o",
				  path, st.uid, st.gid, st.mode);
		} else {
			cr_assert_eq(r, 0, "%s: acknowledged, then lost", path);
			cr_expect(holds(&st, acked) || (cut && holds(&st, cut)),
				  "%s: uid %u gid %u mode 0%o, asked %u %u 0%o",
				  path, st.uid, st.gid, st.mode, acked->uid,
				  acked->gid, acked->mode);
		}
		*names += r == 0;
	}
}

/* Nothing but the names the clients made: no staging name shows. */
static int rcount_dir(struct bpfpin *b, int k)
{
	struct bpfpin_dirent ents[64];
	uint64_t cursor = 0;
	char path[16];
	int n = 0, r;

	snprintf(path, sizeof(path), "/c%d", k);
	do {
		r = bpfpin_list(b, path, &cursor, ents, 64);
		cr_assert_geq(r, 0);
		n += r;
	} while (r > 0 && cursor);
	return n;
}

static void rcheck(struct bpfpin *b, int rounds)
{
	int names = 0, listed = 0;

	for (int k = 0; k < CLIENTS; k++) {
		for (int round = 0; round < rounds; round++)
			rcheck_log(b, round, k, &names);
		listed += rcount_dir(b, k);
	}
	cr_expect_eq(listed, names, "%d names listed, %d made", listed,
		     names);
	cr_expect_eq(th_stage_entries(&d), 0);
}

static void rround(int round, unsigned *seed)
{
	pid_t pids[CLIENTS];

	for (int k = 0; k < CLIENTS; k++) {
		pids[k] = fork();
		cr_assert_geq(pids[k], 0);
		if (pids[k] == 0)
			rclient(round, k);
	}
	usleep(10000 + rand_r(seed) % 100000);
	kill(d.pid, SIGKILL);
	for (int k = 0; k < CLIENTS; k++)
		waitpid(pids[k], NULL, 0);
}

Test(crash, random_kills_leave_only_states_asked_for, .timeout = 300)
{
	unsigned seed = (unsigned)time(NULL);
	struct bpfpin *b;

	logs = mmap(NULL, sizeof(*logs) * ROUNDS, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(logs, MAP_FAILED);
	cr_assert_eq(th_daemon_start(&d, false, NULL), 0);
	cr_assert_eq(bpfpin_connect(d.sock, &b), 0);
	for (int k = 0; k < CLIENTS; k++) {
		char path[16];

		snprintf(path, sizeof(path), "/c%d", k);
		cr_assert_eq(bpfpin_mkdir(b, path, 0755), 0);
		cr_assert_eq(bpfpin_chown(b, path, client_uid(k),
					  client_uid(k)), 0);
	}
	bpfpin_close(b);
	for (int round = 0; round < ROUNDS; round++) {
		int acked = 0;

		rround(round, &seed);
		b = restart();
		rcheck(b, round + 1);
		bpfpin_close(b);
		for (int k = 0; k < CLIENTS; k++)
			acked += logs[round][k].n;
		cr_log_info("round %d: %d requests before the kill", round,
			    acked);
	}
}
