/* tests/test_dump.c: bpf/dump.h against real kernel maps and the real
 * bpftool: what bpftool can dump comes out equal to `bpftool -j/-p map
 * dump id N`, every map type the kernel offers dumps as valid JSON, big
 * maps dump whole in bounded memory, and keys round-trip through
 * dump_parse_key and dump_lookup. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <json-c/json.h>

#include "bpf/btf_fmt.h"
#include "bpf/dump.h"
#include "tests/dump_check.h"
#include "tests/harness.h"
#include "tests/maps.h"

TestSuite(dump, .timeout = 120);

/* Compact and pretty, each parsed and compared with bpftool's. */
static void assert_same_as_bpftool(int map_fd)
{
	char *mine = td_dump(map_fd, &td_compact);
	char *theirs = td_bpftool(map_fd, "-j");

	td_assert_json_equal(mine, theirs);
	free(mine);
	free(theirs);
	mine = td_dump(map_fd, &td_pretty);
	theirs = td_bpftool(map_fd, "-p");
	td_assert_json_equal(mine, theirs);
	free(mine);
	free(theirs);
}

static void assert_bytes_as_bpftool(int map_fd, const struct dump_opts *o,
				    const char *flags)
{
	char *mine = td_dump(map_fd, o), *theirs = td_bpftool(map_fd, flags);

	cr_assert_str_eq(mine, theirs);
	free(mine);
	free(theirs);
}

/* ---- equal to bpftool, without BTF ---- */

Test(dump, hash_equals_bpftool)
{
	assert_same_as_bpftool(tm_map_filled(BPF_MAP_TYPE_HASH, 4, 8, 10, false));
}

Test(dump, array_equals_bpftool)
{
	assert_same_as_bpftool(tm_map_filled(BPF_MAP_TYPE_ARRAY, 4, 12, 5, false));
}

Test(dump, percpu_hash_equals_bpftool)
{
	assert_same_as_bpftool(
		tm_map_filled(BPF_MAP_TYPE_PERCPU_HASH, 4, 12, 6, true));
}

Test(dump, percpu_array_equals_bpftool)
{
	assert_same_as_bpftool(
		tm_map_filled(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 3, true));
}

Test(dump, lru_hash_equals_bpftool)
{
	assert_same_as_bpftool(
		tm_map_filled(BPF_MAP_TYPE_LRU_HASH, 8, 20, 7, false));
}

Test(dump, lru_percpu_hash_equals_bpftool)
{
	assert_same_as_bpftool(
		tm_map_filled(BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 7, true));
}

Test(dump, lpm_trie_equals_bpftool)
{
	assert_same_as_bpftool(tm_lpm_trie());
}

Test(dump, hash_of_maps_equals_bpftool)
{
	assert_same_as_bpftool(tm_map_in_map(BPF_MAP_TYPE_HASH_OF_MAPS));
}

Test(dump, array_of_maps_equals_bpftool)
{
	assert_same_as_bpftool(tm_map_in_map(BPF_MAP_TYPE_ARRAY_OF_MAPS));
}

Test(dump, prog_array_equals_bpftool)
{
	assert_same_as_bpftool(tm_prog_array());
}

Test(dump, empty_map_equals_bpftool)
{
	assert_same_as_bpftool(tm_map_new(BPF_MAP_TYPE_HASH, 4, 8, 4, NULL));
}

/* ---- equal to bpftool, with BTF ---- */

Test(dump, hash_with_btf_equals_bpftool)
{
	assert_same_as_bpftool(tm_dt_map("dt_hash", 4));
}

Test(dump, array_with_btf_equals_bpftool)
{
	assert_same_as_bpftool(tm_dt_map("dt_array", 4));
}

Test(dump, percpu_hash_with_btf_equals_bpftool)
{
	assert_same_as_bpftool(tm_dt_map("dt_pc_hash", 5));
}

Test(dump, percpu_array_with_btf_equals_bpftool)
{
	assert_same_as_bpftool(tm_dt_map("dt_pc_array", 3));
}

