/* sockmap/holder.h: the holder, a minimal process that keeps a copy of
 * every socket given to the daemon, so that given sockets outlive a crash
 * or a restart of the daemon: the daemon's fd of a given socket dies with
 * it, the holder's does not, and a daemon starting again takes them all
 * back. It lives as long as its socket file (STATE/holder.sock) and while
 * it holds sockets or a daemon is connected. */
#ifndef BPFPIN_SOCKMAP_HOLDER_H
#define BPFPIN_SOCKMAP_HOLDER_H

#include <stdbool.h>
#include <stdint.h>

/* One message between the daemon and the holder (SOCK_SEQPACKET), with
 * one fd in SCM_RIGHTS for HOLD both ways. */
enum holder_op {
	HOLDER_HOLD = 1,    /* daemon -> holder: keep fd; holder -> daemon: one held */
	HOLDER_DROP,        /* daemon -> holder: close the one of cookie */
	HOLDER_LIST,        /* daemon -> holder: send every one held, then END */
	HOLDER_END,
};
struct holder_msg {
	uint32_t op;
	uint32_t pad;
	uint64_t cookie;
	int64_t fin_base;   /* sockmap/sm_fin.c's, kept across a restart */
};

/* Connect to the holder at path; with spawn, start one (a forked child
 * that leaves the daemon's session) if none answers. The connection's fd
 * (O_CLOEXEC) or -errno (-ENOENT, -ECONNREFUSED: none, and no spawn). */
int holder_connect(const char *path, bool spawn);
/* HOLD fd (not consumed) / DROP: 0 or -errno. */
int holder_hold(int conn, uint64_t cookie, int64_t fin_base, int fd);
int holder_drop(int conn, uint64_t cookie);
/* LIST: fn gets each held socket (its fd is fn's); 0 or -errno. */
typedef void (*holder_fn)(uint64_t cookie, int64_t fin_base, int fd, void *arg);
int holder_list(int conn, holder_fn fn, void *arg);

#endif
