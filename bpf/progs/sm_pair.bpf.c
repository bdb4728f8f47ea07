/* bpf/progs/sm_pair.bpf.c: the built-in pair: every skb a member
 * receives leaves through its peer's egress (the peer's key in sm_peer,
 * by cookie), splicing two connections in the kernel. One program per map
 * type, as the redirect helper differs. */
#include "sm_common.bpf.h"

static __always_inline int pair(struct __sk_buff *skb, bool hash)
{
	__u64 cookie = sm_rx_cookie(skb);
	enum sm_verdict v = sm_redirect(skb, cookie, hash);

	sm_count(cookie, false, skb->len, 1, v);
	if (v == SM_REDIRECTED)
		sm_budget_tick(cookie, skb->len);
	return SK_PASS;
}

SEC("sk_skb")
int pair_map(struct __sk_buff *skb)
{
	return pair(skb, false);
}

SEC("sk_skb")
int pair_hash(struct __sk_buff *skb)
{
	return pair(skb, true);
}

char LICENSE[] SEC("license") = "GPL";
