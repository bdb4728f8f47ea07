/* fs/ns_intent.c: the intent journal of a change made of many nodes (a
 * load's pins and directories, daemon/load_commit.c), so that it is all
 * or nothing across a crash too. Each node's path is appended to
 * STATE/intent.log before the node is made, and only if nothing is at
 * that path then; the journal is removed once the change is certain.
 * When the namespace opens, a journal left behind names exactly the
 * nodes a change cut off by a crash made: they are removed, newest
 * first (directories only if empty), before anything is served.
 *
 * No fsync: the store is a bpffs, which a reboot empties anyway; what
 * the journal must outlive is the daemon's death, and a write(2) is in
 * the page cache by then. Records are "D" or "P", the path, a NUL (a
 * name may hold any byte but NUL and '/'); a torn last one is ignored. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs/ns_int.h"

#define INTENT_MAX (1 << 20)    /* bytes of journal read back */

static int intent_path(const struct ns *ns, char *buf, size_t size)
{
	const char *slash = strrchr(ns->store.meta, '/');
	int dirlen = slash ? (int)(slash - ns->store.meta) : 0;
	int n = snprintf(buf, size, "%.*s/intent.log", dirlen, ns->store.meta);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int ns_intent_begin(struct ns *ns)
{
	char path[PATH_MAX];
	int r = intent_path(ns, path, sizeof(path));

	if (r < 0)
		return r;
	if (ns->intent_fd >= 0)
		return -EBUSY;
	ns->intent_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ns->intent_pins = 0;
	return ns->intent_fd < 0 ? -errno : 0;
}

int ns_intent_add(struct ns *ns, const struct ns_cred *cred, const char *path,
		  bool dir)
{
	char rec[NS_PATH_MAX + 2];
	struct ns_stat st;
	size_t len = strlen(path);
	int r;

	if (ns->intent_fd < 0)
		return -EBADF;
	if (len >= NS_PATH_MAX)
		return -ENAMETOOLONG;
	r = ns_stat(ns, cred, NS_AT(path), false, &st);
	if (r == 0)
		return -EEXIST;
	if (r != -ENOENT)
		return r;
	if (!dir && ns->intent_pins++ > 0)
		store_crash_point(&ns->store, "load-between-pins");
	rec[0] = dir ? 'D' : 'P';
	memcpy(rec + 1, path, len + 1);
	if (write(ns->intent_fd, rec, len + 2) != (ssize_t)(len + 2))
		return -EIO;
	return 0;
}

void ns_intent_end(struct ns *ns)
{
	char path[PATH_MAX];

	if (ns->intent_fd < 0)
		return;
	close(ns->intent_fd);
	ns->intent_fd = -1;
	if (intent_path(ns, path, sizeof(path)) == 0)
		unlink(path);
}

/* The whole records of buf[0..len), newest first. */
static void undo_records(struct ns *ns, char *buf, size_t len)
{
	static const struct ns_cred root = { .uid = 0, .gid = 0 };
	size_t end = len;

	while (end > 0 && buf[end - 1] != '\0')
		end--;          /* a torn last record */
	while (end > 0) {
		size_t start = end - 1;

		while (start > 0 && buf[start - 1] != '\0')
			start--;
		if (buf[start] == 'D')
			ns_rmdir(ns, &root, NS_AT(buf + start + 1));
		else if (buf[start] == 'P')
			ns_unlink(ns, &root, NS_AT(buf + start + 1));
		end = start;
	}
}

int ns_intent_recover(struct ns *ns)
{
	char path[PATH_MAX], *buf;
	ssize_t len;
	int fd, r = intent_path(ns, path, sizeof(path));

	if (r < 0)
		return r;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!(buf = malloc(INTENT_MAX))) {
		close(fd);
		return -ENOMEM;
	}
	len = read(fd, buf, INTENT_MAX);
	r = len < 0 ? -errno : 0;
	close(fd);
	if (r == 0) {
		undo_records(ns, buf, (size_t)len);
		r = unlink(path) < 0 ? -errno : 0;
	}
	free(buf);
	return r;
}
