/* fs/ns_prov.c: provenance, who loaded or attached the object a pin
 * holds (uid, pid, time; for a load the object file's name and SHA-256),
 * kept per node and in a side file next to the store ("prov.log", apart
 * from meta.log's lossy pids: this is a record, not a hint). One line per
 * change, appended before ns_set_prov returns:
 *   A|L STORE_INO OBJ_ID UID PID SEC NSEC SHA256|- FILEHEX|-
 *   D STORE_INO                      (the node's last name went)
 * At start the lines are replayed onto the tree the store gave (a record
 * counts only for the same store inode and object id: an inode number
 * bpffs hands out again holds another object), and the file is rewritten
 * with the live records. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs/ns_int.h"

#define PROV_SLACK 1024
#define PROV_LINE_MAX (2 * NS_PROV_FILE_MAX + 256)

static int prov_path(const struct ns *ns, char *buf, size_t size,
		     const char *suffix)
{
	const char *slash = strrchr(ns->store.meta, '/');
	int dirlen = slash ? (int)(slash - ns->store.meta) : 0;
	int n = snprintf(buf, size, "%.*s/prov.log%s", dirlen, ns->store.meta,
			 suffix);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static void hex(char *out, const char *s)
{
	static const char digits[] = "0123456789abcdef";

	for (; *s; s++) {
		*out++ = digits[(unsigned char)*s >> 4];
		*out++ = digits[(unsigned char)*s & 15];
	}
	*out = '\0';
}

static int unhex(char *out, size_t size, const char *s)
{
	size_t n = strlen(s) / 2;

	if (strlen(s) % 2 || n >= size)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		out[i] = (char)v;
	}
	out[n] = '\0';
	return ns_name_utf8(out, n) && !memchr(out, '\0', n) ? 0 : -EINVAL;
}

static int prov_line(char *buf, size_t size, const struct ns_node *n,
		     const struct ns_prov *p)
{
	char file[2 * NS_PROV_FILE_MAX + 1];

	hex(file, p->file);
	return snprintf(buf, size, "%c %" PRIu64 " %" PRIu32 " %u %d %lld %ld %s %s\n",
			p->kind == NS_PROV_LOADED ? 'L' : 'A', n->store_ino,
			n->u.pin.obj.id, (unsigned)p->uid, (int)p->pid,
			(long long)p->time.tv_sec, p->time.tv_nsec,
			p->sha256[0] ? p->sha256 : "-", file[0] ? file : "-");
}

static int prov_write(struct ns *ns, const char *line, int len)
{
	if (ns->prov_fd < 0)
		return -EBADF;
	if (write(ns->prov_fd, line, (size_t)len) != len)
		return errno ? -errno : -EIO;
	ns->prov_lines++;
	return 0;
}

static bool sha_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0)
		return true;
	if (n != 64)
		return false;
	return strspn(s, "0123456789abcdef") == 64;
}

static int prov_check(const struct ns_prov *p)
{
	size_t n = strnlen(p->file, sizeof(p->file));

	if (p->kind != NS_PROV_LOADED && p->kind != NS_PROV_ATTACHED)
		return -EINVAL;
	if (n == sizeof(p->file))
		return -ENAMETOOLONG;
	if (!ns_name_utf8(p->file, n))
		return -EILSEQ;
	return sha_ok(p->sha256) ? 0 : -EINVAL;
}

/* The node at at itself: by number, else the path (not followed). */
static int prov_node(struct ns *ns, struct ns_at at, struct ns_node **n)
{
	static const struct ns_cred root = { 0 };

	if (at.path && !at.path[0]) {
		*n = ns_node_find(ns, at.dir);
		return *n ? 0 : -ENOENT;
	}
	return ns_path_lookup(ns, &root, at, false, n);
}

static void prov_put(struct ns *ns, struct ns_node *n, const struct ns_prov *p)
{
	if (!n->prov->has[p->kind])
		ns->prov_live++;
	n->prov->has[p->kind] = true;
	n->prov->p[p->kind] = *p;
}

static int prov_compact(struct ns *ns);

int ns_set_prov(struct ns *ns, struct ns_at at, const struct ns_prov *p)
{
	char line[PROV_LINE_MAX];
	struct ns_node *n;
	int r = prov_check(p), len;

	if (r == 0)
		r = prov_node(ns, at, &n);
	if (r < 0)
		return r;
	if (n->type != NS_PIN)
		return -EINVAL;
	ns_pin_obj(ns, n);      /* its line holds the object's id */
	if (!n->prov && !(n->prov = calloc(1, sizeof(*n->prov))))
		return -ENOMEM;
	len = prov_line(line, sizeof(line), n, p);
	r = prov_write(ns, line, len);
	if (r < 0)
		return r;
	prov_put(ns, n, p);
	if (ns->prov_lines > 2 * ns->prov_live + PROV_SLACK)
		prov_compact(ns);
	return 0;
}

int ns_get_prov(struct ns *ns, struct ns_at at, enum ns_prov_kind kind,
		struct ns_prov *out)
{
	struct ns_node *n;
	int r = prov_node(ns, at, &n);

	if (r < 0)
		return r;
	if ((unsigned)kind >= NS_PROV_KINDS || !n->prov || !n->prov->has[kind])
		return -ENODATA;
	*out = n->prov->p[kind];
	return 0;
}

