/* tests/progs/load_bad.bpf.c: a program the verifier refuses: it reads a
 * map value without checking the lookup's NULL (test_load.c). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} vals SEC(".maps");

SEC("cgroup_skb/egress")
int unchecked(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&vals, &key);

	return *v == 7;	/* no NULL check: the verifier says no */
}

char LICENSE[] SEC("license") = "GPL";
