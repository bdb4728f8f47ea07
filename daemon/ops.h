/* daemon/ops.h: the RPC operations, each a thin adapter from a request's
 * parameters to one namespace function (fs/ns.h) and back to JSON. */
#ifndef BPFPIN_DAEMON_OPS_H
#define BPFPIN_DAEMON_OPS_H

#include "daemon/params.h"
#include "daemon/server.h"

struct ns_stat;

/* A handler returns 0 (req->result set, or left NULL for {}) or -errno
 * (req->errmsg may say more; else the dispatcher says path: strerror). */
typedef int (*op_fn)(struct request *req);

struct op {
	const char *name;
	op_fn fn;
	bool bare;      /* takes no members: the dispatcher refuses any */
};

/* Look an op up by name; NULL if unknown. */
const struct op *ops_find(const char *name);

/* ops_obj.c */
int op_hello(struct request *req);
int op_pin(struct request *req);
int op_get(struct request *req);
int op_get_many(struct request *req);
int op_info(struct request *req);
/* ops_ns.c */
int op_stat(struct request *req);
int op_list(struct request *req);
int op_unlink(struct request *req);
int op_mkdir(struct request *req);
int op_rmdir(struct request *req);
int op_rename(struct request *req);
int op_link(struct request *req);
int op_symlink(struct request *req);
int op_readlink(struct request *req);
int op_chmod(struct request *req);
int op_chown(struct request *req);
int op_utimens(struct request *req);
/* ops_load.c (replies later, from the worker's job) */
int op_load(struct request *req);
/* ops_attach.c */
int op_attach(struct request *req);
int op_detach(struct request *req);
/* Add the node ino's provenance records to req->result as
 * "provenance" (stat), if it has any. */
void prov_result(struct request *req, uint64_t ino);
/* ops_sockmap.c, ops_sock.c, ops_sock_ls.c */
int op_sockmap_create(struct request *req);
int op_sockmap_attach(struct request *req);
int op_sockmap_detach(struct request *req);
int op_sock_add(struct request *req);
int op_sock_rm(struct request *req);
int op_sock_kill(struct request *req);
int op_sock_ls(struct request *req);
/* ops_tap.c */
int op_tap_add(struct request *req);
int op_tap_rm(struct request *req);
int op_tap_ls(struct request *req);
/* ops_limits.c */
int op_limits(struct request *req);

/* stat_json.c: the stat object of doc/protocol.md. */
struct json_object *stat_json(const struct ns_stat *st);
/* {"stat": STAT} */
struct json_object *stat_result(const struct ns_stat *st);
/* Set req->errmsg to "PATH: strerror" unless a message is set already;
 * returns err. */
int op_fail(struct request *req, const char *path, int err);

#endif
