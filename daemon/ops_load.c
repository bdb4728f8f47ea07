/* daemon/ops_load.c: the load op (doc/protocol.md): who may load, the
 * request's members, the object file's fd told apart and taken, and the
 * worker's part of the job (read, hash, open; then load and verify). The
 * daemon never opens a path the client names: the object comes as an fd,
 * and the maps it reuses are the namespace's. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bpf/obj_file.h"
#include "daemon/load_job.h"
#include "daemon/ops.h"

struct load_args {
	int *fd;                /* the request's slot: taken by take_file */
	const char *path, *type, *pinmaps, *file;
	struct json_object *maps;
	uint64_t log_level;
	mode_t umask;
};

static const struct param load_params[] = {
	PARAM(struct load_args, fd, P_FD, true),
	PARAM(struct load_args, path, P_PATH, true),
	PARAM(struct load_args, type, P_STRING, false),
	PARAM(struct load_args, maps, P_MAPS, false),
	PARAM(struct load_args, pinmaps, P_PATH, false),
	PARAM(struct load_args, log_level, P_U64, false),
	PARAM(struct load_args, file, P_STRING, false),
	PARAM(struct load_args, umask, P_UMASK, false),
	{ 0 },
};

static bool in_group(const struct conn *c, gid_t g)
{
	if (c->gid == g)
		return true;
	for (int i = 0; i < c->ngroups; i++)
		if (c->groups[i] == g)
			return true;
	return false;
}

/* Loading acts with the daemon's capabilities: only root and the members
 * of --load-group may (off by default). */
static int may_load(struct request *req)
{
	const struct conn *c = req->conn;
	const struct server *srv = c->srv;

	if (c->uid == 0 || (srv->load_group_set && in_group(c, srv->load_group)))
		return 0;
	if (!srv->load_group_set)
		snprintf(req->errmsg, sizeof(req->errmsg), "loading BPF objects "
			 "is for root only: bpfpind runs without --load-group");
	else
		snprintf(req->errmsg, sizeof(req->errmsg), "loading BPF objects "
			 "is for root and the members of group %u (bpfpind "
			 "--load-group); uid %u is not one", (unsigned)srv->load_group,
			 (unsigned)c->uid);
	return -EPERM;
}

/* The members the namespace holds nothing of, checked before any work. */
static int check_args(struct request *req, struct load_args *a, struct load_job *lj)
{
	if (a->log_level > 7) {
		snprintf(req->errmsg, sizeof(req->errmsg), "member \"log_level\" "
			 "must be 0 to 7 (1 verbose, 2 very verbose, 4 statistics)");
		return -EINVAL;
	}
	if (a->type && load_parse_type(a->type, &lj->l.prog_type, &lj->l.attach_type) < 0) {
		snprintf(req->errmsg, sizeof(req->errmsg), "member \"type\" is not "
			 "a program type libbpf knows: \"%.64s\"", a->type);
		return -EINVAL;
	}
	if (a->file && (strchr(a->file, '/') || strlen(a->file) > 255)) {
		snprintf(req->errmsg, sizeof(req->errmsg), "member \"file\" must be "
			 "a file's name (no '/', at most 255 bytes)");
		return -EINVAL;
	}
	lj->l.type_set = a->type != NULL;
	lj->l.log_level = (uint32_t)a->log_level;
	return 0;
}

