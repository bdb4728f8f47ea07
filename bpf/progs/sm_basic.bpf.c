/* bpf/progs/sm_basic.bpf.c: the built-ins pass and drop, for the skb
 * verdicts (stream_verdict, skb_verdict) and msg_verdict, counting. A
 * dropped sendmsg fails with EACCES at the sender, and on this kernel every
 * later sendmsg of that socket does too (sk_msg's drop is sticky). */
#include "sm_common.bpf.h"

SEC("sk_skb")
int pass_skb(struct __sk_buff *skb)
{
	sm_count(sm_rx_cookie(skb), false, skb->len, 1, SM_PASSED);
	return SK_PASS;
}

SEC("sk_skb")
int drop_skb(struct __sk_buff *skb)
{
	sm_count(sm_rx_cookie(skb), false, skb->len, 1, SM_DROPPED);
	return SK_DROP;
}

SEC("sk_msg")
int pass_msg(struct sk_msg_md *msg)
{
	sm_count(sm_msg_cookie(msg), true, msg->size, 1, SM_PASSED);
	return SK_PASS;
}

SEC("sk_msg")
int drop_msg(struct sk_msg_md *msg)
{
	sm_count(sm_msg_cookie(msg), true, msg->size, 1, SM_DROPPED);
	return SK_DROP;
}

char LICENSE[] SEC("license") = "GPL";
