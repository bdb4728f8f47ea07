/* sockmap/accel.h: the "accelerate" built-in: same-host TCP acceleration.
 * A sock_ops program on a cgroup adds each established connection (v4 and
 * v6) to a sockhash keyed by its netns and 4-tuple (so only peers in one
 * network namespace meet); an sk_msg verdict on that sockhash redirects
 * each message into the peer's receive queue when the peer is in the map,
 * and passes it to TCP otherwise (never drops). Connections established
 * before the start are added by a TCP socket iterator (bpf_iter tcp), so
 * they are accelerated too. A connection switches from TCP to redirect
 * only once its TCP bytes are acknowledged, so bytes keep their order.
 * Closing the links stops new connections from being added, not the
 * redirects of sockets already in the sockhash: to stop those, delete
 * them from it (or drop the sockhash). */
#ifndef BPFPIN_SOCKMAP_ACCEL_H
#define BPFPIN_SOCKMAP_ACCEL_H

#include <stddef.h>
#include <stdint.h>

/* The sockhash's key: what sockmap create must be given (key-size). It is
 * (bpf/progs/sm_accel.bpf.c) the u64 netns cookie, local and remote
 * address (16 bytes each, IPv4 as v4-mapped IPv6), local and remote port
 * (u16, host order), 4 zero bytes. */
#define SOCKMAP_ACCEL_KEY_SIZE 48

/* The two links that make acceleration on one sockhash, each an fd the
 * caller owns (O_CLOEXEC) and pins: closing an unpinned one detaches it. */
struct sockmap_accel {
	int ops_link;       /* sock_ops on the cgroup */
	int msg_link;       /* sk_msg verdict on the sockhash */
	uint64_t caught_up; /* established connections added at the start */
};

/* Start acceleration on sockhash hash_fd (BPF_MAP_TYPE_SOCKHASH with key
 * size SOCKMAP_ACCEL_KEY_SIZE, else -EINVAL with why) for the connections
 * of cgroup v2 directory cgroup_fd (not consumed), counting per socket
 * in aux's maps "sm_cnt" and "sm_sk" (sockmap/builtin.h; aux not
 * consumed; NULL: count nothing). 0 or -errno with why; on error nothing
 * is attached. With aux, a socket's counters are dropped when it closes
 * (those of caught-up sockets stay until the manager drops them). */
struct sockmap_aux;
int sockmap_accel_start(int hash_fd, int cgroup_fd, const struct sockmap_aux *aux,
			struct sockmap_accel *out, char *why, size_t whylen);
/* Add the established connections of cgroup cgroup_fd (and below it; not
 * consumed) in the caller's network namespace to hash_fd now, what start
 * does after attaching (there with counting). A socket with unread TCP
 * bytes is left out (redirected bytes would overtake them); a later call
 * adds it. The count added, or -errno with why. */
int64_t sockmap_accel_catch_up(int hash_fd, int cgroup_fd, char *why, size_t whylen);

#endif
