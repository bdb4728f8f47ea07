/* sockmap/sm_diag.h: a lent TCP or UDP socket the daemon holds no fd of,
 * found by its addresses and cookie through sock_diag: its TCP state, its
 * byte counts (a lent pair's backlog, sm_bp_lent.c), and SOCK_DESTROY to
 * end it (sock kill). */
#ifndef BPFPIN_SOCKMAP_SM_DIAG_H
#define BPFPIN_SOCKMAP_SM_DIAG_H

#include "sockmap/sm.h"

/* The TCP state of the member r records, -ENOENT if it is gone. */
int sm_diag_tcp_state(const struct sockmap_rec *r);
/* A TCP member's counts, as sm_fin.c takes them from a given one's fd
 * (TCP_INFO, SIOCINQ, SIOCOUTQ): bytes received, of them still unread
 * (not seen by a verdict), and bytes taken to send (acked + queued). */
struct sm_diag_bytes {
	int64_t received, unread, sent;
};
int sm_diag_tcp_bytes(const struct sockmap_rec *r, struct sm_diag_bytes *b);
/* Destroy it: 0 or -errno (-ENOENT gone, -EOPNOTSUPP not TCP/UDP). */
int sm_diag_destroy(const struct sockmap_rec *r);

#endif
