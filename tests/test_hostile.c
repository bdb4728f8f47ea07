/* tests/test_hostile.c: bpfpind against clients that mean harm, in the
 * style of systemd's test-varlink floods: fds of every non-BPF kind
 * (including files of its own mount and of a FUSE mount that never
 * answers), empty messages full of fds, connection floods of one uid,
 * pipelines that are never read, clients that vanish mid-reply, and an
 * accept loop out of fds. The daemon must answer, never hang or leak. */
#include "config.h"

#define FUSE_USE_VERSION 314

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpfpin/bpfpin.h>
#include <json-c/json.h>

#include "lib/proto.h"
#include "tests/harness.h"

static struct th_daemon d;

static void start(const char *const *extra)
{
	cr_assert_eq(th_daemon_start(&d, true, extra), 0, "daemon did not start");
}

static void setup(void)
{
	start(NULL);
}

static void teardown(void)
{
	th_daemon_stop(&d);
}

TestSuite(fd_kind, .init = setup, .fini = teardown, .timeout = 60);
TestSuite(conn, .init = setup, .fini = teardown, .timeout = 120);
TestSuite(flood, .fini = teardown, .timeout = 180);

static int raw_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	return fd;
}

static void send_str(int sock, const char *s, const int *fds, int nfds)
{
	cr_assert_eq(proto_send(sock, s, strlen(s), fds, nfds), 0);
}

/* The next reply within ms milliseconds (NULL: none came); closes its fds. */
static struct json_object *recv_reply(int sock, int ms)
{
	static char buf[PROTO_MSG_MAX + 1];
	struct pollfd p = { .fd = sock, .events = POLLIN };
	int fds[PROTO_FDS_MAX], nfds;
	ssize_t n;

	if (poll(&p, 1, ms) != 1)
		return NULL;
	n = proto_recv(sock, buf, sizeof(buf), fds, &nfds);
	proto_close_fds(fds, nfds);
	return n > 0 ? json_tokener_parse(buf) : NULL;
}

/* errno of a reply's error (0 for a result), its message into msg. */
static int reply_errno(struct json_object *r, char *msg, size_t len)
{
	struct json_object *e, *v;

	cr_assert_not_null(r, "no reply");
	if (msg)
		msg[0] = '\0';
	if (!json_object_object_get_ex(r, "error", &e))
		return 0;
	if (msg && json_object_object_get_ex(e, "message", &v))
		snprintf(msg, len, "%s", json_object_get_string(v));
	json_object_object_get_ex(e, "errno", &v);
	return json_object_get_int(v);
}

static int64_t reply_id(struct json_object *r)
{
	struct json_object *v;

	cr_assert(json_object_object_get_ex(r, "id", &v));
	return json_object_get_int64(v);
}

/* The daemon serves a fresh client: a hello within a second. */
static void assert_serving(void)
{
	int s = raw_connect(d.sock);
	struct json_object *r;

	cr_assert_geq(s, 0);
	send_str(s, "{\"v\":1,\"id\":1,\"op\":\"hello\"}", NULL, 0);
	r = recv_reply(s, 1000);
	cr_assert_not_null(r, "the daemon stopped serving");
	cr_assert_eq(reply_errno(r, NULL, 0), 0);
	json_object_put(r);
	close(s);
}

/* The daemon's fd count once it stops changing (a closed connection is
 * closed on the daemon's next wake-up). */
static int settled_fds(void)
{
	int n = th_fd_count(d.pid), prev = -1;

	for (int i = 0; i < 100 && n != prev; i++) {
		usleep(50000);
		prev = n;
		n = th_fd_count(d.pid);
	}
	return n;
}

/* The daemon's fd count settles at want within 3 s (a closed connection
 * is closed on the daemon's next wake-up). */
static void assert_fds_return_to(int want)
{
	int n = th_fd_count(d.pid);

	for (int i = 0; i < 300 && n != want; i++) {
		usleep(10000);
		n = th_fd_count(d.pid);
	}
	cr_assert_eq(n, want, "daemon holds %d fds, %d before", n, want);
}

/* Pin fd and expect EINVAL within a second, with want in the message;
 * the daemon still serves and holds no more fds than before. */
