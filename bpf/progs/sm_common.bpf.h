/* bpf/progs/sm_common.bpf.h: what the built-in sockmap programs
 * (bpf/progs/sm_*.bpf.c) share: the sockmap they run on ("sock", replaced
 * at load by the real sockmap or sockhash), the aux maps of that sockmap
 * (created once from sm_aux.bpf.c and reused by every program loaded for
 * it; sockmap/builtin_aux.c and builtin_tap.c mirror their layouts) and
 * the per-socket counting. */
#ifndef BPFPIN_SM_COMMON_BPF_H
#define BPFPIN_SM_COMMON_BPF_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "sm_aux_maps.bpf.h"

enum sm_verdict { SM_PASSED, SM_DROPPED, SM_REDIRECTED, SM_MISS };

/* lenprefix: where a socket's byte stream is in its current frame. */
struct sm_frame {
	__u32 left;     /* body bytes of the current frame still to come */
	__u32 hdr;      /* length header bytes gathered so far */
	__u32 have;     /* how many (0..3); 0 and left 0: at a frame start */
};

/* tap: an LPM trie key: data[0] the direction (1 rx, 2 tx), then the
 * message's first bytes; prefixlen in bits counts the direction byte. */
#define SM_TAP_PREFIX_MAX 16
struct sm_tap_key {
	__u32 prefixlen;
	__u8 data[1 + SM_TAP_PREFIX_MAX];
} __attribute__((packed));
enum sm_tap_action { SM_TAP_PASS, SM_TAP_DROP, SM_TAP_DISCONNECT };

/* max_entries 1 here: user space sets the real sizes (sm_aux) or
 * replaces the maps with the sockmap's own (every other object). */
struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} sock SEC(".maps");


struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, __u32);
} sm_peer SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, struct sm_frame);
} sm_frame SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 512);
	__type(key, struct sm_tap_key);
	__type(value, __u32);
} sm_tap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, __u8);
} sm_dead SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} sm_ev SEC(".maps");

/* The counters of a socket; created here for a socket user space did not
 * announce (NULL when the map is full: then it goes uncounted). Cookie 0
 * is no socket (an sk_msg socket without its sm_sk storage). */
static __always_inline struct sm_counters *sm_counters_of(__u64 cookie)
{
	struct sm_counters zero = {}, *c;

	if (!cookie)
		return NULL;
	c = bpf_map_lookup_elem(&sm_cnt, &cookie);
	if (c)
		return c;
	bpf_map_update_elem(&sm_cnt, &cookie, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&sm_cnt, &cookie);
}

/* Atomic adds: a per-CPU value still sees an sk_msg program and an sk_skb
 * one of the same socket interleave on one CPU (softirq). */
static __always_inline void sm_count(__u64 cookie, bool tx, __u64 bytes,
				     __u64 msgs, enum sm_verdict v)
{
	struct sm_counters *c = sm_counters_of(cookie);

	if (!c)
		return;
	__sync_fetch_and_add(tx ? &c->tx_bytes : &c->rx_bytes, bytes);
	__sync_fetch_and_add(tx ? &c->tx_msgs : &c->rx_msgs, msgs);
	__sync_fetch_and_add(v == SM_PASSED ? &c->passed :
			     v == SM_DROPPED ? &c->dropped :
			     v == SM_REDIRECTED ? &c->redirected :
			     &c->redirect_miss, 1);
}

/* Just the kernel fields sm_rx_cookie reads, placed by CO-RE at load
 * (the ___sm suffix keeps them apart from any real definition). */
struct sock_common___sm {
	struct {
		__s64 counter;
	} skc_cookie;
} __attribute__((preserve_access_index));
struct sock___sm {
	struct sock_common___sm __sk_common;
} __attribute__((preserve_access_index));
struct unix_sock___sm {
	struct sock___sm *peer;
} __attribute__((preserve_access_index));

/* The cookie of the member receiving skb. On TCP that is the socket the
 * skb belongs to; measured, an AF_UNIX skb still belongs to its sender,
 * so there it is the sender's peer. The kernel assigns a cookie when it
 * is first asked for; user space asked (SO_COOKIE) before the insert. */
static __always_inline __u64 sm_rx_cookie(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;
	struct unix_sock___sm *u;

	if (!sk || skb->family != 1 /* AF_UNIX */)
		return bpf_get_socket_cookie(skb);
	u = (struct unix_sock___sm *)bpf_skc_to_unix_sock(sk);
	if (!u || !u->peer)
		return 0;
	return u->peer->__sk_common.skc_cookie.counter;
}

/* sk_msg cannot call bpf_get_socket_cookie: user space stored the cookie
 * in the socket's sm_sk storage when it added the member. */
static __always_inline __u64 sm_msg_cookie(struct sk_msg_md *msg)
{
	struct bpf_sock *sk = msg->sk;
	__u64 *c;

	if (!sk)
		return 0;
	c = bpf_sk_storage_get(&sm_sk, sk, 0, 0);
	return c ? *c : 0;
}

/* Redirect to egress has no backpressure: the peer's backlog grows as
 * fast as this side receives. So every SM_BUDGET_STEP bytes a member
 * redirects (per CPU), it tells the manager (a 16-byte record on sm_ev:
 * cookie, SM_EV_BUDGET), which takes the member out of the map while its
 * peer's backlog is over budget (sockmap/sm_bp.c). Disconnect records are
 * 8 bytes, the cookie alone. */
#define SM_BUDGET_SHIFT 20
#define SM_EV_BUDGET 1
struct sm_event {
	__u64 cookie;
	__u64 kind;
};

static __always_inline void sm_budget_tick(__u64 cookie, __u64 bytes)
{
	struct sm_counters *c = bpf_map_lookup_elem(&sm_cnt, &cookie);
	struct sm_event ev = { .cookie = cookie, .kind = SM_EV_BUDGET };
	__u64 now;

	if (!c)
		return;
	now = c->rx_bytes;
	if ((now >> SM_BUDGET_SHIFT) != ((now - bytes) >> SM_BUDGET_SHIFT))
		bpf_ringbuf_output(&sm_ev, &ev, sizeof(ev), 0);
}

/* pair: send skb out of the peer's egress when this socket has one in
 * the map; else pass it here (nothing is lost) and call it a miss. hash:
 * the map is a sockhash (key u32), a constant per program. */
static __always_inline enum sm_verdict sm_redirect(struct __sk_buff *skb,
						   __u64 cookie, bool hash)
{
	__u32 *peer = bpf_map_lookup_elem(&sm_peer, &cookie);
	__u32 key;
	long rc;

	if (!peer)
		return SM_MISS;
	key = *peer;
	if (hash)
		rc = bpf_sk_redirect_hash(skb, &sock, &key, 0);
	else
		rc = bpf_sk_redirect_map(skb, &sock, key, 0);
	return rc == SK_PASS ? SM_REDIRECTED : SM_MISS;
}

#endif
