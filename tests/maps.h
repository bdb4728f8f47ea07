/* tests/maps.h: real kernel maps of every type the kernel offers, with
 * known contents, shared by the suites that dump them (test_dump, which
 * calls bpf/dump.h, and test_mount_dump, which reads them through the
 * mount). Each factory returns a map fd or fails the running criterion
 * test; what it loads lives as long as the test's process. */
#ifndef BPFPIN_TESTS_MAPS_H
#define BPFPIN_TESTS_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bpf_map_create_opts;
struct bpf_object;

/* Types newer than libbpf 1.1's enum. */
#define TM_MAP_TYPE_CGRP_STORAGE 32
#define TM_MAP_TYPE_ARENA 33

/* ---- plain maps ---- */

int tm_map_new(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max,
	       const struct bpf_map_create_opts *opts);
/* The patterned bytes of entry's value. */
void tm_fill_value(uint8_t *v, uint32_t size, uint32_t entry);
/* n entries with keys 0..n-1 (little endian in ks bytes) and patterned
 * values of vbytes bytes (all CPUs' worth for a per-CPU map). */
void tm_fill(int fd, uint32_t ks, uint32_t vbytes, uint32_t n);
uint32_t tm_ncpus(void);
/* A per-CPU value's bytes: one 8-byte aligned slot per possible CPU. */
uint32_t tm_percpu_bytes(uint32_t vs);
/* A map of 64 entries at most holding n patterned ones; percpu: the
 * values differ on each CPU. */
int tm_map_filled(uint32_t type, uint32_t ks, uint32_t vs, uint32_t n,
		  bool percpu);
/* n entries key i -> value 3i (4-byte keys, 8-byte values), written in
 * batches. */
int tm_big_hash(uint32_t n);

/* ---- maps of other objects ---- */

int tm_map_in_map(uint32_t type);        /* 3 inner arrays at keys 1, 3, 5 */
int tm_prog_array(void);                 /* a program at keys 2 and 5 */
int tm_lpm_trie(void);                   /* 3 IPv4 prefixes */
int tm_tcp_listener(bool reuseport);     /* a socket on loopback */
/* A socket map whose key 3 holds a new listening socket (*sock), unless
 * vs is not 8 (such a map cannot hold sockets). */
int tm_socket_map(uint32_t type, uint32_t vs, int *sock);
int tm_push3(uint32_t type);             /* queue or stack of 1, 2, 3 */
int tm_devmap(uint32_t type, uint32_t key);  /* lo at key */
int tm_cpumap(void);                     /* CPU 0 with a queue of 192 */
int tm_bloom(void);                      /* holding 42 */
int tm_arena(void);
/* A tcp_congestion_ops struct_ops map, typed by vmlinux BTF. */
int tm_struct_ops(void);

/* ---- maps typed by BTF ---- */

struct bpf_object *tm_load_obj(const char *path);
int tm_obj_map(struct bpf_object *obj, const char *name);
/* A freshly loaded tests/progs/dump_types.bpf.o, which becomes the one
 * tm_member_off reads. */
struct bpf_object *tm_types_load(void);
/* Offset in bytes of member in struct sname of the last tm_types_load. */
uint32_t tm_member_off(const char *sname, const char *member);
/* Map name of a fresh dump_types object, filled with n entries. */
int tm_dt_map(const char *name, uint32_t n);
/* Map name of a fresh dump_types object, left as loaded. */
int tm_types_map(const char *name);
/* A hash map typed by hand-made BTF with what clang 14 does not emit
 * (enum64, BTF_INT_CHAR, a 24-bit int): struct hand of 24 bytes. */
int tm_hand_btf_map(void);
/* A hash-family map of max entries with BTF (u32 key, struct value)
 * holding n patterned entries. */
int tm_btf_hash(uint32_t type, uint32_t max, uint32_t n);

/* ---- maps with entries the kernel makes ---- */

/* The stack_trace map of tests/progs/dump_stack.bpf.c holding the kernel
 * stacks of a few of our getpid() calls; recording stops before return. */
int tm_recorded_stacks(void);
/* tests/progs/dump_cgroup.bpf.o with its program attached to egress of a
 * new cgroup, so that its storages hold an entry; tm_cgroup_cleanup
 * detaches it and removes the cgroup (safe to call when nothing was
 * attached). */
struct bpf_object *tm_cgroup_attached(void);
void tm_cgroup_cleanup(void);

/* ---- one of every type ---- */

struct tm_recipe {
	const char *name;       /* "BPF_MAP_TYPE_HASH" */
	uint32_t type;
	bool listed;            /* dumps as an array of entries */
	uint32_t ks, vs, max;   /* for a plain bpf_map_create */
	int (*make)(void);
	const char *obj_map;    /* or a map of dump_types.bpf.o */
	bool may_be_refused;    /* kernels of this machine kind may refuse it */
};

extern const struct tm_recipe tm_recipes[];
extern const size_t tm_nrecipes;

/* A map of the recipe's type: filled where user space can fill it. -1
 * when the recipe may be refused and the kernel refused it with EPERM or
 * EOPNOTSUPP (logged; any other failure fails the test). */
int tm_make(const struct tm_recipe *r);

#endif
