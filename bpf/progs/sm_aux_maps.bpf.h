/* bpf/progs/sm_aux_maps.bpf.h: the two aux maps every program that counts
 * shares with the manager (sockmap/builtin.h, "sm_cnt" and "sm_sk"): the
 * per-socket counters by cookie, and the cookie in socket storage (sk_msg
 * cannot ask for it). Each object declares them; user space replaces them
 * with the sockmap's own at load. */
#ifndef BPFPIN_SM_AUX_MAPS_BPF_H
#define BPFPIN_SM_AUX_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* struct sockmap_counters of sockmap/builtin.h, field for field. */
struct sm_counters {
	__u64 rx_bytes, rx_msgs, tx_bytes, tx_msgs;
	__u64 passed, dropped, redirected, redirect_miss;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, struct sm_counters);
} sm_cnt SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} sm_sk SEC(".maps");

#endif
