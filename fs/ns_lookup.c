/* fs/ns_lookup.c: FUSE's view by inode number: lookup references keep a
 * node (and, for a pin, its object) reachable by its number after its
 * last name is gone, until the kernel forgets it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>

#include "fs/ns_int.h"

int ns_lookup_ref(struct ns *ns, const struct ns_cred *cred, struct ns_at at,
		  struct ns_stat *st)
{
	struct ns_node *n;
	int r = ns_path_lookup(ns, cred, at, false, &n);

	if (r < 0)
		return r;
	n->nlookup++;
	ns_node_stat(ns, n, st);
	return 0;
}

void ns_forget(struct ns *ns, uint64_t ino, uint64_t nlookup)
{
	struct ns_node *n = ns_node_find(ns, ino);

	if (!n)
		return;
	n->nlookup = nlookup >= n->nlookup ? 0 : n->nlookup - nlookup;
	if (n->nlookup == 0)
		ns_node_release(ns, n);
}

void ns_forget_all(struct ns *ns)
{
	for (size_t i = 0; i <= ns->imask; i++) {
		struct ns_node *n = ns->itab[i], *next;

		for (; n; n = next) {
			next = n->ino_next;
			n->nlookup = 0;
			ns_node_release(ns, n);
		}
	}
}
