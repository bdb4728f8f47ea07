/* cli/cmd_ls.c: the commands that read the namespace: ls (paged through
 * bpfpin_list's cursor, printed as it arrives, recursive with -R) and
 * stat (every attribute, and a pin's object info). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "bpfpin/bpfpin.h"
#include "cli/cli.h"
#include "cli/output.h"

/* The daemon's largest page (doc/protocol.md: list's limit). */
#define LS_PAGE 256
/* A protocol path, a '/' and a component. */
#define LS_PATH_MAX (4095 + 1 + 255 + 1)

struct ls_opts {
	bool lng;
	bool recursive;
};

/* Directories still to list with -R, in the order they were seen. */
struct dirlist {
	char **v;
	size_t n, cap;
};

static int ls_opt(int c, const char *arg, void *ctx)
{
	struct ls_opts *o = ctx;

	if (c == 'l')
		o->lng = true;
	else
		o->recursive = true;
	return 0;
}

static int join(char *buf, size_t size, const char *dir, const char *name)
{
	size_t dl = strlen(dir);
	bool slash = dl && dir[dl - 1] == '/';

	if (snprintf(buf, size, "%s%s%s", dir, slash ? "" : "/", name) >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

static int dirlist_push(struct dirlist *l, const char *path)
{
	char **v;

	if (l->n == l->cap) {
		v = realloc(l->v, (l->cap ? l->cap * 2 : 16) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = l->cap ? l->cap * 2 : 16;
	}
	l->v[l->n] = strdup(path);
	if (!l->v[l->n])
		return -ENOMEM;
	l->n++;
	return 0;
}

static void dirlist_free(struct dirlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* The target is shown by ls -l and always in JSON; a failure to read it
 * (the link replaced meanwhile) just leaves it out. */
static void show(struct bpfpin *b, struct out_node *n, bool lng)
{
	char target[4096];

	if (n->st->type == BPFPIN_NODE_SYMLINK && (lng || cli.json) &&
	    bpfpin_readlink(b, n->path, target, sizeof(target)) >= 0)
		n->target = target;
	out()->list_entry(n, lng);
	n->target = NULL;
}

static int show_page(struct bpfpin *b, const char *dir,
		     const struct bpfpin_dirent *ents, int n,
		     const struct ls_opts *o, struct dirlist *subdirs)
{
	char path[LS_PATH_MAX];

	for (int i = 0; i < n; i++) {
		struct out_node node = { .path = path, .name = ents[i].name,
					 .st = &ents[i].st };

		if (join(path, sizeof(path), dir, ents[i].name) < 0)
			return cli_fail("ls %s: %s", dir, strerror(ENAMETOOLONG));
		show(b, &node, o->lng);
		if (o->recursive && ents[i].st.type == BPFPIN_NODE_DIR &&
		    dirlist_push(subdirs, path) < 0)
			return cli_fail("ls %s: %s", dir, strerror(ENOMEM));
	}
	return CLI_OK;
}

static int list_pages(struct bpfpin *b, const char *dir,
		      const struct ls_opts *o, struct dirlist *subdirs)
{
	struct bpfpin_dirent *ents = malloc(LS_PAGE * sizeof(*ents));
	uint64_t cursor = 0;
	int n, r = CLI_OK;

	if (!ents)
		return cli_fail("ls %s: %s", dir, strerror(ENOMEM));
	do {
		n = bpfpin_list(b, dir, &cursor, ents, LS_PAGE);
		if (n < 0)
			r = cli_fail_call("ls", dir, n);
		else
			r = show_page(b, dir, ents, n, o, subdirs);
	} while (r == CLI_OK && n > 0);
	free(ents);
	return r;
}

static int list_dir(struct bpfpin *b, const char *dir,
		    const struct ls_opts *o, bool first)
{
	struct dirlist subdirs = { 0 };
	int r;

	if (o->recursive)
		out()->list_heading(dir, first);
	r = list_pages(b, dir, o, &subdirs);
	/* As ls -R: a directory that fails is reported, the rest go on. */
	for (size_t i = 0; i < subdirs.n; i++)
		if (list_dir(b, subdirs.v[i], o, false) != CLI_OK)
			r = CLI_FAIL;
	dirlist_free(&subdirs);
	return r;
}

/* As ls: a symlink named on the command line is followed, except by -l. */
static int ls_stat(struct bpfpin *b, const char *path, bool lng,
		   struct bpfpin_stat *st)
{
	int r = bpfpin_lstat(b, path, st);

	if (r == 0 && st->type == BPFPIN_NODE_SYMLINK && !lng)
		r = bpfpin_stat(b, path, st);
	return r;
}

int cmd_ls(int argc, char **argv)
{
	struct ls_opts o = { 0 };
	struct bpfpin_stat st;
	struct cli_args a;
	struct bpfpin *b;
	const char *path;
	int r = cli_args(argc, argv, "lR", NULL, ls_opt, &o, 0, &a);

	if (r)
		return r;
	if (a.argc > 1)
		return cli_usage("one PATH at most");
	path = a.argc ? a.argv[0] : "/";
	b = cli_conn();
	if (!b)
		return CLI_FAIL;
	r = ls_stat(b, path, o.lng, &st);
	if (r < 0)
		return cli_fail_call("ls", path, r);
	out()->list_begin();
	if (st.type == BPFPIN_NODE_DIR) {
		r = list_dir(b, path, &o, true);
	} else {
		struct out_node node = { .path = path, .name = path, .st = &st };

		show(b, &node, o.lng);
		r = CLI_OK;
	}
	out()->list_end();
	return r;
}

static int stat_info(struct bpfpin *b, const char *path,
		     struct json_object **info)
{
	char *json = NULL;
	int r = bpfpin_info(b, path, &json);

	if (r < 0)
		return r;
	*info = json_tokener_parse(json);
	free(json);
	return *info ? 0 : -EPROTO;
}

/* Who loaded and attached the pin; NULL when nothing is recorded. */
static int stat_prov(struct bpfpin *b, const char *path, bool follow,
		     struct json_object **prov)
{
	char *json = NULL;
	int r = bpfpin_provenance(b, path, follow, &json);

	*prov = NULL;
	if (r < 0)
		return r;
	*prov = json_tokener_parse(json);
	free(json);
	if (!*prov)
		return -EPROTO;
	if (json_object_object_length(*prov) == 0) {
		json_object_put(*prov);
		*prov = NULL;
	}
	return 0;
}

/* A sockmap bpfpind manages: what is attached, and how many members. */
static void stat_sockmap(struct bpfpin *b, const char *path, struct json_object *info)
{
	struct json_object *type, *root, *sm;
	char *json = NULL;

	if (!info || !json_object_object_get_ex(info, "type", &type) ||
	    (strcmp(json_object_get_string(type), "sockmap") &&
	     strcmp(json_object_get_string(type), "sockhash")) ||
	    bpfpin_sock_ls(b, path, &json) < 0)
		return;
	root = json_tokener_parse(json);
	free(json);
	if (root && json_object_object_get_ex(root, "sockmap", &sm))
		json_object_object_add(info, "sockmap", json_object_get(sm));
	json_object_put(root);
}

static int stat_one(struct bpfpin *b, const char *path, bool follow)
{
	struct out_node node = { .path = path, .name = path };
	struct json_object *info = NULL;
	struct bpfpin_stat st;
	char target[4096];
	int r = follow ? bpfpin_stat(b, path, &st) : bpfpin_lstat(b, path, &st);

	if (r == 0 && st.type == BPFPIN_NODE_SYMLINK) {
		r = bpfpin_readlink(b, path, target, sizeof(target));
		node.target = target;
	}
	if (r >= 0 && st.type == BPFPIN_NODE_PIN)
		r = stat_info(b, path, &info);
	if (r >= 0 && st.type == BPFPIN_NODE_PIN)
		r = stat_prov(b, path, follow, &node.prov);
	if (r >= 0)
		stat_sockmap(b, path, info);
	if (r < 0) {
		json_object_put(info);
		return cli_fail_call("stat", path, r);
	}
	node.st = &st;
	out()->node(&node, info);
	json_object_put(info);
	json_object_put(node.prov);
	return CLI_OK;
}

static int stat_opt(int c, const char *arg, void *ctx)
{
	*(bool *)ctx = true;
	return 0;
}

int cmd_stat(int argc, char **argv)
{
	struct cli_args a;
	struct bpfpin *b;
	bool follow = false;
	int r = cli_args(argc, argv, "L", NULL, stat_opt, &follow, 0, &a);

	if (r)
		return r;
	if (a.argc == 0)
		return cli_usage("expected PATH");
	b = cli_conn();
	if (!b)
		return CLI_FAIL;
	/* several nodes are one JSON array, their errors among them */
	if (a.argc > 1)
		out()->list_begin();
	for (int i = 0; i < a.argc; i++)
		if (stat_one(b, a.argv[i], follow) != CLI_OK)
			r = CLI_FAIL;
	if (a.argc > 1)
		out()->list_end();
	return r;
}
