/* tests/test_attach.c: a cgroup_skb egress program counting bytes, pinned
 * through the RPC and attached by `bpfpin attach` to a cgroup the test
 * makes, with real traffic from a process in that cgroup on loopback: the
 * count grows (read over the RPC, with `bpfpin lookup` and on the mount),
 * the link outlives a SIGKILL of bpfpind, `rm` of its pin stops it,
 * replace swaps the program, detach stops it and keeps the pin. Who may
 * attach, hostile target fds, and the provenance records. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <grp.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <json-c/json.h>

#include "bpfpin/bpfpin.h"
#include "tests/attach_util.h"

#define N 10
#define LEN 100
#define BYTES ((uint64_t)N * (LEN + 28))  /* IPv4 + UDP headers */

static struct bpf_object *obj;
static char cg[256];

static void setup(void)
{
	au_setup();
	obj = au_load("attach_count", NULL);
	au_cgroup_make(cg, sizeof(cg));
}

static void teardown(void)
{
	bpf_object__close(obj);
	au_teardown();
	au_cgroup_remove(cg);
}

TestSuite(attach, .init = setup, .fini = teardown, .timeout = 60);

static void attach_ok(const char *prog, const char *extra)
{
	int rc;
	char *err = au_cli(&rc, true, "attach cgroup %s egress %s %s", cg, prog,
			   extra);

	cr_assert_eq(rc, 0, "attach: %s", err);
	free(err);
}

Test(attach, cgroup_link_counts_survives_restart_and_rm_stops_it)
{
	int rc;

	attach_ok("/p/count_a", "/l/egress");
	au_traffic(cg, N, LEN);
	cr_assert_eq(au_count("/m/bytes", 1), BYTES);
	cr_assert_eq(au_count_cli("/m/bytes", 1), BYTES);
	cr_assert_eq(au_count_mount("/m/bytes", 1), BYTES);
	bpfpin_close(au_b);
	au_b = NULL;
	cr_assert_eq(th_daemon_restart(&au_d, SIGKILL), 0);
	cr_assert_eq(bpfpin_connect(au_d.sock, &au_b), 0);
	au_traffic(cg, N, LEN);
	cr_assert_eq(au_count("/m/bytes", 1), 2 * BYTES, "the link stopped at the restart");
	free(au_cli(&rc, false, "rm /l/egress"));
	cr_assert_eq(rc, 0);
	cr_assert(au_egress_idle(cg), "nothing may hold the link once its pin is gone");
	au_traffic(cg, N, LEN);
	cr_assert_eq(au_count("/m/bytes", 1), 2 * BYTES, "rm did not detach");
}

/* The name is checked before the link is made: a refused name never
 * has the program attached, not even for a moment. */
Test(attach, a_taken_name_is_refused_before_attaching)
{
	uint32_t id;
	char *err;
	int rc;

	attach_ok("/p/count_a", "/l/egress");
	id = au_id("/l/egress");
	err = au_cli(&rc, true, "attach cgroup %s egress /p/count_b /l/egress", cg);
	cr_assert_eq(rc, 1);
	cr_assert(strstr(err, "/l/egress: File exists"), "%s", err);
	free(err);
	cr_assert_eq(au_id("/l/egress"), id);
	au_traffic(cg, N, LEN);
	cr_assert_eq(au_count("/m/bytes", 2), 0, "count_b ran");
}

Test(attach, rm_on_the_mount_detaches)
{
	char path[256];

	attach_ok("/p/count_a", "/l/egress");
	snprintf(path, sizeof(path), "%s/l/egress", au_d.mnt);
	cr_assert_eq(unlink(path), 0, "unlink %s: %s", path, strerror(errno));
	cr_assert(au_egress_idle(cg), "bpfpind still holds the link");
	au_traffic(cg, N, LEN);
	cr_assert_eq(au_count("/m/bytes", 1), 0);
}

/* A reader of the link's file on the mount keeps the inode known to
 * FUSE after the last name went: the daemon must not hold the link for
 * it (the reader has its document already). */
Test(attach, a_file_open_on_the_mount_does_not_keep_the_link_attached)
{
	char path[256], buf[4096];
	ssize_t n;
	int fd;

	attach_ok("/p/count_a", "/l/egress");
	snprintf(path, sizeof(path), "%s/l/egress", au_d.mnt);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	cr_assert_eq(bpfpin_unlink(au_b, "/l/egress"), 0);
	cr_assert(au_egress_idle(cg), "bpfpind kept the link for an open file");
	n = read(fd, buf, sizeof(buf) - 1);
	cr_assert_gt(n, 0, "read: %s", strerror(errno));
	buf[n] = '\0';
	cr_assert(strstr(buf, "\"cgroup_id\""), "%s", buf);
	close(fd);
	au_traffic(cg, N, LEN);
	cr_assert_eq(au_count("/m/bytes", 1), 0);
}

