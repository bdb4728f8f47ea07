/* sockmap/sm_diag.c: one inet_diag request (exact lookup by 4-tuple and
 * cookie, no dump) for a state and byte counts, or SOCK_DESTROY. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>

#include "sockmap/sm_diag.h"

struct diag_msg {
	struct nlmsghdr nh;
	struct inet_diag_req_v2 req;
};

static void addr(const struct sockaddr_in6 *sa, __be32 out[4], __be16 *port)
{
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

	memset(out, 0, 16);
	if (sa->sin6_family == AF_INET) {
		out[0] = s4->sin_addr.s_addr;
		*port = s4->sin_port;
	} else {
		memcpy(out, &sa->sin6_addr, 16);
		*port = sa->sin6_port;
	}
}

/* What one answer said. */
struct reply {
	int state;
	uint32_t rqueue, wqueue;
	struct tcp_info ti;         /* zeros past what the kernel sent */
	bool has_info;
};

static void parse(struct nlmsghdr *h, struct reply *out)
{
	struct inet_diag_msg *d = NLMSG_DATA(h);
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*d));
	struct rtattr *a = (struct rtattr *)(d + 1);

	out->state = d->idiag_state;
	out->rqueue = d->idiag_rqueue;
	out->wqueue = d->idiag_wqueue;
	for (; len > 0 && RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == INET_DIAG_INFO) {
			size_t n = (size_t)RTA_PAYLOAD(a);

			if (n > sizeof(out->ti))
				n = sizeof(out->ti);
			memcpy(&out->ti, RTA_DATA(a), n);
			out->has_info = true;
		}
}

static int request(const struct sockmap_rec *r, uint16_t type, uint8_t ext,
		   struct reply *out)
{
	struct diag_msg m = {
		.nh = { .nlmsg_len = sizeof(m), .nlmsg_type = type,
			.nlmsg_flags = NLM_F_REQUEST | (type == SOCK_DESTROY ? NLM_F_ACK : 0) },
		.req = { .sdiag_family = r->family, .sdiag_protocol = r->proto,
			 .idiag_ext = ext, .idiag_states = ~0u },
	};
	char buf[8192];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	int fd, err = 0;
	ssize_t n;

	if (r->proto != IPPROTO_TCP && r->proto != IPPROTO_UDP)
		return -EOPNOTSUPP;
	addr(&r->local, m.req.id.idiag_src, &m.req.id.idiag_sport);
	addr(&r->remote, m.req.id.idiag_dst, &m.req.id.idiag_dport);
	m.req.id.idiag_cookie[0] = (uint32_t)r->cookie;
	m.req.id.idiag_cookie[1] = (uint32_t)(r->cookie >> 32);
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	if (send(fd, &m, sizeof(m), 0) < 0 || (n = recv(fd, buf, sizeof(buf), 0)) < 0)
		err = -errno;
	else if (!NLMSG_OK(h, (size_t)n))
		err = -EIO;
	else if (h->nlmsg_type == NLMSG_ERROR)
		err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
	else if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
		err = out ? -EIO : 0;
	else if (out)
		parse(h, out);
	close(fd);
	return err;
}

int sm_diag_tcp_state(const struct sockmap_rec *r)
{
	struct reply a = { .state = -1 };
	int e;

	if (r->proto != IPPROTO_TCP)
		return -EOPNOTSUPP;
	e = request(r, SOCK_DIAG_BY_FAMILY, 0, &a);
	return e < 0 ? e : a.state;
}

int sm_diag_tcp_bytes(const struct sockmap_rec *r, struct sm_diag_bytes *b)
{
	struct reply a = { .state = -1 };
	int e;

	if (r->proto != IPPROTO_TCP)
		return -EOPNOTSUPP;
	e = request(r, SOCK_DIAG_BY_FAMILY, 1 << (INET_DIAG_INFO - 1), &a);
	if (e < 0)
		return e;
	if (!a.has_info)
		return -EIO;
	b->received = (int64_t)a.ti.tcpi_bytes_received;
	b->unread = a.rqueue;
	b->sent = (int64_t)a.ti.tcpi_bytes_acked + a.wqueue;
	return 0;
}

int sm_diag_destroy(const struct sockmap_rec *r)
{
	return request(r, SOCK_DESTROY, 0, NULL);
}
