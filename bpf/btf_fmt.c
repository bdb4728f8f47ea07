/* bpf/btf_fmt.c: compile a BTF type into a formatting plan, and run the
 * plan over an entry's bytes. The output follows bpftool's btf_dumper
 * (numbers, enum names, "0x..." bitfields, char arrays as strings) but
 * stays valid JSON where bpftool's does not (floats, backslashes). */
#include "config.h"

#include "bpf/btf_fmt.h"

#include <bpf/btf.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/jw.h"

/* Limits on a plan, so that a hostile or huge BTF costs bounded memory. */
#define FMT_MAX_NODES (1u << 16)
#define FMT_MAX_ENUMS (1u << 18)
#define FMT_MAX_NAMES (4u << 20)
#define FMT_MAX_DEPTH 32
#define FMT_MAX_NAME 256

struct builder {
	const struct btf *btf;
	struct btf_fmt *f;
	uint32_t cap_nodes, cap_enums, cap_names;
};

static int grow(void **p, uint32_t *cap, uint32_t need, size_t elem,
		uint32_t max)
{
	uint32_t n = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	if (need > max)
		return -E2BIG;
	while (n < need)
		n = n * 2 > max ? max : n * 2;
	q = realloc(*p, (size_t)n * elem);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

/* Reserve count consecutive nodes; their index in *first. */
static int add_nodes(struct builder *b, uint32_t count, uint32_t *first)
{
	struct btf_fmt *f = b->f;
	int err = grow((void **)&f->nodes, &b->cap_nodes, f->nnodes + count,
		       sizeof(*f->nodes), FMT_MAX_NODES);

	if (err)
		return err;
	memset(f->nodes + f->nnodes, 0, (size_t)count * sizeof(*f->nodes));
	*first = f->nnodes;
	f->nnodes += count;
	return 0;
}

/* Store name quoted and escaped; its place in *off and *len. */
static int add_name(struct builder *b, const char *name, uint32_t *off,
		    uint32_t *len)
{
	struct btf_fmt *f = b->f;
	size_t n = name ? strlen(name) : 0;
	char *end;
	int err;

	if (n > FMT_MAX_NAME)
		n = FMT_MAX_NAME;
	err = grow((void **)&f->names, &b->cap_names,
		   f->names_len + (uint32_t)(6 * n + 2), 1, FMT_MAX_NAMES);
	if (err)
		return err;
	end = jw_fmt_escaped(f->names + f->names_len, name ? name : "", n);
	*off = f->names_len;
	*len = (uint32_t)(end - (f->names + f->names_len));
	f->names_len += *len;
	return 0;
}

static const struct btf_type *skip_mods(const struct btf *btf, uint32_t *id,
					bool typedefs)
{
	const struct btf_type *t = btf__type_by_id(btf, *id);

	for (int i = 0; t && i < FMT_MAX_DEPTH; i++) {
		if (!btf_is_mod(t) && !(typedefs && btf_is_typedef(t)))
			return t;
		*id = t->type;
		t = btf__type_by_id(btf, *id);
	}
	return NULL;
}

static int fill(struct builder *b, uint32_t slot, uint32_t id, uint32_t off,
		unsigned int bit_off, int depth);

static void set_bits(struct btf_fmt_node *n, uint32_t off,
		     unsigned int bit_off, unsigned int nr_bits)
{
	n->op = BF_BITS;
	n->off = off + bit_off / 8;
	n->bit_off = (uint8_t)(bit_off % 8);
	n->nr_bits = (uint8_t)(nr_bits > 128 ? 128 : nr_bits);
}

/* bpftool's choice: any offset or odd width makes an int a bitfield. */
static void fill_int(struct btf_fmt_node *n, const struct btf_type *t,
		     uint32_t off, unsigned int bit_off)
{
	static const uint8_t uops[] = { BF_U8, BF_U16, 0, BF_U32, 0, 0, 0, BF_U64 };
	static const uint8_t sops[] = { BF_S8, BF_S16, 0, BF_S32, 0, 0, 0, BF_S64 };
	unsigned int bits = btf_int_bits(t), enc = btf_int_encoding(t);
	unsigned int bytes = bits / 8;

	n->off = off;
	if (bit_off || btf_int_offset(t) || bits % 8 || bits == 0) {
		set_bits(n, off, bit_off + btf_int_offset(t), bits);
	} else if (bits == 128) {
		n->op = BF_INT128;
	} else if (enc == BTF_INT_CHAR) {
		n->op = BF_CHAR;
	} else if (enc == BTF_INT_BOOL) {
		n->op = BF_BOOL;
	} else if (enc == 0 || enc == BTF_INT_SIGNED) {
		uint8_t op = bytes <= 8 ? (enc ? sops : uops)[bytes - 1] : 0;

		if (op)
			n->op = op;
		else
			set_bits(n, off, 0, bits);
	}
}

static int fill_enum(struct builder *b, struct btf_fmt_node *n,
		     const struct btf_type *t)
{
	struct btf_fmt *f = b->f;
	uint32_t vlen = btf_vlen(t);
	int err;

	if (t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8)
		return 0;
	err = grow((void **)&f->enums, &b->cap_enums, f->nenums + vlen,
		   sizeof(*f->enums), FMT_MAX_ENUMS);
	if (err)
		return err;
	n->op = btf_is_enum64(t) ? BF_ENUM64 : BF_ENUM;
	n->size = (uint8_t)t->size;
	n->kids = f->nenums;
	n->nkids = vlen;
	for (uint32_t i = 0; i < vlen; i++) {
		struct btf_fmt_enumerator *e = &f->enums[f->nenums++];
		uint32_t name_off;

		if (btf_is_enum64(t)) {
			e->val = (int64_t)btf_enum64_value(btf_enum64(t) + i);
			name_off = btf_enum64(t)[i].name_off;
		} else {
			e->val = btf_enum(t)[i].val;
			name_off = btf_enum(t)[i].name_off;
		}
		err = add_name(b, btf__name_by_offset(b->btf, name_off),
			       &e->name, &e->name_len);
		if (err)
			return err;
	}
	return 0;
}

static int fill_struct(struct builder *b, uint32_t slot,
		       const struct btf_type *t, int depth)
{
	uint32_t vlen = btf_vlen(t), kids;
	int err = add_nodes(b, vlen, &kids);

	if (err)
		return err;
	b->f->nodes[slot].op = BF_STRUCT;
	b->f->nodes[slot].kids = kids;
	b->f->nodes[slot].nkids = vlen;
	for (uint32_t i = 0; i < vlen; i++) {
		const struct btf_member *m = btf_members(t) + i;
		uint32_t bit = btf_member_bit_offset(t, i);
		uint32_t width = btf_member_bitfield_size(t, i);
		struct btf_fmt_node *k;

		if (width)
			set_bits(&b->f->nodes[kids + i], 0, bit, width);
		else
			err = fill(b, kids + i, m->type, bit / 8, bit % 8,
				   depth + 1);
		if (err)
			return err;
		k = &b->f->nodes[kids + i];
		err = add_name(b, btf__name_by_offset(b->btf, m->name_off),
			       &k->name, &k->name_len);
		if (err)
			return err;
	}
	return 0;
}

/* bpftool prints an array of char (not of a typedef of char) as a string
 * when it holds a printable NUL-terminated one. */
static bool is_char(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = skip_mods(btf, &id, false);

	if (!t || !btf_is_int(t) || t->size != 1)
		return false;
	return btf_int_encoding(t) == BTF_INT_CHAR ||
	       strcmp(btf__name_by_offset(btf, t->name_off), "char") == 0;
}

static int fill_array(struct builder *b, uint32_t slot,
		      const struct btf_type *t, int depth)
{
	const struct btf_array *a = btf_array(t);
	long long esize = btf__resolve_size(b->btf, a->type);
	uint32_t kid;
	int err;

	if (esize < 0)
		return (int)esize;
	err = add_nodes(b, 1, &kid);
	if (err)
		return err;
	b->f->nodes[slot].op = BF_ARRAY;
	b->f->nodes[slot].kids = kid;
	b->f->nodes[slot].nkids = 1;
	b->f->nodes[slot].nelems = a->nelems;
	b->f->nodes[slot].elem_size = (uint32_t)esize;
	b->f->nodes[slot].text = a->nelems > 0 && is_char(b->btf, a->type);
	return fill(b, kid, a->type, 0, 0, depth + 1);
}

static int fill_var(struct builder *b, uint32_t slot,
		    const struct btf_type *t, unsigned int bit_off, int depth)
{
	uint32_t kid;
	int err = add_nodes(b, 1, &kid);

	if (err)
		return err;
	b->f->nodes[slot].op = BF_VAR;
	b->f->nodes[slot].kids = kid;
	b->f->nodes[slot].nkids = 1;
	err = fill(b, kid, t->type, 0, bit_off, depth + 1);
	if (err)
		return err;
	return add_name(b, btf__name_by_offset(b->btf, t->name_off),
			&b->f->nodes[slot].name, &b->f->nodes[slot].name_len);
}

static int fill_datasec(struct builder *b, uint32_t slot,
			const struct btf_type *t, int depth)
{
	uint32_t vlen = btf_vlen(t), kids;
	const struct btf_var_secinfo *v = btf_var_secinfos(t);
	int err = add_nodes(b, vlen, &kids);

	if (err)
		return err;
	b->f->nodes[slot].op = BF_DATASEC;
	b->f->nodes[slot].kids = kids;
	b->f->nodes[slot].nkids = vlen;
	for (uint32_t i = 0; i < vlen && !err; i++)
		err = fill(b, kids + i, v[i].type, v[i].offset, 0, depth + 1);
	if (err)
		return err;
	return add_name(b, btf__name_by_offset(b->btf, t->name_off),
			&b->f->nodes[slot].name, &b->f->nodes[slot].name_len);
}

static void fill_float(struct btf_fmt_node *n, const struct btf_type *t)
{
	n->size = (uint8_t)(t->size > 16 ? 16 : t->size);
	n->op = t->size == 4 ? BF_F32 : t->size == 8 ? BF_F64 : BF_FHEX;
}

/* Fill node slot (already allocated) for type id at byte offset off of
 * its parent. Nodes may move while children are added: index, never
 * keep a pointer across a call that adds nodes. */
static int fill(struct builder *b, uint32_t slot, uint32_t id, uint32_t off,
		unsigned int bit_off, int depth)
{
	const struct btf_type *t = skip_mods(b->btf, &id, true);
	struct btf_fmt_node *n = &b->f->nodes[slot];

	if (depth > FMT_MAX_DEPTH)
		return -ELOOP;
	n->off = off;
	n->op = BF_NULL;
	if (!t)
		return 0;
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		fill_int(n, t, off, bit_off);
		return 0;
	case BTF_KIND_PTR:
		n->op = BF_PTR;
		return 0;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return fill_enum(b, n, t);
	case BTF_KIND_FLOAT:
		fill_float(n, t);
		return 0;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return fill_struct(b, slot, t, depth);
	case BTF_KIND_ARRAY:
		return fill_array(b, slot, t, depth);
	case BTF_KIND_VAR:
		return fill_var(b, slot, t, bit_off, depth);
	case BTF_KIND_DATASEC:
		return fill_datasec(b, slot, t, depth);
	default:
		return 0;
	}
}

