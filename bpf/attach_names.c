/* bpf/attach_names.c: the attach types a link can be made for, by
 * libbpf's name (what bpftool prints) and bpftool's traditional short
 * name (what `bpftool cgroup attach` also takes), with the target they
 * attach to and the program type the kernel asks for. */
#include "config.h"

#include <string.h>

#include <linux/bpf.h>

#include "bpf/attach.h"

#define CG(t, n, s, p) { t, "cgroup_" n, s, ATTACH_CGROUP, BPF_PROG_TYPE_##p }

const struct attach_type attach_types[] = {
	CG(BPF_CGROUP_INET_INGRESS, "inet_ingress", "ingress", CGROUP_SKB),
	CG(BPF_CGROUP_INET_EGRESS, "inet_egress", "egress", CGROUP_SKB),
	CG(BPF_CGROUP_INET_SOCK_CREATE, "inet_sock_create", "sock_create", CGROUP_SOCK),
	CG(BPF_CGROUP_INET_SOCK_RELEASE, "inet_sock_release", "sock_release", CGROUP_SOCK),
	CG(BPF_CGROUP_INET4_POST_BIND, "inet4_post_bind", "post_bind4", CGROUP_SOCK),
	CG(BPF_CGROUP_INET6_POST_BIND, "inet6_post_bind", "post_bind6", CGROUP_SOCK),
	CG(BPF_CGROUP_SOCK_OPS, "sock_ops", "sock_ops", SOCK_OPS),
	CG(BPF_CGROUP_DEVICE, "device", "device", CGROUP_DEVICE),
	CG(BPF_CGROUP_INET4_BIND, "inet4_bind", "bind4", CGROUP_SOCK_ADDR),
	CG(BPF_CGROUP_INET6_BIND, "inet6_bind", "bind6", CGROUP_SOCK_ADDR),
	CG(BPF_CGROUP_INET4_CONNECT, "inet4_connect", "connect4", CGROUP_SOCK_ADDR),
	CG(BPF_CGROUP_INET6_CONNECT, "inet6_connect", "connect6", CGROUP_SOCK_ADDR),
	CG(BPF_CGROUP_UDP4_SENDMSG, "udp4_sendmsg", "sendmsg4", CGROUP_SOCK_ADDR),
	CG(BPF_CGROUP_UDP6_SENDMSG, "udp6_sendmsg", "sendmsg6", CGROUP_SOCK_ADDR),
	CG(BPF_CGROUP_UDP4_RECVMSG, "udp4_recvmsg", "recvmsg4", CGROUP_SOCK_ADDR),
	CG(BPF_CGROUP_UDP6_RECVMSG, "udp6_recvmsg", "recvmsg6", CGROUP_SOCK_ADDR),
	CG(BPF_CGROUP_INET4_GETPEERNAME, "inet4_getpeername", "getpeername4", CGROUP_SOCK_ADDR),
	CG(BPF_CGROUP_INET6_GETPEERNAME, "inet6_getpeername", "getpeername6", CGROUP_SOCK_ADDR),
	CG(BPF_CGROUP_INET4_GETSOCKNAME, "inet4_getsockname", "getsockname4", CGROUP_SOCK_ADDR),
	CG(BPF_CGROUP_INET6_GETSOCKNAME, "inet6_getsockname", "getsockname6", CGROUP_SOCK_ADDR),
	CG(ATTACH_TYPE_UNIX_CONNECT, "unix_connect", "connect_unix", CGROUP_SOCK_ADDR),
	CG(ATTACH_TYPE_UNIX_SENDMSG, "unix_sendmsg", "sendmsg_unix", CGROUP_SOCK_ADDR),
	CG(ATTACH_TYPE_UNIX_RECVMSG, "unix_recvmsg", "recvmsg_unix", CGROUP_SOCK_ADDR),
	CG(ATTACH_TYPE_UNIX_GETPEERNAME, "unix_getpeername", "getpeername_unix", CGROUP_SOCK_ADDR),
	CG(ATTACH_TYPE_UNIX_GETSOCKNAME, "unix_getsockname", "getsockname_unix", CGROUP_SOCK_ADDR),
	CG(BPF_CGROUP_SYSCTL, "sysctl", "sysctl", CGROUP_SYSCTL),
	CG(BPF_CGROUP_GETSOCKOPT, "getsockopt", "getsockopt", CGROUP_SOCKOPT),
	CG(BPF_CGROUP_SETSOCKOPT, "setsockopt", "setsockopt", CGROUP_SOCKOPT),
	{ BPF_LSM_CGROUP, "lsm_cgroup", NULL, ATTACH_CGROUP, BPF_PROG_TYPE_LSM },
	{ BPF_XDP, "xdp", NULL, ATTACH_XDP, BPF_PROG_TYPE_XDP },
	{ ATTACH_TYPE_TCX_INGRESS, "tcx_ingress", "ingress", ATTACH_TCX, BPF_PROG_TYPE_SCHED_CLS },
	{ ATTACH_TYPE_TCX_EGRESS, "tcx_egress", "egress", ATTACH_TCX, BPF_PROG_TYPE_SCHED_CLS },
	{ BPF_SK_LOOKUP, "sk_lookup", NULL, ATTACH_NETNS, BPF_PROG_TYPE_SK_LOOKUP },
	{ BPF_FLOW_DISSECTOR, "flow_dissector", NULL, ATTACH_NETNS, BPF_PROG_TYPE_FLOW_DISSECTOR },
	{ BPF_SK_MSG_VERDICT, "sk_msg_verdict", "msg_verdict", ATTACH_SOCKMAP, BPF_PROG_TYPE_SK_MSG },
	{ BPF_SK_SKB_VERDICT, "sk_skb_verdict", "skb_verdict", ATTACH_SOCKMAP, BPF_PROG_TYPE_SK_SKB },
	{ BPF_SK_SKB_STREAM_VERDICT, "sk_skb_stream_verdict", "stream_verdict", ATTACH_SOCKMAP, BPF_PROG_TYPE_SK_SKB },
	{ BPF_SK_SKB_STREAM_PARSER, "sk_skb_stream_parser", "stream_parser", ATTACH_SOCKMAP, BPF_PROG_TYPE_SK_SKB },
	{ 0, NULL, NULL, 0, 0 },
};

const struct attach_type *attach_type_find(enum attach_target target,
					   const char *name)
{
	for (const struct attach_type *t = attach_types; t->name; t++)
		if (t->target == target && (!strcmp(t->name, name) ||
		    (t->short_name && !strcmp(t->short_name, name))))
			return t;
	return NULL;
}

const struct attach_type *attach_type_by_id(uint32_t type)
{
	for (const struct attach_type *t = attach_types; t->name; t++)
		if (t->type == type)
			return t;
	return NULL;
}

static const char *const target_names[] = {
	[ATTACH_CGROUP] = "cgroup", [ATTACH_XDP] = "xdp", [ATTACH_TCX] = "tcx",
	[ATTACH_NETNS] = "netns", [ATTACH_TRACING] = "tracing",
	[ATTACH_SOCKMAP] = "sockmap",
};

enum attach_target attach_target_find(const char *name)
{
	for (size_t i = 1; i < sizeof(target_names) / sizeof(target_names[0]); i++)
		if (!strcmp(target_names[i], name))
			return (enum attach_target)i;
	return 0;
}

const char *attach_target_name(enum attach_target t)
{
	return t > 0 && t <= ATTACH_SOCKMAP ? target_names[t] : "?";
}
