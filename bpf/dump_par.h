/* bpf/dump_par.h: what the two files of a map read by several threads
 * share (bpf/dump_par.c runs the threads and puts the parts in order,
 * bpf/dump_part.c walks one part). */
#ifndef BPFPIN_BPF_DUMP_PAR_H
#define BPFPIN_BPF_DUMP_PAR_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "bpf/dump_int.h"

struct par;

/* One range of buckets. Part 0 writes the dump's own output; each other
 * part its spill file, put in place when the parts before it are. */
struct part {
	struct par *par;
	struct dump_ctx *c;       /* part 0: the dump's own context */
	struct dump_ctx own;      /* the others: own writer, shared plans */
	struct dump_chunk k;
	uint32_t lo, hi;          /* buckets [lo, hi); the last: to the end */
	int spill;
	bool done;                /* under par->lock */
	/* The keys of this part's first batch, as a set: they are this
	 * part's or a later one's, so the part before drops them. */
	uint8_t *head;
	uint32_t *head_slot;
	uint32_t head_mask;
	uint32_t head_end;        /* the head is buckets [lo, head_end) */
	int head_err;             /* the part failed before its first batch */
	bool head_ready;          /* under par->lock */
};

struct par {
	pthread_mutex_t lock;
	pthread_cond_t cond;      /* a head is ready, or the walk stops */
	atomic_bool stop;         /* a part failed: the others end early */
	uint32_t nparts;
	uint32_t next_start;      /* under lock: the next part to walk */
	uint32_t next_put;        /* under lock: the next part to put */
	bool putting;             /* under lock: a thread puts parts */
	unsigned depth;           /* of the entries in the dump's writer */
	int err;                  /* under lock: the first error */
	struct part parts[DUMP_PARTS_MAX];
};

/* dump_part.c: walk part p to its end; 0 or -errno. */
int part_walk(struct part *p);
/* Publish p's first keys (n of p->k, buckets up to end; or none with
 * err): once per part after the first, even when it failed before its
 * first batch. */
void head_publish(struct part *p, uint32_t n, uint32_t end, int err);

#endif