/* Bytes a scalar node reads at its offset (as run() and the key parser
 * use them). */
static uint64_t node_bytes(const struct btf_fmt_node *n)
{
	switch (n->op) {
	case BF_U8: case BF_S8: case BF_BOOL: case BF_CHAR: return 1;
	case BF_U16: case BF_S16: return 2;
	case BF_U32: case BF_S32: case BF_F32: return 4;
	case BF_U64: case BF_S64: case BF_PTR: case BF_F64: return 8;
	case BF_INT128: return 16;
	case BF_ENUM: case BF_ENUM64: case BF_FHEX: return n->size;
	case BF_BITS: return (n->bit_off + n->nr_bits + 7u) / 8;
	default: return 0;
	}
}

/* Whether every byte the plan under n reads, from base, lies within
 * size. The kernel checks the BTF of maps, but a plan must not trust a
 * layout to fit the type's size: one that does not is refused. */
static bool fits(const struct btf_fmt *f, const struct btf_fmt_node *n,
		 uint64_t base, int depth)
{
	uint64_t at = base + n->off;

	if (depth > 2 * FMT_MAX_DEPTH + 2 || at + node_bytes(n) > f->size)
		return false;
	switch (n->op) {
	case BF_ARRAY:
		if (n->nelems == 0)
			return true;
		if (n->text && at + n->nelems > f->size)
			return false;
		/* the last element reaches furthest */
		return fits(f, &f->nodes[n->kids],
			    at + (uint64_t)(n->nelems - 1) * n->elem_size, depth + 1);
	case BF_STRUCT: case BF_VAR: case BF_DATASEC:
		for (uint32_t i = 0; i < n->nkids; i++)
			if (!fits(f, &f->nodes[n->kids + i], at, depth + 1))
				return false;
		return true;
	default:
		return true;
	}
}

