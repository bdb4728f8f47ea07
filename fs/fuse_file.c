/* fs/fuse_file.c: reading a pin through FUSE. Open takes a snapshot: a
 * worker writes the map's JSON dump (or the program's or link's info) into
 * an unlinked spool file in the state dir, so each reader sees one
 * consistent document, kept in page cache the kernel can reclaim. Open is
 * answered at once and reads stream behind the worker: what the spool
 * holds already is spliced; a read past it is parked until the worker has
 * written more or is done. dump_map writes the spool itself (256 KiB per
 * write(2)), so the worker has no hook to announce each chunk: a 1 ms
 * timer, armed only while some read is parked, re-checks the spool's size
 * (about one chunk of dump per tick), and the job's completion answers the
 * rest at once. A large hash map's dump is written by several threads:
 * the later parts are read from their own spill files where they belong
 * (fs/fuse_doc.c). Write opens are refused: pins are made by RPC. Each
 * snapshot counts in its opener's quota (ns_snapshot_hold) until freed. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "bpf/dump.h"
#include "bpf/obj.h"
#include "fs/fuse_doc.h"
#include "fs/fuse_int.h"

#define FSX_TICK_US 1000

/* An open pin's document. run() on a worker owns obj_fd and size and
 * writes fd; the loop thread owns the rest and reads fd behind it. */
struct fsx_snap {
	struct job job;                 /* first: run() and done() cast back */
	struct fsx *fsx;
	LIST_ENTRY(fsx_snap) link;      /* on fsx->snaps until freed */
	LIST_ENTRY(fsx_snap) waiting;   /* on fsx->waiting while parked */
	TAILQ_HEAD(, fsx_read) parked;  /* reads past what fd holds yet */
	struct obj_ident ident;
	uid_t uid;                      /* who opened it: held in its quota */
	int obj_fd;
	char *note;                     /* fsx_note_fn's document, or NULL */
	struct fsx_doc doc;             /* the spool only grows */
	off_t size;                     /* the spool's, once done */
	int err;                        /* the dump's: -EINTR until it ran */
	bool done;                      /* size and err are final */
	bool released;                  /* by the kernel: free once done */
};

/* A read that asked for bytes the worker has not written yet. */
struct fsx_read {
	TAILQ_ENTRY(fsx_read) link;     /* on snap->parked, then fsx->intr */
	struct fsx_snap *snap;
	fuse_req_t req;
	size_t size;
	off_t off;
	bool interrupted;
};

static void fsx_snap_free(struct fsx_snap *snap)
{
	fsx_doc_close(&snap->doc);
	if (snap->obj_fd >= 0)
		close(snap->obj_fd);
	LIST_REMOVE(snap, link);
	snap->fsx->nsnaps--;
	ns_snapshot_drop(snap->fsx->ns, snap->uid);
	free(snap->note);
	free(snap);
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

	if (fstat(snap->doc.spool, &st) < 0)
		return -errno;
	if (st.st_size > 0 &&
	    pread(snap->doc.spool, &last, 1, st.st_size - 1) != 1)
		return -EIO;
	if (last != '\n')
		r = fsx_write_all(snap->doc.spool, "\n", 1, st.st_size++);
	if (r == 0)
		snap->size = st.st_size;
	return r;
}

static void fsx_snap_run(struct job *job)
{
	struct fsx_snap *snap = (struct fsx_snap *)job;
	struct dump_opts opts = { .format = DUMP_JSON, .kallsyms = 1,
				  .spill_dir = snap->fsx->spool_dir,
				  .take_part = fsx_doc_take_part,
				  .take_arg = &snap->doc };
	int r;

	if (snap->note)
		r = fsx_write_all(snap->doc.spool, snap->note, strlen(snap->note), 0);
	else if (snap->ident.kind == OBJ_MAP)
		r = dump_map(snap->obj_fd, snap->doc.spool, &opts);
	else
		r = fsx_write_info(snap->obj_fd, &snap->ident, snap->doc.spool);
	if (r >= 0)
		r = fsx_snap_seal(snap);
	close(snap->obj_fd);
	snap->obj_fd = -1;
	snap->err = r < 0 ? r : 0;
}

/* Bytes of the document readable now: all of it once done, else what the
 * worker has written so far. A failed dump reads as its error. */
static int fsx_snap_view(struct fsx_snap *snap, struct fsx_view *v)
{
	return fsx_doc_view(&snap->doc, snap->done ? snap->size : -1, v);
}

/* Up to the end of the file that holds off: a short read, which direct_io
 * passes on as it is, and the reader reads on. */
