/* daemon/load_pin.c: the loop's part of a load (load_job.h): between the
 * phases, the maps the object reuses from the namespace; after the load,
 * the pins, all or nothing, and the reply with what was pinned and who
 * loaded it. A job whose connection closed pins nothing: it frees what
 * it made and ends. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "daemon/load_job.h"
#include "daemon/log.h"
#include "daemon/ops.h"

void load_job_free(struct load_job *lj)
{
	if (lj->file_fd >= 0)
		close(lj->file_fd);
	for (int i = 0; i < lj->nreuse; i++)
		if (lj->reuse[i].fd >= 0)
			close(lj->reuse[i].fd);
	load_free(&lj->l);
	free(lj);
}

static const char *member(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

/* The message of a load the verifier refused names the program, the
 * instruction and the verifier's reason. */
static void verifier_why(struct load_job *lj, struct json_object *log)
{
	const char *prog = member(log, "prog"), *insn = member(log, "insn");
	const char *reason = member(log, "reason"), *src = member(log, "source");

	if (!prog || !insn)
		return;
	snprintf(lj->why, sizeof(lj->why), "the verifier refused program "
		 "'%.64s' at instruction %.128s%s%.128s%s%.128s", prog, insn,
		 reason ? ": " : "", reason ? reason : "", src ? " (source: " : "",
		 src ? src : "");
	if (src)
		snprintf(lj->why + strlen(lj->why), sizeof(lj->why) - strlen(lj->why), ")");
}

void load_job_fail(struct load_job *lj, int err)
{
	struct json_object *extra = NULL, *log = NULL;
	uint64_t size = 0;
	int fd = -1;

	if (lj->l.obj && later_conn(lj->later)) {
		log = load_log_json(&lj->l, true);
		fd = load_log_memfd(&lj->l, true, &size);
		if (fd >= 0) {
			if (!log)
				log = json_object_new_object();
			json_object_object_add(log, "size", json_object_new_int64((int64_t)size));
			json_object_object_add(log, "fd", json_object_new_int(0));
		}
		if (log) {
			extra = json_object_new_object();
			json_object_object_add(extra, "log", log);
		}
	}
	if (log)
		verifier_why(lj, log);
	if (!lj->why[0])
		snprintf(lj->why, sizeof(lj->why), "%s", strerror(-err));
	later_error(lj->later, -err, lj->why, extra, &fd, fd >= 0 ? 1 : 0);
	load_job_free(lj);
}

static int join(char *out, const char *dir, const char *name)
{
	char pn[256];

	load_pin_name(name, pn);
	if (snprintf(out, NS_PATH_MAX, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "",
		     pn) >= NS_PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/* Explicit reuse: the caller's maps, by the object's names for them. */
static int reuse_named(struct load_job *lj)
{
	for (int i = 0; i < lj->nreuse; i++) {
		int m = load_map_index(&lj->l, lj->reuse[i].name);
		int r;

		if (m < 0) {
			snprintf(lj->why, sizeof(lj->why), "the object has no map "
				 "named \"%.255s\"", lj->reuse[i].name);
			return -ENOENT;
		}
		if ((r = load_reuse(&lj->l, m, lj->reuse[i].fd, lj->why, sizeof(lj->why))) < 0)
			return r;
		close(lj->reuse[i].fd);
		lj->reuse[i].fd = -1;
		lj->from_dir[m] = false;
	}
	return 0;
}

bool load_named_reuse(const struct load_job *lj, const char *name)
{
	for (int i = 0; i < lj->nreuse; i++)
		if (!strcmp(lj->reuse[i].name, name))
			return true;
	return false;
}

/* LIBBPF_PIN_BY_NAME, in our namespace: pinmaps/NAME is reused if it is
 * there, else the new map is pinned there after the load. */
static int reuse_by_name(struct load_job *lj, const struct ns_cred *cred)
{
	char path[NS_PATH_MAX];
	struct ns_stat st;
	int r, fd;

	for (int i = 0; i < lj->l.nmaps; i++) {
		const char *name = bpf_map__name(load_map(&lj->l, i));

		if (!lj->l.by_name[i] || load_named_reuse(lj, name))
			continue;
		if (!lj->pinmaps[0]) {
			snprintf(lj->why, sizeof(lj->why), "map \"%.255s\" is to be "
				 "pinned by name (LIBBPF_PIN_BY_NAME): give pinmaps DIR", name);
			return -EINVAL;
		}
		if ((r = join(path, lj->pinmaps, name)) < 0)
			return r;
		r = ns_get(lj->srv->ns, cred, NS_AT(path), O_RDWR, &fd, &st);
		if (r == -ENOENT)
			continue;
		if (r < 0) {
			snprintf(lj->why, sizeof(lj->why), "%.400s: %s", path, strerror(-r));
			return r;
		}
		r = load_reuse(&lj->l, i, fd, lj->why, sizeof(lj->why));
		close(fd);
		if (r < 0)
			return r;
		lj->from_dir[i] = true;
	}
	return 0;
}

/* Between the phases: the maps to reuse, then the load. */
static void opened(struct load_job *lj)
{
	struct ns_cred cred;
	int r;

	conn_cred(later_conn(lj->later), 0, &cred);
	if ((r = reuse_named(lj)) < 0 || (r = reuse_by_name(lj, &cred)) < 0) {
		load_job_fail(lj, r);
		return;
	}
	lj->phase = 2;
	workers_submit(lj->srv->workers, &lj->job);
}

void load_job_done(struct job *job)
{
	struct load_job *lj = (struct load_job *)job;

	if (job->cancelled || !later_conn(lj->later)) {
		later_error(lj->later, EINTR, "bpfpind is stopping", NULL, NULL, 0);
		load_job_free(lj);
		return;
	}
	if (lj->err < 0) {
		load_job_fail(lj, lj->err);
		return;
	}
	if (lj->phase == 1)
		opened(lj);
	else
		load_job_pin(lj);
}
