/* tests/test_badinput.c: malformed and hostile requests over a real
 * bpfpind's socket, table-driven: each gets the errno it should and a
 * message naming the member, every reply is valid JSON and valid UTF-8,
 * and after each the daemon still answers and holds no more fds. Then
 * the name rules on both faces, beside a kernel bpffs. */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <bpfpin/bpfpin.h>
#include <json-c/json.h>

#include "lib/proto.h"
#include "tests/harness.h"
#include "tests/opspec.h"

static struct th_daemon d;

static void start(void)
{
	cr_assert_eq(th_daemon_start(&d, false, NULL), 0, "daemon did not start");
}

static void stop(void)
{
	th_daemon_stop(&d);
}

TestSuite(badinput, .init = start, .fini = stop, .timeout = 240);

/* One case: raw bytes, the errno name expected, and a text the message
 * must hold (NULL: any). nfds fds (eventfds) go with it. */
struct bcase {
	char *msg;
	size_t len;
	const char *err;
	char *has;
	int nfds;
};

struct cases {
	struct bcase *v;
	size_t n, cap;
};

static void add_raw(struct cases *cs, const char *msg, size_t len,
		    const char *err, const char *has, int nfds)
{
	char *copy = malloc(len + 1);

	cr_assert(copy);
	memcpy(copy, msg, len);
	copy[len] = '\0';
	if (cs->n == cs->cap) {
		cs->cap = cs->cap ? 2 * cs->cap : 256;
		cs->v = realloc(cs->v, cs->cap * sizeof(*cs->v));
		cr_assert(cs->v);
	}
	cs->v[cs->n++] = (struct bcase){ copy, len, err,
					 has ? strdup(has) : NULL, nfds };
}

static void add(struct cases *cs, const char *msg, const char *err, const char *has)
{
	add_raw(cs, msg, strlen(msg), err, has, 0);
}

/* A request {"v":1,"id":ID,"op":OP,MEMBERS}; members may be "". */
static char *req(const char *op, const char *members)
{
	size_t len = strlen(members) + strlen(op) + 64;
	char *s = malloc(len);

	snprintf(s, len, "{\"v\":1,\"id\":7,\"op\":\"%s\"%s%s}", op,
		 *members ? "," : "", members);
	return s;
}

static void add_req(struct cases *cs, const char *op, const char *members,
		    const char *err, const char *has, int nfds)
{
	char *s = req(op, members);

	add_raw(cs, s, strlen(s), err, has, nfds);
	free(s);
}

/* A UTF-8 check of our own (RFC 3629), independent of the daemon's. */
static bool utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], need, min, cp;

		if (c < 0x80) { i++; continue; }
		if ((c & 0xe0) == 0xc0) { need = 1; min = 0x80; cp = c & 0x1f; }
		else if ((c & 0xf0) == 0xe0) { need = 2; min = 0x800; cp = c & 0x0f; }
		else if ((c & 0xf8) == 0xf0) { need = 3; min = 0x10000; cp = c & 0x07; }
		else return false;
		for (size_t k = 1; k <= need; k++) {
			if (i + k >= n || (s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += need + 1;
	}
	return true;
}

static int raw_connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static int raw_connect(void)
{
	return raw_connect_to(d.sock);
}

/* Send one message and return its reply, parsed; the reply must be one
 * strict JSON object in valid UTF-8. *id gets its id. */
static struct json_object *roundtrip(int fd, const char *msg, size_t len,
				     int nfds, const char *what)
{
	static char buf[PROTO_MSG_MAX + 1];
	int sfds[PROTO_FDS_MAX], rfds[PROTO_FDS_MAX], rn;
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;
	ssize_t n;

	for (int i = 0; i < nfds; i++)
		cr_assert_geq(sfds[i] = eventfd(0, EFD_CLOEXEC), 0);
	cr_assert_eq(proto_send(fd, msg, len, sfds, nfds), 0, "%s: send", what);
	proto_close_fds(sfds, nfds);
	n = proto_recv(fd, buf, sizeof(buf), rfds, &rn);
	cr_assert_gt(n, 0, "%s: no reply (%zd)", what, n);
	proto_close_fds(rfds, rn);
	cr_assert(utf8_ok((unsigned char *)buf, (size_t)n),
		  "%s: reply is not valid UTF-8: %s", what, buf);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, buf, (int)n);
	cr_assert(o && json_tokener_get_parse_end(tok) == (size_t)n &&
		  json_object_is_type(o, json_type_object),
		  "%s: reply is not one JSON object: %s", what, buf);
	json_tokener_free(tok);
	return o;
}

