/* fs/u64map.c: a small open-addressing map of nonzero u64 keys to u64
 * values, used while the tree is rebuilt (store inode -> node for hard
 * links, store inode -> pid from the side log), for the charges of each
 * uid (fs/ns_quota.c), which come and go, and for the fd store's objects
 * by number and by kernel id (fs/store_fd_obj.c). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "fs/u64map.h"

#define U64MAP_MIN 64

void u64map_init(struct u64map *m)
{
	*m = (struct u64map){ 0 };
}

void u64map_fini(struct u64map *m)
{
	free(m->keys);
	free(m->vals);
	u64map_init(m);
}

static size_t home_of(const struct u64map *m, uint64_t key)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 17) & m->mask;
}

static size_t slot_of(const struct u64map *m, uint64_t key)
{
	size_t i = home_of(m, key);

	while (m->keys[i] && m->keys[i] != key)
		i = (i + 1) & m->mask;
	return i;
}

static int grow(struct u64map *m)
{
	struct u64map old = *m;
	size_t size = m->keys ? (m->mask + 1) * 2 : U64MAP_MIN;

	m->keys = calloc(size, sizeof(*m->keys));
	m->vals = calloc(size, sizeof(*m->vals));
	if (!m->keys || !m->vals) {
		free(m->keys);
		free(m->vals);
		*m = old;
		return -ENOMEM;
	}
	m->mask = size - 1;
	m->count = 0;
	for (size_t i = 0; old.keys && i <= old.mask; i++) {
		if (old.keys[i])
			u64map_put(m, old.keys[i], old.vals[i]);
	}
	free(old.keys);
	free(old.vals);
	return 0;
}

int u64map_put(struct u64map *m, uint64_t key, uint64_t val)
{
	size_t i;

	if (!m->keys || (m->count + 1) * 2 > m->mask + 1) {
		int r = grow(m);

		if (r < 0)
			return r;
	}
	i = slot_of(m, key);
	if (!m->keys[i])
		m->count++;
	m->keys[i] = key;
	m->vals[i] = val;
	return 0;
}

bool u64map_get(const struct u64map *m, uint64_t key, uint64_t *val)
{
	size_t i;

	if (!m->keys)
		return false;
	i = slot_of(m, key);
	if (!m->keys[i])
		return false;
	*val = m->vals[i];
	return true;
}

/* Backward-shift deletion: every later key of the probe run that may sit
 * in the hole moves into it, so lookups never need tombstones. */
void u64map_del(struct u64map *m, uint64_t key)
{
	size_t i, j;

	if (!m->keys)
		return;
	i = slot_of(m, key);
	if (!m->keys[i])
		return;
	m->keys[i] = 0;
	m->count--;
	for (j = (i + 1) & m->mask; m->keys[j]; j = (j + 1) & m->mask) {
		size_t home = home_of(m, m->keys[j]);

		if (((j - home) & m->mask) < ((j - i) & m->mask))
			continue;
		m->keys[i] = m->keys[j];
		m->vals[i] = m->vals[j];
		m->keys[j] = 0;
		i = j;
	}
}
