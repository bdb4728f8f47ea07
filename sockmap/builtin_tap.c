/* sockmap/builtin_tap.c: the socket tap's rules in its LPM trie (sm_tap)
 * and the sockets it asked to have disconnected (the sm_ev ring buffer).
 * A rule for both directions is two trie entries, one per direction. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sockmap/builtin_int.h"

/* struct sm_tap_key of bpf/progs/sm_common.bpf.h: data[0] the direction
 * bit, then the prefix; prefixlen in bits counts the direction byte. */
struct tap_key {
	uint32_t prefixlen;
	uint8_t data[1 + SOCKMAP_TAP_PREFIX_MAX];
} __attribute__((packed));

static struct tap_key key_of(const struct sockmap_tap_rule *r, unsigned dir)
{
	struct tap_key k = { .prefixlen = 8 * (1 + r->len), .data = { dir } };

	memcpy(k.data + 1, r->prefix, r->len);
	return k;
}

int sockmap_tap_rule_add(const struct sockmap_aux *aux,
			 const struct sockmap_tap_rule *r, char *why, size_t whylen)
{
	uint32_t action = r->action;

	if (r->len > SOCKMAP_TAP_PREFIX_MAX)
		return sm_why(why, whylen, -EINVAL, "a prefix of more than %d bytes",
			      SOCKMAP_TAP_PREFIX_MAX);
	if (r->dir < SOCKMAP_TAP_RX || r->dir > SOCKMAP_TAP_BOTH)
		return sm_why(why, whylen, -EINVAL, "no direction %d", r->dir);
	if (r->action > SOCKMAP_TAP_DISCONNECT)
		return sm_why(why, whylen, -EINVAL, "no action %d", r->action);
	for (unsigned dir = SOCKMAP_TAP_RX; dir <= SOCKMAP_TAP_TX; dir <<= 1) {
		struct tap_key k = key_of(r, dir);

		if (!(r->dir & dir))
			continue;
		if (bpf_map_update_elem(aux->fds[SM_AUX_TAP], &k, &action, BPF_ANY) < 0)
			return sm_why(why, whylen, -errno, "adding the rule: %s",
				      errno == ENOSPC || errno == E2BIG ?
				      "too many rules" : strerror(errno));
	}
	return 0;
}

int sockmap_tap_rule_rm(const struct sockmap_aux *aux,
			const struct sockmap_tap_rule *r)
{
	int found = 0;

	if (r->len > SOCKMAP_TAP_PREFIX_MAX)
		return -EINVAL;
	for (unsigned dir = SOCKMAP_TAP_RX; dir <= SOCKMAP_TAP_TX; dir <<= 1) {
		struct tap_key k = key_of(r, dir);

		if (!(r->dir & dir))
			continue;
		if (bpf_map_delete_elem(aux->fds[SM_AUX_TAP], &k) == 0)
			found = 1;
		else if (errno != ENOENT)
			return -errno;
	}
	return found ? 0 : -ENOENT;
}

/* Fold entry (k, action) into rules[0..n): the other direction of the
 * same prefix and action makes a rule for both. The new count. */
static unsigned fold(struct sockmap_tap_rule *rules, unsigned n,
		     const struct tap_key *k, uint32_t action)
{
	struct sockmap_tap_rule r = { .len = k->prefixlen / 8 - 1,
				      .dir = k->data[0], .action = action };

	memcpy(r.prefix, k->data + 1, r.len);
	for (unsigned i = 0; i < n; i++)
		if (rules[i].len == r.len && rules[i].action == r.action &&
		    rules[i].dir != SOCKMAP_TAP_BOTH &&
		    memcmp(rules[i].prefix, r.prefix, r.len) == 0) {
			rules[i].dir = SOCKMAP_TAP_BOTH;
			return n;
		}
	rules[n] = r;
	return n + 1;
}

int sockmap_tap_rules(const struct sockmap_aux *aux,
		      struct sockmap_tap_rule *out, unsigned max)
{
	unsigned cap = 2 * SOCKMAP_TAP_RULES_MAX, n = 0;
	struct sockmap_tap_rule *all = calloc(cap, sizeof(*all));
	struct tap_key k, next;
	void *prev = NULL;
	uint32_t action;
	int rc = 0;

	if (!all)
		return -ENOMEM;
	while (n < cap && bpf_map_get_next_key(aux->fds[SM_AUX_TAP], prev, &next) == 0) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(aux->fds[SM_AUX_TAP], &k, &action) == 0)
			n = fold(all, n, &k, action);
	}
	if (errno != ENOENT && n < cap)
		rc = -errno;
	if (rc == 0) {
		rc = n < max ? n : max;
		memcpy(out, all, rc * sizeof(*out));
	}
	free(all);
	return rc;
}

int sockmap_aux_event_fd(const struct sockmap_aux *aux)
{
	return aux->fds[SM_AUX_EV];
}

struct take {
	struct sockmap_event *ev;
	unsigned n, max;
	bool disconnects_only;
};

/* A negative return stops the ring buffer's walk after this record, which
 * is consumed: stop on the record that fills the caller's array. Records
 * of 8 bytes are disconnects (the cookie), of 16 (cookie, kind) the
 * others (bpf/progs/sm_common.bpf.h). */
static int take_one(void *ctx, void *data, size_t size)
{
	struct take *t = ctx;
	struct sockmap_event e = { .kind = SOCKMAP_EV_DISCONNECT };
	uint64_t kind;

	if (size < sizeof(uint64_t))
		return 0;
	memcpy(&e.cookie, data, sizeof(uint64_t));
	if (size >= 2 * sizeof(uint64_t)) {
		memcpy(&kind, (char *)data + sizeof(uint64_t), sizeof(kind));
		e.kind = kind == SOCKMAP_EV_BUDGET ? SOCKMAP_EV_BUDGET : SOCKMAP_EV_DISCONNECT;
	}
	if (t->disconnects_only && e.kind != SOCKMAP_EV_DISCONNECT)
		return 0;
	t->ev[t->n++] = e;
	return t->n == t->max ? -ENOBUFS : 0;
}

static int take(const struct sockmap_aux *aux, struct take *t)
{
	struct ring_buffer *rb;
	int rc;

	if (t->max == 0)
		return 0;
	rb = ring_buffer__new(aux->fds[SM_AUX_EV], take_one, t, NULL);
	if (!rb)
		return -errno;
	rc = ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return rc < 0 && rc != -ENOBUFS ? rc : (int)t->n;
}

int sockmap_aux_take_events(const struct sockmap_aux *aux,
			    struct sockmap_event *ev, unsigned max)
{
	struct take t = { ev, 0, max, false };

	return take(aux, &t);
}

int sockmap_aux_take_disconnects(const struct sockmap_aux *aux,
				 uint64_t *cookies, unsigned max)
{
	struct sockmap_event ev[64];
	struct take t = { ev, 0, max < 64 ? max : 64, true };
	int n = take(aux, &t);

	for (int i = 0; i < n; i++)
		cookies[i] = ev[i].cookie;
	return n;
}
