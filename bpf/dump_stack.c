/* bpf/dump_stack.c: a stack_trace entry as a list of frames, when the
 * caller asks for symbols: kernel (or user) addresses with the kernel
 * symbol that covers them, or, for BPF_F_STACK_BUILD_ID maps, build ids
 * with file offsets. Without symbols the dump stays bpftool's bytes. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bpf/dump_int.h"

struct frame {
	char addr[24];      /* "0xffffffff81000000", or the build id offset */
	char sym[160];      /* "" when unknown */
	char build_id[41];  /* hex, build id maps only */
	const char *status; /* build id maps only */
};

static bool build_ids(const struct dump_ctx *c)
{
	return c->info.map_flags & BPF_F_STACK_BUILD_ID;
}

static uint32_t nframes(const struct dump_ctx *c)
{
	size_t each = build_ids(c) ? sizeof(struct bpf_stack_build_id) : 8;

	return (uint32_t)(c->info.value_size / each);
}

/* false at the end of the recorded frames. */
static bool frame_at(const struct dump_ctx *c, const uint8_t *value,
		     uint32_t i, struct frame *f)
{
	struct bpf_stack_build_id b;
	uint64_t ip;

	memset(f, 0, sizeof(*f));
	if (!build_ids(c)) {
		memcpy(&ip, value + 8 * (size_t)i, 8);
		if (ip == 0)
			return false;
		snprintf(f->addr, sizeof(f->addr), "0x%" PRIx64, ip);
		if (c->ksyms)
			ksyms_name(c->ksyms, ip, f->sym, sizeof(f->sym));
		return true;
	}
	memcpy(&b, value + sizeof(b) * (size_t)i, sizeof(b));
	if (b.status == BPF_STACK_BUILD_ID_EMPTY)
		return false;
	if (b.status == BPF_STACK_BUILD_ID_VALID) {
		f->status = "valid";
		for (int j = 0; j < BPF_BUILD_ID_SIZE; j++)
			snprintf(f->build_id + 2 * j, 3, "%02x",
				 b.build_id[j]);
		snprintf(f->addr, sizeof(f->addr), "0x%llx",
			 (unsigned long long)b.offset);
	} else {
		f->status = "ip";
		snprintf(f->addr, sizeof(f->addr), "0x%llx",
			 (unsigned long long)b.ip);
	}
	return true;
}

static void json_frame(struct jw *w, const struct frame *f)
{
	jw_obj_begin(w);
	if (f->status) {
		JW_KEY(w, "status");
		jw_string(w, f->status, strlen(f->status));
	}
	if (f->build_id[0]) {
		JW_KEY(w, "build_id");
		jw_string(w, f->build_id, sizeof(f->build_id));
		JW_KEY(w, "offset");
	} else {
		JW_KEY(w, "addr");
	}
	jw_string(w, f->addr, sizeof(f->addr));
	if (f->sym[0]) {
		JW_KEY(w, "sym");
		jw_string(w, f->sym, sizeof(f->sym));
	}
	jw_obj_end(w);
}

static uint32_t stack_id(const struct dump_ctx *c, const uint8_t *key)
{
	uint32_t id = 0;

	memcpy(&id, key, c->info.key_size < 4 ? c->info.key_size : 4);
	return id;
}

void dump_stack_json(struct dump_ctx *c, const uint8_t *key,
		     const uint8_t *value)
{
	struct jw *w = &c->w;
	struct frame f;

	JW_KEY(w, "formatted");
	jw_obj_begin(w);
	JW_KEY(w, "key");
	jw_u64(w, stack_id(c, key));
	JW_KEY(w, "value");
	jw_arr_begin(w);
	for (uint32_t i = 0; i < nframes(c) && frame_at(c, value, i, &f); i++)
		json_frame(w, &f);
	jw_arr_end(w);
	jw_obj_end(w);
}

void dump_stack_table(struct dump_ctx *c, const uint8_t *key,
		      const uint8_t *value)
{
	struct jw *w = &c->w;
	struct frame f;
	char line[256];

	JW_TEXT(w, "stack ");
	jw_text_u64(w, stack_id(c, key));
	JW_TEXT(w, ":\n");
	for (uint32_t i = 0; i < nframes(c) && frame_at(c, value, i, &f);
	     i++) {
		int n = snprintf(line, sizeof(line), "    %s%s%s %s\n",
				 f.build_id, f.build_id[0] ? " +" : "",
				 f.addr, f.sym);

		jw_text(w, line, (size_t)n < sizeof(line) ? (size_t)n
							  : sizeof(line) - 1);
	}
}
