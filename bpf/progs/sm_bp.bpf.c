/* bpf/progs/sm_bp.bpf.c: the window clamp of lent pair members (sockmap/
 * sm_bp_lent.c). bpfpind holds no fd of a lent socket, so it cannot
 * setsockopt(TCP_WINDOW_CLAMP) as it does for a given one; this tcp
 * iterator does it for them: each socket whose cookie sm_lent lists with
 * a request gets its window clamp set (the clamp it had is kept there
 * first, to be given back), under the socket's lock the iterator holds.
 * The map is pinned in the daemon's store, so a paused member is resumed
 * by the next daemon too. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "sm_iter_tcp.bpf.h"

#define SOL_TCP 6
#define TCP_WINDOW_CLAMP 10

char LICENSE[] SEC("license") = "GPL";

/* Value of sm_lent, by cookie: struct sm_lent_state in sockmap/sm_bp.h. */
struct sm_lent_state {
	__s64 base;     /* the peer's acked + queued - our received, paired */
	__s32 set;      /* request: clamp to this (> 0), done: 0 */
	__s32 was;      /* the clamp before the pause (0: not paused) */
	__u32 seen;     /* walks that found the socket */
	__s32 err;      /* bpf_setsockopt's answer to the last request */
};

/* Not preallocated: 65,536 entries would be some MiB of kernel memory
 * for a daemon with a few lent pairs. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct sm_lent_state);
} sm_lent SEC(".maps");

struct tcp_sock {
	__u32 window_clamp;
} __attribute__((preserve_access_index));

SEC("iter/tcp")
int sm_bp_iter(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct sm_lent_state *st;
	struct tcp_sock *tp;
	__u64 cookie;
	int v;

	if (!skc)
		return 0;
	tp = bpf_skc_to_tcp_sock(skc);
	if (!tp)
		return 0;
	cookie = bpf_get_socket_cookie(tp);
	st = bpf_map_lookup_elem(&sm_lent, &cookie);
	if (!st)
		return 0;
	st->seen++;
	if (st->set <= 0)
		return 0;
	v = st->set;
	if (!st->was)
		st->was = tp->window_clamp;
	st->err = bpf_setsockopt(tp, SOL_TCP, TCP_WINDOW_CLAMP, &v, sizeof(v));
	st->set = 0;
	return 0;
}
