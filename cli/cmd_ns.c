/* cli/cmd_ns.c: the commands that change the namespace, each the coreutils
 * tool of the same name over one libbpfpin call: rm, mkdir, rmdir, mv,
 * ln, chmod, chown. Commands taking several paths go on after a failure
 * and exit 1, as coreutils do. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bpfpin/bpfpin.h"
#include "cli/cli.h"
#include "cli/ids.h"
#include "cli/mode.h"

/* A protocol path, a '/' and a component. */
#define NS_PATH_MAX (4095 + 1 + 255 + 1)

typedef int (*path_fn)(struct bpfpin *b, const char *path, void *ctx);

/* fn on every path of argv, reporting failures as "VERB PATH: why". */
static int each_path(int argc, char **argv, const char *verb, path_fn fn,
		     void *ctx)
{
	struct bpfpin *b = cli_conn();
	int status = CLI_OK, r;

	if (!b)
		return CLI_FAIL;
	for (int i = 0; i < argc; i++) {
		r = fn(b, argv[i], ctx);
		if (r < 0)
			status = cli_fail_call(verb, argv[i], r);
	}
	return status;
}

static mode_t current_umask(void)
{
	mode_t m = umask(0);

	umask(m);
	return m;
}

static int unlink_one(struct bpfpin *b, const char *path, void *ctx)
{
	return bpfpin_unlink(b, path);
}

static int rmdir_one(struct bpfpin *b, const char *path, void *ctx)
{
	return bpfpin_rmdir(b, path);
}

/* A command of one or more paths and no options. */
static int paths_cmd(int argc, char **argv, const char *verb, path_fn fn)
{
	struct cli_args a;
	int r = cli_args(argc, argv, "", NULL, NULL, NULL, 0, &a);

	if (r)
		return r;
	if (a.argc == 0)
		return cli_usage("expected PATH...");
	return each_path(a.argc, a.argv, verb, fn, NULL);
}

int cmd_rm(int argc, char **argv)
{
	return paths_cmd(argc, argv, "rm", unlink_one);
}

int cmd_rmdir(int argc, char **argv)
{
	return paths_cmd(argc, argv, "rmdir", rmdir_one);
}

struct mkdir_opts {
	bool parents;
	const char *mode_spec;
	uint32_t mode;
};

static int mkdir_opt(int c, const char *arg, void *ctx)
{
	struct mkdir_opts *o = ctx;

	if (c == 'p')
		o->parents = true;
	else
		o->mode_spec = arg;
	return 0;
}

/* mkdir -p: an existing directory is fine, anything else existing is not. */
static int mkdir_existing(struct bpfpin *b, const char *path, int r)
{
	struct bpfpin_stat st;

	if (r != -EEXIST || bpfpin_stat(b, path, &st) < 0)
		return r;
	return st.type == BPFPIN_NODE_DIR ? 0 : r;
}

static int make_parents(struct bpfpin *b, const char *path)
{
	char buf[NS_PATH_MAX];
	int r;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = strchr(buf + 1, '/'); p; p = strchr(p + 1, '/')) {
		if (p[-1] == '/')
			continue;
		*p = '\0';
		r = mkdir_existing(b, buf, bpfpin_mkdir(b, buf, 0777));
		*p = '/';
		if (r < 0)
			return r;
	}
	return 0;
}

/* The daemon applies the umask, which -m must not: the mode is set again
 * after the directory exists (as coreutils do), never wider meanwhile. */
static int mkdir_one(struct bpfpin *b, const char *path, void *ctx)
{
	const struct mkdir_opts *o = ctx;
	int r = o->parents ? make_parents(b, path) : 0;

	if (r < 0)
		return r;
	r = bpfpin_mkdir(b, path, o->mode_spec ? o->mode : 0777);
	if (r == -EEXIST && o->parents)
		return mkdir_existing(b, path, r);
	if (r == 0 && o->mode_spec)
		r = bpfpin_chmod(b, path, o->mode);
	return r;
}

int cmd_mkdir(int argc, char **argv)
{
	struct mkdir_opts o = { 0 };
	struct cli_args a;
	int r = cli_args(argc, argv, "pm:", NULL, mkdir_opt, &o, 0, &a);

	if (r)
		return r;
	if (a.argc == 0)
		return cli_usage("expected PATH...");
	if (o.mode_spec && mode_parse(o.mode_spec, S_IFDIR | 0777,
				      current_umask(), &o.mode) < 0)
		return cli_usage("invalid mode '%s'", o.mode_spec);
	return each_path(a.argc, a.argv, "mkdir", mkdir_one, &o);
}

struct mv_opts {
	unsigned int flags;
	bool no_target_dir;
};

static int mv_opt(int c, const char *arg, void *ctx)
{
	struct mv_opts *o = ctx;
	unsigned int flag = c == 'n' ? RENAME_NOREPLACE :
			    c == 'x' ? RENAME_EXCHANGE : 0;

	if (c == 'T') {
		o->no_target_dir = true;
		return 0;
	}
	if (o->flags && o->flags != flag)
		return cli_usage("--noreplace and --exchange exclude each other");
	o->flags = flag;
	return 0;
}

