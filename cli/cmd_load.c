/* cli/cmd_load.c: bpfpin load OBJ PATH [type TYPE] [map [name] NAME
 * PINPATH]... [pinmaps DIR] [log LEVEL], bpftool's `prog loadall`
 * grammar: the daemon loads the object file (sent as an fd) and pins its
 * programs under PATH. A failed load prints libbpf's messages and the
 * whole verifier log on stderr, as bpftool does. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bpfpin/bpfpin.h"
#include "cli/cli.h"
#include "cli/output.h"

#define LOAD_MAPS 64

struct load_cli {
	const char *obj, *path;
	struct bpfpin_load_opts o;
	struct bpfpin_load_map maps[LOAD_MAPS];
	char file[256];
};

/* "map [name] NAME PINPATH": returns the words taken, or CLI_USAGE. */
static int map_arg(struct load_cli *l, int argc, char **argv)
{
	int i = 1;

	if (i < argc && !strcmp(argv[i], "name"))
		i++;
	if (i + 1 >= argc)
		return -cli_usage("map needs a NAME and a PINPATH");
	if (!strcmp(argv[i], "idx"))
		return -cli_usage("map idx is not supported: name the map");
	if (l->o.nmaps == LOAD_MAPS)
		return -cli_usage("at most %d maps", LOAD_MAPS);
	l->maps[l->o.nmaps].name = argv[i];
	l->maps[l->o.nmaps++].path = argv[i + 1];
	return i + 2;
}

static int keyword(struct load_cli *l, int argc, char **argv)
{
	uint32_t lvl;

	if (!strcmp(argv[0], "map"))
		return map_arg(l, argc, argv);
	if (argc < 2)
		return -cli_usage("%s needs a value", argv[0]);
	if (!strcmp(argv[0], "type"))
		l->o.prog_type = argv[1];
	else if (!strcmp(argv[0], "pinmaps"))
		l->o.pinmaps = argv[1];
	else if (!strcmp(argv[0], "log")) {
		if (cli_parse_u32(argv[1], &lvl) < 0 || lvl > 7)
			return -cli_usage("log LEVEL: 0 to 7 (1 verbose, 2 very verbose, 4 stats)");
		l->o.log_level = lvl;
	} else
		return -cli_usage("unknown keyword '%s'", argv[0]);
	return 2;
}

static int parse(struct load_cli *l, const struct cli_args *a)
{
	int i = 2, n;

	if (a->argc < 2)
		return cli_usage("expected OBJ PATH");
	l->obj = a->argv[0];
	l->path = a->argv[1];
	l->o.sz = sizeof(l->o);
	l->o.umask = -1;
	l->o.maps = l->maps;
	while (i < a->argc) {
		if ((n = keyword(l, a->argc - i, a->argv + i)) < 0)
			return -n;
		i += n;
	}
	return 0;
}

/* The log memfd, as it is, on stderr. */
static void print_log(int fd)
{
	char buf[65536];
	ssize_t n;
	off_t off = 0;

	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		fwrite(buf, 1, (size_t)n, stderr);
		off += n;
	}
}

/* libbpf's messages of a failed load (in the error's log), on stderr. */
static void print_libbpf(const char *json)
{
	struct json_object *e = json ? json_tokener_parse(json) : NULL, *log, *m;

	if (e && json_object_object_get_ex(e, "log", &log) &&
	    json_object_object_get_ex(log, "libbpf", &m))
		fputs(json_object_get_string(m), stderr);
	json_object_put(e);
}

static void print_result(const char *json)
{
	struct json_object *r = json ? json_tokener_parse(json) : NULL, *ps;

	if (cli.json) {
		out()->info(BPFPIN_OBJ_NONE, r);
	} else if (r && json_object_object_get_ex(r, "programs", &ps)) {
		for (size_t i = 0; i < json_object_array_length(ps); i++) {
			struct json_object *p = json_object_array_get_idx(ps, i);

			printf("%s: prog %s %s\n",
			       json_object_get_string(json_object_object_get(p, "path")),
			       json_object_get_string(json_object_object_get(p, "id")),
			       json_object_get_string(json_object_object_get(p, "type")));
		}
		out_wrote();
	}
	json_object_put(r);
}

static int run(struct load_cli *l, struct bpfpin *b)
{
	int fd = open(l->obj, O_RDONLY | O_CLOEXEC), r;
	char tmp[4096];

	if (fd < 0)
		return cli_fail("load: %s: %s", l->obj, strerror(errno));
	snprintf(tmp, sizeof(tmp), "%s", l->obj);
	snprintf(l->file, sizeof(l->file), "%s", basename(tmp));
	l->o.file_name = l->file;
	r = bpfpin_load(b, fd, l->path, &l->o);
	close(fd);
	if (r < 0)
		print_libbpf(l->o.json);
	if (l->o.log_fd >= 0)
		print_log(l->o.log_fd);
	if (r == 0)
		print_result(l->o.json);
	if (l->o.log_fd >= 0)
		close(l->o.log_fd);
	free(l->o.json);
	return r < 0 ? cli_fail_call("load", l->obj, r) : CLI_OK;
}

int cmd_load(int argc, char **argv)
{
	struct load_cli l = { 0 };
	struct cli_args a;
	struct bpfpin *b;
	int r = cli_args(argc, argv, "", NULL, NULL, NULL, 0, &a);

	if (r || (r = parse(&l, &a)))
		return r;
	if (!(b = cli_conn()))
		return CLI_FAIL;
	return run(&l, b);
}
