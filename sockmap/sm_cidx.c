/* sockmap/sm_cidx.c: the cookie index of a sockmap's records, in memory:
 * finding a member by cookie (sock rm/kill by cookie, "the same socket
 * twice", a holder's socket at start) without a walk of every record,
 * which with a full map would cost the loop tens of milliseconds a
 * request. Records are written and removed only through sm_rec_put and
 * sm_rec_del, which keep the index; it is built from the records when a
 * sockmap is taken up. An entry is checked against the record it names
 * before it is believed. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "sockmap/sm_int.h"

#define CIDX_BUCKETS 1024

struct sm_cidx {
	struct sm_cidx *next;
	uint64_t cookie;
	struct sockmap_key key;
};

static struct sm_cidx **bucket(struct sockmap *s, uint64_t cookie)
{
	if (!s->cidx && !(s->cidx = calloc(CIDX_BUCKETS, sizeof(*s->cidx))))
		return NULL;
	return &s->cidx[(cookie * 0x9e3779b97f4a7c15ull) >> 54 & (CIDX_BUCKETS - 1)];
}

static void cidx_del(struct sockmap *s, uint64_t cookie)
{
	struct sm_cidx **p = bucket(s, cookie), *e;

	for (; p && (e = *p); p = &e->next)
		if (e->cookie == cookie) {
			*p = e->next;
			free(e);
			return;
		}
}

static void cidx_add(struct sockmap *s, uint64_t cookie, const struct sockmap_key *k)
{
	struct sm_cidx **p, *e;

	cidx_del(s, cookie);
	if (!(p = bucket(s, cookie)) || !(e = calloc(1, sizeof(*e))))
		return;     /* unindexed: found by the walk below instead */
	e->cookie = cookie;
	e->key = *k;
	e->next = *p;
	*p = e;
}

void sm_cidx_free(struct sockmap *s)
{
	for (unsigned i = 0; s->cidx && i < CIDX_BUCKETS; i++)
		while (s->cidx[i]) {
			struct sm_cidx *e = s->cidx[i];

			s->cidx[i] = e->next;
			free(e);
		}
	free(s->cidx);
	s->cidx = NULL;
}

int sm_rec_put(struct sockmap *s, const struct sockmap_key *k, const struct sockmap_rec *r)
{
	struct sockmap_rec old;

	if (sm_rec_get(s, k, &old) == 0)
		cidx_del(s, old.cookie);
	if (bpf_map_update_elem(s->members_fd, k->b, r, BPF_ANY) < 0)
		return -errno;
	cidx_add(s, r->cookie, k);
	return 0;
}

void sm_rec_del(struct sockmap *s, const struct sockmap_key *k)
{
	struct sockmap_rec old;

	if (sm_rec_get(s, k, &old) == 0)
		cidx_del(s, old.cookie);
	bpf_map_delete_elem(s->members_fd, k->b);
}

void sm_cidx_build(struct sockmap *s)
{
	struct sockmap_key k = { .len = s->key_size }, next = { .len = s->key_size };
	struct sockmap_rec r;
	bool first = true;

	while (bpf_map_get_next_key(s->members_fd, first ? NULL : k.b, next.b) == 0) {
		first = false;
		k = next;
		if (sm_rec_get(s, &k, &r) == 0)
			cidx_add(s, r.cookie, &k);
	}
}

int sm_cidx_find(struct sockmap *s, uint64_t cookie, struct sockmap_key *k,
		 struct sockmap_rec *r)
{
	struct sm_cidx **p = bucket(s, cookie), *e;

	for (e = p ? *p : NULL; e; e = e->next)
		if (e->cookie == cookie) {
			*k = e->key;
			if (sm_rec_get(s, k, r) == 0 && r->cookie == cookie)
				return 0;
			cidx_del(s, cookie);    /* the record moved on */
			return -ENOENT;
		}
	return -ENOENT;
}
