/* lib/proto.c: message framing and fd passing over SOCK_SEQPACKET, errno
 * names, and the reply envelopes (see proto.h, doc/protocol.md). */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/proto.h"
#include "lib/utf8.h"

int proto_send(int sock, const void *buf, size_t len, const int *fds, int nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * PROTO_FDS_MAX)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds < 0)
		return -EINVAL;
	if (nfds > PROTO_FDS_MAX || len > PROTO_MSG_MAX)
		return -EMSGSIZE;
	if (nfds > 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	for (;;) {
		ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);

		if (n >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

int proto_send_json(int sock, struct json_object *msg, const int *fds, int nfds)
{
	size_t len;
	const char *s = json_object_to_json_string_length(msg,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

	if (!s)
		return -ENOMEM;
	return proto_send(sock, s, len, fds, nfds);
}

void proto_close_fds(const int *fds, int n)
{
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* Collect the SCM_RIGHTS fds of msg into fds[]; returns their count. */
static int take_fds(struct msghdr *msg, int *fds)
{
	int n = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		size_t k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (n < PROTO_FDS_MAX)
				fds[n++] = fd;
			else
				close(fd);
		}
	}
	return n;
}

/* recvmsg gives 0 both at end of stream and for an empty message. An
 * empty message that carried control data, or one read while the peer can
 * still send (no POLLRDHUP/POLLHUP), is a message; the rest is the end. */
static bool end_of_stream(int sock, const struct msghdr *msg)
{
	struct pollfd p = { .fd = sock, .events = POLLRDHUP };

	if (msg->msg_controllen > 0)
		return false;
	if (poll(&p, 1, 0) < 0)
		return true;
	return p.revents & (POLLRDHUP | POLLHUP);
}

ssize_t proto_recv(int sock, char *buf, size_t size, int *fds, int *nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * PROTO_FDS_MAX)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = size - 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	ssize_t n;

	*nfds = 0;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	*nfds = take_fds(&msg, fds);
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		proto_close_fds(fds, *nfds);
		*nfds = 0;
		return -EMSGSIZE;
	}
	if (n == 0 && !end_of_stream(sock, &msg)) {
		proto_close_fds(fds, *nfds);
		*nfds = 0;
		return -EBADMSG;
	}
	buf[n] = '\0';
	return n;
}

#define E(x) { x, #x }
static const struct { int value; const char *name; } errnames[] = {
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG),
	E(EBADF), E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(EBUSY),
	E(EEXIST), E(EXDEV), E(ENODEV), E(ENOTDIR), E(EISDIR), E(EINVAL),
	E(ENFILE), E(EMFILE), E(EFBIG), E(ENOSPC), E(ESPIPE), E(EROFS),
	E(EMLINK), E(EPIPE), E(ERANGE), E(ENAMETOOLONG), E(ENOSYS),
	E(ENOTEMPTY), E(ELOOP), E(ENODATA), E(EOVERFLOW), E(EBADMSG),
	E(EPROTO), E(EMSGSIZE), E(EPROTONOSUPPORT), E(EOPNOTSUPP),
	E(ECONNRESET), E(ENOTCONN), E(ETIMEDOUT), E(ECONNREFUSED),
	E(ENOTSUP), E(ENOTSOCK), E(EDQUOT), E(ESTALE), E(ECANCELED), E(EILSEQ),
	E(EUSERS),
};
#undef E

const char *proto_errno_name(int err)
{
	static __thread char other[16];

	if (err < 0)
		err = -err;
	for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (errnames[i].value == err)
			return errnames[i].name;
	snprintf(other, sizeof(other), "E%d", err);
	return other;
}

int proto_errno_value(const char *name)
{
	for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (strcmp(errnames[i].name, name) == 0)
			return errnames[i].value;
	return 0;
}

/* Add a member under a literal key, which json-c then need not copy: the
 * envelopes are built for every reply. */
static void add_lit(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add_ex(o, key, v, JSON_C_OBJECT_ADD_CONSTANT_KEY);
}

static struct json_object *envelope(uint64_t id)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	add_lit(o, "v", json_object_new_int(PROTO_VERSION));
	add_lit(o, "id", json_object_new_uint64(id));
	return o;
}

bool proto_utf8_valid(const char *s, size_t len)
{
	return utf8_valid(s, len);
}

/* Whether the n bytes left at s start a sequence longer than n whose
 * bytes so far are continuation bytes: what a truncation leaves. */
static bool cut_at_end(const unsigned char *s, size_t n)
{
	size_t need = s[0] < 0xc2 ? 0 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 :
		      s[0] < 0xf5 ? 4 : 0;

	if (need <= n)
		return false;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return false;
	return true;
}

char *proto_utf8_repair(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	char *out = malloc(3 * len + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0, k; i < len; i += k) {
		k = utf8_seq_len(u + i, len - i);
		if (k) {
			memcpy(o, s + i, k);
			o += k;
			continue;
		}
		k = 1;
		if (cut_at_end(u + i, len - i))
			break;
		memcpy(o, "\xef\xbf\xbd", 3);
		o += 3;
	}
	*o = '\0';
	return out;
}

struct json_object *proto_error(uint64_t id, int err, const char *message)
{
	struct json_object *o = envelope(id), *e = json_object_new_object();
	char *fixed = NULL;
	size_t len;

	if (err < 0)
		err = -err;
	if (!message)
		message = strerror(err);
	/* Messages quote what clients sent: the reply must stay valid JSON
	 * whatever bytes that was. */
	len = strlen(message);
	if (!proto_utf8_valid(message, len)) {
		fixed = proto_utf8_repair(message, len);
		message = fixed ? fixed : strerror(err);
	}
	add_lit(e, "errno", json_object_new_int(err));
	add_lit(e, "name", json_object_new_string(proto_errno_name(err)));
	add_lit(e, "message", json_object_new_string(message));
	add_lit(o, "error", e);
	free(fixed);
	return o;
}

struct json_object *proto_result(uint64_t id, struct json_object *result)
{
	struct json_object *o = envelope(id);

	add_lit(o, "result", result ? result : json_object_new_object());
	return o;
}
