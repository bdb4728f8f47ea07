/* bpf/obj_mnt.c: mounts by id, read from /proc/self/mountinfo, so that an
 * fd's filesystem is known without a call on the fd that could reach a
 * FUSE server (fstatfs would ask it), and the mount a daemon serves
 * itself can be named before anything touches it. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/obj.h"
#include "bpf/obj_int.h"

/* Undo mountinfo's octal escapes (\040 for a space, \134 for '\') in place. */
static void unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

/* One line: its mount id, mount point (unescaped) and fs type, pointing
 * into line. 0, or -EINVAL for a line of another shape. */
static int parse_line(char *line, int *id, char **point, char **type)
{
	char *save, *f[5], *sep;
	int i;

	sep = strstr(line, " - ");
	if (!sep)
		return -EINVAL;
	*sep = '\0';
	for (i = 0; i < 5; i++)
		if (!(f[i] = strtok_r(i ? NULL : line, " ", &save)))
			return -EINVAL;
	*type = strtok_r(sep + 3, " \n", &save);
	if (!*type)
		return -EINVAL;
	*id = atoi(f[0]);
	unescape(f[4]);
	*point = f[4];
	return 0;
}

/* Walk mountinfo; fn returns 1 to stop. 0, or -errno if it cannot be read. */
static int each_mount(int (*fn)(int id, const char *point, const char *type,
				void *arg), void *arg)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		char *point, *type;
		int id;

		if (parse_line(line, &id, &point, &type) == 0 &&
		    fn(id, point, type, arg))
			break;
	}
	free(line);
	fclose(f);
	return 0;
}

struct type_q {
	int id;
	char *type;
	size_t size;
	bool found;
};

static int match_id(int id, const char *point, const char *type, void *arg)
{
	struct type_q *q = arg;

	(void)point;
	if (id != q->id)
		return 0;
	snprintf(q->type, q->size, "%s", type);
	q->found = true;
	return 1;
}

int obj_mount_fstype(int mnt_id, char *type, size_t size)
{
	struct type_q q = { .id = mnt_id, .type = type, .size = size };
	int r = each_mount(match_id, &q);

	if (r < 0)
		return r;
	return q.found ? 0 : -ENOENT;
}

struct point_q {
	const char *point;
	int id;
};

/* The last match is the mount on top: the one a lookup there reaches. */
static int match_point(int id, const char *point, const char *type, void *arg)
{
	struct point_q *q = arg;

	(void)type;
	if (!strcmp(point, q->point))
		q->id = id;
	return 0;
}

int obj_mount_id(const char *dir)
{
	struct point_q q = { .point = dir, .id = -ENOENT };
	int r = each_mount(match_point, &q);

	return r < 0 ? r : q.id;
}
