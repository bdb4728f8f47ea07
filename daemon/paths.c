/* daemon/paths.c: making the socket's directory, the state directory and
 * the mount point when they are missing (a fresh machine has no
 * /run/bpfpin). The mount point is made before anything is mounted on it;
 * the daemon never looks into its own mount afterwards. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "daemon/paths.h"

static int make(const char *path, mode_t mode)
{
	struct stat st;

	if (mkdir(path, mode) == 0)
		return 0;
	if (errno != EEXIST)
		return -errno;
	/* a stale FUSE mount fails stat with ENOTCONN: it is a directory to us */
	if (stat(path, &st) < 0)
		return errno == ENOTCONN ? 0 : -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	int r;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = strchr(buf + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		r = make(buf, 0755);
		*p = '/';
		if (r < 0)
			return r;
	}
	return make(buf, mode);
}

int mkdir_parent(const char *path)
{
	char buf[PATH_MAX];
	char *slash;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	slash = strrchr(buf, '/');
	if (!slash || slash == buf)
		return 0;
	*slash = '\0';
	return mkdir_p(buf, 0755);
}
