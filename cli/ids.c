/* cli/ids.c: user and group names. A listing asks for the same few ids
 * again and again, so each direction remembers its last answer. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/ids.h"

struct id_cache {
	long id;        /* -1: empty */
	char name[64];
};

const char *ids_user(uid_t uid)
{
	static struct id_cache c = { .id = -1 };
	struct passwd *pw;

	if (c.id != (long)uid) {
		pw = getpwuid(uid);
		if (pw)
			snprintf(c.name, sizeof(c.name), "%s", pw->pw_name);
		else
			snprintf(c.name, sizeof(c.name), "%u", (unsigned)uid);
		c.id = (long)uid;
	}
	return c.name;
}

const char *ids_group(gid_t gid)
{
	static struct id_cache c = { .id = -1 };
	struct group *gr;

	if (c.id != (long)gid) {
		gr = getgrgid(gid);
		if (gr)
			snprintf(c.name, sizeof(c.name), "%s", gr->gr_name);
		else
			snprintf(c.name, sizeof(c.name), "%u", (unsigned)gid);
		c.id = (long)gid;
	}
	return c.name;
}

/* As chown(1): a name first, then a number. */
static int user_id(const char *s, uid_t *uid, gid_t *login_gid)
{
	struct passwd *pw = getpwnam(s);
	uint32_t n;

	if (!pw) {
		if (cli_parse_u32(s, &n) < 0 || n == (uint32_t)-1)
			return -ENOENT;
		pw = getpwuid(n);
		*uid = n;
		*login_gid = pw ? pw->pw_gid : (gid_t)-1;
		return 0;
	}
	*uid = pw->pw_uid;
	*login_gid = pw->pw_gid;
	return 0;
}

static int group_id(const char *s, gid_t *gid)
{
	struct group *gr = getgrnam(s);
	uint32_t n;

	if (!gr) {
		if (cli_parse_u32(s, &n) < 0 || n == (uint32_t)-1)
			return -ENOENT;
		*gid = n;
		return 0;
	}
	*gid = gr->gr_gid;
	return 0;
}

int ids_parse_owner(const char *spec, uid_t *uid, gid_t *gid)
{
	const char *colon = strchr(spec, ':');
	char user[256];
	gid_t login = (gid_t)-1;
	int r;

	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (!colon)
		return *spec ? user_id(spec, uid, &login) : -EINVAL;
	if ((size_t)(colon - spec) >= sizeof(user) || (colon == spec && !colon[1]))
		return -EINVAL;
	if (colon > spec) {
		memcpy(user, spec, (size_t)(colon - spec));
		user[colon - spec] = '\0';
		r = user_id(user, uid, &login);
		if (r < 0)
			return r;
	}
	if (!colon[1]) {
		*gid = login;
		return login == (gid_t)-1 ? -ENOENT : 0;
	}
	return group_id(colon + 1, gid);
}
