/* sockmap/holder.c: the holder process's loop. It listens on its socket
 * file, takes one daemon at a time (its own uid only), keeps the fds it
 * is given by cookie, and exits when the socket file is gone, or when it
 * holds nothing and no daemon is connected. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockmap/holder.h"
#include "sockmap/holder_int.h"

struct held {
	uint64_t cookie;
	int64_t fin_base;
	int fd;
};

struct holder {
	struct held *v;
	size_t n, cap;
};

static void drop(struct holder *h, uint64_t cookie)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->v[i].cookie == cookie) {
			close(h->v[i].fd);
			h->v[i] = h->v[--h->n];
			return;
		}
}

static void keep(struct holder *h, const struct holder_msg *m, int fd)
{
	struct held *grown;

	drop(h, m->cookie);
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;

		if (!(grown = realloc(h->v, cap * sizeof(*grown)))) {
			close(fd);
			return;
		}
		h->v = grown;
		h->cap = cap;
	}
	h->v[h->n++] = (struct held){ m->cookie, m->fin_base, fd };
}

static void list(struct holder *h, int conn)
{
	struct holder_msg end = { .op = HOLDER_END };

	for (size_t i = 0; i < h->n; i++) {
		struct holder_msg m = { .op = HOLDER_HOLD, .cookie = h->v[i].cookie,
					.fin_base = h->v[i].fin_base };

		holder_send(conn, &m, h->v[i].fd);
	}
	holder_send(conn, &end, -1);
}

/* One message of the daemon; false when it went away. */
static bool serve(struct holder *h, int conn)
{
	struct holder_msg m;
	int fd = -1;

	if (holder_recv(conn, &m, &fd) <= 0)
		return false;
	if (m.op == HOLDER_HOLD && fd >= 0)
		keep(h, &m, fd);
	else if (fd >= 0)
		close(fd);
	if (m.op == HOLDER_DROP)
		drop(h, m.cookie);
	else if (m.op == HOLDER_LIST)
		list(h, conn);
	return true;
}

static bool same_uid(int conn)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	return getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 &&
	       cr.uid == getuid();
}

void holder_run(int lfd, const char *path)
{
	struct holder h = { 0 };
	struct stat st;
	int conn = -1;

	for (;;) {
		struct pollfd p = { .fd = conn >= 0 ? conn : lfd, .events = POLLIN };

		if (poll(&p, 1, 1000) < 0 && errno != EINTR)
			break;
		if (stat(path, &st) < 0)
			break;          /* its socket file is gone: so is its state dir */
		if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (conn < 0) {
			conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (conn >= 0 && !same_uid(conn)) {
				close(conn);
				conn = -1;
			}
		} else if (!serve(&h, conn)) {
			close(conn);
			conn = -1;
			if (h.n == 0)
				break;
		}
	}
	unlink(path);
	_exit(0);
}