Test(dump, lru_hash_with_btf_equals_bpftool)
{
	assert_same_as_bpftool(tm_dt_map("dt_lru", 6));
}

Test(dump, lru_percpu_hash_with_btf_equals_bpftool)
{
	assert_same_as_bpftool(tm_dt_map("dt_lru_pc", 6));
}

Test(dump, lpm_trie_with_btf_equals_bpftool)
{
	int fd = tm_types_map("dt_lpm");

	for (uint32_t i = 0; i < 3; i++) {
		uint8_t key[8] = { 8 + 8 * (uint8_t)i, 0, 0, 0, 10, 1, 2, 3 };
		uint8_t val[4];

		tm_fill_value(val, 4, i);
		cr_assert_eq(bpf_map_update_elem(fd, key, val, 0), 0);
	}
	assert_same_as_bpftool(fd);
}

Test(dump, prog_array_with_btf_equals_bpftool)
{
	int fd = tm_types_map("dt_prog_array"), prog = th_prog_load();
	uint32_t k = 1;

	cr_assert_eq(bpf_map_update_elem(fd, &k, &prog, 0), 0);
	assert_same_as_bpftool(fd);
}

/* Global variables: the value is a DATASEC of VARs. */
Test(dump, global_data_sections_equal_bpftool)
{
	struct bpf_object *obj = tm_types_load();
	struct bpf_map *m;
	int n = 0;

	bpf_object__for_each_map(m, obj) {
		if (!bpf_map__is_internal(m))
			continue;
		assert_same_as_bpftool(bpf_map__fd(m));
		n++;
	}
	cr_assert_eq(n, 3, ".data, .rodata and .bss");
}

Test(dump, enum64_char_and_odd_ints_equal_bpftool)
{
	int fd = tm_hand_btf_map();
	uint8_t v[24] = { 0 };
	uint64_t big = 0xffffffff00000001ULL, unknown = 0xfffffffffffffff0ULL;
	uint32_t k = 7, odd = 0xabcdef;

	memcpy(v, &big, 8);
	memcpy(v + 8, &unknown, 8);
	v[16] = 'Z';
	v[17] = 0x07;
	memcpy(v + 20, &odd, 4);
	cr_assert_eq(bpf_map_update_elem(fd, &k, v, 0), 0);
	assert_same_as_bpftool(fd);
}

/* An enum64 may be 1, 2 or 4 bytes wide: only its own bytes are read
 * (found by fuzz/fuzz_btf: all 8 were, the next member's included). */
Test(dump, enum64_of_4_bytes_reads_only_its_own_bytes)
{
	struct btf *b = btf__new_empty();
	int u32 = btf__add_int(b, "unsigned int", 4, 0);
	int e64 = btf__add_enum64(b, "e64", 4, false), s, fd;
	uint32_t k = 0, v[2] = { 1, 0xffffffff };
	json_object *j, *val;
	char *out;

	btf__add_enum64_value(b, "ONE", 1);
	s = btf__add_struct(b, "pair", 8);
	btf__add_field(b, "e", e64, 0, 0);
	btf__add_field(b, "next", u32, 32, 0);
	cr_assert_eq(btf__load_into_kernel(b), 0);
	LIBBPF_OPTS(bpf_map_create_opts, o, .btf_fd = btf__fd(b),
		    .btf_key_type_id = (uint32_t)u32,
		    .btf_value_type_id = (uint32_t)s);
	fd = tm_map_new(BPF_MAP_TYPE_ARRAY, 4, 8, 1, &o);
	btf__free(b);
	cr_assert_eq(bpf_map_update_elem(fd, &k, v, 0), 0);
	out = td_dump(fd, &td_compact);
	j = td_parse(out);
	val = json_object_object_get(json_object_object_get(
		json_object_array_get_idx(j, 0), "formatted"), "value");
	cr_expect_str_eq(json_object_get_string(json_object_object_get(val, "e")),
			 "ONE", "%s", out);
	json_object_put(j);
	free(out);
}

