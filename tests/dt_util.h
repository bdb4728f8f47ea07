/* tests/dt_util.h: what the daemon-level sockmap suite needs beside
 * sm_util: a byte pattern that tells every offset from another, an echo
 * through a spliced pair checked byte by byte, reads to EOF, and sock ls
 * read back as JSON. */
#ifndef BPFPIN_TESTS_DT_UTIL_H
#define BPFPIN_TESTS_DT_UTIL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "bpfpin/bpfpin.h"

/* The pattern's n bytes from stream offset off (period 2^32). */
void dt_pattern(char *buf, size_t n, uint64_t off);

/* A sends total pattern bytes, B echoes all it gets, A reads them back
 * and checks each one. got is updated as bytes come back (another thread
 * may watch it). */
struct dt_echo {
	int a, b;
	uint64_t total;
	int stall_ms;              /* no progress that long: -ETIMEDOUT */
	_Atomic uint64_t got;
	uint64_t bad_at;           /* the first wrong byte's offset (-EIO) */
};
/* 0, -EIO (a wrong byte), -ETIMEDOUT, -EPIPE (A saw EOF or an error). */
int dt_echo_run(struct dt_echo *e);

/* Write n pattern bytes (from offset 0) to fd, blocking. 0 or -errno. */
int dt_send_pattern(int fd, uint64_t n);
/* Read fd to its end (waits of at most ms each), checking the pattern:
 * the bytes read in *got; 0, -EIO (wrong byte at *got), -ETIMEDOUT,
 * -errno of a failed read (after *got bytes). */
int dt_recv_pattern(int fd, int ms, uint64_t *got);

/* sock ls of path, parsed (the caller puts it); asserts it worked. */
struct json_object *dt_ls(struct bpfpin *b, const char *path);
size_t dt_nmembers(struct bpfpin *b, const char *path);
/* Poll sock ls until it shows n members; false after ms. */
bool dt_wait_nmembers(struct bpfpin *b, const char *path, size_t n, int ms);
/* The member of root whose cookie is cookie, or NULL. */
struct json_object *dt_member(struct json_object *root, uint64_t cookie);
int64_t dt_int(struct json_object *o, const char *k);
int64_t dt_counter(struct json_object *member, const char *k);
/* What root's sockmap has on hook ("" if nothing). */
const char *dt_attached(struct json_object *root, const char *hook);

#endif
