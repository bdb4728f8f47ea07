/* lib/client_conn.c: a libbpfpin connection: finding and connecting to the
 * daemon's socket, the hello that checks the protocol version, the error
 * message of the last call, and closing. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/client.h"

/* The smallest message limit a daemon may announce that we still accept:
 * a get of a maximal path must fit. */
#define MIN_MSG (CLIENT_PATH_MAX * 6 + 256)

int client_fail(struct bpfpin *b, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->errmsg, sizeof(b->errmsg), fmt, ap);
	va_end(ap);
	return err;
}

int client_open_fd(int sock, struct bpfpin **out)
{
	struct bpfpin *b = calloc(1, sizeof(*b));

	if (b) {
		b->buf = malloc(PROTO_MSG_MAX + 1);
		b->tok = json_tokener_new();
	}
	if (!b || !b->buf || !b->tok) {
		if (b) {
			free(b->buf);
			if (b->tok)
				json_tokener_free(b->tok);
		}
		free(b);
		close(sock);
		return -ENOMEM;
	}
	b->sock = sock;
	b->next_id = 1;
	b->max_msg = PROTO_MSG_MAX;
	b->max_fds = PROTO_FDS_MAX;
	b->umask = client_umask();
	*out = b;
	return 0;
}

/* Adopt a limit the daemon announced when it is lower than ours. */
static void adopt_limit(struct json_object *result, const char *key,
			int64_t floor, int64_t *limit)
{
	struct json_object *v = client_member(result, key, json_type_int);
	int64_t x = v ? json_object_get_int64(v) : 0;

	if (x >= floor && x < *limit)
		*limit = x;
}

int client_hello(struct bpfpin *b)
{
	struct client_req q;
	struct client_reply rep;
	struct json_object *v;
	int64_t msg = PROTO_MSG_MAX, fds = PROTO_FDS_MAX;
	int r;

	client_req_init(&q, b, "hello");
	r = client_call(b, &q, NULL, 0, &rep);
	if (r < 0)
		return r;
	v = client_member(rep.result, "version", json_type_int);
	if (!v || json_object_get_int64(v) != PROTO_VERSION)
		r = client_fail(b, -EPROTONOSUPPORT,
				"the daemon does not speak protocol version %d",
				PROTO_VERSION);
	adopt_limit(rep.result, "max_msg", MIN_MSG, &msg);
	adopt_limit(rep.result, "max_fds", 1, &fds);
	b->max_msg = msg;
	b->max_fds = fds;
	client_reply_release(&rep);
	return r;
}

/* The socket path: path, else $BPFPIN_SOCKET (ignored in setuid
 * programs, which must not be pointed at another daemon), else the
 * default. */
static const char *socket_path(const char *path)
{
	const char *env;

	if (path)
		return path;
	env = secure_getenv(BPFPIN_SOCKET_ENV);
	return env && *env ? env : BPFPIN_DEFAULT_SOCKET;
}

static int connect_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(path);
	int s, r;

	if (len == 0)
		return -EINVAL;
	if (len >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, len);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	do
		r = connect(s, (struct sockaddr *)&sa, sizeof(sa));
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		r = -errno;
		close(s);
		return r;
	}
	return s;
}

BPFPIN_API int bpfpin_connect(const char *path, struct bpfpin **out)
{
	struct bpfpin *b;
	int s, r;

	if (!out)
		return -EINVAL;
	*out = NULL;
	s = connect_socket(socket_path(path));
	if (s < 0)
		return s;
	r = client_open_fd(s, &b);
	if (r < 0)
		return r;
	r = client_hello(b);
	if (r < 0) {
		bpfpin_close(b);
		return r;
	}
	*out = b;
	return 0;
}

BPFPIN_API void bpfpin_close(struct bpfpin *b)
{
	if (!b)
		return;
	close(b->sock);
	free(b->buf);
	json_tokener_free(b->tok);
	free(b);
}

BPFPIN_API int bpfpin_socket_fd(const struct bpfpin *b)
{
	return b ? b->sock : -EINVAL;
}

BPFPIN_API const char *bpfpin_errmsg(const struct bpfpin *b)
{
	return b ? b->errmsg : "";
}
