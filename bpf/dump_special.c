/* bpf/dump_special.c: the dump of a map whose entries user space cannot
 * list. It is still a valid answer, one JSON object that names the type
 * and says why ({"error":..,"type":..,"id":..,"reason":..}), plus what
 * can be read without changing the map: a queue's or stack's next
 * element, a ring buffer's positions. */
#include "config.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bpf/dump_int.h"

static void head(struct dump_ctx *c, const char *why)
{
	struct jw *w = &c->w;
	const char *name = dump_type_name(c->info.type);
	char msg[160], num[16];

	if (!name) {
		snprintf(num, sizeof(num), "%u", c->info.type);
		name = num;
	}
	snprintf(msg, sizeof(msg),
		 c->kind->values_only
			 ? "the values of map type %s cannot be read from user space"
			 : "map type %s cannot be iterated from user space",
		 name);
	if (c->table) {
		jw_text(w, msg, strlen(msg));
		JW_TEXT(w, ": ");
		jw_text(w, why, strlen(why));
		JW_TEXT(w, "\n");
		return;
	}
	jw_obj_begin(w);
	JW_KEY(w, "error");
	jw_string(w, msg, sizeof(msg));
	JW_KEY(w, "type");
	if (name == num)
		jw_u64(w, c->info.type);
	else
		jw_string(w, name, strlen(name));
	JW_KEY(w, "id");
	jw_u64(w, c->info.id);
	JW_KEY(w, "reason");
	jw_string(w, why, strlen(why));
}

static void tail(struct dump_ctx *c)
{
	if (!c->table) {
		jw_obj_end(&c->w);
		JW_TEXT(&c->w, "\n");
	}
}

struct ring_pos {
	uint64_t consumer, producer;
};

/* Both ring buffer kinds let anyone map their two position pages read
 * only; reading them changes nothing. */
static int ring_positions(int fd, struct ring_pos *pos)
{
	long page = sysconf(_SC_PAGESIZE);
	void *m = mmap(NULL, 2 * (size_t)page, PROT_READ, MAP_SHARED, fd, 0);

	if (m == MAP_FAILED)
		return -errno;
	pos->consumer = __atomic_load_n((uint64_t *)m, __ATOMIC_ACQUIRE);
	pos->producer = __atomic_load_n((uint64_t *)((char *)m + page),
					__ATOMIC_ACQUIRE);
	munmap(m, 2 * (size_t)page);
	return 0;
}

static void ring(struct dump_ctx *c)
{
	struct jw *w = &c->w;
	struct ring_pos pos = { 0, 0 };
	char tmp[128];

	if (ring_positions(c->map_fd, &pos))
		return;
	if (c->table) {
		jw_text(w, tmp, (size_t)snprintf(tmp, sizeof(tmp),
			"size %u  consumer_pos %llu  producer_pos %llu\n",
			c->info.max_entries, (unsigned long long)pos.consumer,
			(unsigned long long)pos.producer));
		return;
	}
	JW_KEY(w, "size");
	jw_u64(w, c->info.max_entries);
	JW_KEY(w, "consumer_pos");
	jw_u64(w, pos.consumer);
	JW_KEY(w, "producer_pos");
	jw_u64(w, pos.producer);
}

void dump_unlisted(struct dump_ctx *c, const char *why, int err)
{
	char buf[128], reason[192];

	if (!why) {
		snprintf(reason, sizeof(reason),
			 "the kernel refused to list its keys: %s",
			 dump_strerror(err, buf, sizeof(buf)));
		why = reason;
	}
	head(c, why);
	if (c->info.type == BPF_MAP_TYPE_RINGBUF ||
	    c->info.type == BPF_MAP_TYPE_USER_RINGBUF)
		ring(c);
	tail(c);
}

static void peek_value(struct dump_ctx *c, const uint8_t *value, int err)
{
	struct jw *w = &c->w;
	uint32_t vs = c->info.value_size;
	char buf[128];
	const char *msg = err ? dump_strerror(err, buf, sizeof(buf)) : NULL;

	if (c->table) {
		JW_TEXT(w, "peek: ");
		if (!err)
			jw_text_hex(w, value, vs);
		else if (err == -ENOENT)
			JW_TEXT(w, "(empty)");
		else
			jw_text(w, msg, strlen(msg));
		JW_TEXT(w, "\n");
		return;
	}
	JW_KEY(w, "peek");
	if (err == -ENOENT) {
		jw_null(w);
		return;
	}
	jw_obj_begin(w);
	JW_KEY(w, "value");
	if (!err)
		jw_hex_array(w, value, vs);
	else
		dump_error_value(w, msg);
	jw_obj_end(w);
}

void dump_peek(struct dump_ctx *c)
{
	uint8_t *value = malloc(c->info.value_size ? c->info.value_size : 1);
	int err = value ? bpf_map_lookup_elem(c->map_fd, NULL, value) : -ENOMEM;

	head(c, c->kind->why);
	peek_value(c, value, err);
	tail(c);
	free(value);
}