static const char *member_str(struct json_object *o, const char *a, const char *b)
{
	struct json_object *x, *y;

	if (!json_object_object_get_ex(o, a, &x) || !json_object_object_get_ex(x, b, &y))
		return NULL;
	return json_object_get_string(y);
}

/* The printable form of a case, for failure messages. */
static const char *shown(const struct bcase *c)
{
	static char s[200];
	size_t o = 0;

	for (size_t i = 0; i < c->len && o < sizeof(s) - 5; i++) {
		unsigned char ch = (unsigned char)c->msg[i];

		o += (size_t)snprintf(s + o, sizeof(s) - o, ch >= 0x20 && ch < 0x7f ? "%c" : "\\x%02x", ch);
	}
	s[o] = '\0';
	return s;
}

static void check_case(int fd, const struct bcase *c)
{
	const char *what = shown(c);
	struct json_object *o = roundtrip(fd, c->msg, c->len, c->nfds, what);
	struct json_object *id;
	const char *name = member_str(o, "error", "name");
	const char *msg = member_str(o, "error", "message");

	cr_expect_str_eq(name ? name : "ok", c->err, "%s: got %s (%s)", what,
			 name ? name : "ok", msg ? msg : "");
	if (name)
		cr_expect_eq(json_object_get_int(json_object_object_get(
				json_object_object_get(o, "error"), "errno")),
			     proto_errno_value(c->err), "%s: errno value", what);
	if (c->has)
		cr_expect(msg && strstr(msg, c->has), "%s: message \"%s\" does not say %s",
			  what, msg ? msg : "", c->has);
	/* a refused request is never answered as a result */
	if (name)
		cr_expect(!json_object_object_get_ex(o, "result", NULL), "%s", what);
	cr_expect(json_object_object_get_ex(o, "id", &id) &&
		  json_object_is_type(id, json_type_int), "%s: reply id", what);
	json_object_put(o);
}

static void hello_ok(int fd, const char *after)
{
	static const char hello[] = "{\"v\":1,\"id\":99,\"op\":\"hello\"}";
	struct json_object *o = roundtrip(fd, hello, strlen(hello), 0, "hello");

	cr_assert(json_object_object_get_ex(o, "result", NULL),
		  "the daemon does not answer hello after %s", after);
	json_object_put(o);
}

/* Run every case on one connection: the daemon answers hello after each
 * and holds exactly the fds it held before. */
static void run_cases(struct cases *cs)
{
	int fd = raw_connect(), before;

	cr_log_info("%zu cases", cs->n);
	hello_ok(fd, "connecting");
	before = th_fd_count(d.pid);
	for (size_t i = 0; i < cs->n; i++) {
		check_case(fd, &cs->v[i]);
		hello_ok(fd, shown(&cs->v[i]));
		cr_expect_eq(th_fd_count(d.pid), before, "fd count after %s", shown(&cs->v[i]));
		free(cs->v[i].msg);
		free(cs->v[i].has);
	}
	free(cs->v);
	close(fd);
}

/* ---- junk, truncation, nesting ---- */

