/* tests/test_quota.c: the per-uid limits of the namespace on a real
 * bpfpind and its real mount: nodes and bytes of symlink targets a uid
 * owns (EDQUOT over the RPC and on the mount, other uids and root spared,
 * chown moving the charge), counters rebuilt from the store after a crash,
 * pin files a uid holds open on the mount, and what the `limits` op and
 * `bpfpin limits -j` report. Unprivileged steps run in forked children. */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpfpin/bpfpin.h>
#include <json-c/json.h>

#include "tests/harness.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define UA 65534                /* two unprivileged uids */
#define UB 65533
#define MAX_NODES 4
#define MAX_BYTES 16
#define MAX_SNAPS 3
#define SETUP_FAILED 250        /* exit status of a child that could not start */

static struct th_daemon d;
static struct bpfpin *b;        /* root's */
static int map = -1;

static const char *const limits_args[] = {
	"--max-nodes-per-uid", "4", "--max-symlink-bytes-per-uid", "16",
	"--max-snapshots-per-uid", "3", NULL,
};

static void start(void)
{
	umask(022);
	cr_assert_eq(th_daemon_start(&d, true, limits_args), 0);
	cr_assert_eq(bpfpin_connect(d.sock, &b), 0);
	map = th_map_create(BPF_MAP_TYPE_HASH, 4, 8, 16);
	cr_assert_geq(map, 0);
}

static void stop(void)
{
	bpfpin_close(b);
	b = NULL;
	if (map >= 0)
		close(map);
	map = -1;
	th_daemon_stop(&d);
}

static char *mnt(char *buf, const char *rel)
{
	snprintf(buf, 256, "%s%s", d.mnt, rel);
	return buf;
}

/* One thing a uid does, over the RPC or on the mount. */
enum act {
	MKDIR, SYMLINK, PIN, LINK, UNLINK, RMDIR, CHOWN_A,
	M_MKDIR, M_SYMLINK, M_UNLINK, M_RMDIR, M_CHOWN_A,
};

struct step {
	enum act act;
	const char *path;
	const char *arg;        /* symlink or link target */
};

static int do_step(struct bpfpin *ub, const struct step *s)
{
	char p[256];

	switch (s->act) {
	case MKDIR: return bpfpin_mkdir(ub, s->path, 0755);
	case SYMLINK: return bpfpin_symlink(ub, s->arg, s->path);
	case PIN: return bpfpin_pin(ub, map, s->path, NULL);
	case LINK: return bpfpin_link(ub, s->arg, s->path);
	case UNLINK: return bpfpin_unlink(ub, s->path);
	case RMDIR: return bpfpin_rmdir(ub, s->path);
	case CHOWN_A: return bpfpin_chown(ub, s->path, UA, -1);
	case M_MKDIR: return mkdir(mnt(p, s->path), 0755) ? -errno : 0;
	case M_SYMLINK: return symlink(s->arg, mnt(p, s->path)) ? -errno : 0;
	case M_UNLINK: return unlink(mnt(p, s->path)) ? -errno : 0;
	case M_RMDIR: return rmdir(mnt(p, s->path)) ? -errno : 0;
	case M_CHOWN_A: return lchown(mnt(p, s->path), UA, -1) ? -errno : 0;
	}
	return -EINVAL;
}

typedef int (*user_fn)(struct bpfpin *ub, const void *arg);

/* fn as uid (no groups), in a child with a connection of its own; its
 * 0 or -errno comes back. */
static int as_user(uid_t uid, user_fn fn, const void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		struct bpfpin *ub;
		int r;

		if (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
		    setresuid(uid, uid, uid) || bpfpin_connect(d.sock, &ub))
			_exit(SETUP_FAILED);
		r = fn(ub, arg);
		bpfpin_close(ub);
		_exit(r < 0 ? -r : 0);
	}
	cr_assert_gt(pid, 0);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) != SETUP_FAILED,
		  "the child as uid %u could not start (status %d)", uid, status);
	return -WEXITSTATUS(status);
}

