/* cli/cmd_tap.c: bpfpin tap rule {add|rm|ls}: the socket tap's rules of
 * a sockmap bpfpind manages, which the tap built-in applies per message. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "bpfpin/bpfpin.h"
#include "cli/cli.h"
#include "cli/output.h"

static bool is_dir(const char *w)
{
	return !strcmp(w, "rx") || !strcmp(w, "tx") || !strcmp(w, "both");
}

static bool is_action(const char *w)
{
	return !strcmp(w, "pass") || !strcmp(w, "drop") || !strcmp(w, "disconnect");
}

/* PATH [rx|tx|both] PREFIX [ACTION] */
static int rule_change(int argc, char **argv, bool add)
{
	const char *dir = NULL, *action = NULL, *prefix;
	struct bpfpin *b;
	int i = 1, r;

	if (argc < 2)
		return cli_usage("expected PATH [rx|tx|both] PREFIX%s", add ? " [ACTION]" : "");
	if (is_dir(argv[i]) && i + 1 < argc)
		dir = argv[i++];
	prefix = argv[i++];
	if (add && i < argc && is_action(argv[i]))
		action = argv[i++];
	if (i < argc)
		return cli_usage("unexpected '%s'", argv[i]);
	if (!(b = cli_conn()))
		return CLI_FAIL;
	r = add ? bpfpin_tap_add(b, argv[0], prefix, dir, action) :
		  bpfpin_tap_rm(b, argv[0], prefix, dir);
	return r < 0 ? cli_fail_call(add ? "tap rule add" : "tap rule rm", argv[0], r) :
		       CLI_OK;
}

static int rule_ls(int argc, char **argv)
{
	struct json_object *root, *rules;
	int r = cli_path_json(argc, argv, "tap rule ls", bpfpin_tap_ls, &root);

	if (r != CLI_OK)
		return r;
	if (cli.json)
		out()->info(BPFPIN_OBJ_NONE, root);
	else if (json_object_object_get_ex(root, "rules", &rules))
		for (size_t k = 0; k < json_object_array_length(rules); k++) {
			struct json_object *o = json_object_array_get_idx(rules, k), *v;
			const char *f[3] = { "dir", "prefix", "action" }, *s[3];

			for (int j = 0; j < 3; j++)
				s[j] = json_object_object_get_ex(o, f[j], &v) ?
				       json_object_get_string(v) : "?";
			printf("%-4s %-34s %s\n", s[0], s[1], s[2]);
		}
	json_object_put(root);
	return CLI_OK;
}

int cmd_tap(int argc, char **argv)
{
	struct cli_args a;
	int r = cli_args(argc, argv, "", NULL, NULL, NULL, 0, &a);

	if (r)
		return r;
	if (a.argc < 2 || strcmp(a.argv[0], "rule"))
		return cli_usage("expected rule {add|rm|ls}");
	if (!strcmp(a.argv[1], "add"))
		return rule_change(a.argc - 2, a.argv + 2, true);
	if (!strcmp(a.argv[1], "rm"))
		return rule_change(a.argc - 2, a.argv + 2, false);
	if (!strcmp(a.argv[1], "ls"))
		return rule_ls(a.argc - 2, a.argv + 2);
	return cli_usage("expected rule {add|rm|ls}");
}
