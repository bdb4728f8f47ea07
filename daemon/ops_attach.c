/* daemon/ops_attach.c: attach (make a BPF link and pin it, or with
 * replace swap the program of a pinned one) and detach. The client's
 * target fd is told by bpf/attach_fd.c, who may is fs/ns's to say
 * (ns_open_obj with NS_USE_ATTACH, ns_may_attach_*), and the kernel calls
 * are bpf/attach_link.c's. A link is made, then pinned: a link that could
 * not be pinned is closed, which detaches it. */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <linux/bpf.h>

#include "bpf/attach.h"
#include "daemon/log.h"
#include "daemon/ops.h"

struct attach_args {
	const char *target, *prog, *path, *attach_type, *dev, *map, *tp_name;
	int *fd;                /* the request's slot (NULL: none); serve closes it */
	bool replace;
	mode_t umask;
};

static const struct param attach_params[] = {
	PARAM(struct attach_args, target, P_STRING, true),
	PARAM(struct attach_args, prog, P_PATH, true),
	PARAM(struct attach_args, path, P_PATH, true),
	PARAM(struct attach_args, attach_type, P_STRING, false),
	PARAM(struct attach_args, fd, P_FD, false),
	PARAM(struct attach_args, dev, P_STRING, false),
	PARAM(struct attach_args, map, P_PATH, false),
	PARAM(struct attach_args, tp_name, P_STRING, false),
	PARAM(struct attach_args, replace, P_BOOL, false),
	PARAM(struct attach_args, umask, P_UMASK, false),
	{ 0 },
};

/* Everything one attach holds; op_attach closes its fds. */
struct attach_ctx {
	struct request *req;
	struct attach_args a;
	struct ns_cred cred;
	struct attach_req r;
	int map_fd, link_fd;
	struct ns_stat st;
};

static int fail(struct attach_ctx *x, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct attach_ctx *x, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->req->errmsg, sizeof(x->req->errmsg), fmt, ap);
	va_end(ap);
	return err;
}

/* Which members a target takes: a member it does not take is refused. */
static int members(struct attach_ctx *x)
{
	const struct attach_args *a = &x->a;
	enum attach_target t = x->r.target;
	bool want_fd = t == ATTACH_CGROUP || t == ATTACH_NETNS;
	bool want_dev = t == ATTACH_XDP || t == ATTACH_TCX;

	if (want_fd != (a->fd != NULL))
		return fail(x, -EINVAL, want_fd ? "target %s needs member \"fd\"" :
			    "target %s takes no member \"fd\"", a->target);
	if (want_dev != (a->dev != NULL))
		return fail(x, -EINVAL, want_dev ? "target %s needs member \"dev\"" :
			    "target %s takes no member \"dev\"", a->target);
	if ((t == ATTACH_SOCKMAP) != (a->map != NULL))
		return fail(x, -EINVAL, t == ATTACH_SOCKMAP ? "target %s needs member \"map\"" :
			    "target %s takes no member \"map\"", a->target);
	if (t != ATTACH_TRACING && a->tp_name)
		return fail(x, -EINVAL, "target %s takes no member \"tp_name\"", a->target);
	if (t == ATTACH_TRACING && a->attach_type)
		return fail(x, -EINVAL, "target %s takes no member \"attach_type\" "
			    "(the program says where it attaches)", a->target);
	return 0;
}

static int parse_type(struct attach_ctx *x)
{
	const char *name = x->a.attach_type;

	if (x->r.target == ATTACH_TRACING)
		return 0;
	if (!name && x->r.target != ATTACH_XDP)
		return fail(x, -EINVAL, "target %s needs member \"attach_type\"",
			    x->a.target);
	x->r.type = attach_type_find(x->r.target, name ? name : "xdp");
	if (!x->r.type)
		return fail(x, -EINVAL, "member \"attach_type\" names no attach type "
			    "of this target: \"%.64s\"", name);
	return 0;
}

static int netdev(struct attach_ctx *x)
{
	int r = ns_may_attach_system(&x->cred, "a network device",
				     x->req->errmsg, sizeof(x->req->errmsg));

	if (r < 0)
		return r;
	if (strlen(x->a.dev) >= IF_NAMESIZE ||
	    !(x->r.ifindex = if_nametoindex(x->a.dev)))
		return fail(x, -ENODEV, "no network device \"%.64s\" in bpfpind's "
			    "network namespace", x->a.dev);
	x->r.where = x->r.ifindex;
	return 0;
}

