/* tests/svc_peer.c: systemd's side of the notify protocol and of passing
 * fds at exec, as systemd 252 does it (src/core/manager.c
 * manager_dispatch_notify_fd, src/core/service.c service_notify_message,
 * service_add_fd_store, service_spawn): see tests/svc_peer.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/svc_peer.h"

#define NOTIFY_BUFFER_MAX 4096  /* systemd: PIPE_BUF */
#define NOTIFY_FD_MAX 768       /* systemd: fds in one message */

static void note(const struct svc_peer *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note(const struct svc_peer *p, const char *fmt, ...)
{
	FILE *f = fopen(p->log, "ae");
	va_list ap;

	if (!f)
		return;
	fputs("svc_peer: ", f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

static void *reader(void *arg);

int svc_peer_init(struct svc_peer *p, unsigned fd_max)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int one = 1;

	memset(p, 0, sizeof(*p));
	p->fd_max = fd_max;
	strcpy(p->dir, "/tmp/bpfpin-peer.XXXXXX");
	if (!mkdtemp(p->dir))
		return -errno;
	chmod(p->dir, 0755);
	snprintf(p->notify, sizeof(p->notify), "%s/notify", p->dir);
	snprintf(p->log, sizeof(p->log), "%s/log", p->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", p->notify);
	p->sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (p->sock < 0 ||
	    setsockopt(p->sock, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0 ||
	    bind(p->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	pthread_mutex_init(&p->lock, NULL);
	p->raw_tail = &p->raw;
	if ((errno = pthread_create(&p->thread, NULL, reader, p)) != 0)
		return -errno;
	p->running = true;
	return 0;
}

static void free_argv(struct svc_peer *p)
{
	for (char **a = p->argv; a && *a; a++)
		free(*a);
	free(p->argv);
	p->argv = NULL;
}

/* Every mount below the directory (a bpffs store, a FUSE mount). */
static void umount_below(const char *dir)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	size_t len = strlen(dir);
	char line[4096], mnt[4096];

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 &&
		    !strncmp(mnt, dir, len) && mnt[len] == '/')
			umount2(mnt, MNT_DETACH);
	if (f)
		fclose(f);
}

void svc_peer_fini(struct svc_peer *p)
{
	char cmd[128];

	if (!p->dir[0])
		return;
	if (p->pid > 0)
		svc_peer_stop(p, SIGKILL);
	if (p->running) {
		atomic_store(&p->stop, true);
		pthread_join(p->thread, NULL);
		p->running = false;
		p->pid = 0;
		svc_peer_pump(p);       /* what was read: its fds closed */
	}
	for (unsigned i = 0; i < p->nfds; i++) {
		close(p->fds[i].fd);
		free(p->fds[i].name);
	}
	free(p->fds);
	for (unsigned i = 0; i < p->nmsgs; i++)
		free(p->msgs[i]);
	free(p->msgs);
	free_argv(p);
	if (p->sock >= 0)
		close(p->sock);
	umount_below(p->dir);
	snprintf(cmd, sizeof(cmd), "rm -rf --one-file-system '%s'", p->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "svc_peer: could not remove %s\n", p->dir);
	p->dir[0] = '\0';
}

/* systemd's fdname_is_valid(). */
static bool fdname_valid(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if ((unsigned char)s[n] < ' ' || s[n] == ':' ||
		    (unsigned char)s[n] >= 127)
			return false;
	return n > 0 && n <= 255;
}

/* systemd's same_fd(): kcmp(KCMP_FILE), one open file description. */
static bool same_fd(int a, int b)
{
	pid_t self = getpid();

	return syscall(SYS_kcmp, self, self, KCMP_FILE, a, b) == 0;
}

static void store_fd(struct svc_peer *p, const char *name, int fd)
{
	struct svc_peer_fd *more;

	for (unsigned i = 0; i < p->nfds; i++)
		if (same_fd(p->fds[i].fd, fd)) {
			close(fd);      /* "Suppressing duplicate fd" */
			return;
		}
	if (p->nfds >= p->fd_max ||
	    !(more = realloc(p->fds, (p->nfds + 1) * sizeof(*more)))) {
		note(p, "hit fd store limit (%u): fd of %s closed", p->fd_max,
		     name);
		p->refused++;
		close(fd);
		return;
	}
	p->fds = more;
	p->fds[p->nfds].name = strdup(name);
	p->fds[p->nfds++].fd = fd;
}

/* The value of the line "key=..." in msg, or NULL. */
static const char *field(const char *msg, const char *key, char *buf,
			 size_t size)
{
	size_t klen = strlen(key);

	for (const char *l = msg; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, key, klen) || l[klen] != '=')
			continue;
		snprintf(buf, size, "%.*s", (int)strcspn(l + klen + 1, "\n"),
			 l + klen + 1);
		return buf;
	}
	return NULL;
}

static void fd_store_remove(struct svc_peer *p, const char *name)
{
	unsigned n = svc_peer_fd_drop(p, name);

	if (n)
		p->removed++;
}

/* service_notify_message(): what systemd does with one message. */
static void handle(struct svc_peer *p, char *msg, const int *fds, int nfds)
{
	char name[300], v[16];
	bool store = field(msg, "FDSTORE", v, sizeof(v)) && !strcmp(v, "1");

	if (field(msg, "FDSTOREREMOVE", v, sizeof(v)) && !strcmp(v, "1")) {
		if (field(msg, "FDNAME", name, sizeof(name)))
			fd_store_remove(p, name);
		else
			p->refused++;
	}
	if (store) {
		if (!field(msg, "FDNAME", name, sizeof(name)) || !fdname_valid(name)) {
			note(p, "passed FDNAME= name is invalid, ignoring");
			snprintf(name, sizeof(name), "stored");
		}
		for (int i = 0; i < nfds; i++)
			store_fd(p, name, fds[i]);
	} else {
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		if (nfds)
			p->refused++;
	}
}

static void keep_msg(struct svc_peer *p, char *msg)
{
	char **more = msg ? realloc(p->msgs, (p->nmsgs + 1) * sizeof(*more)) : NULL;

	if (!more) {
		free(msg);
		return;
	}
	p->msgs = more;
	p->msgs[p->nmsgs++] = msg;
}

/* A datagram as read, kept until svc_peer_pump handles it. */
struct svc_peer_raw {
	struct svc_peer_raw *next;
	char *text;
	int fds[NOTIFY_FD_MAX];
	int nfds;
	pid_t pid;               /* SCM_CREDENTIALS, or 0: none */
	bool bad;                /* truncated, or holding a NUL */
};

/* One datagram into the queue (under p->lock): 1, or 0 when none waits. */
static int read_one(struct svc_peer *p)
{
	char buf[NOTIFY_BUFFER_MAX + 1];
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(struct ucred)) +
		       CMSG_SPACE(sizeof(int) * NOTIFY_FD_MAX)];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = NOTIFY_BUFFER_MAX };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = &ctl, .msg_controllen = sizeof(ctl) };
	struct svc_peer_raw *r;
	ssize_t n = recvmsg(p->sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

	if (n < 0 || !(r = calloc(1, sizeof(*r))))
		return 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_RIGHTS) {
			r->nfds = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(r->fds, CMSG_DATA(c), (size_t)r->nfds * sizeof(int));
		} else if (c->cmsg_type == SCM_CREDENTIALS) {
			r->pid = ((struct ucred *)CMSG_DATA(c))->pid;
		}
	}
	buf[n] = '\0';
	r->bad = (mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) ||
		 memchr(buf, '\0', (size_t)n);
	r->text = strdup(buf);
	*p->raw_tail = r;
	p->raw_tail = &r->next;
	return 1;
}