static void expect_refused(int fd, const char *want)
{
	int base = settled_fds(), s = raw_connect(d.sock), err;
	struct json_object *r;
	char msg[512];

	cr_assert_geq(s, 0);
	send_str(s, "{\"v\":1,\"id\":5,\"op\":\"pin\",\"path\":\"/x\",\"fd\":0}", &fd, 1);
	r = recv_reply(s, 1000);
	cr_assert_not_null(r, "no reply within a second to a pin of this fd");
	err = reply_errno(r, msg, sizeof(msg));
	json_object_put(r);
	close(s);
	cr_assert_eq(err, EINVAL, "errno %d (%s)", err, msg);
	cr_assert(strstr(msg, want), "message \"%s\" lacks \"%s\"", msg, want);
	assert_serving();
	assert_fds_return_to(base);
}

Test(fd_kind, pipe_is_refused_with_einval)
{
	int p[2];

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	expect_refused(p[0], "fd is a pipe");
	close(p[0]);
	close(p[1]);
}

Test(fd_kind, eventfd_is_refused_with_einval)
{
	int fd = eventfd(0, EFD_CLOEXEC);

	expect_refused(fd, "fd is an eventfd, not a BPF object");
	close(fd);
}

Test(fd_kind, memfd_is_refused_with_einval)
{
	int fd = memfd_create("hostile", MFD_CLOEXEC);

	cr_assert_geq(fd, 0);
	expect_refused(fd, "fd is a regular file, not a BPF object");
	close(fd);
}

Test(fd_kind, socket_is_refused_with_einval)
{
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	expect_refused(sv[0], "fd is a socket, not a BPF object");
	close(sv[0]);
	close(sv[1]);
}

Test(fd_kind, o_path_fd_is_refused_with_einval)
{
	int fd = open("/etc/passwd", O_PATH | O_CLOEXEC);

	cr_assert_geq(fd, 0);
	expect_refused(fd, "fd is a regular file, not a BPF object");
	close(fd);
}

static void pin_map(const char *path, mode_t mode)
{
	struct bpfpin *b;
	int fd = th_map_create(BPF_MAP_TYPE_ARRAY, 4, 8, 4);

	cr_assert_geq(fd, 0);
	cr_assert_eq(bpfpin_connect(d.sock, &b), 0);
	cr_assert_eq(bpfpin_pin(b, fd, path, NULL), 0);
	cr_assert_eq(bpfpin_chmod(b, path, mode), 0);
	/* one get: the daemon keeps the object's fd cached from now on */
	close(bpfpin_get(b, path, O_RDONLY));
	bpfpin_close(b);
	close(fd);
}

/* The regression of issue 8 item 1: identifying this fd used to wait for
 * a FUSE reply only the waiting thread could give. */
Test(fd_kind, pin_file_of_own_mount_is_refused_within_a_second)
{
	char path[160];
	int fd;

	pin_map("/own", 0644);
	snprintf(path, sizeof(path), "%s/own", d.mnt);
	sleep(1);       /* past the attribute timeout: a stat would ask FUSE */
	usleep(200000);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	expect_refused(fd, "fd is a file on bpfpind's own mount");
	close(fd);
}

