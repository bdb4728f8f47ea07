/* bench/bare.h: the anchor for bpfpind's round trip: a forked echo server
 * on a SOCK_SEQPACKET socketpair that sends every message back with the fd
 * it carried, so that a round trip moves one fd each way and nothing else
 * (no JSON, no lookup). */
#ifndef BPFPIN_BENCH_BARE_H
#define BPFPIN_BENCH_BARE_H

#include <sys/types.h>

struct bare {
	int sock;
	pid_t pid;
};

/* Fork the echo server and place it on cpu (-1: any CPU). 0 or -errno. */
int bare_start(struct bare *b, int cpu);
/* n round trips sending fd; the fds that come back are stored in fds (the
 * caller closes them). Microseconds per round trip in *us; in *crossed,
 * how many of them had the server on another CPU than the caller (the
 * server reports its CPU in each echo). 0 or -errno. */
int bare_round(struct bare *b, int fd, int *fds, int n, double *us, int *crossed);
/* Close the socket (the server exits on EOF) and reap it. */
void bare_stop(struct bare *b);

#endif