static int step_fn(struct bpfpin *ub, const void *arg)
{
	return do_step(ub, arg);
}

#define DO(uid, act, path, arg) \
	as_user((uid), step_fn, &(struct step){ (act), (path), (arg) })

static struct bpfpin_limits usage(uid_t uid)
{
	struct bpfpin_limits l = { .sz = sizeof(l) };

	cr_assert_eq(bpfpin_limits(b, uid, &l), 0, "limits: %s", bpfpin_errmsg(b));
	cr_assert_eq(l.uid, uid);
	return l;
}

/* uid UA owns MAX_NODES nodes: a dir, a pin and a symlink made over the
 * RPC, a dir made on the mount. */
static void fill_a(void)
{
	cr_assert_eq(DO(UA, MKDIR, "/a1", NULL), 0);
	cr_assert_eq(DO(UA, PIN, "/a2", NULL), 0);
	cr_assert_eq(DO(UA, SYMLINK, "/a3", "/a2"), 0);
	cr_assert_eq(DO(UA, M_MKDIR, "/a4", NULL), 0);
	cr_assert_eq(usage(UA).nodes.used, MAX_NODES);
}

Test(quota, uid_at_node_limit_gets_edquot_on_both_faces, .init = start, .fini = stop)
{
	fill_a();
	cr_expect_eq(DO(UA, MKDIR, "/x", NULL), -EDQUOT);
	cr_expect_eq(DO(UA, SYMLINK, "/x", "t"), -EDQUOT);
	cr_expect_eq(DO(UA, PIN, "/x", NULL), -EDQUOT);
	cr_expect_eq(DO(UA, M_MKDIR, "/x", NULL), -EDQUOT);
	cr_expect_eq(DO(UA, M_SYMLINK, "/x", "t"), -EDQUOT);
	/* The name is checked first, as the kernel does before any quota. */
	cr_expect_eq(DO(UA, MKDIR, "/a1", NULL), -EEXIST);
	/* A hard link is no new node. */
	cr_expect_eq(DO(UA, LINK, "/a2_link", "/a2"), 0);
	cr_expect_eq(usage(UA).nodes.used, MAX_NODES);
	cr_expect_eq(usage(UA).nodes.limit, MAX_NODES);
	cr_expect_eq(DO(UA, UNLINK, "/a2_link", NULL), 0);
	cr_expect_eq(usage(UA).nodes.used, MAX_NODES, "a pin with a name left stays");
}

/* bpffs refuses names with a dot (EPERM) after the namespace has charged
 * the node: the charge goes back with it. */
Test(quota, a_creation_the_store_refuses_costs_nothing, .init = start, .fini = stop)
{
	cr_assert_eq(DO(UA, SYMLINK, "/s", "0123456789"), 0);
	cr_expect_eq(DO(UA, SYMLINK, "/a.b", "012345"), -EPERM);
	cr_expect_eq(DO(UA, MKDIR, "/a.b", NULL), -EPERM);
	cr_expect_eq(DO(UA, PIN, "/a.b", NULL), -EPERM);
	cr_expect_eq(usage(UA).nodes.used, 1);
	cr_expect_eq(usage(UA).symlink_bytes.used, 10);
	cr_expect_eq(DO(UA, SYMLINK, "/t", "012345"), 0);
}

Test(quota, another_uid_is_not_limited_by_the_first, .init = start, .fini = stop)
{
	fill_a();
	cr_expect_eq(DO(UB, MKDIR, "/b1", NULL), 0);
	cr_expect_eq(DO(UB, PIN, "/b2", NULL), 0);
	cr_expect_eq(DO(UB, M_MKDIR, "/b3", NULL), 0);
	cr_expect_eq(DO(UB, M_SYMLINK, "/b4", "/b2"), 0);
	cr_expect_eq(usage(UB).nodes.used, 4);
	cr_expect_eq(usage(UA).nodes.used, MAX_NODES);
}

/* Removal gives the charge back on either face, even while the kernel
 * still remembers the node (lookup references), and a replaced rename
 * target is its owner's to lose. */
