/* bpf/dump_kind.c: what the kernel (6.x) lets user space read of each map
 * type, found by trying every type on a live kernel: which types list
 * their keys, which answer a batched lookup, and why the others cannot
 * be dumped. */
#include "config.h"

#include "bpf/dump_int.h"
#include "bpf/obj.h"

/* Newer than the uapi headers we build against. */
#define MAP_TYPE_CGRP_STORAGE 32
#define MAP_TYPE_ARENA 33

#define ENTRIES(...) { .how = DH_ENTRIES, __VA_ARGS__ }
#define NONE(reason) { .how = DH_NONE, .why = reason }
#define NO_VALUES(reason) \
	{ .how = DH_NONE, .values_only = true, .why = reason }
#define SOCKETS { .how = DH_ENTRIES, .cookies = true }
#define STORAGE(keys) NONE("its keys are " keys ": the kernel looks " \
	"entries up by fd but does not list them")

static const struct dump_kind kinds[] = {
	[BPF_MAP_TYPE_HASH] = ENTRIES(.batch = true, .buckets = true),
	[BPF_MAP_TYPE_ARRAY] = ENTRIES(.batch = true),
	[BPF_MAP_TYPE_PROG_ARRAY] = ENTRIES(0),
	[BPF_MAP_TYPE_PERF_EVENT_ARRAY] = NO_VALUES(
		"its values are perf event file descriptors, which the kernel "
		"does not return to user space"),
	[BPF_MAP_TYPE_PERCPU_HASH] = ENTRIES(.batch = true, .percpu = true,
					    .buckets = true),
	[BPF_MAP_TYPE_PERCPU_ARRAY] = ENTRIES(.batch = true, .percpu = true),
	[BPF_MAP_TYPE_STACK_TRACE] = ENTRIES(0),
	[BPF_MAP_TYPE_CGROUP_ARRAY] = NO_VALUES(
		"its values are cgroup file descriptors, which the kernel "
		"does not return to user space"),
	[BPF_MAP_TYPE_LRU_HASH] = ENTRIES(.batch = true, .buckets = true),
	[BPF_MAP_TYPE_LRU_PERCPU_HASH] = ENTRIES(.batch = true,
						 .percpu = true,
						 .buckets = true),
	[BPF_MAP_TYPE_LPM_TRIE] = ENTRIES(.batch = true),
	[BPF_MAP_TYPE_ARRAY_OF_MAPS] = ENTRIES(.batch = true),
	[BPF_MAP_TYPE_HASH_OF_MAPS] = ENTRIES(.batch = true),
	[BPF_MAP_TYPE_DEVMAP] = ENTRIES(0),
	[BPF_MAP_TYPE_SOCKMAP] = SOCKETS,
	[BPF_MAP_TYPE_CPUMAP] = ENTRIES(0),
	[BPF_MAP_TYPE_XSKMAP] = NO_VALUES(
		"the kernel does not return its XDP sockets to user space"),
	[BPF_MAP_TYPE_SOCKHASH] = SOCKETS,
	[BPF_MAP_TYPE_CGROUP_STORAGE] = ENTRIES(0),
	[BPF_MAP_TYPE_REUSEPORT_SOCKARRAY] = SOCKETS,
	[BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE] = ENTRIES(.percpu = true),
	[BPF_MAP_TYPE_QUEUE] = { .how = DH_PEEK, .why =
		"the kernel lets user space peek at the next element or pop "
		"it, not read the others" },
	[BPF_MAP_TYPE_STACK] = { .how = DH_PEEK, .why =
		"the kernel lets user space peek at the top element or pop "
		"it, not read the others" },
	[BPF_MAP_TYPE_SK_STORAGE] = STORAGE("socket file descriptors"),
	[BPF_MAP_TYPE_DEVMAP_HASH] = ENTRIES(0),
	[BPF_MAP_TYPE_STRUCT_OPS] = ENTRIES(0),
	[BPF_MAP_TYPE_RINGBUF] = NONE(
		"a ring buffer is consumed through mmap, it has no keys"),
	[BPF_MAP_TYPE_INODE_STORAGE] = STORAGE("file descriptors of open files"),
	[BPF_MAP_TYPE_TASK_STORAGE] = STORAGE("pidfds"),
	[BPF_MAP_TYPE_BLOOM_FILTER] = NONE(
		"a bloom filter only answers whether a value may be in it"),
	[BPF_MAP_TYPE_USER_RINGBUF] = NONE(
		"a user ring buffer is filled through mmap and drained by BPF "
		"programs, it has no keys"),
	[MAP_TYPE_CGRP_STORAGE] = STORAGE("cgroup directory file descriptors"),
	[MAP_TYPE_ARENA] = NONE(
		"an arena is memory shared through mmap, it has no keys"),
};

/* A type newer than this table is tried like a hash; if the kernel
 * cannot list its keys, the dump says so. */
static const struct dump_kind unknown = ENTRIES(0);

static const struct dump_kind no_cookies = NO_VALUES(
	"the kernel returns a socket cookie to user space only when "
	"value_size is 8");

const struct dump_kind *dump_kind_of(const struct bpf_map_info *info)
{
	const struct dump_kind *k;

	if (info->type >= sizeof(kinds) / sizeof(kinds[0]) ||
	    info->type == BPF_MAP_TYPE_UNSPEC)
		return &unknown;
	k = &kinds[info->type];
	if (k->cookies && info->value_size != 8)
		return &no_cookies;
	return k;
}

const char *dump_type_name(uint32_t map_type)
{
	if (map_type == MAP_TYPE_ARENA)
		return "arena";
	return obj_map_type_name(map_type);
}