/* How many nodes the plan under n visits for one value, saturating at
 * cap. Arrays of zero-sized elements (BTF allows 2^32 of them in no bytes)
 * would make one value's output unbounded: such a plan is refused. */
static uint64_t visits(const struct btf_fmt *f, const struct btf_fmt_node *n,
		       uint64_t cap, int depth)
{
	uint64_t v = 1, k;

	if (depth > 2 * FMT_MAX_DEPTH + 2)
		return cap;
	switch (n->op) {
	case BF_ARRAY:
		if (n->nelems == 0 || n->text)
			return 1;
		k = visits(f, &f->nodes[n->kids], cap, depth + 1);
		return k >= cap / n->nelems ? cap : 1 + k * n->nelems;
	case BF_VAR:
		k = visits(f, &f->nodes[n->kids], cap, depth + 1);
		return k < cap ? 1 + k : cap;
	case BF_STRUCT: case BF_DATASEC:
		for (uint32_t i = 0; i < n->nkids && v < cap; i++)
			v += visits(f, &f->nodes[n->kids + i], cap, depth + 1);
		return v < cap ? v : cap;
	default:
		return 1;
	}
}

static bool bounded(const struct btf_fmt *f)
{
	uint64_t cap = 16 * (uint64_t)f->size + 65536;

	return visits(f, &f->nodes[0], cap, 0) < cap;
}

