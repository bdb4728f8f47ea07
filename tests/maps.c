/* tests/maps.c: real kernel maps of every type, filled with known contents,
 * for the suites that dump them. A factory that cannot make its map fails
 * the running test: a missing map type is a broken machine, not a skip. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#include "tests/harness.h"
#include "tests/maps.h"

#define PROG(name) DUMP_PROGS_DIR "/" name ".bpf.o"
#define CGROUP2_ROOT "/sys/fs/cgroup/unified"
#define MAP_F_MMAPABLE (1U << 10)

/* ---- plain maps ---- */

int tm_map_new(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max,
	       const struct bpf_map_create_opts *opts)
{
	int fd = bpf_map_create(type, "dumptest", ks, vs, max, opts);

	cr_assert_geq(fd, 0, "bpf_map_create(%u): %s", type, strerror(errno));
	return fd;
}

static uint8_t pattern(uint32_t entry, uint32_t byte)
{
	uint32_t x = entry * 2654435761u + byte * 40503u + 0x9e37u;

	return (uint8_t)(x ^ x >> 13);
}

void tm_fill_value(uint8_t *v, uint32_t size, uint32_t entry)
{
	for (uint32_t b = 0; b < size; b++)
		v[b] = pattern(entry, b);
}

void tm_fill(int fd, uint32_t ks, uint32_t vbytes, uint32_t n)
{
	uint8_t key[64] = { 0 }, value[4096];

	cr_assert_leq(vbytes, sizeof(value));
	for (uint32_t i = 0; i < n; i++) {
		memcpy(key, &i, ks < 4 ? ks : 4);
		tm_fill_value(value, vbytes, i);
		cr_assert_eq(bpf_map_update_elem(fd, key, value, 0), 0,
			     "update %u: %s", i, strerror(errno));
	}
}

uint32_t tm_ncpus(void)
{
	return (uint32_t)libbpf_num_possible_cpus();
}

static bool percpu_type(uint32_t type)
{
	return type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

uint32_t tm_percpu_bytes(uint32_t vs)
{
	return ((vs + 7) & ~7u) * tm_ncpus();
}

int tm_map_filled(uint32_t type, uint32_t ks, uint32_t vs, uint32_t n,
		  bool percpu)
{
	int fd = tm_map_new(type, ks, vs, 64, NULL);

	tm_fill(fd, ks, percpu ? tm_percpu_bytes(vs) : vs, n);
	return fd;
}

/* Small batches, so that filling the map does not raise the peak memory
 * of a test that measures it. */
int tm_big_hash(uint32_t n)
{
	int fd = tm_map_new(BPF_MAP_TYPE_HASH, 4, 8, n, NULL);
	uint32_t keys[1024];
	uint64_t vals[1024];

	for (uint32_t i = 0; i < n;) {
		uint32_t c = 0;

		for (; c < 1024 && i < n; c++, i++) {
			keys[c] = i;
			vals[c] = 3ull * i;
		}
		cr_assert_eq(bpf_map_update_batch(fd, keys, vals, &c, NULL), 0);
	}
	return fd;
}

/* ---- maps of other objects ---- */

int tm_map_in_map(uint32_t type)
{
	LIBBPF_OPTS(bpf_map_create_opts, o);
	int inner[3], fd;

	for (int i = 0; i < 3; i++)
		inner[i] = tm_map_new(BPF_MAP_TYPE_ARRAY, 4, 4, 1, NULL);
	o.inner_map_fd = inner[0];
	fd = tm_map_new(type, 4, 4, 8, &o);
	for (uint32_t k = 1; k < 6; k += 2)
		cr_assert_eq(bpf_map_update_elem(fd, &k, &inner[k / 2], 0), 0);
	return fd;
}

int tm_prog_array(void)
{
	int fd = tm_map_new(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 8, NULL);
	int prog = th_prog_load();

	cr_assert_geq(prog, 0);
	for (uint32_t k = 2; k < 8; k += 3)
		cr_assert_eq(bpf_map_update_elem(fd, &k, &prog, 0), 0);
	return fd;
}

int tm_lpm_trie(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_NO_PREALLOC);
	int fd = tm_map_new(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 16, &o);
	const uint8_t prefixes[][8] = {
		{ 8, 0, 0, 0, 10, 0, 0, 0 },
		{ 16, 0, 0, 0, 10, 1, 0, 0 },
		{ 32, 0, 0, 0, 192, 168, 1, 1 },
	};

	for (uint32_t i = 0; i < 3; i++)
		cr_assert_eq(bpf_map_update_elem(fd, prefixes[i], &i, 0), 0);
	return fd;
}