/* The reader: the kernel queues few datagrams (net.unix.max_dgram_qlen,
 * 10 without systemd's sysctl), past which the service's sendmsg waits;
 * systemd reads at once, and so does this thread. */
static void *reader(void *arg)
{
	struct svc_peer *p = arg;

	while (!atomic_load(&p->stop)) {
		struct pollfd pf = { .fd = p->sock, .events = POLLIN };

		poll(&pf, 1, 20);
		pthread_mutex_lock(&p->lock);
		while (read_one(p))
			;
		pthread_mutex_unlock(&p->lock);
	}
	return NULL;
}

/* manager_dispatch_notify_fd(): one datagram, accepted or refused. */
static void dispatch(struct svc_peer *p, struct svc_peer_raw *r)
{
	if (r->bad || !r->pid || !r->text || r->pid != p->pid || p->pid <= 0) {
		note(p, "notify message refused (%s)", !r->pid ? "no credentials" :
		     r->pid != p->pid ? "not from the main process" :
		     "truncated or holding a NUL");
		for (int i = 0; i < r->nfds; i++)
			close(r->fds[i]);
		p->refused++;
		free(r->text);
		return;
	}
	handle(p, r->text, r->fds, r->nfds);
	keep_msg(p, r->text);
}

void svc_peer_pump(struct svc_peer *p)
{
	struct svc_peer_raw *r;

	pthread_mutex_lock(&p->lock);
	while (read_one(p))
		;
	while ((r = p->raw)) {
		p->raw = r->next;
		if (!p->raw)
			p->raw_tail = &p->raw;
		dispatch(p, r);
		free(r);
	}
	pthread_mutex_unlock(&p->lock);
}

