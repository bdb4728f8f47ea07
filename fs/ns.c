/* fs/ns.c: opening and closing a namespace over its store, and the small
 * accessors; the operations live in fs/ns_create.c, ns_remove.c,
 * ns_rename.c, ns_attr.c, ns_query.c and ns_lookup.c. Opening undoes what
 * a crash left of a change journalled by fs/ns_intent.c. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "fs/ns_int.h"

#define FD_CACHE_DEFAULT 4096

int ns_open(struct ns **out, const char *store_dir)
{
	struct ns *ns = calloc(1, sizeof(*ns));
	bool fresh;
	int r;

	if (!ns)
		return -ENOMEM;
	ns->meta_fd = -1;
	ns->prov_fd = -1;
	ns->intent_fd = -1;
	ns_fdc_init(&ns->fdc, FD_CACHE_DEFAULT);
	r = ns_tree_init(ns);
	if (r == 0)
		r = store_open(&ns->store, store_dir, &fresh);
	if (r == 0)
		r = ns_load_tree(ns);
	/* Before the side files compact: the records of what it removes go. */
	if (r == 0)
		r = ns_intent_recover(ns);
	/* The side log is lossy by design: a namespace opens without it. */
	if (r == 0 && ns_meta_compact(ns) < 0)
		ns_meta_open(ns);
	if (r == 0)
		r = ns_prov_open(ns);
	if (r < 0) {
		ns_close(ns);
		return r;
	}
	*out = ns;
	return 0;
}

void ns_close(struct ns *ns)
{
	if (!ns)
		return;
	ns_meta_close(ns);
	ns_prov_close(ns);
	if (ns->intent_fd >= 0)
		close(ns->intent_fd);
	ns_fdc_fini(ns);
	ns_tree_fini(ns);
	store_close(&ns->store);
	free(ns);
}

uint64_t ns_node_count(const struct ns *ns)
{
	return ns->nodes;
}

uint64_t ns_type_count(const struct ns *ns, enum ns_type type)
{
	return type >= NS_DIR && type <= NS_SYMLINK ? ns->of_type[type] : 0;
}

void ns_set_fd_cache(struct ns *ns, unsigned max_fds)
{
	ns_fdc_set_max(ns, max_fds);
}

void ns_set_meta_defer(struct ns *ns, bool on)
{
	ns_meta_flush(ns);
	ns->meta_defer = on;
}

void ns_flush(struct ns *ns)
{
	ns_meta_flush(ns);
}

void ns_set_limits(struct ns *ns, const struct ns_limits *lim)
{
	ns->limits = *lim;
}

uint64_t ns_generation(const struct ns *ns)
{
	return ns->generation;
}