static int cgroup(struct attach_ctx *x)
{
	char *why = x->req->errmsg;
	size_t len = sizeof(x->req->errmsg);
	struct attach_dir d;
	int r = attach_cgroup_fd(*x->a.fd, &d, why, len);

	if (r == 0)
		r = ns_may_attach_dir(&x->cred, d.uid, d.gid, d.mode, why, len);
	x->r.target_fd = *x->a.fd;
	x->r.where = d.ino;
	return r;
}

static int netns(struct attach_ctx *x)
{
	char *why = x->req->errmsg;
	size_t len = sizeof(x->req->errmsg);
	int r = attach_netns_fd(*x->a.fd, &x->r.where, why, len);

	if (r == 0)
		r = ns_may_attach_system(&x->cred, "a network namespace", why, len);
	x->r.target_fd = *x->a.fd;
	return r;
}

/* Open the pin at path for attaching: write permission, and kind. */
static int open_pin(struct attach_ctx *x, const char *path, enum obj_kind kind,
		    int *fd, struct ns_stat *st)
{
	int r = ns_open_obj(x->req->conn->srv->ns, &x->cred, NS_AT(path),
			    NS_USE_ATTACH, fd, st);

	if (r == -EACCES)
		return fail(x, r, "%.400s: Permission denied (attaching needs write "
			    "permission on the pin)", path);
	if (r < 0)
		return op_fail(x->req, path, r);
	if (st->obj.kind != kind) {
		snprintf(x->req->errmsg, sizeof(x->req->errmsg),
			 "%.400s: holds a %s, not a %s", path,
			 obj_kind_name(st->obj.kind), obj_kind_name(kind));
		return -EINVAL;
	}
	return 0;
}

static int sockmap(struct attach_ctx *x)
{
	struct ns_stat st;
	int r = open_pin(x, x->a.map, OBJ_MAP, &x->map_fd, &st);

	if (r < 0)
		return r;
	if (st.obj.type != BPF_MAP_TYPE_SOCKMAP && st.obj.type != BPF_MAP_TYPE_SOCKHASH)
		return fail(x, -EINVAL, "%.400s: is no sockmap or sockhash", x->a.map);
	x->r.target_fd = x->map_fd;
	x->r.where = st.obj.id;
	return 0;
}

/* Tell the target and check the caller may attach to it. */
static int target(struct attach_ctx *x)
{
	switch (x->r.target) {
	case ATTACH_CGROUP:
		return cgroup(x);
	case ATTACH_XDP:
	case ATTACH_TCX:
		return netdev(x);
	case ATTACH_NETNS:
		return netns(x);
	case ATTACH_SOCKMAP:
		return sockmap(x);
	case ATTACH_TRACING:
		x->r.tp_name = x->a.tp_name;
		return ns_may_attach_system(&x->cred, "a kernel tracing point",
					    x->req->errmsg, sizeof(x->req->errmsg));
	}
	return -EINVAL;
}

static void record(struct attach_ctx *x)
{
	struct ns_prov p = { .kind = NS_PROV_ATTACHED, .uid = x->cred.uid,
			     .pid = x->cred.pid };

	clock_gettime(CLOCK_REALTIME, &p.time);
	/* The link is pinned: a record that cannot be written is logged,
	 * not a failure of what was done. */
	if (ns_set_prov(x->req->conn->srv->ns, NS_AT_INO(x->st.ino), &p) < 0)
		log_warnx("%s: no provenance recorded for %s", __func__, x->a.path);
}

/* A new link, pinned at path; closing our fd of a link that could not be
 * pinned detaches it. */
static int make_link(struct attach_ctx *x, uint32_t prog_type)
{
	int r = ns_may_pin(x->req->conn->srv->ns, &x->cred, NS_AT(x->a.path));

	if (r < 0)
		return op_fail(x->req, x->a.path, r);
	r = attach_link_create(&x->r, prog_type, x->req->errmsg,
			       sizeof(x->req->errmsg));
	if (r < 0)
		return r;
	x->link_fd = r;
	x->req->errmsg[0] = '\0';
	x->cred.umask = x->a.umask;
	r = ns_pin(x->req->conn->srv->ns, &x->cred, NS_AT(x->a.path), x->link_fd,
		   x->req->errmsg, sizeof(x->req->errmsg), &x->st);
	return r < 0 ? op_fail(x->req, x->a.path, r) : 0;
}

