/* fs/store_fd_load.c: reading the fd store's state file back at start
 * (its format: fs/store_fd_log.c): the snapshot's nodes, then the
 * journal's changes replayed with the very checks of a live change. The
 * file is the daemon's own, but nothing in it is trusted: every record is
 * bounded, checksummed and checked; one that does not apply is skipped
 * and logged, and the tree stays whole. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/store_fd_int.h"

struct rec {
	const char *head, *s1, *s2;    /* s1, s2: NULL when absent */
};

static uint32_t get32(const char *p)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v |= (uint32_t)(uint8_t)p[i] << (8 * i);
	return v;
}

/* 1 with *r, 0 at the end, -EBADMSG for a torn or damaged record. */
static int next_rec(const char *buf, size_t len, size_t *pos, struct rec *r)
{
	const char *p = buf + *pos, *end;
	uint32_t rl;

	if (*pos == len)
		return 0;
	if (len - *pos < 8)
		return -EBADMSG;
	rl = get32(p);
	if (rl == 0 || rl > FDL_REC_MAX || rl > len - *pos - 8 ||
	    fdl_sum(p + 8, rl) != get32(p + 4) || p[8 + rl - 1] != '\0')
		return -EBADMSG;
	end = p + 8 + rl;
	r->head = p + 8;
	r->s1 = r->head + strlen(r->head) + 1;
	r->s2 = r->s1 < end ? r->s1 + strlen(r->s1) + 1 : NULL;
	if (r->s1 >= end)
		r->s1 = NULL;
	if (r->s2 && r->s2 >= end)
		r->s2 = NULL;
	*pos += 8 + rl;
	return 1;
}

static bool ts_ok(const struct timespec *t, bool omit)
{
	return (t->tv_nsec >= 0 && t->tv_nsec <= 999999999) ||
	       (omit && t->tv_nsec == UTIME_OMIT);
}

struct made {
	struct fdn n;
	uint64_t ino, num;
	unsigned kind, id;
};

static int node_attrs(struct made *m, const char *head)
{
	unsigned mode, uid, gid;
	long long as, ms, cs;
	long an, mn, cn;
	mode_t type;

	if (sscanf(head, "C %" SCNu64 " %o %u %u %lld %ld %lld %ld %lld %ld "
		   "%u %u %" SCNu64, &m->ino, &mode, &uid, &gid, &as, &an, &ms,
		   &mn, &cs, &cn, &m->kind, &m->id, &m->num) != 13 || m->ino == 0)
		return -EINVAL;
	type = mode & S_IFMT;
	if ((type != S_IFDIR && type != S_IFREG && type != S_IFLNK) ||
	    mode & ~(unsigned)(S_IFMT | 07777) || m->kind > 3 ||
	    (type == S_IFREG) != (m->kind != 0 && m->num != 0) ||
	    (type != S_IFREG && (m->id || m->num)) ||
	    uid == (unsigned)-1 || gid == (unsigned)-1)
		return -EINVAL;
	m->n.mode = (mode_t)mode;
	m->n.uid = uid;
	m->n.gid = gid;
	m->n.atime = (struct timespec){ .tv_sec = as, .tv_nsec = an };
	m->n.mtime = (struct timespec){ .tv_sec = ms, .tv_nsec = mn };
	m->n.ctime = (struct timespec){ .tv_sec = cs, .tv_nsec = cn };
	return ts_ok(&m->n.atime, false) && ts_ok(&m->n.mtime, false) &&
	       ts_ok(&m->n.ctime, false) ? 0 : -EINVAL;
}

/* The object a pin's record names: one number, one object. */
static int attach(struct store_fd *f, struct fdn *n, const struct made *m)
{
	struct fdo *o = fdo_by_num(f, m->num);

	if (o && (o->kind != m->kind || o->id != m->id))
		return -EINVAL;
	if (!o && !(o = fdo_new(f, m->num, m->kind, m->id)))
		return -EINVAL;
	o->refs++;
	n->obj = o;
	return 0;
}

/* Names as a bpffs could hold them: no "." or "..". */
static bool name_ok(const char *path)
{
	const char *last = strrchr(path, '/');

	last = last ? last + 1 : path;
	return strcmp(last, ".") && strcmp(last, "..");
}