/* A layout that reaches past its type's size (the kernel refuses such
 * BTF; a plan must not trust it) gets no plan, so nothing reads past the
 * value (found by fuzz/fuzz_btf). */
Test(dump, plan_of_a_layout_past_its_size_is_refused)
{
	struct btf *b = btf__new_empty();
	int u32 = btf__add_int(b, "unsigned int", 4, 0);
	int s = btf__add_struct(b, "short_struct", 4), u, arr;
	struct btf_fmt *f = NULL;

	btf__add_field(b, "beyond", u32, 32, 0);
	u = btf__add_union(b, "u", 2);
	btf__add_field(b, "wide", u32, 0, 0);
	arr = btf__add_array(b, u32, u, 3);
	cr_expect_eq(btf_fmt_new(b, (uint32_t)s, 4, &f), -EINVAL);
	cr_expect_null(f);
	cr_expect_eq(btf_fmt_new(b, (uint32_t)arr, 6, &f), -EINVAL);
	cr_expect_null(f);
	cr_expect_eq(btf_fmt_new(b, (uint32_t)u32, 4, &f), 0);
	btf_fmt_free(f);
	btf__free(b);
}

/* ---- the same bytes as bpftool ---- */

Test(dump, compact_output_is_byte_identical_to_bpftool)
{
	assert_bytes_as_bpftool(tm_dt_map("dt_hash", 4), &td_compact, "-j");
}

Test(dump, pretty_output_is_byte_identical_to_bpftool)
{
	assert_bytes_as_bpftool(tm_dt_map("dt_pc_hash", 3), &td_pretty, "-p");
}

Test(dump, table_without_btf_is_bpftool_plain_output)
{
	assert_bytes_as_bpftool(tm_map_filled(BPF_MAP_TYPE_HASH, 4, 8, 5, false),
				&td_table, "");
	assert_bytes_as_bpftool(tm_map_filled(BPF_MAP_TYPE_HASH, 4, 20, 5, false),
				&td_table, "");
	assert_bytes_as_bpftool(
		tm_map_filled(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 2, true), &td_table,
		"");
}

/* ---- where bpftool's JSON is not JSON, ours is ---- */

Test(dump, floats_are_json_numbers)
{
	int fd, k = 0;
	struct { float f; double d; float inf; double nan; } v = {
		1.5f, -0.1, INFINITY, NAN,
	};
	json_object *j, *val;
	char *s;

	fd = tm_types_map("dt_floats");
	cr_assert_eq(bpf_map_update_elem(fd, &k, &v, 0), 0);
	s = td_dump(fd, &td_compact);
	j = td_parse(s);
	val = json_object_object_get(json_object_object_get(
		json_object_array_get_idx(j, 0), "formatted"), "value");
	cr_assert_float_eq(json_object_get_double(json_object_object_get(val, "f")), 1.5, 1e-9);
	cr_assert_float_eq(json_object_get_double(json_object_object_get(val, "d")), -0.1, 1e-12);
	cr_assert_str_eq(json_object_get_string(json_object_object_get(val, "inf")), "inf");
	cr_assert_str_eq(json_object_get_string(json_object_object_get(val, "nan")), "nan");
	cr_assert(strstr(s, "\"d\":-0.1,"), "shortest form: %s", s);
	json_object_put(j);
	free(s);
}

Test(dump, backslash_in_char_array_is_escaped)
{
	int fd = tm_dt_map("dt_hash", 1);
	uint8_t v[512] = { 0 };
	uint32_t k = 0;
	json_object *j;
	char *s;

	memcpy(v + tm_member_off("dt_val", "name"), "a\\b\"c", 6);
	cr_assert_eq(bpf_map_update_elem(fd, &k, v, 0), 0);
	s = td_dump(fd, &td_compact);
	j = td_parse(s);
	cr_assert_str_eq(json_object_get_string(json_object_object_get(
				 json_object_object_get(json_object_object_get(
					 json_object_array_get_idx(j, 0),
					 "formatted"), "value"), "name")),
			 "a\\b\"c");
	json_object_put(j);
	free(s);
}

