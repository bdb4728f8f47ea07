/* tests/progs/attach_types.bpf.c: a minimal program for every attach
 * type a link can be made for (each lets everything through), and a
 * sockmap for the sockmap links. The unix cgroup hooks are newer than
 * our libbpf's section names: the test loads sock_addr programs for them
 * with the expected attach type set by hand. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define ALLOW(sec, name, ctx, ret) \
	SEC(sec) int name(ctx *c) { return ret; }

ALLOW("cgroup_skb/ingress", t_ingress, struct __sk_buff, 1)
ALLOW("cgroup_skb/egress", t_egress, struct __sk_buff, 1)
ALLOW("cgroup/sock_create", t_sock_create, struct bpf_sock, 1)
ALLOW("cgroup/sock_release", t_sock_release, struct bpf_sock, 1)
ALLOW("cgroup/post_bind4", t_post_bind4, struct bpf_sock, 1)
ALLOW("cgroup/post_bind6", t_post_bind6, struct bpf_sock, 1)
ALLOW("sockops", t_sock_ops, struct bpf_sock_ops, 1)
ALLOW("cgroup/dev", t_device, struct bpf_cgroup_dev_ctx, 1)
ALLOW("cgroup/bind4", t_bind4, struct bpf_sock_addr, 1)
ALLOW("cgroup/bind6", t_bind6, struct bpf_sock_addr, 1)
ALLOW("cgroup/connect4", t_connect4, struct bpf_sock_addr, 1)
ALLOW("cgroup/connect6", t_connect6, struct bpf_sock_addr, 1)
ALLOW("cgroup/sendmsg4", t_sendmsg4, struct bpf_sock_addr, 1)
ALLOW("cgroup/sendmsg6", t_sendmsg6, struct bpf_sock_addr, 1)
ALLOW("cgroup/recvmsg4", t_recvmsg4, struct bpf_sock_addr, 1)
ALLOW("cgroup/recvmsg6", t_recvmsg6, struct bpf_sock_addr, 1)
ALLOW("cgroup/getpeername4", t_getpeername4, struct bpf_sock_addr, 1)
ALLOW("cgroup/getpeername6", t_getpeername6, struct bpf_sock_addr, 1)
ALLOW("cgroup/getsockname4", t_getsockname4, struct bpf_sock_addr, 1)
ALLOW("cgroup/getsockname6", t_getsockname6, struct bpf_sock_addr, 1)
ALLOW("cgroup/connect4", t_connect_unix, struct bpf_sock_addr, 1)
ALLOW("cgroup/sendmsg4", t_sendmsg_unix, struct bpf_sock_addr, 1)
ALLOW("cgroup/recvmsg4", t_recvmsg_unix, struct bpf_sock_addr, 1)
ALLOW("cgroup/getpeername4", t_getpeername_unix, struct bpf_sock_addr, 1)
ALLOW("cgroup/getsockname4", t_getsockname_unix, struct bpf_sock_addr, 1)
ALLOW("cgroup/sysctl", t_sysctl, struct bpf_sysctl, 1)
ALLOW("cgroup/getsockopt", t_getsockopt, struct bpf_sockopt, 1)
ALLOW("cgroup/setsockopt", t_setsockopt, struct bpf_sockopt, 1)
ALLOW("xdp", t_xdp, struct xdp_md, XDP_PASS)
ALLOW("tc", t_tcx, struct __sk_buff, -1)
ALLOW("sk_lookup", t_sk_lookup, struct bpf_sk_lookup, SK_PASS)
ALLOW("flow_dissector", t_flow, struct __sk_buff, 129)
ALLOW("sk_msg", t_sk_msg, struct sk_msg_md, SK_PASS)
ALLOW("sk_skb/stream_verdict", t_stream_verdict, struct __sk_buff, SK_PASS)
ALLOW("tp_btf/sched_process_exec", t_tp_btf, void, 0)
ALLOW("raw_tp/sys_enter", t_raw_tp, void, 0)

struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} socks SEC(".maps");

char LICENSE[] SEC("license") = "GPL";