Test(fd_kind, root_dir_of_own_mount_is_refused_within_a_second)
{
	int fd = open(d.mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	cr_assert_geq(fd, 0);
	sleep(1);
	usleep(200000);
	expect_refused(fd, "fd is a file on bpfpind's own mount");
	close(fd);
}

Test(fd_kind, o_path_pin_of_own_mount_is_refused_within_a_second)
{
	char path[160];
	int fd;

	pin_map("/own", 0600);
	snprintf(path, sizeof(path), "%s/own", d.mnt);
	fd = open(path, O_PATH | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	sleep(1);
	usleep(200000);
	expect_refused(fd, "fd is a file on bpfpind's own mount");
	close(fd);
}

Test(fd_kind, bpffs_pin_opened_with_o_path_is_refused)
{
	char dir[128], path[160];
	int m = th_map_create(BPF_MAP_TYPE_ARRAY, 4, 8, 4), fd;

	cr_assert_eq(th_bpffs_mount(dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/m", dir);
	cr_assert_eq(bpf_obj_pin(m, path), 0);
	fd = open(path, O_PATH | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	expect_refused(fd, "fd is a file on a bpffs");
	close(fd);
	close(m);
	th_bpffs_umount(dir);
}

Test(fd_kind, bpffs_dir_opened_with_open_is_refused)
{
	char dir[128];
	int fd;

	cr_assert_eq(th_bpffs_mount(dir, sizeof(dir)), 0);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	expect_refused(fd, "fd is a file on a bpffs");
	close(fd);
	th_bpffs_umount(dir);
}

/* A FUSE filesystem with one file, "file", whose attributes it never
 * gives: a GETATTR of it waits forever. */
static void hang_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e = { .ino = 2 };

	if (parent != 1 || strcmp(name, "file")) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	e.attr.st_ino = 2;
	e.attr.st_mode = S_IFREG | 0644;
	e.attr.st_nlink = 1;
	fuse_reply_entry(req, &e);      /* timeouts 0: every stat would ask */
}

static void hang_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st = { .st_ino = 1, .st_mode = S_IFDIR | 0755, .st_nlink = 2 };

	(void)fi;
	if (ino == 1)
		fuse_reply_attr(req, &st, 0);
	/* else never answered, on purpose */
}

static void hang_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	fuse_reply_open(req, fi);
}

static const struct fuse_lowlevel_ops hang_ops = {
	.lookup = hang_lookup, .getattr = hang_getattr, .open = hang_open,
};

static void hang_serve(const char *dir, int ready)
{
	char *argv[] = { "hang", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(1, argv);
	struct fuse_session *se = fuse_session_new(&args, &hang_ops,
						   sizeof(hang_ops), NULL);

	if (!se || fuse_session_mount(se, dir) < 0)
		_exit(1);
	if (write(ready, "", 1) != 1)
		_exit(1);
	fuse_session_loop(se);
	_exit(0);
}

Test(fd_kind, file_on_fuse_mount_that_never_answers_is_refused)
{
	char dir[] = "/tmp/bpfpin-hang.XXXXXX", path[64], c;
	int p[2], fd;
	pid_t pid;

	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	if (pid == 0)
		hang_serve(dir, p[1]);
	close(p[1]);
	cr_assert_eq(read(p[0], &c, 1), 1, "the FUSE server did not mount");
	close(p[0]);
	snprintf(path, sizeof(path), "%s/file", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	expect_refused(fd, "fd is a regular file, not a BPF object");
	close(fd);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
}

/* The regression of issue 8 item 2: 0 bytes with fds read as the end. */
Test(conn, zero_byte_messages_close_their_fds)
{
	int s = raw_connect(d.sock), ev = eventfd(0, EFD_CLOEXEC), base;
	int fds[PROTO_FDS_MAX];
	char msg[256];

	cr_assert_geq(s, 0);
	for (int i = 0; i < PROTO_FDS_MAX; i++)
		fds[i] = ev;
	assert_serving();
	base = settled_fds();
	for (int i = 0; i < 20; i++) {
		struct json_object *r;

		cr_assert_eq(proto_send(s, "", 0, fds, PROTO_FDS_MAX), 0);
		r = recv_reply(s, 2000);
		cr_assert_not_null(r, "no reply to empty message %d", i);
		cr_assert_eq(reply_errno(r, msg, sizeof(msg)), EBADMSG, "%s", msg);
		cr_assert(strstr(msg, "empty message"), "%s", msg);
		json_object_put(r);
	}
	assert_fds_return_to(base);
	send_str(s, "{\"v\":1,\"id\":9,\"op\":\"hello\"}", NULL, 0);
	{
		struct json_object *r = recv_reply(s, 1000);

		cr_assert_not_null(r, "the connection did not stay open");
		cr_assert_eq(reply_id(r), 9);
		json_object_put(r);
	}
	close(s);
	close(ev);
}

Test(conn, zero_byte_message_without_fds_gets_ebadmsg_and_stays_open)
{
	int s = raw_connect(d.sock);
	struct json_object *r;

	cr_assert_eq(proto_send(s, "", 0, NULL, 0), 0);
	r = recv_reply(s, 1000);
	cr_assert_eq(reply_errno(r, NULL, 0), EBADMSG);
	json_object_put(r);
	send_str(s, "{\"v\":1,\"id\":3,\"op\":\"hello\"}", NULL, 0);
	r = recv_reply(s, 1000);
	cr_assert_not_null(r);
	cr_assert_eq(reply_id(r), 3);
	json_object_put(r);
	close(s);
}

Test(conn, too_many_fds_close_all_of_them)
{
	int s = raw_connect(d.sock), ev = eventfd(0, EFD_CLOEXEC), base;
	int fds[PROTO_FDS_MAX];
	const char *req = "{\"v\":1,\"id\":2,\"op\":\"hello\"}";
	union {
		char buf[2 * CMSG_SPACE(sizeof(int) * PROTO_FDS_MAX)];
		struct cmsghdr align;
	} ctl = { { 0 } };
	struct iovec iov = { .iov_base = (void *)req, .iov_len = strlen(req) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	struct json_object *r;

	for (int i = 0; i < PROTO_FDS_MAX; i++)
		fds[i] = ev;
	assert_serving();
	base = settled_fds();
	/* two SCM_RIGHTS blocks of 126 and 127: 253 in all is within the
	 * limit, and every one is closed after the hello */
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * 126);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * 126);
	c = CMSG_NXTHDR(&m, c);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * 127);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * 127);
	m.msg_controllen = CMSG_SPACE(sizeof(int) * 126) + CMSG_SPACE(sizeof(int) * 127);
	cr_assert_geq(sendmsg(s, &m, 0), 0, "sendmsg: %s", strerror(errno));
	r = recv_reply(s, 1000);
	cr_assert_not_null(r);
	json_object_put(r);
	assert_fds_return_to(base);
	close(s);
	close(ev);
}

/* Drop to uid (and its gid), as an unprivileged local user. */
static void become(uid_t uid)
{
	gid_t gid = uid;

	if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0)
		_exit(90);
}