/* ---- every map type ---- */

static uint64_t cookie(int sock)
{
	uint64_t c = 0;
	socklen_t len = sizeof(c);

	cr_assert_eq(getsockopt(sock, SOL_SOCKET, SO_COOKIE, &c, &len), 0);
	return c;
}

/* The object a type that cannot be listed dumps as. */
static void assert_says_why(json_object *j, const struct tm_recipe *r, int fd)
{
	json_object *type = json_object_object_get(j, "type");
	const char *want = r->type == TM_MAP_TYPE_ARENA ? "arena"
			   : libbpf_bpf_map_type_str(r->type);

	cr_assert(json_object_is_type(j, json_type_object), "%s", r->name);
	cr_assert_not_null(json_object_object_get(j, "error"), "%s", r->name);
	cr_assert_not_null(json_object_object_get(j, "reason"), "%s", r->name);
	cr_assert_str_eq(json_object_get_string(type), want);
	cr_assert_eq(json_object_get_int64(json_object_object_get(j, "id")),
		     td_map_id(fd));
}

static void assert_valid(const struct tm_recipe *r)
{
	int fd = tm_make(r);
	char *c, *p, *t;
	json_object *j, *jp;

	if (fd < 0)
		return;	/* refused by this kernel (tm_make logged it) */
	c = td_dump(fd, &td_compact);
	p = td_dump(fd, &td_pretty);
	t = td_dump(fd, &td_table);
	j = td_parse(c);
	jp = td_parse(p);

	cr_assert(json_object_equal(j, jp), "%s: pretty and compact differ",
		  r->name);
	if (r->listed)
		cr_assert(json_object_is_type(j, json_type_array),
			  "%s: %.500s", r->name, c);
	else
		assert_says_why(j, r, fd);
	cr_assert_gt(strlen(t), 0);
	json_object_put(j);
	json_object_put(jp);
	free(c);
	free(p);
	free(t);
	close(fd);
}

Test(dump, every_map_type_dumps_as_valid_json)
{
	for (size_t i = 0; i < tm_nrecipes; i++)
		assert_valid(&tm_recipes[i]);
}

/* Values a lookup can return but bpftool cannot name. */
static json_object *first_entry(int fd, char **text)
{
	json_object *j;

	*text = td_dump(fd, &td_compact);
	j = td_parse(*text);
	cr_assert(json_object_is_type(j, json_type_array));
	cr_assert_eq(json_object_array_length(j), 1, "%s", *text);
	return j;
}

static void assert_cookie(uint32_t type)
{
	int sock, fd = tm_socket_map(type, 8, &sock);
	char *s;
	json_object *j = first_entry(fd, &s);
	json_object *e = json_object_array_get_idx(j, 0);

	cr_assert_eq(td_hex_u64(json_object_object_get(e, "key")), 3);
	cr_assert_eq(td_hex_u64(json_object_object_get(e, "value")), cookie(sock),
		     "%s", s);
	json_object_put(j);
	free(s);
}

Test(dump, sockmap_values_are_socket_cookies)
{
	assert_cookie(BPF_MAP_TYPE_SOCKMAP);
}

Test(dump, sockhash_values_are_socket_cookies)
{
	assert_cookie(BPF_MAP_TYPE_SOCKHASH);
}

Test(dump, reuseport_sockarray_values_are_socket_cookies)
{
	assert_cookie(BPF_MAP_TYPE_REUSEPORT_SOCKARRAY);
}

Test(dump, sockmap_with_4_byte_values_says_why)
{
	int sock, fd = tm_socket_map(BPF_MAP_TYPE_SOCKMAP, 4, &sock);
	char *s = td_dump(fd, &td_compact);
	json_object *j = td_parse(s);

	cr_assert(strstr(json_object_get_string(
			       json_object_object_get(j, "reason")),
			 "value_size is 8"), "%s", s);
	json_object_put(j);
	free(s);
}