static void junk_cases(struct cases *cs)
{
	static const char good[] = "{\"v\":1,\"id\":1,\"op\":\"stat\",\"path\":\"/\"}";
	static const char hello[] = "{\"v\":1,\"id\":1,\"op\":\"hello\"}";
	static const char *const junk[] = {
		"not json at all", "{", "}", "[1,2,3]", "42", "\"hello\"", "null",
		"true", "{\"v\":1,\"id\":1,\"op\":\"hello\"} trailing",
		"{\"v\":1,\"id\":1,\"op\":\"hello\",}", "{\"v\":01,\"id\":1,\"op\":\"hello\"}",
		"{\"v\":1 \"id\":1}", "{v:1}", "\x01\x02\x03",
	};
	char deep[200] = "{\"v\":1,\"id\":1,\"op\":\"stat\",\"path\":";
	size_t o = strlen(deep);

	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		add(cs, junk[i], "EBADMSG", NULL);
	add_raw(cs, "\xff\xfe\x00\x01", 4, "EBADMSG", NULL, 0);
	/* a NUL after the object is one byte too many */
	add_raw(cs, hello, sizeof(hello), "EBADMSG", NULL, 0);
	/* every truncation of a good request is refused */
	for (size_t k = 1; k < sizeof(good) - 1; k += 3)
		add_raw(cs, good, k, "EBADMSG", NULL, 0);
	/* nesting past the tokener's depth (32), and within it */
	for (int i = 0; i < 40; i++)
		deep[o++] = '[';
	for (int i = 0; i < 40; i++)
		deep[o++] = ']';
	deep[o++] = '}';
	deep[o] = '\0';
	add(cs, deep, "EBADMSG", NULL);
	add(cs, "{\"v\":1,\"id\":1,\"op\":\"stat\",\"path\":[[[[[[[[[[]]]]]]]]]]}", "EINVAL", "member \"path\"");
	add(cs, "{\"v\":1,\"id\":1,\"op\":\"stat\",\"path\":{\"a\":{\"b\":{}}}}", "EINVAL", "member \"path\"");
}

/* ---- the envelope: v, id, op ---- */

static void envelope_cases(struct cases *cs)
{
	static const char *const bad_ids[] = {
		"-1", "0", "-0", "1.5", "1.0", "1e3", "\"7\"", "null", "true", "[]",
		"{}", "9007199254740992", "18446744073709551615",
		"99999999999999999999999", "-99999999999999999999", "1e400", "NaN",
	};
	char m[128];

	for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
		snprintf(m, sizeof(m), "{\"v\":1,\"id\":%s,\"op\":\"hello\"}", bad_ids[i]);
		add(cs, m, "EINVAL", "member \"id\"");
	}
	add(cs, "{\"v\":1,\"op\":\"hello\"}", "EINVAL", "member \"id\"");
	add(cs, "{\"v\":1,\"id\":9007199254740991,\"op\":\"hello\"}", "ok", NULL);
	add(cs, "{\"id\":1,\"op\":\"hello\"}", "EPROTO", "\"v\"");
	add(cs, "{\"v\":2,\"id\":1,\"op\":\"hello\"}", "EPROTO", "\"v\"");
	add(cs, "{\"v\":\"1\",\"id\":1,\"op\":\"hello\"}", "EPROTO", "\"v\"");
	add(cs, "{\"v\":1.0,\"id\":1,\"op\":\"hello\"}", "EPROTO", "\"v\"");
	add(cs, "{\"v\":1,\"id\":1}", "EINVAL", "member \"op\"");
	add(cs, "{\"v\":1,\"id\":1,\"op\":7}", "EINVAL", "member \"op\"");
	add(cs, "{\"v\":1,\"id\":1,\"op\":null}", "EINVAL", "member \"op\"");
	add(cs, "{\"v\":1,\"id\":1,\"op\":\"hello\\u0000x\"}", "EINVAL", "member \"op\"");
	add(cs, "{\"v\":1,\"id\":1,\"op\":\"hel\xfflo\"}", "EINVAL", "member \"op\"");
	add(cs, "{\"v\":1,\"id\":1,\"op\":\"explode\"}", "EOPNOTSUPP", "explode");
	add(cs, "{\"v\":1,\"id\":1,\"op\":\"HELLO\"}", "EOPNOTSUPP", "HELLO");
	add(cs, "{\"v\":1,\"id\":1,\"op\":\"\"}", "EOPNOTSUPP", NULL);
}

/* ---- unknown members and duplicate keys ---- */

