/* daemon/load_commit.c: a loaded object's pins, all or nothing (the last
 * step of a load, on the loop). Every program goes under PATH/NAME, and
 * with pinmaps every map under DIR/NAME, but those it reused where they
 * are pinned; the directories are made if missing. Whatever fails, the
 * pins and directories made so far are removed again, so the namespace
 * is as before, and closing the object then frees every kernel object
 * it made. Each node is named in the namespace's intent journal before
 * it is made, and the journal ends before the reply, so a crash of the
 * daemon in between leaves nothing either (ns_open takes it away). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "daemon/load_job.h"
#include "daemon/log.h"
#include "daemon/ops.h"

/* What was made, to take away on failure. */
struct made {
	int n, cap;
	struct { char *path; bool dir; } *v;
};

struct commit {
	struct load_job *lj;
	struct ns_cred cred;
	struct made made;
	struct json_object *progs, *maps;
};

static int remember(struct commit *c, const char *path, bool dir)
{
	struct made *m = &c->made;

	if (m->n == m->cap) {
		int cap = m->cap ? m->cap * 2 : 16;
		void *v = realloc(m->v, sizeof(*m->v) * cap);

		if (!v)
			return -ENOMEM;
		m->v = v;
		m->cap = cap;
	}
	if (!(m->v[m->n].path = strdup(path)))
		return -ENOMEM;
	m->v[m->n++].dir = dir;
	return 0;
}

static void undo(struct commit *c)
{
	struct ns *ns = c->lj->srv->ns;

	for (int i = c->made.n - 1; i >= 0; i--) {
		const char *p = c->made.v[i].path;
		int r = c->made.v[i].dir ? ns_rmdir(ns, &c->cred, NS_AT(p)) :
			ns_unlink(ns, &c->cred, NS_AT(p));

		if (r < 0)
			log_warn(r, "undoing a failed load: removing %s", p);
	}
}

static void made_free(struct made *m)
{
	for (int i = 0; i < m->n; i++)
		free(m->v[i].path);
	free(m->v);
}

static int fail(struct commit *c, const char *path, int r)
{
	snprintf(c->lj->why, sizeof(c->lj->why), "%.400s: %s", path, strerror(-r));
	return r;
}

/* dir, made (mode 0777 & ~umask) if it is not there. */
static int ensure_dir(struct commit *c, const char *dir)
{
	struct ns_stat st;
	int r = ns_stat(c->lj->srv->ns, &c->cred, NS_AT(dir), true, &st);

	if (r == 0 && st.type != NS_DIR)
		return fail(c, dir, -ENOTDIR);
	if (r == 0)
		return 0;
	if (r != -ENOENT)
		return fail(c, dir, r);
	if ((r = ns_intent_add(c->lj->srv->ns, &c->cred, dir, true)) < 0)
		return fail(c, dir, r);
	if ((r = ns_mkdir(c->lj->srv->ns, &c->cred, NS_AT(dir), 0777, &st)) < 0)
		return fail(c, dir, r);
	return remember(c, dir, true);
}

static int pin_one(struct commit *c, const char *dir, const char *name, int fd,
		   struct ns_stat *st)
{
	char path[NS_PATH_MAX], pn[256];
	char why[256] = "";
	int r;

	load_pin_name(name, pn);
	if (snprintf(path, sizeof(path), "%s%s%s", dir, strcmp(dir, "/") ? "/" : "",
		     pn) >= (int)sizeof(path))
		return fail(c, dir, -ENAMETOOLONG);
	r = ns_intent_add(c->lj->srv->ns, &c->cred, path, false);
	if (r == 0)
		r = ns_pin(c->lj->srv->ns, &c->cred, NS_AT(path), fd, why, sizeof(why), st);
	if (r < 0)
		return fail(c, path, r);
	return remember(c, path, false);
}

static struct json_object *item(const char *name, const char *path,
				const struct obj_ident *id, const char *type)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(name));
	if (path)
		json_object_object_add(o, "path", json_object_new_string(path));
	json_object_object_add(o, "id", json_object_new_int64(id->id));
	json_object_object_add(o, "type", json_object_new_string(type ? type : "unknown"));
	return o;
}

static int pin_progs(struct commit *c)
{
	struct bpf_program *p;
	struct ns_stat st;
	int r;

	if ((r = ensure_dir(c, c->lj->path)) < 0)
		return r;
	bpf_object__for_each_program(p, c->lj->l.obj) {
		if (bpf_program__fd(p) < 0)
			continue;       /* not loaded (autoload off) */
		if ((r = pin_one(c, c->lj->path, bpf_program__name(p),
				 bpf_program__fd(p), &st)) < 0)
			return r;
		json_object_array_add(c->progs, item(bpf_program__name(p),
			c->made.v[c->made.n - 1].path, &st.obj,
			obj_prog_type_name(st.obj.type)));
	}
	return 0;
}