Test(dump, devmap_skips_empty_slots)
{
	char *s;
	json_object *j = first_entry(tm_devmap(BPF_MAP_TYPE_DEVMAP, 2), &s);

	cr_assert_eq(td_hex_u64(json_object_object_get(
			     json_object_array_get_idx(j, 0), "key")), 2);
	json_object_put(j);
	free(s);
}

static void assert_peeks(uint32_t type, uint32_t next)
{
	int fd = tm_push3(type);
	char *s = td_dump(fd, &td_compact), *again = td_dump(fd, &td_compact);
	json_object *j = td_parse(s);
	uint32_t v = 0;

	cr_assert_eq(td_hex_u64(json_object_object_get(
			     json_object_object_get(j, "peek"), "value")),
		     next, "%s", s);
	cr_assert_str_eq(s, again);
	cr_assert_eq(bpf_map_lookup_and_delete_elem(fd, NULL, &v), 0);
	cr_assert_eq(v, next, "the dump consumed an element");
	json_object_put(j);
	free(s);
	free(again);
}

Test(dump, queue_dump_peeks_without_consuming)
{
	assert_peeks(BPF_MAP_TYPE_QUEUE, 1);
}

Test(dump, stack_dump_peeks_without_consuming)
{
	assert_peeks(BPF_MAP_TYPE_STACK, 3);
}

Test(dump, ringbuf_dump_reports_size_and_positions)
{
	int fd = tm_map_new(BPF_MAP_TYPE_RINGBUF, 0, 0, 8192, NULL);
	char *s = td_dump(fd, &td_compact);
	json_object *j = td_parse(s);

	cr_assert_eq(json_object_get_int64(json_object_object_get(j, "size")),
		     8192, "%s", s);
	cr_assert_not_null(json_object_object_get(j, "consumer_pos"), "%s", s);
	cr_assert_not_null(json_object_object_get(j, "producer_pos"), "%s", s);
	json_object_put(j);
	free(s);
}

Test(dump, struct_ops_equals_bpftool)
{
	assert_same_as_bpftool(tm_struct_ops());
}

/* ---- stack traces ---- */

Test(dump, stack_trace_without_kallsyms_equals_bpftool)
{
	int fd = tm_recorded_stacks();
	char *s = td_dump(fd, &td_compact);
	json_object *j = td_parse(s);

	cr_assert_gt(json_object_array_length(j), 0, "no stack recorded");
	assert_same_as_bpftool(fd);
	json_object_put(j);
	free(s);
}

/* "name+0x1a" at addr: name's address in /proc/kallsyms plus 0x1a. */
static void assert_symbol(const char *addr, const char *sym)
{
	char name[160], *plus, *out;
	unsigned long long a = strtoull(addr, NULL, 16), off;
	bool found = false;

	snprintf(name, sizeof(name), "%s", sym);
	plus = strrchr(name, '+');
	cr_assert_not_null(plus, "%s", sym);
	*plus = '\0';
	off = strtoull(plus + 1, NULL, 16);
	out = th_run(NULL, "awk '$3 == \"%s\" { print $1 }' /proc/kallsyms",
		     name);
	for (char *l = strtok(out, "\n"); l && !found; l = strtok(NULL, "\n"))
		found = strtoull(l, NULL, 16) + off == a;
	cr_assert(found, "%s is not at %s", sym, addr);
	free(out);
}

Test(dump, stack_trace_with_kallsyms_names_kernel_symbols)
{
	const struct dump_opts o = { .kallsyms = 1 };
	int fd = tm_recorded_stacks();
	char *s = td_dump(fd, &o);
	json_object *j = td_parse(s), *frames;

	frames = json_object_object_get(json_object_object_get(
		json_object_array_get_idx(j, 0), "formatted"), "value");
	cr_assert_gt(json_object_array_length(frames), 0, "%s", s);
	for (size_t i = 0; i < json_object_array_length(frames); i++) {
		json_object *f = json_object_array_get_idx(frames, i);
		json_object *sym = json_object_object_get(f, "sym");

		cr_assert_not_null(sym, "frame without a symbol: %s", s);
		assert_symbol(json_object_get_string(
				      json_object_object_get(f, "addr")),
			      json_object_get_string(sym));
	}
	json_object_put(j);
	free(s);
}

