/* daemon/ops_sock.h: what the sockmap ops share (ops_sockmap.c,
 * ops_sock.c, ops_tap.c). */
#ifndef BPFPIN_DAEMON_OPS_SOCK_H
#define BPFPIN_DAEMON_OPS_SOCK_H

#include <stdint.h>

#include "daemon/server.h"
#include "sockmap/sm.h"

#define SOCKMAP_MAX_ENTRIES 65536

/* req->errmsg from fmt; returns err. */
int sock_fail(struct request *req, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The managed sockmap pinned at path, which cred may write (its pin's
 * stat in st); 0 or -errno with req->errmsg. */
int sockmap_open(struct request *req, const struct ns_cred *cred, const char *path,
		 struct sockmap **out, struct ns_stat *st);
/* A request of one member, path, to read the sockmap there: read
 * permission; *out the managed sockmap, or NULL if bpfpind does not
 * manage it. 0 or -errno with req->errmsg. */
int sockmap_show(struct request *req, const char **path, struct sockmap **out);
/* {"members": N, "given": N, "attached": {HOOK: LABEL}} */
struct json_object *sockmap_state_json(struct sockmap *s);
/* A key as JSON: an integer for 4 bytes, else "0x" and hex. */
struct json_object *sock_key_json(const struct sockmap_key *k);
/* sock_ls's result for s: {"members": [...], "sockmap": {...}}. */
int sock_ls_json(struct sockmap *s, struct json_object **out);
/* fsx_note_fn (fs/fuse.h) for a managed sockmap's file; arg the server. */
struct obj_ident;
char *sockmap_note(const struct obj_ident *obj, void *arg);
/* Add it to req->result as "sockmap" if map id is managed. */
void sockmap_result(struct request *req, uint32_t id);

#endif
