/* fs/store_fd_log.c: the fd store's state file: what no fd carries (the
 * names, owners, modes, times, symlinks, directories) as a snapshot
 * (STATE/fdstore.state) and a journal of the changes since
 * (STATE/fdstore.journal). Each change is appended and fsync'd before the
 * namespace replies; the snapshot is rewritten whole (write, fsync,
 * rename, fsync of the directory) once the journal outgrows the tree.
 *
 * Records are framed: a 4-byte length, a 4-byte FNV-1a of the payload
 * (both little endian), the payload: ASCII fields separated by spaces, a
 * NUL, then the record's paths, each NUL-terminated (a name holds any byte
 * but NUL and '/'). A torn or damaged record ends the file: records are
 * only ever appended. Both files open with a header naming the snapshot's
 * generation and the boot: a journal of another generation (a crash
 * between the two renames of a compaction) is ignored; a state of another
 * boot describes objects the reboot destroyed and is thrown away, as a
 * reboot empties a bpffs. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs/store_fd_int.h"

#define FDL_COMPACT_MIN 4096        /* journal records before a snapshot */

uint32_t fdl_sum(const char *p, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)p[i]) * 16777619u;
	return h;
}

static void put32(char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (char)(v >> (8 * i));
}

/* A record: head (the fields), then up to two strings. Returns its
 * framed length in buf (FDL_REC_MAX + 8), or -ENAMETOOLONG. */
static int frame(char *buf, const char *head, const char *s1, const char *s2)
{
	size_t hl = strlen(head) + 1, l1 = s1 ? strlen(s1) + 1 : 0,
	       l2 = s2 ? strlen(s2) + 1 : 0, len = hl + l1 + l2;

	if (len > FDL_REC_MAX)
		return -ENAMETOOLONG;
	memcpy(buf + 8, head, hl);
	if (s1)
		memcpy(buf + 8 + hl, s1, l1);
	if (s2)
		memcpy(buf + 8 + hl + l1, s2, l2);
	put32(buf, (uint32_t)len);
	put32(buf + 4, fdl_sum(buf + 8, len));
	return (int)(len + 8);
}

/* Appended whole and fsync'd, or not at all (cut back on failure). */
static int append(struct store_fd *f, const char *head, const char *s1,
		  const char *s2)
{
	char buf[FDL_REC_MAX + 8];
	int len = frame(buf, head, s1, s2);
	off_t end;

	if (len < 0)
		return len;
	if (f->jfd < 0)         /* a compaction failed half way: again */
		fdl_maybe_compact(f);
	if (f->jfd < 0)
		return -EIO;
	if ((end = lseek(f->jfd, 0, SEEK_END)) < 0)
		return -errno;
	if (write(f->jfd, buf, (size_t)len) != len || fdatasync(f->jfd) < 0) {
		int r = errno ? -errno : -EIO;

		if (ftruncate(f->jfd, end) < 0)
			fds_log(f, "state journal %s: cannot cut back a failed "
				"record: %s", f->journal, strerror(errno));
		return r;
	}
	f->jrecs++;
	return 0;
}

#define TS(t) (long long)(t).tv_sec, (long)(t).tv_nsec

static void node_head(char *head, size_t size, const struct fdn *n)
{
	const struct fdo *o = n->obj;

	snprintf(head, size, "C %" PRIu64 " %o %u %u %lld %ld %lld %ld "
		 "%lld %ld %u %u %" PRIu64, n->ino, (unsigned)n->mode,
		 (unsigned)n->uid, (unsigned)n->gid, TS(n->atime), TS(n->mtime),
		 TS(n->ctime), o ? o->kind : 0, o ? o->id : 0, o ? o->num : 0);
}

int fdl_create(struct store_fd *f, const char *path, const struct fdn *n)
{
	char head[256];

	node_head(head, sizeof(head), n);
	return append(f, head, path, n->target ? n->target : "");
}

int fdl_attr(struct store_fd *f, const char *path, const struct store_attr *a,
	     const struct timespec *now)
{
	char head[256];

	snprintf(head, sizeof(head), "A %u %u %u %o %lld %ld %lld %ld %lld %ld",
		 a->what, (unsigned)a->uid, (unsigned)a->gid,
		 (unsigned)(a->mode & 07777), TS(a->ts[0]), TS(a->ts[1]),
		 TS(*now));
	return append(f, head, path, NULL);
}

