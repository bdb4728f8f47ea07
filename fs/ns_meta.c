/* fs/ns_meta.c: the side log of what bpffs cannot hold, the pid of the
 * peer that created each node: append-only lines "store_ino obj_id pid"
 * next to the store, read and compacted when the namespace opens. It may
 * lose its last lines in a crash (no fsync): a pid is a hint. The daemon
 * holds a request's lines back until its reply is sent (ns_flush), so the
 * write is not on the request's path; a kill in between loses them too. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fs/ns_int.h"

#define META_SLACK 4096

int ns_meta_open(struct ns *ns)
{
	ns->meta_fd = open(ns->store.meta,
			   O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	return ns->meta_fd < 0 ? -errno : 0;
}

void ns_meta_close(struct ns *ns)
{
	ns_meta_flush(ns);
	if (ns->meta_fd >= 0)
		close(ns->meta_fd);
	ns->meta_fd = -1;
}

static int meta_line(char *buf, size_t size, const struct ns_node *n)
{
	uint32_t id = n->type != NS_PIN ? 0 :
		      n->u.pin.pending ? n->u.pin.logged_id : n->u.pin.obj.id;

	return snprintf(buf, size, "%" PRIu64 " %" PRIu32 " %d\n",
			n->store_ino, id, (int)n->pid);
}

void ns_meta_append(struct ns *ns, const struct ns_node *n)
{
	char line[64];
	int len;

	if (ns->meta_fd < 0 || n->pid == 0 || n->store_ino == 0)
		return;
	len = meta_line(line, sizeof(line), n);
	if (ns->meta_defer) {
		if (ns->meta_plen + (size_t)len > sizeof(ns->meta_pend))
			ns_meta_flush(ns);
		memcpy(ns->meta_pend + ns->meta_plen, line, (size_t)len);
		ns->meta_plen += (size_t)len;
		ns->meta_lines++;
		return;
	}
	/* Lossy by design: a short or failed write only loses a pid. */
	if (write(ns->meta_fd, line, (size_t)len) != len)
		return;
	/* Lines of removed nodes pile up: rewrite once they outnumber the
	 * live ones, which keeps appends O(1) amortized. */
	if (++ns->meta_lines > 2 * ns->nodes + META_SLACK)
		ns_meta_compact(ns);
}

void ns_meta_flush(struct ns *ns)
{
	size_t len = ns->meta_plen;

	ns->meta_plen = 0;
	if (!len || ns->meta_fd < 0 ||
	    write(ns->meta_fd, ns->meta_pend, len) != (ssize_t)len)
		return;
	if (ns->meta_lines > 2 * ns->nodes + META_SLACK)
		ns_meta_compact(ns);
}

int ns_meta_load(struct ns *ns, struct u64map *m)
{
	FILE *f = fopen(ns->store.meta, "re");
	uint64_t ino;
	uint32_t id;
	int pid, r = 0;

	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (r == 0 && fscanf(f, "%" SCNu64 " %" SCNu32 " %d", &ino, &id,
				&pid) == 3) {
		if (ino && pid > 0)
			r = u64map_put(m, ino,
				       (uint64_t)id << 32 | (uint32_t)pid);
	}
	fclose(f);
	return r;
}

static int write_live(struct ns *ns, FILE *f)
{
	char line[64];

	ns->meta_lines = 0;
	for (size_t i = 0; i <= ns->imask; i++) {
		for (struct ns_node *n = ns->itab[i]; n; n = n->ino_next) {
			if (n->pid == 0 || n->store_ino == 0)
				continue;
			meta_line(line, sizeof(line), n);
			if (fputs(line, f) == EOF)
				return -EIO;
			ns->meta_lines++;
		}
	}
	return 0;
}

int ns_side_rewrite(struct ns *ns, const char *path,
		    int (*write)(struct ns *ns, FILE *f))
{
	char tmp[PATH_MAX + 8];
	FILE *f;
	int fd, r;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		return r;
	}
	r = write(ns, f);
	if (fclose(f) == EOF && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

int ns_meta_compact(struct ns *ns)
{
	int r;

	ns->meta_plen = 0;      /* the live nodes are all written below */
	r = ns_side_rewrite(ns, ns->store.meta, write_live);
	ns_meta_close(ns);
	return r < 0 ? r : ns_meta_open(ns);
}
