/* fs/u64map.h: an open-addressing map of nonzero u64 keys to u64 values
 * (fs/u64map.c), for the namespace (hard links and pids while the tree is
 * rebuilt, each uid's charges) and the fd store's objects. */
#ifndef BPFPIN_FS_U64MAP_H
#define BPFPIN_FS_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct u64map {
	uint64_t *keys, *vals;      /* key 0: an empty slot */
	size_t mask, count;
};
void u64map_init(struct u64map *m);
void u64map_fini(struct u64map *m);
/* 0, or -ENOMEM (m unchanged) */
int u64map_put(struct u64map *m, uint64_t key, uint64_t val);
bool u64map_get(const struct u64map *m, uint64_t key, uint64_t *val);
void u64map_del(struct u64map *m, uint64_t key);

#endif