void ns_prov_free(struct ns_node *n)
{
	free(n->prov);
	n->prov = NULL;
}

void ns_prov_forget(struct ns *ns, struct ns_node *n)
{
	char line[64];
	int len;

	if (!n->prov)
		return;
	for (int k = 0; k < NS_PROV_KINDS; k++)
		ns->prov_live -= n->prov->has[k];
	ns_prov_free(n);
	len = snprintf(line, sizeof(line), "D %" PRIu64 "\n", n->store_ino);
	prov_write(ns, line, len);
}

/* One line of the file onto the tree (ino -> node in m); a line of
 * another shape, or for a node that is gone, is skipped. */
static void prov_replay(struct ns *ns, const struct u64map *m, char *line)
{
	char kind, sha[80], file[2 * NS_PROV_FILE_MAX + 2];
	struct ns_prov p = { 0 };
	unsigned long long sec;
	uint64_t ino, v;
	uint32_t id;
	struct ns_node *n;

	if (sscanf(line, "D %" SCNu64, &ino) == 1) {
		if (u64map_get(m, ino, &v) && (n = (struct ns_node *)(uintptr_t)v)->prov) {
			for (int k = 0; k < NS_PROV_KINDS; k++)
				ns->prov_live -= n->prov->has[k];
			ns_prov_free(n);
		}
		return;
	}
	if (sscanf(line, "%c %" SCNu64 " %" SCNu32 " %u %d %llu %ld %79s %511s",
		   &kind, &ino, &id, &p.uid, &p.pid, &sec, &p.time.tv_nsec,
		   sha, file) != 9 || (kind != 'A' && kind != 'L'))
		return;
	p.kind = kind == 'L' ? NS_PROV_LOADED : NS_PROV_ATTACHED;
	p.time.tv_sec = (time_t)sec;
	if (strcmp(sha, "-") && strlen(sha) < sizeof(p.sha256))
		memcpy(p.sha256, sha, strlen(sha) + 1);
	if (strcmp(file, "-") && unhex(p.file, sizeof(p.file), file) < 0)
		return;
	if (prov_check(&p) < 0 || !u64map_get(m, ino, &v))
		return;
	n = (struct ns_node *)(uintptr_t)v;
	if (ns_pin_obj(ns, n)->id != id ||
	    (!n->prov && !(n->prov = calloc(1, sizeof(*n->prov)))))
		return;
	prov_put(ns, n, &p);
}

static int pins_by_ino(struct ns *ns, struct u64map *m)
{
	for (size_t i = 0; i <= ns->imask; i++)
		for (struct ns_node *n = ns->itab[i]; n; n = n->ino_next)
			if (n->type == NS_PIN && n->store_ino &&
			    u64map_put(m, n->store_ino, (uintptr_t)n) < 0)
				return -ENOMEM;
	return 0;
}

static int prov_load(struct ns *ns)
{
	char path[PATH_MAX], line[PROV_LINE_MAX];
	struct u64map m;
	FILE *f;
	int r;

	if ((r = prov_path(ns, path, sizeof(path), "")) < 0)
		return r;
	if (!(f = fopen(path, "re")))
		return errno == ENOENT ? 0 : -errno;
	u64map_init(&m);
	/* the index of every pin only for a file that holds records: at
	 * start it would cost more than all the records (none, mostly) */
	for (bool indexed = false; r == 0 && fgets(line, sizeof(line), f);) {
		if (!indexed && (r = pins_by_ino(ns, &m)) < 0)
			break;
		indexed = true;
		prov_replay(ns, &m, line);
	}
	u64map_fini(&m);
	fclose(f);
	return r;
}

static int write_live(struct ns *ns, FILE *f)
{
	char line[PROV_LINE_MAX];

	ns->prov_lines = 0;
	for (size_t i = 0; i <= ns->imask; i++)
		for (struct ns_node *n = ns->itab[i]; n; n = n->ino_next)
			for (int k = 0; n->prov && k < NS_PROV_KINDS; k++) {
				if (!n->prov->has[k])
					continue;
				prov_line(line, sizeof(line), n, &n->prov->p[k]);
				if (fputs(line, f) == EOF)
					return -EIO;
				ns->prov_lines++;
			}
	return 0;
}

static int prov_reopen(struct ns *ns)
{
	char path[PATH_MAX];
	int r = prov_path(ns, path, sizeof(path), "");

	ns_prov_close(ns);
	if (r < 0)
		return r;
	ns->prov_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	return ns->prov_fd < 0 ? -errno : 0;
}

/* Rewrite the file with the live records: a new file renamed over it, so
 * that a crash leaves the old one or the new one, whole. */
static int prov_compact(struct ns *ns)
{
	char path[PATH_MAX];
	int r = prov_path(ns, path, sizeof(path), "");

	if (r < 0)
		return r;
	r = ns_side_rewrite(ns, path, write_live);
	return prov_reopen(ns) < 0 && r == 0 ? -errno : r;
}

int ns_prov_open(struct ns *ns)
{
	int r = prov_load(ns);

	if (r == 0 && prov_compact(ns) < 0)
		r = prov_reopen(ns);
	return r;
}

void ns_prov_close(struct ns *ns)
{
	if (ns->prov_fd >= 0)
		close(ns->prov_fd);
	ns->prov_fd = -1;
}