/* systemd's order: the store newest first (LIST_PREPEND). */
static void child_env(const struct svc_peer *p, int n)
{
	char num[32], *names;
	size_t len = 1;

	setenv("NOTIFY_SOCKET", p->notify, 1);
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	unsetenv("LISTEN_PID");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	if (p->watchdog_usec) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)p->watchdog_usec);
		setenv("WATCHDOG_USEC", num, 1);
		snprintf(num, sizeof(num), "%d", (int)getpid());
		setenv("WATCHDOG_PID", num, 1);
	}
	if (n == 0)
		return;
	for (int i = 0; i < n; i++)
		len += strlen(p->fds[i].name) + 1;
	if (!(names = calloc(1, len)))
		_exit(126);
	for (int i = n - 1; i >= 0; i--) {
		strcat(names, p->fds[i].name);
		if (i)
			strcat(names, ":");
	}
	snprintf(num, sizeof(num), "%d", n);
	setenv("LISTEN_FDS", num, 1);
	setenv("LISTEN_FDNAMES", names, 1);
	snprintf(num, sizeof(num), "%d", (int)getpid());
	setenv("LISTEN_PID", num, 1);
}

/* The child: the store's fds at 3.. (newest first), nothing else open
 * but stdio, stderr to the log. As systemd's shift_fds: everything else
 * closed first, then each moved above 3+n and down into place, so that
 * it needs room for 2n+3 fds, not for every fd the peer holds. */
