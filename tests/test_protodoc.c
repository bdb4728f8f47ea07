/* tests/test_protodoc.c: doc/protocol.md checked against the daemon, so
 * that a client written from it works: its table of members names the
 * ops of daemon/dispatch.c and the members of tests/opspec.c (which the
 * bad-input suite shows the daemon takes, each with its type), and every
 * member it says is required is refused when absent, every optional one
 * is not. Then what it says of final symlinks, of a few errors only the
 * RPC face has, and of list's pages. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/proto.h"
#include "tests/harness.h"
#include "tests/opspec.h"

/* One row of the doc's table: op, member ("" for none), required. */
struct row {
	char op[32], member[32];
	bool required;
};

#define ROWS_MAX 128

/* The whole of a source file, NUL-terminated. */
static char *read_src(const char *rel)
{
	const char *top = getenv("BPFPIN_SRCDIR");
	char path[512];
	FILE *f;
	char *buf;
	long n;

	cr_assert(top, "BPFPIN_SRCDIR is not set (run through make check)");
	snprintf(path, sizeof(path), "%s/%s", top, rel);
	f = fopen(path, "re");
	cr_assert(f, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	cr_assert(buf && fread(buf, 1, (size_t)n, f) == (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Cell i (0 = before the first '|') of a table line, without spaces and
 * backticks, into out. */
static void cell(const char *line, int i, char *out, size_t size)
{
	const char *p = line, *e;
	size_t n = 0;

	for (; i > 0 && p; i--)
		if ((p = strchr(p, '|')))
			p++;
	out[0] = '\0';
	if (!p)
		return;
	e = strchr(p, '|');
	if (!e)
		e = p + strlen(p);
	for (; p < e && n + 1 < size; p++)
		if (*p != ' ' && *p != '`')
			out[n++] = *p;
	out[n] = '\0';
}

/* The rows of the member table: the lines "| `op` | ..." between
 * "## Operations" and its first subsection. */
static size_t doc_rows(struct row *rows)
{
	char *doc = read_src("doc/protocol.md");
	char *p = strstr(doc, "\n## Operations\n"), *end, *line;
	size_t n = 0;

	cr_assert(p, "doc/protocol.md has no \"## Operations\"");
	end = strstr(p, "\n### ");
	cr_assert(end);
	*end = '\0';
	for (line = strtok(p, "\n"); line; line = strtok(NULL, "\n")) {
		char req[8];

		if (strncmp(line, "| `", 3))
			continue;
		cr_assert_lt(n, ROWS_MAX);
		cell(line, 1, rows[n].op, sizeof(rows[n].op));
		cell(line, 2, rows[n].member, sizeof(rows[n].member));
		cell(line, 4, req, sizeof(req));
		if (!strcmp(rows[n].member, "none"))
			rows[n].member[0] = '\0';
		else
			cr_assert(!strcmp(req, "yes") || !strcmp(req, "no"),
				  "%s %s: required is \"%s\"", rows[n].op,
				  rows[n].member, req);
		rows[n].required = !strcmp(req, "yes");
		n++;
	}
	free(doc);
	cr_assert_gt(n, 0, "no member table found");
	return n;
}

static int spec_member(const struct opspec *o, const char *name)
{
	for (int k = 0; k < OPSPEC_MEMBERS && o->m[k].name; k++)
		if (!strcmp(o->m[k].name, name))
			return k;
	return -1;
}

static int spec_count(const struct opspec *o)
{
	int k = 0;

	while (k < OPSPEC_MEMBERS && o->m[k].name)
		k++;
	return k;
}

Test(protodoc, ops_of_dispatch_are_the_ops_of_the_spec)
{
	char *src = read_src("daemon/dispatch.c");
	size_t n = 0;

	for (char *line = strtok(src, "\n"); line; line = strtok(NULL, "\n")) {
		char name[32];

		if (sscanf(line, "\tOP(%31[a-z_])", name) != 1 &&
		    sscanf(line, "\tBARE(%31[a-z_])", name) != 1)
			continue;
		cr_expect(opspec_find(name), "op %s of dispatch.c is not in tests/opspec.c", name);
		n++;
	}
	free(src);
	cr_expect_eq(n, n_op_specs, "dispatch.c has %zu ops, tests/opspec.c %zu",
		     n, n_op_specs);
}

Test(protodoc, member_table_lists_every_op_and_member)
{
	struct row rows[ROWS_MAX];
	size_t n = doc_rows(rows);

	for (size_t i = 0; i < n; i++) {
		const struct opspec *o = opspec_find(rows[i].op);

		cr_expect(o, "the doc's op %s does not exist", rows[i].op);
		if (o && rows[i].member[0])
			cr_expect_geq(spec_member(o, rows[i].member), 0,
				      "the doc's %s %s does not exist", rows[i].op,
				      rows[i].member);
	}
	for (size_t s = 0; s < n_op_specs; s++) {
		const struct opspec *o = &op_specs[s];
		int rowsof = 0;
		bool none = false;

		for (size_t i = 0; i < n; i++) {
			if (strcmp(rows[i].op, o->op))
				continue;
			rowsof += rows[i].member[0] != '\0';
			none |= !rows[i].member[0];
		}
		cr_expect_eq(rowsof, spec_count(o), "op %s: %d members in the doc, %d in the daemon",
			     o->op, rowsof, spec_count(o));
		cr_expect(rowsof || none, "op %s is not in the doc's table", o->op);
	}
}

static int raw_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* The reply to op with its members ("" if none), nfds eventfds attached,
 * parsed. */
static struct json_object *call(int sock, const char *op, const char *members,
				int nfds)
{
	static char buf[PROTO_MSG_MAX + 1], msg[8192];
	int fds[4], rfds[PROTO_FDS_MAX], rn;
	struct json_object *o;
	ssize_t n;

	snprintf(msg, sizeof(msg), "{\"v\":1,\"id\":1,\"op\":\"%s\"%s%s}", op,
		 *members ? "," : "", members);
	for (int i = 0; i < nfds; i++)
		cr_assert_geq(fds[i] = eventfd(0, EFD_CLOEXEC), 0);
	cr_assert_eq(proto_send(sock, msg, strlen(msg), fds, nfds), 0);
	proto_close_fds(fds, nfds);
	n = proto_recv(sock, buf, sizeof(buf), rfds, &rn);
	cr_assert_gt(n, 0);
	proto_close_fds(rfds, rn);
	o = json_tokener_parse(buf);
	cr_assert(o, "%s: reply is not JSON", msg);
	return o;
}

/* The error's member (name or message) of a reply, "" for a result. */
static char *error_of(struct json_object *o, const char *what)
{
	struct json_object *e, *m;
	char *out = strdup(json_object_object_get_ex(o, "error", &e) &&
			   json_object_object_get_ex(e, what, &m) ?
			   json_object_get_string(m) : "");

	json_object_put(o);
	return out;
}

static char *ask(int sock, const char *op, const char *members, int nfds)
{
	return error_of(call(sock, op, members, nfds), "message");
}

/* Each member the doc calls required is refused when left out, naming
 * it; each optional one may be left out. */
Test(protodoc, required_members_are_those_the_daemon_requires, .timeout = 60)
{
	struct row rows[ROWS_MAX];
	size_t n = doc_rows(rows);
	struct th_daemon d;
	char m[4096], want[96];
	int sock;

	cr_assert_eq(th_daemon_start(&d, false, NULL), 0, "daemon did not start");
	sock = raw_connect(d.sock);
	for (size_t i = 0; i < n; i++) {
		const struct opspec *o = opspec_find(rows[i].op);
		int k = o && rows[i].member[0] ? spec_member(o, rows[i].member) : -1;
		char *said;

		if (k < 0)
			continue;
		opspec_members(o, -1, NULL, k, m, sizeof(m));
		said = ask(sock, o->op, m, o->nfds);
		snprintf(want, sizeof(want), "member \"%s\" is missing", rows[i].member);
		if (rows[i].required)
			cr_expect(strstr(said, want), "%s without %s: \"%s\", not \"%s\"",
				  o->op, rows[i].member, said, want);
		else
			cr_expect(!strstr(said, want), "%s without %s: \"%s\", yet the doc says optional",
				  o->op, rows[i].member, said);
		free(said);
	}
	close(sock);
	th_daemon_stop(&d);
}

/* The errno name the reply to op gets ("" for a result). */
static char *errname(int sock, const char *op, const char *members)
{
	return error_of(call(sock, op, members, 0), "name");
}

#define EXPECT_ERR(sock, op, members, want) do {			\
		char *got_ = errname(sock, op, members);		\
		cr_expect_str_eq(got_, want, "%s %s", op, members);	\
		free(got_);						\
	} while (0)

/* What the doc's sections on paths and ops say of final symlinks, and a
 * few errors only the RPC face has. */
Test(protodoc, final_symlinks_and_errors_are_as_the_doc_says, .timeout = 60)
{
	struct th_daemon d;
	int sock;

	cr_assert_eq(th_daemon_start(&d, false, NULL), 0, "daemon did not start");
	sock = raw_connect(d.sock);
	EXPECT_ERR(sock, "mkdir", "\"path\":\"/d\"", "");
	EXPECT_ERR(sock, "mkdir", "\"path\":\"/d/e\"", "");
	EXPECT_ERR(sock, "symlink", "\"target\":\"/d\",\"path\":\"/l\"", "");
	/* list follows a final symlink, rmdir and unlink do not */
	EXPECT_ERR(sock, "list", "\"path\":\"/l\"", "");
	EXPECT_ERR(sock, "rmdir", "\"path\":\"/l\"", "ENOTDIR");
	EXPECT_ERR(sock, "rmdir", "\"path\":\"/l/\"", "ENOTDIR");
	EXPECT_ERR(sock, "unlink", "\"path\":\"/l/\"", "ENOTDIR");
	EXPECT_ERR(sock, "stat", "\"path\":\"/l/\",\"follow\":false", "");
	/* a hard link to a symlink links the symlink */
	EXPECT_ERR(sock, "link", "\"target\":\"/l\",\"path\":\"/l2\"", "");
	EXPECT_ERR(sock, "readlink", "\"path\":\"/l2\"", "");
	EXPECT_ERR(sock, "link", "\"target\":\"/d\",\"path\":\"/d2\"", "EPERM");
	/* pin, mkdir and symlink do not follow one at the new name */
	EXPECT_ERR(sock, "mkdir", "\"path\":\"/l\"", "EEXIST");
	EXPECT_ERR(sock, "symlink", "\"target\":\"x\",\"path\":\"/l\"", "EEXIST");
	/* the shapes of path rmdir, unlink and rename refuse */
	EXPECT_ERR(sock, "rmdir", "\"path\":\"/\"", "EBUSY");
	EXPECT_ERR(sock, "rmdir", "\"path\":\"/d/.\"", "EINVAL");
	EXPECT_ERR(sock, "rmdir", "\"path\":\"/d/e/..\"", "ENOTEMPTY");
	EXPECT_ERR(sock, "unlink", "\"path\":\"/\"", "EISDIR");
	EXPECT_ERR(sock, "rename", "\"from\":\"/\",\"to\":\"/x\"", "EBUSY");
	EXPECT_ERR(sock, "rename", "\"from\":\"/d\",\"to\":\"/d/e/x\"", "EINVAL");
	/* info and get of a directory */
	EXPECT_ERR(sock, "info", "\"path\":\"/l\"", "EISDIR");
	EXPECT_ERR(sock, "get", "\"path\":\"/d\"", "EACCES");
	/* an empty target, a name with a dot, utimens leaving both times */
	EXPECT_ERR(sock, "symlink", "\"target\":\"\",\"path\":\"/s\"", "ENOENT");
	EXPECT_ERR(sock, "mkdir", "\"path\":\"/a.b\"", "EPERM");
	EXPECT_ERR(sock, "utimens", "\"path\":\"/nope\",\"atime_ns\":-1,\"mtime_ns\":-1", "");
	EXPECT_ERR(sock, "utimens", "\"path\":\"/nope\",\"atime_ns\":-1", "ENOENT");
	EXPECT_ERR(sock, "limits", "\"uid\":4294967294", "");
	close(sock);
	th_daemon_stop(&d);
}

/* The entries of one page of /dir, and its cursor. */
static int list_page(int sock, const char *dir, const char *more,
		     uint64_t *cursor)
{
	char m[256];
	struct json_object *o, *r, *e, *c;
	int n;

	snprintf(m, sizeof(m), "\"path\":\"%s\",\"cursor\":%llu%s", dir,
		 (unsigned long long)*cursor, more);
	o = call(sock, "list", m, 0);
	cr_assert(json_object_object_get_ex(o, "result", &r) &&
		  json_object_object_get_ex(r, "entries", &e) &&
		  json_object_object_get_ex(r, "cursor", &c), "list %s", m);
	n = (int)json_object_array_length(e);
	*cursor = (uint64_t)json_object_get_int64(c);
	json_object_put(o);
	return n;
}

/* The doc's rule for a page: entries until 256, or until one more would
 * take the count of 400 bytes plus 6 per name byte past 61440. */
static int doc_page(const size_t *lens, int n)
{
	size_t bytes = 0;
	int k = 0;

	while (k < n && k < 256 && bytes + 400 + 6 * lens[k] <= 61440)
		bytes += 400 + 6 * lens[k++];
	return k;
}

static void make_dirs(int sock, const char *dir, int n, size_t namelen,
		      size_t *lens)
{
	char m[512], name[300];

	snprintf(m, sizeof(m), "\"path\":\"%s\"", dir);
	free(ask(sock, "mkdir", m, 0));
	for (int i = 0; i < n; i++) {
		int len = snprintf(name, sizeof(name), "%d", i);

		while ((size_t)len < namelen)
			name[len++] = 'x';
		name[len] = '\0';
		lens[i] = (size_t)len;
		snprintf(m, sizeof(m), "\"path\":\"%s/%s\"", dir, name);
		free(ask(sock, "mkdir", m, 0));
	}
}

/* list's page size is the doc's: about 150 short names, 31 of 255 bytes,
 * never 256 of either; limit 0 or past 256 means 256; only cursor 0 ends
 * the listing, and a cursor past the end gives nothing. */
Test(protodoc, list_pages_are_as_the_doc_says, .timeout = 120)
{
	static size_t lens[300];
	struct th_daemon d;
	uint64_t cur = 0;
	int sock, n, total = 0;

	cr_assert_eq(th_daemon_start(&d, false, NULL), 0, "daemon did not start");
	sock = raw_connect(d.sock);
	make_dirs(sock, "/short", 300, 1, lens);
	n = list_page(sock, "/short", "", &cur);
	cr_expect_eq(n, doc_page(lens, 300), "first page of short names: %d", n);
	cr_expect(n >= 140 && n <= 160 && cur != 0, "%d entries, cursor %llu", n,
		  (unsigned long long)cur);
	do
		total += list_page(sock, "/short", "", &cur);
	while (cur);
	cr_expect_eq(n + total, 300, "all entries, once");
	cur = 0;
	cr_expect_eq(list_page(sock, "/short", ",\"limit\":0", &cur), n);
	cur = 0;
	cr_expect_eq(list_page(sock, "/short", ",\"limit\":100000", &cur), n);
	cur = 0;
	cr_expect_eq(list_page(sock, "/short", ",\"limit\":10", &cur), 10);
	cr_expect_neq(cur, 0);
	cur = UINT64_C(1) << 40;
	cr_expect_eq(list_page(sock, "/short", "", &cur), 0);
	cr_expect_eq(cur, 0);
	make_dirs(sock, "/long", 40, 255, lens);
	cur = 0;
	cr_expect_eq(list_page(sock, "/long", "", &cur), 31);
	cr_expect_eq(doc_page(lens, 40), 31);
	close(sock);
	th_daemon_stop(&d);
}
