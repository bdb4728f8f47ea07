/* tests/sm_util.h: sockets for the sockmap suites: connected loopback
 * pairs, their cookies, and reads with a deadline. */
#ifndef BPFPIN_TESTS_SM_UTIL_H
#define BPFPIN_TESTS_SM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A connected stream pair, both O_CLOEXEC, the caller's: AF_INET or
 * AF_INET6 TCP on loopback (fd[0] the connecting side, fd[1] the accepted
 * one) or AF_UNIX. */
void su_pair(int family, int fd[2]);
uint64_t su_cookie(int fd);
/* Push data queued before the socket's insert through its new programs
 * (it sits there until more arrives otherwise). */
void su_kick(int fd);
/* Read exactly n bytes within ms; false when they did not come. */
bool su_read_all(int fd, void *buf, size_t n, int ms);
/* Whether any byte arrives within ms (read and thrown away). */
bool su_any_within(int fd, int ms);
/* Write all of buf (blocking). */
void su_write_all(int fd, const void *buf, size_t n);

#endif
