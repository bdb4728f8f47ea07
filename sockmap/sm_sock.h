/* sockmap/sm_sock.h: what a socket handed over is, told without any call
 * that could reach a filesystem server (the fd is checked to be a socket
 * by /proc/self/fd first), and the sentences for what a sockmap refuses. */
#ifndef BPFPIN_SOCKMAP_SM_SOCK_H
#define BPFPIN_SOCKMAP_SM_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

struct sm_sock {
	uint64_t cookie;
	int family, type, proto;
	uid_t uid;                  /* its owner (the inode's uid) */
	int tcp_state;              /* TCP only, else -1 */
	struct sockaddr_storage local, remote;
};

/* Facts of fd: 0, -EBADF, or -ENOTSOCK with why ("fd is not a socket
 * (/proc shows it as pipe:[7])"). */
int sm_sock_facts(int fd, struct sm_sock *out, char *why, size_t whylen);
/* Can it be in a sockmap at all (the kernel's rules, said as sentences):
 * 0 or -EOPNOTSUPP with why. */
int sm_sock_check(const struct sm_sock *k, char *why, size_t whylen);
/* Move what waits unread in from to to's far end, by hand, as far as
 * neither blocks (AF_UNIX's verdict path takes one skb a wake-up: what
 * queued before an insert, or after the last wake-up, needs this). */
void sm_sock_move(int from, int to);
/* "TCP", "UDP", "AF_UNIX stream", ... */
const char *sm_sock_kind(const struct sm_sock *k);
/* TCP_ESTABLISHED -> "ESTABLISHED" ... */
const char *sm_tcp_state_name(int state);

#endif
