/* tests/progs/dump_stack.bpf.c: records the kernel stack of the test's
 * own getpid() calls in a stack_trace map, so that a dump has real
 * kernel addresses to name. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, 16 * sizeof(__u64));
	__uint(max_entries, 64);
} ds_stacks SEC(".maps");

const volatile __u32 ds_tgid;

SEC("raw_tp/sys_enter")
int ds_record(struct bpf_raw_tracepoint_args *ctx)
{
	if ((bpf_get_current_pid_tgid() >> 32) == ds_tgid)
		bpf_get_stackid(ctx, &ds_stacks, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