static void member_cases(struct cases *cs)
{
	char key[128], m[200];

	add_req(cs, "hello", "\"path\":\"/\"", "EINVAL", "member \"path\" is unknown", 0);
	add_req(cs, "stat", "\"path\":\"/\",\"umaks\":0", "EINVAL", "member \"umaks\" is unknown", 0);
	add_req(cs, "get", "\"path\":\"/\",\"follow\":true", "EINVAL", "member \"follow\"", 0);
	/* info takes a path only, not get's other members */
	add_req(cs, "info", "\"path\":\"/\",\"access\":\"rdonly\"", "EINVAL", "member \"access\" is unknown", 0);
	add_req(cs, "info", "\"path\":\"/\",\"stat\":true", "EINVAL", "member \"stat\" is unknown", 0);
	add_req(cs, "info", "\"path\":\"/\",\"info\":true", "EINVAL", "member \"info\" is unknown", 0);
	add_req(cs, "unlink", "\"path\":\"/x\",\"flags\":[]", "EINVAL", "member \"flags\"", 0);
	add_req(cs, "chmod", "\"path\":\"/x\",\"mode\":1,\"\":1", "EINVAL", "member \"\"", 0);
	add_req(cs, "stat", "\"path\":\"/\",\"a\\u0000b\":1", "EINVAL", "is unknown", 0);
	/* a key quoted in the message that is not UTF-8, or that the
	 * message's bound cuts inside a sequence: the reply stays UTF-8 */
	memset(key, 'a', 63);
	snprintf(key + 63, sizeof(key) - 63, "\xc3\xa9\xc3\xa9\":1");
	snprintf(m, sizeof(m), "\"path\":\"/\",\"%s", key);
	add_req(cs, "stat", m, "EINVAL", "is unknown", 0);
	add_req(cs, "stat", "\"path\":\"/\",\"\xff\xfe\":1", "EINVAL", "is unknown", 0);
	add_req(cs, "stat", "\"path\":\"/\",\"path\":\"/x\"", "EINVAL", "member \"path\" appears more than once", 0);
	add(cs, "{\"v\":1,\"id\":1,\"id\":2,\"op\":\"hello\"}", "EINVAL", "member \"id\" appears");
	add(cs, "{\"v\":1,\"v\":1,\"id\":1,\"op\":\"hello\"}", "EINVAL", "member \"v\" appears");
	add(cs, "{\"v\":1,\"id\":1,\"op\":\"stat\",\"op\":\"hello\"}", "EINVAL", "member \"op\" appears");
	add_req(cs, "stat", "\"path\":\"/\",\"pa\\u0074h\":\"/x\"", "EINVAL", "member \"path\" appears", 0);
	add_req(cs, "stat", "\"path\":\"/\",'path':\"/x\"", "EINVAL", "member \"path\" appears", 0);
	/* nested objects may repeat names of the top level without harm */
	add_req(cs, "stat", "\"path\":{\"path\":1,\"path\":2}", "EINVAL", "member \"path\" must be", 0);
}

/* ---- every member of every op, ill-typed ---- */

/* Values of the wrong type (or out of range) for each class. */
static const char *const wrong[][4] = {
	[C_PATH] = { "7", "[\"/a\"]", "null", NULL },
	[C_STR] = { "7", "{}", "false", NULL },
	[C_INT] = { "\"1\"", "1.5", "true", "99999999999999999999" },
	[C_BOOL] = { "1", "\"true\"", "null", NULL },
	[C_ACCESS] = { "1", "\"RDONLY\"", "\"rdonly\\u0000\"", NULL },
	[C_PATHS] = { "\"/a\"", "[]", "[1]", "{}" },
	[C_FLAGS] = { "\"noreplace\"", "[\"nope\"]", "[1]", "[\"exchange\\u0000\"]" },
	[C_FD] = { "\"0\"", "-1", "1", "253" },
	[C_KEY] = { "true", "\"0x1\"", "\"0xzz\"", "-1" },
	[C_MAPS] = { "\"m\"", "[1]", "[{\"name\":\"m\"}]",
		     "[{\"name\":\"\",\"path\":\"/a\"}]" },
};

/* A valid request of each op gets the namespace's answer (nothing exists
 * under /nope); then each member in turn gets each wrong value. */
