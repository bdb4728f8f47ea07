/* tests/test_protodoc.c: doc/protocol.md checked against the daemon, so
 * that a client written from it works: its table of members names the
 * ops of daemon/dispatch.c and the members of tests/opspec.c (which the
 * bad-input suite shows the daemon takes, each with its type), and every
 * member it says is required is refused when absent, every optional one
 * is not. */
#include "config.h"

#include <criterion/criterion.h>
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

/* The error message of the reply to op with its members ("" if none), nfds
 * eventfds attached; "" for a result. */
static char *ask(int sock, const char *op, const char *members, int nfds)
{
	static char buf[PROTO_MSG_MAX + 1], msg[8192];
	int fds[4], rfds[PROTO_FDS_MAX], rn;
	struct json_object *o, *e, *m;
	char *out;
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
	out = strdup(json_object_object_get_ex(o, "error", &e) &&
		     json_object_object_get_ex(e, "message", &m) ?
		     json_object_get_string(m) : "");
	json_object_put(o);
	return out;
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
