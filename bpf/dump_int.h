/* bpf/dump_int.h: what the files of the map dump share: the state of one
 * dump, the per-map-type policy, and the steps each file provides. */
#ifndef BPFPIN_BPF_DUMP_INT_H
#define BPFPIN_BPF_DUMP_INT_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stdint.h>

#include "bpf/dump.h"
#include "bpf/jw.h"

struct btf;
struct btf_fmt;
struct ksyms;

/* How a map type's contents can be read from user space. */
enum dump_how {
	DH_ENTRIES,     /* keys by batch or get_next_key, values by lookup */
	DH_PEEK,        /* queue, stack: only the next element, by peeking */
	DH_NONE,        /* nothing readable: say why */
};

struct dump_kind {
	uint8_t how;
	bool batch;         /* BPF_MAP_LOOKUP_BATCH is worth trying */
	bool buckets;       /* its batch cursor is a u32 hash bucket index */
	bool percpu;        /* one value per possible CPU */
	bool cookies;       /* socket values: readable as 8-byte cookies only */
	bool values_only;   /* DH_NONE: keys could be listed, values not */
	const char *why;
};

struct dump_ctx {
	int map_fd;
	struct bpf_map_info info;
	const struct dump_opts *opts;
	const struct dump_kind *kind;
	struct jw w;
	struct btf *btf;            /* the map's BTF, or vmlinux for struct_ops */
	struct btf_fmt *kfmt;       /* key plan, if the key has BTF */
	struct btf_fmt *vfmt;       /* value plan: "formatted" is printed */
	struct ksyms *ksyms;        /* stack_trace with opts->kallsyms */
	bool table;
	bool frames;                /* stack_trace with opts->kallsyms: frames
				     * "formatted", named when ksyms allow */
	uint32_t ncpu;
	uint32_t vstride;           /* per-CPU: bytes between two CPUs' values */
	uint32_t vbytes;            /* bytes a lookup writes */
	uint64_t count;             /* entries written */
};

/* dump_kind.c: the policy for this map (its type, and for socket maps
 * its value size). */
const struct dump_kind *dump_kind_of(const struct bpf_map_info *info);
/* The type's name as bpftool prints it, or NULL for a newer type. */
const char *dump_type_name(uint32_t map_type);

/* dump_setup.c: info, sizes, BTF plans and symbols for map_fd. */
int dump_map_info(int fd, struct bpf_map_info *info);
int dump_ctx_init(struct dump_ctx *c, int map_fd, int out_fd,
		  const struct dump_opts *opts);
void dump_ctx_fini(struct dump_ctx *c);

/* dump_entry.c: one entry, as JSON (an element of the dump's array) or
 * as table lines; a lookup that failed with err (not ENOENT). */
void dump_entry(struct dump_ctx *c, const uint8_t *key, const uint8_t *value);
void dump_entry_error(struct dump_ctx *c, const uint8_t *key, int err);
/* A value that could not be read: {"error": msg}. */
void dump_error_value(struct jw *w, const char *msg);
/* The opening and closing of a whole dump, and how many entries. */
void dump_begin(struct dump_ctx *c);
void dump_end(struct dump_ctx *c);

/* dump_iter.c: every entry through dump_entry(); 0 or -errno. An error
 * for which dump_unsupported() holds, with no entry written, means the
 * kernel cannot list this map's keys at all. */
int dump_iterate(struct dump_ctx *c);
bool dump_unsupported(int err);

/* The buffers of one walk: a chunk of keys and values for one batched
 * lookup, and the batch cursor. */
struct dump_chunk {
	uint8_t *keys;
	uint8_t *values;
	uint8_t *token;     /* the batch cursor: key_size bytes at most */
	uint8_t *last;      /* the last key written, to resume from */
	bool have_last;
	uint32_t cap;       /* entries the chunk holds */
};
int dump_chunk_alloc(struct dump_chunk *k, const struct dump_ctx *c);
/* Hold at least n entries (a hash bucket larger than the chunk). */
int dump_chunk_grow(struct dump_chunk *k, const struct dump_ctx *c,
		    uint32_t n);
void dump_chunk_free(struct dump_chunk *k);

/* dump_par.c: a large map of the hash family walked by several threads
 * at once, each over its own range of buckets, in the order one walk
 * would give; -EOPNOTSUPP (nothing written) when it is not worth it. */
int dump_iterate_parallel(struct dump_ctx *c);

/* dump_special.c: the dump of a type that dump_iterate() cannot list. */
void dump_unlisted(struct dump_ctx *c, const char *why, int err);
void dump_peek(struct dump_ctx *c);

/* dump_ksym.c: kernel text symbols from /proc/kallsyms. NULL when they
 * cannot be read or are hidden (all addresses zero). */
struct ksyms *ksyms_load(void);
void ksyms_free(struct ksyms *k);
/* "name+0x1a" for addr into buf; false when no symbol covers it. */
bool ksyms_name(const struct ksyms *k, uint64_t addr, char *buf, size_t len);

/* dump_stack.c: a stack_trace entry's frames, "formatted" in JSON or as
 * lines of the table. */
void dump_stack_json(struct dump_ctx *c, const uint8_t *key,
		     const uint8_t *value);
void dump_stack_table(struct dump_ctx *c, const uint8_t *key,
		      const uint8_t *value);

/* dump_keyjson.c: text as JSON typed by the key's plan into key (zeroed
 * by the caller); -ENOMSG when text is not JSON. */
int dump_key_from_json(const struct btf_fmt *plan, const char *text,
		       uint8_t *key, char *err, size_t errlen);

/* strerror into buf, safe on worker threads. */
const char *dump_strerror(int err, char *buf, size_t len);

#endif
