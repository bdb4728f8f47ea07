/* bpf/progs/sm_accept.bpf.c: accept mode (sockmap/sm_accept.h). A
 * sock_ops program on the cgroup v2 root adds each connection accepted
 * on a listener the manager was handed to that listener's sockhash,
 * keyed by the new socket's cookie. Which listener a new connection came
 * from is told in the kernel: the manager tags the listener with socket
 * storage of a BPF_F_CLONE map (the value: the listener's cookie); the
 * kernel copies that storage into each child it clones from the
 * listener, before the child's PASSIVE_ESTABLISHED callback runs. So a
 * closed listener tags nothing any more, and another listener on the same
 * port was never tagged. sm_listen (listener cookie -> record) is what
 * the manager keeps: a tag whose listener is not in it (removed) adds
 * nothing. What each added connection is (addresses) goes in sm_conn,
 * for listing it, and its counters and cookie in the sockmap's aux maps.
 * Carried in bpfpind as a skeleton. */
#include <linux/bpf.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>

#include "sm_aux_maps.bpf.h"
#include <bpf/bpf_endian.h>

#define AF_INET 2

char LICENSE[] SEC("license") = "GPL";

/* sockmap/sm_accept.c's struct accept_listener, byte for byte (only its
 * size matters here: this program reads no field of it). */
struct sm_listener {
	__u64 cookie, netns;
	__u32 uid, port;
	__u8 local[28];     /* struct sockaddr_in6 */
	__u32 pad;
};
_Static_assert(sizeof(struct sm_listener) == 56, "sockmap/sm_accept.c's record");

/* sockmap/sm_accept.c's struct accept_conn: what an added connection is,
 * for listing it (its key is a cookie, which says nothing). Addresses in
 * network order, IPv4 in local[0]; ports in host order. */
struct sm_conn {
	__u64 listener;
	__u32 family;
	__u16 local_port, remote_port;
	__u32 local[4], remote[4];
};
_Static_assert(sizeof(struct sm_conn) == 48, "sockmap/sm_accept.c's conn");


/* Replaced (bpf_map__reuse_fd) by the sockhash of the manager's sockmap. */
struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, __u64);
} sm_hash SEC(".maps");

/* Listeners in accept mode on sm_hash, by cookie. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);
	__type(value, struct sm_listener);
} sm_listen SEC(".maps");

/* The tag: on a listener its own cookie, copied into its children. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, __u64);
} sm_tag SEC(".maps");

/* The listeners again, as sockets: a closed one leaves this sockhash by
 * itself, which is how user space tells it is gone (any netns, no
 * sock_diag). No program touches it. */
struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, 256);
	__type(key, __u64);
	__type(value, __u64);
} sm_lsk SEC(".maps");

/* Added connections by cookie; deleted when they close (LRU: those that
 * closed while no program ran go when room is needed). Sized at load;
 * kept (pinned) while the sockmap is managed, as its members are. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, struct sm_conn);
} sm_conn SEC(".maps");

/* The member's cookie in sm_sk (sk_msg cannot ask for it) and zeroed
 * counters, so the first message is counted. */
static __always_inline void member_note(struct bpf_sock *sk, __u64 cookie)
{
	struct sm_counters zero = {};
	__u64 *v = bpf_sk_storage_get(&sm_sk, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);

	if (!v)
		return;
	*v = cookie;
	bpf_map_update_elem(&sm_cnt, &cookie, &zero, BPF_NOEXIST);
}

static __always_inline void conn_note(struct bpf_sock_ops *ops, __u64 cookie,
				      __u64 listener)
{
	struct sm_conn c = {
		.listener = listener, .family = ops->family,
		.local_port = ops->local_port,
		/* the 16-bit network-order port, loaded into the upper half */
		.remote_port = bpf_ntohl(ops->remote_port),
	};

	if (ops->family == AF_INET) {
		c.local[0] = ops->local_ip4;
		c.remote[0] = ops->remote_ip4;
	} else {
		for (int i = 0; i < 4; i++) {
			c.local[i] = ops->local_ip6[i];
			c.remote[i] = ops->remote_ip6[i];
		}
	}
	bpf_map_update_elem(&sm_conn, &cookie, &c, BPF_ANY);
}

static __always_inline void established(struct bpf_sock_ops *ops)
{
	struct bpf_sock *sk = ops->sk;
	__u64 *tag, cookie;

	if (!sk)
		return;
	tag = bpf_sk_storage_get(&sm_tag, sk, 0, 0);
	if (!tag || !bpf_map_lookup_elem(&sm_listen, tag))
		return;
	cookie = bpf_get_socket_cookie(ops);
	member_note(sk, cookie);
	conn_note(ops, cookie, *tag);
	/* STATE_CB: drop its counters when it closes */
	bpf_sock_ops_cb_flags_set(ops, ops->bpf_sock_ops_cb_flags |
				  BPF_SOCK_OPS_STATE_CB_FLAG);
	bpf_sock_hash_update(ops, &sm_hash, &cookie, BPF_NOEXIST);
}

SEC("sockops")
int sm_accept_ops(struct bpf_sock_ops *ops)
{
	__u64 cookie;

	switch (ops->op) {
	case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB:
		established(ops);
		break;
	case BPF_SOCK_OPS_STATE_CB:
		if (ops->args[1] == BPF_TCP_CLOSE) {
			cookie = bpf_get_socket_cookie(ops);
			bpf_map_delete_elem(&sm_cnt, &cookie);
			bpf_map_delete_elem(&sm_conn, &cookie);
		}
		break;
	}
	return 1;
}
