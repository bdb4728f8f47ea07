/* tests/test_lib.c: libbpfpin's own pieces without a daemon: framing and fd
 * passing (lib/proto.c), errno names, and the client's round trip, request
 * building and decoding, with the test writing the other end of a
 * SOCK_SEQPACKET socketpair. Behaviour against bpfpind is tested elsewhere. */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <json-c/json.h>

#include "lib/client.h"

/* A client on one end of a socketpair; the test answers on peer. */
struct pair {
	struct bpfpin *b;
	int peer;
};

static struct pair pair_open(void)
{
	struct pair p;
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	cr_assert_eq(client_open_fd(sv[0], &p.b), 0);
	p.peer = sv[1];
	return p;
}

static void pair_close(struct pair *p)
{
	bpfpin_close(p->b);
	close(p->peer);
}

/* Queue one message for the client, formatted, with fds. */
static void peer_send(struct pair *p, const int *fds, int nfds, const char *fmt, ...)
{
	char buf[PROTO_MSG_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cr_assert(n > 0 && n < (int)sizeof(buf));
	cr_assert_eq(proto_send(p->peer, buf, n, fds, nfds), 0);
}

/* The next request the client sent, parsed; its fds go to fds (may be
 * NULL when none are expected). */
static struct json_object *peer_recv(struct pair *p, int *fds, int *nfds)
{
	static char buf[PROTO_MSG_MAX + 1];
	int got[PROTO_FDS_MAX], n = 0;
	ssize_t len = proto_recv(p->peer, buf, sizeof(buf), got, &n);
	struct json_object *o;

	cr_assert_gt(len, 0);
	if (fds)
		memcpy(fds, got, n * sizeof(int));
	else
		cr_assert_eq(n, 0, "the request carried %d fds", n);
	if (nfds)
		*nfds = n;
	o = json_tokener_parse(buf);
	cr_assert_not_null(o, "request is not JSON: %s", buf);
	return o;
}

static const char *member_str(struct json_object *o, const char *key)
{
	struct json_object *v = client_member(o, key, json_type_string);

	return v ? json_object_get_string(v) : "(absent)";
}

static int64_t member_int(struct json_object *o, const char *key)
{
	struct json_object *v = client_member(o, key, json_type_int);

	cr_assert_not_null(v, "no integer member %s", key);
	return json_object_get_int64(v);
}

static bool has_member(struct json_object *o, const char *key)
{
	return json_object_object_get_ex(o, key, NULL);
}

/* A pipe whose read end (nonblocking) tells whether any copy of the
 * write end is still open anywhere: the way to see an fd was closed. */
struct probe {
	int r, w;
};

static struct probe probe_open(void)
{
	int fds[2];

	cr_assert_eq(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
	return (struct probe){ fds[0], fds[1] };
}

/* Drop the test's own write end; true if no copy is left open. */
static bool probe_all_closed(struct probe *pr)
{
	char c;

	if (pr->w >= 0)
		close(pr->w);
	pr->w = -1;
	return read(pr->r, &c, 1) == 0;
}

static int map_new(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "t", 4, 8, 1, NULL);

	cr_assert_geq(fd, 0, "bpf_map_create: %s", strerror(-fd));
	return fd;
}

static uint32_t map_id(int fd)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);

	cr_assert_eq(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	return info.id;
}

#define STAT_JSON "{\"ino\":42,\"type\":\"pin\",\"mode\":33152,\"uid\":1000," \
	"\"gid\":100,\"nlink\":2,\"size\":0,\"pid\":1234," \
	"\"atime_ns\":1763827200123456789,\"mtime_ns\":-1500000000," \
	"\"ctime_ns\":5,\"object\":{\"kind\":\"map\",\"id\":17," \
	"\"type\":\"hash\",\"type_id\":1,\"name\":\"counters\"}}"

/* ---- lib/proto.c ---- */

Test(proto, errno_names_round_trip)
{
	for (int e = 1; e < 200; e++) {
		const char *name = proto_errno_name(e);
		int back = proto_errno_value(name);

		if (back)
			cr_expect_eq(back, e, "%s -> %d, not %d", name, back, e);
	}
	cr_expect_str_eq(proto_errno_name(ENOENT), "ENOENT");
	cr_expect_str_eq(proto_errno_name(-EACCES), "EACCES");
	cr_expect_eq(proto_errno_value("ENOTEMPTY"), ENOTEMPTY);
}

Test(proto, unknown_errno_gets_numeric_name_and_no_value)
{
	cr_expect_str_eq(proto_errno_name(4000), "E4000");
	cr_expect_eq(proto_errno_value("E4000"), 0);
	cr_expect_eq(proto_errno_value("ENOSUCHTHING"), 0);
}

Test(proto, recv_truncation_closes_the_fds_that_arrived)
{
	int sv[2], fds[PROTO_FDS_MAX], nfds = -1;
	struct probe pr = probe_open();
	char big[1000] = { 0 }, small[100];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	cr_assert_eq(proto_send(sv[0], big, sizeof(big), &pr.w, 1), 0);
	cr_expect_eq(proto_recv(sv[1], small, sizeof(small), fds, &nfds), -EMSGSIZE);
	cr_expect_eq(nfds, 0);
	cr_expect(probe_all_closed(&pr), "a received fd was left open");
}