Test(quota, removal_gives_the_node_back, .init = start, .fini = stop)
{
	struct stat st;
	char p[256];

	fill_a();
	cr_assert_eq(lstat(mnt(p, "/a3"), &st), 0);     /* looked up by FUSE */
	cr_expect_eq(DO(UA, UNLINK, "/a3", NULL), 0);
	cr_expect_eq(usage(UA).nodes.used, MAX_NODES - 1);
	cr_expect_eq(usage(UA).symlink_bytes.used, 0);
	cr_expect_eq(DO(UA, M_RMDIR, "/a4", NULL), 0);
	cr_expect_eq(usage(UA).nodes.used, MAX_NODES - 2);
	cr_expect_eq(DO(UA, MKDIR, "/x", NULL), 0);
	cr_expect_eq(DO(UB, MKDIR, "/b", NULL), 0);
	cr_expect_eq(bpfpin_rename(b, "/x", "/b", 0), 0, "%s", bpfpin_errmsg(b));
	cr_expect_eq(usage(UB).nodes.used, 0);
	cr_expect_eq(usage(UA).nodes.used, MAX_NODES - 1);
}

Test(quota, root_is_never_limited, .init = start, .fini = stop)
{
	char path[32];

	for (int i = 0; i < 3 * MAX_NODES; i++) {
		snprintf(path, sizeof(path), "/r%d", i);
		cr_assert_eq(DO(0, i % 2 ? PIN : MKDIR, path, NULL), 0, "%s", path);
	}
	cr_expect_eq(DO(0, M_MKDIR, "/m", NULL), 0);
	cr_expect_eq(DO(0, SYMLINK, "/s", "01234567890123456789"), 0);
	cr_expect_eq(DO(0, M_SYMLINK, "/t", "01234567890123456789"), 0);
	cr_expect_eq(usage(0).nodes.used, 3 * MAX_NODES + 3);
	cr_expect_eq(usage(0).symlink_bytes.used, 40);
	cr_expect_not(usage(0).limited);
	cr_expect_eq(usage(0).nodes.limit, 0);
}

Test(quota, chown_to_a_uid_at_its_limit_gets_edquot, .init = start, .fini = stop)
{
	fill_a();
	cr_assert_eq(bpfpin_mkdir(b, "/r", 0755), 0);
	cr_assert_eq(bpfpin_symlink(b, "/long/target", "/rs"), 0);
	cr_expect_eq(DO(0, CHOWN_A, "/r", NULL), -EDQUOT);
	cr_expect_eq(DO(0, M_CHOWN_A, "/r", NULL), -EDQUOT);
	cr_expect_eq(usage(UA).nodes.used, MAX_NODES);
	cr_expect_eq(usage(0).nodes.used, 2);
	/* Elsewhere the charge moves with the owner, the target's bytes too. */
	cr_expect_eq(bpfpin_chown(b, "/r", UB, -1), 0);
	cr_expect_eq(usage(UB).nodes.used, 1);
	cr_expect_eq(usage(0).nodes.used, 1);
	cr_expect_eq(DO(UA, UNLINK, "/a3", NULL), 0);
	cr_expect_eq(DO(0, M_CHOWN_A, "/rs", NULL), 0);
	cr_expect_eq(usage(UA).nodes.used, MAX_NODES);
	cr_expect_eq(usage(UA).symlink_bytes.used, strlen("/long/target"));
	cr_expect_eq(usage(0).nodes.used, 0);
	cr_expect_eq(usage(0).symlink_bytes.used, 0);
}

static bool same_usage(const struct bpfpin_limits *x, const struct bpfpin_limits *y)
{
	return x->nodes.used == y->nodes.used &&
	       x->symlink_bytes.used == y->symlink_bytes.used &&
	       x->snapshots.used == y->snapshots.used;
}

