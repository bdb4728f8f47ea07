/* tests/attach_util.h: what the attach suites share: a daemon with its
 * mount, the CLI run on it, the test objects loaded with libbpf and their
 * programs pinned through the RPC, a scratch cgroup and loopback traffic
 * from a process inside it. */
#ifndef BPFPIN_TESTS_ATTACH_UTIL_H
#define BPFPIN_TESTS_ATTACH_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "tests/harness.h"

struct bpf_object;
struct bpfpin;
struct json_object;

#define CGROUP2_ROOT "/sys/fs/cgroup/unified"

extern struct th_daemon au_d;
extern struct bpfpin *au_b;

/* Start the daemon with a mount and connect; stop both. */
void au_setup(void);
void au_teardown(void);
/* Run the CLI on the daemon's socket; its stdout (caller frees), its exit
 * status in *rc; err: stderr instead of stdout. */
char *au_cli(int *rc, bool err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
struct json_object *au_parse(char *text);
/* Open tests/progs/NAME.bpf.o, let fix adjust it, load it and pin every
 * program at /p/PROGNAME and every map at /m/MAPNAME over the RPC. */
struct bpf_object *au_load(const char *name, void (*fix)(struct bpf_object *));
/* A new cgroup under CGROUP2_ROOT (path written to buf), and its
 * removal (moving nothing: the processes the test put there are gone). */
void au_cgroup_make(char *buf, size_t size);
void au_cgroup_remove(const char *path);
/* From a child moved into cgroup, n UDP datagrams of len bytes to a
 * loopback port; waits for it. */
void au_traffic(const char *cgroup, int n, int len);
/* Value of key in the 4-byte-key, 8-byte-value map pinned at path (0 if
 * absent), read through the RPC. */
uint64_t au_count(const char *path, uint32_t key);
/* The same, read with `bpfpin -j lookup` and from the map's file on the
 * mount. */
uint64_t au_count_cli(const char *path, uint32_t key);
uint64_t au_count_mount(const char *path, uint32_t key);
/* Wait (up to 2 s) until no program is attached to cgroup for egress:
 * a bpffs inode, and so the reference its pin held, is freed after an RCU
 * grace period, a moment after the unlink returned. False if one still
 * is. */
bool au_egress_idle(const char *cgroup);
/* The kernel id of the object pinned at path. */
uint32_t au_id(const char *path);

#endif