Test(proto, recv_gives_cloexec_fds_and_nul_terminates)
{
	int sv[2], fds[PROTO_FDS_MAX], nfds = 0;
	struct probe pr = probe_open();
	char buf[64];

	memset(buf, 'x', sizeof(buf));
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	cr_assert_eq(proto_send(sv[0], "{}", 2, &pr.w, 1), 0);
	cr_assert_eq(proto_recv(sv[1], buf, sizeof(buf), fds, &nfds), 2);
	cr_assert_eq(nfds, 1);
	cr_expect_str_eq(buf, "{}");
	cr_expect(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
	close(fds[0]);
}

Test(proto, send_refuses_oversized_message_with_emsgsize)
{
	static char big[PROTO_MSG_MAX + 1];
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	cr_expect_eq(proto_send(sv[0], big, sizeof(big), NULL, 0), -EMSGSIZE);
	cr_expect_eq(proto_send(sv[0], big, PROTO_MSG_MAX, NULL, 0), 0);
}

/* ---- a plain get as text (lib/proto_text.c) ---- */

static const char *plain(struct json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
					       JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* What the daemon writes as text is what it wrote as json-c objects. */
Test(proto, plain_get_reply_text_is_what_json_c_writes)
{
	static const uint64_t ids[] = { 1, 9, 10, 12345, (UINT64_C(1) << 53) - 1 };
	static const char *const kinds[] = { "map", "prog", "link", "none" };

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		for (size_t k = 0; k < 4; k++) {
			uint64_t oid = i ? UINT32_MAX - i : 0;
			struct json_object *r = json_object_new_object(), *env;
			char res[PROTO_GET_RESULT_MAX], text[PROTO_GET_RESULT_MAX + 48];
			size_t len;

			json_object_object_add(r, "fd", json_object_new_int(0));
			json_object_object_add(r, "kind", json_object_new_string(kinds[k]));
			json_object_object_add(r, "id", json_object_new_int64((int64_t)oid));
			env = proto_result(ids[i], r);
			len = proto_get_result(res, kinds[k], oid);
			len = proto_result_text(text, ids[i], res, len);
			cr_expect(len == strlen(plain(env)) && !memcmp(text, plain(env), len),
				  "%.*s != %s", (int)len, text, plain(env));
			cr_expect(proto_get_reply_plain(text, len, ids[i]));
			json_object_put(env);
		}
	}
}

/* The {} result of most ops, as text, is what proto_result wrote. */
Test(proto, empty_result_text_is_what_json_c_writes)
{
	struct json_object *env = proto_result(77, NULL);
	char text[64];
	size_t len = proto_result_text(text, 77, "{}", 2);

	cr_expect(len == strlen(plain(env)) && !memcmp(text, plain(env), len),
		  "%.*s != %s", (int)len, text, plain(env));
	json_object_put(env);
}

Test(proto, plain_get_request_is_the_general_request)
{
	struct json_object *want = json_object_new_object(), *got;
	char buf[256];
	size_t len = proto_get_request(buf, sizeof(buf), 42, "/a/b c/\xc3\xa9", "wronly");

	cr_assert_gt(len, 0);
	buf[len] = '\0';
	json_object_object_add(want, "v", json_object_new_int(1));
	json_object_object_add(want, "id", json_object_new_int(42));
	json_object_object_add(want, "op", json_object_new_string("get"));
	json_object_object_add(want, "path", json_object_new_string("/a/b c/\xc3\xa9"));
	json_object_object_add(want, "access", json_object_new_string("wronly"));
	got = json_tokener_parse(buf);
	cr_expect(json_object_equal(got, want), "%s", buf);
	cr_expect_eq(proto_get_request(buf, sizeof(buf), 1, "/a\"b", "rdwr"), 0);
	cr_expect_eq(proto_get_request(buf, sizeof(buf), 1, "/a\\b", "rdwr"), 0);
	cr_expect_eq(proto_get_request(buf, sizeof(buf), 1, "/a\nb", "rdwr"), 0);
	cr_expect_eq(proto_get_request(buf, 40, 1, "/a", "rdwr"), 0, "too small");
	json_object_put(got);
	json_object_put(want);
}

Test(proto, pin_request_text_is_the_general_request)
{
	struct json_object *want = json_object_new_object(), *got;
	char buf[256];
	size_t len = proto_pin_request(buf, sizeof(buf), 9, "/d/p", 027);

	cr_assert_gt(len, 0);
	buf[len] = '\0';
	json_object_object_add(want, "v", json_object_new_int(1));
	json_object_object_add(want, "id", json_object_new_int(9));
	json_object_object_add(want, "op", json_object_new_string("pin"));
	json_object_object_add(want, "path", json_object_new_string("/d/p"));
	json_object_object_add(want, "fd", json_object_new_int(0));
	json_object_object_add(want, "umask", json_object_new_int(027));
	json_object_object_add(want, "stat", json_object_new_boolean(false));
	got = json_tokener_parse(buf);
	cr_expect(json_object_equal(got, want), "%s", buf);
	cr_expect_eq(proto_pin_request(buf, sizeof(buf), 1, "/a\"b", 0), 0);
	json_object_put(got);
	json_object_put(want);
}

Test(proto, empty_reply_match_is_exact)
{
	static const char *const no[] = {
		"{\"v\":1,\"id\":8,\"result\":{}}",
		"{\"v\":1,\"id\":7,\"result\":{} }",
		"{\"v\":1,\"id\":7,\"result\":{}",
		"{\"v\":1,\"id\":7,\"result\":{\"a\":1}}",
		"{\"v\":2,\"id\":7,\"result\":{}}",
		"{\"v\":1,\"id\":7,\"error\":{}}",
	};
	const char *yes = "{\"v\":1,\"id\":7,\"result\":{}}";

	cr_expect(proto_reply_empty(yes, strlen(yes), 7));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		cr_expect(!proto_reply_empty(no[i], strlen(no[i]), 7), "%s", no[i]);
}

/* Only the exact text matches; every other reply is the decoder's. */
Test(proto, plain_get_reply_match_is_exact)
{
	static const char *const no[] = {
		"{\"v\":1,\"id\":8,\"result\":{\"fd\":0,\"kind\":\"map\",\"id\":3}}",
		"{\"v\":1,\"id\":07,\"result\":{\"fd\":0,\"kind\":\"map\",\"id\":3}}",
		"{\"v\":1,\"id\":7,\"result\":{\"fd\":0,\"kind\":\"map\",\"id\":3}} ",
		"{\"v\":1,\"id\":7,\"result\":{\"fd\":0,\"kind\":\"map\",\"id\":3}",
		"{\"v\":1,\"id\":7,\"result\":{\"fd\":1,\"kind\":\"map\",\"id\":3}}",
		"{\"v\":1,\"id\":7,\"result\":{\"fd\":0,\"kind\":\"map\",\"id\":-3}}",
		"{\"v\":1,\"id\":7,\"result\":{\"fd\":0,\"kind\":\"map\",\"id\":3,\"x\":1}}",
		"{\"v\":1,\"id\":7,\"error\":{\"errno\":2,\"name\":\"ENOENT\"}}",
		"{\"v\":1,\"id\":7777777777777777777777,\"result\":{\"fd\":0,\"kind\":\"map\",\"id\":3}}",
	};
	const char *yes = "{\"v\":1,\"id\":7,\"result\":{\"fd\":0,\"kind\":\"map\",\"id\":3}}";

	cr_expect(proto_get_reply_plain(yes, strlen(yes), 7));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		cr_expect(!proto_get_reply_plain(no[i], strlen(no[i]), 7), "%s", no[i]);
}

/* ---- the round trip (lib/client_call.c) ---- */

Test(call, request_has_version_id_and_op_and_ids_increase)
{
	struct pair p = pair_open();
	struct json_object *rq;

	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":1,\"result\":{}}");
	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":2,\"result\":{}}");
	cr_assert_eq(bpfpin_unlink(p.b, "/a"), 0);
	cr_assert_eq(bpfpin_rmdir(p.b, "/d"), 0);
	rq = peer_recv(&p, NULL, NULL);
	cr_expect_eq(member_int(rq, "v"), 1);
	cr_expect_eq(member_int(rq, "id"), 1);
	cr_expect_str_eq(member_str(rq, "op"), "unlink");
	cr_expect_str_eq(member_str(rq, "path"), "/a");
	json_object_put(rq);
	rq = peer_recv(&p, NULL, NULL);
	cr_expect_eq(member_int(rq, "id"), 2);
	cr_expect_str_eq(member_str(rq, "op"), "rmdir");
	json_object_put(rq);
	pair_close(&p);
}