Test(quota, counters_are_rebuilt_after_a_crash, .init = start, .fini = stop)
{
	const uid_t uids[] = { 0, UA, UB };
	struct bpfpin_limits before[N(uids)], after;
	char p[256];
	struct stat st;

	fill_a();
	cr_assert_eq(DO(UA, LINK, "/a2_link", "/a2"), 0);
	cr_assert_eq(DO(UB, SYMLINK, "/b1", "abc"), 0);
	cr_assert_eq(DO(UB, M_MKDIR, "/b2", NULL), 0);
	cr_assert_eq(lstat(mnt(p, "/b2"), &st), 0);
	cr_assert_eq(DO(UB, RMDIR, "/b2", NULL), 0);    /* FUSE still knows it */
	cr_assert_eq(bpfpin_pin(b, map, "/r", NULL), 0);
	cr_assert_eq(bpfpin_symlink(b, "xyz", "/rs"), 0);
	for (size_t i = 0; i < N(uids); i++)
		before[i] = usage(uids[i]);
	cr_assert_eq(before[1].nodes.used, MAX_NODES);
	cr_assert_eq(before[2].nodes.used, 1);
	bpfpin_close(b);
	cr_assert_eq(th_daemon_restart(&d, SIGKILL), 0);
	cr_assert_eq(bpfpin_connect(d.sock, &b), 0);
	for (size_t i = 0; i < N(uids); i++) {
		after = usage(uids[i]);
		cr_expect(same_usage(&before[i], &after),
			  "uid %u: %llu nodes %llu bytes before, %llu %llu after",
			  uids[i], (unsigned long long)before[i].nodes.used,
			  (unsigned long long)before[i].symlink_bytes.used,
			  (unsigned long long)after.nodes.used,
			  (unsigned long long)after.symlink_bytes.used);
	}
	cr_expect_eq(DO(UA, MKDIR, "/x", NULL), -EDQUOT);
	cr_expect_eq(DO(UA, M_SYMLINK, "/x", "t"), -EDQUOT);
	cr_expect_eq(DO(UB, MKDIR, "/x", NULL), 0);
}

Test(quota, symlink_bytes_past_the_limit_get_edquot, .init = start, .fini = stop)
{
	cr_expect_eq(DO(UA, SYMLINK, "/s1", "0123456789"), 0);     /* 10 */
	cr_expect_eq(DO(UA, SYMLINK, "/s2", "0123456"), -EDQUOT);  /* 17 */
	cr_expect_eq(DO(UA, M_SYMLINK, "/s2", "0123456"), -EDQUOT);
	cr_expect_eq(DO(UA, M_SYMLINK, "/s2", "012345"), 0);       /* 16 */
	cr_expect_eq(usage(UA).symlink_bytes.used, MAX_BYTES);
	cr_expect_eq(usage(UA).symlink_bytes.limit, MAX_BYTES);
	cr_expect_eq(DO(UA, SYMLINK, "/s3", "x"), -EDQUOT);
	cr_expect_eq(DO(UA, MKDIR, "/d", NULL), 0, "a dir has no target bytes");
	cr_expect_eq(DO(UB, SYMLINK, "/s3", "0123456789abcdef"), 0);
	cr_expect_eq(DO(UA, M_UNLINK, "/s1", NULL), 0);
	cr_expect_eq(DO(UA, SYMLINK, "/s3a", "0123456789"), 0);
	cr_expect_eq(usage(UA).symlink_bytes.used, MAX_BYTES);
}

/* Opens MAX_SNAPS + 1 pin files, reads and closes one, opens again; the
 * RPC's usage is checked while they are held. 0 or the first -errno that
 * was not expected (-EPROTO for a wrong count, -EALREADY for an open past
 * the limit that worked). */
