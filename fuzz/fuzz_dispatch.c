/* fuzz/fuzz_dispatch.c: the RPC's request decoder and every op's parameter
 * table, run for real: dispatch() on fuzzed messages from a connection with
 * fixed credentials, over a real namespace, with real fds attached.
 *
 * Input: up to 8 records separated by 0x1e (RS, as in RFC 7464 JSON text
 * sequences). A record is [who][fds] then the message bytes: who picks the
 * credentials, each bit of fds attaches one fd (a map, a pipe's two ends,
 * an eventfd, a memfd, the map again, an O_PATH of the store), in order. */
#include "config.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <json-c/json.h>

#include "daemon/log.h"
#include "daemon/server.h"
#include "fuzz/fuzz_env.h"

#define RECORDS_MAX 8
#define RS 0x1e

static struct fenv env;
static struct server srv;
static struct conn conns[FENV_NCREDS];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (fenv_init(&env) < 0)
		abort();
	log_init(LOG_LVL_ERR, false);
	srv.ns = env.ns;
	srv.listen_fd = -1;
	TAILQ_INIT(&srv.conns);
	for (int i = 0; i < FENV_NCREDS; i++) {
		const struct ns_cred *c = &fenv_creds[i];

		conns[i] = (struct conn){ .srv = &srv, .fd = -1, .pid = c->pid,
			.uid = c->uid, .gid = c->gid, .ngroups = c->ngroups,
			.groups = (gid_t *)c->groups };
	}
	return 0;
}

/* The fds a record asks for; the caller closes them (as conn.c does). */
static int make_fds(uint8_t mask, int *fds)
{
	int n = 0, p[2];

	if (mask & 1)
		fds[n++] = fcntl(env.map_fd, F_DUPFD_CLOEXEC, 0);
	if ((mask & 2) && pipe2(p, O_CLOEXEC) == 0) {
		fds[n++] = p[0];
		fds[n++] = p[1];
	}
	if (mask & 4)
		fds[n++] = eventfd(0, EFD_CLOEXEC);
	if (mask & 8)
		fds[n++] = memfd_create("fuzz", MFD_CLOEXEC);
	if (mask & 16)
		fds[n++] = fcntl(env.map_fd, F_DUPFD_CLOEXEC, 0);
	if (mask & 32)
		fds[n++] = open(env.store, O_PATH | O_CLOEXEC);
	return n;
}

/* A reply is {"v": 1, "id": N} with a result, or an error whose errno
 * is one. */
static void check_reply(struct json_object *reply)
{
	struct json_object *v, *err, *no;

	fenv_check(json_object_object_get_ex(reply, "v", &v) &&
		   json_object_get_int(v) == 1, "reply without v", 0);
	fenv_check(json_object_object_get_ex(reply, "id", NULL), "reply without id", 0);
	if (!json_object_object_get_ex(reply, "error", &err)) {
		fenv_check(json_object_object_get_ex(reply, "result", NULL),
			   "reply with neither result nor error", 0);
		return;
	}
	fenv_check(json_object_object_get_ex(err, "errno", &no) &&
		   json_object_get_int(no) > 0 && json_object_get_int(no) < 4096,
		   "error without an errno", json_object_get_int(no));
	fenv_check(json_object_object_get_ex(err, "message", NULL), "error without a message", 0);
}

/* A result dispatch left as text (a plain get's), wrapped as conn.c
 * wraps it; it must parse as the JSON it stands for. */
static struct json_object *text_reply(const struct request *req)
{
	char text[PROTO_GET_RESULT_MAX + 48];
	size_t len = proto_result_text(text, req->id, req->text, req->text_len);
	struct json_object *o;

	text[len] = '\0';
	o = json_tokener_parse(text);
	fenv_check(o != NULL, "a text result is not JSON", 0);
	return o;
}

/* One message, served as conn.c serves it. */
static void serve(uint8_t who, uint8_t mask, const char *msg, size_t len)
{
	struct request req = { .conn = &conns[who % FENV_NCREDS] };
	struct json_object *reply;
	int fds[8];
	int nfds = make_fds(mask, fds);

	req.fds = fds;
	req.nfds = nfds;
	reply = dispatch(&req, msg, len);
	if (!reply && req.text_len)
		reply = text_reply(&req);
	fenv_check(reply != NULL, "dispatch gave no reply", 0);
	check_reply(reply);
	fenv_check(json_object_to_json_string(reply) != NULL, "reply", 0);
	fenv_check(req.nout >= 0 && req.nout <= PROTO_FDS_MAX, "nout", req.nout);
	proto_close_fds(fds, nfds);
	json_object_put(reply);
	json_object_put(req.result);
	json_object_put(req.msg);
	proto_close_fds(req.out_fds, req.nout);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *end = data + size;
	int fds = fenv_fd_count(&env);

	for (int i = 0; i < RECORDS_MAX && data + 2 <= end; i++) {
		const uint8_t *rs = memchr(data + 2, RS, (size_t)(end - data - 2));
		const uint8_t *stop = rs ? rs : end;

		serve(data[0], data[1], (const char *)data + 2,
		      (size_t)(stop - data - 2));
		if (!rs)
			break;
		data = rs + 1;
	}
	fenv_reset(&env);
	srv.ns = env.ns;
	fenv_check(fenv_fd_count(&env) == fds, "fds left open",
		   fenv_fd_count(&env) - fds);
	return 0;
}
