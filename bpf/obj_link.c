/* bpf/obj_link.c: a link's `bpftool -j link show` object: id, type,
 * prog_id, and what bpftool v7.1 adds per type: tp_name (raw_tracepoint);
 * prog_type and attach_type (tracing); cgroup_id and attach_type (cgroup);
 * target_name, map_id, tid or pid, cgroup_id and order (iter); netns_ino
 * and attach_type (netns). What it is attached to for xdp (devname,
 * ifindex), tcx and netkit (devname, ifindex, attach_type) and sockmap
 * (map_id, attach_type) as later bpftools (v7.3 on) show it, where v7.1
 * shows nothing more; nothing more for perf_event, kprobe_multi,
 * struct_ops or the other types newer than our libbpf.
 * Left out: "pids" and "pinned" (see bpf/obj_json.c). */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bpf/obj.h"
#include "bpf/obj_int.h"

static void attach_type(struct objj *b, uint32_t type)
{
	objj_type(b, "attach_type", obj_attach_type_name(type), type);
}

/* A tracing link shows the type of its program, which takes a look at
 * the program itself. */
static int tracing(struct objj *b, const struct bpf_link_info *info)
{
	struct bpf_prog_info pi;
	__u32 len = sizeof(pi);
	int fd, r = 0;

	fd = bpf_prog_get_fd_by_id(info->prog_id);
	if (fd < 0)
		return -errno;
	memset(&pi, 0, sizeof(pi));
	if (bpf_obj_get_info_by_fd(fd, &pi, &len) < 0)
		r = -errno;
	close(fd);
	if (r < 0)
		return r;
	objj_type(b, "prog_type", obj_prog_type_name(pi.type), pi.type);
	attach_type(b, info->tracing.attach_type);
	return 0;
}

static const char *cgroup_order(uint32_t order)
{
	static const char *const names[] = {
		[BPF_CGROUP_ITER_ORDER_UNSPEC] = "order_unspec",
		[BPF_CGROUP_ITER_SELF_ONLY] = "self_only",
		[BPF_CGROUP_ITER_DESCENDANTS_PRE] = "descendants_pre",
		[BPF_CGROUP_ITER_DESCENDANTS_POST] = "descendants_post",
		[BPF_CGROUP_ITER_ANCESTORS_UP] = "ancestors_up",
	};

	return order < sizeof(names) / sizeof(names[0]) ? names[order] :
	       "unknown";
}

static void iter(struct objj *b, const struct bpf_link_info *info)
{
	const char *target = (const char *)(uintptr_t)info->iter.target_name;

	objj_str(b, "target_name", target);
	if (!strcmp(target, "bpf_map_elem") ||
	    !strcmp(target, "bpf_sk_storage_map")) {
		objj_u64(b, "map_id", info->iter.map.map_id);
	} else if (!strcmp(target, "task") || !strcmp(target, "task_file") ||
		   !strcmp(target, "task_vma")) {
		if (info->iter.task.tid)
			objj_u64(b, "tid", info->iter.task.tid);
		else if (info->iter.task.pid)
			objj_u64(b, "pid", info->iter.task.pid);
	}
	if (!strcmp(target, "cgroup")) {
		objj_u64(b, "cgroup_id", info->iter.cgroup.cgroup_id);
		objj_str(b, "order", cgroup_order(info->iter.cgroup.order));
	}
}

/* Two link types name something in a string the kernel copies out only
 * into a buffer we provide, once we know the type. */
static int link_info(int fd, struct bpf_link_info *info, char *buf,
		     size_t size)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	memset(buf, 0, size);
	if (bpf_obj_get_info_by_fd(fd, info, &len) < 0)
		return -errno;
	if (info->type == BPF_LINK_TYPE_RAW_TRACEPOINT) {
		info->raw_tracepoint.tp_name = (uintptr_t)buf;
		info->raw_tracepoint.tp_name_len = (__u32)size;
	} else if (info->type == BPF_LINK_TYPE_ITER) {
		info->iter.target_name = (uintptr_t)buf;
		info->iter.target_name_len = (__u32)size;
	} else {
		return 0;
	}
	len = sizeof(*info);
	if (bpf_obj_get_info_by_fd(fd, info, &len) < 0)
		return -errno;
	buf[size - 1] = '\0';
	return 0;
}

/* bpftool's device: its name (or "(detached)" for ifindex 0, "(unknown)"
 * for one gone), then its index. */
static void ifindex(struct objj *b, uint32_t idx)
{
	char name[IF_NAMESIZE] = "(unknown)";

	if (!idx)
		snprintf(name, sizeof(name), "(detached)");
	else if (!if_indextoname(idx, name))
		snprintf(name, sizeof(name), "(unknown)");
	objj_str(b, "devname", name);
	objj_u64(b, "ifindex", idx);
}

/* The types newer than our headers: the union's first two u32s (tcx,
 * netkit: ifindex and attach_type; sockmap: map_id and attach_type). */
#define LINK_TYPE_TCX 11
#define LINK_TYPE_NETKIT 13
#define LINK_TYPE_SOCKMAP 14

static void newer(struct objj *b, const struct bpf_link_info *info)
{
	const __u32 *u = (const __u32 *)&info->xdp;

	if (info->type == LINK_TYPE_SOCKMAP)
		objj_u64(b, "map_id", u[0]);
	else
		ifindex(b, u[0]);
	attach_type(b, u[1]);
}

int obj_link_json(int fd, struct objj *b)
{
	struct bpf_link_info info;
	char buf[256];
	int r;

	if ((r = link_info(fd, &info, buf, sizeof(buf))) < 0)
		return r;
	objj_u64(b, "id", info.id);
	objj_type(b, "type", obj_link_type_name(info.type), info.type);
	objj_u64(b, "prog_id", info.prog_id);
	switch (info.type) {
	case BPF_LINK_TYPE_RAW_TRACEPOINT:
		objj_str(b, "tp_name", buf);
		break;
	case BPF_LINK_TYPE_TRACING:
		return tracing(b, &info);
	case BPF_LINK_TYPE_CGROUP:
		objj_u64(b, "cgroup_id", info.cgroup.cgroup_id);
		attach_type(b, info.cgroup.attach_type);
		break;
	case BPF_LINK_TYPE_ITER:
		iter(b, &info);
		break;
	case BPF_LINK_TYPE_NETNS:
		objj_u64(b, "netns_ino", info.netns.netns_ino);
		attach_type(b, info.netns.attach_type);
		break;
	case BPF_LINK_TYPE_XDP:
		ifindex(b, info.xdp.ifindex);
		break;
	case LINK_TYPE_TCX:
	case LINK_TYPE_NETKIT:
	case LINK_TYPE_SOCKMAP:
		newer(b, &info);
		break;
	}
	return 0;
}
