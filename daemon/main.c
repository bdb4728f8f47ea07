/* daemon/main.c: bpfpind: lock its state dir and socket, open the
 * namespace over its store, listen on the socket, mount the FUSE face, and
 * run the libevent loop (READY once the mount answers, SIGHUP reloads)
 * until SIGTERM or SIGINT have drained it; then unmount, remove the
 * socket and close everything. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "daemon/daemon.h"
#include "daemon/lock.h"
#include "daemon/log.h"
#include "daemon/nofile.h"
#include "daemon/options.h"
#include "daemon/paths.h"
#include "daemon/server.h"
#include "daemon/ops_sock.h"
#include "daemon/sockmaps.h"
#include "daemon/svc.h"
#include "lib/worker.h"
#include "bpf/obj.h"
#include "fs/fuse.h"
#include "fs/store.h"

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;

	(void)what;
	if (sig == SIGHUP) {
		log_info("%s: reloading", strsignal((int)sig));
		reload(d);
		return;
	}
	log_info("%s: shutting down", strsignal((int)sig));
	drain_begin(d);
}

/* One daemon per state dir and per socket path: the locks are taken
 * before the store is opened or a stale socket removed, so a second
 * daemon touches nothing of the first one's. */
static int take_locks(struct daemon *d)
{
	char path[4096];
	int r;

	if ((r = mkdir_p(d->opt.state_dir, 0700)) < 0)
		return log_warn(r, "state dir %s", d->opt.state_dir);
	snprintf(path, sizeof(path), "%s/lock", d->opt.state_dir);
	if ((d->state_lock = lock_take(path, d->opt.state_dir)) < 0)
		return d->state_lock;
	if ((r = mkdir_parent(d->opt.socket_path)) < 0)
		return log_warn(r, "the directory of %s", d->opt.socket_path);
	snprintf(path, sizeof(path), "%s.lock", d->opt.socket_path);
	if ((d->socket_lock = lock_take(path, d->opt.socket_path)) < 0)
		return d->socket_lock;
	return 0;
}

static int fdstore_send(const char *state, int fd)
{
	return svc_notify_fds(state, &fd, 1);
}

static void fdstore_log(const char *line)
{
	log_warnx("%s", line);
}

/* --store=fdstore: the objects go to the service manager's fd store, which
 * passes them back at the next start (fs/store_fd.c, doc/fdstore.md). */
static int use_fdstore(const struct daemon *d)
{
	static struct store_fd_ops ops = {
		.send = fdstore_send, .notify = svc_notify,
		.take = svc_take_prefix, .log = fdstore_log,
	};

	if (!svc_managed()) {
		log_warnx("--store=fdstore needs a service manager that keeps fds "
			  "(systemd, FileDescriptorStoreMax=), but NOTIFY_SOCKET is "
			  "not set (or this bpfpind was built without libsystemd): "
			  "use --store=bpffs");
		return -ENOTCONN;
	}
	if (!d->opt.foreground) {
		log_warnx("--store=fdstore needs --foreground: the service manager "
			  "passes the objects back to the process it started");
		return -EINVAL;
	}
	ops.max = d->opt.fdstore_max;
	store_use_fdstore(&ops);
	return 0;
}

static int open_store(struct daemon *d)
{
	char store[4096];
	int r;

	if ((r = mkdir_p(d->opt.state_dir, 0700)) < 0)
		return log_warn(r, "state dir %s", d->opt.state_dir);
	if (chmod(d->opt.state_dir, 0700) < 0)
		return log_warn(-errno, "state dir %s", d->opt.state_dir);
	snprintf(store, sizeof(store), "%s/store", d->opt.state_dir);
	if (d->opt.fdstore && (r = use_fdstore(d)) < 0)
		return r;
	if ((r = ns_open(&d->srv.ns, store)) < 0)
		return log_warn(r, "opening the store %s", store);
	ns_set_fd_cache(d->srv.ns, d->opt.fd_cache);
	ns_set_meta_defer(d->srv.ns, true);
	ns_set_limits(d->srv.ns, &d->opt.ns_limits);
	log_info("store %s: %llu nodes", d->opt.fdstore ? "fdstore" : store,
		 (unsigned long long)ns_node_count(d->srv.ns));
	return 0;
}

/* An fd a client sends from our own mount would have the loop thread wait
 * on itself: bpf/ refuses its mount id. The id comes from mountinfo by
 * mount point, never from a lookup that would enter the mount. */
static int refuse_own_mount(const char *dir)
{
	char *parent = strdup(dir), *base, *slash, canon[PATH_MAX + 1];
	int id;

	if (!parent)
		return -ENOMEM;
	for (size_t n = strlen(parent); n > 1 && parent[n - 1] == '/'; n--)
		parent[n - 1] = '\0';
	slash = strrchr(parent, '/');
	base = slash ? slash + 1 : parent;
	if (slash)
		*slash = '\0';
	if (!realpath(slash ? (parent[0] ? parent : "/") : ".", canon)) {
		free(parent);
		return -errno;
	}
	snprintf(canon + strlen(canon), sizeof(canon) - strlen(canon), "%s%s",
		 strcmp(canon, "/") ? "/" : "", base);
	free(parent);
	id = obj_mount_id(canon);
	if (id < 0)
		return id;
	obj_refuse_mount(id);
	return 0;
}

static int add_signal(struct daemon *d, struct event **ev, int sig)
{
	*ev = evsignal_new(d->srv.base, sig, on_signal, d);
	return *ev && event_add(*ev, NULL) == 0 ? 0 : -ENOMEM;
}

