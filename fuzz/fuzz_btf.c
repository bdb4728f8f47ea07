/* fuzz/fuzz_btf.c: the BTF-driven formatter on generated BTF. The input
 * builds up to 48 types with libbpf's btf__add_* (any kind, any sizes,
 * offsets, bitfields and references, forward and cyclic ones included,
 * so also layouts the kernel would refuse), then every type id that has
 * a size is compiled into a plan and run over value bytes taken from the
 * input, in a buffer of exactly that size. The output must be one valid
 * JSON value; it is then parsed back into bytes by the key parser. */
#include "config.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bpf/btf_fmt.h"
#include "bpf/dump_int.h"
#include "bpf/jw.h"

#define TYPES_MAX 48
#define VALUE_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct gen {
	const uint8_t *p, *end;
	const uint8_t *data;    /* the whole input, for value bytes */
	size_t size;
	struct btf *btf;
	int n;                  /* types added */
};

static uint8_t next(struct gen *g)
{
	return g->p < g->end ? *g->p++ : 0;
}

static uint32_t next16(struct gen *g)
{
	uint32_t hi = next(g);

	return hi << 8 | next(g);
}

static const char *const names[] = {
	"a", "b", "int", "char", "unsigned char", "_Bool", "x", "", "q\"uo\\te",
	"\xc3\xa9t\xc3\xa9", "\x01", "a", "very_long_name_0123456789abcdef",
};

static const char *name(struct gen *g)
{
	return names[next(g) % (sizeof(names) / sizeof(names[0]))];
}

/* A type id: void, one already made, or a little ahead (cycles). */
static int ref(struct gen *g)
{
	return next(g) % (g->n + 4);
}

static void add_members(struct gen *g, int id)
{
	int n = next(g) % 8;

	for (int i = 0; i < n && id > 0; i++) {
		uint32_t bit = next16(g) % 2048, width = next(g);
		const char *nm = name(g);

		width = width < 0xc0 ? 0 : width & 0x3f;
		btf__add_field(g->btf, nm, ref(g), bit, width);
	}
}

static void add_enum(struct gen *g, bool is64)
{
	static const uint32_t sizes[] = { 1, 2, 4, 8, 3 };
	uint32_t sz = sizes[next(g) % 5];
	int n = next(g) % 6;
	const char *tn = name(g);
	int id = is64 ? btf__add_enum64(g->btf, tn, sz, next(g) & 1)
		      : btf__add_enum(g->btf, tn, sz);

	for (int i = 0; i < n && id > 0; i++) {
		int64_t v = (int8_t)next(g);
		const char *vn;

		v *= next(g) & 1 ? 1 : 0x1000001;
		vn = name(g);
		if (is64)
			btf__add_enum64_value(g->btf, vn, (uint64_t)v << (next(g) % 40));
		else
			btf__add_enum_value(g->btf, vn, v);
	}
}

static void add_datasec(struct gen *g)
{
	int n = next(g) % 4;
	int id = btf__add_datasec(g->btf, ".data", next16(g) % 512);

	for (int i = 0; i < n && id > 0; i++) {
		int var = ref(g);
		uint8_t off = next(g);

		btf__add_datasec_var_info(g->btf, var, off, next(g) % 64);
	}
}

static void add_scalar(struct gen *g, uint8_t kind)
{
	static const size_t isz[] = { 1, 2, 4, 8, 16, 3 };
	static const int enc[] = { 0, BTF_INT_SIGNED, BTF_INT_CHAR, BTF_INT_BOOL };
	static const size_t fsz[] = { 2, 4, 8, 12, 16 };
	const char *n = name(g);
	uint8_t size = next(g);

	if (kind == 2)
		btf__add_float(g->btf, n, fsz[size % 5]);
	else
		btf__add_int(g->btf, n, isz[size % 6], enc[next(g) % 4]);
}

static void add_array(struct gen *g)
{
	int elem = ref(g), index = ref(g);
	uint8_t big = next(g);

	btf__add_array(g->btf, index, elem,
		       big < 0xf0 ? next(g) % 40 : next16(g) << 4);
}

static void add_composite(struct gen *g, bool is_union)
{
	const char *n = name(g);
	int id = is_union ? btf__add_union(g->btf, n, next(g) % 64)
			  : btf__add_struct(g->btf, n, next16(g) % 512);

	add_members(g, id);
}

