/* cli/cmd_sockmap.c: bpfpin sockmap {create|attach|detach} and bpfpin
 * sock {add|rm|kill|ls}: sockmaps bpfpind owns and the sockets handed to
 * them. PATH is a sockmap pinned in the namespace; PROG a program pinned
 * there (a path) or a built-in by name; CGROUP a cgroup v2 directory on
 * this machine, opened here and sent as an fd. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bpfpin/bpfpin.h"
#include "cli/cli.h"
#include "cli/output.h"

/* "WORD VALUE" pairs and lone words after PATH, by a table. */
struct word {
	const char *name;
	bool takes_value;
	const char **value;
	bool *flag;
};

static int words(int argc, char **argv, const struct word *t)
{
	for (int i = 0; i < argc; i++) {
		const struct word *w = t;

		while (w->name && strcmp(w->name, argv[i]))
			w++;
		if (!w->name)
			return cli_usage("unexpected '%s'", argv[i]);
		if (w->takes_value) {
			if (++i >= argc)
				return cli_usage("'%s' needs a value", w->name);
			*w->value = argv[i];
		} else {
			*w->flag = true;
		}
	}
	return 0;
}

static int u32_arg(const char *what, const char *s, uint32_t *out)
{
	if (s && cli_parse_u32(s, out) < 0)
		return cli_usage("%s must be a number, not '%s'", what, s);
	return 0;
}

static int sockmap_create(int argc, char **argv)
{
	struct bpfpin_sockmap_opts o = { .sz = sizeof(o), .umask = -1 };
	const char *max = NULL, *ks = NULL;
	bool map = false, hash = false;
	const struct word t[] = {
		{ "sockmap", false, NULL, &map }, { "sockhash", false, NULL, &hash },
		{ "max", true, &max, NULL }, { "key-size", true, &ks, NULL }, { NULL },
	};
	struct bpfpin *b;
	int r;

	if (argc < 1)
		return cli_usage("expected PATH");
	if ((r = words(argc - 1, argv + 1, t)) || (r = u32_arg("max", max, &o.max_entries)) ||
	    (r = u32_arg("key-size", ks, &o.key_size)))
		return r;
	if (map && hash)
		return cli_usage("sockmap or sockhash, not both");
	o.type = hash ? "sockhash" : "sockmap";
	if (!(b = cli_conn()))
		return CLI_FAIL;
	r = bpfpin_sockmap_create(b, argv[0], &o);
	return r < 0 ? cli_fail_call("sockmap create", argv[0], r) : CLI_OK;
}

static int sockmap_attach(int argc, char **argv)
{
	const char *cgroup = NULL;
	bool replace = false;
	const struct word t[] = {
		{ "cgroup", true, &cgroup, NULL }, { "replace", false, NULL, &replace },
		{ NULL },
	};
	struct bpfpin *b;
	int fd = -1, r;

	if (argc < 3)
		return cli_usage("expected PATH HOOK PROG");
	if ((r = words(argc - 3, argv + 3, t)))
		return r;
	if (cgroup && (fd = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return cli_fail("sockmap attach: %s: %s", cgroup, strerror(errno));
	b = cli_conn();
	r = b ? bpfpin_sockmap_attach(b, argv[0], argv[1], argv[2], fd, replace) : 0;
	if (fd >= 0)
		close(fd);
	if (!b)
		return CLI_FAIL;
	return r < 0 ? cli_fail_call("sockmap attach", argv[0], r) : CLI_OK;
}

static int sockmap_detach(int argc, char **argv)
{
	struct bpfpin *b;
	int r;

	if (argc != 2)
		return cli_usage("expected PATH HOOK");
	if (!(b = cli_conn()))
		return CLI_FAIL;
	r = bpfpin_sockmap_detach(b, argv[0], argv[1]);
	return r < 0 ? cli_fail_call("sockmap detach", argv[0], r) : CLI_OK;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} sockmap_cmds[] = {
	{ "create", sockmap_create }, { "attach", sockmap_attach },
	{ "detach", sockmap_detach }, { NULL, NULL },
};

int cmd_sockmap(int argc, char **argv)
{
	struct cli_args a;
	int r = cli_args(argc, argv, "", NULL, NULL, NULL, 0, &a), i;

	if (r)
		return r;
	i = a.argc ? CLI_MATCH(a.argv[0], sockmap_cmds) : -ENOENT;
	if (i < 0)
		return cli_usage("expected create, attach or detach");
	return sockmap_cmds[i].fn(a.argc - 1, a.argv + 1);
}
