/* cli/args.c: command-line parsing shared by every command: global options
 * accepted before or after the command (as bpftool does), the command's
 * own options through getopt, "--", and bpftool's unique-prefix keywords. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

#define GLOBAL_SHORTOPTS "jps:h"
#define MAX_LONGOPTS 16
/* A command may take a global letter for itself (mkdir -p, ln -s); the
 * global long options stay global, so their vals are not letters. */
#define GLOBAL_LONG 0x100

static const struct option global_longopts[] = {
	{ "json", no_argument, NULL, GLOBAL_LONG | 'j' },
	{ "pretty", no_argument, NULL, GLOBAL_LONG | 'p' },
	{ "socket", required_argument, NULL, GLOBAL_LONG | 's' },
	{ "help", no_argument, NULL, GLOBAL_LONG | 'h' },
	{ NULL, 0, NULL, 0 },
};

int cli_global_opt(int c, const char *arg)
{
	switch (c & ~GLOBAL_LONG) {
	case 'p':
		/* -p implies -j, as in bpftool */
		cli.pretty = true;
		cli.json = true;
		return 0;
	case 'j':
		cli.json = true;
		return 0;
	case 's':
		cli.socket = arg;
		return 0;
	}
	return -ENOENT;
}

static int merge_longopts(struct option *all, const struct option *cmd)
{
	int n = 0;

	for (const struct option *o = global_longopts; o->name; o++)
		all[n++] = *o;
	for (; cmd && cmd->name; cmd++) {
		if (n == MAX_LONGOPTS - 1)
			return -E2BIG;
		all[n++] = *cmd;
	}
	all[n] = (struct option){ 0 };
	return 0;
}

static int bad_option(char **argv, int c)
{
	if (c == ':')
		return cli_usage("option %s needs an argument", argv[optind - 1]);
	if (optopt)
		return cli_usage("unknown option -%c", optopt);
	return cli_usage("unknown option %s", argv[optind - 1]);
}

static int first_dashdash(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return i;
	return argc;
}

/* getopt leaves argv[0..end) as: name, options, operands from optind.
 * Without CLI_ARGS_TAIL the words after "--" are operands too: slide the
 * operands over the "--" so that all of them are contiguous. */
static void collect(int argc, char **argv, int end, int flags,
		    struct cli_args *out)
{
	*out = (struct cli_args){ .argc = end - optind, .argv = argv + optind };
	if (end == argc)
		return;
	if (flags & CLI_ARGS_TAIL) {
		out->tail = argv + end + 1;
		out->tailc = argc - end - 1;
		return;
	}
	memmove(argv + optind + 1, argv + optind,
		(size_t)(end - optind) * sizeof(*argv));
	out->argv = argv + optind + 1;
	out->argc = argc - optind - 1;
}

/* An error is reported in the format the whole line asks for, so -j and
 * -p are found first, even behind a bad option (getopt goes on after
 * one). GNU getopt leaves argv permuted; the real pass sees the same. */
static void find_format(int end, char **argv, const char *shorts,
			const struct option *all, const char *own)
{
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(end, argv, shorts, all, NULL)) != -1) {
		int g = c & ~GLOBAL_LONG;

		if ((g == 'j' || g == 'p') && (c & GLOBAL_LONG || !strchr(own, c)))
			cli_global_opt(c, NULL);
	}
}

int cli_args(int argc, char **argv, const char *shortopts,
	     const struct option *longopts,
	     int (*on_opt)(int c, const char *arg, void *ctx), void *ctx,
	     int flags, struct cli_args *out)
{
	struct option all[MAX_LONGOPTS];
	char shorts[64];
	int end = first_dashdash(argc, argv), c, r;

	if (merge_longopts(all, longopts) < 0 ||
	    snprintf(shorts, sizeof(shorts), ":%s%s", shortopts,
		     GLOBAL_SHORTOPTS) >= (int)sizeof(shorts))
		return cli_fail("%s: too many options", argv[0]);
	find_format(end, argv, shorts, all, shortopts);
	optind = 0;     /* GNU getopt: start over, this is a new argv */
	opterr = 0;
	while ((c = getopt_long(end, argv, shorts, all, NULL)) != -1) {
		if (c == '?' || c == ':')
			return bad_option(argv, c);
		if (c > 0 && c < GLOBAL_LONG && strchr(shortopts, c)) {
			r = on_opt(c, optarg, ctx);
			if (r)
				return r;
			continue;
		}
		if ((c & ~GLOBAL_LONG) == 'h') {
			cli_cmd_help(cli.cmd);
			return CLI_DONE;
		}
		cli_global_opt(c, optarg);
	}
	collect(argc, argv, end, flags, out);
	return 0;
}

int cli_match(const char *word, const void *table, size_t stride)
{
	size_t len = strlen(word);
	int found = -ENOENT;

	for (int i = 0;; i++) {
		const char *name = *(const char *const *)
			((const char *)table + (size_t)i * stride);

		if (!name)
			return len ? found : -ENOENT;
		if (strcmp(word, name) == 0)
			return i;
		if (strncmp(word, name, len) == 0)
			found = found == -ENOENT ? i : -EINVAL;
	}
}

int cli_parse_u32(const char *s, uint32_t *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}
