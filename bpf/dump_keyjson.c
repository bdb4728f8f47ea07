/* bpf/dump_keyjson.c: JSON back into the bytes of a BTF-typed key, by
 * walking the same plan that formats it. It reads what the dump writes
 * (numbers, enum names, "0x..." bitfields and 128-bit ints, strings for
 * char arrays, nested objects and arrays) and also plain numbers where
 * the dump writes hex strings. Members left out stay zero. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "bpf/btf_fmt.h"
#include "bpf/dump_int.h"

struct enc {
	const struct btf_fmt *f;
	char *err;
	size_t errlen;
	const char *where;      /* the member being encoded, for messages */
};

static int bad(struct enc *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(struct enc *e, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (e->err && e->errlen)
		snprintf(e->err, e->errlen, "%s%s%s", e->where ? e->where : "",
			 e->where ? ": " : "", msg);
	return -EINVAL;
}

/* An integer as up to 128 bits: a JSON integer, or a string holding a
 * decimal or "0x" hex number. */
static int get_int(struct enc *e, json_object *j, unsigned __int128 *v,
		   bool *neg)
{
	const char *s;
	char *end;

	*neg = false;
	if (json_object_is_type(j, json_type_int)) {
		int64_t i = json_object_get_int64(j);

		*neg = i < 0;
		*v = i < 0 ? (unsigned __int128)(0 - (uint64_t)i)
			   : json_object_get_uint64(j);
		return 0;
	}
	if (!json_object_is_type(j, json_type_string))
		return bad(e, "%s is not an integer",
			   json_object_to_json_string(j));
	s = json_object_get_string(j);
	*neg = s[0] == '-';
	s += *neg;
	*v = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		for (s += 2; *s; s++) {
			int d = *s >= 'a' ? *s - 'a' + 10
				: *s >= 'A' ? *s - 'A' + 10 : *s - '0';

			if (d < 0 || d > 15 || *v >> 124)
				return bad(e, "bad hex number");
			*v = *v << 4 | (unsigned)d;
		}
		return 0;
	}
	*v = strtoull(s, &end, 10);
	if (end == s || *end)
		return bad(e, "\"%s\" is not a number", s);
	return 0;
}