int tm_tcp_listener(bool reuseport)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	if (reuseport)
		cr_assert_eq(setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one,
					sizeof(one)), 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(fd, 4), 0);
	return fd;
}

int tm_socket_map(uint32_t type, uint32_t vs, int *sock)
{
	int fd = tm_map_new(type, 4, vs, 8, NULL);
	uint64_t value;
	uint32_t k = 3;

	*sock = tm_tcp_listener(type == BPF_MAP_TYPE_REUSEPORT_SOCKARRAY);
	value = (uint64_t)*sock;
	if (vs == 8)
		cr_assert_eq(bpf_map_update_elem(fd, &k, &value, 0), 0,
			     "%s", strerror(errno));
	return fd;
}

int tm_push3(uint32_t type)
{
	int fd = tm_map_new(type, 0, 4, 8, NULL);

	for (uint32_t v = 1; v <= 3; v++)
		cr_assert_eq(bpf_map_update_elem(fd, NULL, &v, 0), 0);
	return fd;
}

int tm_devmap(uint32_t type, uint32_t key)
{
	int fd = tm_map_new(type, 4, 4, 8, NULL);
	uint32_t lo = 1;

	cr_assert_eq(bpf_map_update_elem(fd, &key, &lo, 0), 0);
	return fd;
}

int tm_cpumap(void)
{
	int fd = tm_map_new(BPF_MAP_TYPE_CPUMAP, 4, 4, tm_ncpus(), NULL);
	uint32_t cpu = 0, qsize = 192;

	cr_assert_eq(bpf_map_update_elem(fd, &cpu, &qsize, 0), 0);
	return fd;
}

int tm_bloom(void)
{
	int fd = tm_map_new(BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 16, NULL);
	uint32_t v = 42;

	cr_assert_eq(bpf_map_update_elem(fd, NULL, &v, 0), 0);
	return fd;
}

/* Arena maps are refused with EPERM on some machines of this kind (seen
 * 2026-12-03, kernel 6.18): such a refusal is a refusal, not a failure. */
int tm_arena(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = MAP_F_MMAPABLE);
	int fd = bpf_map_create(TM_MAP_TYPE_ARENA, "dumptest", 0, 0, 1, &o);

	if (fd < 0 && (errno == EPERM || errno == EOPNOTSUPP)) {
		/* stderr: criterion counts a cr_log_warn as a failure */
		fprintf(stderr, "note: this kernel refuses arena maps: %s\n",
			strerror(errno));
		return -1;
	}
	cr_assert_geq(fd, 0, "bpf_map_create(arena): %s", strerror(errno));
	return fd;
}

int tm_struct_ops(void)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int id = btf__find_by_name_kind(vmlinux,
					"bpf_struct_ops_tcp_congestion_ops",
					BTF_KIND_STRUCT);
	LIBBPF_OPTS(bpf_map_create_opts, o);

	cr_assert_gt(id, 0);
	o.btf_fd = bpf_object__btf_fd(tm_types_load());
	o.btf_vmlinux_value_type_id = (uint32_t)id;
	id = tm_map_new(BPF_MAP_TYPE_STRUCT_OPS, 4,
			(uint32_t)btf__resolve_size(vmlinux, (uint32_t)id), 1,
			&o);
	btf__free(vmlinux);
	return id;
}

/* ---- maps typed by the BTF of tests/progs/dump_types.bpf.c ---- */

static struct bpf_object *types_obj;

/* A loaded object lives as long as the test process, since the test uses
 * its maps' and programs' fds; held here, so that LeakSanitizer (the
 * sanitizer build) sees it held rather than lost. */
static struct bpf_object *kept[64];
static size_t n_kept;

static struct bpf_object *keep(struct bpf_object *obj)
{
	if (n_kept < sizeof(kept) / sizeof(kept[0]))
		kept[n_kept++] = obj;
	return obj;
}

struct bpf_object *tm_load_obj(const char *path)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);

	cr_assert(!libbpf_get_error(obj), "open %s", path);
	cr_assert_eq(bpf_object__load(obj), 0, "load %s", path);
	return keep(obj);
}

int tm_obj_map(struct bpf_object *obj, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

	cr_assert_not_null(m, "no map %s", name);
	return bpf_map__fd(m);
}

struct bpf_object *tm_types_load(void)
{
	types_obj = tm_load_obj(PROG("dump_types"));
	return types_obj;
}

