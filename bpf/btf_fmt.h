/* bpf/btf_fmt.h: bytes typed by BTF, written as JSON in the shape of
 * bpftool's "formatted" output. A type is compiled once into a plan (a
 * flat tree of nodes with their names already quoted) that then formats
 * every entry without looking anything up in BTF again. The plan is also
 * what dump_parse_key walks to turn JSON back into bytes. */
#ifndef BPFPIN_BPF_BTF_FMT_H
#define BPFPIN_BPF_BTF_FMT_H

#include <stdbool.h>
#include <stdint.h>

struct btf;
struct jw;

enum btf_fmt_op {
	BF_NULL,        /* nothing bpftool can print (void, fwd, func) */
	BF_U8, BF_U16, BF_U32, BF_U64,
	BF_S8, BF_S16, BF_S32, BF_S64,
	BF_BOOL,
	BF_CHAR,        /* BTF_INT_CHAR: a one-character string */
	BF_INT128,      /* "0x..." */
	BF_BITS,        /* bitfields and odd-sized ints: "0x..." */
	BF_PTR,         /* the address, as an unsigned number */
	BF_ENUM,        /* the enumerator's name, else the signed number */
	BF_ENUM64,
	BF_F32, BF_F64,
	BF_FHEX,        /* other float sizes: "0x..." of the bytes */
	BF_STRUCT,      /* also unions */
	BF_ARRAY,
	BF_VAR,         /* {"name": value} */
	BF_DATASEC,     /* {"section": [vars...]} */
};

struct btf_fmt_node {
	uint8_t op;
	uint8_t size;       /* bytes read by a scalar (enums, BF_FHEX) */
	uint8_t bit_off;    /* BF_BITS: first bit within the first byte */
	uint8_t nr_bits;    /* BF_BITS: 1..128 */
	bool text;          /* BF_ARRAY of chars: a string when it holds one */
	uint32_t off;       /* byte offset from the parent's start */
	uint32_t name;      /* member, var or section name: "quoted" in names */
	uint32_t name_len;
	uint32_t kids;      /* first child node, or first enumerator */
	uint32_t nkids;
	uint32_t nelems;    /* BF_ARRAY */
	uint32_t elem_size;
};

struct btf_fmt_enumerator {
	int64_t val;        /* 32-bit enumerators sign-extended, as bpftool */
	uint32_t name;      /* "quoted" in names */
	uint32_t name_len;
};

struct btf_fmt {
	struct btf_fmt_node *nodes;     /* nodes[0] is the root */
	uint32_t nnodes;
	struct btf_fmt_enumerator *enums;
	uint32_t nenums;
	char *names;
	uint32_t names_len;
	uint32_t size;                  /* bytes the root type spans */
};

/* Compile type_id of btf into a plan for data of exactly size bytes.
 * -EINVAL if the type does not span size bytes or its layout reaches past
 * them, -E2BIG if the plan would
 * be too large, -ELOOP if nested too deeply, -ENOMEM. */
int btf_fmt_new(const struct btf *btf, uint32_t type_id, uint32_t size,
		struct btf_fmt **out);
void btf_fmt_free(struct btf_fmt *f);
/* Write data (f->size bytes) as one JSON value. */
void btf_fmt_write(const struct btf_fmt *f, struct jw *w, const void *data);

#endif
