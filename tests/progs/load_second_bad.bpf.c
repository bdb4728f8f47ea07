/* tests/progs/load_second_bad.bpf.c: two programs and a map; the first
 * is fine, the second the verifier refuses, so the load must leave
 * nothing behind (test_load.c). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} slots SEC(".maps");

SEC("cgroup_skb/egress")
int first_ok(struct __sk_buff *skb)
{
	return 1;
}

SEC("cgroup_skb/ingress")
int second_bad(struct __sk_buff *skb)
{
	__u32 key = skb->len;	/* unbounded index, unchecked result */
	__u64 *v = bpf_map_lookup_elem(&slots, &key);

	return *v;
}

char LICENSE[] SEC("license") = "GPL";
