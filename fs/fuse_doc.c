/* fs/fuse_doc.c: the document of an open pin as one byte range over the
 * spool and the spill files of a dump's later parts. Parts are handed to
 * the snapshot rather than copied into the spool: a million-entry dump
 * spills about half its bytes, and copying them cost 30 ms of the
 * ~300 ms a read of the mount takes. */
#include "config.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/fuse_doc.h"

int fsx_doc_take_part(void *doc, int fd, off_t off, off_t len)
{
	struct fsx_doc *d = doc;
	unsigned n = atomic_load_explicit(&d->nparts, memory_order_relaxed);
	struct stat st;

	if (n >= sizeof(d->parts) / sizeof(d->parts[0])) {
		close(fd);
		return -EOVERFLOW;
	}
	if (fstat(d->spool, &st) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	d->parts[n] = (struct fsx_part){ .at = st.st_size, .fd = fd,
					 .off = off, .len = len };
	atomic_store_explicit(&d->nparts, n + 1, memory_order_release);
	return 0;
}

int fsx_doc_view(struct fsx_doc *d, off_t spool_len, struct fsx_view *v)
{
	struct stat st;

	v->nparts = atomic_load_explicit(&d->nparts, memory_order_acquire);
	if (spool_len < 0) {
		if (fstat(d->spool, &st) < 0)
			return -errno;
		spool_len = st.st_size;
	}
	v->spool_len = spool_len;
	v->len = spool_len;
	for (unsigned i = 0; i < v->nparts; i++)
		v->len += d->parts[i].len;
	return 0;
}

void fsx_doc_locate(const struct fsx_doc *d, const struct fsx_view *v,
		    off_t pos, int *fd, off_t *at, off_t *run)
{
	off_t base = 0, from = 0;

	for (unsigned i = 0; i < v->nparts; i++) {
		const struct fsx_part *p = &d->parts[i];

		if (pos < base + (p->at - from)) {
			*fd = d->spool;
			*at = from + (pos - base);
			*run = p->at - *at;
			return;
		}
		base += p->at - from;
		if (pos < base + p->len) {
			*fd = p->fd;
			*at = p->off + (pos - base);
			*run = p->off + p->len - *at;
			return;
		}
		base += p->len;
		from = p->at;
	}
	*fd = d->spool;
	*at = from + (pos - base);
	*run = v->spool_len - *at;
}

void fsx_doc_close(struct fsx_doc *d)
{
	unsigned n = atomic_load(&d->nparts);

	for (unsigned i = 0; i < n; i++)
		close(d->parts[i].fd);
	if (d->spool >= 0)
		close(d->spool);
	d->spool = -1;
	atomic_store(&d->nparts, 0);
}
