/* bench/rpc_count.c: N requests of one kind through libbpfpin and nothing
 * else, for load-independent counts: run it (or the daemon) under
 * `strace -c -f` or `valgrind --tool=callgrind` with two values of N and
 * divide the difference by the difference of N, so that set-up cancels.
 * Untimed; bench/README.md ("Counts") says how run_counts.sh uses it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bpfpin/bpfpin.h"

#define BULK 253

struct cfg {
	const char *sock, *op;
	int n;
};

static int fail(struct bpfpin *b, const char *what, int r)
{
	fprintf(stderr, "rpc_count: %s: %s (%s)\n", what, strerror(-r),
		b ? bpfpin_errmsg(b) : "");
	return r;
}

/* n pins of one map under names never used before. */
static int do_pin(struct bpfpin *b, int map, int n)
{
	char path[64];
	int r;

	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/cnt/p%06d", i);
		if ((r = bpfpin_pin(b, map, path, NULL)) < 0)
			return fail(b, path, r);
	}
	return 0;
}

/* n gets of one pin, each fd closed at once. */
static int do_get(struct bpfpin *b, int map, int n)
{
	int r = bpfpin_pin(b, map, "/cnt/g", NULL), fd;

	if (r < 0)
		return fail(b, "pin /cnt/g", r);
	for (int i = 0; i < n; i++) {
		if ((fd = bpfpin_get(b, "/cnt/g", O_RDWR)) < 0)
			return fail(b, "get /cnt/g", fd);
		close(fd);
	}
	return 0;
}

/* n get_many calls of BULK pins. */
static int do_many(struct bpfpin *b, int map, int n)
{
	static char names[BULK][32];
	const char *paths[BULK];
	int fds[BULK], r;

	for (int i = 0; i < BULK; i++) {
		snprintf(names[i], sizeof(names[i]), "/cnt/b%03d", i);
		paths[i] = names[i];
		if ((r = bpfpin_pin(b, map, paths[i], NULL)) < 0)
			return fail(b, paths[i], r);
	}
	for (int k = 0; k < n; k++) {
		if ((r = bpfpin_get_many(b, paths, BULK, O_RDWR, fds)) < 0)
			return fail(b, "get_many", r);
		for (int i = 0; i < BULK; i++) {
			if (fds[i] < 0)
				return fail(b, paths[i], fds[i]);
			close(fds[i]);
		}
	}
	return 0;
}

static int parse(struct cfg *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "op", required_argument, NULL, 'o' },
		{ "n", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	*c = (struct cfg){ .n = 1000 };
	while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (o) {
		case 's': c->sock = optarg; break;
		case 'o': c->op = optarg; break;
		case 'n': c->n = atoi(optarg); break;
		default: return -EINVAL;
		}
	}
	if (!c->sock || !c->op || c->n < 0 || optind != argc)
		return -EINVAL;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct { const char *name; int (*fn)(struct bpfpin *, int, int); } ops[] = {
		{ "pin", do_pin }, { "get", do_get }, { "get_many", do_many },
	};
	struct bpfpin *b = NULL;
	struct cfg c;
	int map, r = -EINVAL;

	if (parse(&c, argc, argv) < 0) {
		fputs("Usage: rpc_count --socket SOCK --op pin|get|get_many [--n N]\n", stderr);
		return 2;
	}
	if ((map = bench_map_create("rpc_count", 1)) < 0)
		return fail(NULL, "map", map) < 0;
	if ((r = bpfpin_connect(c.sock, &b)) < 0)
		return fail(NULL, c.sock, r) < 0;
	r = bpfpin_mkdir(b, "/cnt", 0755);
	if (r < 0 && r != -EEXIST)
		return fail(b, "mkdir /cnt", r) < 0;
	r = -EINVAL;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(ops[i].name, c.op) == 0)
			r = ops[i].fn(b, map, c.n);
	if (r == -EINVAL)
		fprintf(stderr, "rpc_count: unknown op %s\n", c.op);
	bpfpin_close(b);
	close(map);
	return r < 0;
}
