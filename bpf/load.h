/* bpf/load.h: loading an ELF object file from memory with libbpf (the
 * load op's pure work, done on a worker thread): open it, switch off
 * libbpf's own pinning (the daemon pins into its namespace itself),
 * reuse maps the caller named, load and verify it, and keep each
 * program's verifier log. Also the provenance record of a load. */
#ifndef BPFPIN_BPF_LOAD_H
#define BPFPIN_BPF_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "bpf/sha256.h"

struct bpf_object;
struct bpf_map;
struct json_object;

#define LOAD_PROGS_MAX 256              /* programs in one object */
#define LOAD_MAPS_MAX 256               /* maps in one object */
#define LOAD_LOG_BUDGET (64u << 20)     /* verifier log bytes, all programs */
#define LOAD_LOG_MIN (256u << 10)       /* ... and at least this per program */
#define LOAD_LOG_MAX (16u << 20)        /* ... and at most this */
#define LOAD_MSGS_MAX (64u << 10)       /* libbpf's own messages kept */

/* Who loaded what: kept by the daemon with what it pinned (a provenance
 * store may keep it for good). */
struct load_record {
	uid_t uid;
	gid_t gid;
	pid_t pid;
	struct timespec time;            /* CLOCK_REALTIME at the load */
	char file[256];                  /* the object file's name, as the
	                                  * client gave it ("" if none) */
	uint64_t size;                   /* bytes of the object file */
	uint8_t sha256[SHA256_LEN];      /* of those bytes */
};
/* {"uid":..,"gid":..,"pid":..,"time_ns":..,"file":..,"size":..,"sha256":".."} */
struct json_object *load_record_json(const struct load_record *rec);

struct load_log;

struct load {
	/* in: the object's bytes (owned, freed by load_free) and options */
	void *buf;
	size_t len;
	char name[64];                  /* the object's name for libbpf */
	bool type_set;                  /* "type TYPE": override every program */
	uint32_t prog_type, attach_type;
	uint32_t log_level;             /* 0: a log only on failure */
	/* load_open */
	struct bpf_object *obj;
	int nprogs, nmaps;
	bool by_name[LOAD_MAPS_MAX];    /* map i declared LIBBPF_PIN_BY_NAME */
	struct load_log *log;
};

/* Parse a program type as bpftool's `prog load ... type TYPE` does (a
 * section name such as "cgroup_skb/egress" or "xdp"). 0 or -EINVAL. */
int load_parse_type(const char *s, uint32_t *prog_type, uint32_t *attach_type);
/* Open l->buf (worker). 0 or -errno with why. */
int load_open(struct load *l, char *why, size_t whylen);
/* Map i of the object (0 <= i < l->nmaps), or NULL. */
struct bpf_map *load_map(const struct load *l, int i);
/* Map i by name; -1 if none. */
int load_map_index(const struct load *l, const char *name);
/* Have map i use fd (not consumed) instead of creating one (loop). */
int load_reuse(struct load *l, int i, int fd, char *why, size_t whylen);
/* Load and verify (worker). 0 or -errno with why. */
int load_load(struct load *l, char *why, size_t whylen);
void load_free(struct load *l);

/* The name a program or map is pinned under: its name with every '.'
 * made '_' (bpffs and the namespace refuse '.'; libbpf's own pin paths
 * do the same), and every '/' too (a hostile object's symbol must not
 * reach another directory), at most 255 bytes. */
void load_pin_name(const char *name, char out[256]);

/* load_log.c: the verifier logs and libbpf's messages of a load. Capture
 * starts with load_open and is on while the same thread runs load_open
 * or load_load. */
int load_log_new(struct load *l);
/* A log buffer for each program of the opened object: an equal share of
 * LOAD_LOG_BUDGET, within LOAD_LOG_MIN and LOAD_LOG_MAX. */
int load_log_attach(struct load *l);
void load_log_free(struct load_log *log);
void load_log_capture(struct load_log *log);   /* NULL: stop */
/* After a load: a sealed memfd holding every program's log that is not
 * empty (each between bpftool's "-- BEGIN PROG LOAD LOG --" lines) or,
 * on failure without log_level, the failed program's; -ENODATA if no log
 * was written. *size is its length. */
int load_log_memfd(const struct load *l, bool failed, uint64_t *size);
/* Program i's verifier log ("" if none), libbpf's messages ("" if none). */
const char *load_log_text(const struct load *l, int i);
const char *load_log_msgs(const struct load *l);
/* The index of the program that failed to load (*prog set), or -1. */
struct bpf_program;
int load_log_failed(const struct load *l, struct bpf_program **prog);
/* On failure: {"prog": NAME, "tail": last part of its log, "insn": the
 * failing instruction, "source": its source line}, members absent when
 * unknown; and "libbpf": libbpf's last messages. NULL if nothing. */
struct json_object *load_log_json(const struct load *l, bool failed);

#endif
