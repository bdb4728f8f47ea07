/* tests/test_rpc.c: bpfpind over its socket, end to end: the bpffs
 * guarantee (a pin outlives its creator), kernel-enforced read-only fds,
 * refusal of non-BPF fds, fd hygiene over many cycles, and robustness
 * against clients that send garbage or vanish mid-request. */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpfpin/bpfpin.h>
#include <json-c/json.h>

#include "lib/proto.h"
#include "tests/harness.h"

static struct th_daemon d;
static struct bpfpin *b;

static void setup(void)
{
	cr_assert_eq(th_daemon_start(&d, false, NULL), 0, "daemon did not start");
	cr_assert_eq(bpfpin_connect(d.sock, &b), 0);
}

static void teardown(void)
{
	bpfpin_close(b);
	b = NULL;
	th_daemon_stop(&d);
}

TestSuite(rpc, .init = setup, .fini = teardown, .timeout = 120);

/* The daemon closes its copy of a sent fd just after sendmsg, so a client
 * can see it for a moment: one more round trip and the last request is
 * done. */
static void settle(struct bpfpin *c)
{
	struct bpfpin_stat st;

	cr_assert_eq(bpfpin_stat(c, "/", &st), 0);
}

static uint32_t map_id(int fd)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);

	cr_assert_eq(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	return info.id;
}

/* The child creates a map, writes 42 at key 1, pins it and exits. */
static void child_pins(const char *sock, int idpipe)
{
	struct bpfpin *cb;
	uint32_t key = 1, id;
	uint64_t val = 42;
	int fd = th_map_create(BPF_MAP_TYPE_HASH, 4, 8, 16);

	if (fd < 0 || bpf_map_update_elem(fd, &key, &val, 0) < 0 ||
	    bpfpin_connect(sock, &cb) < 0 || bpfpin_pin(cb, fd, "/survivor", NULL) < 0)
		_exit(1);
	id = map_id(fd);
	_exit(write(idpipe, &id, sizeof(id)) == sizeof(id) ? 0 : 1);
}

Test(rpc, pin_survives_creator_exit)
{
	int p[2], status, fd;
	uint32_t key = 1, id;
	uint64_t val = 0;
	pid_t pid;

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	if ((pid = fork()) == 0)
		child_pins(d.sock, p[1]);
	close(p[1]);
	cr_assert_eq(read(p[0], &id, sizeof(id)), sizeof(id));
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(p[0]);
	fd = bpfpin_get(b, "/survivor", O_RDONLY);
	cr_assert_geq(fd, 0, "get: %s", strerror(-fd));
	cr_assert_eq(bpf_map_lookup_elem(fd, &key, &val), 0);
	cr_expect_eq(val, 42);
	cr_expect_eq(map_id(fd), id, "the kernel object is the same");
	close(fd);
}

Test(rpc, rdonly_fd_refuses_writes_in_kernel)
{
	int map = th_map_create(BPF_MAP_TYPE_ARRAY, 4, 8, 4), ro, wo;
	uint32_t key = 0;
	uint64_t val = 7;

	cr_assert_eq(bpfpin_pin(b, map, "/arr", NULL), 0);
	ro = bpfpin_get(b, "/arr", O_RDONLY);
	cr_assert_geq(ro, 0);
	cr_expect_eq(bpf_map_lookup_elem(ro, &key, &val), 0, "lookup works read-only");
	cr_expect_eq(bpf_map_update_elem(ro, &key, &val, 0), -1);
	cr_expect_eq(errno, EPERM, "the kernel refuses the write");
	wo = bpfpin_get(b, "/arr", O_WRONLY);
	cr_assert_geq(wo, 0);
	cr_expect_eq(bpf_map_update_elem(wo, &key, &val, 0), 0, "write works write-only");
	cr_expect_eq(bpf_map_lookup_elem(wo, &key, &val), -1);
	cr_expect_eq(errno, EPERM, "the kernel refuses the read");
	close(ro);
	close(wo);
	close(map);
}

Test(rpc, non_bpf_fd_is_refused_with_its_kind)
{
	int file = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
	int efd = eventfd(0, EFD_CLOEXEC);
	int before = th_fd_count(d.pid);

	cr_assert_eq(bpfpin_pin(b, file, "/f", NULL), -EINVAL);
	cr_expect(strstr(bpfpin_errmsg(b), "regular file") != NULL,
		  "message was: %s", bpfpin_errmsg(b));
	cr_assert_eq(bpfpin_pin(b, efd, "/e", NULL), -EINVAL);
	cr_expect_eq(th_fd_count(d.pid), before, "the refused fds were closed");
	close(file);
	close(efd);
}

