/* bpf/progs/sm_iter_tcp.bpf.h: the context of a tcp iterator ("iter/tcp"),
 * read through BTF (CO-RE), for the programs that walk the host's TCP
 * sockets (sm_accel.bpf.c's catch-up, sm_bp.bpf.c's window clamp). Each
 * defines struct sock_common with the fields it reads, if any. */
#ifndef BPFPIN_SM_ITER_TCP_BPF_H
#define BPFPIN_SM_ITER_TCP_BPF_H

struct sock_common;
struct bpf_iter_meta;
struct bpf_iter__tcp {
	struct bpf_iter_meta *meta;
	struct sock_common *sk_common;
} __attribute__((preserve_access_index));

#endif