Test(call, get_returns_the_fd_that_arrived_and_closes_extras)
{
	struct pair p = pair_open();
	struct probe pr = probe_open();
	int map = map_new(), fds[2] = { pr.w, map }, fd;

	peer_send(&p, fds, 2, "{\"v\":1,\"id\":1,\"result\":{\"fd\":1,\"stat\":%s}}",
		  STAT_JSON);
	fd = bpfpin_get(p.b, "/m", O_RDWR);
	cr_assert_geq(fd, 0, "bpfpin_get: %s (%s)", strerror(-fd), bpfpin_errmsg(p.b));
	cr_expect_eq(map_id(fd), map_id(map));
	cr_expect(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	cr_expect(probe_all_closed(&pr), "the extra fd was not closed");
	close(fd);
	pair_close(&p);
}

Test(call, get_takes_the_fd_of_a_plain_reply)
{
	struct pair p = pair_open();
	int map = map_new(), fd;
	struct json_object *rq;

	peer_send(&p, &map, 1, "{\"v\":1,\"id\":1,\"result\":{\"fd\":0,\"kind\":\"map\",\"id\":%u}}",
		  map_id(map));
	fd = bpfpin_get(p.b, "/m", O_RDONLY);
	cr_assert_geq(fd, 0, "bpfpin_get: %s (%s)", strerror(-fd), bpfpin_errmsg(p.b));
	cr_expect_eq(map_id(fd), map_id(map));
	rq = peer_recv(&p, NULL, NULL);
	cr_expect_str_eq(member_str(rq, "op"), "get");
	cr_expect_str_eq(member_str(rq, "path"), "/m");
	cr_expect_str_eq(member_str(rq, "access"), "rdonly");
	json_object_put(rq);
	close(fd);
	pair_close(&p);
}

/* A path JSON must escape is written by json-c, the same request. */
Test(call, get_of_a_path_to_escape_sends_it_escaped)
{
	struct pair p = pair_open();
	int map = map_new(), fd;
	struct json_object *rq;

	peer_send(&p, &map, 1, "{\"v\":1,\"id\":1,\"result\":{\"fd\":0}}");
	fd = bpfpin_get(p.b, "/a\"b\\c", O_RDWR);
	cr_assert_geq(fd, 0, "bpfpin_get: %s (%s)", strerror(-fd), bpfpin_errmsg(p.b));
	rq = peer_recv(&p, NULL, NULL);
	cr_expect_str_eq(member_str(rq, "path"), "/a\"b\\c");
	json_object_put(rq);
	close(fd);
	pair_close(&p);
}

Test(call, empty_reply_of_another_id_gives_eproto)
{
	struct pair p = pair_open();

	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":5,\"result\":{}}");
	cr_expect_eq(bpfpin_unlink(p.b, "/a"), -EPROTO);
	pair_close(&p);
}

Test(call, mismatched_id_gives_eproto_and_closes_fds)
{
	struct pair p = pair_open();
	struct probe pr = probe_open();

	peer_send(&p, &pr.w, 1, "{\"v\":1,\"id\":99,\"result\":{\"fd\":0}}");
	cr_expect_eq(bpfpin_get(p.b, "/m", O_RDONLY), -EPROTO);
	cr_expect(probe_all_closed(&pr), "the reply's fd was not closed");
	pair_close(&p);
}

Test(call, connection_refuses_calls_after_losing_step)
{
	struct pair p = pair_open();

	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":99,\"result\":{}}");
	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":2,\"result\":{}}");
	cr_assert_eq(bpfpin_unlink(p.b, "/a"), -EPROTO);
	cr_expect_eq(bpfpin_unlink(p.b, "/a"), -EPROTO);
	cr_expect_neq(strlen(bpfpin_errmsg(p.b)), 0);
	pair_close(&p);
}

