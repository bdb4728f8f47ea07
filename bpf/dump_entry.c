/* bpf/dump_entry.c: one map entry as bpftool prints it: in JSON the key
 * and value bytes, per-CPU "values", and "formatted" from BTF; in the
 * table, bpftool's plain "key: .. value: .." lines, or one line of
 * compact JSON "key = value" for a map with BTF. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bpf/btf_fmt.h"
#include "bpf/dump_int.h"

const char *dump_strerror(int err, char *buf, size_t len)
{
	return strerror_r(err < 0 ? -err : err, buf, len);
}

static void json_values(struct dump_ctx *c, const uint8_t *value)
{
	struct jw *w = &c->w;

	JW_KEY(w, "values");
	jw_arr_begin(w);
	for (uint32_t cpu = 0; cpu < c->ncpu; cpu++) {
		jw_obj_begin(w);
		JW_KEY(w, "cpu");
		jw_u64(w, cpu);
		JW_KEY(w, "value");
		jw_hex_array(w, value + (size_t)cpu * c->vstride,
			     c->info.value_size);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void json_formatted(struct dump_ctx *c, const uint8_t *key,
			   const uint8_t *value)
{
	struct jw *w = &c->w;

	JW_KEY(w, "formatted");
	jw_obj_begin(w);
	if (c->kfmt) {
		JW_KEY(w, "key");
		btf_fmt_write(c->kfmt, w, key);
	}
	if (!c->kind->percpu) {
		JW_KEY(w, "value");
		btf_fmt_write(c->vfmt, w, value);
	} else {
		JW_KEY(w, "values");
		jw_arr_begin(w);
		for (uint32_t cpu = 0; cpu < c->ncpu; cpu++) {
			jw_obj_begin(w);
			JW_KEY(w, "cpu");
			jw_u64(w, cpu);
			JW_KEY(w, "value");
			btf_fmt_write(c->vfmt, w,
				      value + (size_t)cpu * c->vstride);
			jw_obj_end(w);
		}
		jw_arr_end(w);
	}
	jw_obj_end(w);
}

static void json_entry(struct dump_ctx *c, const uint8_t *key,
		       const uint8_t *value)
{
	struct jw *w = &c->w;

	jw_obj_begin(w);
	JW_KEY(w, "key");
	jw_hex_array(w, key, c->info.key_size);
	if (c->kind->percpu) {
		json_values(c, value);
	} else {
		JW_KEY(w, "value");
		jw_hex_array(w, value, c->info.value_size);
	}
	if (c->vfmt)
		json_formatted(c, key, value);
	else if (c->frames)
		dump_stack_json(c, key, value);
	jw_obj_end(w);
}

/* bpftool's plain layout: short keys and values share a line. */
static void table_bytes(struct dump_ctx *c, const uint8_t *key,
			const uint8_t *value)
{
	struct jw *w = &c->w;
	uint32_t ks = c->info.key_size, vs = c->info.value_size;
	bool apart = ks > 16 || vs > 16;
	bool one_line = ks + vs <= 24 && !apart;

	jw_text(w, apart ? "key:\n" : "key: ", 5);
	jw_text_hex(w, key, ks);
	jw_text(w, one_line ? "  " : "\n", one_line ? 2 : 1);
	jw_text(w, apart ? "value:\n" : "value: ", 7);
	jw_text_hex(w, value, vs);
	JW_TEXT(w, "\n");
}

static void table_percpu_bytes(struct dump_ctx *c, const uint8_t *key,
			       const uint8_t *value)
{
	struct jw *w = &c->w;
	uint32_t vs = c->info.value_size;
	char tmp[32];

	JW_TEXT(w, "key:\n");
	jw_text_hex(w, key, c->info.key_size);
	JW_TEXT(w, "\n");
	for (uint32_t cpu = 0; cpu < c->ncpu; cpu++) {
		int n = snprintf(tmp, sizeof(tmp), "value (CPU %02u):%c", cpu,
				 vs > 16 ? '\n' : ' ');

		jw_text(w, tmp, (size_t)n);
		jw_text_hex(w, value + (size_t)cpu * c->vstride, vs);
		JW_TEXT(w, "\n");
	}
}

/* A JSON value alone on a table line: no separator before it. */
static void table_json(struct jw *w, const struct btf_fmt *f,
		       const uint8_t *data)
{
	w->sep = '\0';
	w->depth = 0;
	btf_fmt_write(f, w, data);
}

static void table_formatted(struct dump_ctx *c, const uint8_t *key,
			    const uint8_t *value)
{
	struct jw *w = &c->w;

	if (c->kfmt)
		table_json(w, c->kfmt, key);
	else
		jw_text_hex(w, key, c->info.key_size);
	JW_TEXT(w, " = ");
	if (!c->kind->percpu) {
		table_json(w, c->vfmt, value);
	} else {
		w->sep = '\0';
		jw_arr_begin(w);
		for (uint32_t cpu = 0; cpu < c->ncpu; cpu++)
			btf_fmt_write(c->vfmt, w,
				      value + (size_t)cpu * c->vstride);
		jw_arr_end(w);
	}
	JW_TEXT(w, "\n");
}

void dump_entry(struct dump_ctx *c, const uint8_t *key, const uint8_t *value)
{
	if (!c->table)
		json_entry(c, key, value);
	else if (c->vfmt)
		table_formatted(c, key, value);
	else if (c->frames)
		dump_stack_table(c, key, value);
	else if (c->kind->percpu)
		table_percpu_bytes(c, key, value);
	else
		table_bytes(c, key, value);
	c->count++;
}

void dump_entry_error(struct dump_ctx *c, const uint8_t *key, int err)
{
	struct jw *w = &c->w;
	char buf[128];
	const char *msg = dump_strerror(err, buf, sizeof(buf));

	if (c->table) {
		JW_TEXT(w, "key: ");
		jw_text_hex(w, key, c->info.key_size);
		JW_TEXT(w, "  value: <");
		jw_text(w, msg, strlen(msg));
		JW_TEXT(w, ">\n");
		return;
	}
	jw_obj_begin(w);
	JW_KEY(w, "key");
	jw_hex_array(w, key, c->info.key_size);
	JW_KEY(w, "value");
	dump_error_value(w, msg);
	jw_obj_end(w);
}

void dump_error_value(struct jw *w, const char *msg)
{
	jw_obj_begin(w);
	JW_KEY(w, "error");
	jw_string(w, msg, strlen(msg));
	jw_obj_end(w);
}

void dump_begin(struct dump_ctx *c)
{
	if (!c->table)
		jw_arr_begin(&c->w);
}

void dump_end(struct dump_ctx *c)
{
	char tmp[48];

	if (!c->table) {
		jw_arr_end(&c->w);
		JW_TEXT(&c->w, "\n");
		return;
	}
	jw_text(&c->w, tmp, (size_t)snprintf(tmp, sizeof(tmp),
					     "Found %llu element%s\n",
					     (unsigned long long)c->count,
					     c->count == 1 ? "" : "s"));
}
