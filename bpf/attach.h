/* bpf/attach.h: making BPF links: what a client's target fd is (a cgroup
 * v2 directory, a network namespace) told without a call that could reach
 * a FUSE server, the attach types by bpftool's names, and the kernel calls
 * that create, update and detach a link. No policy: fs/ns decides who
 * may, daemon/ops_attach.c asks it. */
#ifndef BPFPIN_BPF_ATTACH_H
#define BPFPIN_BPF_ATTACH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What a link is attached to. */
enum attach_target {
	ATTACH_CGROUP = 1,      /* a cgroup v2 directory fd */
	ATTACH_XDP,             /* a netdev (ifindex) */
	ATTACH_TCX,             /* a netdev, ingress or egress */
	ATTACH_NETNS,           /* a network namespace fd */
	ATTACH_TRACING,         /* the program's own attach point */
	ATTACH_SOCKMAP,         /* a sockmap or sockhash */
};

/* Attach types newer than the UAPI headers we build against (kernel
 * values; the kernel has them since 6.6, 6.7 and 6.10). */
#define ATTACH_TYPE_TCX_INGRESS 46
#define ATTACH_TYPE_TCX_EGRESS 47
#define ATTACH_TYPE_UNIX_CONNECT 49
#define ATTACH_TYPE_UNIX_SENDMSG 50
#define ATTACH_TYPE_UNIX_RECVMSG 51
#define ATTACH_TYPE_UNIX_GETPEERNAME 52
#define ATTACH_TYPE_UNIX_GETSOCKNAME 53
#define ATTACH_LINK_TYPE_NETFILTER 10
#define ATTACH_LINK_TYPE_TCX 11
#define ATTACH_LINK_TYPE_NETKIT 13
#define ATTACH_LINK_TYPE_SOCKMAP 14

/* One attach type: libbpf's name ("cgroup_inet_egress"), bpftool's
 * traditional one ("egress", or NULL), and the program type it takes. */
struct attach_type {
	uint32_t type;
	const char *name, *short_name;
	enum attach_target target;
	uint32_t prog_type;
};

/* The type named name (either spelling) for target, or NULL. */
const struct attach_type *attach_type_find(enum attach_target target,
					   const char *name);
/* The entry of kernel attach type type, or NULL. */
const struct attach_type *attach_type_by_id(uint32_t type);
/* The table, ended by a NULL name (tests walk it). */
extern const struct attach_type attach_types[];
/* "cgroup", "xdp", "tcx", "netns", "tracing", "sockmap"; 0 if unknown. */
enum attach_target attach_target_find(const char *name);
const char *attach_target_name(enum attach_target t);

/* What a cgroup v2 directory fd is: its id (its inode number) and the
 * owner and mode the caller's write permission is decided on. */
struct attach_dir {
	uint64_t ino;
	uid_t uid;
	gid_t gid;
	mode_t mode;
};
/* 0 if fd is a directory of a cgroup2 filesystem; else -EINVAL (or
 * -EBADF) with why ("fd is a pipe, not a cgroup v2 directory"). Only
 * /proc/self/fd, fdinfo, mountinfo and statx with AT_STATX_DONT_SYNC, as
 * obj_identify: a file on our own mount is refused first. */
int attach_cgroup_fd(int fd, struct attach_dir *out, char *why, size_t whylen);
/* 0 if fd is a network namespace (nsfs, NS_GET_NSTYPE) with *ino its
 * inode number; else -EINVAL with why, as above. */
int attach_netns_fd(int fd, uint64_t *ino, char *why, size_t whylen);

/* One link to make. */
struct attach_req {
	enum attach_target target;
	const struct attach_type *type; /* NULL for tracing */
	int prog_fd;
	int target_fd;          /* cgroup, netns, the sockmap */
	unsigned ifindex;       /* xdp, tcx */
	const char *tp_name;    /* tracing: a raw_tp program's tracepoint */
	uint64_t where;         /* cgroup or netns inode, ifindex, map id */
};
/* A new link fd (O_CLOEXEC) or -errno, with why saying what the kernel
 * refused (the program's type is checked first, by name). */
int attach_link_create(const struct attach_req *r, uint32_t prog_type,
		       char *why, size_t whylen);
/* 0 if the link link_fd is attached where r says (replace must not swap
 * the program of a link elsewhere); -EINVAL with why otherwise. */
int attach_link_matches(int link_fd, const struct attach_req *r, char *why,
			size_t whylen);
/* BPF_LINK_UPDATE and BPF_LINK_DETACH: 0 or the kernel's -errno. */
int attach_link_update(int link_fd, int prog_fd);
int attach_link_detach(int link_fd);

#endif