static void fsx_reply_range(fuse_req_t req, const struct fsx_snap *snap,
			    size_t size, off_t off, const struct fsx_view *v)
{
	struct fuse_bufvec buf = FUSE_BUFVEC_INIT(0);
	off_t run;

	fsx_doc_locate(&snap->doc, v, off, &buf.buf[0].fd, &buf.buf[0].pos,
		       &run);
	buf.buf[0].size = (size_t)run < size ? (size_t)run : size;
	buf.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	fuse_reply_data(req, &buf, 0);
}

/* Answer a read if it can be now: with the bytes written past off (a
 * short read is fine with direct_io), or at the end with EOF or the
 * dump's error. false: it has to wait for more. */
static bool fsx_read_answer(const struct fsx_snap *snap, fuse_req_t req,
			    size_t size, off_t off, const struct fsx_view *v)
{
	if (off < v->len)
		fsx_reply_range(req, snap, size, off, v);
	else if (!snap->done)
		return false;
	else if (snap->err < 0)
		fuse_reply_err(req, -snap->err);
	else
		fuse_reply_buf(req, NULL, 0);
	return true;
}

static void fsx_tick_arm(struct fsx *fsx)
{
	static const struct timeval tick = { 0, FSX_TICK_US };

	/* Should it fail, the parked reads still end with their dump. */
	if (!evtimer_pending(fsx->tick, NULL))
		evtimer_add(fsx->tick, &tick);
}

static void fsx_read_unpark(struct fsx_read *rd)
{
	struct fsx_snap *snap = rd->snap;

	TAILQ_REMOVE(&snap->parked, rd, link);
	if (TAILQ_EMPTY(&snap->parked))
		LIST_REMOVE(snap, waiting);
}

/* Called by libfuse with the request's lock held, where replying would
 * free the request under it: queue the answer for after the request that
 * carried the interrupt (fsx_answer_interrupted). */
static void fsx_read_interrupt(fuse_req_t req, void *data)
{
	struct fsx_read *rd = data;

	if (rd->interrupted)
		return;
	rd->interrupted = true;
	fsx_read_unpark(rd);
	TAILQ_INSERT_TAIL(&rd->snap->fsx->intr, rd, link);
}

void fsx_answer_interrupted(struct fsx *fsx)
{
	struct fsx_read *rd;

	while ((rd = TAILQ_FIRST(&fsx->intr))) {
		TAILQ_REMOVE(&fsx->intr, rd, link);
		fuse_reply_err(rd->req, EINTR);
		free(rd);
	}
}

static int fsx_read_park(struct fsx_snap *snap, fuse_req_t req, size_t size,
			 off_t off)
{
	struct fsx_read *rd = calloc(1, sizeof(*rd));

	if (!rd)
		return -ENOMEM;
	rd->snap = snap;
	rd->req = req;
	rd->size = size;
	rd->off = off;
	if (TAILQ_EMPTY(&snap->parked))
		LIST_INSERT_HEAD(&snap->fsx->waiting, snap, waiting);
	TAILQ_INSERT_TAIL(&snap->parked, rd, link);
	fsx_tick_arm(snap->fsx);
	/* Runs fsx_read_interrupt at once if the interrupt came first. */
	fuse_req_interrupt_func(req, fsx_read_interrupt, rd);
	return 0;
}

/* Answer every parked read of snap that can be answered now. */
static void fsx_snap_serve(struct fsx_snap *snap)
{
	struct fsx_read *rd, *next;
	struct fsx_view v = { 0 };
	int r = fsx_snap_view(snap, &v);

	for (rd = TAILQ_FIRST(&snap->parked); rd; rd = next) {
		next = TAILQ_NEXT(rd, link);
		if (r < 0)
			fuse_reply_err(rd->req, -r);
		else if (!fsx_read_answer(snap, rd->req, rd->size, rd->off,
					  &v))
			continue;
		fsx_read_unpark(rd);
		free(rd);
	}
}

static void fsx_on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct fsx *fsx = arg;
	struct fsx_snap *snap, *next;

	for (snap = LIST_FIRST(&fsx->waiting); snap; snap = next) {
		next = LIST_NEXT(snap, waiting);
		fsx_snap_serve(snap);
	}
	if (!LIST_EMPTY(&fsx->waiting))
		fsx_tick_arm(fsx);
}

static void fsx_snap_done(struct job *job)
{
	struct fsx_snap *snap = (struct fsx_snap *)job;

	/* A job skipped at stop still holds its object fd. */
	if (snap->obj_fd >= 0)
		close(snap->obj_fd);
	snap->obj_fd = -1;
	snap->done = true;
	if (snap->released)
		fsx_snap_free(snap);
	else
		fsx_snap_serve(snap);
}

/* The spool: page cache of an unlinked file in the state dir (mode 0700),
 * which the kernel may write back and reclaim, so a huge dump does not pin
 * RAM. Only where that filesystem has no O_TMPFILE (or the dir is gone) a
 * memfd takes its place: unswappable shared memory, hence the warning. */