uint32_t tm_member_off(const char *sname, const char *member)
{
	const struct btf *btf = bpf_object__btf(types_obj);
	int id = btf__find_by_name_kind(btf, sname, BTF_KIND_STRUCT);
	const struct btf_type *t = btf__type_by_id(btf, (uint32_t)id);

	cr_assert_gt(id, 0);
	for (uint32_t i = 0; i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(btf, btf_members(t)[i].name_off),
			    member))
			return btf_member_bit_offset(t, i) / 8;
	cr_assert_fail("no member %s in %s", member, sname);
	return 0;
}

/* Patterned dt_val values, with a string, a known enum and negatives
 * where bpftool has special cases. */
static void fill_dt_val(int fd, uint32_t n)
{
	const struct btf *btf = bpf_object__btf(types_obj);
	uint32_t size = (uint32_t)btf__resolve_size(
		btf, (uint32_t)btf__find_by_name_kind(btf, "dt_val",
						      BTF_KIND_STRUCT));
	uint8_t v[512];
	int32_t blue = -3, neg = -123456;

	for (uint32_t k = 0; k < n; k++) {
		tm_fill_value(v, size, k);
		if (k == 1) {
			memcpy(v + tm_member_off("dt_val", "name"), "hello", 6);
			memcpy(v + tm_member_off("dt_val", "col"), &blue, 4);
			memcpy(v + tm_member_off("dt_val", "i"), &neg, 4);
			v[tm_member_off("dt_val", "small")] = 2;
			v[tm_member_off("dt_val", "b")] = 0;
		}
		if (k == 2)
			memset(v + tm_member_off("dt_val", "name"), 0, 12);
		cr_assert_eq(bpf_map_update_elem(fd, &k, v, 0), 0);
	}
}

int tm_dt_map(const char *name, uint32_t n)
{
	struct bpf_map *m;
	int fd = tm_obj_map(tm_types_load(), name);

	m = bpf_object__find_map_by_name(types_obj, name);
	if (!strcmp(name, "dt_hash") || !strcmp(name, "dt_array"))
		fill_dt_val(fd, n);
	else
		tm_fill(fd, bpf_map__key_size(m),
			percpu_type(bpf_map__type(m)) ?
				tm_percpu_bytes(bpf_map__value_size(m)) :
				bpf_map__value_size(m),
			n);
	return fd;
}

int tm_types_map(const char *name)
{
	return tm_obj_map(tm_types_load(), name);
}

/* A map of type with b's key and value types (a 4-byte key); b is freed
 * (the map holds the kernel's copy). */
static int btf_map(struct btf *b, uint32_t type, int key, int value,
		   uint32_t vs, uint32_t max)
{
	int fd;

	cr_assert_eq(btf__load_into_kernel(b), 0);
	LIBBPF_OPTS(bpf_map_create_opts, o, .btf_fd = btf__fd(b),
		    .btf_key_type_id = (uint32_t)key,
		    .btf_value_type_id = (uint32_t)value);
	fd = tm_map_new(type, 4, vs, max, &o);
	btf__free(b);
	return fd;
}

int tm_hand_btf_map(void)
{
	struct btf *b = btf__new_empty();
	int u32 = btf__add_int(b, "unsigned int", 4, 0);
	int e64 = btf__add_enum64(b, "e64", 8, false);
	int ch, i24, s;

	btf__add_enum64_value(b, "E_BIG", 0xffffffff00000001ULL);
	btf__add_enum64_value(b, "E_SMALL", 3);
	ch = btf__add_int(b, "mychar", 1, BTF_INT_CHAR);
	i24 = btf__add_int(b, "i24", 4, 0);
	/* btf__add_int takes whole bytes; narrow this one to 24 bits. */
	*(uint32_t *)(btf__type_by_id(b, (uint32_t)i24) + 1) = 24;
	s = btf__add_struct(b, "hand", 24);
	btf__add_field(b, "big", e64, 0, 0);
	btf__add_field(b, "unknown", e64, 64, 0);
	btf__add_field(b, "c", ch, 128, 0);
	btf__add_field(b, "nonprint", ch, 136, 0);
	btf__add_field(b, "odd", i24, 160, 0);
	return btf_map(b, BPF_MAP_TYPE_HASH, u32, s, 24, 4);
}

/* A map of the hash family with BTF: an unsigned int key and a struct of
 * an unsigned int and a signed short; n patterned entries of max. */
