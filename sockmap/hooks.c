/* sockmap/hooks.c: the sockmap attach points by name. */
#include "config.h"

#include <string.h>

#include <linux/bpf.h>

#include "sockmap/hooks.h"

static const struct {
	const char *name;
	uint32_t attach_type, prog_type;
} hooks[SOCKMAP_HOOKS] = {
	[SOCKMAP_STREAM_PARSER] = { "stream_parser", BPF_SK_SKB_STREAM_PARSER, BPF_PROG_TYPE_SK_SKB },
	[SOCKMAP_STREAM_VERDICT] = { "stream_verdict", BPF_SK_SKB_STREAM_VERDICT, BPF_PROG_TYPE_SK_SKB },
	[SOCKMAP_SKB_VERDICT] = { "skb_verdict", BPF_SK_SKB_VERDICT, BPF_PROG_TYPE_SK_SKB },
	[SOCKMAP_MSG_VERDICT] = { "msg_verdict", BPF_SK_MSG_VERDICT, BPF_PROG_TYPE_SK_MSG },
};

const char *sockmap_hook_name(enum sockmap_hook h)
{
	return (unsigned)h < SOCKMAP_HOOKS ? hooks[h].name : "?";
}

int sockmap_hook_find(const char *name)
{
	for (int h = 0; h < SOCKMAP_HOOKS; h++)
		if (strcmp(hooks[h].name, name) == 0)
			return h;
	return -1;
}

uint32_t sockmap_hook_attach_type(enum sockmap_hook h)
{
	return hooks[h].attach_type;
}

uint32_t sockmap_hook_prog_type(enum sockmap_hook h)
{
	return hooks[h].prog_type;
}
