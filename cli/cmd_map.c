/* cli/cmd_map.c: the commands that read a map's contents: dump and
 * lookup. The daemon hands over a read-only fd and the entries are read
 * and formatted here, by bpf/'s dump code, so a big dump costs the daemon
 * one GET. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bpf/dump.h"
#include "bpfpin/bpfpin.h"
#include "cli/cli.h"
#include "cli/output.h"

/* A large hash map is read by a thread per CPU; all but the first spill
 * their part to an unlinked file in $TMPDIR. */
static struct dump_opts dump_options(void)
{
	const char *tmp = getenv("TMPDIR");

	return (struct dump_opts){
		.pretty = cli.pretty,
		.format = cli.json ? DUMP_JSON : DUMP_TABLE,
		.kallsyms = 1,
		.spill_dir = tmp && *tmp ? tmp : "/tmp",
	};
}

static int get_rdonly(const char *verb, const char *path, int *fd)
{
	struct bpfpin *b = cli_conn();

	if (!b)
		return CLI_FAIL;
	*fd = bpfpin_get(b, path, O_RDONLY);
	return *fd < 0 ? cli_fail_call(verb, path, *fd) : CLI_OK;
}

int cmd_dump(int argc, char **argv)
{
	struct dump_opts opts;
	struct cli_args a;
	int r = cli_args(argc, argv, "", NULL, NULL, NULL, 0, &a), fd;

	if (r)
		return r;
	if (a.argc != 1)
		return cli_usage("expected PATH");
	r = get_rdonly("dump", a.argv[0], &fd);
	if (r)
		return r;
	opts = dump_options();
	out_flush();
	out_wrote();
	r = dump_map(fd, STDOUT_FILENO, &opts);
	close(fd);
	if (r == -EAGAIN)
		return cli_fail("dump %s: the map changed too much while it was "
				"read; run it again", a.argv[0]);
	return r < 0 ? cli_fail("dump %s: %s", a.argv[0], strerror(-r)) : CLI_OK;
}

/* The key's words as one string ("01 00 00 00"); a leading "key" is
 * bpftool's keyword and is skipped. */
static char *key_text(int argc, char **argv)
{
	size_t len = 1;
	char *s;

	if (argc > 1 && strcmp(argv[0], "key") == 0) {
		argc--;
		argv++;
	}
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	for (int i = 0; s && i < argc; i++) {
		strcat(s, i ? " " : "");
		strcat(s, argv[i]);
	}
	return s;
}

static int parse_key(int fd, const char *path, const char *text, void **key,
		     uint32_t *key_size)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);
	char err[256] = "";
	int r = bpf_obj_get_info_by_fd(fd, &info, &len);

	if (r < 0)
		return cli_fail("lookup %s: %s", path, strerror(-r));
	*key_size = info.key_size;
	*key = calloc(1, info.key_size ? info.key_size : 1);
	if (!*key)
		return cli_fail("lookup %s: %s", path, strerror(ENOMEM));
	r = dump_parse_key(fd, text, *key, info.key_size, err, sizeof(err));
	if (r < 0)
		return cli_usage("bad key '%s': %s", text,
				 err[0] ? err : strerror(-r));
	return CLI_OK;
}

static int lookup(int fd, const char *path, const char *text)
{
	struct dump_opts opts = dump_options();
	uint32_t key_size = 0;
	void *key = NULL;
	int r = parse_key(fd, path, text, &key, &key_size);

	if (r == CLI_OK) {
		out_flush();
		r = dump_lookup(fd, key, key_size, STDOUT_FILENO, &opts);
		if (r == -ENOENT && cli.json) {
			/* nothing written: out_end prints null, as bpftool */
			r = CLI_FAIL;
		} else {
			if (r == -ENOENT)
				r = cli_fail("lookup %s: key not found", path);
			else if (r < 0)
				r = cli_fail("lookup %s: %s", path,
					     strerror(-r));
			else
				r = CLI_OK;
			out_wrote();
		}
	}
	free(key);
	return r;
}

int cmd_lookup(int argc, char **argv)
{
	struct cli_args a;
	char *text;
	int r = cli_args(argc, argv, "", NULL, NULL, NULL, 0, &a), fd;

	if (r)
		return r;
	if (a.argc < 2)
		return cli_usage("expected PATH KEY...");
	text = key_text(a.argc - 1, a.argv + 1);
	if (!text)
		return cli_fail("lookup: %s", strerror(ENOMEM));
	r = get_rdonly("lookup", a.argv[0], &fd);
	if (r == CLI_OK) {
		r = lookup(fd, a.argv[0], text);
		close(fd);
	}
	free(text);
	return r;
}