static void put_le(uint8_t *p, unsigned __int128 v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

enum sign { UNSIGNED, SIGNED, EITHER };

/* Range-checked store of an integer of n bytes. Enums take EITHER: the
 * dump prints unknown values signed, users may type them unsigned. */
static int put_int(struct enc *e, json_object *j, uint8_t *p, unsigned int n,
		   enum sign sign)
{
	unsigned int bits = 8 * n - (sign == SIGNED);
	/* 0: no bound below 2^128 */
	unsigned __int128 lim = bits >= 128 ? 0 : (unsigned __int128)1 << bits;
	unsigned __int128 v, neg_lim = (unsigned __int128)1 << (8 * n - 1);
	bool neg;
	int err = get_int(e, j, &v, &neg);

	if (err)
		return err;
	if ((neg && (sign == UNSIGNED || v > neg_lim)) ||
	    (!neg && lim && v >= lim))
		return bad(e, "%s does not fit in %u bytes",
			   json_object_to_json_string(j), n);
	put_le(p, neg ? (unsigned __int128)0 - v : v, n);
	return 0;
}

static int put_bits(struct enc *e, const struct btf_fmt_node *n,
		    json_object *j, uint8_t *p)
{
	unsigned int nbytes = (n->bit_off + n->nr_bits + 7) / 8;
	unsigned __int128 v, cur = 0, mask;
	bool neg;
	int err = get_int(e, j, &v, &neg);

	if (err)
		return err;
	mask = n->nr_bits >= 128 ? ~(unsigned __int128)0
				 : ((unsigned __int128)1 << n->nr_bits) - 1;
	if (neg || (v & ~mask))
		return bad(e, "does not fit in %u bits", n->nr_bits);
	if (nbytes > 16)
		nbytes = 16;
	memcpy(&cur, p, nbytes);
	cur &= ~(mask << n->bit_off);
	cur |= v << n->bit_off;
	memcpy(p, &cur, nbytes);
	return 0;
}

static bool name_is(const struct btf_fmt *f, uint32_t name, uint32_t len,
		    const char *s)
{
	size_t n = strlen(s);

	/* Names are stored quoted; BTF identifiers need no escapes. */
	return len == n + 2 && memcmp(f->names + name + 1, s, n) == 0;
}

static int put_enum(struct enc *e, const struct btf_fmt_node *n,
		    json_object *j, uint8_t *p)
{
	const char *s;

	if (!json_object_is_type(j, json_type_string) ||
	    json_object_get_string(j)[0] == '-' ||
	    (json_object_get_string(j)[0] >= '0' &&
	     json_object_get_string(j)[0] <= '9'))
		return put_int(e, j, p, n->size, EITHER);
	s = json_object_get_string(j);
	for (uint32_t i = 0; i < n->nkids; i++) {
		const struct btf_fmt_enumerator *en = &e->f->enums[n->kids + i];

		if (name_is(e->f, en->name, en->name_len, s)) {
			put_le(p, (unsigned __int128)(uint64_t)en->val, n->size);
			return 0;
		}
	}
	return bad(e, "no enumerator %s", s);
}

static int put_float(struct enc *e, const struct btf_fmt_node *n,
		     json_object *j, uint8_t *p)
{
	double d;
	float f;

	if (!json_object_is_type(j, json_type_double) &&
	    !json_object_is_type(j, json_type_int))
		return bad(e, "%s is not a number",
			   json_object_to_json_string(j));
	d = json_object_get_double(j);
	if (n->op == BF_F64) {
		memcpy(p, &d, 8);
	} else {
		f = (float)d;
		memcpy(p, &f, 4);
	}
	return 0;
}

static int put(struct enc *e, const struct btf_fmt_node *n, json_object *j,
	       uint8_t *base);

static int put_struct(struct enc *e, const struct btf_fmt_node *n,
		      json_object *j, uint8_t *p)
{
	const char *outer = e->where;

	if (!json_object_is_type(j, json_type_object))
		return bad(e, "%s is not an object",
			   json_object_to_json_string(j));
	json_object_object_foreach(j, name, val) {
		const struct btf_fmt_node *k = NULL;
		int err;

		for (uint32_t i = 0; i < n->nkids && !k; i++) {
			const struct btf_fmt_node *c = &e->f->nodes[n->kids + i];

			if (name_is(e->f, c->name, c->name_len, name))
				k = c;
		}
		if (!k)
			return bad(e, "no member \"%s\"", name);
		e->where = name;
		err = put(e, k, val, p);
		e->where = outer;
		if (err)
			return err;
	}
	return 0;
}

static int put_array(struct enc *e, const struct btf_fmt_node *n,
		     json_object *j, uint8_t *p)
{
	const struct btf_fmt_node *k = &e->f->nodes[n->kids];
	size_t len;

	if (n->text && json_object_is_type(j, json_type_string)) {
		len = (size_t)json_object_get_string_len(j);
		if (len > n->nelems)
			return bad(e, "string longer than %u chars",
				   n->nelems);
		memcpy(p, json_object_get_string(j), len);
		return 0;
	}
	if (!json_object_is_type(j, json_type_array))
		return bad(e, "%s is not an array",
			   json_object_to_json_string(j));
	len = json_object_array_length(j);
	if (len > n->nelems)
		return bad(e, "more than %u elements", n->nelems);
	for (size_t i = 0; i < len; i++) {
		int err = put(e, k, json_object_array_get_idx(j, i),
			      p + i * n->elem_size);

		if (err)
			return err;
	}
	return 0;
}

static int put(struct enc *e, const struct btf_fmt_node *n, json_object *j,
	       uint8_t *base)
{
	static const uint8_t bytes[] = {
		[BF_U8] = 1, [BF_U16] = 2, [BF_U32] = 4, [BF_U64] = 8,
		[BF_S8] = 1, [BF_S16] = 2, [BF_S32] = 4, [BF_S64] = 8,
		[BF_PTR] = 8, [BF_INT128] = 16,
	};
	uint8_t *p = base + n->off;

	switch (n->op) {
	case BF_U8: case BF_U16: case BF_U32: case BF_U64:
	case BF_PTR: case BF_INT128:
		return put_int(e, j, p, bytes[n->op], UNSIGNED);
	case BF_S8: case BF_S16: case BF_S32: case BF_S64:
		return put_int(e, j, p, bytes[n->op], SIGNED);
	case BF_BOOL:
		if (!json_object_is_type(j, json_type_boolean))
			return put_int(e, j, p, 1, UNSIGNED);
		p[0] = json_object_get_boolean(j) ? 1 : 0;
		return 0;
	case BF_CHAR:
		if (json_object_is_type(j, json_type_string) &&
		    json_object_get_string_len(j) == 1) {
			p[0] = (uint8_t)json_object_get_string(j)[0];
			return 0;
		}
		return put_int(e, j, p, 1, UNSIGNED);
	case BF_BITS: return put_bits(e, n, j, p);
	case BF_ENUM: case BF_ENUM64: return put_enum(e, n, j, p);
	case BF_F32: case BF_F64: return put_float(e, n, j, p);
	case BF_FHEX: return put_int(e, j, p, n->size, UNSIGNED);
	case BF_STRUCT: return put_struct(e, n, j, p);
	case BF_ARRAY: return put_array(e, n, j, p);
	default: return bad(e, "this type cannot be given as JSON");
	}
}

int dump_key_from_json(const struct btf_fmt *plan, const char *text,
		       uint8_t *key, char *err, size_t errlen)
{
	struct enc e = { .f = plan, .err = err, .errlen = errlen };
	struct json_tokener *tok = json_tokener_new();
	json_object *j;
	int rc;

	if (!tok)
		return -ENOMEM;
	/* Strict: "0100" is not the number 100, it is hex for the caller. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	j = json_tokener_parse_ex(tok, text, (int)strlen(text) + 1);
	if (!j) {
		json_tokener_free(tok);
		return -ENOMSG;
	}
	rc = put(&e, &plan->nodes[0], j, key);
	json_object_put(j);
	json_tokener_free(tok);
	return rc;
}