/* As uid 65534: open n connections; report how many were refused with
 * EDQUOT naming --max-conns-per-uid, then hold them until stop is closed. */
static void child_opens(int n, int report, int stop)
{
	int *s = calloc(n, sizeof(int)), refused = 0, idle = 0;
	char c;

	become(65534);
	for (int i = 0; i < n; i++)
		if ((s[i] = raw_connect(d.sock)) < 0)
			_exit(91);
	for (int i = 0; i < n; i++) {
		struct json_object *r = recv_reply(s[i], i < 64 ? 0 : 5000);
		char msg[256];

		if (!r) {
			idle++;
			continue;
		}
		if (reply_errno(r, msg, sizeof(msg)) == EDQUOT &&
		    strstr(msg, "--max-conns-per-uid") && reply_id(r) == 0)
			refused++;
		json_object_put(r);
	}
	if (write(report, &refused, sizeof(refused)) != sizeof(refused) ||
	    write(report, &idle, sizeof(idle)) != sizeof(idle))
		_exit(92);
	if (read(stop, &c, 1) < 0)
		_exit(93);
	_exit(0);
}

/* Another uid, while 65534 is at its limit, is served. */
static int other_uid_served(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		struct bpfpin *b;
		struct bpfpin_stat st;

		become(65533);
		_exit(bpfpin_connect(d.sock, &b) == 0 && bpfpin_stat(b, "/", &st) == 0 ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 99;
}

Test(conn, thousand_idle_connections_of_one_uid_leave_root_served)
{
	int rep[2], stop[2], refused = 0, idle = 0, status;
	pid_t pid;

	cr_assert_eq(pipe2(rep, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(stop, O_CLOEXEC), 0);
	pid = fork();
	if (pid == 0) {
		close(stop[1]);
		child_opens(1000, rep[1], stop[0]);
	}
	close(rep[1]);
	close(stop[0]);
	cr_assert_eq(read(rep[0], &refused, sizeof(refused)), sizeof(refused));
	cr_assert_eq(read(rep[0], &idle, sizeof(idle)), sizeof(idle));
	cr_expect_eq(idle, 64, "%d connections stayed open (limit 64)", idle);
	cr_expect_eq(refused, 936, "%d clear refusals of 936", refused);
	assert_serving();
	cr_expect_eq(other_uid_served(), 0, "uid 65533 was not served");
	close(stop[1]);
	waitpid(pid, &status, 0);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child: %d", status);
	close(rep[0]);
}

/* Send n stat requests (ids 1..n) on s from a thread, blocking. */
struct sender {
	int s, n;
	pthread_t t;
};

/* A connection read once per wake-up (its client waited for each reply)
 * still gets every request of a burst answered at once, in order, and
 * one served in bursts again after it, until the last. */
Test(conn, requests_queued_after_one_at_a_time_are_all_answered)
{
	int s = raw_connect(d.sock);
	char msg[64];

	cr_assert_geq(s, 0);
	for (int id = 1; id <= 40; id++) {
		struct json_object *r;

		snprintf(msg, sizeof(msg), "{\"v\":1,\"id\":%d,\"op\":\"hello\"}", id);
		send_str(s, msg, NULL, 0);
		cr_assert_not_null(r = recv_reply(s, 1000), "request %d unanswered", id);
		json_object_put(r);
	}
	for (int round = 0; round < 3; round++) {
		for (int k = 0; k < 5; k++) {
			snprintf(msg, sizeof(msg), "{\"v\":1,\"id\":%d,\"op\":\"hello\"}",
				 100 + 10 * round + k);
			send_str(s, msg, NULL, 0);
		}
		for (int k = 0; k < 5; k++) {
			struct json_object *r = recv_reply(s, 1000);

			cr_assert_not_null(r, "queued request %d unanswered", k);
			cr_expect_eq(reply_id(r), 100 + 10 * round + k);
			json_object_put(r);
		}
	}
	close(s);
}

static void *send_all(void *arg)
{
	struct sender *x = arg;
	char req[80];

	for (int i = 1; i <= x->n; i++) {
		int len = snprintf(req, sizeof(req),
				   "{\"v\":1,\"id\":%d,\"op\":\"stat\",\"path\":\"/\"}", i);

		if (proto_send(x->s, req, len, NULL, 0) < 0)
			break;
	}
	return NULL;
}

static long rss_kib(pid_t pid)
{
	char path[64], line[128];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "re")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

Test(conn, ten_thousand_pipelined_requests_are_bounded_and_all_answered)
{
	struct sender x = { .s = raw_connect(d.sock), .n = 10000 };
	long rss0 = rss_kib(d.pid);
	int fds0 = settled_fds();

	cr_assert_geq(x.s, 0);
	cr_assert_eq(pthread_create(&x.t, NULL, send_all, &x), 0);
	sleep(1);       /* the client reads nothing meanwhile */
	cr_expect_leq(th_fd_count(d.pid), fds0 + 1);
	cr_expect_lt(rss_kib(d.pid) - rss0, 16 * 1024, "RSS grew from %ld to %ld KiB",
		     rss0, rss_kib(d.pid));
	assert_serving();
	for (int i = 1; i <= x.n; i++) {
		struct json_object *r = recv_reply(x.s, 5000);

		cr_assert_not_null(r, "reply %d did not come", i);
		cr_assert_eq(reply_id(r), i);
		json_object_put(r);
	}
	pthread_join(x.t, NULL);
	close(x.s);
}

/* A get_many of 253 copies of path, as a request string. */
static char *get_many_req(int id, const char *path)
{
	size_t cap = 64 + PROTO_FDS_MAX * (strlen(path) + 3);
	char *s = malloc(cap);
	int n = snprintf(s, cap, "{\"v\":1,\"id\":%d,\"op\":\"get_many\",\"access\":\"rdonly\",\"paths\":[", id);

	for (int i = 0; i < PROTO_FDS_MAX; i++)
		n += snprintf(s + n, cap - n, "%s\"%s\"", i ? "," : "", path);
	snprintf(s + n, cap - n, "]}");
	return s;
}

/* Pipeline up to depth get_many requests of 253 fds each on a new
 * connection, as many as its socket buffer takes without reading (*sent).
 * The peer's socket buffer takes some 70 such replies, whose fds are the
 * kernel's; FLOOD_DEPTH is deep enough for the daemon to queue the rest. */
#define FLOOD_DEPTH 100

static int flood_conn(int depth, int *sent)
{
	int s = raw_connect(d.sock);

	if (s < 0 || fcntl(s, F_SETFL, O_NONBLOCK) < 0)
		return -1;
	for (*sent = 0; *sent < depth; ++*sent) {
		char *req = get_many_req(*sent + 1, "/m");
		int r = proto_send(s, req, strlen(req), NULL, 0);

		free(req);
		if (r == -EAGAIN)
			break;
		if (r < 0)
			return r;
	}
	return s;
}

/* The most fds the daemon holds over ms milliseconds. */
static int peak_fds(int ms)
{
	int peak = 0;

	for (int i = 0; i < ms / 20; i++) {
		int n = th_fd_count(d.pid);

		peak = n > peak ? n : peak;
		usleep(20000);
	}
	return peak;
}

/* Read every reply of k connections, in turns: a uid's budget is shared
 * by its connections, so one of them may be read only once the others
 * have been. */
static int drain_all(const int *s, const int *n, int k)
{
	int got[5] = { 0 }, left = 0;

	for (int i = 0; i < k; i++)
		left += n[i];
	for (int idle = 0; left && idle < 100; ) {
		bool any = false;

		for (int i = 0; i < k; i++) {
			struct json_object *r;

			while (got[i] < n[i] && (r = recv_reply(s[i], 0))) {
				if (reply_id(r) != ++got[i] || reply_errno(r, NULL, 0))
					return -1;
				json_object_put(r);
				left--;
				any = true;
			}
		}
		idle = any ? 0 : idle + 1;
		if (!any)
			usleep(50000);
	}
	return left ? -1 : 0;
}

/* Five connections of uid 65534 pipeline get_many floods and do not read;
 * report the daemon's peak fd count from outside (the parent measures). */
static void child_floods(int go, int done)
{
	int s[5], n[5];
	char c;

	become(65534);
	for (int i = 0; i < 5; i++)
		if ((s[i] = flood_conn(FLOOD_DEPTH, &n[i])) < 0)
			_exit(91);
	if (write(go, "", 1) != 1 || read(done, &c, 1) != 1)
		_exit(92);
	_exit(drain_all(s, n, 5) == 0 ? 0 : 93);
}

/* Fork child_floods (uid 65534), wait until its floods are sent, and
 * return the daemon's peak fd count over a second; flood_finish lets it
 * read everything and checks it got every reply. */
static int flood_start(pid_t *pid, int done[2])
{
	int go[2];
	char c;

	cr_assert_eq(pipe2(go, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(done, O_CLOEXEC), 0);
	*pid = fork();
	if (*pid == 0)
		child_floods(go[1], done[0]);
	cr_assert_eq(read(go[0], &c, 1), 1);
	close(go[0]);
	close(go[1]);
	return peak_fds(1000);
}

static void flood_finish(pid_t pid, int done[2])
{
	int status;

	cr_assert_eq(write(done[1], "", 1), 1);
	waitpid(pid, &status, 0);
	close(done[0]);
	close(done[1]);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "a flood client did not get all its replies (%d)", status);
}

/* The regression of issue 8 item 3: queued replies held 16 x 253 fds a
 * connection, without a budget. */
Test(flood, non_reading_get_many_clients_stay_under_the_fd_budget)
{
	int done[2], base, peak;
	pid_t pid;

	start(NULL);
	pin_map("/m", 0644);
	assert_serving();
	base = settled_fds();
	peak = flood_start(&pid, done);
	/* 5 connections + the per-uid budget of 1024 queued fds */
	cr_expect_leq(peak, base + 5 + 1024, "peak %d, base %d", peak, base);
	assert_serving();
	flood_finish(pid, done);
	assert_fds_return_to(base);
}

/* What the daemon says uid 65534 has of requests in flight (asked as
 * root over a connection of our own). */
static int64_t inflight_of_nobody(void)
{
	int s = raw_connect(d.sock);
	struct json_object *r, *res, *req, *used;
	int64_t n;

	cr_assert_geq(s, 0);
	send_str(s, "{\"v\":1,\"id\":1,\"op\":\"limits\",\"uid\":65534}",
		 NULL, 0);
	r = recv_reply(s, 1000);
	cr_assert_eq(reply_errno(r, NULL, 0), 0);
	cr_assert(json_object_object_get_ex(r, "result", &res));
	cr_assert(json_object_object_get_ex(res, "requests", &req));
	cr_assert(json_object_object_get_ex(req, "used", &used));
	n = json_object_get_int64(used);
	json_object_put(r);
	close(s);
	return n;
}

/* A reply the peer has not taken keeps its request in flight, so the
 * per-uid limit on requests bounds what non-reading connections of one
 * uid make the daemon hold, below the fd budgets (lifted here). */
Test(flood, requests_in_flight_of_one_uid_include_unread_replies)
{
	const char *const extra[] = { "--max-inflight-per-uid", "12",
		"--max-queued-fds-per-uid", "0", NULL };
	int done[2], base, peak;
	int64_t inflight;
	pid_t pid;

	start(extra);
	pin_map("/m", 0644);
	assert_serving();
	base = settled_fds();
	peak = flood_start(&pid, done);
	inflight = inflight_of_nobody();
	/* 5 connections + 12 queued replies of 253 fds */
	cr_expect_leq(peak, base + 5 + 12 * PROTO_FDS_MAX, "peak %d, base %d",
		      peak, base);
	cr_expect(inflight > 1 && inflight <= 12, "in flight: %lld",
		  (long long)inflight);
	assert_serving();
	flood_finish(pid, done);
	cr_expect_eq(inflight_of_nobody(), 0);
	assert_fds_return_to(base);
}

Test(flood, non_reading_root_clients_stay_under_the_total_fd_budget)
{
	const char *const extra[] = { "--max-queued-fds", "2048", NULL };
	int s[5], n[5], base, peak;

	start(extra);
	pin_map("/m", 0600);
	assert_serving();
	base = settled_fds();
	for (int i = 0; i < 5; i++)
		cr_assert_geq(s[i] = flood_conn(FLOOD_DEPTH, &n[i]), 0);
	peak = peak_fds(1000);
	cr_expect_leq(peak, base + 5 + 2048, "peak %d, base %d", peak, base);
	cr_assert_eq(drain_all(s, n, 5), 0, "not every reply came");
	for (int i = 0; i < 5; i++)
		close(s[i]);
	assert_fds_return_to(base);
}

Test(flood, clients_vanishing_mid_reply_leak_no_fd)
{
	int base;

	start(NULL);
	pin_map("/m", 0600);
	assert_serving();
	base = settled_fds();
	for (int round = 0; round < 10; round++) {
		int n, s = flood_conn(FLOOD_DEPTH, &n);

		cr_assert_geq(s, 0);
		usleep(50000);  /* some replies queued, some still unread */
		close(s);
	}
	assert_serving();
	assert_fds_return_to(base);
}

/* CPU seconds the daemon used so far (utime + stime). */
static double cpu_seconds(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	p = strrchr(buf, ')');
	cr_assert_eq(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			    &ut, &st), 2);
	return (double)(ut + st) / sysconf(_SC_CLK_TCK);
}

Test(flood, accept_pauses_on_emfile_and_resumes)
{
	struct rlimit old, low;
	struct json_object *r;
	double cpu;
	int s;

	start(NULL);
	assert_serving();
	cr_assert_eq(prlimit(d.pid, RLIMIT_NOFILE, NULL, &old), 0);
	low = old;
	low.rlim_cur = settled_fds();           /* no room for one more */
	cr_assert_eq(prlimit(d.pid, RLIMIT_NOFILE, &low, NULL), 0);
	s = raw_connect(d.sock);                /* waits in the backlog */
	cr_assert_geq(s, 0);
	send_str(s, "{\"v\":1,\"id\":4,\"op\":\"hello\"}", NULL, 0);
	usleep(300000);
	cpu = cpu_seconds(d.pid);
	r = recv_reply(s, 1000);
	cr_expect_null(r, "answered without an fd to accept with");
	cr_expect_lt(cpu_seconds(d.pid) - cpu, 0.3,
		     "the daemon spun on accept: %.2f s of CPU in 1 s",
		     cpu_seconds(d.pid) - cpu);
	cr_assert_eq(prlimit(d.pid, RLIMIT_NOFILE, &old, NULL), 0);
	r = recv_reply(s, 2000);
	cr_assert_not_null(r, "accept did not resume");
	cr_assert_eq(reply_id(r), 4);
	json_object_put(r);
	close(s);
	assert_serving();
}