static void child(const struct svc_peer *p)
{
	int n = (int)p->nfds, *tmp = calloc((size_t)n + 1, sizeof(int)), top = 2;
	int log = open(p->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	if (!tmp || log < 0)
		_exit(126);
	dup2(log, STDERR_FILENO);
	for (int i = 0; i < n; i++)
		top = p->fds[i].fd > top ? p->fds[i].fd : top;
	for (int fd = 3; fd <= top; fd++) {
		bool keep = false;

		for (int i = 0; i < n && !keep; i++)
			keep = p->fds[i].fd == fd;
		if (!keep)
			close(fd);
	}
	close_range((unsigned)top + 1, ~0U, 0);
	for (int i = 0; i < n; i++) {
		int fd = p->fds[n - 1 - i].fd;

		if ((tmp[i] = fcntl(fd, F_DUPFD_CLOEXEC, 3 + n)) < 0)
			_exit(126);
		close(fd);
	}
	for (int i = 0; i < n; i++)
		if (dup2(tmp[i], 3 + i) < 0 || close(tmp[i]) < 0)
			_exit(126);
	child_env(p, n);
	execv(p->argv[0], p->argv);
	_exit(127);
}

int svc_peer_start(struct svc_peer *p, const char *const *argv)
{
	if (argv != (const char *const *)p->argv) {
		size_t n = 0;

		while (argv[n])
			n++;
		free_argv(p);
		if (!(p->argv = calloc(n + 1, sizeof(char *))))
			return -ENOMEM;
		for (size_t i = 0; i < n; i++)
			if (!(p->argv[i] = strdup(argv[i])))
				return -ENOMEM;
	}
	svc_peer_pump(p);
	p->cursor = p->nmsgs;
	p->pid = fork();
	if (p->pid < 0)
		return -errno;
	if (p->pid == 0)
		child(p);
	return 0;
}

int svc_peer_stop(struct svc_peer *p, int sig)
{
	int status;

	if (p->pid <= 0)
		return -ECHILD;
	kill(p->pid, sig);
	for (int i = 0; i < 1000; i++) {
		if (waitpid(p->pid, &status, WNOHANG) == p->pid)
			goto reaped;
		usleep(10000);
	}
	note(p, "pid %d did not exit within 10 s of signal %d", (int)p->pid, sig);
	kill(p->pid, SIGKILL);
	waitpid(p->pid, &status, 0);
reaped:
	/* what it sent before it died is still the main process's */
	svc_peer_pump(p);
	p->pid = 0;
	p->status = status;
	return status;
}

int svc_peer_restart(struct svc_peer *p, int sig)
{
	int r = svc_peer_stop(p, sig);

	return r < 0 ? r : svc_peer_start(p, (const char *const *)p->argv);
}

static bool has_line(const char *msg, const char *prefix)
{
	size_t len = strlen(prefix);

	for (const char *l = msg; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, prefix, len))
			return true;
	return false;
}

const char *svc_peer_wait(struct svc_peer *p, const char *prefix, int ms)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pf = { .fd = p->sock, .events = POLLIN };
		int status;

		svc_peer_pump(p);
		for (unsigned i = p->cursor; i < p->nmsgs; i++)
			if (has_line(p->msgs[i], prefix)) {
				p->cursor = i + 1;
				return p->msgs[i];
			}
		if (p->pid <= 0)
			return NULL;
		if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
			p->status = status;
			svc_peer_pump(p);       /* its last words, then no more */
			p->pid = 0;
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 > ms)
			return NULL;
		poll(&pf, 1, 10);
	}
}

unsigned svc_peer_count(const struct svc_peer *p, const char *prefix)
{
	unsigned n = 0;

	for (unsigned i = 0; i < p->nmsgs; i++)
		n += has_line(p->msgs[i], prefix);
	return n;
}

unsigned svc_peer_fd_count(const struct svc_peer *p)
{
	return p->nfds;
}

int svc_peer_fd_find(const struct svc_peer *p, const char *name)
{
	for (unsigned i = 0; i < p->nfds; i++)
		if (!strcmp(p->fds[i].name, name))
			return p->fds[i].fd;
	return -1;
}

unsigned svc_peer_fd_drop(struct svc_peer *p, const char *name)
{
	unsigned kept = 0, dropped = 0;
	char want[300];

	/* name may be one of the store's own, freed below */
	snprintf(want, sizeof(want), "%s", name);
	for (unsigned i = 0; i < p->nfds; i++) {
		if (strcmp(p->fds[i].name, want)) {
			p->fds[kept++] = p->fds[i];
			continue;
		}
		close(p->fds[i].fd);
		free(p->fds[i].name);
		dropped++;
	}
	p->nfds = kept;
	return dropped;
}

int svc_peer_fd_add(struct svc_peer *p, const char *name, int fd)
{
	int mine = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	unsigned before = p->nfds;

	if (mine < 0)
		return -errno;
	store_fd(p, name, mine);
	return p->nfds > before ? 0 : -EEXIST;
}
