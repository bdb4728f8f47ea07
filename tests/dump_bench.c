/* tests/dump_bench.c: time the dump of a big u32 -> u64 hash map (a
 * million entries unless -n says otherwise) to stdout, and optionally
 * bpftool's dump of the same map. -f types key and value with BTF (the
 * value as a struct of 4 members), so "formatted" is timed too.
 * Run: dump_bench [-n N] [-p] [-t] [-f] [-b] >/dev/null */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpf/dump.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_s(long *sys_us)
{
	struct rusage r;

	getrusage(RUSAGE_SELF, &r);
	*sys_us = r.ru_stime.tv_sec * 1000000L + r.ru_stime.tv_usec;
	return (double)r.ru_utime.tv_sec + (double)r.ru_utime.tv_usec / 1e6;
}

/* u32 key; value struct { u32 a; s16 b; u8 c; bool d; }, 8 bytes. The
 * BTF object stays loaded for the life of the process. */
static int typed_opts(struct bpf_map_create_opts *o)
{
	struct btf *b = btf__new_empty();
	int u32 = btf__add_int(b, "u32", 4, 0);
	int s16 = btf__add_int(b, "s16", 2, BTF_INT_SIGNED);
	int u8 = btf__add_int(b, "u8", 1, 0);
	int bl = btf__add_int(b, "bool", 1, BTF_INT_BOOL);
	int v = btf__add_struct(b, "bench_val", 8);

	btf__add_field(b, "a", u32, 0, 0);
	btf__add_field(b, "b", s16, 32, 0);
	btf__add_field(b, "c", u8, 48, 0);
	btf__add_field(b, "d", bl, 56, 0);
	if (btf__load_into_kernel(b))
		return -errno;
	o->btf_fd = btf__fd(b);
	o->btf_key_type_id = (uint32_t)u32;
	o->btf_value_type_id = (uint32_t)v;
	return 0;
}

static int fill(uint32_t n, bool typed)
{
	LIBBPF_OPTS(bpf_map_create_opts, o);
	int fd;

	if (typed && typed_opts(&o))
		return -errno;
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "dump_bench", 4, 8, n, &o);
	uint32_t keys[4096];
	uint64_t vals[4096];

	if (fd < 0)
		return -errno;
	for (uint32_t i = 0; i < n;) {
		uint32_t c = 0;

		for (; c < 4096 && i < n; c++, i++) {
			keys[c] = i;
			vals[c] = 3ull * i;
		}
		if (bpf_map_update_batch(fd, keys, vals, &c, NULL))
			return -errno;
	}
	return fd;
}

static int run_bpftool(int fd, bool pretty)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);
	char cmd[128];
	double t;
	int rc;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	snprintf(cmd, sizeof(cmd), "bpftool %s map dump id %u >/dev/null",
		 pretty ? "-p" : "-j", info.id);
	t = now();
	rc = system(cmd);
	fprintf(stderr, "bpftool: %.3f s\n", now() - t);
	return rc == 0 ? 0 : -ECHILD;
}

int main(int argc, char **argv)
{
	struct dump_opts o = { .format = DUMP_JSON };
	uint32_t n = 1000000;
	bool with_bpftool = false, typed = false;
	double t, user;
	long sys0, sys1;
	int opt, fd, rc;

	while ((opt = getopt(argc, argv, "n:ptfb")) != -1) {
		switch (opt) {
		case 'n': n = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'p': o.pretty = true; break;
		case 't': o.format = DUMP_TABLE; break;
		case 'f': typed = true; break;
		case 'b': with_bpftool = true; break;
		default:
			fprintf(stderr, "usage: %s [-n entries] [-p] [-t] [-f] [-b]\n",
				argv[0]);
			return 2;
		}
	}
	fd = fill(n, typed);
	if (fd < 0) {
		fprintf(stderr, "filling the map: %s\n", strerror(-fd));
		return 1;
	}
	user = cpu_s(&sys0);
	t = now();
	rc = dump_map(fd, STDOUT_FILENO, &o);
	t = now() - t;
	user = cpu_s(&sys1) - user;
	fprintf(stderr,
		"dump_map: %u entries in %.3f s (user %.3f s, sys %.3f s)%s%s\n",
		n, t, user, (double)(sys1 - sys0) / 1e6, rc ? ": " : "",
		rc ? strerror(-rc) : "");
	if (!rc && with_bpftool)
		rc = run_bpftool(fd, o.pretty);
	close(fd);
	return rc ? 1 : 0;
}
