/* bench/bare.c: a SOCK_SEQPACKET echo server with fd passing, the bare
 * round trip bpfpind's RPC is measured against (see bare.h). */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bare.h"
#include "bench/bench.h"

/* About the size of a small bpfpind request. */
#define BARE_MSG 64

static int send_fd(int sock, int fd, const char *msg, size_t len)
{
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u = { 0 };
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* Receive a message and its fd; returns the fd, -ENODATA at EOF, -errno. */
static int recv_fd(int sock, char *msg, size_t len)
{
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
	struct iovec iov = { .iov_base = msg, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm;
	ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	int fd;

	if (n <= 0)
		return n == 0 ? -ENODATA : -errno;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* The server's loop: echo every message with its fd until EOF, the
 * server's CPU in its first bytes. */
static void serve(int sock)
{
	char msg[BARE_MSG];
	int fd;

	while ((fd = recv_fd(sock, msg, sizeof(msg))) >= 0) {
		int cpu = sched_getcpu(), r;

		memcpy(msg, &cpu, sizeof(cpu));
		r = send_fd(sock, fd, msg, sizeof(msg));

		close(fd);
		if (r < 0)
			break;
	}
	_exit(0);
}

int bare_start(struct bare *b, int cpu)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	if ((b->pid = fork()) < 0) {
		int r = -errno;

		close(sv[0]);
		close(sv[1]);
		return r;
	}
	if (b->pid == 0) {
		close(sv[0]);
		if (bench_pin_cpu(cpu) < 0)
			_exit(1);
		serve(sv[1]);
	}
	close(sv[1]);
	b->sock = sv[0];
	return 0;
}

int bare_round(struct bare *b, int fd, int *fds, int n, double *us, int *crossed)
{
	char msg[BARE_MSG];
	uint64_t t0 = bench_now_ns();
	int r = 0, cpu;

	memset(msg, 'x', sizeof(msg));
	*crossed = 0;
	for (int i = 0; i < n; i++)
		fds[i] = -1;
	for (int i = 0; i < n && r == 0; i++) {
		r = send_fd(b->sock, fd, msg, sizeof(msg));
		if (r == 0 && (fds[i] = recv_fd(b->sock, msg, sizeof(msg))) < 0)
			r = fds[i];
		memcpy(&cpu, msg, sizeof(cpu));
		*crossed += r == 0 && cpu != sched_getcpu();
	}
	*us = (double)(bench_now_ns() - t0) / 1e3 / n;
	return r;
}

void bare_stop(struct bare *b)
{
	close(b->sock);
	waitpid(b->pid, NULL, 0);
}