/* A type of any kind that takes a name and a reference. */
static void add_named_ref(struct gen *g, uint8_t kind)
{
	const char *n = name(g);
	uint8_t arg = next(g);

	if (kind == 10)
		btf__add_typedef(g->btf, n, ref(g));
	else if (kind == 12)
		btf__add_fwd(g->btf, n, arg % 3);
	else
		btf__add_var(g->btf, n, arg % 3, ref(g));
}

static void add_type(struct gen *g)
{
	uint8_t kind = next(g);

	switch (kind % 16) {
	case 0: case 1: case 2: add_scalar(g, kind % 16); break;
	case 3: btf__add_ptr(g->btf, ref(g)); break;
	case 4: case 5: add_array(g); break;
	case 6: add_composite(g, false); break;
	case 7: add_composite(g, true); break;
	case 8: add_enum(g, false); break;
	case 9: add_enum(g, true); break;
	case 11:
		if (kind & 0x10)
			btf__add_const(g->btf, ref(g));
		else
			btf__add_volatile(g->btf, ref(g));
		break;
	case 10: case 12: case 13: add_named_ref(g, kind % 16); break;
	case 14: add_datasec(g); break;
	default: btf__add_func_proto(g->btf, ref(g)); break;
	}
}

/* One writer and one memfd for a whole input: each type's output is the
 * part of the memfd it added, NUL-terminated in a buffer of its own. */
static char *format(struct jw *w, const struct btf_fmt *f, const uint8_t *value,
		    size_t *len)
{
	off_t from = lseek(w->fd, 0, SEEK_END), to;
	char *text;

	w->sep = '\0';         /* each value on its own, not a list */
	btf_fmt_write(f, w, value);
	if (jw_flush(w) < 0 || (to = lseek(w->fd, 0, SEEK_END)) < 0 ||
	    !(text = malloc((size_t)(to - from) + 1)) ||
	    pread(w->fd, text, (size_t)(to - from), from) != to - from)
		abort();
	text[to - from] = '\0';
	*len = (size_t)(to - from);
	return text;
}

static void check_json(const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new_ex(JW_DEPTH_MAX * 4);
	/* the NUL too: a number at the very end is complete only then */
	struct json_object *o = json_tokener_parse_ex(tok, text, (int)len + 1);

	if (!o || json_tokener_get_parse_end(tok) < len) {
		fprintf(stderr, "not one JSON value: %s\n", text);
		abort();
	}
	json_object_put(o);
	json_tokener_free(tok);
}

static void run_type(struct gen *g, struct jw *w, uint32_t id)
{
	long long sz = btf__resolve_size(g->btf, id);
	struct btf_fmt *f = NULL;
	uint8_t *value, *back;
	char err[256], *text;
	size_t len;

	if (sz <= 0 || sz > VALUE_MAX || btf_fmt_new(g->btf, id, (uint32_t)sz, &f))
		return;
	/* exactly sz bytes on the heap, so a read past them is caught */
	value = malloc((size_t)sz);
	back = calloc(1, (size_t)sz);
	for (long long i = 0; i < sz; i++)
		value[i] = g->size ? g->data[(i * 7 + id) % g->size] : 0;
	text = format(w, f, value, &len);
	check_json(text, len);
	dump_key_from_json(f, text, back, err, sizeof(err));
	free(text);
	free(back);
	free(value);
	btf_fmt_free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int out = -1;
	struct gen g = { .p = data, .end = data + size, .data = data, .size = size };
	struct jw w;

	if (out < 0 && (out = memfd_create("fuzz-btf", MFD_CLOEXEC)) < 0)
		abort();
	g.btf = btf__new_empty();
	if (!g.btf || ftruncate(out, 0) < 0 || jw_open(&w, out, size && data[0] & 1) < 0)
		abort();
	while (g.p < g.end && g.n < TYPES_MAX) {
		add_type(&g);
		g.n = (int)btf__type_cnt(g.btf) - 1;
	}
	for (uint32_t id = 1; id <= (uint32_t)g.n; id++)
		run_type(&g, &w, id);
	jw_discard(&w);
	btf__free(g.btf);
	return 0;
}
