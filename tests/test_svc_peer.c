/* tests/test_svc_peer.c: bpfpind under a notify-socket peer that speaks
 * systemd's protocol (tests/svc_peer.c), the checks item 3 of the service
 * issue runs under a real systemd, where none boots: READY=1 comes once
 * the socket answers (and the mount is there), with a STATUS= line;
 * STOPPING=1 at SIGTERM; RELOADING=1 then READY=1 at SIGHUP; WATCHDOG=1
 * from the loop, none while it is stopped; the listening socket taken
 * from LISTEN_FDS by its name; and the peer itself keeps systemd's rules
 * (NotifyAccess=main, fds without FDSTORE=1 closed, duplicates stored
 * once, FileDescriptorStoreMax=). */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/harness.h"
#include "tests/svc_peer.h"

#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC 0x65735546
#endif

static struct svc_peer p;
static char sock[100], state[128], mnt[128];

static void teardown(void)
{
	if (p.pid > 0)
		svc_peer_stop(&p, SIGKILL);
	if (mnt[0])
		free(th_run(NULL, "umount -l '%s' 2>/dev/null", mnt));
	mnt[0] = '\0';
	svc_peer_fini(&p);
}

TestSuite(svc_peer, .fini = teardown, .timeout = 60);

static void init(void)
{
	cr_assert_eq(svc_peer_init(&p, 16), 0);
}

/* bpfpind under the peer (svc_peer_init done) */
static void launch(bool mount)
{
	const char *argv[16] = { th_bpfpind(), "--foreground", "--log-level",
				 "debug", "--socket", sock, "--state-dir", state };
	int n = 8;

	snprintf(sock, sizeof(sock), "%s/sock", p.dir);
	snprintf(state, sizeof(state), "%s/state", p.dir);
	if (mount) {
		snprintf(mnt, sizeof(mnt), "%s/mnt", p.dir);
		argv[n++] = "--mount";
		argv[n++] = mnt;
	} else {
		argv[n++] = "--no-mount";
	}
	cr_assert_eq(svc_peer_start(&p, argv), 0);
}

static void start(bool mount)
{
	init();
	launch(mount);
}

static bool answers(void)
{
	return th_socket_answers(sock);
}

static bool mounted(void)
{
	struct statfs sf;

	return statfs(mnt, &sf) == 0 && sf.f_type == FUSE_SUPER_MAGIC;
}

Test(svc_peer, ready_after_the_socket_and_the_mount_answer)
{
	const char *m;

	start(true);
	m = svc_peer_wait(&p, "READY=1", 20000);
	cr_assert_not_null(m, "no READY=1 (log %s)", p.log);
	/* at the instant READY is read, both faces already answer */
	cr_expect(answers(), "READY=1 before the socket answered");
	cr_expect(mounted(), "READY=1 before the mount was there");
	cr_expect_eq(svc_peer_count(&p, "READY=1"), 1);
}

Test(svc_peer, status_lines_arrive)
{
	const char *m;

	start(false);
	m = svc_peer_wait(&p, "STATUS=", 20000);
	cr_assert_not_null(m, "no STATUS= line (log %s)", p.log);
	cr_expect_gt(strlen(strstr(m, "STATUS=")), strlen("STATUS="));
}

Test(svc_peer, stopping_at_sigterm)
{
	int st;

	start(false);
	cr_assert_not_null(svc_peer_wait(&p, "READY=1", 20000));
	cr_expect_eq(svc_peer_count(&p, "STOPPING=1"), 0);
	st = svc_peer_stop(&p, SIGTERM);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
	cr_expect_eq(svc_peer_count(&p, "STOPPING=1"), 1, "no STOPPING=1");
}

Test(svc_peer, reloading_then_ready_at_sighup)
{
	start(false);
	cr_assert_not_null(svc_peer_wait(&p, "READY=1", 20000));
	kill(p.pid, SIGHUP);
	cr_assert_not_null(svc_peer_wait(&p, "RELOADING=1", 5000), "no RELOADING=1");
	cr_assert_not_null(svc_peer_wait(&p, "READY=1", 5000), "no READY=1 after the reload");
	cr_expect(answers());
}

/* WatchdogSec=0.4s: keep-alives at least every 0.2 s from the loop; a
 * stopped process (a stuck loop) sends none, so systemd's watchdog would
 * fire; it goes on once the process runs again. */
