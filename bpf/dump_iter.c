/* bpf/dump_iter.c: walk a map's entries with batched lookups where the
 * kernel has them (one syscall per few thousand entries) and with
 * get_next_key + lookup elsewhere, through one chunk buffer sized once
 * per dump, so memory stays bounded whatever the map holds. */
#include "config.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/dump_int.h"

/* The kernel's own "not supported" (not in the uapi errno list). */
#define ENOTSUPP_KERNEL 524

#define CHUNK_BYTES (256 * 1024)
#define CHUNK_MAX 8192

static size_t chunk_entries(const struct dump_ctx *c)
{
	size_t per = c->info.key_size + c->vbytes;
	size_t n = CHUNK_BYTES / (per ? per : 1);

	if (n < 2)
		n = 2;
	return n > CHUNK_MAX ? CHUNK_MAX : n;
}

int dump_chunk_alloc(struct dump_chunk *k, const struct dump_ctx *c)
{
	size_t ks = c->info.key_size;

	memset(k, 0, sizeof(*k));
	k->token = malloc(ks + 8);
	k->last = malloc(ks);
	if (!k->token || !k->last)
		return -ENOMEM;
	return dump_chunk_grow(k, c, (uint32_t)chunk_entries(c));
}

int dump_chunk_grow(struct dump_chunk *k, const struct dump_ctx *c,
		    uint32_t n)
{
	uint8_t *keys, *values;

	if (n <= k->cap)
		return 0;
	keys = realloc(k->keys, (size_t)n * c->info.key_size);
	if (!keys)
		return -ENOMEM;
	k->keys = keys;
	values = realloc(k->values, (size_t)n * (c->vbytes ? c->vbytes : 1));
	if (!values)
		return -ENOMEM;
	k->values = values;
	k->cap = n;
	return 0;
}

void dump_chunk_free(struct dump_chunk *k)
{
	free(k->keys);
	free(k->values);
	free(k->token);
	free(k->last);
}

bool dump_unsupported(int err)
{
	return err == -EINVAL || err == -EOPNOTSUPP ||
	       err == -ENOTSUPP_KERNEL;
}

static void emit(struct dump_ctx *c, struct dump_chunk *k, uint32_t n)
{
	uint32_t ks = c->info.key_size;

	for (uint32_t i = 0; i < n; i++)
		dump_entry(c, k->keys + (size_t)i * ks,
			   k->values + (size_t)i * c->vbytes);
	if (n > 0) {
		memcpy(k->last, k->keys + (size_t)(n - 1) * ks, ks);
		k->have_last = true;
	}
}

/* 0 when done; -EAGAIN to go on key by key from k->last (a hash bucket
 * larger than the chunk); -EOPNOTSUPP before the first entry if the type
 * has no batch; else -errno. */
static int iter_batch(struct dump_ctx *c, struct dump_chunk *k)
{
	void *in = NULL;

	for (;;) {
		uint32_t n = k->cap;
		int err = bpf_map_lookup_batch(c->map_fd, in, k->token,
					       k->keys, k->values, &n, NULL);

		if (err && err != -ENOENT) {
			if (!in && dump_unsupported(err))
				return -EOPNOTSUPP;
			return err == -ENOSPC && n == 0 ? -EAGAIN : err;
		}
		emit(c, k, n);
		if (err == -ENOENT)
			return 0;
		in = k->token;
	}
}

/* Keys can come back again if the map changes under us (get_next_key
 * starts over when its key was deleted): stop after a bound. */
static uint64_t key_bound(const struct dump_ctx *c)
{
	uint64_t max = c->info.max_entries;

	return max ? 2 * max + 1024 : UINT64_MAX;
}

/* ENOENT is no entry: an empty slot (prog or map arrays, devmap,
 * cpumap...) or an entry deleted since its key was listed. */
static void lookup_one(struct dump_ctx *c, uint8_t *key, uint8_t *value)
{
	int err = bpf_map_lookup_elem(c->map_fd, key, value);

	if (!err)
		dump_entry(c, key, value);
	else if (err != -ENOENT)
		dump_entry_error(c, key, err);
}

static int iter_keys(struct dump_ctx *c, struct dump_chunk *k)
{
	uint32_t ks = c->info.key_size;
	uint8_t *prev = k->keys, *key = k->keys + ks, *tmp;
	const void *from = NULL;
	uint64_t bound = key_bound(c);

	if (k->have_last) {
		memcpy(prev, k->last, ks);
		from = prev;
	}
	for (uint64_t i = 0; i < bound; i++) {
		int err = bpf_map_get_next_key(c->map_fd, from, key);

		if (err == -ENOENT)
			return 0;
		if (err)
			return err;
		lookup_one(c, key, k->values);
		tmp = prev;
		prev = key;
		key = tmp;
		from = prev;
	}
	return 0;
}

int dump_iterate(struct dump_ctx *c)
{
	struct dump_chunk k;
	int err;

	if (c->info.key_size == 0)
		return -EOPNOTSUPP;
	if (c->kind->buckets) {
		err = dump_iterate_parallel(c);
		if (err != -EOPNOTSUPP)
			return err;
	}
	err = dump_chunk_alloc(&k, c);
	if (err) {
		dump_chunk_free(&k);
		return err;
	}
	err = -EOPNOTSUPP;
	if (c->kind->batch)
		err = iter_batch(c, &k);
	if (err == -EOPNOTSUPP || err == -EAGAIN)
		err = iter_keys(c, &k);
	dump_chunk_free(&k);
	return err;
}
