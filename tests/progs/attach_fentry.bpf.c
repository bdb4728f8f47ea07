/* tests/progs/attach_fentry.bpf.c: an fentry program and an lsm_cgroup
 * one, apart from attach_types.bpf.c because some kernels refuse to load
 * them (no BPF trampolines: EPERM), and the test then says so and skips. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("fentry/bpf_fentry_test1")
int t_fentry(void *c)
{
	return 0;
}

SEC("lsm_cgroup/socket_bind")
int t_lsm_cgroup(void *c)
{
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