Test(call, error_reply_gives_minus_errno_and_its_message)
{
	struct pair p = pair_open();
	struct probe pr = probe_open();

	peer_send(&p, &pr.w, 1, "{\"v\":1,\"id\":1,\"error\":{\"errno\":2,\"name\":\"ENOENT\","
		  "\"message\":\"/app/counters: No such file or directory\"}}");
	cr_expect_eq(bpfpin_get(p.b, "/app/counters", O_RDONLY), -ENOENT);
	cr_expect_str_eq(bpfpin_errmsg(p.b), "/app/counters: No such file or directory");
	cr_expect(probe_all_closed(&pr), "an error reply's fd was not closed");
	pair_close(&p);
}

Test(call, error_without_errno_is_decoded_by_name)
{
	struct pair p = pair_open();

	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":1,\"error\":{\"name\":\"ENOTEMPTY\","
		  "\"message\":\"busy\"}}");
	cr_expect_eq(bpfpin_rmdir(p.b, "/d"), -ENOTEMPTY);
	pair_close(&p);
}

Test(call, error_with_id_0_answers_the_request)
{
	struct pair p = pair_open();

	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":0,\"error\":{\"errno\":22,\"name\":\"EINVAL\","
		  "\"message\":\"path: missing\"}}");
	cr_expect_eq(bpfpin_unlink(p.b, "/a"), -EINVAL);
	cr_expect_str_eq(bpfpin_errmsg(p.b), "path: missing");
	pair_close(&p);
}

Test(call, errmsg_is_cleared_by_a_successful_call)
{
	struct pair p = pair_open();

	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":1,\"error\":{\"errno\":1,\"message\":\"no\"}}");
	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":2,\"result\":{}}");
	cr_assert_eq(bpfpin_unlink(p.b, "/a"), -EPERM);
	cr_assert_eq(bpfpin_unlink(p.b, "/a"), 0);
	cr_expect_str_eq(bpfpin_errmsg(p.b), "");
	pair_close(&p);
}

Test(call, reply_that_is_not_json_gives_ebadmsg)
{
	struct pair p = pair_open();

	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":1,\"result\":{}} trailing");
	cr_expect_eq(bpfpin_unlink(p.b, "/a"), -EBADMSG);
	pair_close(&p);
}

Test(call, reply_of_another_version_gives_eproto)
{
	struct pair p = pair_open();

	peer_send(&p, NULL, 0, "{\"v\":2,\"id\":1,\"result\":{}}");
	cr_expect_eq(bpfpin_unlink(p.b, "/a"), -EPROTO);
	pair_close(&p);
}

Test(call, fd_index_that_did_not_arrive_gives_eproto)
{
	struct pair p = pair_open();
	struct probe pr = probe_open();

	peer_send(&p, &pr.w, 1, "{\"v\":1,\"id\":1,\"result\":{\"fd\":1}}");
	cr_expect_eq(bpfpin_get(p.b, "/m", O_RDONLY), -EPROTO);
	cr_expect(probe_all_closed(&pr), "the fd that did arrive was not closed");
	pair_close(&p);
}

Test(call, daemon_gone_gives_econnreset)
{
	struct pair p = pair_open();

	/* The request is queued before the peer goes; its reply never comes. */
	shutdown(p.peer, SHUT_WR);
	cr_expect_eq(bpfpin_unlink(p.b, "/a"), -ECONNRESET);
	pair_close(&p);
}

Test(call, oversized_reply_gives_emsgsize_and_keeps_step)
{
	struct pair p = pair_open();
	static char big[PROTO_MSG_MAX + 100];
	struct probe pr = probe_open();

	memset(big, ' ', sizeof(big));
	cr_assert_eq(send(p.peer, big, sizeof(big), 0), (ssize_t)sizeof(big));
	peer_send(&p, &pr.w, 1, "{\"v\":1,\"id\":2,\"result\":{}}");
	cr_expect_eq(bpfpin_unlink(p.b, "/a"), -EMSGSIZE);
	cr_expect_eq(bpfpin_unlink(p.b, "/b"), 0);
	cr_expect(probe_all_closed(&pr));
	pair_close(&p);
}

/* Answer request 1 after a pause, so the client has to wait for it. */
static void *answer_late(void *arg)
{
	struct pair *p = arg;

	usleep(100 * 1000);
	peer_send(p, NULL, 0, "{\"v\":1,\"id\":1,\"result\":{}}");
	return NULL;
}

Test(call, waits_for_the_reply_on_a_nonblocking_socket)
{
	struct pair p = pair_open();
	int s = bpfpin_socket_fd(p.b);
	pthread_t t;

	cr_assert_eq(fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK), 0);
	cr_assert_eq(pthread_create(&t, NULL, answer_late, &p), 0);
	cr_expect_eq(bpfpin_unlink(p.b, "/a"), 0, "%s", bpfpin_errmsg(p.b));
	pthread_join(t, NULL);
	pair_close(&p);
}

/* ---- connecting and hello (lib/client_conn.c) ---- */

Test(conn, hello_of_another_version_gives_eprotonosupport)
{
	struct pair p = pair_open();

	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":1,\"result\":{\"version\":2}}");
	cr_expect_eq(client_hello(p.b), -EPROTONOSUPPORT);
	pair_close(&p);
}

Test(conn, hello_adopts_lower_limits_only)
{
	struct pair p = pair_open();

	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":1,\"result\":{\"version\":1,"
		  "\"max_msg\":1000000,\"max_fds\":16}}");
	cr_assert_eq(client_hello(p.b), 0);
	cr_expect_eq(p.b->max_msg, PROTO_MSG_MAX);
	cr_expect_eq(p.b->max_fds, 16);
	pair_close(&p);
}

struct listener {
	char path[108];
	int fd;
};

/* Accept one connection and answer its hello. */
static void *answer_hello(void *arg)
{
	struct listener *l = arg;
	struct pair p = { .b = NULL };
	struct json_object *rq;

	p.peer = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
	cr_assert_geq(p.peer, 0);
	rq = peer_recv(&p, NULL, NULL);
	cr_assert_str_eq(member_str(rq, "op"), "hello");
	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":%lld,\"result\":{\"version\":1}}",
		  (long long)member_int(rq, "id"));
	json_object_put(rq);
	close(p.peer);
	return NULL;
}

