/* bpf/obj_map.c: a map's `bpftool -j map show` object: id, type, name,
 * flags, dev, bytes_key, bytes_value, max_entries, bytes_memlock,
 * owner_prog_type and owner_jited (program arrays), frozen, btf_id.
 * Left out: "pids" and "pinned" (see bpf/obj_json.c). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>

#include "bpf/obj.h"
#include "bpf/obj_int.h"

static void map_header(struct objj *b, const struct bpf_map_info *info)
{
	objj_u64(b, "id", info->id);
	objj_type(b, "type", obj_map_type_name(info->type), info->type);
	if (info->name[0])
		objj_str(b, "name", info->name);
	/* bpftool prints the flags with "%d" */
	objj_i64(b, "flags", (int32_t)info->map_flags);
	objj_dev(b, info->ifindex, info->netns_dev, info->netns_ino);
	objj_u64(b, "bytes_key", info->key_size);
	objj_u64(b, "bytes_value", info->value_size);
	objj_u64(b, "max_entries", info->max_entries);
}

/* Which program type a program array is bound to, once a program that
 * tail-calls through it has been loaded. */
static void map_owner(struct objj *b, const struct obj_fdinfo *fi)
{
	if (fi->has_owner_prog_type)
		objj_type(b, "owner_prog_type",
			  obj_prog_type_name(fi->owner_prog_type),
			  fi->owner_prog_type);
	if (fi->has_owner_jited)
		objj_bool(b, "owner_jited", fi->owner_jited);
}

int obj_map_json(int fd, struct objj *b)
{
	struct bpf_map_info info;
	struct obj_fdinfo fi;
	__u32 len = sizeof(info);
	int r;

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
		return -errno;
	r = obj_fdinfo_read(fd, &fi);
	if (r < 0)
		return r;
	map_header(b, &info);
	if (fi.has_memlock)
		objj_i64(b, "bytes_memlock", fi.memlock);
	if (info.type == BPF_MAP_TYPE_PROG_ARRAY)
		map_owner(b, &fi);
	objj_i64(b, "frozen", fi.frozen);
	if (info.btf_id)
		objj_i64(b, "btf_id", info.btf_id);
	return 0;
}
