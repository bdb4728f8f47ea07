/* tests/progs/attach_fentry.bpf.c: an fentry program, apart from
 * attach_types.bpf.c because some kernels refuse to load it (no BPF
 * trampolines: EPERM), and the test then says so and skips it. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("fentry/bpf_fentry_test1")
int t_fentry(void *c)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