Test(conn, connect_null_uses_the_environment_socket)
{
	struct listener l = { .fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0) };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[] = "/tmp/test_lib.XXXXXX";
	struct bpfpin *b = NULL;
	pthread_t t;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(l.path, sizeof(l.path), "%s/sock", dir);
	strcpy(sa.sun_path, l.path);
	cr_assert_eq(bind(l.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(l.fd, 1), 0);
	cr_assert_eq(pthread_create(&t, NULL, answer_hello, &l), 0);
	setenv(BPFPIN_SOCKET_ENV, l.path, 1);
	cr_expect_eq(bpfpin_connect(NULL, &b), 0);
	pthread_join(t, NULL);
	cr_expect_not_null(b);
	cr_expect(fcntl(bpfpin_socket_fd(b), F_GETFD) & FD_CLOEXEC);
	bpfpin_close(b);
	close(l.fd);
	unlink(l.path);
	rmdir(dir);
}

Test(conn, connect_to_missing_socket_gives_enoent)
{
	struct bpfpin *b = (struct bpfpin *)1;

	cr_expect_eq(bpfpin_connect("/nonexistent/bpfpind.sock", &b), -ENOENT);
	cr_expect_null(b);
}

Test(conn, connect_to_overlong_path_gives_enametoolong)
{
	char path[200];
	struct bpfpin *b;

	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	cr_expect_eq(bpfpin_connect(path, &b), -ENAMETOOLONG);
}

/* ---- request building (lib/client_req.c, client_obj.c, client_ns.c) ---- */

Test(req, pin_sends_the_fd_and_the_process_umask)
{
	struct pair p;
	int map = map_new(), fds[PROTO_FDS_MAX], nfds = 0;
	struct json_object *rq;

	umask(027);
	p = pair_open();
	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":1,\"result\":{\"stat\":%s}}", STAT_JSON);
	cr_assert_eq(bpfpin_pin(p.b, map, "/m", NULL), 0, "%s", bpfpin_errmsg(p.b));
	rq = peer_recv(&p, fds, &nfds);
	cr_assert_eq(nfds, 1);
	cr_expect_eq(map_id(fds[0]), map_id(map));
	cr_expect_eq(member_int(rq, "fd"), 0);
	cr_expect_eq(member_int(rq, "umask"), 027);
	cr_expect_str_eq(member_str(rq, "path"), "/m");
	cr_expect(has_member(rq, "stat") &&
		  !json_object_get_boolean(json_object_object_get(rq, "stat")),
		  "pin asks for no stat");
	cr_expect_geq(fcntl(map, F_GETFD), 0, "the caller's fd was closed");
	json_object_put(rq);
	close(fds[0]);
	pair_close(&p);
}

Test(req, pin_opts_umask_overrides_the_process_umask)
{
	struct pair p = pair_open();
	struct bpfpin_pin_opts opts = { .sz = sizeof(opts), .umask = 0 };
	int map = map_new(), fds[PROTO_FDS_MAX], nfds;
	struct json_object *rq;

	umask(077);
	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":1,\"result\":{}}");
	cr_assert_eq(bpfpin_pin(p.b, map, "/m", &opts), 0);
	rq = peer_recv(&p, fds, &nfds);
	cr_expect_eq(member_int(rq, "umask"), 0);
	proto_close_fds(fds, nfds);
	json_object_put(rq);
	pair_close(&p);
}

/* Read once per connection (bpfpin.h): a later umask is not seen. */
Test(req, pin_sends_the_umask_the_process_had_at_connect)
{
	struct pair p;
	int map = map_new(), fds[PROTO_FDS_MAX], nfds;
	struct json_object *rq;

	umask(027);
	p = pair_open();
	umask(077);
	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":1,\"result\":{}}");
	cr_assert_eq(bpfpin_pin(p.b, map, "/m", NULL), 0);
	rq = peer_recv(&p, fds, &nfds);
	cr_expect_eq(member_int(rq, "umask"), 027);
	proto_close_fds(fds, nfds);
	json_object_put(rq);
	pair_close(&p);
}

Test(req, umask_is_read_without_changing_it)
{
	umask(0123);
	cr_expect_eq(client_umask(), 0123);
	cr_expect_eq(umask(0), 0123);
}

Test(req, mkdir_sends_mode_and_umask)
{
	struct pair p;
	struct json_object *rq;

	umask(002);
	p = pair_open();
	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":1,\"result\":{}}");
	cr_assert_eq(bpfpin_mkdir(p.b, "/d", 0755), 0);
	rq = peer_recv(&p, NULL, NULL);
	cr_expect_eq(member_int(rq, "mode"), 0755);
	cr_expect_eq(member_int(rq, "umask"), 002);
	json_object_put(rq);
	pair_close(&p);
}

Test(req, get_flags_become_access_names)
{
	static const struct { int flags; const char *name; } cases[] = {
		{ O_RDONLY, "rdonly" }, { O_WRONLY, "wronly" },
		{ O_RDWR, "rdwr" }, { O_RDWR | O_CLOEXEC, "rdwr" },
	};
	struct pair p = pair_open();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *rq;

		peer_send(&p, NULL, 0, "{\"v\":1,\"id\":%zu,\"error\":{\"errno\":2}}", i + 1);
		cr_assert_eq(bpfpin_get(p.b, "/m", cases[i].flags), -ENOENT);
		rq = peer_recv(&p, NULL, NULL);
		cr_expect_str_eq(member_str(rq, "access"), cases[i].name);
		json_object_put(rq);
	}
	pair_close(&p);
}

/* Nothing may have been sent to the peer. */
static void expect_nothing_sent(struct pair *p)
{
	char c;

	cr_expect_eq(recv(p->peer, &c, 1, MSG_DONTWAIT), -1);
	cr_expect_eq(errno, EAGAIN);
}

