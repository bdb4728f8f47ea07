/* bpf/attach_link.c: the kernel calls behind a link: BPF_LINK_CREATE for
 * every target but tracing, which BPF_RAW_TRACEPOINT_OPEN serves for any
 * tracing program (fentry, fexit, tp_btf, lsm need nothing but the
 * program; a raw_tp program names its tracepoint); BPF_LINK_UPDATE and
 * BPF_LINK_DETACH; and whether a link is attached where a request says. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/attach.h"

static const char *prog_type_name(uint32_t t)
{
	const char *s = libbpf_bpf_prog_type_str((enum bpf_prog_type)t);

	return s ? s : "unknown";
}

static bool is_tracing(uint32_t t)
{
	return t == BPF_PROG_TYPE_TRACING || t == BPF_PROG_TYPE_LSM ||
	       t == BPF_PROG_TYPE_EXT || t == BPF_PROG_TYPE_RAW_TRACEPOINT ||
	       t == BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE;
}

static int tracing_link(const struct attach_req *r, uint32_t prog_type,
			char *why, size_t whylen)
{
	bool raw = prog_type == BPF_PROG_TYPE_RAW_TRACEPOINT ||
		   prog_type == BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE;
	int fd;

	if (!is_tracing(prog_type)) {
		snprintf(why, whylen, "program is of type %s, not a tracing "
			 "program (tracing, lsm, ext, raw_tracepoint)",
			 prog_type_name(prog_type));
		return -EINVAL;
	}
	if (raw != (r->tp_name != NULL)) {
		snprintf(why, whylen, raw ? "a raw_tracepoint program needs the "
			 "tracepoint's name" : "only a raw_tracepoint program "
			 "takes a tracepoint's name");
		return -EINVAL;
	}
	fd = bpf_raw_tracepoint_open(r->tp_name, r->prog_fd);
	return fd < 0 ? -errno : fd;
}

int attach_link_create(const struct attach_req *r, uint32_t prog_type,
		       char *why, size_t whylen)
{
	int target, fd;

	if (r->target == ATTACH_TRACING)
		fd = tracing_link(r, prog_type, why, whylen);
	else if (r->type->prog_type != prog_type) {
		snprintf(why, whylen, "program is of type %s; a link of attach type %s takes %s",
			 prog_type_name(prog_type), r->type->name,
			 prog_type_name(r->type->prog_type));
		return -EINVAL;
	} else {
		target = r->target == ATTACH_XDP || r->target == ATTACH_TCX ?
			 (int)r->ifindex : r->target_fd;
		fd = bpf_link_create(r->prog_fd, target,
				     (enum bpf_attach_type)r->type->type, NULL);
		fd = fd < 0 ? -errno : fd;
	}
	if (fd < 0 && why && !why[0])
		snprintf(why, whylen, "the kernel refused the link: %s%s",
			 strerror(-fd), fd == -EINVAL && r->type ? " (was the "
			 "program loaded for this attach type?)" : "");
	return fd;
}

int attach_link_update(int link_fd, int prog_fd)
{
	return bpf_link_update(link_fd, prog_fd, NULL) < 0 ? -errno : 0;
}

int attach_link_detach(int link_fd)
{
	return bpf_link_detach(link_fd) < 0 ? -errno : 0;
}

/* Where a link is: its type, attach type and the id of its target, read
 * from the union of bpf_link_info (the tcx and sockmap members are newer
 * than our headers: two u32s, as xdp's one). */
struct point {
	uint32_t link_type, attach_type;
	uint64_t where;
};

static int link_point(int fd, struct point *p)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);
	const __u32 *u = (const __u32 *)&info.xdp;

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
		return -errno;
	*p = (struct point){ .link_type = info.type };
	switch (info.type) {
	case BPF_LINK_TYPE_CGROUP:
		p->where = info.cgroup.cgroup_id;
		p->attach_type = info.cgroup.attach_type;
		break;
	case BPF_LINK_TYPE_NETNS:
		p->where = info.netns.netns_ino;
		p->attach_type = info.netns.attach_type;
		break;
	case BPF_LINK_TYPE_XDP:
		p->where = info.xdp.ifindex;
		p->attach_type = BPF_XDP;
		break;
	case ATTACH_LINK_TYPE_TCX:
	case ATTACH_LINK_TYPE_SOCKMAP:
		p->where = u[0];
		p->attach_type = u[1];
		break;
	}
	return 0;
}

static uint32_t want_link_type(enum attach_target t)
{
	switch (t) {
	case ATTACH_CGROUP: return BPF_LINK_TYPE_CGROUP;
	case ATTACH_XDP: return BPF_LINK_TYPE_XDP;
	case ATTACH_TCX: return ATTACH_LINK_TYPE_TCX;
	case ATTACH_NETNS: return BPF_LINK_TYPE_NETNS;
	case ATTACH_SOCKMAP: return ATTACH_LINK_TYPE_SOCKMAP;
	default: return 0;
	}
}

int attach_link_matches(int link_fd, const struct attach_req *r, char *why,
			size_t whylen)
{
	struct point p = { 0 };
	int e = link_point(link_fd, &p);

	if (e < 0)
		return e;
	if (r->target == ATTACH_TRACING) {
		if (p.link_type == BPF_LINK_TYPE_TRACING ||
		    p.link_type == BPF_LINK_TYPE_RAW_TRACEPOINT)
			return 0;
	} else if (p.link_type == want_link_type(r->target) &&
		   p.attach_type == r->type->type && p.where == r->where) {
		return 0;
	}
	if (p.link_type == want_link_type(r->target) && p.where == 0)
		snprintf(why, whylen, "the link is detached: make a new one");
	else
		snprintf(why, whylen, "the link is not a %s link attached "
			 "there (type %u, attach type %u, at %llu)",
			 r->type ? r->type->name : "tracing", p.link_type,
			 p.attach_type, (unsigned long long)p.where);
	return -EINVAL;
}