Test(svc_peer, watchdog_keepalives_stop_with_the_loop)
{
	unsigned before;

	init();
	p.watchdog_usec = 400000;
	launch(false);
	cr_assert_not_null(svc_peer_wait(&p, "READY=1", 20000));
	for (int i = 0; i < 3; i++)
		cr_assert_not_null(svc_peer_wait(&p, "WATCHDOG=1", 400),
				   "keep-alive %d did not come within WatchdogSec", i);
	kill(p.pid, SIGSTOP);
	usleep(100000);
	svc_peer_pump(&p);
	before = svc_peer_count(&p, "WATCHDOG=1");
	usleep(800000);
	svc_peer_pump(&p);
	cr_expect_eq(svc_peer_count(&p, "WATCHDOG=1"), before,
		     "keep-alives while the process was stopped");
	kill(p.pid, SIGCONT);
	p.cursor = p.nmsgs;
	cr_expect_not_null(svc_peer_wait(&p, "WATCHDOG=1", 1000), "none after SIGCONT");
}

/* Socket activation: a listening socket passed as systemd passes
 * bpfpind.socket's (FileDescriptorName=bpfpind) is the one served, and
 * --socket is not bound; a connection made before the daemon started
 * waits in it and is answered. */
Test(svc_peer, serves_the_socket_passed_by_name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char act[sizeof(sa.sun_path)];
	int lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0), st;
	char *out;

	init();
	snprintf(act, sizeof(act), "%s/activation.sock", p.dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", act);
	cr_assert_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(lfd, 16), 0);
	cr_assert_eq(svc_peer_fd_add(&p, "bpfpind", lfd), 0);
	close(lfd);
	launch(false);
	cr_assert_not_null(svc_peer_wait(&p, "READY=1", 20000));
	out = th_run(&st, "'%s' -s '%s' mkdir /activated && '%s' -s '%s' ls /",
		     th_cli(), act, th_cli(), act);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0 && strstr(out, "activated"),
		  "not served on the passed socket: %s", out);
	free(out);
	cr_expect(access(sock, F_OK) < 0, "--socket %s was bound too", sock);
}

/* The peer's own rules, with a plain sender standing in for a service. */
static void send_from(pid_t *child, const char *msg, int fd)
{
	*child = fork();
	cr_assert_geq(*child, 0);
	if (*child == 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
		struct iovec iov = { .iov_base = (void *)msg, .iov_len = strlen(msg) };
		struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof(sa),
				     .msg_iov = &iov, .msg_iovlen = 1 };
		int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", p.notify);
		if (fd >= 0) {
			struct cmsghdr *c;

			mh.msg_control = ctl;
			mh.msg_controllen = sizeof(ctl);
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &fd, sizeof(int));
		}
		_exit(sendmsg(s, &mh, 0) < 0 ? 1 : 0);
	}
}

Test(svc_peer, peer_keeps_systemds_rules)
{
	const char *const argv[] = { "/bin/sleep", "30", NULL };
	pid_t other;
	int fd = th_map_create(1, 4, 4, 1), st;

	cr_assert_geq(fd, 0);
	cr_assert_eq(svc_peer_init(&p, 2), 0);
	cr_assert_eq(svc_peer_start(&p, argv), 0);
	/* not the main process: refused, its fd with it */
	send_from(&other, "FDSTORE=1\nFDNAME=x", fd);
	waitpid(other, &st, 0);
	usleep(50000);
	svc_peer_pump(&p);
	cr_expect_eq(svc_peer_fd_count(&p), 0);
	cr_expect_eq(p.refused, 1);
	/* the store: duplicates once, the limit, FDSTOREREMOVE by name */
	cr_expect_eq(svc_peer_fd_add(&p, "a", fd), 0);
	cr_expect_eq(svc_peer_fd_add(&p, "b", th_map_create(1, 4, 4, 1)), 0);
	cr_expect_eq(svc_peer_fd_add(&p, "c", th_map_create(1, 4, 4, 1)), -EEXIST,
		     "past FileDescriptorStoreMax=");
	cr_expect_eq(svc_peer_fd_count(&p), 2);
	cr_expect_eq(svc_peer_fd_drop(&p, "a"), 1);
	cr_expect_eq(svc_peer_fd_add(&p, "b2", svc_peer_fd_find(&p, "b")), -EEXIST,
		     "the same file stored twice");
	close(fd);
}