Test(req, bad_get_flags_give_einval_without_a_request)
{
	struct pair p = pair_open();

	cr_expect_eq(bpfpin_get(p.b, "/m", O_ACCMODE), -EINVAL);
	cr_expect_eq(bpfpin_get(p.b, "/m", O_RDONLY | O_CREAT), -EINVAL);
	expect_nothing_sent(&p);
	pair_close(&p);
}

Test(req, overlong_path_gives_enametoolong_without_a_request)
{
	struct pair p = pair_open();
	char *path = malloc(CLIENT_PATH_MAX + 2);

	memset(path, 'a', CLIENT_PATH_MAX + 1);
	path[0] = '/';
	path[CLIENT_PATH_MAX + 1] = '\0';
	cr_expect_eq(bpfpin_unlink(p.b, path), -ENAMETOOLONG);
	cr_expect_eq(bpfpin_unlink(p.b, NULL), -EINVAL);
	expect_nothing_sent(&p);
	free(path);
	pair_close(&p);
}

Test(req, rename_flags_become_names)
{
	struct pair p = pair_open();
	struct json_object *rq, *flags;

	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":1,\"result\":{}}");
	cr_assert_eq(bpfpin_rename(p.b, "/a", "/b", RENAME_NOREPLACE), 0);
	rq = peer_recv(&p, NULL, NULL);
	cr_expect_str_eq(member_str(rq, "from"), "/a");
	cr_expect_str_eq(member_str(rq, "to"), "/b");
	flags = client_member(rq, "flags", json_type_array);
	cr_assert_not_null(flags);
	cr_expect_eq(json_object_array_length(flags), 1);
	cr_expect_str_eq(json_object_get_string(json_object_array_get_idx(flags, 0)),
			 "noreplace");
	json_object_put(rq);
	cr_expect_eq(bpfpin_rename(p.b, "/a", "/b", 1u << 7), -EINVAL);
	pair_close(&p);
}

Test(req, chown_minus_one_leaves_the_id)
{
	struct pair p = pair_open();
	struct json_object *rq;

	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":1,\"result\":{}}");
	cr_assert_eq(bpfpin_chown(p.b, "/a", (uid_t)-1, 5), 0);
	rq = peer_recv(&p, NULL, NULL);
	cr_expect_eq(member_int(rq, "uid"), -1);
	cr_expect_eq(member_int(rq, "gid"), 5);
	json_object_put(rq);
	pair_close(&p);
}

Test(req, utimens_now_is_absent_and_omit_is_minus_one)
{
	struct pair p = pair_open();
	struct timespec t[2] = { { 0, UTIME_NOW }, { 0, UTIME_OMIT } };
	struct timespec u[2] = { { 3, 5 }, { -1, 0 } };
	struct json_object *rq;

	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":1,\"result\":{}}");
	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":2,\"result\":{}}");
	cr_assert_eq(bpfpin_utimens(p.b, "/a", t), 0);
	cr_assert_eq(bpfpin_utimens(p.b, "/a", u), 0);
	rq = peer_recv(&p, NULL, NULL);
	cr_expect_not(has_member(rq, "atime_ns"));
	cr_expect_eq(member_int(rq, "mtime_ns"), -1);
	json_object_put(rq);
	rq = peer_recv(&p, NULL, NULL);
	cr_expect_eq(member_int(rq, "atime_ns"), 3000000005);
	cr_expect_eq(member_int(rq, "mtime_ns"), -1000000000);
	json_object_put(rq);
	pair_close(&p);
}

Test(req, readlink_copies_the_target_or_gives_erange)
{
	struct pair p = pair_open();
	char buf[8];

	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":1,\"result\":{\"target\":\"/a/b\"}}");
	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":2,\"result\":{\"target\":\"/a/bcdefg\"}}");
	cr_expect_eq(bpfpin_readlink(p.b, "/l", buf, sizeof(buf)), 4);
	cr_expect_str_eq(buf, "/a/b");
	cr_expect_eq(bpfpin_readlink(p.b, "/l", buf, sizeof(buf)), -ERANGE);
	pair_close(&p);
}

Test(req, info_is_handed_back_as_json_text)
{
	struct pair p = pair_open();
	char *json = NULL;

	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":1,\"result\":{\"info\":"
		  "{\"id\":17,\"type\":\"hash\",\"name\":\"counters\"}}}");
	cr_assert_eq(bpfpin_info(p.b, "/m", &json), 0);
	cr_expect_str_eq(json, "{\"id\":17,\"type\":\"hash\",\"name\":\"counters\"}");
	free(json);
	pair_close(&p);
}

/* ---- stat decoding (lib/client_stat.c) ---- */

Test(stat, decodes_every_member_of_the_stat_object)
{
	struct pair p = pair_open();
	struct bpfpin_stat st;
	struct json_object *rq;

	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":1,\"result\":{\"stat\":%s}}", STAT_JSON);
	cr_assert_eq(bpfpin_lstat(p.b, "/m", &st), 0, "%s", bpfpin_errmsg(p.b));
	cr_expect_eq(st.ino, 42);
	cr_expect_eq(st.type, BPFPIN_NODE_PIN);
	cr_expect_eq(st.mode, 0100600);
	cr_expect_eq(st.uid, 1000);
	cr_expect_eq(st.gid, 100);
	cr_expect_eq(st.nlink, 2);
	cr_expect_eq(st.pid, 1234);
	cr_expect_eq(st.atime.tv_sec, 1763827200);
	cr_expect_eq(st.atime.tv_nsec, 123456789);
	cr_expect_eq(st.mtime.tv_sec, -2);
	cr_expect_eq(st.mtime.tv_nsec, 500000000);
	cr_expect_eq(st.ctime.tv_nsec, 5);
	cr_expect_eq(st.obj_kind, BPFPIN_OBJ_MAP);
	cr_expect_eq(st.obj_id, 17);
	cr_expect_eq(st.obj_type, 1);
	cr_expect_str_eq(st.obj_type_name, "hash");
	cr_expect_str_eq(st.obj_name, "counters");
	rq = peer_recv(&p, NULL, NULL);
	cr_expect_str_eq(member_str(rq, "op"), "stat");
	cr_expect_not(json_object_get_boolean(client_member(rq, "follow", json_type_boolean)));
	json_object_put(rq);
	pair_close(&p);
}