int tm_btf_hash(uint32_t type, uint32_t max, uint32_t n)
{
	struct btf *b = btf__new_empty();
	int u32 = btf__add_int(b, "unsigned int", 4, 0);
	int s16 = btf__add_int(b, "short", 2, BTF_INT_SIGNED);
	int s = btf__add_struct(b, "pair", 8), fd;

	btf__add_field(b, "count", u32, 0, 0);
	btf__add_field(b, "delta", s16, 32, 0);
	fd = btf_map(b, type, u32, s, 8, max);
	tm_fill(fd, 4, percpu_type(type) ? tm_percpu_bytes(8) : 8, n);
	return fd;
}

/* ---- maps with entries the kernel makes ---- */

/* dump_stack.bpf.o records the stacks of the syscalls of ds_tgid; it is
 * detached at once so that later syscalls of the test add no entry. */
int tm_recorded_stacks(void)
{
	struct bpf_object *obj = bpf_object__open_file(PROG("dump_stack"), NULL);
	struct bpf_program *prog;
	struct bpf_link *link;
	struct bpf_map *m;
	uint32_t tgid = (uint32_t)getpid();

	cr_assert(!libbpf_get_error(obj));
	keep(obj);
	bpf_object__for_each_map(m, obj)
		if (bpf_map__is_internal(m) && strstr(bpf_map__name(m), ".rodata"))
			cr_assert_eq(bpf_map__set_initial_value(m, &tgid,
								sizeof(tgid)), 0);
	cr_assert_eq(bpf_object__load(obj), 0);
	prog = bpf_object__find_program_by_name(obj, "ds_record");
	link = bpf_program__attach(prog);
	cr_assert(!libbpf_get_error(link));
	for (int i = 0; i < 4; i++)
		syscall(SYS_getpid);
	bpf_link__destroy(link);
	return tm_obj_map(obj, "ds_stacks");
}

static char cg_dir[128];
static int cg_fd = -1, cg_prog = -1;

void tm_cgroup_cleanup(void)
{
	if (cg_prog >= 0)
		bpf_prog_detach2(cg_prog, cg_fd, BPF_CGROUP_INET_EGRESS);
	if (cg_fd >= 0)
		close(cg_fd);
	if (cg_dir[0])
		rmdir(cg_dir);
	cg_prog = cg_fd = -1;
	cg_dir[0] = '\0';
}

struct bpf_object *tm_cgroup_attached(void)
{
	struct bpf_object *obj = tm_load_obj(PROG("dump_cgroup"));

