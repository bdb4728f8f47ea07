/* sockmap/sm_diag.h: a lent TCP or UDP socket the daemon holds no fd of,
 * found by its addresses and cookie through sock_diag: its TCP state, and
 * SOCK_DESTROY to end it (sock kill). */
#ifndef BPFPIN_SOCKMAP_SM_DIAG_H
#define BPFPIN_SOCKMAP_SM_DIAG_H

#include "sockmap/sm.h"

/* The TCP state of the member r records, -ENOENT if it is gone. */
int sm_diag_tcp_state(const struct sockmap_rec *r);
/* Destroy it: 0 or -errno (-ENOENT gone, -EOPNOTSUPP not TCP/UDP). */
int sm_diag_destroy(const struct sockmap_rec *r);

#endif
