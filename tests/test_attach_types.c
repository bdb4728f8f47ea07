/* tests/test_attach_types.c: a link for every attach type: each cgroup
 * hook (a minimal program per type, table-driven, by bpftool's short and
 * long names), xdp and tcx on lo, sk_lookup and flow_dissector in a
 * network namespace of a child, fentry, tp_btf and raw_tp, and sk_msg and
 * sk_skb on a sockmap. Each link's `bpfpin -j get` and `cat` on the mount
 * equal `bpftool -j link show`, but for the members bpftool v7.1 lacks.
 * The suite runs in a network namespace of its own. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <json-c/json.h>

#include "bpfpin/bpfpin.h"
#include "tests/attach_util.h"

static struct bpf_object *obj;
static char cg[256];

/* The unix hooks: sock_addr programs with the kernel's attach types. */
static const struct { const char *prog; int type; } unix_progs[] = {
	{ "t_connect_unix", 49 }, { "t_sendmsg_unix", 50 },
	{ "t_recvmsg_unix", 51 }, { "t_getpeername_unix", 52 },
	{ "t_getsockname_unix", 53 },
};

static void fix_unix(struct bpf_object *o)
{
	for (size_t i = 0; i < sizeof(unix_progs) / sizeof(unix_progs[0]); i++)
		bpf_program__set_expected_attach_type(
			bpf_object__find_program_by_name(o, unix_progs[i].prog),
			(enum bpf_attach_type)unix_progs[i].type);
	bpf_program__set_autoload(bpf_object__find_program_by_name(o, "t_raw_tp"), true);
}

/* A network namespace of the suite's own (the daemon, started after,
 * shares it): its lo takes the xdp and tcx links, not the machine's. */
static void setup(void)
{
	cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare: %s", strerror(errno));
	au_setup();
	obj = au_load("attach_types", fix_unix);
	au_cgroup_make(cg, sizeof(cg));
}

/* Safe to call twice. */
static void teardown(void)
{
	bpf_object__close(obj);
	obj = NULL;
	au_teardown();
	au_cgroup_remove(cg);
}

TestSuite(attach_types, .init = setup, .fini = teardown, .timeout = 120);

static struct json_object *without(struct json_object *o, const char *const *keys)
{
	for (; *keys; keys++)
		json_object_object_del(o, *keys);
	return o;
}

/* Our JSON of the link at path (get and the mount) against bpftool's,
 * less what bpftool v7.1 does not print (extra, NULL-ended). */
static void same_as_bpftool(const char *path, const char *const *extra)
{
	static const char *const theirs_only[] = { "pids", "pinned", NULL };
	struct json_object *ours, *mnt, *theirs;
	int rc;

	ours = au_parse(au_cli(&rc, false, "-j get %s", path));
	cr_assert_eq(rc, 0);
	mnt = au_parse(th_run(&rc, "cat '%s%s'", au_d.mnt, path));
	theirs = au_parse(th_run(&rc, "bpftool -j link show id %u", au_id(path)));
	cr_assert(json_object_equal(ours, mnt), "get %s vs cat %s",
		  json_object_to_json_string(ours), json_object_to_json_string(mnt));
	without(ours, extra);
	without(theirs, theirs_only);
	cr_assert(json_object_equal(ours, theirs), "ours %s\nbpftool %s",
		  json_object_to_json_string(ours), json_object_to_json_string(theirs));
	json_object_put(ours);
	json_object_put(mnt);
	json_object_put(theirs);
}

static void attach_ok(const char *args)
{
	int rc;
	char *err = au_cli(&rc, true, "attach %s", args);

	cr_assert_eq(rc, 0, "attach %s: %s", args, err);
	free(err);
}

static void rm_ok(const char *path)
{
	cr_assert_eq(bpfpin_unlink(au_b, path), 0, "rm %s", path);
}

