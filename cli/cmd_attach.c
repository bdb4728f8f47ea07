/* cli/cmd_attach.c: attach (bpftool's `cgroup attach` grammar, and the
 * same shape for the other targets) and detach. PROG, PATH and a sockmap
 * are paths in the namespace; a cgroup or network namespace is a path on
 * this machine, opened here and sent as an fd. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "bpfpin/bpfpin.h"
#include "cli/cli.h"

struct attach_cmd {
	const char *name;
	int words;              /* words before PROG: target and type */
	bool has_type;          /* the last of them is ATTACH_TYPE */
};

static const struct attach_cmd targets[] = {
	{ "cgroup", 2, true },  /* CGROUP ATTACH_TYPE */
	{ "xdp", 1, false },    /* DEV */
	{ "tcx", 2, true },     /* DEV ingress|egress */
	{ "netns", 2, true },   /* NETNS sk_lookup|flow_dissector */
	{ "tracing", 0, false },
	{ "sockmap", 2, true }, /* MAP ATTACH_TYPE */
	{ NULL, 0, false },
};

/* [tp NAME] (tracing), [replace] PATH, [multi|override] (cgroup). */
static int tail(int argc, char **argv, const char *target,
		struct bpfpin_attach_opts *o, const char **path)
{
	int i = 0;

	if (!strcmp(target, "tracing") && i + 1 < argc && !strcmp(argv[i], "tp")) {
		o->tp_name = argv[i + 1];
		i += 2;
	}
	if (i < argc && !strcmp(argv[i], "replace")) {
		o->replace = 1;
		i++;
	}
	if (i >= argc)
		return cli_usage("expected PATH, where the link is pinned");
	*path = argv[i++];
	if (i < argc && !strcmp(target, "cgroup") && !strcmp(argv[i], "multi"))
		i++;
	else if (i < argc && !strcmp(target, "cgroup") && !strcmp(argv[i], "override"))
		return cli_usage("a cgroup link is always multi: override is "
				 "BPF_PROG_ATTACH's, which makes no link");
	if (i < argc)
		return cli_usage("unexpected '%s'", argv[i]);
	return 0;
}

/* Open the machine's CGROUP or NETNS for the daemon. */
static int open_target(const char *target, const char *path, int *fd)
{
	int flags = O_RDONLY | O_CLOEXEC;

	if (!strcmp(target, "cgroup"))
		flags |= O_DIRECTORY;
	*fd = open(path, flags);
	if (*fd < 0)
		return cli_fail("attach: %s: %s", path, strerror(errno));
	return 0;
}

static int set_target(const struct attach_cmd *t, char **w,
		      struct bpfpin_attach_opts *o)
{
	if (t->has_type)
		o->attach_type = w[t->words - 1];
	if (!strcmp(t->name, "cgroup") || !strcmp(t->name, "netns"))
		return open_target(t->name, w[0], &o->target_fd);
	if (!strcmp(t->name, "sockmap"))
		o->map = w[0];
	else if (t->words)
		o->dev = w[0];
	return 0;
}

int cmd_attach(int argc, char **argv)
{
	struct bpfpin_attach_opts o = { .sz = sizeof(o), .target_fd = -1, .umask = -1 };
	const struct attach_cmd *t;
	const char *path = NULL;
	struct cli_args a;
	struct bpfpin *b;
	int r = cli_args(argc, argv, "", NULL, NULL, NULL, 0, &a), i;

	if (r)
		return r;
	i = a.argc ? CLI_MATCH(a.argv[0], targets) : -ENOENT;
	if (i < 0)
		return cli_usage("expected cgroup, xdp, tcx, netns, tracing or sockmap");
	t = &targets[i];
	o.target = t->name;
	if (a.argc < 2 + t->words + 1)
		return cli_usage("too few arguments for %s", t->name);
	if ((r = tail(a.argc - 2 - t->words, a.argv + 2 + t->words, t->name, &o, &path)))
		return r;
	if ((r = set_target(t, a.argv + 1, &o)))
		return r;
	b = cli_conn();
	r = b ? bpfpin_attach(b, a.argv[1 + t->words], path, &o) : 0;
	if (o.target_fd >= 0)
		close(o.target_fd);
	if (!b)
		return CLI_FAIL;
	return r < 0 ? cli_fail_call("attach", path, r) : CLI_OK;
}

int cmd_detach(int argc, char **argv)
{
	struct cli_args a;
	struct bpfpin *b;
	int r = cli_args(argc, argv, "", NULL, NULL, NULL, 0, &a), status = CLI_OK;

	if (r)
		return r;
	if (a.argc == 0)
		return cli_usage("expected PATH");
	if (!(b = cli_conn()))
		return CLI_FAIL;
	for (int k = 0; k < a.argc; k++)
		if ((r = bpfpin_detach(b, a.argv[k])) < 0)
			status = cli_fail_call("detach", a.argv[k], r);
	return status;
}