/* A path without its trailing slashes ("/" stays). */
static int copy_dir(struct request *req, const char *member, const char *s,
		    char *out)
{
	size_t n = strlen(s);

	while (n > 1 && s[n - 1] == '/')
		n--;
	if (n + 1 + NS_NAME_MAX >= NS_PATH_MAX) {
		snprintf(req->errmsg, sizeof(req->errmsg), "member \"%s\" leaves no "
			 "room for a name under it", member);
		return -ENAMETOOLONG;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* The maps the caller names, opened from the namespace with the
 * caller's right to read and write them: the loaded programs will. */
static int get_maps(struct request *req, struct load_args *a, struct load_job *lj)
{
	size_t n = a->maps ? json_object_array_length(a->maps) : 0;
	struct ns_cred cred;
	struct ns_stat st;
	int r;

	conn_cred(req->conn, 0, &cred);
	for (size_t i = 0; i < n; i++) {
		struct json_object *it = json_object_array_get_idx(a->maps, i);
		const char *name = json_object_get_string(json_object_object_get(it, "name"));
		const char *path = json_object_get_string(json_object_object_get(it, "path"));
		struct load_reuse *ru = &lj->reuse[lj->nreuse];

		r = ns_get(req->conn->srv->ns, &cred, NS_AT(path), O_RDWR, &ru->fd, &st);
		if (r == 0 && st.obj.kind != OBJ_MAP) {
			close(ru->fd);
			snprintf(req->errmsg, sizeof(req->errmsg), "member \"maps\"[%zu]: "
				 "%.256s is a %s, not a map", i, path, obj_kind_name(st.obj.kind));
			return -EINVAL;
		}
		if (r < 0) {
			snprintf(req->errmsg, sizeof(req->errmsg), "member \"maps\"[%zu]: "
				 "%.256s: %s", i, path, strerror(-r));
			return r;
		}
		snprintf(ru->name, sizeof(ru->name), "%s", name);
		lj->nreuse++;
	}
	return 0;
}

static int take_file(struct request *req, struct load_args *a, struct load_job *lj)
{
	uint64_t size;
	int r = obj_file_check(*a->fd, OBJ_FILE_MAX, &size, req->errmsg,
			       sizeof(req->errmsg));

	if (r < 0)
		return r;
	lj->file_fd = *a->fd;   /* the job's now; serve closes the others */
	*a->fd = -1;
	return 0;
}

static struct load_job *job_new(struct request *req)
{
	struct load_job *lj = calloc(1, sizeof(*lj));
	const struct conn *c = req->conn;

	if (!lj)
		return NULL;
	lj->file_fd = -1;
	lj->srv = c->srv;
	lj->phase = 1;
	lj->job.run = load_job_run;
	lj->job.done = load_job_done;
	lj->rec.uid = c->uid;
	lj->rec.gid = c->gid;
	lj->rec.pid = c->pid;
	clock_gettime(CLOCK_REALTIME, &lj->rec.time);
	return lj;
}

/* Everything that can be refused at once is, before the job starts. */
static int prepare(struct request *req, struct load_args *a, struct load_job *lj)
{
	int r;

	if ((r = check_args(req, a, lj)) < 0 ||
	    (r = copy_dir(req, "path", a->path, lj->path)) < 0 ||
	    (a->pinmaps && (r = copy_dir(req, "pinmaps", a->pinmaps, lj->pinmaps)) < 0) ||
	    (r = take_file(req, a, lj)) < 0 ||
	    (r = get_maps(req, a, lj)) < 0)
		return r;
	snprintf(lj->rec.file, sizeof(lj->rec.file), "%s", a->file ? a->file : "");
	/* libbpf names internal maps after the object: "NAME.bss" */
	snprintf(lj->l.name, sizeof(lj->l.name), "%s", a->file ? a->file : "bpfpin");
	if (strchr(lj->l.name, '.'))
		*strchr(lj->l.name, '.') = '\0';
	if (!lj->l.name[0])
		snprintf(lj->l.name, sizeof(lj->l.name), "bpfpin");
	lj->umask = a->umask;
	return 0;
}

static int busy(struct request *req)
{
	struct workers *w = req->conn->srv->workers;

	if (!w) {
		snprintf(req->errmsg, sizeof(req->errmsg), "this bpfpind has no worker for loads");
		return -ENOSYS;
	}
	if (workers_pending(w) >= LOAD_PENDING_MAX) {
		snprintf(req->errmsg, sizeof(req->errmsg), "%d loads are in "
			 "progress, the most bpfpind runs at once; try again later",
			 LOAD_PENDING_MAX);
		return -EAGAIN;
	}
	return 0;
}

int op_load(struct request *req)
{
	struct load_args a = { .umask = 022 };
	struct load_job *lj;
	int r;

	if ((r = params_parse(load_params, req, &a)) < 0 ||
	    (r = may_load(req)) < 0 || (r = busy(req)) < 0)
		return r;
	if (!(lj = job_new(req)))
		return -ENOMEM;
	if ((r = prepare(req, &a, lj)) < 0 || !(lj->later = later_begin(req))) {
		load_job_free(lj);
		return r < 0 ? r : -ENOMEM;
	}
	workers_submit(req->conn->srv->workers, &lj->job);
	return 0;
}

/* Phase 1: the file's bytes, their hash, libbpf's open. */
static int read_open(struct load_job *lj)
{
	int r = obj_file_read(lj->file_fd, OBJ_FILE_MAX, &lj->l.buf, &lj->l.len,
			      lj->why, sizeof(lj->why));

	close(lj->file_fd);
	lj->file_fd = -1;
	if (r < 0)
		return r;
	lj->rec.size = lj->l.len;
	sha256(lj->l.buf, lj->l.len, lj->rec.sha256);
	return load_open(&lj->l, lj->why, sizeof(lj->why));
}

void load_job_run(struct job *job)
{
	struct load_job *lj = (struct load_job *)job;

	if (lj->phase == 1)
		lj->err = read_open(lj);
	else
		lj->err = load_load(&lj->l, lj->why, sizeof(lj->why));
}
