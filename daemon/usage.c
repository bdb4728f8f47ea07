/* daemon/usage.c: what each uid holds of the server's limits (connections,
 * requests in flight, fds in unread replies) and the total, and the
 * connections paused until a limit frees up. Root (uid 0) is counted but
 * held only to the totals. Every count is raised and lowered here. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/server.h"

struct uid_acct {
	LIST_ENTRY(uid_acct) entry;
	uid_t uid;
	unsigned conns, inflight, queued_fds;
	TAILQ_HEAD(, conn) paused;      /* its connections waiting for it */
};

static unsigned bucket(uid_t uid)
{
	return (uid * 2654435761u) % UID_BUCKETS;
}

static struct uid_acct *find(const struct server *srv, uid_t uid)
{
	struct uid_acct *a;

	LIST_FOREACH(a, &srv->uids[bucket(uid)], entry)
		if (a->uid == uid)
			return a;
	return NULL;
}

void usage_init(struct server *srv)
{
	for (size_t i = 0; i < UID_BUCKETS; i++)
		LIST_INIT(&srv->uids[i]);
	TAILQ_INIT(&srv->paused);
	srv->queued_fds = 0;
}

void server_usage(const struct server *srv, uid_t uid, struct server_usage *u)
{
	const struct uid_acct *a = find(srv, uid);

	memset(u, 0, sizeof(*u));
	if (a)
		*u = (struct server_usage){ a->conns, a->inflight, a->queued_fds };
}

/* The total limit, then the uid's (which root is not held to). */
static int conn_limit(const struct server *srv, const struct uid_acct *a,
		      uid_t uid, char *why, size_t len)
{
	const struct server_limits *l = &srv->limits;

	if (l->conns && srv->nconns >= l->conns) {
		snprintf(why, len, "too many connections to bpfpind (%u, the "
			 "limit set by bpfpind --max-conns); try again later",
			 l->conns);
		return -EUSERS;
	}
	if (uid && l->conns_per_uid && a && a->conns >= l->conns_per_uid) {
		snprintf(why, len, "too many connections of uid %u (%u, the "
			 "limit set by bpfpind --max-conns-per-uid)",
			 (unsigned)uid, l->conns_per_uid);
		return -EDQUOT;
	}
	return 0;
}

int usage_conn_add(struct server *srv, struct conn *c, char *why, size_t len)
{
	struct uid_acct *a = find(srv, c->uid);
	int r = conn_limit(srv, a, c->uid, why, len);

	if (r < 0)
		return r;
	if (!a) {
		if (!(a = calloc(1, sizeof(*a)))) {
			snprintf(why, len, "out of memory");
			return -ENOMEM;
		}
		a->uid = c->uid;
		TAILQ_INIT(&a->paused);
		LIST_INSERT_HEAD(&srv->uids[bucket(c->uid)], a, entry);
	}
	a->conns++;
	c->acct = a;
	return 0;
}

/* Room for one more reply of PROTO_FDS_MAX fds under limit, or none held. */
static bool fds_fit(unsigned held, unsigned limit)
{
	return !limit || !held || held + PROTO_FDS_MAX <= limit;
}

enum conn_pause usage_may_read(const struct conn *c)
{
	const struct server *srv = c->srv;
	const struct server_limits *l = &srv->limits;
	const struct uid_acct *a = c->acct;

	if (!fds_fit(srv->queued_fds, l->queued_fds))
		return PAUSE_ALL;
	if (!c->uid)
		return PAUSE_NONE;
	if (!fds_fit(a->queued_fds, l->queued_fds_per_uid) ||
	    (l->inflight_per_uid && a->inflight >= l->inflight_per_uid))
		return PAUSE_UID;
	return PAUSE_NONE;
}

void usage_pause(struct conn *c, enum conn_pause why)
{
	if (c->paused != PAUSE_NONE)
		return;
	c->paused = why;
	if (why == PAUSE_UID)
		TAILQ_INSERT_TAIL(&c->acct->paused, c, pause_entry);
	else
		TAILQ_INSERT_TAIL(&c->srv->paused, c, pause_entry);
}

static void unpause(struct conn *c)
{
	if (c->paused == PAUSE_UID)
		TAILQ_REMOVE(&c->acct->paused, c, pause_entry);
	else if (c->paused == PAUSE_ALL)
		TAILQ_REMOVE(&c->srv->paused, c, pause_entry);
	c->paused = PAUSE_NONE;
}

/* Resume the connections waiting on a list; each checks the limits again
 * on its next read, and pauses again if another still holds it back. */
static void wake(struct conn *first)
{
	struct conn *c;

	while ((c = first)) {
		first = TAILQ_NEXT(c, pause_entry);
		unpause(c);
		conn_resume(c);
	}
}

/* Something was released: wake whom the total no longer holds. */
static void released_all(struct server *srv)
{
	if (!TAILQ_EMPTY(&srv->paused) &&
	    fds_fit(srv->queued_fds, srv->limits.queued_fds))
		wake(TAILQ_FIRST(&srv->paused));
}

/* Something of a's was released: wake whom a limit no longer holds. */
static void released(struct server *srv, struct uid_acct *a)
{
	const struct server_limits *l = &srv->limits;

	released_all(srv);
	if (!TAILQ_EMPTY(&a->paused) &&
	    fds_fit(a->queued_fds, l->queued_fds_per_uid) &&
	    (!l->inflight_per_uid || a->inflight < l->inflight_per_uid))
		wake(TAILQ_FIRST(&a->paused));
}

void usage_request_begin(struct conn *c)
{
	c->inflight++;
	c->acct->inflight++;
}

void usage_request_end(struct conn *c)
{
	c->inflight--;
	c->acct->inflight--;
	released(c->srv, c->acct);
}

void usage_fds_queued(struct conn *c, unsigned n)
{
	c->queued_fds += n;
	c->acct->queued_fds += n;
	c->srv->queued_fds += n;
}

void usage_fds_done(struct conn *c, unsigned n)
{
	c->queued_fds -= n;
	c->acct->queued_fds -= n;
	c->srv->queued_fds -= n;
	if (n)
		released(c->srv, c->acct);
}

/* Requests still in flight when the connection goes (a reply served
 * later) are dropped with it. */
void usage_conn_remove(struct conn *c)
{
	struct uid_acct *a = c->acct;

	if (!a)
		return;
	unpause(c);
	a->inflight -= c->inflight;
	a->queued_fds -= c->queued_fds;
	c->srv->queued_fds -= c->queued_fds;
	c->inflight = c->queued_fds = 0;
	a->conns--;
	c->acct = NULL;
	if (!a->conns && !a->inflight && !a->queued_fds) {
		LIST_REMOVE(a, entry);
		free(a);
		released_all(c->srv);
		return;
	}
	released(c->srv, a);
}