int fdl_remove(struct store_fd *f, const char *path, bool dir,
	       const struct timespec *now)
{
	char head[64];

	snprintf(head, sizeof(head), "%c %lld %ld", dir ? 'D' : 'U', TS(*now));
	return append(f, head, path, NULL);
}

int fdl_rename(struct store_fd *f, const char *from, const char *to,
	       unsigned flags, const struct timespec *now)
{
	char head[64];

	snprintf(head, sizeof(head), "R %u %lld %ld", flags, TS(*now));
	return append(f, head, from, to);
}

int fdl_link(struct store_fd *f, uint64_t ino, const char *to,
	     const struct timespec *now)
{
	char head[64];

	snprintf(head, sizeof(head), "I %" PRIu64 " %lld %ld", ino, TS(*now));
	return append(f, head, to, NULL);
}

static int put(FILE *out, const char *head, const char *s1, const char *s2)
{
	char buf[FDL_REC_MAX + 8];
	int len = frame(buf, head, s1, s2);

	if (len < 0)
		return len;
	return fwrite(buf, 1, (size_t)len, out) == (size_t)len ? 0 : -EIO;
}

static int put_header(FILE *out, const struct store_fd *f, uint64_t gen)
{
	char head[128];

	snprintf(head, sizeof(head), "H %d %" PRIu64 " %" PRIu64 " %" PRIu64
		 " %s", FDL_VERSION, gen, f->next_ino, f->next_obj, f->boot_id);
	return put(out, head, NULL, NULL);
}

static int put_node(FILE *out, const char *path, const struct fdn *n)
{
	char head[256];

	node_head(head, sizeof(head), n);
	return put(out, head, path, n->target ? n->target : "");
}

struct snap {
	FILE *out;
	uint64_t mark;
};

/* A node's first name carries it whole, the others link to it. */
static int snap_entry(void *arg, struct fdd *d, const char *path, void **dir,
		      void *parent)
{
	struct snap *s = arg;
	char head[64];

	(void)parent;
	*dir = NULL;
	if (d->node->mark != s->mark) {
		d->node->mark = s->mark;
		return put_node(s->out, path, d->node);
	}
	snprintf(head, sizeof(head), "I %" PRIu64 " 0 0", d->node->ino);
	return put(s->out, head, path, NULL);
}

static int fsync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, r;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1,
		 slash ? path : ".");
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	r = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return r;
}

/* path rewritten whole: path.tmp written, fsync'd, renamed over path. */
static int write_whole(struct store_fd *f, const char *path, uint64_t gen,
		       bool tree)
{
	char tmp[PATH_MAX + 8];
	struct snap s = { .mark = gen };
	int fd, r;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0 || !(s.out = fdopen(fd, "w"))) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		return r;
	}
	r = put_header(s.out, f, gen);
	if (r == 0 && tree)
		r = put_node(s.out, "", f->root);
	if (r == 0 && tree)
		r = fdm_walk(f, NULL, snap_entry, &s);
	if (r == 0 && (fflush(s.out) != 0 || fsync(fileno(s.out)) < 0))
		r = -errno;
	if (fclose(s.out) != 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r < 0 ? r : fsync_dir(path);
}

int fdl_compact(struct store_fd *f)
{
	uint64_t gen = f->gen + 1;
	int r = write_whole(f, f->state, gen, true), fd;

	if (r < 0)
		return r;
	/* The snapshot is the state now: the old journal extends the old
	 * one, and nothing may be appended to it any more. */
	f->gen = gen;
	if (f->jfd >= 0)
		close(f->jfd);
	f->jfd = -1;
	r = write_whole(f, f->journal, gen, false);
	if (r < 0)
		return r;
	fd = open(f->journal, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	f->jfd = fd;
	f->jrecs = 0;
	return 0;
}

void fdl_maybe_compact(struct store_fd *f)
{
	int r;

	if (f->jfd >= 0 && (f->jrecs < FDL_COMPACT_MIN || f->jrecs < f->icount))
		return;
	if ((r = fdl_compact(f)) < 0)
		fds_log(f, "state file %s: cannot write a new snapshot: %s",
			f->state, strerror(-r));
}
