/* fs/fuse_doc.h: the document an open pin reads as: the spool file the
 * worker writes, with the spill files of a dump's later parts (see
 * bpf/dump_par.c) spliced in where they belong instead of copied. */
#ifndef BPFPIN_FS_FUSE_DOC_H
#define BPFPIN_FS_FUSE_DOC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <sys/types.h>

#include "bpf/dump.h"

/* A later part of the dump: [off, off + len) of fd, following the first
 * `at` bytes of the spool (and the parts before it). */
struct fsx_part {
	off_t at;
	int fd;
	off_t off, len;
};

/* The worker appends to spool and adds parts; the loop thread reads
 * behind it. A part is written whole before nparts counts it. */
struct fsx_doc {
	int spool;
	struct fsx_part parts[DUMP_PARTS_MAX - 1];
	atomic_uint nparts;
};

/* What the loop thread may read now: the parts counted, the spool's
 * length (read after them, so every part's `at` is within it), and the
 * document's length that makes. */
struct fsx_view {
	unsigned nparts;
	off_t spool_len;
	off_t len;
};

/* Worker side: dump_opts.take_part with arg a struct fsx_doc. */
int fsx_doc_take_part(void *doc, int fd, off_t off, off_t len);
/* spool_len: the final length once the worker is done, or -1 to read it
 * with fstat while it writes. 0 or -errno. */
int fsx_doc_view(struct fsx_doc *d, off_t spool_len, struct fsx_view *v);
/* Where the document's byte pos is (pos < v->len): the fd, its offset
 * there, and how many bytes follow it in that file. */
void fsx_doc_locate(const struct fsx_doc *d, const struct fsx_view *v,
		    off_t pos, int *fd, off_t *at, off_t *run);
void fsx_doc_close(struct fsx_doc *d);

#endif
