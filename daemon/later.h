/* daemon/later.h: a request answered later. An op that hands its work to
 * a job (lib/worker.h) calls later_begin: the request stays in flight
 * (usage.c counts it until the reply), its connection reads no further
 * request until then (replies stay in order), and the job keeps the
 * handle. Back on the loop, the job sends the reply with later_result or
 * later_error, which also free the handle. If the connection closed
 * meanwhile, the handle is orphaned: later_conn is NULL, and a reply is
 * dropped with its fds closed. */
#ifndef BPFPIN_DAEMON_LATER_H
#define BPFPIN_DAEMON_LATER_H

#include <stdint.h>

#include "daemon/server.h"

struct later;

/* Defer req's reply; NULL without memory (answer the request now). */
struct later *later_begin(struct request *req);
/* The connection still waiting, or NULL if it is gone. */
struct conn *later_conn(const struct later *l);
/* Send {"result": result} with fds (taken: sent or closed, as is result).
 * nfds at most PROTO_FDS_MAX. */
void later_result(struct later *l, struct json_object *result,
		  int *fds, int nfds);
/* Send an error; extra (taken, may be NULL) holds more members for the
 * error object (a load's verifier log), and fds go with it. */
void later_error(struct later *l, int err, const char *msg,
		 struct json_object *extra, int *fds, int nfds);
/* conn.c: the connection closes with l pending. */
void later_orphan(struct later *l);

#endif