static int snapshots_fn(struct bpfpin *ub, const void *arg)
{
	struct bpfpin_limits l = { .sz = sizeof(l) };
	int fds[MAX_SNAPS + 1], r = 0, fd = -1;
	char p[256], buf[4096];

	mnt(p, arg);
	for (int i = 0; i < MAX_SNAPS && r == 0; i++)
		if ((fds[i] = open(p, O_RDONLY | O_CLOEXEC)) < 0)
			r = -errno;
	if (r == 0 && (fd = open(p, O_RDONLY | O_CLOEXEC)) >= 0)
		r = -EALREADY;
	if (r == 0 && errno != EDQUOT)
		r = -errno;
	if (r == 0 && (bpfpin_limits(ub, -1, &l) < 0 ||
		       l.snapshots.used != MAX_SNAPS || l.snapshots.limit != MAX_SNAPS))
		r = -EPROTO;
	/* Read to the end: the dump is done, so the close frees it. */
	while (r == 0 && read(fds[0], buf, sizeof(buf)) > 0)
		;
	if (r == 0)
		close(fds[0]);
	/* The kernel sends the release after close(2) returns. */
	for (int i = 0; r == 0 && i < 100 && fd < 0; i++) {
		if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0 && errno != EDQUOT)
			r = -errno;
		else if (fd < 0)
			usleep(10000);
	}
	return r < 0 ? r : fd >= 0 ? 0 : -EDQUOT;
}

