/* fs/ns_quota.c: what each uid owns in the namespace (nodes, bytes of
 * symlink targets) and holds open on the mount (snapshots), against its
 * limits: one record per uid that has anything, gone when all is back to 0.
 * Root is counted, never limited. Both faces get EDQUOT from here. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fs/ns_int.h"

struct ns_qrec {
	uint64_t nodes, symlink_bytes;
	unsigned snapshots;
};

struct ns_quota {
	struct u64map uids;  /* uid + 1 (keys are nonzero) -> ns_qrec * */
};

static uint64_t quota_key(uid_t uid)
{
	return (uint64_t)uid + 1;
}

static struct ns_qrec *quota_find(const struct ns *ns, uid_t uid)
{
	uint64_t v;

	if (!ns->quota || !u64map_get(&ns->quota->uids, quota_key(uid), &v))
		return NULL;
	return (struct ns_qrec *)(uintptr_t)v;
}

static int quota_get(struct ns *ns, uid_t uid, struct ns_qrec **out)
{
	struct ns_qrec *q = quota_find(ns, uid);
	int r;

	if (!q && !ns->quota && !(ns->quota = calloc(1, sizeof(*ns->quota))))
		return -ENOMEM;
	if (!q) {
		q = calloc(1, sizeof(*q));
		r = q ? u64map_put(&ns->quota->uids, quota_key(uid),
				      (uintptr_t)q) : -ENOMEM;
		if (r < 0) {
			free(q);
			return r;
		}
	}
	*out = q;
	return 0;
}

/* A record with nothing left in it goes, so that the table stays as small
 * as the set of uids that hold something. */
static void quota_trim(struct ns *ns, uid_t uid, struct ns_qrec *q)
{
	if (q->nodes || q->symlink_bytes || q->snapshots)
		return;
	u64map_del(&ns->quota->uids, quota_key(uid));
	free(q);
}

static uint64_t quota_bytes(const struct ns_node *n)
{
	return n->type == NS_SYMLINK ? n->u.sym.len : 0;
}

static bool over(uint64_t have, uint64_t add, uint64_t limit)
{
	return limit && (add > limit || have > limit - add);
}

/* May uid, holding q (NULL: nothing), own n as well? */
static int quota_may_own(const struct ns *ns, uid_t uid,
			 const struct ns_qrec *q, const struct ns_node *n)
{
	struct ns_qrec none = { 0 };

	if (uid == 0)
		return 0;
	if (!q)
		q = &none;
	if (over(q->nodes, 1, ns->limits.nodes) ||
	    over(q->symlink_bytes, quota_bytes(n), ns->limits.symlink_bytes))
		return -EDQUOT;
	return 0;
}

static void quota_add(struct ns_qrec *q, struct ns_node *n)
{
	q->nodes++;
	q->symlink_bytes += quota_bytes(n);
	n->charged = true;
}

int ns_quota_charge(struct ns *ns, struct ns_node *n)
{
	struct ns_qrec *q = quota_find(ns, n->uid);
	int r = quota_may_own(ns, n->uid, q, n);

	if (r == 0 && !q)
		r = quota_get(ns, n->uid, &q);
	if (r == 0)
		quota_add(q, n);
	return r;
}

void ns_quota_uncharge(struct ns *ns, struct ns_node *n)
{
	struct ns_qrec *q;

	if (!n->charged)
		return;
	n->charged = false;
	q = quota_find(ns, n->uid);
	if (!q)
		return;
	q->nodes--;
	q->symlink_bytes -= quota_bytes(n);
	quota_trim(ns, n->uid, q);
}

/* The kernel's dquot_transfer(): the new owner's limits apply to what it
 * takes over, whoever asks. */
int ns_quota_may_chown(const struct ns *ns, const struct ns_node *n, uid_t uid)
{
	if (!n->charged || uid == (uid_t)-1 || uid == n->uid)
		return 0;
	return quota_may_own(ns, uid, quota_find(ns, uid), n);
}

/* The store has changed already: should the new owner's record not be
 * had (no memory), the node goes uncharged rather than fail the chown. */
void ns_quota_chown(struct ns *ns, struct ns_node *n, uid_t uid)
{
	struct ns_qrec *q;

	if (!n->charged || uid == (uid_t)-1 || uid == n->uid)
		return;
	ns_quota_uncharge(ns, n);
	if (quota_get(ns, uid, &q) == 0)
		quota_add(q, n);
}

/* What the store holds is charged as it is, even past limits lowered
 * since: only new nodes are refused. */
int ns_quota_load(struct ns *ns)
{
	for (size_t i = 0; i <= ns->imask; i++) {
		for (struct ns_node *n = ns->itab[i]; n; n = n->ino_next) {
			struct ns_qrec *q;
			int r;

			if (n == ns->root || !n->names || n->charged)
				continue;
			r = quota_get(ns, n->uid, &q);
			if (r < 0)
				return r;
			quota_add(q, n);
		}
	}
	return 0;
}

void ns_quota_fini(struct ns *ns)
{
	struct u64map *m;

	if (!ns->quota)
		return;
	m = &ns->quota->uids;
	for (size_t i = 0; m->keys && i <= m->mask; i++)
		if (m->keys[i])
			free((struct ns_qrec *)(uintptr_t)m->vals[i]);
	u64map_fini(m);
	free(ns->quota);
	ns->quota = NULL;
}

int ns_snapshot_hold(struct ns *ns, uid_t uid)
{
	struct ns_qrec *q = quota_find(ns, uid);
	unsigned limit = uid == 0 ? 0 : ns->limits.snapshots;
	int r = 0;

	if (q && limit && q->snapshots >= limit)
		return -EDQUOT;
	if (!q)
		r = quota_get(ns, uid, &q);
	if (r == 0)
		q->snapshots++;
	return r;
}

void ns_snapshot_drop(struct ns *ns, uid_t uid)
{
	struct ns_qrec *q = quota_find(ns, uid);

	if (!q || !q->snapshots)
		return;
	q->snapshots--;
	quota_trim(ns, uid, q);
}

void ns_get_limits(const struct ns *ns, struct ns_limits *lim)
{
	*lim = ns->limits;
}

void ns_usage(const struct ns *ns, uid_t uid, struct ns_usage *u)
{
	const struct ns_qrec *q = quota_find(ns, uid);

	memset(u, 0, sizeof(*u));
	if (!q)
		return;
	u->nodes = q->nodes;
	u->symlink_bytes = q->symlink_bytes;
	u->snapshots = q->snapshots;
}
