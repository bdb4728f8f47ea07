/* bench/progs/sm_bare.bpf.c: sm_bench's two kernel anchors. bare_redirect
 * is the least an sk_msg redirect can be on this kernel: each message
 * goes straight into the peer's receive queue, the peer found by a key
 * made of the two ports (no map lookup of our own, no counting, no
 * ordering guard; a peer not in the sockhash: the message goes to TCP).
 * bare_pass passes every message and counts nothing: the anchor that
 * prices the counters of the built-in pass. bare_skb_redirect is the
 * least an sk_skb redirect to egress can be (the path pair takes): one
 * lookup of the peer by cookie, no counting, no budget. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

/* Key: local port << 16 | remote port (host order), set by sm_bench for
 * both ends of each loopback connection; all ports are distinct there
 * except the listener's, which the remote port tells apart. */
struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} bare_hash SEC(".maps");

/* The sockets bare_pass runs on (keys 0..). */
struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} pass_map SEC(".maps");

SEC("sk_msg")
int bare_redirect(struct sk_msg_md *msg)
{
	/* remote_port holds the network-order port in its upper half. */
	__u32 peer = (bpf_ntohl(msg->remote_port) & 0xffff) << 16 | msg->local_port;

	bpf_msg_redirect_hash(msg, &bare_hash, &peer, BPF_F_INGRESS);
	return SK_PASS;
}

SEC("sk_msg")
int bare_pass(struct sk_msg_md *msg)
{
	return SK_PASS;
}

/* bare_skb_redirect's sockets (keys 0..) and each one's peer key, by
 * cookie. */
struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} skb_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);
	__type(value, __u32);
} skb_peer SEC(".maps");

SEC("sk_skb")
int bare_skb_redirect(struct __sk_buff *skb)
{
	__u64 cookie = bpf_get_socket_cookie(skb);
	__u32 *peer = bpf_map_lookup_elem(&skb_peer, &cookie);

	return peer ? bpf_sk_redirect_map(skb, &skb_map, *peer, 0) : SK_PASS;
}