/* One raw pin request of map on a connection of its own; its result. */
static struct json_object *raw_pin(int map, const char *members)
{
	static char buf[PROTO_MSG_MAX + 1];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct json_object *reply, *result = NULL;
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0), nfds;
	int fds[PROTO_FDS_MAX];
	char msg[256];
	ssize_t n;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d.sock);
	cr_assert_eq(connect(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	snprintf(msg, sizeof(msg), "{\"v\":1,\"id\":1,\"op\":\"pin\",\"fd\":0,%s}",
		 members);
	cr_assert_eq(proto_send(s, msg, strlen(msg), &map, 1), 0);
	n = proto_recv(s, buf, sizeof(buf) - 1, fds, &nfds);
	cr_assert_gt(n, 0);
	proto_close_fds(fds, nfds);
	buf[n] = '\0';
	reply = json_tokener_parse(buf);
	cr_assert(json_object_object_get_ex(reply, "result", &result), "%s", buf);
	json_object_get(result);
	json_object_put(reply);
	close(s);
	return result;
}

Test(rpc, pin_replies_with_the_stat_unless_asked_not_to)
{
	int map = th_map_create(BPF_MAP_TYPE_ARRAY, 4, 8, 1);
	struct json_object *r, *st;

	cr_assert_geq(map, 0);
	r = raw_pin(map, "\"path\":\"/with\"");
	cr_assert(json_object_object_get_ex(r, "stat", &st));
	cr_expect(json_object_object_get_ex(st, "ino", NULL));
	json_object_put(r);
	r = raw_pin(map, "\"path\":\"/without\",\"stat\":false");
	cr_expect_eq(json_object_object_length(r), 0, "%s", json_object_to_json_string(r));
	json_object_put(r);
	cr_expect_geq(bpfpin_get(b, "/without", O_RDONLY), 0, "pinned all the same");
	close(map);
}

Test(rpc, prog_and_link_kinds_are_kept)
{
	int prog = th_prog_load();
	struct bpfpin_stat st;

	cr_assert_geq(prog, 0);
	cr_assert_eq(bpfpin_pin(b, prog, "/prog", NULL), 0);
	cr_assert_eq(bpfpin_stat(b, "/prog", &st), 0);
	cr_expect_eq(st.obj_kind, BPFPIN_OBJ_PROG);
	cr_expect_str_eq(st.obj_type_name, "socket_filter");
	close(prog);
}

Test(rpc, many_cycles_leave_fd_count_unchanged, .timeout = 300)
{
	int map = th_map_create(BPF_MAP_TYPE_ARRAY, 4, 4, 1), before;

	/* one warm-up cycle so lazily opened daemon resources are counted */
	cr_assert_eq(bpfpin_pin(b, map, "/c", NULL), 0);
	cr_assert_eq(bpfpin_unlink(b, "/c"), 0);
	before = th_fd_count(d.pid);
	for (int i = 0; i < 10000; i++) {
		int fd;

		cr_assert_eq(bpfpin_pin(b, map, "/c", NULL), 0, "cycle %d", i);
		fd = bpfpin_get(b, "/c", i % 2 ? O_RDONLY : O_RDWR);
		cr_assert_geq(fd, 0, "cycle %d", i);
		close(fd);
		cr_assert_eq(bpfpin_unlink(b, "/c"), 0, "cycle %d", i);
	}
	cr_expect_eq(th_fd_count(d.pid), before);
	close(map);
}

static int raw_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d.sock);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Send raw bytes (and fds) and return the reply's error name or "ok". */
static char *raw_roundtrip(int fd, const char *msg, size_t len, const int *fds, int n)
{
	static char buf[PROTO_MSG_MAX + 1];
	int rfds[PROTO_FDS_MAX], rn;
	char *e;

	cr_assert_eq(proto_send(fd, msg, len, fds, n), 0);
	cr_assert_gt(proto_recv(fd, buf, sizeof(buf), rfds, &rn), 0);
	proto_close_fds(rfds, rn);
	e = strstr(buf, "\"name\":\"");
	return e ? strndup(e + 8, strcspn(e + 8, "\"")) : strdup("ok");
}

