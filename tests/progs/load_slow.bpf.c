/* tests/progs/load_slow.bpf.c: a program the verifier takes long over: a
 * bounded loop it walks iteration by iteration (each iteration's state
 * differs in the counter, so none is pruned), close to the limit of a
 * million instructions processed (test_load.c, bench/). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifndef SLOW_ITERS
#define SLOW_ITERS 120000
#endif

static __always_inline int walk(__u32 x)
{
	__u32 acc = 0;

	for (int i = 0; i < SLOW_ITERS; i++)
		acc = acc * 3 + (x ^ i);
	return acc & 1;
}

/* Three of them: 0.3 to 0.6 s of verification each here. */
SEC("cgroup_skb/egress")
int slow(struct __sk_buff *skb)
{
	return walk(skb->len);
}

SEC("cgroup_skb/ingress")
int slow_too(struct __sk_buff *skb)
{
	return walk(skb->len + 1);
}

SEC("cgroup_skb/egress")
int slow_three(struct __sk_buff *skb)
{
	return walk(skb->len + 2);
}

char LICENSE[] SEC("license") = "GPL";
