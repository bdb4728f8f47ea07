/* fs/ns_fdcache.c: an LRU of open BPF object fds, keyed by (pin node,
 * access mode), so that a repeated GET hands out a dup instead of paying
 * BPF_OBJ_GET on the store; bounded so that 100,000 pins never need
 * 100,000 fds. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "fs/ns_int.h"

struct ns_fdc {
	struct ns_fdc *prev, *next;     /* prev: more recently used */
	struct ns_node *node;
	int acc;
	int fd;
};

static void lru_unlink(struct ns_fdcache *c, struct ns_fdc *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
}

static void lru_push(struct ns_fdcache *c, struct ns_fdc *e)
{
	e->prev = NULL;
	e->next = c->head;
	if (c->head)
		c->head->prev = e;
	else
		c->tail = e;
	c->head = e;
}

static void entry_drop(struct ns_fdcache *c, struct ns_fdc *e)
{
	lru_unlink(c, e);
	e->node->u.pin.fdc[e->acc] = NULL;
	c->count--;
	close(e->fd);
	free(e);
}

void ns_fdc_init(struct ns_fdcache *c, unsigned max)
{
	*c = (struct ns_fdcache){ .max = max };
}

void ns_fdc_set_max(struct ns *ns, unsigned max)
{
	struct ns_fdcache *c = &ns->fdc;

	c->max = max;
	while (c->count > c->max)
		entry_drop(c, c->tail);
}

void ns_fdc_fini(struct ns *ns)
{
	ns_fdc_set_max(ns, 0);
}

int ns_fdc_peek(struct ns *ns, struct ns_node *n, int acc)
{
	struct ns_fdc *e = n->u.pin.fdc[acc];

	if (!e)
		return -ENOENT;
	lru_unlink(&ns->fdc, e);
	lru_push(&ns->fdc, e);
	return e->fd;
}

int ns_fdc_get(struct ns *ns, struct ns_node *n, int acc)
{
	int fd = ns_fdc_peek(ns, n, acc);

	if (fd < 0)
		return fd;
	fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

void ns_fdc_put(struct ns *ns, struct ns_node *n, int acc, int fd)
{
	struct ns_fdcache *c = &ns->fdc;
	struct ns_fdc *e = n->u.pin.fdc[acc];

	if (e) {
		close(e->fd);
		e->fd = fd;
		lru_unlink(c, e);
		lru_push(c, e);
		return;
	}
	e = c->max ? malloc(sizeof(*e)) : NULL;
	if (!e) {
		close(fd);
		return;
	}
	*e = (struct ns_fdc){ .node = n, .acc = acc, .fd = fd };
	n->u.pin.fdc[acc] = e;
	lru_push(c, e);
	c->count++;
	while (c->count > c->max)
		entry_drop(c, c->tail);
}

int ns_fdc_take(struct ns *ns, struct ns_node *n, int acc)
{
	struct ns_fdc *e = n->u.pin.fdc[acc];
	int fd;

	if (!e)
		return -ENOENT;
	lru_unlink(&ns->fdc, e);
	n->u.pin.fdc[acc] = NULL;
	ns->fdc.count--;
	fd = e->fd;
	free(e);
	return fd;
}

void ns_fdc_drop_node(struct ns *ns, struct ns_node *n)
{
	for (int acc = 0; acc < NS_ACC_N; acc++) {
		if (n->u.pin.fdc[acc])
			entry_drop(&ns->fdc, n->u.pin.fdc[acc]);
	}
}
