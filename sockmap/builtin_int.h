/* sockmap/builtin_int.h: what sockmap/builtin*.c share: the aux maps by
 * index, the why sentence, and an embedded object made to run on one
 * sockmap's maps. */
#ifndef BPFPIN_SOCKMAP_BUILTIN_INT_H
#define BPFPIN_SOCKMAP_BUILTIN_INT_H

#include <stddef.h>

#include "sockmap/builtin.h"

/* Indexes into sockmap_aux_names after the two public ones; the maps are
 * declared in bpf/progs/sm_common.bpf.h. */
enum {
	SM_AUX_PEER = 2,        /* HASH cookie -> u32 peer key */
	SM_AUX_FRAME,           /* HASH cookie -> lenprefix's place in a frame */
	SM_AUX_TAP,             /* LPM_TRIE the tap's rules */
	SM_AUX_DEAD,            /* HASH cookie -> u8: tap marked it to die */
	SM_AUX_EV,              /* RINGBUF u64 cookies to disconnect */
	SM_AUX_N
};

/* Write the sentence to why (when whylen) and return err. */
int sm_why(char *why, size_t whylen, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

struct bpf_object;
/* Open the object a skeleton embeds (elf, size bytes: its
 * X__elf_bytes), with log (loglen bytes, or NULL) for the verifier's
 * messages. NULL and errno on error. */
struct bpf_object *sm_obj_open(const void *elf, size_t size, char *log,
			       size_t loglen);

#endif