#define EXPECT_REPLY(fd, msg, name) do { \
	char *got_ = raw_roundtrip(fd, msg, strlen(msg), NULL, 0); \
	cr_expect_str_eq(got_, name, "for %s", msg); \
	free(got_); \
} while (0)

Test(rpc, garbage_gets_clear_errors)
{
	int fd = raw_connect();

	EXPECT_REPLY(fd, "not json at all", "EBADMSG");
	EXPECT_REPLY(fd, "[1,2,3]", "EBADMSG");
	EXPECT_REPLY(fd, "{\"v\":1,\"id\":1,\"op\":\"pin\"} trailing", "EBADMSG");
	EXPECT_REPLY(fd, "{\"id\":1,\"op\":\"hello\"}", "EPROTO");
	EXPECT_REPLY(fd, "{\"v\":2,\"id\":1,\"op\":\"hello\"}", "EPROTO");
	EXPECT_REPLY(fd, "{\"v\":1,\"op\":\"hello\"}", "EINVAL");
	EXPECT_REPLY(fd, "{\"v\":1,\"id\":1,\"op\":\"explode\"}", "EOPNOTSUPP");
	EXPECT_REPLY(fd, "{\"v\":1,\"id\":1,\"op\":\"stat\"}", "EINVAL");
	EXPECT_REPLY(fd, "{\"v\":1,\"id\":1,\"op\":\"stat\",\"path\":7}", "EINVAL");
	EXPECT_REPLY(fd, "{\"v\":1,\"id\":1,\"op\":\"pin\",\"path\":\"/x\",\"fd\":0}", "EINVAL");
	EXPECT_REPLY(fd, "{\"v\":1,\"id\":1,\"op\":\"chmod\",\"path\":\"/\",\"mode\":99999}", "EINVAL");
	EXPECT_REPLY(fd, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", "EBADMSG");
	EXPECT_REPLY(fd, "{\"v\":1,\"id\":1,\"op\":\"hello\"}", "ok");
	close(fd);
}

Test(rpc, oversized_message_is_refused_and_its_fds_closed)
{
	size_t len = PROTO_MSG_MAX + 100;
	char *big = malloc(len);
	int fd = raw_connect(), map = th_map_create(BPF_MAP_TYPE_ARRAY, 4, 4, 1);
	int before;
	struct iovec iov;
	char *got;

	/* one round trip, so the daemon has accepted this connection */
	EXPECT_REPLY(fd, "{\"v\":1,\"id\":1,\"op\":\"hello\"}", "ok");
	before = th_fd_count(d.pid);

	memset(big, ' ', len);
	big[0] = '{';
	big[len - 1] = '}';
	/* proto_send refuses oversize; go around it with a raw sendmsg */
	iov = (struct iovec){ .iov_base = big, .iov_len = len };
	{
		union { char b[CMSG_SPACE(sizeof(int))]; struct cmsghdr a; } ctl = { 0 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);

		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &map, sizeof(int));
		cr_assert_eq(sendmsg(fd, &m, 0), (ssize_t)len);
	}
	got = raw_roundtrip(fd, "{\"v\":1,\"id\":2,\"op\":\"hello\"}", 27, NULL, 0);
	/* the first reply read is the one for the oversized message */
	cr_expect_str_eq(got, "EMSGSIZE");
	free(got);
	cr_expect_eq(th_fd_count(d.pid), before, "the fd that came with it was closed");
	free(big);
	close(map);
	close(fd);
}

Test(rpc, client_vanishing_mid_request_disturbs_nobody)
{
	int map = th_map_create(BPF_MAP_TYPE_ARRAY, 4, 4, 1), before, fd0;

	cr_assert_eq(bpfpin_pin(b, map, "/steady", NULL), 0);
	/* the daemon's fd cache now holds /steady: count from here */
	fd0 = bpfpin_get(b, "/steady", O_RDWR);
	close(fd0);
	settle(b);
	before = th_fd_count(d.pid);
	for (int i = 0; i < 50; i++) {
		int fd = raw_connect();
		const char *req = "{\"v\":1,\"id\":9,\"op\":\"get\",\"path\":\"/steady\"}";

		/* send a request and hang up without reading the reply (and its fd) */
		cr_assert_eq(proto_send(fd, req, strlen(req), &map, 1), 0);
		close(fd);
	}
	/* a fresh connection's round trip: every earlier one is accepted now */
	{
		struct bpfpin *late;

		cr_assert_eq(bpfpin_connect(d.sock, &late), 0);
		bpfpin_close(late);
	}
	/* the daemon closes each vanished connection as it reads its EOF */
	for (int i = 0; i < 2000 && th_fd_count(d.pid) > before; i++)
		usleep(10000);
	cr_expect_eq(kill(d.pid, 0), 0, "the daemon is alive");
	{
		/* rdwr, as cached already: a new access mode would add a cache fd */
		int fd = bpfpin_get(b, "/steady", O_RDWR);

		cr_expect_geq(fd, 0, "another client is still served");
		close(fd);
	}
	settle(b);
	cr_expect_eq(th_fd_count(d.pid), before, "nothing leaked (%d fds, %d before)",
		     th_fd_count(d.pid), before);
	close(map);
}

