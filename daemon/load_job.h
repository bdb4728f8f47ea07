/* daemon/load_job.h: one load op in progress (ops_load.c starts it,
 * load_pin.c finishes it on the loop). Phase 1 on the worker reads the
 * object file and opens it; back on the loop, the maps to reuse are
 * found in the namespace; phase 2 on the worker loads and verifies; back
 * on the loop, the programs and maps are pinned, all or nothing. */
#ifndef BPFPIN_DAEMON_LOAD_JOB_H
#define BPFPIN_DAEMON_LOAD_JOB_H

#include "bpf/load.h"
#include "daemon/later.h"
#include "daemon/params.h"
#include "lib/worker.h"
#include "fs/ns.h"

#define LOAD_PENDING_MAX 4      /* loads queued or running, in all */

struct load_reuse {
	char name[256];
	int fd;                 /* the namespace's map, until phase 2 */
};

struct load_job {
	struct job job;
	struct later *later;
	struct server *srv;
	int phase;              /* 1: read and open; 2: load */
	int file_fd;            /* the client's object file (taken from the request), phase 1 */
	int err;                /* of the last phase run */
	char why[512];
	struct load l;
	struct load_record rec;
	char path[NS_PATH_MAX];         /* programs go under it */
	char pinmaps[NS_PATH_MAX];      /* maps go under it ("" if none) */
	mode_t umask;
	int nreuse;
	struct load_reuse reuse[PARAM_MAPS_MAX];
	bool from_dir[LOAD_MAPS_MAX];   /* map i reuses pinmaps/NAME */
};

/* load_pin.c: the job's done() on the loop, for either phase. */
void load_job_done(struct job *job);
/* Answer the request with an error (why, the log) and free the job. */
void load_job_fail(struct load_job *lj, int err);
void load_job_free(struct load_job *lj);
/* Whether the caller named a map of that name to reuse. */
bool load_named_reuse(const struct load_job *lj, const char *name);
/* load_commit.c: after the load, the pins and the reply. */
void load_job_pin(struct load_job *lj);
/* ops_load.c: the worker's part. */
void load_job_run(struct job *job);

#endif
