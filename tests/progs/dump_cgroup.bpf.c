/* tests/progs/dump_cgroup.bpf.c: a cgroup egress program that uses a
 * cgroup storage and a per-CPU cgroup storage, so that attaching it to a
 * cgroup gives both maps an entry to dump. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct dc_val {
	__u64 packets;
	__u32 mark;
};

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_STORAGE);
	__type(key, struct bpf_cgroup_storage_key);
	__type(value, struct dc_val);
} dc_storage SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE);
	__type(key, struct bpf_cgroup_storage_key);
	__type(value, __u32);
} dc_pcpu_storage SEC(".maps");

SEC("cgroup_skb/egress")
int dc_count(struct __sk_buff *skb)
{
	struct dc_val *v = bpf_get_local_storage(&dc_storage, 0);
	__u32 *n = bpf_get_local_storage(&dc_pcpu_storage, 0);

	v->packets++;
	(*n)++;
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