int btf_fmt_new(const struct btf *btf, uint32_t type_id, uint32_t size,
		struct btf_fmt **out)
{
	struct builder b = { .btf = btf };
	long long tsize = btf__resolve_size(btf, type_id);
	uint32_t root;
	int err;

	*out = NULL;
	if (tsize < 0 || (uint64_t)tsize != size)
		return -EINVAL;
	b.f = calloc(1, sizeof(*b.f));
	if (!b.f)
		return -ENOMEM;
	b.f->size = size;
	err = add_nodes(&b, 1, &root);
	if (!err)
		err = fill(&b, root, type_id, 0, 0, 0);
	if (!err && (!fits(b.f, &b.f->nodes[0], 0, 0) || !bounded(b.f)))
		err = -EINVAL;
	if (err) {
		btf_fmt_free(b.f);
		return err;
	}
	*out = b.f;
	return 0;
}

void btf_fmt_free(struct btf_fmt *f)
{
	if (!f)
		return;
	free(f->nodes);
	free(f->enums);
	free(f->names);
	free(f);
}

/* Running a plan. Data may be unaligned: read through memcpy. */

static uint64_t load(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	memcpy(&v, p, n);
	return v;
}

static int64_t load_signed(const uint8_t *p, unsigned int n)
{
	uint64_t v = load(p, n);
	unsigned int shift = 64 - 8 * n;

	return (int64_t)(v << shift) >> shift;
}

static void write_bits(struct jw *w, const struct btf_fmt_node *n,
		       const uint8_t *p)
{
	unsigned int nbytes = (n->bit_off + n->nr_bits + 7) / 8;
	unsigned __int128 v = 0;

	memcpy(&v, p, nbytes > 16 ? 16 : nbytes);
	v >>= n->bit_off;
	if (n->nr_bits < 128)
		v &= ((unsigned __int128)1 << n->nr_bits) - 1;
	jw_hex128(w, (uint64_t)(v >> 64), (uint64_t)v);
}

static void write_char(struct jw *w, uint8_t c)
{
	char tmp[12];

	if (c >= 0x20 && c < 0x7f) {
		jw_string(w, (const char *)&c, 1);
		return;
	}
	snprintf(tmp, sizeof(tmp), "\"\\u%04x\"", c);
	jw_raw(w, tmp, 8);
}

/* The shortest decimal that reads back as the same value; non-finite
 * values as strings, since JSON has no number for them. */
static void write_float(struct jw *w, double v, bool single)
{
	char tmp[40];
	int n = 0;

	if (isnan(v) || isinf(v)) {
		jw_string(w, isnan(v) ? "nan" : v > 0 ? "inf" : "-inf", 4);
		return;
	}
	for (int prec = single ? 6 : 15; prec <= (single ? 9 : 17); prec++) {
		n = snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (single ? strtof(tmp, NULL) == (float)v
			   : strtod(tmp, NULL) == v)
			break;
	}
	jw_raw(w, tmp, (size_t)n);
}

