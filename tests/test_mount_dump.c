/* tests/test_mount_dump.c: map dumps as users get them from a real bpfpind,
 * read through its FUSE mount and printed by `bpfpin -j dump`: every map
 * type reads as one JSON document, the common types equal `bpftool -j map
 * dump` with and without BTF, the mount and the CLI give the same bytes,
 * `bpfpin -j stat` carries `bpftool -j map show`, shell tools read a BTF
 * map, and 100,000- and 200,000-entry maps read whole, in bpftool's
 * bytes. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpfpin/bpfpin.h>
#include <criterion/criterion.h>
#include <json-c/json.h>

#include "tests/harness.h"
#include "tests/maps.h"

static struct th_daemon d;
static struct bpfpin *b;

static void start(void)
{
	cr_assert_eq(th_daemon_start(&d, true, NULL), 0);
	cr_assert_eq(bpfpin_connect(d.sock, &b), 0);
}

static void stop(void)
{
	bpfpin_close(b);
	b = NULL;
	th_daemon_stop(&d);
}

TestSuite(mount_dump, .init = start, .fini = stop, .timeout = 120);

/* Bytes as read, NUL-terminated for messages. */
struct text {
	char *s;
	size_t len;
};

/* ---- the three sides: the mount, the CLI, bpftool ---- */

static void pin(int fd, const char *name)
{
	char path[256];
	int r;

	snprintf(path, sizeof(path), "/%s", name);
	r = bpfpin_pin(b, fd, path, NULL);
	cr_assert_eq(r, 0, "pin %s: %s (%s)", name, strerror(-r),
		     bpfpin_errmsg(b));
}

static uint32_t pinned_id(const char *name)
{
	struct bpfpin_stat st;
	char path[256];

	snprintf(path, sizeof(path), "/%s", name);
	cr_assert_eq(bpfpin_stat(b, path, &st), 0, "stat %s", name);
	cr_assert_eq(st.obj_kind, BPFPIN_OBJ_MAP, "%s", name);
	return st.obj_id;
}

/* d.mnt/name read with read(2) until EOF, as a reader of the mount sees it. */
static struct text read_mount(const char *name)
{
	size_t cap = 65536;
	struct text t = { .s = malloc(cap) };
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", d.mnt, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0, "open %s: %s", name, strerror(errno));
	cr_assert_not_null(t.s);
	while ((n = read(fd, t.s + t.len, cap - t.len - 1)) > 0) {
		t.len += (size_t)n;
		if (t.len + 1 < cap)
			continue;
		t.s = realloc(t.s, cap *= 2);
		cr_assert_not_null(t.s);
	}
	cr_assert_eq(n, 0, "read %s: %s", name, strerror(errno));
	close(fd);
	t.s[t.len] = '\0';
	cr_assert_gt(t.len, 0, "%s: empty read", name);
	return t;
}

/* `bpfpin -j VERB /name`'s stdout; it must succeed. */
static struct text cli_json(const char *verb, const char *name)
{
	int st;
	char *s = th_run(&st, "'%s' -s '%s' -j %s '/%s'", th_cli(), d.sock,
			 verb, name);

	cr_assert_not_null(s);
	cr_assert_eq(st, 0, "bpfpin -j %s /%s: status %d: %s", verb, name, st,
		     s);
	return (struct text){ .s = s, .len = strlen(s) };
}

/* `bpftool -j map VERB id ID`'s stdout; it must succeed. */
static char *bpftool_json(const char *verb, uint32_t id)
{
	int st;
	char *s = th_run(&st, "bpftool -j map %s id %u", verb, id);

	cr_assert_not_null(s);
	cr_assert_eq(st, 0, "bpftool -j map %s id %u: %s", verb, id, s);
	return s;
}

/* The whole text must be one JSON value; JSON allows white space after. */
static json_object *parse_whole(const char *s, size_t len, const char *what)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *j;
	size_t end;

	cr_assert_not_null(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	j = json_tokener_parse_ex(tok, s, (int)len);
	end = json_tokener_get_parse_end(tok);
	cr_assert_not_null(j, "%s: not JSON (%s): %.500s", what,
			   json_tokener_error_desc(json_tokener_get_error(tok)),
			   s);
	cr_assert_eq(strspn(s + end, " \t\r\n"), len - end,
		     "%s: text after the JSON value: %.200s", what, s + end);
	json_tokener_free(tok);
	return j;
}

/* ---- every map type ---- */