Test(stat, directory_has_no_object)
{
	struct pair p = pair_open();
	struct bpfpin_stat st;

	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":1,\"result\":{\"stat\":{\"ino\":1,"
		  "\"type\":\"dir\",\"mode\":17407}}}");
	cr_assert_eq(bpfpin_stat(p.b, "/", &st), 0);
	cr_expect_eq(st.type, BPFPIN_NODE_DIR);
	cr_expect_eq(st.mode, 041777);
	cr_expect_eq(st.obj_kind, BPFPIN_OBJ_NONE);
	pair_close(&p);
}

Test(stat, unknown_object_kind_reads_as_none)
{
	struct pair p = pair_open();
	struct bpfpin_stat st;

	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":1,\"result\":{\"stat\":{\"ino\":2,"
		  "\"type\":\"pin\",\"mode\":33024,\"object\":{\"kind\":\"none\","
		  "\"id\":0,\"type\":\"unknown\",\"type_id\":0,\"name\":\"\"}}}}");
	cr_assert_eq(bpfpin_stat(p.b, "/maps.debug", &st), 0, "%s", bpfpin_errmsg(p.b));
	cr_expect_eq(st.type, BPFPIN_NODE_PIN);
	cr_expect_eq(st.obj_kind, BPFPIN_OBJ_NONE);
	pair_close(&p);
}

Test(stat, ill_typed_member_gives_eproto)
{
	struct pair p = pair_open();
	struct bpfpin_stat st;

	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":1,\"result\":{\"stat\":{\"ino\":1,"
		  "\"type\":\"dir\",\"mode\":\"0755\"}}}");
	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":2,\"result\":{\"stat\":{\"ino\":1,"
		  "\"type\":\"fifo\",\"mode\":4480}}}");
	cr_expect_eq(bpfpin_stat(p.b, "/", &st), -EPROTO);
	cr_expect_eq(bpfpin_stat(p.b, "/", &st), -EPROTO);
	pair_close(&p);
}

/* ---- listing (lib/client_list.c) ---- */

Test(list, asks_for_at_most_256_and_decodes_the_page)
{
	struct pair p = pair_open();
	struct bpfpin_dirent *ents = calloc(300, sizeof(*ents));
	uint64_t cursor = 0;
	struct json_object *rq;

	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":1,\"result\":{\"entries\":["
		  "{\"name\":\"a\",\"cookie\":1,\"stat\":%s},"
		  "{\"name\":\"b\",\"cookie\":2,\"stat\":%s}],\"cursor\":7}}",
		  STAT_JSON, STAT_JSON);
	cr_assert_eq(bpfpin_list(p.b, "/", &cursor, ents, 300), 2, "%s", bpfpin_errmsg(p.b));
	cr_expect_str_eq(ents[0].name, "a");
	cr_expect_str_eq(ents[1].name, "b");
	cr_expect_eq(ents[1].st.obj_id, 17);
	cr_expect_eq(cursor, 7);
	rq = peer_recv(&p, NULL, NULL);
	cr_expect_eq(member_int(rq, "limit"), 256);
	cr_expect_eq(member_int(rq, "cursor"), 0);
	json_object_put(rq);
	free(ents);
	pair_close(&p);
}

Test(list, returns_0_after_the_last_page_without_a_request)
{
	struct pair p = pair_open();
	struct bpfpin_dirent ents[4];
	uint64_t cursor = 7;
	struct json_object *rq;

	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":1,\"result\":{\"entries\":["
		  "{\"name\":\"c\",\"cookie\":3,\"stat\":%s}],\"cursor\":0}}", STAT_JSON);
	cr_assert_eq(bpfpin_list(p.b, "/", &cursor, ents, 4), 1);
	rq = peer_recv(&p, NULL, NULL);
	cr_expect_eq(member_int(rq, "cursor"), 7);
	cr_expect_eq(member_int(rq, "limit"), 4);
	json_object_put(rq);
	cr_expect_eq(bpfpin_list(p.b, "/", &cursor, ents, 4), 0);
	expect_nothing_sent(&p);
	pair_close(&p);
}

Test(list, more_entries_than_asked_gives_eproto)
{
	struct pair p = pair_open();
	struct bpfpin_dirent ents[1];
	uint64_t cursor = 0;

	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":1,\"result\":{\"entries\":["
		  "{\"name\":\"a\",\"stat\":%s},{\"name\":\"b\",\"stat\":%s}],"
		  "\"cursor\":0}}", STAT_JSON, STAT_JSON);
	cr_expect_eq(bpfpin_list(p.b, "/", &cursor, ents, 1), -EPROTO);
	cr_expect_eq(cursor, 0);
	pair_close(&p);
}

/* ---- get_many (lib/client_many.c) ---- */

/* Queue a get_many reply for request id: items for paths [from, to), an
 * fd (a dup of fd) for even indexes, ENOENT for odd ones. */
static void many_reply(struct pair *p, int id, int from, int to, int fd)
{
	static char buf[PROTO_MSG_MAX];
	int fds[PROTO_FDS_MAX], nfds = 0, len;

	len = snprintf(buf, sizeof(buf), "{\"v\":1,\"id\":%d,\"result\":{\"items\":[", id);
	for (int i = from; i < to; i++) {
		if (i % 2 == 0) {
			fds[nfds] = fd;
			len += snprintf(buf + len, sizeof(buf) - len, "{\"fd\":%d},", nfds++);
		} else {
			len += snprintf(buf + len, sizeof(buf) - len,
					"{\"error\":{\"errno\":2,\"name\":\"ENOENT\"}},");
		}
	}
	strcpy(buf + len - 1, "]}}");
	cr_assert_eq(proto_send(p->peer, buf, strlen(buf), fds, nfds), 0);
}