static const struct cg_case {
	const char *name;       /* as given: bpftool's short or long name */
	const char *prog;
	int type;               /* the kernel's attach type */
} cg_cases[] = {
	{ "ingress", "t_ingress", 0 }, { "cgroup_inet_egress", "t_egress", 1 },
	{ "sock_create", "t_sock_create", 2 }, { "sock_ops", "t_sock_ops", 3 },
	{ "device", "t_device", 6 }, { "bind4", "t_bind4", 8 },
	{ "cgroup_inet6_bind", "t_bind6", 9 }, { "connect4", "t_connect4", 10 },
	{ "connect6", "t_connect6", 11 }, { "post_bind4", "t_post_bind4", 12 },
	{ "cgroup_inet6_post_bind", "t_post_bind6", 13 },
	{ "sendmsg4", "t_sendmsg4", 14 }, { "sendmsg6", "t_sendmsg6", 15 },
	{ "sysctl", "t_sysctl", 18 }, { "recvmsg4", "t_recvmsg4", 19 },
	{ "cgroup_udp6_recvmsg", "t_recvmsg6", 20 },
	{ "getsockopt", "t_getsockopt", 21 }, { "setsockopt", "t_setsockopt", 22 },
	{ "getpeername4", "t_getpeername4", 29 },
	{ "getpeername6", "t_getpeername6", 30 },
	{ "getsockname4", "t_getsockname4", 31 },
	{ "cgroup_inet6_getsockname", "t_getsockname6", 32 },
	{ "sock_release", "t_sock_release", 34 },
	{ "connect_unix", "t_connect_unix", 49 },
	{ "cgroup_unix_sendmsg", "t_sendmsg_unix", 50 },
	{ "recvmsg_unix", "t_recvmsg_unix", 51 },
	{ "getpeername_unix", "t_getpeername_unix", 52 },
	{ "getsockname_unix", "t_getsockname_unix", 53 },
};