static void assert_reads_as_json(const struct tm_recipe *r)
{
	struct text t;
	json_object *j;
	int fd = tm_make(r);

	if (fd < 0)
		return;	/* refused by this kernel (tm_make logged it) */
	pin(fd, r->name);
	t = read_mount(r->name);
	j = parse_whole(t.s, t.len, r->name);
	cr_assert(json_object_is_type(j, r->listed ? json_type_array
						   : json_type_object),
		  "%s: %.500s", r->name, t.s);
	json_object_put(j);
	free(t.s);
}

/* So that a kernel with a new map type fails here until it has one. */
Test(mount_dump, recipes_cover_every_map_type_of_the_kernel)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int id = btf__find_by_name_kind(vmlinux, "bpf_map_type", BTF_KIND_ENUM);
	const struct btf_type *t = btf__type_by_id(vmlinux, (uint32_t)id);

	cr_assert_gt(id, 0);
	for (uint32_t i = 0; i < btf_vlen(t); i++) {
		const char *name = btf__name_by_offset(vmlinux,
						       btf_enum(t)[i].name_off);
		uint32_t type = (uint32_t)btf_enum(t)[i].val;
		size_t r = 0;

		if (type == BPF_MAP_TYPE_UNSPEC || !strncmp(name, "__", 2))
			continue;
		while (r < tm_nrecipes && tm_recipes[r].type != type)
			r++;
		cr_assert_lt(r, tm_nrecipes, "no recipe for %s", name);
	}
	btf__free(vmlinux);
}

Test(mount_dump, every_map_type_reads_as_one_json_document)
{
	for (size_t i = 0; i < tm_nrecipes; i++)
		assert_reads_as_json(&tm_recipes[i]);
}

/* A lone extra newline is named, for it says which side to fix. */
static void assert_same_bytes(const char *name, const struct text *mnt,
			      const struct text *cli)
{
	size_t common = mnt->len < cli->len ? mnt->len : cli->len;
	bool prefix = memcmp(mnt->s, cli->s, common) == 0;

	cr_assert(!(prefix && mnt->len == cli->len + 1 &&
		    mnt->s[cli->len] == '\n'),
		  "%s: only the mount's text ends with a newline", name);
	cr_assert(!(prefix && cli->len == mnt->len + 1 &&
		    cli->s[mnt->len] == '\n'),
		  "%s: only the CLI's text ends with a newline", name);
	cr_assert(prefix && mnt->len == cli->len,
		  "%s: the mount and the CLI differ\nmount (%zu bytes): %.500s\n"
		  "cli   (%zu bytes): %.500s", name, mnt->len, mnt->s,
		  cli->len, cli->s);
}

static void assert_mount_is_cli_dump(const char *name)
{
	struct text mnt = read_mount(name), cli = cli_json("dump", name);

	assert_same_bytes(name, &mnt, &cli);
	free(mnt.s);
	free(cli.s);
}

Test(mount_dump, every_map_type_reads_as_its_cli_json_dump_byte_for_byte)
{
	for (size_t i = 0; i < tm_nrecipes; i++) {
		int fd = tm_make(&tm_recipes[i]);

		if (fd < 0)
			continue;	/* refused by this kernel */
		pin(fd, tm_recipes[i].name);
		assert_mount_is_cli_dump(tm_recipes[i].name);
	}
}

/* Entries only the kernel can make: stacks and cgroup storage. */
static void assert_listed_and_cli_equal(int fd, const char *name)
{
	struct text t;
	json_object *j;

	pin(fd, name);
	t = read_mount(name);
	j = parse_whole(t.s, t.len, name);
	cr_assert(json_object_is_type(j, json_type_array), "%s: %s", name, t.s);
	cr_assert_gt(json_object_array_length(j), 0, "%s: no entry", name);
	assert_mount_is_cli_dump(name);
	json_object_put(j);
	free(t.s);
}

Test(mount_dump, recorded_stack_trace_reads_as_json_and_as_cli_dump)
{
	assert_listed_and_cli_equal(tm_recorded_stacks(), "stacks");
}

Test(mount_dump, attached_cgroup_storages_read_as_json_and_as_cli_dump,
     .fini = tm_cgroup_cleanup)
{
	struct bpf_object *obj = tm_cgroup_attached();

	assert_listed_and_cli_equal(tm_obj_map(obj, "dc_storage"), "storage");
	assert_listed_and_cli_equal(tm_obj_map(obj, "dc_pcpu_storage"),
				    "pcpu_storage");
}

/* ---- equal to bpftool, with and without BTF ---- */

