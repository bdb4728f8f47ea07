/* bench/mkmap.c: make the maps bench/dump_bench.sh reads: a u32 -> u64
 * hash map of N entries, with or without BTF for its key and value,
 * filled by bpf_map_update_batch, pinned in bpfpind (and optionally on a
 * kernel bpffs) so it outlives this process. Prints the map's id. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "bpfpin/bpfpin.h"

#define BATCH 65536

struct cfg {
	const char *sock, *path, *bpffs_path;
	unsigned long entries;
	bool btf;
};

/* BTF holding u32 (type 1) and u64 (type 2); the btf fd or -errno. */
static int load_btf(void)
{
	struct btf *btf = btf__new_empty();
	int r, fd;

	if (!btf)
		return -errno;
	if ((r = btf__add_int(btf, "u32", 4, 0)) != 1 ||
	    (r = btf__add_int(btf, "u64", 8, 0)) != 2) {
		btf__free(btf);
		return r < 0 ? r : -EPROTO;
	}
	r = btf__load_into_kernel(btf);
	fd = r < 0 ? r : fcntl(btf__fd(btf), F_DUPFD_CLOEXEC, 0);
	if (fd < 0 && r == 0)
		fd = -errno;
	btf__free(btf);
	return fd;
}

static int create(const struct cfg *c)
{
	LIBBPF_OPTS(bpf_map_create_opts, o);
	int btf_fd = -1, fd;

	if (c->btf) {
		if ((btf_fd = load_btf()) < 0)
			return btf_fd;
		o.btf_fd = btf_fd;
		o.btf_key_type_id = 1;
		o.btf_value_type_id = 2;
	}
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, c->btf ? "dump_btf" : "dump_raw",
			    sizeof(uint32_t), sizeof(uint64_t), c->entries, &o);
	if (fd < 0)
		fd = -errno;
	if (btf_fd >= 0)
		close(btf_fd);
	return fd;
}

static int fill(int map, unsigned long entries)
{
	uint32_t *keys = malloc(BATCH * sizeof(*keys));
	uint64_t *vals = malloc(BATCH * sizeof(*vals));
	int r = keys && vals ? 0 : -ENOMEM;

	for (unsigned long off = 0; off < entries && r == 0; off += BATCH) {
		uint32_t n = entries - off < BATCH ? entries - off : BATCH;

		for (uint32_t i = 0; i < n; i++) {
			keys[i] = off + i;
			vals[i] = (uint64_t)(off + i) * 2654435761u;
		}
		if (bpf_map_update_batch(map, keys, vals, &n, NULL) < 0)
			r = -errno;
	}
	free(keys);
	free(vals);
	return r;
}

static int pin(const struct cfg *c, int map)
{
	struct bpfpin *b;
	int r = bpfpin_connect(c->sock, &b);

	if (r < 0) {
		fprintf(stderr, "mkmap: connect %s: %s\n", c->sock, strerror(-r));
		return r;
	}
	if ((r = bpfpin_pin(b, map, c->path, NULL)) < 0)
		fprintf(stderr, "mkmap: pin %s: %s\n", c->path, bpfpin_errmsg(b));
	bpfpin_close(b);
	if (r == 0 && c->bpffs_path && bpf_obj_pin(map, c->bpffs_path) < 0) {
		r = -errno;
		fprintf(stderr, "mkmap: pin %s: %s\n", c->bpffs_path, strerror(errno));
	}
	return r;
}

static const char usage[] =
	"Usage: mkmap --socket SOCK --path PATH --entries N [--btf]\n"
	"             [--bpffs-path FILE]\n";

static int parse(struct cfg *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "path", required_argument, NULL, 'p' },
		{ "bpffs-path", required_argument, NULL, 'k' },
		{ "entries", required_argument, NULL, 'n' },
		{ "btf", no_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	char *end = NULL;
	int o;

	*c = (struct cfg){ 0 };
	while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (o) {
		case 's': c->sock = optarg; break;
		case 'p': c->path = optarg; break;
		case 'k': c->bpffs_path = optarg; break;
		case 'n': c->entries = strtoul(optarg, &end, 10); break;
		case 'b': c->btf = true; break;
		default: return -EINVAL;
		}
	}
	if (!c->sock || !c->path || !end || *end || c->entries < 1 ||
	    c->entries > 16u << 20 || optind != argc)
		return -EINVAL;
	return 0;
}

int main(int argc, char **argv)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);
	struct cfg c;
	int map, r;

	if (parse(&c, argc, argv) < 0) {
		fputs(usage, stderr);
		return 2;
	}
	if ((map = create(&c)) < 0) {
		fprintf(stderr, "mkmap: create: %s\n", strerror(-map));
		return 1;
	}
	if ((r = fill(map, c.entries)) < 0)
		fprintf(stderr, "mkmap: fill: %s\n", strerror(-r));
	if (r == 0 && (r = pin(&c, map)) == 0 &&
	    bpf_obj_get_info_by_fd(map, &info, &len) < 0)
		r = -errno;
	close(map);
	if (r < 0)
		return 1;
	printf("%u\n", info.id);
	return 0;
}
