/* cli/cmd_sock.c: bpfpin sock {add|rm|kill|ls}: sockets handed to a
 * sockmap bpfpind manages (an fd this command inherited, or another
 * process's by pid), removed, ended, and listed with their counters. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "bpfpin/bpfpin.h"
#include "cli/cli.h"
#include "cli/output.h"

struct add_words {
	const char *key, *peer_key, *fd, *peer_fd, *pid;
	bool give, lend, replace, accept;
};

static int add_parse(int argc, char **argv, struct add_words *w)
{
	struct { const char *name; const char **v; bool *f; } t[] = {
		{ "key", &w->key, NULL }, { "peer-key", &w->peer_key, NULL },
		{ "fd", &w->fd, NULL }, { "peer-fd", &w->peer_fd, NULL },
		{ "pid", &w->pid, NULL }, { "give", NULL, &w->give },
		{ "lend", NULL, &w->lend }, { "replace", NULL, &w->replace },
		{ "accept", NULL, &w->accept },
	};

	for (int i = 0; i < argc; i++) {
		size_t k = 0;

		while (k < sizeof(t) / sizeof(t[0]) && strcmp(t[k].name, argv[i]))
			k++;
		if (k == sizeof(t) / sizeof(t[0]))
			return cli_usage("unexpected '%s'", argv[i]);
		if (t[k].f) {
			*t[k].f = true;
		} else if (++i < argc) {
			*t[k].v = argv[i];
		} else {
			return cli_usage("'%s' needs a value", t[k].name);
		}
	}
	if (!w->fd)
		return cli_usage("expected fd N (with pid PID: that process's fd N)");
	if (w->give + w->lend + w->accept > 1)
		return cli_usage("one of give, lend and accept");
	return 0;
}

static int num(const char *what, const char *s, int *out)
{
	uint32_t v;

	if (!s)
		return 0;
	if (cli_parse_u32(s, &v) < 0 || v > INT32_MAX)
		return cli_usage("%s must be a number, not '%s'", what, s);
	*out = (int)v;
	return 0;
}

static int sock_add(int argc, char **argv)
{
	struct bpfpin_sock_opts o = { .sz = sizeof(o), .peer_fd = -1 };
	struct add_words w = { 0 };
	struct bpfpin *b;
	char *res = NULL;
	int fd = -1, r;

	if (argc < 1)
		return cli_usage("expected PATH");
	if ((r = add_parse(argc - 1, argv + 1, &w)) || (r = num("fd", w.fd, &fd)) ||
	    (r = num("peer-fd", w.peer_fd, &o.peer_fd)) || (r = num("pid", w.pid, &o.pid)))
		return r;
	o.key = w.key;
	o.peer_key = w.peer_key;
	o.give = w.give;
	o.accept = w.accept;
	o.replace = w.replace;
	if (!(b = cli_conn()))
		return CLI_FAIL;
	r = bpfpin_sock_add(b, argv[0], fd, &o, &res);
	if (r < 0)
		return cli_fail_call("sock add", argv[0], r);
	if (cli.json) {
		struct json_object *j = json_tokener_parse(res);

		out()->info(BPFPIN_OBJ_NONE, j);
		json_object_put(j);
	}
	free(res);
	return CLI_OK;
}

/* rm and kill: PATH {key K|cookie C}. */
static int on_member(int argc, char **argv, const char *verb,
		     int (*fn)(struct bpfpin *, const char *, const char *, uint64_t))
{
	unsigned long long cookie = 0;
	const char *key = NULL;
	struct bpfpin *b;
	char *end;
	int r;

	if (argc != 3 || (strcmp(argv[1], "key") && strcmp(argv[1], "cookie")))
		return cli_usage("expected PATH key K, or PATH cookie C");
	if (!strcmp(argv[1], "key")) {
		key = argv[2];
	} else {
		errno = 0;
		cookie = strtoull(argv[2], &end, 10);
		if (errno || *end || !cookie)
			return cli_usage("a cookie is a number, not '%s'", argv[2]);
	}
	if (!(b = cli_conn()))
		return CLI_FAIL;
	r = fn(b, argv[0], key, cookie);
	return r < 0 ? cli_fail_call(verb, argv[0], r) : CLI_OK;
}

