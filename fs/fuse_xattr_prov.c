/* fs/fuse_xattr_prov.c: the provenance of a pin as read-only extended
 * attributes: user.bpfpin.attached_by and user.bpfpin.loaded_by ("uid=0
 * pid=1234 time=2026-12-03T06:20:01.123456789Z"), user.bpfpin.loaded_file
 * and user.bpfpin.loaded_sha256, each present only when recorded. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fs/fuse_int.h"

static const struct {
	const char *name;
	enum ns_prov_kind kind;
	int what;               /* 0: who and when; 1: file; 2: sha256 */
} prov_xattrs[] = {
	{ FSX_PROV_PREFIX "attached_by", NS_PROV_ATTACHED, 0 },
	{ FSX_PROV_PREFIX "loaded_by", NS_PROV_LOADED, 0 },
	{ FSX_PROV_PREFIX "loaded_file", NS_PROV_LOADED, 1 },
	{ FSX_PROV_PREFIX "loaded_sha256", NS_PROV_LOADED, 2 },
};
#define NPROV (sizeof(prov_xattrs) / sizeof(prov_xattrs[0]))

static int who(const struct ns_prov *p, char *buf, size_t size)
{
	struct tm tm;
	char when[32];

	gmtime_r(&p->time.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	return snprintf(buf, size, "uid=%u pid=%d time=%s.%09ldZ", (unsigned)p->uid,
			(int)p->pid, when, p->time.tv_nsec);
}

/* The value of entry i for ino: its length, or -ENODATA. */
static int prov_value(struct ns *ns, fuse_ino_t ino, size_t i, char *buf,
		      size_t size)
{
	struct ns_prov p;
	int r = ns_get_prov(ns, NS_AT_INO(ino), prov_xattrs[i].kind, &p);

	if (r < 0)
		return r == -ENOENT ? r : -ENODATA;
	if (prov_xattrs[i].what == 0)
		return who(&p, buf, size);
	if (prov_xattrs[i].what == 1)
		return p.file[0] ? snprintf(buf, size, "%s", p.file) : -ENODATA;
	return p.sha256[0] ? snprintf(buf, size, "%s", p.sha256) : -ENODATA;
}

int fsx_prov_xattr(struct ns *ns, fuse_ino_t ino, const char *name,
		   char *buf, size_t size)
{
	for (size_t i = 0; i < NPROV; i++)
		if (!strcmp(name, prov_xattrs[i].name))
			return prov_value(ns, ino, i, buf, size);
	return -ENODATA;
}

int fsx_prov_list(struct ns *ns, fuse_ino_t ino, char *list, size_t size)
{
	char value[FSX_PROV_VALUE_MAX];
	int len = 0;

	for (size_t i = 0; i < NPROV; i++) {
		if (prov_value(ns, ino, i, value, sizeof(value)) < 0)
			continue;
		len += snprintf(list + len, size - (size_t)len, "%s",
				prov_xattrs[i].name) + 1;
	}
	return len;
}