static void assert_mount_equals_bpftool(int fd, const char *name)
{
	struct text t;
	json_object *mine, *theirs;
	char *tool;

	pin(fd, name);
	t = read_mount(name);
	tool = bpftool_json("dump", pinned_id(name));
	mine = parse_whole(t.s, t.len, "the mount");
	theirs = parse_whole(tool, strlen(tool), "bpftool");
	cr_assert_gt(json_object_array_length(theirs), 0, "%s: no entry", name);
	cr_assert(json_object_equal(mine, theirs),
		  "%s differs from bpftool:\nmount:   %.3000s\nbpftool: %.3000s",
		  name, t.s, tool);
	json_object_put(mine);
	json_object_put(theirs);
	free(t.s);
	free(tool);
}

Test(mount_dump, hash_equals_bpftool)
{
	assert_mount_equals_bpftool(
		tm_map_filled(BPF_MAP_TYPE_HASH, 4, 8, 10, false), "hash");
}

Test(mount_dump, array_equals_bpftool)
{
	assert_mount_equals_bpftool(
		tm_map_filled(BPF_MAP_TYPE_ARRAY, 4, 12, 5, false), "array");
}

Test(mount_dump, percpu_hash_equals_bpftool)
{
	assert_mount_equals_bpftool(
		tm_map_filled(BPF_MAP_TYPE_PERCPU_HASH, 4, 12, 6, true),
		"percpu_hash");
}

Test(mount_dump, percpu_array_equals_bpftool)
{
	assert_mount_equals_bpftool(
		tm_map_filled(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 3, true),
		"percpu_array");
}

Test(mount_dump, lru_hash_equals_bpftool)
{
	assert_mount_equals_bpftool(
		tm_map_filled(BPF_MAP_TYPE_LRU_HASH, 8, 20, 7, false),
		"lru_hash");
}

Test(mount_dump, lru_percpu_hash_equals_bpftool)
{
	assert_mount_equals_bpftool(
		tm_map_filled(BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 7, true),
		"lru_percpu_hash");
}

Test(mount_dump, hash_with_btf_equals_bpftool)
{
	assert_mount_equals_bpftool(tm_dt_map("dt_hash", 4), "hash");
}

Test(mount_dump, array_with_btf_equals_bpftool)
{
	assert_mount_equals_bpftool(tm_dt_map("dt_array", 4), "array");
}

Test(mount_dump, percpu_hash_with_btf_equals_bpftool)
{
	assert_mount_equals_bpftool(tm_dt_map("dt_pc_hash", 5), "percpu_hash");
}

Test(mount_dump, percpu_array_with_btf_equals_bpftool)
{
	assert_mount_equals_bpftool(tm_dt_map("dt_pc_array", 3),
				    "percpu_array");
}

Test(mount_dump, lru_hash_with_btf_equals_bpftool)
{
	assert_mount_equals_bpftool(tm_dt_map("dt_lru", 6), "lru_hash");
}

Test(mount_dump, lru_percpu_hash_with_btf_equals_bpftool)
{
	assert_mount_equals_bpftool(tm_dt_map("dt_lru_pc", 6),
				    "lru_percpu_hash");
}

/* ---- bpfpin -j stat and bpftool -j map show ---- */

/* What bpftool -j map show prints for every map; btf_id only with BTF. */
static const char *const show_fields[] = {
	"id", "type", "name", "flags", "bytes_key", "bytes_value",
	"max_entries", "bytes_memlock", "frozen", "btf_id",
};

/* Each field is in stat's info exactly when bpftool shows it, and equal;
 * returns that info (the caller puts it). */
static json_object *assert_stat_carries_show(const char *name)
{
	struct text stat = cli_json("stat", name);
	char *tool = bpftool_json("show", pinned_id(name));
	json_object *s = parse_whole(stat.s, stat.len, "bpfpin -j stat");
	json_object *show = parse_whole(tool, strlen(tool), "bpftool");
	json_object *info;

	cr_assert(json_object_object_get_ex(s, "info", &info),
		  "no object info in bpfpin -j stat: %s", stat.s);
	for (size_t i = 0; i < sizeof(show_fields) / sizeof(show_fields[0]); i++)
		cr_assert(json_object_equal(
				  json_object_object_get(info, show_fields[i]),
				  json_object_object_get(show, show_fields[i])),
			  "%s differs:\nstat:    %s\nbpftool: %s",
			  show_fields[i], stat.s, tool);
	json_object_get(info);
	json_object_put(s);
	json_object_put(show);
	free(stat.s);
	free(tool);
	return info;
}

static int64_t field(json_object *o, const char *key)
{
	json_object *v;

	cr_assert(json_object_object_get_ex(o, key, &v), "no %s", key);
	return json_object_get_int64(v);
}

Test(mount_dump, stat_of_btf_map_carries_bpftool_map_show)
{
	json_object *info;

	pin(tm_dt_map("dt_hash", 2), "btf_hash");
	info = assert_stat_carries_show("btf_hash");
	cr_assert_gt(field(info, "btf_id"), 0);
	json_object_put(info);
}

