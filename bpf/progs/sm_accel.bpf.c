/* bpf/progs/sm_accel.bpf.c: the "accelerate" built-in (sockmap/accel.h).
 * sock_ops adds each established TCP connection of a cgroup to a sockhash
 * keyed by (netns, local, remote); the sk_msg verdict on that sockhash
 * sends each message straight into the peer's receive queue when the peer
 * is in the map, else to TCP; a tcp iterator adds the connections that
 * were established before the start. Carried in bpfpind as a skeleton. */
#include <linux/bpf.h>
#include <linux/in6.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>

/* sm_cnt, sm_sk: the sockmap's aux maps when counting (sockmap/builtin.h);
 * else they stay the program's own, unused. */
#include "sm_aux_maps.bpf.h"
#include "sm_iter_tcp.bpf.h"
#include <bpf/bpf_endian.h>

#define AF_INET 2
#define AF_INET6 10
#define TCP_ESTABLISHED 1

char LICENSE[] SEC("license") = "GPL";

/* Both families in one form: IPv4 as v4-mapped IPv6, so a v6 socket
 * talking to ::ffff:a.b.c.d and the v4 socket at a.b.c.d find each
 * other. The netns cookie keeps equal tuples of two namespaces apart.
 * Ports in host order. */
struct sm_accel_key {
	__u64 netns;
	__u32 local_ip[4];
	__u32 remote_ip[4];
	__u16 local_port;
	__u16 remote_port;
	__u32 zero;
};
/* SOCKMAP_ACCEL_KEY_SIZE in sockmap/accel.h (not included: user-space
 * headers do not build for the bpf target). */
_Static_assert(sizeof(struct sm_accel_key) == 48, "sockmap/accel.h's key size");


/* Replaced (bpf_map__reuse_fd) by the sockhash being accelerated. */
struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, 1);
	__type(key, struct sm_accel_key);
	__type(value, __u64);
} sm_hash SEC(".maps");

/* Set before load: counting into sm_cnt/sm_sk; the cgroup (its id) whose
 * connections the iterator adds. */
const volatile bool counting;
const volatile __u64 cgroup_id;

/* Connections the iterator added (read by user space after a run). */
__u64 caught_up;

/* Kernel types read through BTF (CO-RE: offsets come from the running
 * kernel), only the fields used here. */
struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	volatile unsigned char skc_state;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
	struct {
		struct net *net;
	} skc_net;
} __attribute__((preserve_access_index));

struct net {
	__u64 net_cookie;
} __attribute__((preserve_access_index));

struct kernfs_node {
	__u64 id;
} __attribute__((preserve_access_index));

struct cgroup;
struct cgroup_subsys_state {
	struct cgroup *cgroup;
	struct cgroup_subsys_state *parent;
} __attribute__((preserve_access_index));

struct cgroup {
	struct cgroup_subsys_state self;
	struct kernfs_node *kn;
} __attribute__((preserve_access_index));

struct sock_cgroup_data {
	struct cgroup *cgroup;
} __attribute__((preserve_access_index));

struct sock {
	struct sock_cgroup_data sk_cgrp_data;
} __attribute__((preserve_access_index));

struct tcp_sock {
	__u32 rcv_nxt;
	__u32 copied_seq;
	__u32 snd_una;
	__u32 write_seq;
} __attribute__((preserve_access_index));


static __always_inline void addr_v4(__u32 *out, __u32 ip4)
{
	out[0] = 0;
	out[1] = 0;
	out[2] = bpf_htonl(0xffff);
	out[3] = ip4;
}

static __always_inline void addr_v6(__u32 *out, const __u32 *ip6)
{
	for (int i = 0; i < 4; i++)
		out[i] = ip6[i];
}

/* The key under which the socket itself is stored (sock_ops, iterator). */
static __always_inline int key_of_ops(struct bpf_sock_ops *ops,
				      struct sm_accel_key *k)
{
	k->netns = bpf_get_netns_cookie(ops);
	if (ops->family == AF_INET) {
		addr_v4(k->local_ip, ops->local_ip4);
		addr_v4(k->remote_ip, ops->remote_ip4);
	} else if (ops->family == AF_INET6) {
		addr_v6(k->local_ip, ops->local_ip6);
		addr_v6(k->remote_ip, ops->remote_ip6);
	} else {
		return -1;
	}
	k->local_port = ops->local_port;
	/* The 16-bit network-order port, loaded into the upper half. */
	k->remote_port = bpf_ntohl(ops->remote_port);
	k->zero = 0;
	return 0;
}

/* The key of the peer of the socket sending msg: its own, swapped. */
static __always_inline int key_of_peer(struct sk_msg_md *msg,
				       struct sm_accel_key *k)
{
	k->netns = bpf_get_netns_cookie(msg);
	if (msg->family == AF_INET) {
		addr_v4(k->local_ip, msg->remote_ip4);
		addr_v4(k->remote_ip, msg->local_ip4);
	} else if (msg->family == AF_INET6) {
		addr_v6(k->local_ip, msg->remote_ip6);
		addr_v6(k->remote_ip, msg->local_ip6);
	} else {
		return -1;
	}
	k->local_port = bpf_ntohl(msg->remote_port);
	k->remote_port = msg->local_port;
	k->zero = 0;
	return 0;
}

static __always_inline void counters_init(__u64 cookie)
{
	struct sm_counters zero = {};

	bpf_map_update_elem(&sm_cnt, &cookie, &zero, BPF_NOEXIST);
}

