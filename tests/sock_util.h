/* tests/sock_util.h: real sockets for the sockmap suites: connected TCP
 * pairs over loopback (v4 and v6), AF_UNIX pairs, and the facts tests
 * compare (cookie, readable bytes). */
#ifndef BPFPIN_TESTS_SOCK_UTIL_H
#define BPFPIN_TESTS_SOCK_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A connected TCP pair on loopback: fds[0] the connecting end, fds[1] the
 * accepted one. family AF_INET or AF_INET6. 0 or -errno. */
int su_tcp_pair(int family, int fds[2]);
/* A TCP socket listening on loopback (its port in *port if not NULL). */
int su_tcp_listen(int family, uint16_t *port);
/* SO_COOKIE of fd. */
uint64_t su_cookie(int fd);
/* Bytes readable now (FIONREAD). */
int su_inq(int fd);
/* Write all of buf / read exactly len bytes (timeout_ms per wait); 0 or
 * -errno (-ETIMEDOUT). */
int su_write_all(int fd, const void *buf, size_t len);
int su_read_exact(int fd, void *buf, size_t len, int timeout_ms);
/* Wait until fd is readable (data or EOF); true if it became so. */
bool su_readable(int fd, int timeout_ms);

#endif
