/* fs/fuse_dir.c: directory listings for FUSE, plain and plus. Offsets are
 * ns_readdir cookies shifted by two (1 and 2 are "." and ".."), so a
 * listing resumes where the kernel stopped whatever changed in between. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fuse_int.h"

#define FSX_OFF_DOT 1
#define FSX_OFF_DOTDOT 2

struct fsx_fill {
	fuse_req_t req;
	bool plus;
	char *buf;             /* the reply */
	size_t size, used;
	char *names;           /* plus: names sent, NUL-separated */
	size_t names_used;
};

/* Add one entry if it fits. In plus mode ino 0 sends attributes without
 * an entry (the kernel takes no reference): used for "." and "..". */
static bool fsx_fill_add(struct fsx_fill *f, const char *name,
			 const struct ns_stat *nst, uint64_t ino, off_t next)
{
	struct fuse_entry_param e = {
		.ino = ino,
		.generation = 1,
		.attr_timeout = FSX_ATTR_TIMEOUT,
		.entry_timeout = FSX_ENTRY_TIMEOUT,
	};
	size_t room = f->size - f->used, n, len;

	fsx_stat(nst, &e.attr);
	if (f->plus)
		n = fuse_add_direntry_plus(f->req, f->buf + f->used, room, name,
					   &e, next);
	else
		n = fuse_add_direntry(f->req, f->buf + f->used, room, name,
				      &e.attr, next);
	if (n > room)
		return false;
	f->used += n;
	if (f->plus && ino) {
		len = strlen(name) + 1;
		memcpy(f->names + f->names_used, name, len);
		f->names_used += len;
	}
	return true;
}

static int fsx_fill_one(const struct ns_dirent *de, void *arg)
{
	return !fsx_fill_add(arg, de->name, &de->st, de->st.ino,
			     de->cookie + FSX_OFF_DOTDOT);
}

/* 1 when the reply is full, 0 to go on with the entries, or -errno. */
static int fsx_fill_dots(struct fsx_fill *f, struct ns *ns,
			 const struct ns_cred *cred, fuse_ino_t ino, off_t off)
{
	struct ns_stat dot, dotdot;
	int r;

	r = ns_stat_ino(ns, ino, &dot);
	if (r < 0)
		return r;
	/* A removed directory has no parent left: it stands for itself. */
	if (ns_stat(ns, cred, (struct ns_at){ .dir = ino, .path = ".." },
		    false, &dotdot) < 0)
		dotdot = dot;
	if (off < FSX_OFF_DOT && !fsx_fill_add(f, ".", &dot, 0, FSX_OFF_DOT))
		return 1;
	if (off < FSX_OFF_DOTDOT &&
	    !fsx_fill_add(f, "..", &dotdot, 0, FSX_OFF_DOTDOT))
		return 1;
	return 0;
}

/* The kernel holds one lookup reference for each entry a plus listing
 * returned. Taken after the walk, so the tree is not touched while ns
 * iterates it. A failed reply means the connection is gone, and fsx_stop
 * then forgets every reference. */
static void fsx_fill_refs(struct fsx_fill *f, struct ns *ns,
			  const struct ns_cred *cred, fuse_ino_t ino)
{
	struct ns_stat st;
	size_t i;

	for (i = 0; i < f->names_used; i += strlen(f->names + i) + 1)
		ns_lookup_ref(ns, cred,
			      (struct ns_at){ .dir = ino, .path = f->names + i },
			      &st);
}

static void fsx_list(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     bool plus)
{
	struct ns_cred cred = fsx_cred(req);
	struct ns *ns = fsx_of(req)->ns;
	struct fsx_fill f = { .req = req, .plus = plus, .size = size };
	uint64_t cookie = off > FSX_OFF_DOTDOT ? off - FSX_OFF_DOTDOT : 0;
	int r;

	/* Every entry takes more room in the reply than its name. */
	f.buf = malloc(plus ? 2 * size : size);
	if (!f.buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	f.names = plus ? f.buf + size : NULL;
	r = fsx_fill_dots(&f, ns, &cred, ino, off);
	if (r == 0)
		r = ns_readdir(ns, &cred, (struct ns_at){ .dir = ino,
							  .path = "." },
			       cookie, fsx_fill_one, &f);
	if (r < 0) {
		fuse_reply_err(req, -r);
	} else {
		fsx_fill_refs(&f, ns, &cred, ino);
		fuse_reply_buf(req, f.buf, f.used);
	}
	free(f.buf);
}

void fsx_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		 struct fuse_file_info *fi)
{
	fsx_list(req, ino, size, off, false);
}

void fsx_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	fsx_list(req, ino, size, off, true);
}