Test(attach, replace_swaps_the_program_of_the_same_link)
{
	uint32_t id;

	attach_ok("/p/count_a", "/l/egress");
	id = au_id("/l/egress");
	au_traffic(cg, N, LEN);
	attach_ok("/p/count_b", "replace /l/egress");
	cr_assert_eq(au_id("/l/egress"), id, "replace made a new link");
	au_traffic(cg, N, LEN);
	cr_assert_eq(au_count("/m/bytes", 1), BYTES);
	cr_assert_eq(au_count("/m/bytes", 2), BYTES);
}

Test(attach, replace_refuses_a_link_attached_elsewhere)
{
	char other[256], *err;
	int rc;

	attach_ok("/p/count_a", "/l/egress");
	au_cgroup_make(other, sizeof(other));
	err = au_cli(&rc, true, "attach cgroup %s egress /p/count_b replace /l/egress", other);
	au_cgroup_remove(other);
	cr_assert_eq(rc, 1);
	cr_assert(strstr(err, "not a cgroup_inet_egress link attached there"), "%s", err);
	free(err);
	au_traffic(cg, N, LEN);
	cr_assert_eq(au_count("/m/bytes", 1), BYTES);
}

Test(attach, detach_stops_counting_and_keeps_the_pin)
{
	struct json_object *o, *info, *v;
	int rc;

	attach_ok("/p/count_a", "/l/egress");
	free(au_cli(&rc, false, "detach /l/egress"));
	cr_assert_eq(rc, 0);
	au_traffic(cg, N, LEN);
	cr_assert_eq(au_count("/m/bytes", 1), 0);
	o = au_parse(au_cli(&rc, false, "-j get /l/egress"));
	cr_assert_eq(rc, 0);
	info = json_object_object_get_ex(o, "info", &info) ? info : o;
	cr_assert(json_object_object_get_ex(info, "cgroup_id", &v));
	cr_assert_eq(json_object_get_int64(v), 0, "detached link still shows a cgroup");
	json_object_put(o);
}

/* The protocol is enough for another language: the Python example
 * client attaches, the count grows, it detaches, the count stops. */
Test(attach, the_python_client_attaches_and_detaches)
{
	char *out;
	int rc;

	out = th_run(&rc, "python3 -c 'import os, sys; sys.path.insert(0, \"%s/examples/python\"); "
		     "import bpfpin; c = bpfpin.Client(\"%s\"); "
		     "fd = os.open(\"%s\", os.O_RDONLY | os.O_DIRECTORY); "
		     "print(c.attach(\"/p/count_a\", \"/l/py\", \"cgroup\", fd=fd, "
		     "attach_type=\"egress\")[\"object\"][\"type\"])' 2>&1",
		     getenv("BPFPIN_SRCDIR"), au_d.sock, cg);
	cr_assert_str_eq(out, "cgroup\n", "%s", out);
	free(out);
	au_traffic(cg, N, LEN);
	cr_assert_eq(au_count("/m/bytes", 1), BYTES);
	out = th_run(&rc, "python3 -c 'import sys; sys.path.insert(0, \"%s/examples/python\"); "
		     "import bpfpin; bpfpin.Client(\"%s\").detach(\"/l/py\")' 2>&1",
		     getenv("BPFPIN_SRCDIR"), au_d.sock);
	cr_assert_str_eq(out, "", "%s", out);
	free(out);
	au_traffic(cg, N, LEN);
	cr_assert_eq(au_count("/m/bytes", 1), BYTES);
}

/* ---- who may attach ---- */

struct as_result {
	int r;
	char msg[512];
};

/* bpfpin_attach of prog at path as uid 65534, with opts (NULL: to the
 * cgroup dir, for egress); o.target_fd, if it is -2, is opened from
 * dir in the child. */
static struct as_result attach_as_nobody_opts(const char *dir, const char *prog,
					      const char *path,
					      const struct bpfpin_attach_opts *opts)
{
	struct as_result res = { 0 };
	int p[2], st;
	pid_t pid;

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct bpfpin_attach_opts o = { .sz = sizeof(o), .target = "cgroup",
						.attach_type = "egress", .umask = 022,
						.target_fd = -2 };
		struct bpfpin *b;

		if (opts)
			o = *opts;
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(2);
		if (o.target_fd == -2)
			o.target_fd = open(dir, O_RDONLY | O_CLOEXEC |
					   (strcmp(o.target, "cgroup") ? 0 : O_DIRECTORY));
		if (o.target_fd < -1 || bpfpin_connect(au_d.sock, &b) < 0)
			_exit(3);
		res.r = bpfpin_attach(b, prog, path, &o);
		snprintf(res.msg, sizeof(res.msg), "%s", bpfpin_errmsg(b));
		if (write(p[1], &res, sizeof(res)) != sizeof(res))
			_exit(4);
		_exit(0);
	}
	close(p[1]);
	cr_assert_eq(read(p[0], &res, sizeof(res)), (ssize_t)sizeof(res));
	close(p[0]);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	return res;
}

