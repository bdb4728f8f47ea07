/* fs/fuse_xattr.c: read-only extended attributes saying what a pin holds:
 * user.bpf.id, user.bpf.type ("map", "prog", "link"), user.bpf.name and
 * user.bpf.map_type / prog_type / link_type. Other names are answered at
 * once, without asking ns. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bpf/obj.h"
#include "fs/fuse_int.h"

#define FSX_XATTR_PREFIX "user.bpf."
#define FSX_XATTR_VALUE_MAX 64
/* All names with their NULs: well below this. */
#define FSX_XATTR_LIST_MAX 512

struct fsx_xattr {
	const char *name;       /* after the prefix */
	enum obj_kind kind;     /* OBJ_NONE: every pin has it */
	/* Length written (snprintf's), or -ENODATA. */
	int (*value)(const struct obj_ident *obj, char *buf, size_t size);
};

static int fsx_x_id(const struct obj_ident *obj, char *buf, size_t size)
{
	return snprintf(buf, size, "%u", obj->id);
}

static int fsx_x_kind(const struct obj_ident *obj, char *buf, size_t size)
{
	return snprintf(buf, size, "%s", obj_kind_name(obj->kind));
}

static int fsx_x_name(const struct obj_ident *obj, char *buf, size_t size)
{
	if (!obj->name[0])
		return -ENODATA;
	return snprintf(buf, size, "%.*s", (int)sizeof(obj->name), obj->name);
}

/* bpftool's name of the map, program or link type; its number when the
 * type is newer than our table. */
static int fsx_x_type(const struct obj_ident *obj, char *buf, size_t size)
{
	const char *name = NULL;

	if (obj->kind == OBJ_MAP)
		name = obj_map_type_name(obj->type);
	else if (obj->kind == OBJ_PROG)
		name = obj_prog_type_name(obj->type);
	else if (obj->kind == OBJ_LINK)
		name = obj_link_type_name(obj->type);
	if (!name)
		return snprintf(buf, size, "%u", obj->type);
	return snprintf(buf, size, "%s", name);
}

static const struct fsx_xattr fsx_xattrs[] = {
	{ "id", OBJ_NONE, fsx_x_id },
	{ "type", OBJ_NONE, fsx_x_kind },
	{ "name", OBJ_NONE, fsx_x_name },
	{ "map_type", OBJ_MAP, fsx_x_type },
	{ "prog_type", OBJ_PROG, fsx_x_type },
	{ "link_type", OBJ_LINK, fsx_x_type },
};
#define FSX_NXATTRS (sizeof(fsx_xattrs) / sizeof(fsx_xattrs[0]))

static int fsx_x_get(const struct fsx_xattr *x, const struct obj_ident *obj,
		     char *buf, size_t size)
{
	if (x->kind != OBJ_NONE && x->kind != obj->kind)
		return -ENODATA;
	return x->value(obj, buf, size);
}

/* The object behind a pin inode; -ENODATA for directories, symlinks and
 * files the store holds that are no BPF object we know. */
static int fsx_x_obj(fuse_req_t req, fuse_ino_t ino, struct obj_ident *obj)
{
	struct ns_stat st;
	int r;

	r = ns_stat_ino(fsx_of(req)->ns, ino, &st);
	if (r < 0)
		return r;
	if (st.type != NS_PIN || st.obj.kind == OBJ_NONE)
		return -ENODATA;
	*obj = st.obj;
	return 0;
}

/* size 0 asks for the length; a smaller buffer than the value is ERANGE. */
static void fsx_reply_sized(fuse_req_t req, const char *buf, int len,
			    size_t size)
{
	if (len < 0)
		fuse_reply_err(req, -len);
	else if (size == 0)
		fuse_reply_xattr(req, len);
	else if (size < (size_t)len)
		fuse_reply_err(req, ERANGE);
	else
		fuse_reply_buf(req, buf, len);
}

static const struct fsx_xattr *fsx_x_find(const char *name)
{
	size_t i, n = strlen(FSX_XATTR_PREFIX);

	if (strncmp(name, FSX_XATTR_PREFIX, n) != 0)
		return NULL;
	for (i = 0; i < FSX_NXATTRS; i++)
		if (strcmp(name + n, fsx_xattrs[i].name) == 0)
			return &fsx_xattrs[i];
	return NULL;
}

/* bpffs has no xattr namespace at all (EOPNOTSUPP); here only user.*
 * exists. EOPNOTSUPP for the others also tells ls that there are no ACLs
 * or security labels, so it stops asking for every file (ENODATA would
 * not: ls -l of 10,000 pins then cost 20,000 more round trips). */
void fsx_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		  size_t size)
{
	const struct fsx_xattr *x = fsx_x_find(name);
	char buf[FSX_PROV_VALUE_MAX];
	struct obj_ident obj;
	int r;

	if (!strncmp(name, FSX_PROV_PREFIX, strlen(FSX_PROV_PREFIX))) {
		r = fsx_prov_xattr(fsx_of(req)->ns, ino, name, buf, sizeof(buf));
		fsx_reply_sized(req, buf, r, size);
		return;
	}
	if (!x) {
		fuse_reply_err(req, strncmp(name, "user.", 5) ? EOPNOTSUPP
							      : ENODATA);
		return;
	}
	r = fsx_x_obj(req, ino, &obj);
	if (r == 0)
		r = fsx_x_get(x, &obj, buf, sizeof(buf));
	fsx_reply_sized(req, buf, r, size);
}

static int fsx_x_list(const struct obj_ident *obj, char *list, size_t size)
{
	char value[FSX_XATTR_VALUE_MAX];
	size_t i;
	int len = 0;

	for (i = 0; i < FSX_NXATTRS; i++) {
		if (fsx_x_get(&fsx_xattrs[i], obj, value, sizeof(value)) < 0)
			continue;
		len += snprintf(list + len, size - len, "%s%s",
				FSX_XATTR_PREFIX, fsx_xattrs[i].name) + 1;
	}
	return len;
}

void fsx_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	char list[FSX_XATTR_LIST_MAX];
	struct obj_ident obj;
	int r;

	r = fsx_x_obj(req, ino, &obj);
	if (r == -ENODATA)
		r = 0;
	else if (r == 0)
		r = fsx_x_list(&obj, list, sizeof(list));
	if (r >= 0)
		r += fsx_prov_list(fsx_of(req)->ns, ino, list + r, sizeof(list) - (size_t)r);
	fsx_reply_sized(req, list, r, size);
}
