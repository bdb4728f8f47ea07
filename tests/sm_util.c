/* tests/sm_util.c: loopback socket pairs and deadline reads for the
 * sockmap suites. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tests/sm_util.h"

static socklen_t loopback(int family, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		return sizeof(*a);
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;

	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sizeof(*a);
}

void su_pair(int family, int fd[2])
{
	struct sockaddr_storage ss;
	socklen_t len;
	int l;

	if (family == AF_UNIX) {
		cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fd), 0);
		return;
	}
	len = loopback(family, &ss);
	l = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(l, 0, "socket: %s", strerror(errno));
	cr_assert_eq(bind(l, (struct sockaddr *)&ss, len), 0, "bind: %s", strerror(errno));
	cr_assert_eq(listen(l, 1), 0);
	cr_assert_eq(getsockname(l, (struct sockaddr *)&ss, &len), 0);
	fd[0] = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd[0], 0);
	cr_assert_eq(connect(fd[0], (struct sockaddr *)&ss, len), 0,
		     "connect: %s", strerror(errno));
	fd[1] = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	cr_assert_geq(fd[1], 0, "accept: %s", strerror(errno));
	close(l);
}

uint64_t su_cookie(int fd)
{
	uint64_t c = 0;
	socklen_t len = sizeof(c);

	cr_assert_eq(getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &len), 0);
	return c;
}

void su_kick(int fd)
{
	char b;

	recv(fd, &b, 1, MSG_DONTWAIT | MSG_PEEK);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool su_read_all(int fd, void *buf, size_t n, int ms)
{
	long end = now_ms() + ms;
	size_t got = 0;

	while (got < n) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long left = end - now_ms();
		ssize_t r;

		if (poll(&p, 1, left > 0 ? left : 0) <= 0)
			return false;
		r = recv(fd, (char *)buf + got, n - got, MSG_DONTWAIT);
		if (r == 0)
			return false;
		if (r > 0)
			got += r;
	}
	return true;
}

bool su_any_within(int fd, int ms)
{
	char b[4096];

	return su_read_all(fd, b, 1, ms);
}

void su_write_all(int fd, const void *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = send(fd, (const char *)buf + done, n - done, MSG_NOSIGNAL);

		cr_assert_gt(w, 0, "send: %s", strerror(errno));
		done += w;
	}
}
