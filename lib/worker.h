/* lib/worker.h: a pool of threads for long work off the daemon's loop,
 * one per user: the RPC's (loading and verifying BPF objects) and the
 * FUSE face's (dumps of big maps). A job's run() is pure work on a worker
 * thread: it never touches the namespace, a connection, FUSE or libevent.
 * Its done() runs back on the loop thread, where the namespace may be
 * used and a reply sent (daemon/later.h, fs/fuse_file.c). */
#ifndef BPFPIN_LIB_WORKER_H
#define BPFPIN_LIB_WORKER_H

#include <stdbool.h>
#include <sys/queue.h>

struct event_base;
struct workers;

struct job {
	TAILQ_ENTRY(job) link;
	void (*run)(struct job *job);   /* on a worker thread */
	void (*done)(struct job *job);  /* on the loop; owns freeing the job */
	bool cancelled;                 /* run() never ran: the pool stopped */
};

/* Start nthreads workers whose finished jobs come back on base. */
int workers_start(struct workers **out, struct event_base *base, int nthreads);
/* Queue a job; its done() is called exactly once, on the loop thread. */
void workers_submit(struct workers *w, struct job *job);
/* Jobs submitted and not yet done (queued, running or finished but not
 * reaped): the load op's bound. */
unsigned workers_pending(const struct workers *w);
/* Wait for running jobs, then call done() of every job left (those never
 * run with cancelled set) and free the pool. NULL is a no-op. */
void workers_stop(struct workers *w);

#endif