static struct as_result attach_as_nobody(const char *dir, const char *prog,
					 const char *path)
{
	return attach_as_nobody_opts(dir, prog, path, NULL);
}

Test(attach, nobody_cannot_attach_to_a_netdev_a_netns_or_a_tracing_point)
{
	const struct bpfpin_attach_opts o[] = {
		{ .sz = sizeof(o[0]), .target = "xdp", .dev = "lo", .target_fd = -1 },
		{ .sz = sizeof(o[0]), .target = "tcx", .dev = "lo",
		  .attach_type = "ingress", .target_fd = -1 },
		{ .sz = sizeof(o[0]), .target = "netns", .attach_type = "sk_lookup",
		  .target_fd = -2 },
		{ .sz = sizeof(o[0]), .target = "tracing", .target_fd = -1 },
	};

	cr_assert_eq(bpfpin_chmod(au_b, "/p/count_a", 0666), 0);
	for (size_t i = 0; i < sizeof(o) / sizeof(o[0]); i++) {
		struct as_result r = attach_as_nobody_opts("/proc/self/ns/net",
							   "/p/count_a", "/l/x", &o[i]);

		cr_assert_eq(r.r, -EPERM, "%s: %d %s", o[i].target, r.r, r.msg);
		cr_assert(strstr(r.msg, "is for root (uid 0) only"), "%s", r.msg);
	}
}

Test(attach, nobody_cannot_attach_a_program_it_may_not_write)
{
	struct as_result r = attach_as_nobody(cg, "/p/count_a", "/l/egress");

	cr_assert_eq(r.r, -EACCES, "%d %s", r.r, r.msg);
	cr_assert(strstr(r.msg, "write permission on the pin"), "%s", r.msg);
	cr_assert_eq(bpfpin_unlink(au_b, "/l/egress"), -ENOENT);
}

Test(attach, nobody_cannot_attach_to_a_cgroup_it_may_not_write)
{
	struct as_result r;

	cr_assert_eq(bpfpin_chmod(au_b, "/p/count_a", 0666), 0);
	r = attach_as_nobody(cg, "/p/count_a", "/l/egress");
	cr_assert_eq(r.r, -EACCES, "%d %s", r.r, r.msg);
	cr_assert(strstr(r.msg, "may not write the cgroup directory"), "%s", r.msg);
	au_traffic(cg, N, LEN);
	cr_assert_eq(au_count("/m/bytes", 1), 0);
}

Test(attach, nobody_attaches_to_a_cgroup_it_owns)
{
	struct as_result r;

	cr_assert_eq(bpfpin_chmod(au_b, "/p/count_a", 0666), 0);
	cr_assert_eq(chown(cg, 65534, 65534), 0);
	r = attach_as_nobody(cg, "/p/count_a", "/l/egress");
	cr_assert_eq(r.r, 0, "%d %s", r.r, r.msg);
	au_traffic(cg, N, LEN);
	cr_assert_eq(au_count("/m/bytes", 1), BYTES);
}

/* ---- hostile target fds ---- */

static int attach_fd(int fd, const char *target)
{
	struct bpfpin_attach_opts o = { .sz = sizeof(o), .target = target,
					.target_fd = fd, .umask = 022,
					.attach_type = !strcmp(target, "netns") ?
						       "sk_lookup" : "egress" };

	return bpfpin_attach(au_b, "/p/count_a", "/l/x", &o);
}

Test(attach, hostile_target_fds_are_refused_and_nothing_leaks)
{
	static const char *const targets[] = { "cgroup", "netns" };
	char path[256], *json = NULL;
	int p[2], before, fd;

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	/* the program's fd is in the daemon's cache from here on */
	cr_assert_eq(bpfpin_info(au_b, "/p/count_a", &json), 0);
	free(json);
	before = th_fd_count(au_d.pid);
	snprintf(path, sizeof(path), "%s/p", au_d.mnt);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(attach_fd(p[0], targets[i]), -EINVAL);
		cr_assert(strstr(bpfpin_errmsg(au_b), "a pipe"), "%s", bpfpin_errmsg(au_b));
		cr_assert_eq(attach_fd(fd, targets[i]), -EINVAL);
		cr_assert(strstr(bpfpin_errmsg(au_b), "bpfpind's own mount"), "%s",
			  bpfpin_errmsg(au_b));
	}
	close(p[1]);
	p[1] = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	cr_assert_eq(attach_fd(p[1], "cgroup"), -EINVAL);
	cr_assert(strstr(bpfpin_errmsg(au_b), "net:["), "%s", bpfpin_errmsg(au_b));
	cr_assert_eq(th_fd_count(au_d.pid), before, "the daemon kept an fd");
	cr_assert_eq(bpfpin_unlink(au_b, "/l/x"), -ENOENT);
	close(p[0]);
	close(p[1]);
	close(fd);
}

