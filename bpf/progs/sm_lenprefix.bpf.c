/* bpf/progs/sm_lenprefix.bpf.c: the built-in lenprefix, for streams of
 * messages framed by a 4-byte big-endian length: counts each frame as one
 * rx message and passes the data (or sends it to the peer like pair when
 * the member is paired).
 *
 * Why the parser does not cut frames: on this kernel the stream parser is
 * shown every skb from its byte 0, not from where the last frame ended, so
 * a parser returning "4 + length of the frame at byte 0" goes wrong as soon
 * as one skb carries frames back to back (every write of several frames).
 * So the parser takes the whole skb, and the verdict walks the frames in
 * it itself, keeping per socket (sm_frame, by cookie) how much of the
 * current frame is still to come and the header bytes seen so far, as
 * frames and even headers span skbs. */
#include <bpf/bpf_endian.h>

#include "sm_common.bpf.h"

SEC("sk_skb")
int lp_parse(struct __sk_buff *skb)
{
	return skb->len;
}

struct lp_walk {
	struct __sk_buff *skb;
	__u32 off, len;
	struct sm_frame st;
	__u64 frames;           /* frames that ended in this skb */
};

/* One step of the walk: skip body bytes, or read a header whole or one
 * byte of it (a header cut by the end of an skb). 1 stops the loop. */
static long lp_step(__u32 i, void *data)
{
	struct lp_walk *w = data;
	__u32 avail, take, be;
	__u8 b;

	if (w->off >= w->len)
		return 1;
	avail = w->len - w->off;
	if (w->st.left) {
		take = w->st.left < avail ? w->st.left : avail;
		w->off += take;
		w->st.left -= take;
		if (!w->st.left)
			w->frames++;
		return 0;
	}
	if (!w->st.have && avail >= 4) {
		if (bpf_skb_load_bytes(w->skb, w->off, &be, 4))
			return 1;
		w->off += 4;
		w->st.left = bpf_ntohl(be);
	} else {
		if (bpf_skb_load_bytes(w->skb, w->off, &b, 1))
			return 1;
		w->off++;
		w->st.hdr = w->st.hdr << 8 | b;
		if (++w->st.have < 4)
			return 0;
		w->st.left = w->st.hdr;
		w->st.hdr = 0;
		w->st.have = 0;
	}
	if (!w->st.left)
		w->frames++;    /* an empty frame ends with its header */
	return 0;
}

static __always_inline int lp_verdict(struct __sk_buff *skb, bool hash)
{
	__u64 cookie = sm_rx_cookie(skb);
	struct lp_walk w = { .skb = skb, .len = skb->len };
	struct sm_frame *st = bpf_map_lookup_elem(&sm_frame, &cookie);
	enum sm_verdict v = SM_PASSED;

	if (st)
		w.st = *st;
	/* each step eats at least one byte */
	bpf_loop(w.len < (1u << 23) ? w.len : (1u << 23), lp_step, &w, 0);
	if (st)
		*st = w.st;
	else
		bpf_map_update_elem(&sm_frame, &cookie, &w.st, BPF_ANY);
	if (bpf_map_lookup_elem(&sm_peer, &cookie))
		v = sm_redirect(skb, cookie, hash);
	sm_count(cookie, false, skb->len, w.frames, v);
	if (v == SM_REDIRECTED)
		sm_budget_tick(cookie, skb->len);
	return SK_PASS;
}

SEC("sk_skb")
int lp_map(struct __sk_buff *skb)
{
	return lp_verdict(skb, false);
}

SEC("sk_skb")
int lp_hash(struct __sk_buff *skb)
{
	return lp_verdict(skb, true);
}

char LICENSE[] SEC("license") = "GPL";

/* The send side: each verdict covers exactly one frame. At a frame's
 * start the program reads its header (cork_bytes until the 4 bytes are
 * there: a header split across sendmsg calls), counts one tx message,
 * and apply_bytes(4 + length) makes the kernel apply this verdict to the
 * whole frame, however many sendmsg calls carry it, and run the program
 * again at the next frame's first byte. */
SEC("sk_msg")
int lp_msg(struct sk_msg_md *msg)
{
	__u64 cookie = sm_msg_cookie(msg);
	__u32 be, len;
	void *data, *end;

	if (msg->size < 4) {
		bpf_msg_cork_bytes(msg, 4);
		return SK_PASS;
	}
	if (bpf_msg_pull_data(msg, 0, 4, 0) < 0)
		return SK_PASS;
	data = msg->data;
	end = msg->data_end;
	if (data + 4 > end)
		return SK_PASS;
	__builtin_memcpy(&be, data, 4);
	len = bpf_ntohl(be);
	if (len > (1u << 30))
		len = 1u << 30;
	bpf_msg_apply_bytes(msg, 4 + len);
	sm_count(cookie, true, 4 + len, 1, SM_PASSED);
	return SK_PASS;
}