static void type_cases(struct cases *cs)
{
	char m[8192], has[64];

	for (size_t i = 0; i < n_op_specs; i++) {
		const struct opspec *o = &op_specs[i];

		opspec_members(o, -1, NULL, -1, m, sizeof(m));
		if (!o->nfds)   /* pin's eventfd is refused: test_rpc's concern */
			add_req(cs, o->op, m, opspec_valid_answer(o->op), NULL, 0);
		/* a member the op does not take, beside valid ones */
		strcat(m, *m ? ",\"bogus\":1" : "\"bogus\":1");
		add_req(cs, o->op, m, "EINVAL", "member \"bogus\" is unknown", o->nfds);
		for (int k = 0; k < OPSPEC_MEMBERS && o->m[k].name; k++) {
			snprintf(has, sizeof(has), "member \"%s\"", o->m[k].name);
			for (int w = 0; w < 4 && wrong[o->m[k].cls][w]; w++) {
				opspec_members(o, k, wrong[o->m[k].cls][w], -1, m, sizeof(m));
				add_req(cs, o->op, m, "EINVAL", has, o->nfds);
			}
		}
	}
}

/* ---- the path rules, on every path member of every op ---- */

static char *json_str_of(const char *s)
{
	size_t len = strlen(s);
	char *q = malloc(len + 3);

	snprintf(q, len + 3, "\"%s\"", s);
	return q;
}

/* "/" then components of n bytes until len bytes in all. */
static char *long_path(size_t len, size_t n)
{
	char *p = malloc(len + 1);

	for (size_t i = 0; i < len; i++)
		p[i] = i % (n + 1) == 0 ? '/' : 'a';
	p[len] = '\0';
	return p;
}

struct pcase {
	char *value;            /* the JSON string literal */
	const char *err, *why;
};

static void path_values(struct pcase *pc)
{
	char *c256 = long_path(257, 256), *p4096 = long_path(4096, 100);
	char *c255 = long_path(256, 255), *p4095 = long_path(4095, 100);
	char *n255 = malloc(300);

	snprintf(n255, 300, "/nope%s", c255);   /* under a missing dir */

	pc[0] = (struct pcase){ strdup("\"a/b\""), "EINVAL", "is not an absolute path" };
	pc[1] = (struct pcase){ strdup("\"\""), "ENOENT", "is empty" };    /* as the kernel */
	pc[2] = (struct pcase){ strdup("\"./x\""), "EINVAL", "is not an absolute path" };
	pc[3] = (struct pcase){ strdup("\"/a\\u0000b\""), "EINVAL", "contains a NUL byte" };
	pc[4] = (struct pcase){ json_str_of(c256), "ENAMETOOLONG", "component longer than 255 bytes" };
	pc[5] = (struct pcase){ json_str_of(p4096), "ENAMETOOLONG", "is longer than 4095 bytes" };
	pc[6] = (struct pcase){ strdup("\"/\xff\""), "EINVAL", "is not valid UTF-8" };
	/* the bounds themselves are fine: the namespace answers */
	pc[7] = (struct pcase){ json_str_of(n255), "ENOENT", NULL };
	pc[8] = (struct pcase){ json_str_of(p4095), "ENOENT", NULL };
	pc[9] = (struct pcase){ NULL, NULL, NULL };
	free(c256), free(p4096), free(c255), free(p4095), free(n255);
}

static void add_path_case(struct cases *cs, const struct opspec *o, int k,
			  const struct pcase *pc)
{
	char *m, has[96], *arr = NULL;
	const char *value = pc->value;
	const char *err = pc->err;

	if (o->m[k].cls == C_PATHS) {
		arr = malloc(strlen(pc->value) + 32);
		sprintf(arr, "[\"/nope\",\"/nope\",%s]", pc->value);
		value = arr;
		snprintf(has, sizeof(has), "member \"paths\"[2] %s", pc->why ? pc->why : "");
		if (!pc->why)
			err = "ok";     /* get_many: the ENOENT is per item */
	} else {
		snprintf(has, sizeof(has), "member \"%s\" %s", o->m[k].name, pc->why ? pc->why : "");
	}
	if (o->nfds && !pc->why) {
		free(arr);
		return;                 /* pin: the eventfd's refusal, elsewhere */
	}
	m = malloc(16384);
	opspec_members(o, k, value, -1, m, 16384);
	add_req(cs, o->op, m, err, pc->why ? has : NULL, o->nfds);
	free(arr);
	free(m);
}

