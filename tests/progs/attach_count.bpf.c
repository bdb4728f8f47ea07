/* tests/progs/attach_count.bpf.c: two cgroup_skb egress programs that
 * add the bytes of every packet leaving the cgroup to a hash map, under
 * key 1 (count_a) or key 2 (count_b): which key grows tells which
 * program a link runs. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} bytes SEC(".maps");

static int add(__u32 key, struct __sk_buff *skb)
{
	__u64 *v = bpf_map_lookup_elem(&bytes, &key), len = skb->len;

	if (v)
		__sync_fetch_and_add(v, len);
	else
		bpf_map_update_elem(&bytes, &key, &len, BPF_NOEXIST);
	return 1;
}

SEC("cgroup_skb/egress")
int count_a(struct __sk_buff *skb)
{
	return add(1, skb);
}

SEC("cgroup_skb/egress")
int count_b(struct __sk_buff *skb)
{
	return add(2, skb);
}

char LICENSE[] SEC("license") = "GPL";