/* One map: pinned under pinmaps unless it was reused from a pin. */
static int pin_map(struct commit *c, int i)
{
	struct bpf_map *m = load_map(&c->lj->l, i);
	bool reused = c->lj->from_dir[i] || load_named_reuse(c->lj, bpf_map__name(m));
	struct obj_ident id;
	struct ns_stat st;
	int r;

	if (c->lj->pinmaps[0] && !reused) {
		if ((r = pin_one(c, c->lj->pinmaps, bpf_map__name(m), bpf_map__fd(m), &st)) < 0)
			return r;
		id = st.obj;
	} else if ((r = obj_identify(bpf_map__fd(m), &id, NULL, 0)) < 0) {
		return fail(c, bpf_map__name(m), r);
	}
	json_object_array_add(c->maps, item(bpf_map__name(m),
		c->lj->pinmaps[0] && !reused ? c->made.v[c->made.n - 1].path : NULL,
		&id, obj_map_type_name(id.type)));
	json_object_object_add(json_object_array_get_idx(c->maps,
		json_object_array_length(c->maps) - 1), "reused",
		json_object_new_boolean(reused));
	return 0;
}

static int pin_all(struct commit *c)
{
	int r;

	if (!(c->progs = json_object_new_array()) || !(c->maps = json_object_new_array()))
		return -ENOMEM;
	if ((r = pin_progs(c)) < 0)
		return r;
	if (c->lj->pinmaps[0] && (r = ensure_dir(c, c->lj->pinmaps)) < 0)
		return r;
	for (int i = 0; i < c->lj->l.nmaps; i++)
		if ((r = pin_map(c, i)) < 0)
			return r;
	return 0;
}

/* The result, with the log as a memfd when one was asked for. */
static void reply(struct commit *c)
{
	struct load_job *lj = c->lj;
	struct json_object *res = json_object_new_object(), *log;
	uint64_t size = 0;
	int fd = lj->l.log_level ? load_log_memfd(&lj->l, false, &size) : -1;

	json_object_object_add(res, "programs", c->progs);
	json_object_object_add(res, "maps", c->maps);
	json_object_object_add(res, "loaded_by", load_record_json(&lj->rec));
	if (fd >= 0) {
		log = json_object_new_object();
		json_object_object_add(log, "size", json_object_new_int64((int64_t)size));
		json_object_object_add(log, "fd", json_object_new_int(0));
		json_object_object_add(res, "log", log);
	}
	c->progs = c->maps = NULL;
	later_result(lj->later, res, &fd, fd >= 0 ? 1 : 0);
}

/* Who loaded what, on every pin the load made (the maps it reused keep
 * theirs), and in the log. The pins are made: a record that cannot be
 * written is logged, not a failure of the load. */
static void record(const struct commit *c)
{
	char hex[2 * SHA256_LEN + 1];
	const struct load_record *rec = &c->lj->rec;
	struct ns_prov p = { .kind = NS_PROV_LOADED, .uid = rec->uid,
			     .pid = rec->pid, .time = rec->time };

	sha256_hex(rec->sha256, hex);
	snprintf(p.file, sizeof(p.file), "%s", rec->file);
	memcpy(p.sha256, hex, sizeof(p.sha256));
	for (int i = 0; i < c->made.n; i++)
		if (!c->made.v[i].dir &&
		    ns_set_prov(c->lj->srv->ns, NS_AT(c->made.v[i].path), &p) < 0)
			log_warnx("no provenance recorded for %s", c->made.v[i].path);
	log_info("uid %u pid %d loaded %s (%llu bytes, sha256 %s) at %s",
		 (unsigned)rec->uid, (int)rec->pid, rec->file[0] ? rec->file : "an object",
		 (unsigned long long)rec->size, hex, c->lj->path);
}

void load_job_pin(struct load_job *lj)
{
	struct commit c = { .lj = lj };
	int r;

	conn_cred(later_conn(lj->later), lj->umask, &c.cred);
	if ((r = ns_intent_begin(lj->srv->ns)) < 0) {
		snprintf(lj->why, sizeof(lj->why), "cannot write the load's intent "
			 "journal: %s", strerror(-r));
		load_job_fail(lj, r);
		return;
	}
	r = pin_all(&c);
	if (r < 0) {
		undo(&c);
		ns_intent_end(lj->srv->ns);
		json_object_put(c.progs);
		json_object_put(c.maps);
		made_free(&c.made);
		load_job_fail(lj, r);
		return;
	}
	record(&c);
	/* Certain now: a crash after this loses the reply, not the pins. */
	ns_intent_end(lj->srv->ns);
	made_free(&c.made);
	reply(&c);
	load_job_free(lj);
}
