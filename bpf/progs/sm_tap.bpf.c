/* bpf/progs/sm_tap.bpf.c: the built-in tap: each message (an skb on rx,
 * a sendmsg on tx) is judged by the longest rule of sm_tap matching its
 * first bytes: pass, drop, or drop and disconnect.
 *
 * Disconnect: a program cannot end a connection, so it marks the socket
 * dead in sm_dead (from then on all of it is dropped, both ways) and puts
 * its cookie on the sm_ev ring buffer, once; the manager kills the socket.
 *
 * A dropped tx message is trimmed to nothing (bpf_msg_pop_data) and
 * passed, not SK_DROPped: sk_msg's drop is sticky on this kernel (every
 * later sendmsg of the socket fails with EACCES), which would turn one
 * refused message into a dead socket. The sender sees its write succeed.
 * A dead socket's tx is SK_DROPped: that socket is going away. */
#include "sm_common.bpf.h"

/* true when the socket was marked dead before */
static __always_inline bool tap_dead(__u64 cookie)
{
	return bpf_map_lookup_elem(&sm_dead, &cookie) != NULL;
}

static __always_inline void tap_kill(__u64 cookie)
{
	__u8 one = 1;

	/* only the first marking speaks: one event per socket */
	if (bpf_map_update_elem(&sm_dead, &cookie, &one, BPF_NOEXIST) == 0)
		bpf_ringbuf_output(&sm_ev, &cookie, sizeof(cookie), 0);
}

/* The action for key whose data[1..1+n) holds the message's first n
 * bytes; a rule longer than the message cannot match. */
static __always_inline __u32 tap_action(struct sm_tap_key *key, __u32 n)
{
	__u32 *a;

	key->prefixlen = 8 * (1 + n);
	a = bpf_map_lookup_elem(&sm_tap, key);
	return a ? *a : SM_TAP_PASS;
}

SEC("sk_skb")
int tap_skb(struct __sk_buff *skb)
{
	__u64 cookie = sm_rx_cookie(skb);
	struct sm_tap_key key = { .data = { 1 } };
	__u32 n = skb->len < SM_TAP_PREFIX_MAX ? skb->len : SM_TAP_PREFIX_MAX;
	__u32 act = SM_TAP_DROP;

	if (!tap_dead(cookie)) {
		if (n && bpf_skb_load_bytes(skb, 0, &key.data[1], n))
			n = 0;
		act = tap_action(&key, n);
	}
	if (act == SM_TAP_DISCONNECT)
		tap_kill(cookie);
	sm_count(cookie, false, skb->len, 1, act == SM_TAP_PASS ? SM_PASSED : SM_DROPPED);
	return act == SM_TAP_PASS ? SK_PASS : SK_DROP;
}

/* Copy the first n (<= 16) bytes of msg into key's data[1..]: they may
 * sit in several pages, so they are pulled into one first. */
static __always_inline __u32 tap_msg_head(struct sk_msg_md *msg,
					  struct sm_tap_key *key, __u32 n)
{
	__u8 *p, *end;

	if (n && bpf_msg_pull_data(msg, 0, n, 0))
		return 0;
	p = msg->data;
	end = msg->data_end;
	for (__u32 i = 0; i < SM_TAP_PREFIX_MAX; i++) {
		if (i >= n || p + i + 1 > end)
			return i;
		key->data[1 + i] = p[i];
	}
	return n;
}

SEC("sk_msg")
int tap_msg(struct sk_msg_md *msg)
{
	__u64 cookie = sm_msg_cookie(msg);
	struct sm_tap_key key = { .data = { 2 } };
	__u32 size = msg->size;
	__u32 n = size < SM_TAP_PREFIX_MAX ? size : SM_TAP_PREFIX_MAX;
	__u32 act;

	if (cookie && tap_dead(cookie)) {
		sm_count(cookie, true, size, 1, SM_DROPPED);
		return SK_DROP;
	}
	act = tap_action(&key, tap_msg_head(msg, &key, n));
	sm_count(cookie, true, size, 1, act == SM_TAP_PASS ? SM_PASSED : SM_DROPPED);
	if (act == SM_TAP_PASS)
		return SK_PASS;
	if (act == SM_TAP_DISCONNECT) {
		if (cookie)
			tap_kill(cookie);
		return SK_DROP;
	}
	return size && bpf_msg_pop_data(msg, 0, size, 0) ? SK_DROP : SK_PASS;
}

char LICENSE[] SEC("license") = "GPL";