Test(many, splits_into_messages_of_at_most_253_paths)
{
	struct pair p = pair_open();
	enum { N = 300 };
	char names[N][16];
	const char *paths[N];
	int fds[N], map = map_new();
	struct json_object *rq;

	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "/p%d", i);
		paths[i] = names[i];
	}
	many_reply(&p, 1, 0, 253, map);
	many_reply(&p, 2, 253, N, map);
	cr_assert_eq(bpfpin_get_many(p.b, paths, N, O_RDONLY, fds), 0, "%s",
		     bpfpin_errmsg(p.b));
	for (int i = 0; i < N; i++) {
		if (i % 2)
			cr_expect_eq(fds[i], -ENOENT, "fds[%d] = %d", i, fds[i]);
		else
			cr_expect_eq(map_id(fds[i]), map_id(map));
		if (fds[i] >= 0)
			close(fds[i]);
	}
	rq = peer_recv(&p, NULL, NULL);
	cr_expect_eq(json_object_array_length(client_member(rq, "paths", json_type_array)), 253);
	cr_expect_str_eq(member_str(rq, "access"), "rdonly");
	json_object_put(rq);
	rq = peer_recv(&p, NULL, NULL);
	cr_expect_eq(json_object_array_length(client_member(rq, "paths", json_type_array)), 47);
	json_object_put(rq);
	pair_close(&p);
}

struct many_peer {
	struct pair *p;
	int requests;
	size_t largest;
	int next;          /* the index the next path must carry */
	bool in_order;
};

/* Answer get_many requests with ENOENT until the client hangs up,
 * checking that the paths come in order and the requests in bounds. */
static void *answer_many(void *arg)
{
	struct many_peer *mp = arg;
	static char buf[PROTO_MSG_MAX + 1], reply[PROTO_MSG_MAX];
	int fds[PROTO_FDS_MAX], nfds;
	ssize_t len;

	mp->in_order = true;
	while ((len = proto_recv(mp->p->peer, buf, sizeof(buf), fds, &nfds)) > 0) {
		struct json_object *rq = json_tokener_parse(buf);
		struct json_object *paths = client_member(rq, "paths", json_type_array);
		size_t n = json_object_array_length(paths), off;

		mp->requests++;
		if ((size_t)len > mp->largest)
			mp->largest = len;
		off = snprintf(reply, sizeof(reply), "{\"v\":1,\"id\":%lld,\"result\":{\"items\":[",
			       (long long)member_int(rq, "id"));
		for (size_t i = 0; i < n; i++) {
			const char *s = json_object_get_string(json_object_array_get_idx(paths, i));

			if (atoi(s + 1) != mp->next++)
				mp->in_order = false;
			off += snprintf(reply + off, sizeof(reply) - off, "%s{\"error\":{\"errno\":2}}",
					i ? "," : "");
		}
		snprintf(reply + off, sizeof(reply) - off, "]}}");
		proto_send(mp->p->peer, reply, strlen(reply), NULL, 0);
		json_object_put(rq);
	}
	return NULL;
}

Test(many, splits_long_paths_by_size)
{
	struct pair p = pair_open();
	struct many_peer mp = { .p = &p };
	enum { N = 40, LEN = 4000 };
	char *names[N];
	int fds[N];
	pthread_t t;

	for (int i = 0; i < N; i++) {
		names[i] = malloc(LEN + 1);
		memset(names[i], 'x', LEN);
		names[i][LEN] = '\0';
		snprintf(names[i], 16, "/%d", i);
		names[i][strlen(names[i])] = '/';
	}
	cr_assert_eq(pthread_create(&t, NULL, answer_many, &mp), 0);
	cr_expect_eq(bpfpin_get_many(p.b, (const char *const *)names, N, O_RDWR, fds), 0,
		     "%s", bpfpin_errmsg(p.b));
	bpfpin_close(p.b);
	pthread_join(t, NULL);
	close(p.peer);
	for (int i = 0; i < N; i++) {
		cr_expect_eq(fds[i], -ENOENT);
		free(names[i]);
	}
	cr_expect_gt(mp.requests, 1);
	cr_expect_leq(mp.largest, PROTO_MSG_MAX);
	cr_expect(mp.in_order);
	cr_expect_eq(mp.next, N);
}

Test(many, failure_midway_closes_every_fd_received)
{
	struct pair p = pair_open();
	enum { N = 260 };
	char names[N][16];
	const char *paths[N];
	struct probe pr = probe_open();
	int fds[N];

	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "/p%d", i);
		paths[i] = names[i];
	}
	many_reply(&p, 1, 0, 253, pr.w);
	peer_send(&p, NULL, 0, "{\"v\":1,\"id\":77,\"result\":{}}");
	cr_expect_eq(bpfpin_get_many(p.b, paths, N, O_RDONLY, fds), -EPROTO);
	for (int i = 0; i < N; i++)
		cr_expect_eq(fds[i], -EPROTO);
	cr_expect(probe_all_closed(&pr), "an fd of the first reply was left open");
	pair_close(&p);
}

Test(many, bad_paths_are_answered_locally)
{
	struct pair p = pair_open();
	const char *paths[2] = { NULL, "/ok" };
	int fds[2];
	struct json_object *rq;

	many_reply(&p, 1, 1, 2, -1);
	cr_assert_eq(bpfpin_get_many(p.b, paths, 2, O_RDONLY, fds), 0);
	cr_expect_eq(fds[0], -EINVAL);
	cr_expect_eq(fds[1], -ENOENT);
	rq = peer_recv(&p, NULL, NULL);
	cr_expect_eq(json_object_array_length(client_member(rq, "paths", json_type_array)), 1);
	json_object_put(rq);
	pair_close(&p);
}
