/* sockmap/hooks.h: the four places a program attaches to a sockmap or
 * sockhash, by the names bpftool and the CLI use, with the kernel's
 * attach type and the program type each takes. */
#ifndef BPFPIN_SOCKMAP_HOOKS_H
#define BPFPIN_SOCKMAP_HOOKS_H

#include <stdint.h>

enum sockmap_hook {
	SOCKMAP_STREAM_PARSER,
	SOCKMAP_STREAM_VERDICT,
	SOCKMAP_SKB_VERDICT,
	SOCKMAP_MSG_VERDICT,
	SOCKMAP_HOOKS
};

/* "stream_parser", "stream_verdict", "skb_verdict", "msg_verdict". */
const char *sockmap_hook_name(enum sockmap_hook h);
/* The hook named name, or -1. */
int sockmap_hook_find(const char *name);
/* BPF_SK_SKB_STREAM_PARSER ... BPF_SK_MSG_VERDICT. */
uint32_t sockmap_hook_attach_type(enum sockmap_hook h);
/* BPF_PROG_TYPE_SK_SKB, or BPF_PROG_TYPE_SK_MSG for msg_verdict. */
uint32_t sockmap_hook_prog_type(enum sockmap_hook h);

#endif