/* ---- cgroup storage, with entries made by attaching a program ---- */

Test(dump, cgroup_storage_equals_bpftool, .fini = tm_cgroup_cleanup)
{
	int fd = tm_obj_map(tm_cgroup_attached(), "dc_storage");
	char *s;
	json_object *j = first_entry(fd, &s);

	assert_same_as_bpftool(fd);
	json_object_put(j);
	free(s);
}

Test(dump, percpu_cgroup_storage_equals_bpftool, .fini = tm_cgroup_cleanup)
{
	int fd = tm_obj_map(tm_cgroup_attached(), "dc_pcpu_storage");
	char *s;
	json_object *j = first_entry(fd, &s);

	assert_same_as_bpftool(fd);
	json_object_put(j);
	free(s);
}

/* ---- size and memory ---- */

Test(dump, large_map_dumps_every_entry)
{
	const uint32_t n = 100000;
	int fd = tm_big_hash(n);
	char *s = td_dump(fd, &td_compact), *theirs = td_bpftool(fd, "-j");
	json_object *j = td_parse(s);
	uint8_t *seen = calloc(n, 1);

	cr_assert_eq(json_object_array_length(j), n);
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(j, i);
		uint64_t k = td_hex_u64(json_object_object_get(e, "key"));

		cr_assert_lt(k, n);
		cr_assert_eq(seen[k], 0, "key %llu twice", (unsigned long long)k);
		seen[k] = 1;
		cr_assert_eq(td_hex_u64(json_object_object_get(e, "value")), 3 * k);
	}
	td_assert_json_equal(s, theirs);
	json_object_put(j);
	free(seen);
	free(s);
	free(theirs);
}

static long vm_hwm_kib(void)
{
	char *s = th_run(NULL, "grep VmHWM /proc/%d/status", (int)getpid());
	long kib = strtol(s + strcspn(s, "0123456789"), NULL, 10);

	free(s);
	return kib;
}

Test(dump, memory_stays_bounded_on_a_200k_entry_map)
{
	int fd = tm_big_hash(200000);
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	int refs = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
	long before, after;

	/* "5" resets the peak to what we use now. */
	cr_assert_eq(write(refs, "5", 1), 1);
	before = vm_hwm_kib();
	cr_assert_eq(dump_map(fd, null, &td_compact), 0);
	after = vm_hwm_kib();
	cr_assert_lt(after - before, 3 * 1024, "VmHWM grew by %ld KiB",
		     after - before);
	close(refs);
	close(null);
}

/* ---- keys: parse_key and lookup ---- */

Test(dump, parse_key_reads_hex_forms)
{
	static const char *const forms[] = {
		"0x01 0x00 0x00 0x00", "01 00 00 00", "01000000",
		"0x01000000", " 1 0 0 0\n",
	};
	int fd = tm_map_new(BPF_MAP_TYPE_HASH, 4, 8, 4, NULL);
	const uint8_t want[4] = { 1, 0, 0, 0 };

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		uint8_t key[4];
		char err[128] = "";

		cr_assert_eq(dump_parse_key(fd, forms[i], key, 4, err,
					    sizeof(err)), 0,
			     "%s: %s", forms[i], err);
		cr_assert_arr_eq(key, want, 4, "%s", forms[i]);
	}
}

