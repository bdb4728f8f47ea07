/* tests/test_sockmap.c: the sockmap manager through the real daemon, with
 * real sockets on loopback: sockmaps made and pinned, sockets lent and
 * given, their records (sock ls) against the kernel's own lookup, the
 * kernel's refusals side by side with a direct insert, kill, sockets by
 * pid, who may, budgets, programs attached as pinned links, and all of it
 * across a SIGKILL of the daemon. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <linux/bpf.h>

#include "bpfpin/bpfpin.h"
#include "tests/harness.h"
#include "tests/sock_util.h"

static struct th_daemon d;
static struct bpfpin *b;

static void start(const char *const *extra)
{
	umask(022);
	cr_assert_eq(th_daemon_start(&d, false, extra), 0, "bpfpind did not start");
	cr_assert_eq(bpfpin_connect(d.sock, &b), 0);
	cr_assert_eq(bpfpin_mkdir(b, "/s", 0777), 0);
	cr_assert_eq(bpfpin_chmod(b, "/s", 0777), 0);
}

static void setup(void)
{
	start(NULL);
}

static void teardown(void)
{
	if (b)
		bpfpin_close(b);
	b = NULL;
	th_daemon_stop(&d);
}

TestSuite(sockmap, .init = setup, .fini = teardown, .timeout = 60);

static void create(const char *path, const char *type)
{
	struct bpfpin_sockmap_opts o = { .sz = sizeof(o), .type = type, .umask = -1 };

	cr_assert_eq(bpfpin_sockmap_create(b, path, &o), 0, "%s", bpfpin_errmsg(b));
}

static int add(const char *path, int fd, const char *key, bool give)
{
	struct bpfpin_sock_opts o = { .sz = sizeof(o), .key = key, .peer_fd = -1,
				      .give = give };

	return bpfpin_sock_add(b, path, fd, &o, NULL);
}

/* sock ls's members (the caller puts the root). */
static struct json_object *members(const char *path, struct json_object **root)
{
	char *text = NULL;
	struct json_object *m;

	cr_assert_eq(bpfpin_sock_ls(b, path, &text), 0, "%s", bpfpin_errmsg(b));
	*root = json_tokener_parse(text);
	free(text);
	cr_assert(*root && json_object_object_get_ex(*root, "members", &m));
	return m;
}

static size_t nmembers(const char *path)
{
	struct json_object *root, *m = members(path, &root);
	size_t n = json_object_array_length(m);

	json_object_put(root);
	return n;
}

static int64_t member_int(struct json_object *o, const char *k)
{
	struct json_object *v;

	cr_assert(json_object_object_get_ex(o, k, &v), "no member %s", k);
	return json_object_get_int64(v);
}

static const char *member_str(struct json_object *o, const char *k)
{
	struct json_object *v;

	cr_assert(json_object_object_get_ex(o, k, &v), "no member %s", k);
	return json_object_get_string(v);
}

/* The kernel's own answer: the cookie at index key of the pinned map. */
static int kernel_cookie(const char *path, uint32_t key, uint64_t *cookie)
{
	int fd = bpfpin_get(b, path, O_RDONLY), r;

	cr_assert_geq(fd, 0, "%s", bpfpin_errmsg(b));
	r = bpf_map_lookup_elem(fd, &key, cookie) < 0 ? -errno : 0;
	close(fd);
	return r;
}

Test(sockmap, lent_member_is_recorded_as_the_kernel_holds_it_and_leaves_with_its_owner)
{
	struct json_object *root, *m, *e;
	int p[2];
	uint64_t c = 0;
	char want[64];
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	create("/s/m", NULL);
	cr_assert_eq(su_tcp_pair(AF_INET, p), 0);
	cr_assert_eq(add("/s/m", p[0], NULL, false), 0, "%s", bpfpin_errmsg(b));
	m = members("/s/m", &root);
	cr_assert_eq(json_object_array_length(m), 1);
	e = json_object_array_get_idx(m, 0);
	cr_assert_eq(member_int(e, "key"), 0, "auto takes the first free index");
	cr_assert_eq((uint64_t)member_int(e, "cookie"), su_cookie(p[0]));
	cr_assert_str_eq(member_str(e, "tcp_state"), "ESTABLISHED");
	cr_assert_str_eq(member_str(e, "mode"), "lend");
	cr_assert_str_eq(member_str(e, "family"), "inet");
	getsockname(p[0], (struct sockaddr *)&sa, &len);
	snprintf(want, sizeof(want), "127.0.0.1:%u", ntohs(sa.sin_port));
	cr_assert_str_eq(member_str(e, "local"), want);
	cr_assert_eq(member_int(e, "uid"), 0);
	cr_assert_eq(member_int(e, "pid"), getpid());
	json_object_put(root);
	cr_assert_eq(kernel_cookie("/s/m", 0, &c), 0);
	cr_assert_eq(c, su_cookie(p[0]), "the kernel's lookup gives the cookie");
	/* the daemon kept no reference: the owner's close ends it */
	close(p[0]);
	cr_assert(su_readable(p[1], 2000));
	cr_assert_eq(recv(p[1], want, 1, 0), 0, "the peer sees EOF at the owner's close");
	cr_assert_eq(kernel_cookie("/s/m", 0, &c), -ENOENT);
	cr_assert_eq(nmembers("/s/m"), 0, "sock ls never shows a stale member");
	close(p[1]);
}

Test(sockmap, given_socket_outlives_its_owner_until_removed)
{
	struct json_object *root, *m;
	int p[2];
	char c;

	create("/s/m", NULL);
	cr_assert_eq(su_tcp_pair(AF_INET6, p), 0);
	cr_assert_eq(add("/s/m", p[0], "5", true), 0, "%s", bpfpin_errmsg(b));
	close(p[0]);
	cr_assert_not(su_readable(p[1], 200), "a given socket stays open past its owner");
	m = members("/s/m", &root);
	cr_assert_eq(json_object_array_length(m), 1);
	cr_assert_str_eq(member_str(json_object_array_get_idx(m, 0), "mode"), "give");
	cr_assert_eq(member_int(json_object_array_get_idx(m, 0), "key"), 5);
	json_object_put(root);
	cr_assert_eq(bpfpin_sock_rm(b, "/s/m", "5", 0), 0, "%s", bpfpin_errmsg(b));
	cr_assert(su_readable(p[1], 2000));
	cr_assert_eq(recv(p[1], &c, 1, 0), 0, "removing a given socket closes it");
	cr_assert_eq(nmembers("/s/m"), 0);
	close(p[1]);
}
