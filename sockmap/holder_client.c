/* sockmap/holder_client.c: the daemon's side of the holder: finding it,
 * or starting one, and its messages. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sockmap/holder_int.h"

int holder_send(int conn, const struct holder_msg *m, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { (void *)m, sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (fd >= 0) {
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return sendmsg(conn, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

int holder_recv(int conn, struct holder_msg *m, int *fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { m, sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	ssize_t n = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);

	*fd = -1;
	if (n < 0)
		return -errno;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(fd, CMSG_DATA(c), sizeof(int));
	if (n > 0 && n != (ssize_t)sizeof(*m)) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return -EPROTO;
	}
	return (int)n;
}

static int addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

static int dial(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

/* The holder: bound here, then forked off into its own session with
 * nothing of the daemon's but its listening socket and stderr. */
static int spawn(const struct sockaddr_un *sa)
{
	int lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	pid_t pid;

	if (lfd < 0)
		return -errno;
	unlink(sa->sun_path);
	if (bind(lfd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 || listen(lfd, 4) < 0 ||
	    (pid = fork()) < 0) {
		int r = -errno;

		close(lfd);
		return r;
	}
	if (pid == 0) {
		setsid();
		signal(SIGPIPE, SIG_IGN);
		prctl(PR_SET_NAME, "bpfpind-holder");
		if (lfd > 3)
			close_range(3, (unsigned)lfd - 1, 0);
		close_range((unsigned)lfd + 1, ~0u, 0);
		holder_run(lfd, sa->sun_path);
	}
	close(lfd);
	return 0;
}

int holder_connect(const char *path, bool spawn_one)
{
	struct sockaddr_un sa;
	int r = addr(path, &sa), fd;

	if (r < 0)
		return r;
	fd = dial(&sa);
	if (fd >= 0 || (fd != -ENOENT && fd != -ECONNREFUSED) || !spawn_one)
		return fd;
	if ((r = spawn(&sa)) < 0)
		return r;
	return dial(&sa);
}

int holder_hold(int conn, uint64_t cookie, int64_t fin_base, int fd)
{
	struct holder_msg m = { .op = HOLDER_HOLD, .cookie = cookie, .fin_base = fin_base };

	return holder_send(conn, &m, fd);
}

int holder_drop(int conn, uint64_t cookie)
{
	struct holder_msg m = { .op = HOLDER_DROP, .cookie = cookie };

	return holder_send(conn, &m, -1);
}

int holder_list(int conn, holder_fn fn, void *arg)
{
	struct holder_msg m = { .op = HOLDER_LIST };
	int fd, r = holder_send(conn, &m, -1);

	while (r == 0) {
		if ((r = holder_recv(conn, &m, &fd)) <= 0)
			return r < 0 ? r : -ECONNRESET;
		r = 0;
		if (m.op == HOLDER_END)
			break;
		if (m.op == HOLDER_HOLD && fd >= 0)
			fn(m.cookie, m.fin_base, fd, arg);
		else if (fd >= 0)
			close(fd);
	}
	return r;
}