Test(mount_dump, stat_of_frozen_map_carries_bpftool_map_show)
{
	int fd = tm_map_filled(BPF_MAP_TYPE_HASH, 4, 8, 3, false);
	json_object *info;

	cr_assert_eq(bpf_map_freeze(fd), 0, "%s", strerror(errno));
	pin(fd, "frozen");
	info = assert_stat_carries_show("frozen");
	cr_assert_eq(field(info, "frozen"), 1);
	json_object_put(info);
}

/* ---- shell tools ---- */

/* test_fuse reads a map without BTF with these; this one has BTF. */
Test(mount_dump, cat_jq_and_python_read_btf_hash_map_without_error)
{
	static const char *const tools[] = {
		"cat", "jq .",
		"python3 -c 'import json,sys; json.load(open(sys.argv[1]))'",
	};
	int st;
	char *out;

	pin(tm_dt_map("dt_hash", 4), "btf_hash");
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		out = th_run(&st, "%s '%s/btf_hash' 2>&1", tools[i], d.mnt);
		cr_assert_not_null(out);
		cr_assert_eq(st, 0, "%s: status %d: %.500s", tools[i], st, out);
		free(out);
	}
}

/* ---- size ---- */

/* A dump's little-endian hex bytes ["0x01","0x00",...] as a number. */
static uint64_t le_bytes(json_object *bytes)
{
	uint64_t v = 0;

	cr_assert(json_object_is_type(bytes, json_type_array));
	for (size_t i = json_object_array_length(bytes); i-- > 0;)
		v = v << 8 | strtoul(json_object_get_string(
				     json_object_array_get_idx(bytes, i)),
				     NULL, 16);
	return v;
}

Test(mount_dump, map_of_100000_entries_reads_whole)
{
	const uint32_t n = 100000;
	uint8_t *seen = calloc(n, 1);
	struct text t;
	json_object *j;

	cr_assert_not_null(seen);
	pin(tm_big_hash(n), "big");
	t = read_mount("big");
	j = parse_whole(t.s, t.len, "big");
	cr_assert_eq(json_object_array_length(j), n);
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(j, i);
		uint64_t k = le_bytes(json_object_object_get(e, "key"));

		cr_assert_lt(k, n);
		cr_assert_eq(seen[k], 0, "key %llu twice", (unsigned long long)k);
		seen[k] = 1;
		cr_assert_eq(le_bytes(json_object_object_get(e, "value")), 3 * k,
			     "key %llu", (unsigned long long)k);
	}
	json_object_put(j);
	free(seen);
	free(t.s);
}

/* Large hash maps are read by a thread per CPU (bpf/dump_par.c), on the
 * mount as in the CLI: still bpftool's bytes, in bpftool's order. On the
 * mount, later parts are read from their own spill files (fs/fuse_doc.c):
 * reads at any offset, across the joins, give the same bytes. */
/* pread of up to 64 KiB at offsets spread over the file, last first (one
 * open: one snapshot), equals the same bytes of a whole read. */
static void assert_reads_at_offsets(const char *name, const struct text *t)
{
	const size_t step = 99991;
	char path[256], *buf = malloc(65536);
	int fd;

	snprintf(path, sizeof(path), "%s/%s", d.mnt, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	cr_assert_not_null(buf);
	for (size_t k = t->len / step + 1; k-- > 0;) {
		size_t off = k * step, want = 65536;
		ssize_t n;

		if (off >= t->len)
			continue;
		if (want > t->len - off)
			want = t->len - off;
		n = pread(fd, buf, want, (off_t)off);
		cr_assert_gt(n, 0, "pread at %zu: %zd", off, n);
		cr_assert(memcmp(buf, t->s + off, (size_t)n) == 0,
			  "bytes at %zu differ", off);
	}
	cr_assert_eq(pread(fd, buf, 10, (off_t)t->len), 0, "EOF at the end");
	close(fd);
	free(buf);
}

Test(mount_dump, large_hash_reads_as_bpftools_bytes_on_mount_and_cli)
{
	struct text t, c;
	char *theirs;

	pin(tm_big_hash(200000), "big");
	theirs = bpftool_json("dump", pinned_id("big"));
	t = read_mount("big");
	c = cli_json("dump", "big");
	cr_assert(strcmp(t.s, theirs) == 0, "mount differs from bpftool -j");
	cr_assert(strcmp(c.s, theirs) == 0, "bpfpin dump differs from bpftool");
	assert_reads_at_offsets("big", &t);
	free(theirs);
	free(t.s);
	free(c.s);
}