static int open_fn(struct bpfpin *ub, const void *arg)
{
	char p[256];
	int fd = open(mnt(p, arg), O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

Test(quota, snapshots_past_the_limit_get_edquot_on_open, .init = start, .fini = stop)
{
	int fds[2 * MAX_SNAPS];
	char p[256];

	cr_assert_eq(bpfpin_pin(b, map, "/m", NULL), 0);
	cr_assert_eq(bpfpin_chmod(b, "/m", 0644), 0);
	cr_expect_eq(as_user(UA, snapshots_fn, "/m"), 0);
	/* Root holds twice the limit and another uid still opens. */
	for (size_t i = 0; i < N(fds); i++)
		cr_assert_geq(fds[i] = open(mnt(p, "/m"), O_RDONLY | O_CLOEXEC), 0,
			      "root's open %zu: %s", i, strerror(errno));
	cr_expect_eq(usage(0).snapshots.used, N(fds));
	cr_expect_eq(as_user(UB, open_fn, "/m"), 0);
	for (size_t i = 0; i < N(fds); i++)
		close(fds[i]);
}

/* The JSON of `bpfpin -j limits ARGS` run as uid, parsed. */
static json_object *cli_limits(uid_t uid, const char *args, int *status)
{
	char *out = th_run(status, "setpriv --reuid %u --regid %u --clear-groups "
			   "'%s' -s '%s' -j limits %s", uid, uid, th_cli(), d.sock, args);
	json_object *o = json_tokener_parse(out);

	cr_assert_not_null(o, "not JSON: %s", out);
	free(out);
	return o;
}

static int64_t member(json_object *o, const char *name, const char *key)
{
	json_object *p, *v;

	cr_assert(json_object_object_get_ex(o, name, &p), "no %s", name);
	cr_assert(json_object_object_get_ex(p, key, &v), "no %s.%s", name, key);
	return json_object_get_int64(v);
}

static void expect_a_shown(json_object *o)
{
	json_object *v;

	cr_expect(json_object_object_get_ex(o, "uid", &v) &&
		  json_object_get_int64(v) == UA);
	cr_expect(json_object_object_get_ex(o, "limited", &v) &&
		  json_object_get_boolean(v));
	cr_expect_eq(member(o, "nodes", "used"), 2);
	cr_expect_eq(member(o, "nodes", "limit"), MAX_NODES);
	cr_expect_eq(member(o, "symlink_bytes", "used"), 5);
	cr_expect_eq(member(o, "symlink_bytes", "limit"), MAX_BYTES);
	cr_expect_eq(member(o, "snapshots", "used"), 0);
	cr_expect_eq(member(o, "snapshots", "limit"), MAX_SNAPS);
	/* bpfpind's defaults (bpfpind(8)). */
	cr_expect_eq(member(o, "connections", "limit"), 64);
	cr_expect_eq(member(o, "requests", "limit"), 256);
	cr_expect_eq(member(o, "queued_fds", "limit"), 1024);
}

static int limits_of_b_fn(struct bpfpin *ub, const void *arg)
{
	struct bpfpin_limits l = { .sz = sizeof(l) };

	return bpfpin_limits(ub, UB, &l);
}

Test(quota, limits_shows_a_uid_its_usage, .init = start, .fini = stop)
{
	json_object *o, *v;
	int status;

	cr_assert_eq(DO(UA, MKDIR, "/a", NULL), 0);
	cr_assert_eq(DO(UA, SYMLINK, "/s", "hello"), 0);
	o = cli_limits(UA, "", &status);
	cr_expect_eq(status, 0);
	expect_a_shown(o);
	json_object_put(o);
	o = cli_limits(0, "uid 65534", &status);
	cr_expect_eq(status, 0);
	expect_a_shown(o);
	json_object_put(o);
	o = cli_limits(0, "", &status);
	cr_expect(json_object_object_get_ex(o, "limited", &v) &&
		  !json_object_get_boolean(v), "root is not limited");
	cr_expect_eq(member(o, "nodes", "limit"), 0);
	cr_expect_eq(member(o, "snapshots", "limit"), 0);
	json_object_put(o);
	/* Another uid's usage is root's business only. */
	cr_expect_eq(as_user(UA, limits_of_b_fn, NULL), -EPERM);
	o = cli_limits(UA, "uid 0", &status);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	json_object_put(o);
}

/* A partial struct from an older caller gets what fits, and nothing else
 * is written. */
Test(quota, limits_fills_only_the_callers_struct_size, .init = start, .fini = stop)
{
	struct bpfpin_limits l;
	size_t sz = offsetof(struct bpfpin_limits, nodes);

	cr_assert_eq(DO(UA, MKDIR, "/a", NULL), 0);
	memset(&l, 0xa5, sizeof(l));
	l.sz = sz;
	cr_assert_eq(bpfpin_limits(b, UA, &l), 0);
	cr_expect_eq(l.uid, UA);
	cr_expect_eq(l.limited, 1);
	cr_expect_eq(l.nodes.used, 0xa5a5a5a5a5a5a5a5ULL);
	l.sz = 0;
	cr_expect_eq(bpfpin_limits(b, UA, &l), -EINVAL);
}

/* The errno name of the reply to one raw request, or "ok". */
static const char *raw_reply(const char *req, char *buf, size_t size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	json_object *o, *e, *name;
	ssize_t n;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d.sock);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	n = recv(fd, buf, size - 1, 0);
	close(fd);
	cr_assert_gt(n, 0);
	buf[n] = '\0';
	o = json_tokener_parse(buf);
	cr_assert_not_null(o, "not JSON: %s", buf);
	if (!json_object_object_get_ex(o, "error", &e)) {
		json_object_put(o);
		return "ok";
	}
	cr_assert(json_object_object_get_ex(e, "name", &name));
	snprintf(buf, size, "%s", json_object_get_string(name));
	json_object_put(o);
	return buf;
}

Test(quota, limits_refuses_bad_members, .init = start, .fini = stop)
{
	static const char *const bad[] = {
		"\"uid\":\"0\"", "\"uid\":1.5", "\"uid\":-2", "\"uid\":4294967295",
		"\"uid\":null", "\"bogus\":1",
	};
	char req[256], buf[4096];

	for (size_t i = 0; i < N(bad); i++) {
		snprintf(req, sizeof(req), "{\"v\":1,\"id\":1,\"op\":\"limits\",%s}", bad[i]);
		cr_expect_str_eq(raw_reply(req, buf, sizeof(buf)), "EINVAL", "%s", req);
	}
	cr_expect_str_eq(raw_reply("{\"v\":1,\"id\":1,\"op\":\"limits\",\"uid\":-1}",
				   buf, sizeof(buf)), "ok");
	cr_expect_str_eq(raw_reply("{\"v\":1,\"id\":1,\"op\":\"limits\",\"uid\":65534}",
				   buf, sizeof(buf)), "ok");
}
