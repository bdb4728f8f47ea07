/* daemon/listener.c: the listening socket: bind with a safe umask, mode
 * 0666 (permissions are checked per operation), accept4 non-blocking,
 * paused while the daemon is out of fds, closed when a drain begins. A
 * socket inherited from systemd (LISTEN_FDS) is used as it is. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/log.h"
#include "daemon/svc.h"
#include "daemon/paths.h"
#include "daemon/server.h"

/* Remove a socket left by a daemon that died: only a socket nobody answers. */
static int remove_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, r;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (r == 0)
		return -EADDRINUSE;
	return unlink(sa->sun_path) < 0 ? -errno : 0;
}

static int bind_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	if ((r = mkdir_parent(path)) < 0 || (r = remove_stale(&sa)) < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	old = umask(0111);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || listen(fd, 128) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

#define ACCEPT_RETRY_MS 200

/* Out of fds: accepting again at once would spin on the same error with
 * the connection still in the backlog. Stop listening until a connection
 * closes or a short timer runs out, whichever comes first. */
static void accept_pause(struct server *srv, int err)
{
	struct timeval tv = { 0, ACCEPT_RETRY_MS * 1000 };

	if (srv->accept_paused)
		return;
	log_warn(-err, "accept: pausing new connections for up to %d ms",
		 ACCEPT_RETRY_MS);
	srv->accept_paused = true;
	event_del(srv->listen_ev);
	evtimer_add(srv->accept_timer, &tv);
}

void server_accept_resume(struct server *srv)
{
	if (!srv->accept_paused)
		return;
	srv->accept_paused = false;
	evtimer_del(srv->accept_timer);
	event_add(srv->listen_ev, NULL);
}

static void on_accept_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	server_accept_resume(arg);
}

static void on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct server *srv = arg;

	(void)what;
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			conn_accept(srv, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM)
			accept_pause(srv, errno);
		else if (errno != EAGAIN)
			log_warn(-errno, "accept");
		return;
	}
}

/* Whether fd is a listening AF_UNIX SOCK_SEQPACKET socket. */
static bool is_listener(int fd)
{
	int type = 0, acc = 0;
	socklen_t len = sizeof(type);
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_SEQPACKET)
		return false;
	len = sizeof(acc);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) < 0 || !acc)
		return false;
	return getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0 &&
	       ss.ss_family == AF_UNIX;
}

/* The listening socket the service manager passed: the one named
 * SVC_SOCKET_NAME (bpfpind.socket's FileDescriptorName=), or one passed
 * without a name; else -1. Anything else of that name is refused. */
static int inherited_socket(void)
{
	int fd = svc_take(SVC_SOCKET_NAME);

	if (fd < 0)
		fd = svc_take("unknown");
	if (fd < 0)
		return -1;
	if (!is_listener(fd)) {
		log_warnx("the fd named %s passed by the service manager is not a listening SOCK_SEQPACKET socket: not used",
			  SVC_SOCKET_NAME);
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

int server_listen(struct server *srv, const char *path)
{
	int fd = inherited_socket();

	if (fd < 0) {
		fd = bind_socket(path);
		if (fd < 0)
			return fd;
		srv->path = strdup(path);
	}
	srv->listen_fd = fd;
	TAILQ_INIT(&srv->conns);
	usage_init(srv);
	srv->listen_ev = event_new(srv->base, fd, EV_READ | EV_PERSIST, on_accept, srv);
	srv->accept_timer = evtimer_new(srv->base, on_accept_timer, srv);
	if (!srv->listen_ev || !srv->accept_timer ||
	    event_add(srv->listen_ev, NULL) < 0)
		return -ENOMEM;
	return 0;
}

void server_stop_accepting(struct server *srv)
{
	if (srv->listen_ev)
		event_free(srv->listen_ev);
	if (srv->accept_timer)
		event_free(srv->accept_timer);
	srv->listen_ev = srv->accept_timer = NULL;
	srv->accept_paused = false;   /* a closing connection resumes none */
	/* our copy only: a socket systemd passed stays open in systemd, with
	 * the connections in its backlog, for the next daemon */
	if (srv->listen_fd >= 0)
		close(srv->listen_fd);
	srv->listen_fd = -1;
}

void server_shutdown(struct server *srv)
{
	struct conn *c;

	while ((c = TAILQ_FIRST(&srv->conns)))
		conn_free(c);
	if (srv->listen_ev)
		event_free(srv->listen_ev);
	if (srv->accept_timer)
		event_free(srv->accept_timer);
	srv->accept_timer = NULL;
	srv->accept_paused = false;
	if (srv->listen_fd >= 0)
		close(srv->listen_fd);
	if (srv->path)
		unlink(srv->path);
	free(srv->path);
	srv->listen_ev = NULL;
	srv->listen_fd = -1;
	srv->path = NULL;
}