static void write_enum(const struct btf_fmt *f, struct jw *w,
		       const struct btf_fmt_node *n, const uint8_t *p)
{
	int64_t v = n->op == BF_ENUM64 ? (int64_t)load(p, n->size)
				       : load_signed(p, n->size);

	for (uint32_t i = 0; i < n->nkids; i++) {
		const struct btf_fmt_enumerator *e = &f->enums[n->kids + i];

		if (e->val == v) {
			jw_raw(w, f->names + e->name, e->name_len);
			return;
		}
	}
	jw_s64(w, v);
}

static bool holds_string(const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		if (p[i] == 0)
			return true;
		if (p[i] < 0x20 || p[i] >= 0x7f)
			return false;
	}
	return false;
}

static void run(const struct btf_fmt *f, const struct btf_fmt_node *n,
		struct jw *w, const uint8_t *base);

static void run_struct(const struct btf_fmt *f, const struct btf_fmt_node *n,
		       struct jw *w, const uint8_t *p)
{
	jw_obj_begin(w);
	for (uint32_t i = 0; i < n->nkids; i++) {
		const struct btf_fmt_node *k = &f->nodes[n->kids + i];

		jw_key(w, f->names + k->name, k->name_len);
		run(f, k, w, p);
	}
	jw_obj_end(w);
}

static void run_array(const struct btf_fmt *f, const struct btf_fmt_node *n,
		      struct jw *w, const uint8_t *p)
{
	const struct btf_fmt_node *k = &f->nodes[n->kids];

	if (n->text && holds_string(p, n->nelems)) {
		jw_string(w, (const char *)p, n->nelems);
		return;
	}
	jw_arr_begin(w);
	for (uint32_t i = 0; i < n->nelems; i++)
		run(f, k, w, p + (size_t)i * n->elem_size);
	jw_arr_end(w);
}

static void run_named(const struct btf_fmt *f, const struct btf_fmt_node *n,
		      struct jw *w, const uint8_t *p)
{
	jw_obj_begin(w);
	jw_key(w, f->names + n->name, n->name_len);
	if (n->op == BF_VAR) {
		run(f, &f->nodes[n->kids], w, p);
	} else {
		jw_arr_begin(w);
		for (uint32_t i = 0; i < n->nkids; i++)
			run(f, &f->nodes[n->kids + i], w, p);
		jw_arr_end(w);
	}
	jw_obj_end(w);
}

static void run(const struct btf_fmt *f, const struct btf_fmt_node *n,
		struct jw *w, const uint8_t *base)
{
	const uint8_t *p = base + n->off;

	switch (n->op) {
	case BF_U8: jw_u64(w, p[0]); break;
	case BF_U16: jw_u64(w, load(p, 2)); break;
	case BF_U32: jw_u64(w, load(p, 4)); break;
	case BF_U64: case BF_PTR: jw_u64(w, load(p, 8)); break;
	case BF_S8: jw_s64(w, (int8_t)p[0]); break;
	case BF_S16: jw_s64(w, load_signed(p, 2)); break;
	case BF_S32: jw_s64(w, load_signed(p, 4)); break;
	case BF_S64: jw_s64(w, (int64_t)load(p, 8)); break;
	case BF_BOOL: jw_bool(w, p[0] != 0); break;
	case BF_CHAR: write_char(w, p[0]); break;
	case BF_INT128: jw_hex128(w, load(p + 8, 8), load(p, 8)); break;
	case BF_BITS: write_bits(w, n, p); break;
	case BF_ENUM: case BF_ENUM64: write_enum(f, w, n, p); break;
	case BF_F32: {
		float v;

		memcpy(&v, p, 4);
		write_float(w, v, true);
		break;
	}
	case BF_F64: {
		double v;

		memcpy(&v, p, 8);
		write_float(w, v, false);
		break;
	}
	case BF_FHEX:
		jw_hex128(w, n->size > 8 ? load(p + 8, n->size - 8u) : 0,
			  load(p, n->size > 8 ? 8u : n->size));
		break;
	case BF_STRUCT: run_struct(f, n, w, p); break;
	case BF_ARRAY: run_array(f, n, w, p); break;
	case BF_VAR: case BF_DATASEC: run_named(f, n, w, p); break;
	default: jw_null(w); break;
	}
}

void btf_fmt_write(const struct btf_fmt *f, struct jw *w, const void *data)
{
	run(f, &f->nodes[0], w, data);
}