static int fsx_spool_open(struct fsx *fsx)
{
	int fd = open(fsx->spool_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	int err = errno;

	if (fd >= 0)
		return fd;
	fd = memfd_create("bpfpin-read", MFD_CLOEXEC);
	if (fd >= 0 && !fsx->spool_in_memory) {
		fsx->spool_in_memory = true;
		fprintf(stderr, "bpfpind: fuse: no O_TMPFILE in %s (%s): "
			"reads of pins are spooled in memory\n",
			fsx->spool_dir, strerror(err));
	}
	return fd < 0 ? -errno : fd;
}

void fsx_set_note(struct fsx *fsx, fsx_note_fn fn, void *arg)
{
	fsx->note_fn = fn;
	fsx->note_arg = arg;
}

/* Who may read the pin, and how its object is opened, is ns_open_obj's
 * rule, the one the RPC's info obeys too. */
static int fsx_snap_new(struct fsx_snap **out, struct fsx *fsx,
			const struct ns_cred *cred, fuse_ino_t ino)
{
	struct fsx_snap *snap;
	struct ns_stat st;
	int r, fd;

	if (fsx->nsnaps >= FSX_SNAPS_MAX)
		return -ENFILE;
	r = ns_open_obj(fsx->ns, cred, NS_AT_INO(ino), NS_USE_SHOW, &fd, &st);
	if (r < 0)
		return r;
	if ((r = ns_snapshot_hold(fsx->ns, cred->uid)) < 0) {
		close(fd);
		return r;
	}
	if (!(snap = calloc(1, sizeof(*snap)))) {
		ns_snapshot_drop(fsx->ns, cred->uid);
		close(fd);
		return -ENOMEM;
	}
	snap->uid = cred->uid;
	snap->fsx = fsx;
	snap->ident = st.obj;
	snap->obj_fd = fd;              /* the snapshot's from here on */
	TAILQ_INIT(&snap->parked);
	LIST_INSERT_HEAD(&fsx->snaps, snap, link);
	fsx->nsnaps++;
	snap->doc.spool = r = fsx_spool_open(fsx);
	if (r < 0) {
		fsx_snap_free(snap);
		return r;
	}
	if (fsx->note_fn && st.obj.kind == OBJ_MAP)
		snap->note = fsx->note_fn(&st.obj, fsx->note_arg);
	snap->job.run = fsx_snap_run;
	snap->job.done = fsx_snap_done;
	snap->err = -EINTR;     /* a job skipped at stop keeps it */
	*out = snap;
	return 0;
}

/* bpffs refuses to open most pins at all (EIO); here reading is the point,
 * and writing is refused like on a read-only file. */
void fsx_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct ns_cred cred = fsx_cred(req);
	struct fsx_snap *snap;
	int r = -EACCES;

	if ((fi->flags & O_ACCMODE) == O_RDONLY && !(fi->flags & O_TRUNC))
		r = fsx_snap_new(&snap, fsx_of(req), &cred, ino);
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	fi->fh = (uintptr_t)snap;
	fi->direct_io = 1;
	fi->noflush = 1;
	/* The kernel releases only a file it got: else nobody will read. */
	if (fuse_reply_open(req, fi) != 0) {
		fsx_snap_free(snap);
		return;
	}
	workers_submit(snap->fsx->workers, &snap->job);
}

void fsx_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
	      struct fuse_file_info *fi)
{
	struct fsx_snap *snap = (struct fsx_snap *)(uintptr_t)fi->fh;
	struct fsx_view v;
	int r;

	r = fsx_snap_view(snap, &v);
	if (r == 0 && !fsx_read_answer(snap, req, size, off, &v))
		r = fsx_read_park(snap, req, size, off);
	if (r < 0)
		fuse_reply_err(req, -r);
}

/* The kernel sends no read of a file after its release. A dump still
 * running is left to finish: its done() frees the snapshot. */
void fsx_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fsx_snap *snap = (struct fsx_snap *)(uintptr_t)fi->fh;

	if (snap->done)
		fsx_snap_free(snap);
	else
		snap->released = true;
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

int fsx_files_init(struct fsx *fsx, struct event_base *base)
{
	fsx->tick = evtimer_new(base, fsx_on_tick, fsx);
	return fsx->tick ? 0 : -ENOMEM;
}

/* After workers_stop every job is done, so no read is parked. */
void fsx_files_free(struct fsx *fsx)
{
	while (!LIST_EMPTY(&fsx->snaps))
		fsx_snap_free(LIST_FIRST(&fsx->snaps));
	if (fsx->tick)
		event_free(fsx->tick);
	fsx->tick = NULL;
}
