/* cli/cmd_limits.c: bpfpin limits [uid UID]: what a uid holds of the
 * daemon (connections, requests, queued fds, nodes, symlink bytes,
 * snapshots) beside each limit, as a table or, with -j, as the protocol's
 * `limits` result. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "bpfpin/bpfpin.h"
#include "cli/cli.h"
#include "cli/ids.h"
#include "cli/output.h"

struct limits_row {
	const char *name;
	const struct bpfpin_usage *u;
};

static size_t limits_rows(const struct bpfpin_limits *l, struct limits_row *rows)
{
	const struct limits_row all[] = {
		{ "connections", &l->connections },
		{ "requests", &l->requests },
		{ "queued_fds", &l->queued_fds },
		{ "nodes", &l->nodes },
		{ "symlink_bytes", &l->symlink_bytes },
		{ "snapshots", &l->snapshots },
	};

	memcpy(rows, all, sizeof(all));
	return sizeof(all) / sizeof(all[0]);
}

static struct json_object *limits_json(const struct bpfpin_limits *l)
{
	struct json_object *o = json_object_new_object();
	struct limits_row rows[8];
	size_t n = limits_rows(l, rows);

	json_object_object_add(o, "uid", json_object_new_int64(l->uid));
	json_object_object_add(o, "limited", json_object_new_boolean(l->limited));
	for (size_t i = 0; i < n; i++) {
		struct json_object *p = json_object_new_object();

		json_object_object_add(p, "used", json_object_new_uint64(rows[i].u->used));
		json_object_object_add(p, "limit", json_object_new_uint64(rows[i].u->limit));
		json_object_object_add(o, rows[i].name, p);
	}
	return o;
}

/* Through the JSON backend, so -p lays it out as bpftool would. */
static void print_json(const struct bpfpin_limits *l)
{
	struct json_object *o = limits_json(l);

	out()->info(BPFPIN_OBJ_NONE, o);
	json_object_put(o);
}

static void print_text(const struct bpfpin_limits *l)
{
	struct limits_row rows[8];
	size_t n = limits_rows(l, rows);

	printf("uid %u (%s)%s\n", l->uid, ids_user(l->uid),
	       l->limited ? "" : ": no per-uid limits");
	for (size_t i = 0; i < n; i++) {
		printf("  %-14s %10llu", rows[i].name,
		       (unsigned long long)rows[i].u->used);
		if (rows[i].u->limit)
			printf(" of %llu", (unsigned long long)rows[i].u->limit);
		putchar('\n');
	}
}

/* "uid UID", UID a number or a user name. */
static int limits_uid(const struct cli_args *a, uid_t *uid)
{
	gid_t gid;
	int r;

	*uid = (uid_t)-1;
	if (a->argc == 0)
		return 0;
	if (a->argc != 2 || strcmp(a->argv[0], "uid") != 0)
		return cli_usage("expected nothing or uid UID");
	if (strchr(a->argv[1], ':'))
		return cli_usage("bad uid '%s'", a->argv[1]);
	r = ids_parse_owner(a->argv[1], uid, &gid);
	if (r < 0 || *uid == (uid_t)-1)
		return cli_usage("%s uid '%s'", r == -ENOENT ? "unknown" : "bad",
				 a->argv[1]);
	return 0;
}

int cmd_limits(int argc, char **argv)
{
	struct bpfpin_limits l = { .sz = sizeof(l) };
	struct cli_args a;
	struct bpfpin *b;
	uid_t uid;
	int r = cli_args(argc, argv, "", NULL, NULL, NULL, 0, &a);

	if (r || (r = limits_uid(&a, &uid)))
		return r;
	if (!(b = cli_conn()))
		return CLI_FAIL;
	r = bpfpin_limits(b, uid, &l);
	if (r < 0)
		return cli_fail("limits: %s",
				*cli_errmsg() ? cli_errmsg() : strerror(-r));
	if (cli.json) {
		print_json(&l);
	} else {
		print_text(&l);
		out_wrote();
	}
	return CLI_OK;
}
