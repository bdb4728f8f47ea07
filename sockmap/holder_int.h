/* sockmap/holder_int.h: the holder's wire: one struct holder_msg per
 * SOCK_SEQPACKET message, at most one fd with it. */
#ifndef BPFPIN_SOCKMAP_HOLDER_INT_H
#define BPFPIN_SOCKMAP_HOLDER_INT_H

#include "sockmap/holder.h"

/* fd -1: none. 0 or -errno. */
int holder_send(int conn, const struct holder_msg *m, int fd);
/* *fd: the fd that came (O_CLOEXEC, the caller's) or -1. The bytes
 * received (0: the peer is gone) or -errno. */
int holder_recv(int conn, struct holder_msg *m, int *fd);
/* The holder's loop (holder.c); never returns. */
void holder_run(int lfd, const char *path) __attribute__((noreturn));

#endif