/* The last component of path, without trailing slashes: (start, len). */
static const char *last_component(const char *path, size_t *len)
{
	const char *end = path + strlen(path), *start;

	while (end > path + 1 && end[-1] == '/')
		end--;
	for (start = end; start > path && start[-1] != '/'; start--)
		;
	*len = (size_t)(end - start);
	return start;
}

/* As mv(1): "mv /a/x /b" with /b a directory means /b/x. */
static int mv_target(struct bpfpin *b, const char *from, const char *to,
		     char *buf, size_t size)
{
	struct bpfpin_stat st;
	const char *name;
	size_t len, tl = strlen(to);

	if (bpfpin_stat(b, to, &st) < 0 || st.type != BPFPIN_NODE_DIR) {
		snprintf(buf, size, "%s", to);
		return 0;
	}
	name = last_component(from, &len);
	if (snprintf(buf, size, "%s%s%.*s", to, tl && to[tl - 1] == '/' ? "" : "/",
		     (int)len, name) >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

static const struct option mv_longopts[] = {
	{ "noreplace", no_argument, NULL, 'n' },
	{ "exchange", no_argument, NULL, 'x' },
	{ "no-target-directory", no_argument, NULL, 'T' },
	{ NULL, 0, NULL, 0 },
};

int cmd_mv(int argc, char **argv)
{
	char to[NS_PATH_MAX], pair[2 * NS_PATH_MAX];
	struct mv_opts o = { 0 };
	struct cli_args a;
	struct bpfpin *b;
	int r = cli_args(argc, argv, "nxT", mv_longopts, mv_opt, &o, 0, &a);

	if (r)
		return r;
	if (a.argc != 2)
		return cli_usage("expected FROM TO");
	b = cli_conn();
	if (!b)
		return CLI_FAIL;
	snprintf(to, sizeof(to), "%s", a.argv[1]);
	r = o.flags || o.no_target_dir ? 0 :
	    mv_target(b, a.argv[0], a.argv[1], to, sizeof(to));
	if (r == 0)
		r = bpfpin_rename(b, a.argv[0], to, o.flags);
	snprintf(pair, sizeof(pair), "%s %s", a.argv[0], to);
	return r < 0 ? cli_fail_call("mv", pair, r) : CLI_OK;
}

static int ln_opt(int c, const char *arg, void *ctx)
{
	*(bool *)ctx = true;
	return 0;
}

int cmd_ln(int argc, char **argv)
{
	struct cli_args a;
	struct bpfpin *b;
	bool sym = false;
	int r = cli_args(argc, argv, "s", NULL, ln_opt, &sym, 0, &a);

	if (r)
		return r;
	if (a.argc != 2)
		return cli_usage("expected TARGET PATH");
	b = cli_conn();
	if (!b)
		return CLI_FAIL;
	r = sym ? bpfpin_symlink(b, a.argv[0], a.argv[1]) :
		  bpfpin_link(b, a.argv[0], a.argv[1]);
	return r < 0 ? cli_fail_call("ln", a.argv[1], r) : CLI_OK;
}

struct chmod_ctx {
	const char *spec;
	mode_t umask;
};

/* A symbolic mode is relative to the current one, read per path. */
static int chmod_one(struct bpfpin *b, const char *path, void *ctx)
{
	const struct chmod_ctx *c = ctx;
	struct bpfpin_stat st = { .mode = 0 };
	uint32_t mode;
	int r = mode_is_octal(c->spec) ? 0 : bpfpin_stat(b, path, &st);

	if (r < 0)
		return r;
	if (mode_parse(c->spec, st.mode, c->umask, &mode) < 0)
		return -EINVAL;
	return bpfpin_chmod(b, path, mode);
}

int cmd_chmod(int argc, char **argv)
{
	struct chmod_ctx c;
	struct cli_args a;
	uint32_t probe;
	int r = cli_args(argc, argv, "", NULL, NULL, NULL, 0, &a);

	if (r)
		return r;
	if (a.argc < 2)
		return cli_usage("expected MODE PATH...");
	c = (struct chmod_ctx){ .spec = a.argv[0], .umask = current_umask() };
	if (mode_parse(c.spec, 0, c.umask, &probe) < 0)
		return cli_usage("invalid mode '%s'", c.spec);
	return each_path(a.argc - 1, a.argv + 1, "chmod", chmod_one, &c);
}

struct owner {
	uid_t uid;
	gid_t gid;
};

static int chown_one(struct bpfpin *b, const char *path, void *ctx)
{
	const struct owner *o = ctx;

	return bpfpin_chown(b, path, o->uid, o->gid);
}

int cmd_chown(int argc, char **argv)
{
	struct cli_args a;
	struct owner o;
	int r = cli_args(argc, argv, "", NULL, NULL, NULL, 0, &a);

	if (r)
		return r;
	if (a.argc < 2)
		return cli_usage("expected OWNER[:GROUP] PATH...");
	r = ids_parse_owner(a.argv[0], &o.uid, &o.gid);
	if (r == -ENOENT)
		return cli_fail("chown: invalid user or group '%s'", a.argv[0]);
	if (r < 0)
		return cli_usage("invalid owner '%s'", a.argv[0]);
	return each_path(a.argc - 1, a.argv + 1, "chown", chown_one, &o);
}