Test(rpc, bulk_get_returns_fds_in_order)
{
	int map = th_map_create(BPF_MAP_TYPE_ARRAY, 4, 4, 1);
	const char *paths[300];
	char names[300][16];
	int fds[300];

	for (int i = 0; i < 300; i++) {
		snprintf(names[i], sizeof(names[i]), "/m%d", i);
		paths[i] = names[i];
		if (i != 7)
			cr_assert_eq(bpfpin_pin(b, map, names[i], NULL), 0);
	}
	cr_assert_eq(bpfpin_get_many(b, paths, 300, O_RDONLY, fds), 0);
	for (int i = 0; i < 300; i++) {
		if (i == 7) {
			cr_expect_eq(fds[i], -ENOENT);
			continue;
		}
		cr_expect_geq(fds[i], 0, "path %d", i);
		cr_expect_eq(map_id(fds[i]), map_id(map));
		close(fds[i]);
	}
	close(map);
}

/* A get served from the fd cache sends the cache's own fd; a reply that
 * has to wait in the queue must hold its own, since the cache (here of
 * one fd) closes its fd when a get of another pin evicts it. */
Test(rpc, queued_get_replies_keep_their_objects_past_cache_eviction)
{
	static const char *const extra[] = { "--fd-cache", "1", NULL };
	static char buf[PROTO_MSG_MAX + 1];
	int ma = th_map_create(BPF_MAP_TYPE_ARRAY, 4, 4, 1);
	int mb = th_map_create(BPF_MAP_TYPE_ARRAY, 4, 4, 1);
	struct th_daemon d2;
	struct bpfpin *c;
	int fd, sent = 0, rfds[PROTO_FDS_MAX], rn;

	cr_assert_eq(th_daemon_start(&d2, false, extra), 0);
	cr_assert_eq(bpfpin_connect(d2.sock, &c), 0);
	cr_assert_eq(bpfpin_pin(c, ma, "/a", NULL), 0);
	cr_assert_eq(bpfpin_pin(c, mb, "/b", NULL), 0);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d2.sock);
		cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	}
	/* Mostly /a (cache hits), every 50th /b (evicts /a), until the daemon
	 * has stopped reading: its queue is full. */
	for (; sent < 5000; sent++) {
		char msg[128];
		int n = snprintf(msg, sizeof(msg),
				 "{\"v\":1,\"id\":%d,\"op\":\"get\",\"path\":\"%s\"}",
				 sent + 1, sent % 50 == 49 ? "/b" : "/a");

		struct pollfd p = { .fd = fd, .events = POLLOUT };

		/* EAGAIN alone may be the daemon lagging; 200 ms without room
		 * is the daemon no longer reading */
		if (proto_send(fd, msg, n, NULL, 0) == -EAGAIN &&
		    (poll(&p, 1, 200) == 0 || proto_send(fd, msg, n, NULL, 0) == -EAGAIN))
			break;
	}
	cr_assert_lt(sent, 5000, "the daemon never stopped reading");
	cr_assert_eq(fcntl(fd, F_SETFL, 0), 0);
	for (int i = 0; i < sent; i++) {
		cr_assert_gt(proto_recv(fd, buf, sizeof(buf), rfds, &rn), 0);
		cr_assert_eq(rn, 1, "reply %d: %s", i + 1, buf);
		cr_expect_eq(map_id(rfds[0]), map_id(i % 50 == 49 ? mb : ma),
			     "reply %d carries another object", i + 1);
		close(rfds[0]);
	}
	close(fd);
	bpfpin_close(c);
	th_daemon_stop(&d2);
	close(ma);
	close(mb);
}
