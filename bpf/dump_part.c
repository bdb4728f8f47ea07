/* bpf/dump_part.c: one part of a map read by several threads: its range
 * of hash buckets walked by batched lookups from its first bucket, the
 * kernel's batch cursor being the index of the next bucket. A batch
 * returns whole buckets, so the one that runs past the range is trimmed
 * by the keys the next part's first batch holds: a key never changes
 * bucket, so this is exact even while the map changes. */
#include "config.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/dump_par.h"

/* FNV-1a: keys are a few bytes, and those of one batch are distinct. */
static uint32_t key_hash(const uint8_t *key, uint32_t ks)
{
	uint32_t h = 2166136261u;

	for (uint32_t i = 0; i < ks; i++)
		h = (h ^ key[i]) * 16777619u;
	return h;
}

static bool head_has(const struct part *p, const uint8_t *key)
{
	uint32_t ks = p->c->info.key_size, i = key_hash(key, ks) & p->head_mask;

	if (!p->head_slot)
		return false;
	for (; p->head_slot[i]; i = (i + 1) & p->head_mask)
		if (!memcmp(p->head + (size_t)(p->head_slot[i] - 1) * ks, key,
			    ks))
			return true;
	return false;
}

/* The first n keys of the chunk, as an open-addressing set (slots hold
 * index + 1; at most half of them used). */
static int head_build(struct part *p, uint32_t n)
{
	uint32_t ks = p->c->info.key_size, size = 2;

	while (size < 2 * n)
		size <<= 1;
	p->head = malloc((size_t)n * ks);
	p->head_slot = calloc(size, sizeof(*p->head_slot));
	if (!p->head || !p->head_slot)
		return -ENOMEM;
	memcpy(p->head, p->k.keys, (size_t)n * ks);
	p->head_mask = size - 1;
	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = key_hash(p->head + (size_t)k * ks, ks) & p->head_mask;

		while (p->head_slot[i])
			i = (i + 1) & p->head_mask;
		p->head_slot[i] = k + 1;
	}
	return 0;
}

void head_publish(struct part *p, uint32_t n, uint32_t end, int err)
{
	if (n && !err)
		err = head_build(p, n);
	p->head_end = end;
	pthread_mutex_lock(&p->par->lock);
	p->head_err = err;
	p->head_ready = true;
	pthread_cond_broadcast(&p->par->cond);
	pthread_mutex_unlock(&p->par->lock);
}

/* next's first keys, once it has them; -ECANCELED if the walk stopped
 * before it started. */
static int head_wait(struct part *next)
{
	struct par *par = next->par;
	int err;

	pthread_mutex_lock(&par->lock);
	while (!next->head_ready && !atomic_load(&par->stop))
		pthread_cond_wait(&par->cond, &par->lock);
	err = next->head_ready ? next->head_err : -ECANCELED;
	pthread_mutex_unlock(&par->lock);
	return err;
}

static void part_emit(struct part *p, uint32_t n, const struct part *next)
{
	uint32_t ks = p->c->info.key_size, vb = p->c->vbytes;

	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *key = p->k.keys + (size_t)i * ks;

		if (!next || !head_has(next, key))
			dump_entry(p->c, key, p->k.values + (size_t)i * vb);
	}
}

/* The last batch, which ran past the range by whole buckets: those are
 * the next part's, and its first keys, if they cover them, say which.
 * They may not if entries of the next part's first buckets were deleted
 * between its batch and this one (this batch then reached further):
 * rather than print some twice, the dump fails with EAGAIN. Batches near
 * the end are sized to run past by little (part_want), so it takes
 * thousands of deletions in that window. */
static int part_cross(struct part *p, uint32_t n, uint32_t end,
		      struct part *next)
{
	int err = head_wait(next);

	if (err)
		return err;
	if (end > next->head_end)
		return -EAGAIN;
	part_emit(p, n, next);
	return 0;
}

/* One batch of at most want entries from in; a bucket larger than that
 * asks again for a full chunk, and a bucket larger than the chunk grows
 * it. */
static int part_batch(struct part *p, uint32_t *in, uint32_t want,
		      uint32_t *n)
{
	for (;;) {
		int err;

		*n = want;
		err = bpf_map_lookup_batch(p->c->map_fd, in, p->k.token,
					   p->k.keys, p->k.values, n, NULL);
		if (err != -ENOSPC || *n != 0)
			return err;
		if (want < p->k.cap) {
			want = p->k.cap;
			continue;
		}
		if (p->k.cap >= p->c->info.max_entries)
			return err;
		err = dump_chunk_grow(&p->k, p->c, 2 * p->k.cap);
		if (err)
			return err;
		want = p->k.cap;
	}
}

/* Entries to ask for next: the chunk, but near the end of the range
 * about what the buckets left should hold at the density seen so far
 * (the last batch runs past the end, and the next part reads that part
 * again), with a margin. */
static uint32_t part_want(const struct part *p, uint64_t seen,
			  uint64_t buckets, uint32_t from)
{
	uint64_t left, want;

	if (!buckets || from >= p->hi)
		return p->k.cap;
	left = p->hi - from;
	want = seen * left / buckets;
	want += want / 8 + 64;
	return want < p->k.cap ? (uint32_t)want : p->k.cap;
}

int part_walk(struct part *p)
{
	struct par *par = p->par;
	struct part *next = p + 1 < par->parts + par->nparts ? p + 1 : NULL;
	uint32_t *in = p->lo ? &p->lo : NULL;
	uint32_t cursor = p->lo, n, out;
	uint64_t seen = 0;
	bool publish = p != par->parts;

	for (;;) {
		uint32_t want = next ? part_want(p, seen, cursor - p->lo, cursor)
				     : p->k.cap;
		int err = part_batch(p, in, publish ? p->k.cap : want, &n);

		if (err && err != -ENOENT)
			return err;
		memcpy(&out, p->k.token, sizeof(out));
		if (publish)
			head_publish(p, n, err == -ENOENT ? UINT32_MAX : out, 0);
		publish = false;
		if (next && (err == -ENOENT || out >= p->hi))
			return part_cross(p, n, err == -ENOENT ? UINT32_MAX : out,
					  next);
		part_emit(p, n, NULL);
		if (err == -ENOENT || atomic_load(&par->stop))
			return 0;
		/* The cursor is a bucket index: it only moves forward. */
		if (out <= cursor && in)
			return -EPROTO;
		seen += n;
		cursor = out;
		in = &cursor;
	}
}
