/* sockmap/sm_sock.c: telling what a client's socket is, and whether a
 * sockmap can hold it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockmap/sm.h"
#include "sockmap/sm_sock.h"

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

/* Only a socket gets past this, so the calls after it (fstat, getsockopt)
 * reach sockfs, never a FUSE server (ours included). */
static int is_socket(int fd, char *why, size_t whylen)
{
	char link[64], target[128];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return errno == ENOENT ? -EBADF : -errno;
	target[n] = '\0';
	if (strncmp(target, "socket:[", 8) == 0)
		return 0;
	snprintf(why, whylen, "fd is not a socket (/proc shows it as %.100s)", target);
	return -ENOTSOCK;
}

static int opt(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	return getsockopt(fd, level, name, &v, &len) < 0 ? -1 : v;
}

int sm_sock_facts(int fd, struct sm_sock *out, char *why, size_t whylen)
{
	socklen_t len = sizeof(out->cookie);
	struct tcp_info ti;
	struct stat st;
	int r = is_socket(fd, why, whylen);

	if (r < 0)
		return r;
	memset(out, 0, sizeof(*out));
	if (fstat(fd, &st) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_COOKIE, &out->cookie, &len) < 0)
		return -errno;
	out->uid = st.st_uid;
	out->family = opt(fd, SOL_SOCKET, SO_DOMAIN);
	out->type = opt(fd, SOL_SOCKET, SO_TYPE);
	out->proto = opt(fd, SOL_SOCKET, SO_PROTOCOL);
	out->tcp_state = -1;
	if ((out->family == AF_INET || out->family == AF_INET6) &&
	    out->type == SOCK_STREAM && out->proto == IPPROTO_TCP) {
		len = sizeof(ti);
		if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0)
			out->tcp_state = ti.tcpi_state;
	}
	len = sizeof(out->local);
	getsockname(fd, (struct sockaddr *)&out->local, &len);
	len = sizeof(out->remote);
	if (getpeername(fd, (struct sockaddr *)&out->remote, &len) < 0)
		out->remote.ss_family = AF_UNSPEC;
	return 0;
}

const char *sm_sock_kind(const struct sm_sock *k)
{
	bool inet = k->family == AF_INET || k->family == AF_INET6;

	if (inet && k->proto == IPPROTO_TCP)
		return k->family == AF_INET ? "TCP" : "TCPv6";
	if (inet && k->proto == IPPROTO_UDP)
		return k->family == AF_INET ? "UDP" : "UDPv6";
	if (k->family == AF_UNIX)
		return k->type == SOCK_STREAM ? "AF_UNIX stream" :
		       k->type == SOCK_DGRAM ? "AF_UNIX datagram" : "AF_UNIX seqpacket";
	if (k->family == AF_VSOCK)
		return "vsock";
	return "socket";
}

const char *sm_tcp_state_name(int state)
{
	static const char *const names[] = {
		"?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1",
		"FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK",
		"LISTEN", "CLOSING", "NEW_SYN_RECV",
	};

	return state > 0 && state < (int)(sizeof(names) / sizeof(names[0])) ?
	       names[state] : "?";
}

void sm_sock_move(int from, int to)
{
	char buf[16384];
	ssize_t n, w;

	while ((n = recv(from, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		for (ssize_t off = 0; off < n; off += w)
			if ((w = send(to, buf + off, (size_t)(n - off), MSG_NOSIGNAL)) <= 0)
				return;
}

const char *sockmap_tcp_state_name(int state)
{
	return sm_tcp_state_name(state);
}

int sm_sock_check(const struct sm_sock *k, char *why, size_t whylen)
{
	bool inet = k->family == AF_INET || k->family == AF_INET6;

	if (inet && k->proto == IPPROTO_TCP) {
		if (k->tcp_state == TCP_ESTABLISHED || k->tcp_state == TCP_LISTEN)
			return 0;
		snprintf(why, whylen, "a %s socket in state %s: a sockmap holds only "
			 "established (or listening) TCP sockets%s", sm_sock_kind(k),
			 sm_tcp_state_name(k->tcp_state),
			 k->tcp_state == TCP_CLOSE ? " (this one is not connected)" : "");
		return -EOPNOTSUPP;
	}
	if (inet && k->proto == IPPROTO_UDP) {
		if (k->local.ss_family != AF_UNSPEC &&
		    ((struct sockaddr_in *)&k->local)->sin_port != 0)
			return 0;
		snprintf(why, whylen, "an unbound %s socket: a sockmap holds only bound "
			 "UDP sockets", sm_sock_kind(k));
		return -EOPNOTSUPP;
	}
	if (k->family == AF_UNIX && k->type != SOCK_SEQPACKET) {
		if (k->type == SOCK_DGRAM || k->remote.ss_family == AF_UNIX)
			return 0;
		snprintf(why, whylen, "an unconnected AF_UNIX stream socket: a sockmap "
			 "holds only connected ones");
		return -EOPNOTSUPP;
	}
	if (k->family == AF_VSOCK)
		return 0;
	snprintf(why, whylen, "a %s socket of family %d: a sockmap holds TCP, UDP, "
		 "AF_UNIX stream and datagram and vsock sockets",
		 k->family == AF_UNIX ? "seqpacket" : "", k->family);
	return -EOPNOTSUPP;
}