static int start(struct daemon *d)
{
	int r;

	d->srv.listen_fd = -1;
	d->srv.limits = d->opt.srv_limits;
	if (evthread_use_pthreads() < 0 || !(d->srv.base = event_base_new()))
		return log_warn(-ENOMEM, "libevent");
	signal(SIGPIPE, SIG_IGN);
	nofile_raise(&d->opt);
	if ((r = add_signal(d, &d->sigterm, SIGTERM)) < 0 ||
	    (r = add_signal(d, &d->sigint, SIGINT)) < 0 ||
	    (r = add_signal(d, &d->sighup, SIGHUP)) < 0)
		return r;
	svc_fds_init();
	if ((r = take_locks(d)) < 0)
		return r;
	if ((r = open_store(d)) < 0)
		return r;
	/* sockmaps keep their own pins in the store's bpffs (sockmap/sm.c) */
	if (d->opt.fdstore)
		log_info("--store=fdstore: no sockmaps (they need --store=bpffs)");
	else if ((r = sockmaps_start(&d->srv, d->opt.state_dir, &d->opt.sm_limits)) < 0)
		return r;
	if ((r = obj_keep_proc_fd()) < 0)
		log_warn(r, "opening /proc/self/fd (pins identify fds the slow way)");
	/* one worker: loads are rare, and the mount's dumps have their own */
	if ((r = workers_start(&d->srv.workers, d->srv.base, 1)) < 0)
		return log_warn(r, "starting the worker thread");
	d->srv.load_group_set = d->opt.load_group_set;
	d->srv.load_group = d->opt.load_group;
	if ((r = server_listen(&d->srv, d->opt.socket_path)) < 0)
		return log_warn(r, "listening on %s", d->opt.socket_path);
	log_info("listening on %s", d->opt.socket_path);
	if (d->opt.mount_dir) {
		if ((r = mkdir_p(d->opt.mount_dir, 0755)) < 0)
			return log_warn(r, "mount point %s", d->opt.mount_dir);
		if ((r = fsx_start(&d->fsx, d->srv.base, d->srv.ns, d->opt.mount_dir,
				   d->opt.state_dir)) < 0)
			return log_warn(r, "mounting on %s", d->opt.mount_dir);
		fsx_set_note(d->fsx, sockmap_note, &d->srv);
		if ((r = refuse_own_mount(d->opt.mount_dir)) < 0)
			return log_warn(r, "finding our mount on %s", d->opt.mount_dir);
		log_info("mounted on %s", d->opt.mount_dir);
	}
	svc_close_rest();
	return 0;
}

static void stop(struct daemon *d)
{
	ready_stop(d);
	status_stop(d);
	drain_stop(d);
	if (d->fsx)
		fsx_stop(d->fsx);
	server_shutdown(&d->srv);
	/* after the connections (their jobs are orphaned: nothing is pinned),
	 * before the namespace */
	workers_stop(d->srv.workers);
	sockmaps_stop(&d->srv);
	if (d->srv.ns)
		ns_close(d->srv.ns);
	if (d->sigterm)
		event_free(d->sigterm);
	if (d->sigint)
		event_free(d->sigint);
	if (d->sighup)
		event_free(d->sighup);
	if (d->srv.base)
		event_base_free(d->srv.base);
	/* last: the store is closed and the socket gone */
	if (d->socket_lock >= 0)
		close(d->socket_lock);
	if (d->state_lock >= 0)
		close(d->state_lock);
	options_free(&d->opt);
}

/* A daemon keeps no terminal or pipe of its caller open, except stderr,
 * where it logs (besides syslog). */
static int detach_stdio(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	return 0;
}

/* Fork into the background; the parent exits once the child is ready
 * (it reads one byte from the pipe) or failed (EOF). */
static int background(int *ready_fd)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	if ((pid = fork()) < 0)
		return -errno;
	if (pid > 0) {
		close(p[1]);
		exit(read(p[0], &c, 1) == 1 ? EXIT_SUCCESS : EXIT_FAILURE);
	}
	close(p[0]);
	setsid();
	*ready_fd = p[1];
	return detach_stdio();
}

/* The loop, from READY to the end of the drain. */
static int run(struct daemon *d)
{
	int r;

	if ((r = status_start(d)) < 0 || (r = ready_start(d)) < 0)
		return log_warn(r, "starting");
	r = event_base_dispatch(d->srv.base) < 0 ? -EIO : d->exit_err;
	if (!d->drain_ev)       /* a drain said it already */
		svc_notify("STOPPING=1");
	return r;
}

int main(int argc, char **argv)
{
	struct daemon d = { .argc = argc, .argv = argv, .parent_fd = -1,
			    .state_lock = -1, .socket_lock = -1 };
	int r;

	if ((r = options_parse(&d.opt, argc, argv)) != 0)
		return r > 0 ? EXIT_SUCCESS : 2;
	log_init(d.opt.log_level, !d.opt.foreground);
	if (d.opt.log_file && (r = log_open_file(d.opt.log_file)) < 0) {
		log_warn(r, "log file %s", d.opt.log_file);
		return EXIT_FAILURE;
	}
	if (!d.opt.foreground && background(&d.parent_fd) < 0)
		return EXIT_FAILURE;
	umask(022);
	r = start(&d);
	if (r == 0)
		r = run(&d);
	stop(&d);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
