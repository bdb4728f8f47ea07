/* fs/fuse_session.c: the FUSE face's lifecycle: mounting (over a stale
 * mount a killed daemon left), the session fd as a non-blocking event on
 * the daemon's loop, connection setup (init), and the unmount at stop. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <event2/event.h>

#include "fs/fuse.h"
#include "fs/fuse_int.h"

/* Requests served per wakeup before the loop's other events (the RPC
 * socket) get their turn; the event is level-triggered, so the rest of the
 * queue is served on the next pass. */
#define FSX_BATCH 256
/* Stale mounts stacked on the mount point that start clears. */
#define FSX_STALE_MAX 8

/* A killed daemon leaves its mount behind with a dead connection: stat
 * fails with ENOTCONN. Detach it so the new mount is the one seen. */
static int fsx_clear_stale(const char *dir)
{
	struct stat st;
	int i;

	for (i = 0; i < FSX_STALE_MAX; i++) {
		if (stat(dir, &st) == 0)
			return 0;
		if (errno != ENOTCONN)
			return -errno;
		if (umount2(dir, MNT_DETACH | UMOUNT_NOFOLLOW) == -1)
			return -errno;
	}
	return -EBUSY;
}

static void fsx_want(struct fuse_conn_info *conn, unsigned cap, bool on)
{
	if (!on)
		conn->want &= ~cap;
	else if (conn->capable & cap)
		conn->want |= cap;
}

void fsx_init(void *userdata, struct fuse_conn_info *conn)
{
	/* ls -l stats every entry it lists: always send names with their
	 * attributes (AUTO would drop to plain readdir after one chunk). */
	fsx_want(conn, FUSE_CAP_READDIRPLUS, true);
	fsx_want(conn, FUSE_CAP_READDIRPLUS_AUTO, false);
	/* ns applies the caller's umask itself, as for the RPC. */
	fsx_want(conn, FUSE_CAP_DONT_MASK, true);
	/* Reads come from spool files: splice them to the device, but never
	 * let the kernel steal (move) pages a later read may want again. */
	fsx_want(conn, FUSE_CAP_SPLICE_WRITE, true);
	fsx_want(conn, FUSE_CAP_SPLICE_MOVE, false);
	/* Requests are small: one reusable buffer, no pipe per request. */
	fsx_want(conn, FUSE_CAP_SPLICE_READ, false);
	/* O_TRUNC then reaches open, which refuses it like a write open. */
	fsx_want(conn, FUSE_CAP_ATOMIC_O_TRUNC, true);
	/* A symlink's target never changes: a new symlink replaces it. */
	fsx_want(conn, FUSE_CAP_CACHE_SYMLINKS, true);
	/* max_write stays at libfuse's largest although nothing is written:
	 * libfuse derives max_pages from it, and max_pages bounds every read
	 * and readdir reply, so cat and ls take few round trips. Reads are
	 * direct: no readahead. */
	conn->max_readahead = 0;
}

static void fsx_session_lost(struct fsx *fsx, int r)
{
	event_del(fsx->ev);
	fprintf(stderr, "bpfpind: fuse: %s: %s\n", fsx->dir,
		r ? strerror(-r) : "unmounted behind our back");
}

static void fsx_on_request(evutil_socket_t fd, short what, void *arg)
{
	struct fsx *fsx = arg;
	int i, r;

	for (i = 0; i < FSX_BATCH; i++) {
		r = fuse_session_receive_buf(fsx->se, &fsx->buf);
		if (r == -EINTR)
			continue;
		if (r == -EAGAIN)
			break;
		if (r <= 0) {
			fsx_session_lost(fsx, r);
			break;
		}
		fuse_session_process_buf(fsx->se, &fsx->buf);
		fsx_answer_interrupted(fsx);
	}
	ns_flush(fsx->ns);      /* the replies are sent: the side log's lines */
}

static int fsx_mount(struct fsx *fsx)
{
	char name[] = "bpfpind", o[] = "-o",
	     opts[] = "allow_other,default_permissions,fsname=bpfpin,"
		      "subtype=bpfpin";
	char *argv[] = { name, o, opts, NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);

	fsx->se = fuse_session_new(&args, &fsx_ops, sizeof(fsx_ops), fsx);
	fuse_opt_free_args(&args);
	if (!fsx->se)
		return -ENOMEM;
	errno = 0;
	if (fuse_session_mount(fsx->se, fsx->dir) == -1)
		return errno ? -errno : -EIO;
	return 0;
}

static int fsx_listen(struct fsx *fsx, struct event_base *base)
{
	int fd = fuse_session_fd(fsx->se);
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		return -errno;
	fsx->ev = event_new(base, fd, EV_READ | EV_PERSIST, fsx_on_request,
			    fsx);
	if (!fsx->ev || event_add(fsx->ev, NULL) == -1)
		return -ENOMEM;
	return 0;
}

int fsx_start(struct fsx **out, struct event_base *base, struct ns *ns,
	      const char *dir, const char *spool_dir)
{
	struct fsx *fsx;
	int r;

	fsx = calloc(1, sizeof(*fsx));
	if (!fsx)
		return -ENOMEM;
	fsx->ns = ns;
	LIST_INIT(&fsx->snaps);
	LIST_INIT(&fsx->waiting);
	TAILQ_INIT(&fsx->intr);
	fsx->dir = strdup(dir);
	fsx->spool_dir = strdup(spool_dir);
	r = fsx->dir && fsx->spool_dir ? fsx_clear_stale(dir) : -ENOMEM;
	if (r == 0)
		r = fsx_files_init(fsx, base);
	if (r == 0)
		r = fsx_mount(fsx);
	if (r == 0)
		r = workers_start(&fsx->workers, base, FSX_NWORKERS);
	if (r == 0)
		r = fsx_listen(fsx, base);
	if (r < 0) {
		fsx_stop(fsx);
		return r;
	}
	*out = fsx;
	return 0;
}

void fsx_stop(struct fsx *fsx)
{
	if (!fsx)
		return;
	if (fsx->ev)
		event_free(fsx->ev);
	/* Running dumps end and reads parked on them get their reply now,
	 * while the session can carry it. */
	if (fsx->workers)
		workers_stop(fsx->workers);
	if (fsx->se) {
		/* As root, libfuse closes the device first (no request can
		 * block the unmount) and then detaches the mount with
		 * umount2(MNT_DETACH): a shell cd'd into it does not stop us;
		 * it sees ENOTCONN, and the mount goes when it leaves. */
		fuse_session_unmount(fsx->se);
		fuse_session_destroy(fsx->se);
		ns_forget_all(fsx->ns);
	}
	fsx_files_free(fsx);
	free(fsx->buf.mem);
	free(fsx->spool_dir);
	free(fsx->dir);
	free(fsx);
}