	snprintf(cg_dir, sizeof(cg_dir), CGROUP2_ROOT "/bpfpin-dump.XXXXXX");
	cr_assert_not_null(mkdtemp(cg_dir), "%s: %s", cg_dir, strerror(errno));
	cg_fd = open(cg_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(cg_fd, 0);
	cg_prog = bpf_program__fd(bpf_object__find_program_by_name(obj,
								   "dc_count"));
	cr_assert_eq(bpf_prog_attach(cg_prog, cg_fd, BPF_CGROUP_INET_EGRESS, 0),
		     0);
	return obj;
}

/* ---- one of every type ---- */

static int sockmap(void) { int s; return tm_socket_map(BPF_MAP_TYPE_SOCKMAP, 8, &s); }
static int sockhash(void) { int s; return tm_socket_map(BPF_MAP_TYPE_SOCKHASH, 8, &s); }
static int reuseport(void) { int s; return tm_socket_map(BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, 8, &s); }
static int queue(void) { return tm_push3(BPF_MAP_TYPE_QUEUE); }
static int stack(void) { return tm_push3(BPF_MAP_TYPE_STACK); }
static int dev_map(void) { return tm_devmap(BPF_MAP_TYPE_DEVMAP, 2); }
static int dev_map_hash(void) { return tm_devmap(BPF_MAP_TYPE_DEVMAP_HASH, 9); }
static int hash_of_maps(void) { return tm_map_in_map(BPF_MAP_TYPE_HASH_OF_MAPS); }
static int array_of_maps(void) { return tm_map_in_map(BPF_MAP_TYPE_ARRAY_OF_MAPS); }

#define R(t, l, ...) { .name = #t, .type = t, .listed = l, __VA_ARGS__ }
const struct tm_recipe tm_recipes[] = {
	R(BPF_MAP_TYPE_HASH, true, .ks = 4, .vs = 8, .max = 3),
	R(BPF_MAP_TYPE_ARRAY, true, .ks = 4, .vs = 8, .max = 3),
	R(BPF_MAP_TYPE_PROG_ARRAY, true, .make = tm_prog_array),
	R(BPF_MAP_TYPE_PERF_EVENT_ARRAY, false, .ks = 4, .vs = 4, .max = 0),
	R(BPF_MAP_TYPE_PERCPU_HASH, true, .ks = 4, .vs = 8, .max = 3),
	R(BPF_MAP_TYPE_PERCPU_ARRAY, true, .ks = 4, .vs = 8, .max = 3),
	R(BPF_MAP_TYPE_STACK_TRACE, true, .ks = 4, .vs = 64, .max = 0),
	R(BPF_MAP_TYPE_CGROUP_ARRAY, false, .ks = 4, .vs = 4, .max = 0),
	R(BPF_MAP_TYPE_LRU_HASH, true, .ks = 4, .vs = 8, .max = 3),
	R(BPF_MAP_TYPE_LRU_PERCPU_HASH, true, .ks = 4, .vs = 8, .max = 3),
	R(BPF_MAP_TYPE_LPM_TRIE, true, .make = tm_lpm_trie),
	R(BPF_MAP_TYPE_ARRAY_OF_MAPS, true, .make = array_of_maps),
	R(BPF_MAP_TYPE_HASH_OF_MAPS, true, .make = hash_of_maps),
	R(BPF_MAP_TYPE_DEVMAP, true, .make = dev_map),
	R(BPF_MAP_TYPE_SOCKMAP, true, .make = sockmap),
	R(BPF_MAP_TYPE_CPUMAP, true, .make = tm_cpumap),
	R(BPF_MAP_TYPE_XSKMAP, false, .ks = 4, .vs = 4, .max = 0),
	R(BPF_MAP_TYPE_SOCKHASH, true, .make = sockhash),
	R(BPF_MAP_TYPE_CGROUP_STORAGE, true, .ks = 8, .vs = 8, .max = 0),
	R(BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, true, .make = reuseport),
	R(BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE, true, .ks = 8, .vs = 8, .max = 0),
	R(BPF_MAP_TYPE_QUEUE, false, .make = queue),
	R(BPF_MAP_TYPE_STACK, false, .make = stack),
	R(BPF_MAP_TYPE_SK_STORAGE, false, .obj_map = "dt_sk_storage"),
	R(BPF_MAP_TYPE_DEVMAP_HASH, true, .make = dev_map_hash),
	R(BPF_MAP_TYPE_STRUCT_OPS, true, .make = tm_struct_ops),
	R(BPF_MAP_TYPE_RINGBUF, false, .ks = 0, .vs = 0, .max = 0),
	R(BPF_MAP_TYPE_INODE_STORAGE, false, .obj_map = "dt_inode_storage"),
	R(BPF_MAP_TYPE_TASK_STORAGE, false, .obj_map = "dt_task_storage"),
	R(BPF_MAP_TYPE_BLOOM_FILTER, false, .make = tm_bloom),
	R(BPF_MAP_TYPE_USER_RINGBUF, false, .ks = 0, .vs = 0, .max = 0),
	R(TM_MAP_TYPE_CGRP_STORAGE, false, .obj_map = "dt_cgrp_storage"),
	R(TM_MAP_TYPE_ARENA, false, .make = tm_arena, .may_be_refused = true),
};
const size_t tm_nrecipes = sizeof(tm_recipes) / sizeof(tm_recipes[0]);

static int plain(const struct tm_recipe *r)
{
	if (r->make)
		return r->make();
	if (r->obj_map)
		return tm_types_map(r->obj_map);
	return tm_map_filled(r->type, r->ks, r->vs, r->max,
			     percpu_type(r->type));
}

/* Types whose entries user space cannot make are created empty. */
int tm_make(const struct tm_recipe *r)
{
	static const uint32_t empty_max[] = {
		[BPF_MAP_TYPE_PERF_EVENT_ARRAY] = 2,
		[BPF_MAP_TYPE_STACK_TRACE] = 8,
		[BPF_MAP_TYPE_CGROUP_ARRAY] = 4,
		[BPF_MAP_TYPE_XSKMAP] = 4,
		[BPF_MAP_TYPE_RINGBUF] = 4096,
		[BPF_MAP_TYPE_USER_RINGBUF] = 4096,
	};

	if (r->type < sizeof(empty_max) / sizeof(empty_max[0]) &&
	    empty_max[r->type])
		return tm_map_new(r->type, r->ks, r->vs, empty_max[r->type],
				  NULL);
	if (r->type == BPF_MAP_TYPE_CGROUP_STORAGE ||
	    r->type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE)
		return tm_map_new(r->type, r->ks, r->vs, 0, NULL);
	return plain(r);
}
