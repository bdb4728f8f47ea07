/* bpf/obj_prog.c: a program's `bpftool -j prog show` object: id, type,
 * name (the full BTF name when the kernel's is cut at 15 bytes), tag,
 * gpl_compatible, run_time_ns and run_cnt, recursion_misses, dev,
 * loaded_at, uid, bytes_xlated, jited, bytes_jited, bytes_memlock, map_ids,
 * btf_id. Left out: "pids", "pinned" and "metadata" (see bpf/obj_json.c). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <json-c/json.h>

#include "bpf/obj.h"
#include "bpf/obj_int.h"

#define FULL_NAME_MAX 128      /* bpftool's MAX_PROG_FULL_NAME */

/* The kernel keeps 15 bytes of a name; the BTF of the program's first
 * function has all of it. Any failure keeps the short name. */
static void full_name(int fd, const struct bpf_prog_info *pi, char *name)
{
	struct bpf_func_info finfo = { 0 };
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	const struct btf_type *t;
	struct btf *btf;

	snprintf(name, FULL_NAME_MAX, "%s", pi->name);
	if (strlen(pi->name) < BPF_OBJ_NAME_LEN - 1 || !pi->btf_id ||
	    !pi->nr_func_info)
		return;
	memset(&info, 0, sizeof(info));
	info.nr_func_info = 1;
	info.func_info_rec_size = pi->func_info_rec_size;
	if (info.func_info_rec_size > sizeof(finfo))
		info.func_info_rec_size = sizeof(finfo);
	info.func_info = (uintptr_t)&finfo;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
		return;
	btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!btf)
		return;
	t = btf__type_by_id(btf, finfo.type_id);
	if (t && btf_is_func(t))
		snprintf(name, FULL_NAME_MAX, "%s",
			 btf__name_by_offset(btf, t->name_off));
	btf__free(btf);
}

static void prog_header(int fd, struct objj *b,
			const struct bpf_prog_info *info)
{
	char name[FULL_NAME_MAX], tag[2 * BPF_TAG_SIZE + 1];
	int i;

	objj_u64(b, "id", info->id);
	objj_type(b, "type", obj_prog_type_name(info->type), info->type);
	if (info->name[0]) {
		full_name(fd, info, name);
		objj_str(b, "name", name);
	}
	for (i = 0; i < BPF_TAG_SIZE; i++)
		snprintf(tag + 2 * i, 3, "%02x", info->tag[i]);
	objj_str(b, "tag", tag);
	objj_bool(b, "gpl_compatible", info->gpl_compatible);
	if (info->run_time_ns) {
		objj_u64(b, "run_time_ns", info->run_time_ns);
		objj_u64(b, "run_cnt", info->run_cnt);
	}
	if (info->recursion_misses)
		objj_u64(b, "recursion_misses", info->recursion_misses);
}

/* load_time counts from boot; bpftool shows the wall clock's seconds,
 * rounded the way its print_boot_time() rounds them. */
static int64_t loaded_at(uint64_t boot_ns)
{
	struct timespec real, boot;

	if (clock_gettime(CLOCK_REALTIME, &real) < 0 ||
	    clock_gettime(CLOCK_BOOTTIME, &boot) < 0)
		return (int64_t)(boot_ns / 1000000000);
	return (int64_t)(real.tv_sec - boot.tv_sec) +
	       (int64_t)((uint64_t)(real.tv_nsec - boot.tv_nsec) + boot_ns) /
	       1000000000;
}

/* The ids of the maps the program uses, asked for in a second call. */
static int prog_map_ids(int fd, struct objj *b, uint32_t nr)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info), i;
	struct json_object *arr;
	uint32_t *ids;

	ids = calloc(nr, sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = nr;
	info.map_ids = (uintptr_t)ids;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0) {
		int err = errno;

		free(ids);
		return -err;
	}
	arr = json_object_new_array_ext((int)nr);
	for (i = 0; arr && i < info.nr_map_ids && i < nr; i++)
		if (json_object_array_add(arr, json_object_new_uint64(ids[i]))) {
			json_object_put(arr);
			arr = NULL;
		}
	free(ids);
	objj_add(b, "map_ids", arr);
	return 0;
}

int obj_prog_json(int fd, struct objj *b)
{
	struct bpf_prog_info info;
	struct obj_fdinfo fi;
	__u32 len = sizeof(info);
	int r;

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
		return -errno;
	if ((r = obj_fdinfo_read(fd, &fi)) < 0)
		return r;
	prog_header(fd, b, &info);
	objj_dev(b, info.ifindex, info.netns_dev, info.netns_ino);
	if (info.load_time) {
		objj_i64(b, "loaded_at", loaded_at(info.load_time));
		objj_u64(b, "uid", info.created_by_uid);
	}
	objj_u64(b, "bytes_xlated", info.xlated_prog_len);
	objj_bool(b, "jited", info.jited_prog_len != 0);
	if (info.jited_prog_len)
		objj_u64(b, "bytes_jited", info.jited_prog_len);
	if (fi.has_memlock)
		objj_i64(b, "bytes_memlock", fi.memlock);
	if (info.nr_map_ids && (r = prog_map_ids(fd, b, info.nr_map_ids)) < 0)
		return r;
	if (info.btf_id)
		objj_i64(b, "btf_id", info.btf_id);
	return 0;
}