Test(dump, parse_key_rejects_bad_hex_and_says_why)
{
	int fd = tm_map_new(BPF_MAP_TYPE_HASH, 4, 8, 4, NULL);
	uint8_t key[4];
	char err[128];

	cr_assert_eq(dump_parse_key(fd, "01 00", key, 4, err, sizeof(err)),
		     -EINVAL);
	cr_assert_str_eq(err, "2 bytes given, the key has 4");
	cr_assert_eq(dump_parse_key(fd, "01 zz 00 00", key, 4, err,
				    sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "\"zz\" is not a hex byte");
	cr_assert_eq(dump_parse_key(fd, "01 00 00 00", key, 3, err,
				    sizeof(err)), -EINVAL);
}

Test(dump, parse_key_reads_json_typed_by_btf)
{
	int fd = tm_dt_map("dt_pc_hash", 0);
	const uint8_t want[8] = { 2, 1, 0, 0, 3, 0, 4, 5 };
	uint8_t key[8];
	char err[128] = "";

	cr_assert_eq(dump_parse_key(fd, "{\"a\":258,\"b\":3,\"c\":[4,5]}", key,
				    8, err, sizeof(err)), 0, "%s", err);
	cr_assert_arr_eq(key, want, 8);
	cr_assert_eq(dump_parse_key(fd, "{\"a\":1,\"nope\":2}", key, 8, err,
				    sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "no member \"nope\"");
	cr_assert_eq(dump_parse_key(fd, "{\"b\":65536}", key, 8, err,
				    sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "b: 65536 does not fit in 2 bytes");
}

/* Every formatted key parses back to its bytes, and the lookup of those
 * bytes prints the very entry of the dump. */
static void assert_keys_round_trip(int fd, uint32_t ks)
{
	char *s = td_dump(fd, &td_compact);
	json_object *j = td_parse(s);

	cr_assert_gt(json_object_array_length(j), 0);
	for (size_t i = 0; i < json_object_array_length(j); i++) {
		json_object *e = json_object_array_get_idx(j, i), *got;
		json_object *fk = json_object_object_get(
			json_object_object_get(e, "formatted"), "key");
		uint8_t key[64], raw[64];
		char err[128] = "", *line;
		int mfd = memfd_create("lookup", MFD_CLOEXEC);

		for (uint32_t b = 0; b < ks; b++)
			raw[b] = (uint8_t)strtoul(json_object_get_string(
				json_object_array_get_idx(
					json_object_object_get(e, "key"), b)),
				NULL, 16);
		cr_assert_eq(dump_parse_key(fd, json_object_to_json_string_ext(
						    fk, JSON_C_TO_STRING_PLAIN),
					    key, ks, err, sizeof(err)), 0, "%s", err);
		cr_assert_arr_eq(key, raw, ks);
		cr_assert_eq(dump_lookup(fd, key, ks, mfd, &td_compact), 0);
		line = td_read_fd(mfd);
		got = td_parse(line);
		cr_assert(json_object_equal(got, e), "%s\n%s", line, s);
		json_object_put(got);
		free(line);
		close(mfd);
	}
	json_object_put(j);
	free(s);
}

Test(dump, lookup_of_every_key_equals_its_dumped_entry)
{
	assert_keys_round_trip(tm_dt_map("dt_hash", 4), 4);
}

Test(dump, percpu_lookup_of_every_key_equals_its_dumped_entry)
{
	assert_keys_round_trip(tm_dt_map("dt_pc_hash", 4), 8);
}

Test(dump, lookup_of_an_absent_key_is_enoent_and_writes_nothing)
{
	int fd = tm_map_filled(BPF_MAP_TYPE_HASH, 4, 8, 2, false);
	int mfd = memfd_create("lookup", MFD_CLOEXEC);
	uint32_t k = 99;
	struct stat st;

	cr_assert_eq(dump_lookup(fd, &k, 4, mfd, &td_compact), -ENOENT);
	cr_assert_eq(fstat(mfd, &st), 0);
	cr_assert_eq(st.st_size, 0);
}

/* Socket storage cannot be listed, but a lookup by socket fd works. */
Test(dump, sk_storage_lookup_by_socket_fd_is_formatted)
{
	int fd = tm_types_map("dt_sk_storage"), sock = tm_tcp_listener(false);
	int mfd = memfd_create("lookup", MFD_CLOEXEC);
	const int32_t v[3] = { -7, 8, 9 };
	json_object *j, *val;
	char *s;

	cr_assert_eq(bpf_map_update_elem(fd, &sock, v, 0), 0, "%s",
		     strerror(errno));
	cr_assert_eq(dump_lookup(fd, &sock, 4, mfd, &td_compact), 0);
	s = td_read_fd(mfd);
	j = td_parse(s);
	val = json_object_object_get(json_object_object_get(j, "formatted"),
				     "value");
	cr_assert_eq(json_object_get_int64(json_object_object_get(val, "n")),
		     -7, "%s", s);
	cr_assert_eq(json_object_get_int64(json_object_object_get(val, "m")),
		     8, "%s", s);
	json_object_put(j);
	free(s);
}

/* ---- output fds ---- */

/* out[0] is read by a thread while the dump writes to the non-blocking
 * out[1]; what arrives must be the whole dump. */
static void assert_streams(int out[2])
{
	int fd = tm_big_hash(20000);
	char *want = td_dump(fd, &td_compact);
	struct th_drain d;

	cr_assert_eq(fcntl(out[1], F_SETFL, O_NONBLOCK), 0);
	cr_assert_eq(th_drain_start(&d, out[0]), 0);
	cr_assert_eq(dump_map(fd, out[1], &td_compact), 0);
	close(out[1]);
	th_drain_join(&d);
	cr_assert_eq(d.len, strlen(want));
	cr_assert(memcmp(d.buf, want, d.len) == 0);
	free(d.buf);
	free(want);
	close(out[0]);
}

Test(dump, streams_through_a_nonblocking_pipe)
{
	int p[2];

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	assert_streams(p);
}

Test(dump, streams_through_a_nonblocking_socket)
{
	int s[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s), 0);
	assert_streams(s);
}

Test(dump, socket_without_reader_is_epipe)
{
	int fd = tm_big_hash(20000), s[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s), 0);
	close(s[1]);
	cr_assert_eq(dump_map(fd, s[0], &td_compact), -EPIPE);
}

Test(dump, program_fd_is_einval)
{
	int mfd = memfd_create("dump", MFD_CLOEXEC);
	struct stat st;

	cr_assert_eq(dump_map(th_prog_load(), mfd, &td_compact), -EINVAL);
	cr_assert_eq(fstat(mfd, &st), 0);
	cr_assert_eq(st.st_size, 0);
}

Test(dump, write_only_map_fd_is_eperm_and_writes_nothing)
{
	int fd = tm_map_filled(BPF_MAP_TYPE_HASH, 4, 8, 3, false), wfd;
	int mfd = memfd_create("dump", MFD_CLOEXEC);
	LIBBPF_OPTS(bpf_get_fd_by_id_opts, o, .open_flags = BPF_F_WRONLY);
	struct stat st;

	wfd = bpf_map_get_fd_by_id_opts(td_map_id(fd), &o);
	cr_assert_geq(wfd, 0);
	cr_assert_eq(dump_map(wfd, mfd, &td_compact), -EPERM);
	cr_assert_eq(fstat(mfd, &st), 0);
	cr_assert_eq(st.st_size, 0);
}

/* ---- the table ---- */

Test(dump, table_prints_one_json_line_per_btf_entry)
{
	char *t = td_dump(tm_dt_map("dt_pc_hash", 3), &td_table), *save = NULL;
	int lines = 0;

	for (char *l = strtok_r(t, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save), lines++) {
		char *eq = strstr(l, " = ");

		if (lines == 3) {
			cr_assert_str_eq(l, "Found 3 elements");
			continue;
		}
		cr_assert_not_null(eq, "%s", l);
		*eq = '\0';
		json_object_put(td_parse(l));
		json_object_put(td_parse(eq + 3));
	}
	cr_assert_eq(lines, 4);
	free(t);
}
