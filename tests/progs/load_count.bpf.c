/* tests/progs/load_count.bpf.c: a cgroup_skb egress program that counts
 * the bytes it sees into a hash map, keyed by protocol (test_load.c). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} load_bytes SEC(".maps");

SEC("cgroup_skb/egress")
int count_egress(struct __sk_buff *skb)
{
	__u32 key = skb->protocol;
	__u64 one = skb->len, *v = bpf_map_lookup_elem(&load_bytes, &key);

	if (v)
		__sync_fetch_and_add(v, skb->len);
	else
		bpf_map_update_elem(&load_bytes, &key, &one, BPF_NOEXIST);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