/* The link at path, attached where the request says, gets the program. */
static int replace_prog(struct attach_ctx *x)
{
	int r = open_pin(x, x->a.path, OBJ_LINK, &x->link_fd, &x->st);

	if (r == 0)
		r = attach_link_matches(x->link_fd, &x->r, x->req->errmsg,
					sizeof(x->req->errmsg));
	if (r == 0 && (r = attach_link_update(x->link_fd, x->r.prog_fd)) < 0)
		snprintf(x->req->errmsg, sizeof(x->req->errmsg),
			 "%.400s: the kernel refused the new program: %s",
			 x->a.path, strerror(-r));
	return r;
}

static int attach_run(struct attach_ctx *x)
{
	struct ns_stat pst;
	int r;

	x->r.target = attach_target_find(x->a.target);
	if (!x->r.target)
		return fail(x, -EINVAL, "member \"target\" must be cgroup, xdp, tcx, "
			    "netns, tracing or sockmap, not \"%.64s\"", x->a.target);
	if ((r = members(x)) < 0 || (r = parse_type(x)) < 0 ||
	    (r = open_pin(x, x->a.prog, OBJ_PROG, &x->r.prog_fd, &pst)) < 0 ||
	    (r = target(x)) < 0)
		return r;
	r = x->a.replace ? replace_prog(x) : make_link(x, pst.obj.type);
	if (r == 0)
		record(x);
	return r;
}

int op_attach(struct request *req)
{
	struct attach_ctx x = { .req = req, .map_fd = -1, .link_fd = -1,
				.a = { .umask = 022 },
				.r = { .prog_fd = -1, .target_fd = -1 } };
	int r = params_parse(attach_params, req, &x.a);

	if (r < 0)
		return r;
	conn_cred(req->conn, 0, &x.cred);
	r = attach_run(&x);
	if (x.r.prog_fd >= 0)
		close(x.r.prog_fd);
	if (x.map_fd >= 0)
		close(x.map_fd);
	if (x.link_fd >= 0)
		close(x.link_fd);
	if (r < 0)
		return op_fail(req, x.a.path, r);
	req->result = stat_result(&x.st);
	return 0;
}

struct detach_args {
	const char *path;
};

static const struct param detach_params[] = {
	PARAM(struct detach_args, path, P_PATH, true),
	{ 0 },
};

/* The link stays pinned, attached to nothing: a reader of its info sees
 * the kernel's detached state (a cgroup id of 0, ...). */
int op_detach(struct request *req)
{
	struct attach_ctx x = { .req = req };
	struct detach_args a = { 0 };
	int fd = -1, r = params_parse(detach_params, req, &a);

	if (r < 0)
		return r;
	conn_cred(req->conn, 0, &x.cred);
	r = open_pin(&x, a.path, OBJ_LINK, &fd, &x.st);
	if (r == 0 && (r = attach_link_detach(fd)) < 0)
		snprintf(req->errmsg, sizeof(req->errmsg),
			 "%.400s: the kernel cannot detach this link: %s", a.path,
			 strerror(-r));
	if (fd >= 0)
		close(fd);
	if (r < 0)
		return op_fail(req, a.path, r);
	req->result = stat_result(&x.st);
	return 0;
}

static struct json_object *prov_json(const struct ns_prov *p)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "uid", json_object_new_int64(p->uid));
	json_object_object_add(o, "pid", json_object_new_int64(p->pid));
	json_object_object_add(o, "time_ns", json_object_new_int64(
		(int64_t)p->time.tv_sec * 1000000000 + p->time.tv_nsec));
	if (p->kind == NS_PROV_LOADED) {
		json_object_object_add(o, "file", json_object_new_string(p->file));
		json_object_object_add(o, "sha256", json_object_new_string(p->sha256));
	}
	return o;
}

void prov_result(struct request *req, uint64_t ino)
{
	static const char *const keys[NS_PROV_KINDS] = {
		[NS_PROV_LOADED] = "loaded", [NS_PROV_ATTACHED] = "attached",
	};
	struct json_object *o = NULL;
	struct ns_prov p;

	for (int k = NS_PROV_KINDS - 1; k >= 0; k--) {
		if (ns_get_prov(req->conn->srv->ns, NS_AT_INO(ino), k, &p) < 0)
			continue;
		if (!o)
			o = json_object_new_object();
		json_object_object_add(o, keys[k], prov_json(&p));
	}
	if (o)
		json_object_object_add(req->result, "provenance", o);
}