static void path_cases(struct cases *cs)
{
	struct pcase pc[10];
	static const char *const bad_utf8[] = {
		"\xc0\xaf", "\xed\xa0\x80", "\xe2\x82", "\xf8\x88\x80\x80\x80",
		"\xf4\x90\x80\x80", "\x80", "\xc3\x28",
	};
	char m[64];

	path_values(pc);
	for (size_t i = 0; i < n_op_specs; i++)
		for (int k = 0; k < OPSPEC_MEMBERS && op_specs[i].m[k].name; k++)
			if (op_specs[i].m[k].cls == C_PATH || op_specs[i].m[k].cls == C_PATHS)
				for (int p = 0; pc[p].value; p++)
					add_path_case(cs, &op_specs[i], k, &pc[p]);
	for (int p = 0; pc[p].value; p++)
		free(pc[p].value);
	for (size_t i = 0; i < sizeof(bad_utf8) / sizeof(bad_utf8[0]); i++) {
		snprintf(m, sizeof(m), "\"path\":\"/%s\"", bad_utf8[i]);
		add_req(cs, "stat", m, "EINVAL", "member \"path\" is not valid UTF-8", 0);
		snprintf(m, sizeof(m), "\"target\":\"%s\",\"path\":\"/s\"", bad_utf8[i]);
		add_req(cs, "symlink", m, "EINVAL", "member \"target\" is not valid UTF-8", 0);
	}
	/* valid UTF-8 of every length is a name like any other */
	add_req(cs, "stat", "\"path\":\"/\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", "ENOENT", NULL, 0);
	add_req(cs, "symlink", "\"target\":\"a\\u0000b\",\"path\":\"/s\"", "EINVAL", "member \"target\" contains a NUL", 0);
	{
		char *t = long_path(4096, 100), *q = json_str_of(t), *mm = malloc(8192);

		snprintf(mm, 8192, "\"target\":%s,\"path\":\"/s\"", q);
		add_req(cs, "symlink", mm, "ENAMETOOLONG", "member \"target\"", 0);
		free(t), free(q), free(mm);
	}
}

Test(badinput, junk_truncation_and_nesting_get_ebadmsg)
{
	struct cases cs = { 0 };

	junk_cases(&cs);
	cr_assert_geq(cs.n, 25);
	run_cases(&cs);
}

Test(badinput, bad_envelopes_name_v_id_or_op)
{
	struct cases cs = { 0 };

	envelope_cases(&cs);
	run_cases(&cs);
}

Test(badinput, unknown_and_repeated_members_are_refused_by_name)
{
	struct cases cs = { 0 };

	member_cases(&cs);
	run_cases(&cs);
}

Test(badinput, every_member_of_every_op_checks_its_type)
{
	struct cases cs = { 0 };

	type_cases(&cs);
	cr_assert_geq(cs.n, 100);
	run_cases(&cs);
}

Test(badinput, every_path_member_follows_the_path_rules)
{
	struct cases cs = { 0 };

	path_cases(&cs);
	cr_assert_geq(cs.n, 100);
	run_cases(&cs);
}

/* An error reply to a request whose id could not be used carries id 0;
 * one to a request with a good id carries that id. */
Test(badinput, error_replies_carry_the_id_or_zero)
{
	static const char *const msgs[][2] = {
		{ "{\"v\":1,\"id\":-5,\"op\":\"hello\"}", "0" },
		{ "{\"v\":1,\"id\":2.5,\"op\":\"hello\"}", "0" },
		{ "{\"v\":1,\"id\":12,\"op\":\"nope\"}", "12" },
		{ "{\"v\":1,\"id\":13,\"op\":\"stat\",\"path\":\"rel\"}", "13" },
		{ "{\"v\":7,\"id\":14,\"op\":\"hello\"}", "14" },
	};
	int fd = raw_connect();

	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		struct json_object *o = roundtrip(fd, msgs[i][0], strlen(msgs[i][0]), 0, msgs[i][0]);

		cr_expect_str_eq(json_object_get_string(json_object_object_get(o, "id")),
				 msgs[i][1], "%s", msgs[i][0]);
		cr_expect(json_object_object_get_ex(o, "error", NULL));
		json_object_put(o);
	}
	close(fd);
}

/* ---- the name rules on both faces, beside a kernel bpffs ---- */