/* A member's cookie (sk_msg cannot ask for it) and a zeroed counter
 * entry, so its first message is counted. */
static __always_inline void member_note(void *sk, __u64 cookie)
{
	__u64 *v;

	if (!counting)
		return;
	v = bpf_sk_storage_get(&sm_sk, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!v)
		return;
	*v = cookie;
	counters_init(cookie);
}

SEC("sockops")
int sm_accel_ops(struct bpf_sock_ops *ops)
{
	struct sm_accel_key k;
	struct bpf_sock *sk;
	__u64 cookie;

	switch (ops->op) {
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
	case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB:
		sk = ops->sk;
		if (!sk || key_of_ops(ops, &k) < 0)
			return 1;
		cookie = bpf_get_socket_cookie(ops);
		member_note(sk, cookie);
		if (counting)   /* to drop the counters at close */
			bpf_sock_ops_cb_flags_set(ops, ops->bpf_sock_ops_cb_flags |
						  BPF_SOCK_OPS_STATE_CB_FLAG);
		bpf_sock_hash_update(ops, &sm_hash, &k, BPF_ANY);
		break;
	case BPF_SOCK_OPS_STATE_CB:
		if (ops->args[1] == BPF_TCP_CLOSE) {
			cookie = bpf_get_socket_cookie(ops);
			bpf_map_delete_elem(&sm_cnt, &cookie);
		}
		break;
	}
	return 1;
}

/* Byte order across the switch from TCP to redirect: a reader takes
 * queued redirected bytes before its TCP receive queue, so no byte of a
 * connection may still be in TCP when its first redirect lands. A sender
 * waits until all it sent by TCP is acknowledged (so is in the peer's
 * receive queue); the iterator adds no socket with unread TCP bytes
 * (what sock_ops adds has none yet). What it cannot see: the peer's
 * unread bytes (sk_msg cannot look a socket up, it could not release it),
 * so TCP bytes a peer left unread when it joined later are a race. */
static __always_inline bool tcp_idle(struct tcp_sock *tp)
{
	return tp && tp->snd_una == tp->write_seq;
}

static __always_inline bool tcp_all_read(struct tcp_sock *tp)
{
	return tp && tp->copied_seq == tp->rcv_nxt;
}

static __always_inline struct sm_counters *counters_of(struct sk_msg_md *msg)
{
	__u64 *cookie;

	if (!counting)
		return NULL;
	cookie = bpf_sk_storage_get(&sm_sk, msg->sk, 0, 0);
	return cookie ? bpf_map_lookup_elem(&sm_cnt, cookie) : NULL;
}

SEC("sk_msg")
int sm_accel_msg(struct sk_msg_md *msg)
{
	struct sm_counters *c = counters_of(msg);
	struct sm_accel_key k;
	bool redirected = false, miss = false;

	if (tcp_idle(bpf_skc_to_tcp_sock(msg->sk)) && key_of_peer(msg, &k) == 0) {
		/* SK_DROP here only means the peer is not in the map. */
		redirected = bpf_msg_redirect_hash(msg, &sm_hash, &k,
						   BPF_F_INGRESS) == SK_PASS;
		miss = !redirected;
	}
	if (c) {
		c->tx_bytes += msg->size;
		c->tx_msgs++;
		if (redirected)
			c->redirected++;
		else
			c->passed++;
		if (miss)
			c->redirect_miss++;
	}
	return SK_PASS;
}

/* Whether cg is the target cgroup or below it (sock_ops on a cgroup runs
 * for its descendants too). */
static __always_inline bool in_cgroup(struct cgroup *cg)
{
	for (int depth = 0; depth < 64 && cg; depth++) {
		if (cg->kn->id == cgroup_id)
			return true;
		cg = cg->self.parent ? cg->self.parent->cgroup : NULL;
	}
	return false;
}

static __always_inline void key_of_skc(struct sock_common *skc,
				       struct sm_accel_key *k)
{
	k->netns = skc->skc_net.net->net_cookie;
	if (skc->skc_family == AF_INET) {
		addr_v4(k->local_ip, skc->skc_rcv_saddr);
		addr_v4(k->remote_ip, skc->skc_daddr);
	} else {
		addr_v6(k->local_ip, skc->skc_v6_rcv_saddr.in6_u.u6_addr32);
		addr_v6(k->remote_ip, skc->skc_v6_daddr.in6_u.u6_addr32);
	}
	k->local_port = skc->skc_num;
	k->remote_port = bpf_ntohs(skc->skc_dport);
	k->zero = 0;
}

/* Catch-up: each established TCP socket of the cgroup, once. The
 * iterator holds the socket's lock while it runs this. */
SEC("iter/tcp")
int sm_accel_iter(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct sm_accel_key k;
	struct tcp_sock *tp;

	if (!skc || skc->skc_state != TCP_ESTABLISHED ||
	    (skc->skc_family != AF_INET && skc->skc_family != AF_INET6))
		return 0;
	tp = bpf_skc_to_tcp_sock(skc);
	if (!tcp_all_read(tp) || !in_cgroup(((struct sock *)tp)->sk_cgrp_data.cgroup))
		return 0;
	key_of_skc(skc, &k);
	member_note(tp, bpf_get_socket_cookie(skc));
	if (bpf_map_update_elem(&sm_hash, &k, skc, BPF_NOEXIST) == 0)
		caught_up++;
	return 0;
}