static struct fdn *new_node(struct store_fd *f, const struct rec *r,
			    const struct made *m, int *e)
{
	struct fdn *n = fdm_new(f, m->ino, m->n.mode);

	*e = n ? 0 : fdm_find_ino(f, m->ino) ? -EEXIST : -ENOMEM;
	if (n && S_ISLNK(m->n.mode) && !(n->target = strdup(r->s2)))
		*e = -ENOMEM;
	if (n && *e == 0 && S_ISREG(m->n.mode))
		*e = attach(f, n, m);
	if (n && *e < 0) {
		fdm_free(f, n);
		n = NULL;
	}
	return n;
}

static int do_create(struct store_fd *f, const struct rec *r, bool snap)
{
	struct made m = { 0 };
	struct fdn *n, *dir;
	struct fdd *d;
	int e = node_attrs(&m, r->head);

	if (e == 0 && (!r->s1 || !r->s2 ||
		       (S_ISLNK(m.n.mode) != (r->s2[0] != '\0'))))
		e = -EINVAL;
	if (e < 0)
		return e;
	if (!r->s1[0]) {                /* the root */
		if (m.ino != f->root->ino || !S_ISDIR(m.n.mode))
			return -EINVAL;
		n = f->root;
	} else {
		if (!name_ok(r->s1))
			return -EINVAL;
		if ((e = fdm_name_check(f, r->s1, &dir, &d)) < 0)
			return e;
		if (!(n = new_node(f, r, &m, &e))) {
			free(d);
			return e;
		}
		fdm_name_add(f, dir, d, n, snap ? NULL : &m.n.ctime);
	}
	n->mode = m.n.mode;
	n->uid = m.n.uid;
	n->gid = m.n.gid;
	n->atime = m.n.atime;
	n->mtime = m.n.mtime;
	n->ctime = m.n.ctime;
	return 0;
}

static int scan_now(const char *fields, struct timespec *now)
{
	long long s;
	long ns;

	if (sscanf(fields, "%lld %ld", &s, &ns) != 2)
		return -EINVAL;
	*now = (struct timespec){ .tv_sec = s, .tv_nsec = ns };
	return ts_ok(now, false) ? 0 : -EINVAL;
}

static int do_attr(struct store_fd *f, const struct rec *r)
{
	unsigned what, uid, gid, mode;
	long long as, ms, ns;
	long an, mn, nn;
	struct store_attr a;
	struct timespec now;
	struct fdn *n;

	if (sscanf(r->head, "A %u %u %u %o %lld %ld %lld %ld %lld %ld", &what,
		   &uid, &gid, &mode, &as, &an, &ms, &mn, &ns, &nn) != 10 ||
	    !r->s1 || what & ~7u || mode & ~07777u)
		return -EINVAL;
	a = (struct store_attr){ .what = what, .uid = uid, .gid = gid,
				 .mode = mode,
				 .ts = { { .tv_sec = as, .tv_nsec = an },
					 { .tv_sec = ms, .tv_nsec = mn } } };
	now = (struct timespec){ .tv_sec = ns, .tv_nsec = nn };
	if (!ts_ok(&a.ts[0], true) || !ts_ok(&a.ts[1], true) ||
	    !ts_ok(&now, false))
		return -EINVAL;
	if (!(n = fdm_node(f, r->s1)))
		return -ENOENT;
	fdm_attr_apply(n, &a, &now);
	return 0;
}

static int do_remove(struct store_fd *f, const struct rec *r)
{
	struct timespec now;
	struct fdd *d;
	struct fdn *gone;
	int e = r->s1 ? scan_now(r->head + 1, &now) : -EINVAL;

	if (e == 0)
		e = fdm_unlink_check(f, r->s1, r->head[0] == 'D', &d);
	if (e < 0)
		return e;
	if ((gone = fdm_name_del(f, d, &now)))
		fdm_free(f, gone);
	return 0;
}

static int do_rename(struct store_fd *f, const struct rec *r)
{
	struct fdm_rename rn;
	struct timespec now;
	struct fdn *gone;
	unsigned flags;
	char sp;
	int e;

	if (sscanf(r->head, "R %u%c", &flags, &sp) != 2 || sp != ' ' ||
	    !r->s1 || !r->s2 || flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE) ||
	    flags == (RENAME_NOREPLACE | RENAME_EXCHANGE) || !name_ok(r->s2))
		return -EINVAL;
	if ((e = scan_now(strchr(r->head + 2, ' ') + 1, &now)) < 0 ||
	    (e = fdm_rename_check(f, r->s1, r->s2, flags, &rn)) < 0)
		return e;
	if ((gone = fdm_rename_apply(f, &rn, &now)))
		fdm_free(f, gone);
	return 0;
}