static struct th_daemon md;
static char kroot[128];

static void mstart(void)
{
	cr_assert_eq(th_daemon_start(&md, true, NULL), 0, "daemon did not start");
	cr_assert_eq(th_bpffs_mount(kroot, sizeof(kroot)), 0);
}

static void mstop(void)
{
	th_bpffs_umount(kroot);
	th_daemon_stop(&md);
}

TestSuite(names, .init = mstart, .fini = mstop, .timeout = 120);

static int err_of(int r)
{
	return r < 0 ? errno : 0;
}

static char *at(const char *root, const char *name)
{
	static char p[2][8192];
	static int k;

	k ^= 1;
	snprintf(p[k], sizeof(p[k]), "%s/%s", root, name);
	return p[k];
}

/* The errno of one request over the RPC (bpfpin's error codes are -errno). */
static int rpc_mkdir(const char *path)
{
	struct bpfpin *b;
	int r;

	cr_assert_eq(bpfpin_connect(md.sock, &b), 0);
	r = bpfpin_mkdir(b, path, 0755);
	bpfpin_close(b);
	return -r;
}

/* bpffs takes any bytes as a name; bpfpind refuses a name that is not
 * UTF-8 (it could not carry it in JSON): EILSEQ on the mount, EINVAL
 * naming the member over the RPC. */
Test(names, non_utf8_names_get_eilseq_on_the_mount_where_bpffs_takes_them)
{
	static const char *const bad[] = { "\xff", "a\xc0\xafz", "\xed\xa0\x80", "x\xe2\x82" };
	const char *m = md.mnt;

	cr_assert_eq(mkdir(at(m, "ok"), 0755), 0);
	cr_assert_eq(mkdir(at(kroot, "ok"), 0755), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(err_of(mkdir(at(m, bad[i]), 0755)), EILSEQ, "mkdir %zu", i);
		cr_expect_eq(err_of(symlink("ok", at(m, bad[i]))), EILSEQ, "symlink %zu", i);
		cr_expect_eq(err_of(rename(at(m, "ok"), at(m, bad[i]))), EILSEQ, "rename %zu", i);
		/* a target that is not UTF-8 either */
		cr_expect_eq(err_of(symlink(bad[i], at(m, "s"))), EILSEQ, "symlink target %zu", i);
		/* the kernel's bpffs takes each of them */
		cr_expect_eq(err_of(mkdir(at(kroot, bad[i]), 0755)), 0, "bpffs mkdir %zu", i);
		cr_expect_eq(err_of(symlink(bad[i], at(kroot, "s"))), 0, "bpffs symlink %zu", i);
		unlink(at(kroot, "s"));
	}
	/* the name was never made, and UTF-8 names are fine */
	cr_expect_eq(err_of(access(at(m, "ok"), F_OK)), 0);
	cr_expect_eq(err_of(mkdir(at(m, "caf\xc3\xa9-\xf0\x9f\x98\x80"), 0755)), 0);
	cr_expect_eq(err_of(symlink("caf\xc3\xa9", at(m, "s"))), 0);
	cr_expect_eq(rpc_mkdir("/\xff"), EINVAL);
}

/* A pin can be hard-linked to a non-UTF-8 name neither. */
Test(names, non_utf8_link_name_gets_eilseq_on_the_mount)
{
	struct bpfpin *b;
	int map = th_map_create(1 /* BPF_MAP_TYPE_HASH */, 4, 4, 1);

	cr_assert_geq(map, 0);
	cr_assert_eq(bpfpin_connect(md.sock, &b), 0);
	cr_assert_eq(bpfpin_pin(b, map, "/p", NULL), 0);
	cr_expect_eq(err_of(link(at(md.mnt, "p"), at(md.mnt, "p\xff"))), EILSEQ);
	cr_expect_eq(err_of(link(at(md.mnt, "p"), at(md.mnt, "p2"))), 0);
	bpfpin_close(b);
	close(map);
}

/* 256 bytes in one component: ENAMETOOLONG on bpffs, on the mount and
 * over the RPC, as a last component and in the middle; 255 is a name. */
