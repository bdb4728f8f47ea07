/* daemon/ready.c: READY=1 only once the daemon serves: the socket listens
 * (before the loop runs) and the mount answers. The mount is served on the
 * loop thread, so the loop cannot ask it itself: a thread statfs's the
 * mount's root while the loop runs and passes the answer back through a
 * pipe; then the loop says READY (and lets a background parent exit). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/daemon.h"
#include "daemon/log.h"
#include "daemon/svc.h"

#define FUSE_MAGIC 0x65735546

struct probe {
	char *dir;
	int fd;                     /* the pipe's write end: the thread's */
};

static void *probe_run(void *arg)
{
	struct probe *p = arg;
	struct statfs sf;
	int r = statfs(p->dir, &sf) < 0 ? -errno :
		sf.f_type == FUSE_MAGIC ? 0 : -ENOTCONN;

	if (write(p->fd, &r, sizeof(r)) != sizeof(r))
		log_warn(-errno, "ready probe");
	close(p->fd);
	free(p->dir);
	free(p);
	return NULL;
}

static void say_ready(struct daemon *d)
{
	d->ready = true;
	log_info("ready: the socket listens%s", d->opt.mount_dir ?
		 " and the mount answers" : "");
	svc_notify("READY=1");
	status_say(d, NULL);
	if (d->parent_fd >= 0) {
		if (write(d->parent_fd, "", 1) != 1)
			log_warn(-errno, "telling the parent we are ready");
		close(d->parent_fd);
		d->parent_fd = -1;
	}
}

static void on_probe(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	int r = -EIO;

	(void)what;
	if (read(fd, &r, sizeof(r)) != sizeof(r))
		r = -EIO;
	if (r < 0) {
		log_warn(r, "the mount on %s does not answer", d->opt.mount_dir);
		d->exit_err = r;
		event_base_loopbreak(d->srv.base);
		return;
	}
	say_ready(d);
}

static int probe_start(struct daemon *d, int wfd)
{
	struct probe *p = calloc(1, sizeof(*p));
	pthread_t t;

	if (!p || !(p->dir = strdup(d->opt.mount_dir))) {
		free(p);
		return -ENOMEM;
	}
	p->fd = wfd;
	if (pthread_create(&t, NULL, probe_run, p) != 0) {
		free(p->dir);
		free(p);
		return -EAGAIN;
	}
	pthread_detach(t);
	return 0;
}

int ready_start(struct daemon *d)
{
	int p[2], r;

	if (!d->opt.mount_dir) {
		say_ready(d);
		return 0;
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	d->ready_ev = event_new(d->srv.base, p[0], EV_READ, on_probe, d);
	if (!d->ready_ev || event_add(d->ready_ev, NULL) < 0) {
		close(p[0]);
		close(p[1]);
		return -ENOMEM;
	}
	if ((r = probe_start(d, p[1])) < 0) {   /* p[1] is the thread's */
		close(p[1]);
		return r;
	}
	return 0;
}

void ready_stop(struct daemon *d)
{
	if (!d->ready_ev)
		return;
	close(event_get_fd(d->ready_ev));
	event_free(d->ready_ev);
	d->ready_ev = NULL;
}