static int do_link(struct store_fd *f, const struct rec *r, bool snap)
{
	struct timespec now;
	struct fdn *n, *dir;
	struct fdd *d;
	uint64_t ino;
	int off = 0, e;

	if (sscanf(r->head, "I %" SCNu64 " %n", &ino, &off) != 1 || !off ||
	    !r->s1 || !name_ok(r->s1))
		return -EINVAL;
	if (!(n = fdm_find_ino(f, ino)) || S_ISDIR(n->mode))
		return -EINVAL;
	if ((!snap && (e = scan_now(r->head + off, &now)) < 0) ||
	    (e = fdm_name_check(f, r->s1, &dir, &d)) < 0)
		return e;
	fdm_name_add(f, dir, d, n, snap ? NULL : &now);
	if (!snap)
		n->ctime = now;
	return 0;
}

static int apply(struct store_fd *f, const struct rec *r, bool snap)
{
	switch (r->head[0]) {
	case 'C':
		return do_create(f, r, snap);
	case 'I':
		return do_link(f, r, snap);
	case 'A':
		return snap ? -EINVAL : do_attr(f, r);
	case 'U':
	case 'D':
		return snap ? -EINVAL : do_remove(f, r);
	case 'R':
		return snap ? -EINVAL : do_rename(f, r);
	default:
		return -EINVAL;
	}
}

static int read_file(const char *path, char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), r = 0;
	struct stat st;
	ssize_t n;

	*buf = NULL;
	*len = 0;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		r = -EINVAL;
	else if ((uint64_t)st.st_size > FDL_FILE_MAX)
		r = -EFBIG;
	else if (!(*buf = malloc((size_t)st.st_size + 1)))
		r = -ENOMEM;
	while (r == 0 && *len < (size_t)st.st_size &&
	       (n = read(fd, *buf + *len, (size_t)st.st_size - *len)) > 0)
		*len += (size_t)n;
	close(fd);
	if (r < 0) {
		free(*buf);
		*buf = NULL;
	}
	return r;
}

struct hdr {
	uint64_t gen, next_ino, next_obj;
	char boot[40];
};

static int header(const char *buf, size_t len, size_t *pos, struct hdr *h)
{
	struct rec r;
	int v;

	if (next_rec(buf, len, pos, &r) != 1 ||
	    sscanf(r.head, "H %d %" SCNu64 " %" SCNu64 " %" SCNu64 " %39s", &v,
		   &h->gen, &h->next_ino, &h->next_obj, h->boot) != 5 ||
	    v != FDL_VERSION)
		return -EINVAL;
	return 0;
}

/* The records after the header; how many applied. */
static uint64_t replay(struct store_fd *f, const char *path, const char *buf,
		       size_t len, size_t pos, bool snap)
{
	uint64_t n = 0, i = 0;
	struct rec r;
	int e;

	while ((e = next_rec(buf, len, &pos, &r)) == 1) {
		i++;
		if ((e = apply(f, &r, snap)) < 0)
			fds_log(f, "state file %s: record %" PRIu64 " (%.40s): %s:"
				" skipped", path, i, r.head, strerror(-e));
		else
			n++;
	}
	if (e < 0)
		fds_log(f, "state file %s: a torn or damaged record after "
			"record %" PRIu64 ": the rest is ignored", path, i);
	return n;
}

static int load_file(struct store_fd *f, const char *path, bool snap,
		     bool *found)
{
	struct hdr h;
	size_t len, pos = 0;
	char *buf;
	int r = read_file(path, &buf, &len);

	*found = r == 0;
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	if (header(buf, len, &pos, &h) < 0) {
		fds_log(f, "state file %s: no valid header: ignored", path);
		*found = false;
	} else if (strcmp(h.boot, f->boot_id)) {
		fds_log(f, "state file %s: written before a reboot, whose "
			"objects are gone: ignored", path);
		*found = false;
	} else if (!snap && h.gen != f->gen) {
		*found = false;         /* a compaction's stale journal */
	} else {
		if (snap)
			f->gen = h.gen;
		if (h.next_ino > f->next_ino)
			f->next_ino = h.next_ino;
		if (h.next_obj > f->next_obj)
			f->next_obj = h.next_obj;
		replay(f, path, buf, len, pos, snap);
	}
	free(buf);
	return 0;
}

int fdl_load(struct store_fd *f, bool *fresh)
{
	bool found;
	int r = load_file(f, f->state, true, &found);

	*fresh = !found;
	if (r < 0 || !found)
		return r;
	return load_file(f, f->journal, false, &found);
}