static int sock_rm(int argc, char **argv)
{
	return on_member(argc, argv, "sock rm", bpfpin_sock_rm);
}

static int sock_kill(int argc, char **argv)
{
	return on_member(argc, argv, "sock kill", bpfpin_sock_kill);
}

static const char *str(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && !json_object_is_type(v, json_type_null) ?
	       json_object_get_string(v) : "-";
}

static long long cnt(struct json_object *o, const char *k)
{
	struct json_object *c, *v;

	return json_object_object_get_ex(o, "counters", &c) &&
	       json_object_object_get_ex(c, k, &v) ? json_object_get_int64(v) : 0;
}

static void print_member(struct json_object *m)
{
	char kind[32];

	snprintf(kind, sizeof(kind), "%s/%s", str(m, "family"), str(m, "type"));
	printf("%-10s %-8s %-13s %-23s %-23s %-11s %-4s %6s %7s %10lld %10lld\n",
	       str(m, "key"), str(m, "cookie"), kind, str(m, "local"), str(m, "remote"),
	       str(m, "tcp_state"), str(m, "mode"), str(m, "uid"), str(m, "pid"),
	       cnt(m, "rx_bytes"), cnt(m, "tx_bytes"));
}

static void print_attached(struct json_object *root)
{
	struct json_object *sm, *a;

	if (!json_object_object_get_ex(root, "sockmap", &sm) ||
	    !json_object_object_get_ex(sm, "attached", &a))
		return;
	json_object_object_foreach(a, hook, label)
		printf("%s: %s\n", hook, json_object_get_string(label));
}

int cli_path_json(int argc, char **argv, const char *verb, cli_json_call fn,
		  struct json_object **root)
{
	struct bpfpin *b;
	char *res = NULL;
	int r;

	if (argc != 1)
		return cli_usage("expected PATH");
	if (!(b = cli_conn()))
		return CLI_FAIL;
	if ((r = fn(b, argv[0], &res)) < 0)
		return cli_fail_call(verb, argv[0], r);
	*root = json_tokener_parse(res);
	free(res);
	if (!*root)
		return cli_fail("%s: the daemon's reply is no JSON", verb);
	return CLI_OK;
}

static int sock_ls(int argc, char **argv)
{
	struct json_object *root, *m;
	int r = cli_path_json(argc, argv, "sock ls", bpfpin_sock_ls, &root);

	if (r != CLI_OK)
		return r;
	if (cli.json) {
		out()->info(BPFPIN_OBJ_NONE, root);
	} else {
		print_attached(root);
		printf("%-10s %-8s %-13s %-23s %-23s %-11s %-4s %6s %7s %10s %10s\n", "KEY",
		       "COOKIE", "KIND", "LOCAL", "REMOTE", "STATE", "MODE", "UID", "PID",
		       "RX_BYTES", "TX_BYTES");
		if (json_object_object_get_ex(root, "members", &m))
			for (size_t i = 0; i < json_object_array_length(m); i++)
				print_member(json_object_array_get_idx(m, i));
	}
	json_object_put(root);
	return CLI_OK;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} sock_cmds[] = {
	{ "add", sock_add }, { "rm", sock_rm }, { "kill", sock_kill },
	{ "ls", sock_ls }, { NULL, NULL },
};

int cmd_sock(int argc, char **argv)
{
	struct cli_args a;
	int r = cli_args(argc, argv, "", NULL, NULL, NULL, 0, &a), i;

	if (r)
		return r;
	i = a.argc ? CLI_MATCH(a.argv[0], sock_cmds) : -ENOENT;
	if (i < 0)
		return cli_usage("expected add, rm, kill or ls");
	return sock_cmds[i].fn(a.argc - 1, a.argv + 1);
}