Test(names, long_component_is_enametoolong_on_both_faces_as_on_bpffs)
{
	char c256[257], c255[256], mid[300];

	memset(c256, 'n', 256), c256[256] = '\0';
	memset(c255, 'n', 255), c255[255] = '\0';
	snprintf(mid, sizeof(mid), "%s/x", c256);
	cr_expect_eq(err_of(mkdir(at(kroot, c256), 0755)), ENAMETOOLONG);
	cr_expect_eq(err_of(mkdir(at(md.mnt, c256), 0755)), ENAMETOOLONG);
	cr_expect_eq(err_of(symlink("t", at(kroot, c256))), ENAMETOOLONG);
	cr_expect_eq(err_of(symlink("t", at(md.mnt, c256))), ENAMETOOLONG);
	cr_expect_eq(err_of(access(at(kroot, mid), F_OK)), ENAMETOOLONG);
	cr_expect_eq(err_of(access(at(md.mnt, mid), F_OK)), ENAMETOOLONG);
	cr_expect_eq(rpc_mkdir(at("", c256)), ENAMETOOLONG);
	cr_expect_eq(rpc_mkdir(at("", mid)), ENAMETOOLONG);
	cr_expect_eq(err_of(mkdir(at(kroot, c255), 0755)), 0);
	cr_expect_eq(err_of(mkdir(at(md.mnt, c255), 0755)), 0);
}

/* A path of 4096 bytes or more: the kernel refuses it before any
 * filesystem sees it, on bpffs and on the mount alike; the RPC the same. */
Test(names, long_path_is_enametoolong_on_both_faces_as_on_bpffs)
{
	char *p = malloc(4200);

	for (size_t i = 0; i < 4199; i++)
		p[i] = i % 2 ? '/' : 'a';
	p[4199] = '\0';
	cr_expect_eq(err_of(access(at(kroot, p), F_OK)), ENAMETOOLONG);
	cr_expect_eq(err_of(access(at(md.mnt, p), F_OK)), ENAMETOOLONG);
	/* over the RPC, raw (libbpfpin would refuse it before sending) */
	{
		char *m = malloc(4400);
		struct json_object *o;
		int fd = raw_connect_to(md.sock);

		p[4096] = '\0';
		p[0] = '/';
		snprintf(m, 4400, "{\"v\":1,\"id\":1,\"op\":\"mkdir\",\"path\":\"%s\"}", p);
		o = roundtrip(fd, m, strlen(m), 0, "mkdir");
		cr_expect_str_eq(member_str(o, "error", "name"), "ENAMETOOLONG");
		json_object_put(o);
		close(fd);
		free(m);
	}
	free(p);
}

/* A store written before names had to be UTF-8 may hold one that is not:
 * a listing and a readlink over the RPC still reply in valid JSON (with
 * U+FFFD for what is not UTF-8), and the mount reaches it by its bytes. */
Test(names, old_non_utf8_names_in_the_store_keep_replies_json)
{
	static const char list[] = "{\"v\":1,\"id\":1,\"op\":\"list\",\"path\":\"/\"}";
	static const char rl[] = "{\"v\":1,\"id\":2,\"op\":\"readlink\",\"path\":\"/lnk\"}";
	char store[160];
	struct json_object *o;
	const char *s;
	int fd;

	snprintf(store, sizeof(store), "%s/store/ns", md.state);
	cr_assert_eq(mkdir(at(store, "old\xff"), 0755), 0);
	cr_assert_eq(symlink("t\xfe", at(store, "lnk")), 0);
	cr_assert_eq(th_daemon_restart(&md, SIGKILL), 0);
	fd = raw_connect_to(md.sock);
	/* roundtrip() asserts each reply is strict JSON in valid UTF-8 */
	o = roundtrip(fd, list, strlen(list), 0, "list");
	s = json_object_to_json_string(o);
	cr_expect(strstr(s, "old\xef\xbf\xbd"), "the old name is listed with U+FFFD: %s", s);
	json_object_put(o);
	o = roundtrip(fd, rl, strlen(rl), 0, "readlink");
	cr_expect_str_eq(member_str(o, "result", "target"), "t\xef\xbf\xbd");
	json_object_put(o);
	close(fd);
	cr_expect_eq(err_of(rmdir(at(md.mnt, "old\xff"))), 0);
}