/* ---- provenance ---- */

static struct json_object *attached_by(const char *path)
{
	struct json_object *o, *p, *a;
	int rc;

	o = au_parse(au_cli(&rc, false, "-j stat %s", path));
	cr_assert_eq(rc, 0);
	cr_assert(json_object_object_get_ex(o, "provenance", &p), "%s",
		  json_object_to_json_string(o));
	cr_assert(json_object_object_get_ex(p, "attached", &a));
	json_object_get(a);
	json_object_put(o);
	return a;
}

static int64_t jint(struct json_object *o, const char *key)
{
	struct json_object *v;

	cr_assert(json_object_object_get_ex(o, key, &v), "no %s", key);
	return json_object_get_int64(v);
}

Test(attach, provenance_is_recorded_shown_and_survives_a_restart)
{
	struct json_object *a;
	char path[256], val[256], *text;
	int64_t now = (int64_t)time(NULL) * 1000000000;
	ssize_t n;
	int rc;

	attach_ok("/p/count_a", "/l/egress");
	text = au_cli(&rc, false, "stat /l/egress");
	cr_assert(strstr(text, "\nAttached: uid 0 pid "), "%s", text);
	free(text);
	a = attached_by("/l/egress");
	cr_assert_eq(jint(a, "uid"), 0);
	cr_assert_gt(jint(a, "pid"), 0);
	cr_assert_geq(jint(a, "time_ns"), now - 60000000000LL);
	json_object_put(a);
	bpfpin_close(au_b);
	au_b = NULL;
	cr_assert_eq(th_daemon_restart(&au_d, SIGKILL), 0);
	cr_assert_eq(bpfpin_connect(au_d.sock, &au_b), 0);
	json_object_put(attached_by("/l/egress"));
	snprintf(path, sizeof(path), "%s/l/egress", au_d.mnt);
	n = getxattr(path, "user.bpfpin.attached_by", val, sizeof(val) - 1);
	cr_assert_gt(n, 0, "getxattr: %s", strerror(errno));
	val[n] = '\0';
	cr_assert(!strncmp(val, "uid=0 pid=", 10), "%s", val);
	n = getxattr(path, "user.bpfpin.loaded_by", val, sizeof(val));
	cr_assert_eq(n, -1);
	cr_assert_eq(errno, ENODATA);
}

Test(attach, usage_errors_say_what_is_wrong)
{
	static const struct { const char *args, *says; } cases[] = {
		{ "attach", "expected cgroup, xdp, tcx, netns, tracing or sockmap" },
		{ "attach frob /p/x /l/x", "expected cgroup" },
		{ "attach cgroup /x egress /p/x", "too few arguments" },
		{ "attach xdp lo /p/x /l/x extra", "unexpected 'extra'" },
		{ "detach", "expected PATH" },
	};
	char *err;
	int rc;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err = au_cli(&rc, true, "%s", cases[i].args);
		cr_assert_eq(rc, 2, "%s: %d", cases[i].args, rc);
		cr_assert(strstr(err, cases[i].says), "%s: %s", cases[i].args, err);
		free(err);
	}
	err = au_cli(&rc, true, "attach cgroup /nonexistent egress /p/count_a /l/x");
	cr_assert_eq(rc, 1);
	cr_assert(strstr(err, "/nonexistent: No such file or directory"), "%s", err);
	free(err);
}

Test(attach, provenance_goes_with_the_pin)
{
	char *log;
	int rc;

	attach_ok("/p/count_a", "/l/egress");
	free(au_cli(&rc, false, "rm /l/egress"));
	bpfpin_close(au_b);
	au_b = NULL;
	cr_assert_eq(th_daemon_restart(&au_d, SIGKILL), 0);
	cr_assert_eq(bpfpin_connect(au_d.sock, &au_b), 0);
	log = th_run(&rc, "cat '%s/prov.log'", au_d.state);
	cr_assert_str_eq(log, "", "a removed pin's record is still on file");
	free(log);
	attach_ok("/p/count_a", "/l/egress");
	json_object_put(attached_by("/l/egress"));
}