/* Link info's cgroup attach type, as the kernel reports it. */
static uint32_t link_attach_type(const char *path)
{
	struct bpf_link_info info = { 0 };
	uint32_t len = sizeof(info);
	int fd = bpfpin_get(au_b, path, O_RDWR);

	cr_assert_geq(fd, 0);
	cr_assert_eq(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	close(fd);
	cr_assert_eq(info.type, BPF_LINK_TYPE_CGROUP);
	return info.cgroup.attach_type;
}

Test(attach_types, every_cgroup_attach_type_links)
{
	static const char *const none[] = { NULL };
	char args[512], path[64];

	for (size_t i = 0; i < sizeof(cg_cases) / sizeof(cg_cases[0]); i++) {
		const struct cg_case *c = &cg_cases[i];

		snprintf(path, sizeof(path), "/l/%s", c->prog);
		snprintf(args, sizeof(args), "cgroup %s %s /p/%s %s multi", cg,
			 c->name, c->prog, path);
		attach_ok(args);
		cr_assert_eq(link_attach_type(path), (uint32_t)c->type, "%s", c->name);
		same_as_bpftool(path, none);
	}
	for (size_t i = 0; i < sizeof(cg_cases) / sizeof(cg_cases[0]); i++) {
		snprintf(path, sizeof(path), "/l/%s", cg_cases[i].prog);
		rm_ok(path);
	}
}

Test(attach_types, a_program_of_the_wrong_type_is_named)
{
	char args[512], *err;
	int rc;

	snprintf(args, sizeof(args), "attach cgroup %s connect4 /p/t_egress /l/x", cg);
	err = au_cli(&rc, true, "%s", args);
	cr_assert_eq(rc, 1);
	cr_assert(strstr(err, "program is of type cgroup_skb"), "%s", err);
	free(err);
	snprintf(args, sizeof(args), "attach cgroup %s connect6 /p/t_connect4 /l/x", cg);
	err = au_cli(&rc, true, "%s", args);
	cr_assert_eq(rc, 1);
	cr_assert(strstr(err, "loaded for this attach type?"), "%s", err);
	free(err);
	snprintf(args, sizeof(args), "attach cgroup %s egress /p/t_egress /l/x override", cg);
	err = au_cli(&rc, true, "%s", args);
	cr_assert_eq(rc, 2);
	cr_assert(strstr(err, "always multi"), "%s", err);
	free(err);
}

Test(attach_types, xdp_and_tcx_on_lo)
{
	static const char *const xdp_extra[] = { "devname", "ifindex", NULL };
	static const char *const tcx_extra[] = { "devname", "ifindex", "attach_type", NULL };
	struct json_object *o, *v;
	int rc;

	attach_ok("xdp lo /p/t_xdp /l/xdp");
	same_as_bpftool("/l/xdp", xdp_extra);
	attach_ok("tcx lo ingress /p/t_tcx /l/tcx_in");
	attach_ok("tcx lo egress /p/t_tcx /l/tcx_out");
	same_as_bpftool("/l/tcx_in", tcx_extra);
	o = au_parse(au_cli(&rc, false, "-j get /l/tcx_out"));
	cr_assert(json_object_object_get_ex(o, "devname", &v));
	cr_assert_str_eq(json_object_get_string(v), "lo");
	cr_assert(json_object_object_get_ex(o, "attach_type", &v));
	cr_assert_eq(json_object_get_int64(v), 47);
	json_object_put(o);
	attach_ok("xdp lo /p/t_xdp replace /l/xdp");
	cr_assert_eq(bpfpin_detach(au_b, "/l/xdp"), 0, "%s", bpfpin_errmsg(au_b));
	o = au_parse(au_cli(&rc, false, "-j get /l/xdp"));
	cr_assert(json_object_object_get_ex(o, "devname", &v));
	cr_assert_str_eq(json_object_get_string(v), "(detached)");
	json_object_put(o);
	free(au_cli(&rc, true, "attach xdp lo /p/t_xdp replace /l/xdp"));
	cr_assert_eq(rc, 1, "replace on a detached link");
	rm_ok("/l/xdp");
	rm_ok("/l/tcx_in");
	rm_ok("/l/tcx_out");
}

/* A child in a network namespace of its own, until killed. */
static pid_t netns_child(void)
{
	int p[2];
	char c;
	pid_t pid;

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) < 0 || write(p[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	cr_assert_eq(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

Test(attach_types, sk_lookup_and_flow_dissector_on_a_netns)
{
	static const char *const none[] = { NULL };
	pid_t pid = netns_child();
	char args[256];

	snprintf(args, sizeof(args), "netns /proc/%d/ns/net sk_lookup /p/t_sk_lookup /l/lookup", pid);
	attach_ok(args);
	snprintf(args, sizeof(args), "netns /proc/%d/ns/net flow_dissector /p/t_flow /l/flow", pid);
	attach_ok(args);
	same_as_bpftool("/l/lookup", none);
	same_as_bpftool("/l/flow", none);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	rm_ok("/l/lookup");
	rm_ok("/l/flow");
}

Test(attach_types, tracing_needs_only_the_program)
{
	static const char *const none[] = { NULL };

	attach_ok("tracing /p/t_tp_btf /l/tp_btf");
	attach_ok("tracing /p/t_raw_tp tp sys_enter /l/raw_tp");
	same_as_bpftool("/l/tp_btf", none);
	same_as_bpftool("/l/raw_tp", none);
	cr_assert_eq(bpfpin_detach(au_b, "/l/raw_tp"), -EOPNOTSUPP, "%s",
		     bpfpin_errmsg(au_b));
	cr_assert(strstr(bpfpin_errmsg(au_b), "the kernel cannot detach this link"),
		  "%s", bpfpin_errmsg(au_b));
	rm_ok("/l/tp_btf");
	rm_ok("/l/raw_tp");
}

/* Some kernels (this machine kind's) refuse fentry and lsm programs with
 * EPERM at load: then there is nothing to attach, and the refusal is
 * checked as a refusal (EPERM, libbpf's own load), not skipped. */
Test(attach_types, fentry_and_lsm_cgroup_link_or_the_kernel_refuses_them)
{
	static const char *const none[] = { NULL };
	char path[512];
	struct bpf_object *o;

	snprintf(path, sizeof(path), "%s/tests/progs/attach_fentry.bpf.o",
		 getenv("BPFPIN_BUILDDIR"));
	o = bpf_object__open_file(path, NULL);
	cr_assert_not_null(o);
	if (bpf_object__load(o) < 0) {
		int err = errno;

		bpf_object__close(o);
		cr_assert_eq(err, EPERM, "an fentry load failed otherwise: %s",
			     strerror(err));
		fprintf(stderr, "note: this kernel refuses fentry and lsm "
			"programs (EPERM): their links are not tried\n");
		return;
	}
	bpf_object__close(o);
	bpf_object__close(au_load("attach_fentry", NULL));
	attach_ok("tracing /p/t_fentry /l/fentry");
	same_as_bpftool("/l/fentry", none);
	rm_ok("/l/fentry");
	snprintf(path, sizeof(path), "cgroup %s lsm_cgroup /p/t_lsm_cgroup /l/lsm", cg);
	attach_ok(path);
	same_as_bpftool("/l/lsm", none);
	rm_ok("/l/lsm");
}

Test(attach_types, sk_msg_and_sk_skb_on_a_sockmap)
{
	static const char *const extra[] = { "map_id", "attach_type", NULL };

	attach_ok("sockmap /m/socks sk_msg_verdict /p/t_sk_msg /l/msg");
	attach_ok("sockmap /m/socks stream_verdict /p/t_stream_verdict /l/skb");
	same_as_bpftool("/l/msg", extra);
	same_as_bpftool("/l/skb", extra);
	rm_ok("/l/msg");
	rm_ok("/l/skb");
}
