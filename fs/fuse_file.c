/* fs/fuse_file.c: reading a pin through FUSE. Open takes a snapshot: a
 * worker writes the map's JSON dump (or the program's or link's info) into
 * a memfd, so each reader sees one consistent document; reads splice from
 * it; release frees it. Write opens are refused: pins are made by RPC. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bpf/dump.h"
#include "bpf/obj.h"
#include "fs/fuse_int.h"

/* An open waiting for its snapshot. The worker uses job, ident, obj_fd and
 * snap; the loop thread owns the rest. */
struct fsx_open {
	struct fsx_job job;
	struct fsx *fsx;
	fuse_req_t req;               /* NULL once answered */
	bool interrupted;
	TAILQ_ENTRY(fsx_open) intr;   /* on fsx->intr, to answer EINTR */
	struct fuse_file_info fi;
	struct obj_ident ident;
	int obj_fd;
	struct fsx_snap *snap;
};

static void fsx_snap_free(struct fsx *fsx, struct fsx_snap *snap)
{
	if (snap->fd >= 0)
		close(snap->fd);
	free(snap);
	fsx->nsnaps--;
}

static int fsx_write_all(int fd, const char *p, size_t n, off_t off)
{
	ssize_t w;

	while (n > 0) {
		w = pwrite(fd, p, n, off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= w;
		off += w;
	}
	return 0;
}

static int fsx_write_info(int fd, const struct obj_ident *ident, int out)
{
	struct json_object *info;
	const char *s;
	int r;

	info = obj_info_json(fd, ident);
	if (!info)
		return errno ? -errno : -EIO;
	s = json_object_to_json_string_ext(info, JSON_C_TO_STRING_PLAIN |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	r = s ? fsx_write_all(out, s, strlen(s), 0) : -ENOMEM;
	json_object_put(info);
	return r;
}

/* Text tools want the document to end with a newline. */
static int fsx_snap_seal(struct fsx_snap *snap)
{
	struct stat st;
	char last = 0;
	int r = 0;

	if (fstat(snap->fd, &st) < 0)
		return -errno;
	if (st.st_size > 0 && pread(snap->fd, &last, 1, st.st_size - 1) != 1)
		return -EIO;
	if (last != '\n')
		r = fsx_write_all(snap->fd, "\n", 1, st.st_size++);
	snap->size = st.st_size;
	return r;
}

static void fsx_open_run(struct fsx_job *job)
{
	struct fsx_open *op = (struct fsx_open *)job;
	struct dump_opts opts = { .format = DUMP_JSON, .kallsyms = 1 };
	struct fsx_snap *snap = op->snap;
	int r;

	snap->fd = memfd_create("bpfpin-read", MFD_CLOEXEC);
	if (snap->fd < 0)
		r = -errno;
	else if (op->ident.kind == OBJ_MAP)
		r = dump_map(op->obj_fd, snap->fd, &opts);
	else
		r = fsx_write_info(op->obj_fd, &op->ident, snap->fd);
	if (r >= 0)
		r = fsx_snap_seal(snap);
	close(op->obj_fd);
	op->obj_fd = -1;
	job->err = r < 0 ? r : 0;
}

static void fsx_open_done(struct fsx_job *job)
{
	struct fsx_open *op = (struct fsx_open *)job;
	struct fsx_snap *snap = op->snap;

	/* A job skipped at stop still holds its object fd. */
	if (op->obj_fd >= 0)
		close(op->obj_fd);
	if (op->req && job->err < 0) {
		fuse_reply_err(op->req, -job->err);
	} else if (op->req) {
		op->fi.fh = (uintptr_t)snap;
		op->fi.direct_io = 1;
		op->fi.noflush = 1;
		/* The kernel releases only a file it got: else free it here. */
		if (fuse_reply_open(op->req, &op->fi) == 0) {
			LIST_INSERT_HEAD(&op->fsx->snaps, snap, link);
			snap = NULL;
		}
	}
	if (snap)
		fsx_snap_free(op->fsx, snap);
	free(op);
}

/* Called by libfuse with the request's lock held, where replying would
 * free the request under it: queue the answer for after the request that
 * carried the interrupt (fsx_answer_interrupted). The dump runs on and is
 * dropped when done. */
static void fsx_open_interrupt(fuse_req_t req, void *data)
{
	struct fsx_open *op = data;

	if (op->interrupted)
		return;
	op->interrupted = true;
	TAILQ_INSERT_TAIL(&op->fsx->intr, op, intr);
}

void fsx_answer_interrupted(struct fsx *fsx)
{
	struct fsx_open *op;

	while ((op = TAILQ_FIRST(&fsx->intr))) {
		TAILQ_REMOVE(&fsx->intr, op, intr);
		if (op->req)
			fuse_reply_err(op->req, EINTR);
		op->req = NULL;
	}
}

static int fsx_open_new(struct fsx_open **out, fuse_req_t req, fuse_ino_t ino,
			const struct fuse_file_info *fi)
{
	struct fsx *fsx = fsx_of(req);
	struct fsx_open *op;
	struct ns_stat st;
	int r;

	if (fsx->nsnaps >= FSX_SNAPS_MAX)
		return -ENFILE;
	r = ns_stat_ino(fsx->ns, ino, &st);
	if (r < 0)
		return r;
	if (st.type != NS_PIN)
		return -EINVAL;
	op = calloc(1, sizeof(*op));
	if (op)
		op->snap = calloc(1, sizeof(*op->snap));
	if (!op || !op->snap) {
		free(op);
		return -ENOMEM;
	}
	op->snap->fd = -1;
	fsx->nsnaps++;
	/* The kernel opens programs and links read-write only. */
	r = ns_open_obj_ino(fsx->ns, ino,
			    st.obj.kind == OBJ_MAP ? O_RDONLY : O_RDWR,
			    &op->obj_fd);
	if (r < 0) {
		fsx_snap_free(fsx, op->snap);
		free(op);
		return r;
	}
	op->job.run = fsx_open_run;
	op->job.done = fsx_open_done;
	op->fsx = fsx;
	op->req = req;
	op->fi = *fi;
	op->ident = st.obj;
	*out = op;
	return 0;
}

/* bpffs refuses to open most pins at all (EIO); here reading is the point,
 * and writing is refused like on a read-only file. */
void fsx_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fsx_open *op;
	int r = -EACCES;

	if ((fi->flags & O_ACCMODE) == O_RDONLY && !(fi->flags & O_TRUNC))
		r = fsx_open_new(&op, req, ino, fi);
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	fuse_req_interrupt_func(req, fsx_open_interrupt, op);
	fsx_workers_submit(op->fsx->workers, &op->job);
}

void fsx_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
	      struct fuse_file_info *fi)
{
	struct fsx_snap *snap = (struct fsx_snap *)(uintptr_t)fi->fh;
	struct fuse_bufvec buf = FUSE_BUFVEC_INIT(0);

	if (off >= snap->size) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	buf.buf[0].size = (size_t)(snap->size - off) < size ?
			  (size_t)(snap->size - off) : size;
	buf.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	buf.buf[0].fd = snap->fd;
	buf.buf[0].pos = off;
	fuse_reply_data(req, &buf, 0);
}

void fsx_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fsx_snap *snap = (struct fsx_snap *)(uintptr_t)fi->fh;

	LIST_REMOVE(snap, link);
	fsx_snap_free(fsx_of(req), snap);
	fuse_reply_err(req, 0);
}

void fsx_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fuse_reply_err(req, 0);
}

void fsx_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
	       struct fuse_file_info *fi)
{
	fuse_reply_err(req, 0);
}

void fsx_snaps_free(struct fsx *fsx)
{
	struct fsx_snap *snap;

	while ((snap = LIST_FIRST(&fsx->snaps))) {
		LIST_REMOVE(snap, link);
		fsx_snap_free(fsx, snap);
	}
}
