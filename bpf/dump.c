/* bpf/dump.c: the public face of the map dump: the whole map (dump_map)
 * or one entry (dump_lookup). Errors met before any byte reached out_fd
 * leave it untouched; later ones still close the JSON document. */
#include "config.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>

#include "bpf/dump.h"
#include "bpf/dump_int.h"

static const struct dump_opts default_opts = { .format = DUMP_JSON };

static int dump_entries(struct dump_ctx *c)
{
	int err;

	dump_begin(c);
	err = dump_iterate(c);
	if (err && c->count == 0 && dump_unsupported(err) &&
	    jw_rewind(&c->w) == 0) {
		dump_unlisted(c, NULL, err);
		return 0;
	}
	if (err && jw_rewind(&c->w) == 0)
		return err;
	dump_end(c);
	return err;
}

static int dump_contents(struct dump_ctx *c)
{
	switch (c->kind->how) {
	case DH_NONE:
		dump_unlisted(c, c->kind->why, 0);
		return 0;
	case DH_PEEK:
		dump_peek(c);
		return 0;
	default:
		return dump_entries(c);
	}
}

int dump_map(int map_fd, int out_fd, const struct dump_opts *opts)
{
	struct dump_ctx c;
	int err = dump_ctx_init(&c, map_fd, out_fd, opts ? opts : &default_opts);

	if (!err)
		err = dump_contents(&c);
	if (!err)
		err = jw_close(&c.w);
	dump_ctx_fini(&c);
	return err;
}

static int lookup_entry(struct dump_ctx *c, const void *key,
			uint32_t key_size)
{
	uint8_t *value;
	int err;

	if (key_size != c->info.key_size || (key_size && !key))
		return -EINVAL;
	value = malloc(c->vbytes ? c->vbytes : 1);
	if (!value)
		return -ENOMEM;
	err = bpf_map_lookup_elem(c->map_fd, key_size ? key : NULL, value);
	if (!err) {
		dump_entry(c, key, value);
		if (!c->table)
			jw_text(&c->w, "\n", 1);
		err = jw_close(&c->w);
	}
	free(value);
	return err;
}

int dump_lookup(int map_fd, const void *key, uint32_t key_size, int out_fd,
		const struct dump_opts *opts)
{
	struct dump_ctx c;
	int err = dump_ctx_init(&c, map_fd, out_fd, opts ? opts : &default_opts);

	if (!err)
		err = lookup_entry(&c, key, key_size);
	dump_ctx_fini(&c);
	return err;
}
