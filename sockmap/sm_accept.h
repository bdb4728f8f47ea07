/* sockmap/sm_accept.h: accept mode. A client hands over a listening TCP
 * socket (v4 or v6) for a sockhash of key-size 8; from then on each
 * connection accepted on it is added to the sockhash as it is
 * established, keyed by its socket cookie, so the map's verdict applies
 * to it (what Envoy does with the sockets it accepts). The kernel does
 * the adding (bpf/progs/sm_accept.bpf.c, a sock_ops program on the cgroup
 * v2 root, its link pinned in the sockmap's private directory, so it goes
 * on across a restart of the daemon; it is removed with the last
 * listener). The daemon holds no fd of the listener: a listener its owner
 * closed stops adding at once (told in the kernel) and is dropped from
 * the list at the next accept-mode call. */
#ifndef BPFPIN_SOCKMAP_SM_ACCEPT_H
#define BPFPIN_SOCKMAP_SM_ACCEPT_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sockmap/sm.h"

/* Put listen_fd (not consumed) in accept mode on s, for uid. 0, or -errno
 * with why: -EINVAL s is not a sockhash of key-size 8, -EOPNOTSUPP the
 * socket is not a listening TCP socket, -ENOSPC too many listeners, else
 * the kernel's. Idempotent for the same listener. */
int sockmap_accept_add(struct sockmap *s, int listen_fd, uid_t uid, char *why,
		       size_t whylen);
/* Take the listener of that cookie out of accept mode: connections
 * accepted from now on are not added (those added stay members).
 * -ENOENT with why if it is not in accept mode on s. */
int sockmap_accept_rm(struct sockmap *s, uint64_t listener_cookie, char *why,
		      size_t whylen);
/* Call fn for each live listener in accept mode on s (local: its address,
 * a sockaddr_in in the same space for IPv4); stops at fn's non-zero,
 * which it returns. fn may call sockmap_accept_rm. */
typedef int (*sockmap_listener_fn)(uint64_t cookie, const struct sockaddr_in6 *local,
				   void *arg);
int sockmap_accept_list(struct sockmap *s, sockmap_listener_fn fn, void *arg);

/* For sockmap_members (sm_member.c): the members the kernel added in
 * accept mode (in the sockhash, no record), as mode "kernel": the key is
 * the cookie, the record holds only that. */
int sm_accept_members(struct sockmap *s, sockmap_member_fn fn, void *arg);

#endif
