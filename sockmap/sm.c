/* sockmap/sm.c: the manager and its sockmaps: taking a sockmap up (its
 * private directory in the store, with the sockmap pinned again there, its
 * members map and its aux maps, each got again if it is there or made),
 * finding it by id, the budgets, and letting go of it. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "sockmap/holder.h"
#include "sockmap/sm_int.h"

int sm_err(char *why, size_t whylen, int err, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return err;
}

void sm_path(const struct sockmap *s, const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", s->dir, name);
}

struct sm_uid *sm_uid_get(struct sockmap_mgr *m, uid_t uid, bool create)
{
	struct sm_uid *u;

	LIST_FOREACH(u, &m->uids, entry)
		if (u->uid == uid)
			return u;
	if (!create || !(u = calloc(1, sizeof(*u))))
		return NULL;
	u->uid = uid;
	LIST_INSERT_HEAD(&m->uids, u, entry);
	return u;
}

void sm_uid_put(struct sockmap_mgr *m, struct sm_uid *u)
{
	(void)m;
	if (u && !u->maps && !u->given) {
		LIST_REMOVE(u, entry);
		free(u);
	}
}

/* The object pinned at path, or a new one made by mk and pinned there. */
static int get_or_pin(const char *path, int (*mk)(struct sockmap *s), struct sockmap *s)
{
	int fd = bpf_obj_get(path), r;

	if (fd >= 0 || errno != ENOENT)
		return fd >= 0 ? fd : -errno;
	fd = mk(s);
	if (fd < 0)
		return fd;
	if (bpf_obj_pin(fd, path) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

static int mk_members(struct sockmap *s)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_NO_PREALLOC);
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "bpfpin_members", s->key_size,
				sizeof(struct sockmap_rec), s->max_entries, &o);

	return fd < 0 ? -errno : fd;
}

static int open_aux(struct sockmap *s, char *why, size_t whylen)
{
	struct sockmap_aux fresh;
	char path[PATH_MAX];
	unsigned missing = 0;
	int r;

	for (unsigned i = 0; i < sockmap_aux_count; i++) {
		sm_path(s, sockmap_aux_names[i], path, sizeof(path));
		s->aux.fds[i] = bpf_obj_get(path);
		if (s->aux.fds[i] < 0)
			missing++;
	}
	if (!missing)
		return 0;
	/* a crash between making them and pinning the last: make them all
	 * again (nothing can use a partial set yet) */
	sockmap_aux_close(&s->aux);
	r = sockmap_aux_create(s->max_entries, &fresh, why, whylen);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < sockmap_aux_count; i++) {
		sm_path(s, sockmap_aux_names[i], path, sizeof(path));
		unlink(path);
		if (bpf_obj_pin(fresh.fds[i], path) < 0) {
			r = -errno;
			sockmap_aux_close(&fresh);
			return sm_err(why, whylen, r, "cannot pin the sockmap's %s in "
				      "the store: %s", sockmap_aux_names[i], strerror(-r));
		}
	}
	s->aux = fresh;
	return 0;
}

/* The sockmap pinned again in s->dir: what holds it across a crash of
 * the daemon, and what a restart opens it by (s->map_fd -1). */
static int pin_map(struct sockmap *s, char *why, size_t whylen)
{
	char path[PATH_MAX];

	sm_path(s, "map", path, sizeof(path));
	if (s->map_fd < 0) {
		s->map_fd = bpf_obj_get(path);
		if (s->map_fd < 0)
			return sm_err(why, whylen, -errno, "cannot open %s: %s", path,
				      strerror(errno));
		return 0;
	}
	if (bpf_obj_pin(s->map_fd, path) < 0 && errno != EEXIST)
		return sm_err(why, whylen, -errno, "cannot pin the sockmap in the "
			      "store: %s", strerror(errno));
	return 0;
}

/* What the built-ins ask of the manager (tap's disconnects) wakes the
 * daemon's loop; closing the aux maps takes it off the epoll set. */
static int watch_events(struct sockmap *s, char *why, size_t whylen)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = s };
	int fd = sockmap_aux_event_fd(&s->aux);

	if (fd >= 0 && epoll_ctl(s->mgr->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return sm_err(why, whylen, -errno, "cannot watch the sockmap's events: %s",
			      strerror(errno));
	return 0;
}

/* Open (or make) everything of s in s->dir. */
static int take_up(struct sockmap *s, char *why, size_t whylen)
{
	char path[PATH_MAX];
	int r;

	if (mkdir(s->dir, 0700) < 0 && errno != EEXIST)
		return sm_err(why, whylen, -errno, "cannot make %s: %s", s->dir,
			      strerror(errno));
	if ((r = pin_map(s, why, whylen)) < 0)
		return r;
	sm_path(s, "members", path, sizeof(path));
	s->members_fd = get_or_pin(path, mk_members, s);
	if (s->members_fd < 0)
		return sm_err(why, whylen, s->members_fd, "cannot make the members "
			      "map: %s", strerror(-s->members_fd));
	if ((r = open_aux(s, why, whylen)) < 0)
		return r;
	return watch_events(s, why, whylen);
}

static struct sockmap *sm_new(struct sockmap_mgr *m, uint32_t id, uid_t uid)
{
	struct sockmap *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->w.kind = SM_WATCH_EVENTS;
	s->mgr = m;
	s->id = id;
	s->uid = uid;
	s->map_fd = s->members_fd = -1;
	sockmap_aux_init(&s->aux);
	LIST_INIT(&s->given);
	snprintf(s->dir, sizeof(s->dir), "%s/m%u_u%u", m->dir, id, (unsigned)uid);
	return s;
}

static void sm_free(struct sockmap *s)
{
	sm_given_close_all(s);
	sm_cidx_free(s);
	sockmap_aux_close(&s->aux);
	if (s->map_fd >= 0)
		close(s->map_fd);
	if (s->members_fd >= 0)
		close(s->members_fd);
	free(s);
}

static int map_facts(struct sockmap *s, char *why, size_t whylen)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(s->map_fd, &info, &len) < 0)
		return sm_err(why, whylen, -errno, "not a BPF map: %s", strerror(errno));
	if (info.type != BPF_MAP_TYPE_SOCKMAP && info.type != BPF_MAP_TYPE_SOCKHASH)
		return sm_err(why, whylen, -EINVAL, "map %u is no sockmap or sockhash",
			      info.id);
	if (info.value_size != sizeof(uint64_t))
		return sm_err(why, whylen, -EINVAL, "map %u has values of %u bytes: "
			      "bpfpin manages sockmaps with 8 (a lookup then gives the "
			      "member's cookie)", info.id, info.value_size);
	if (info.key_size > SOCKMAP_KEY_MAX)
		return sm_err(why, whylen, -EINVAL, "a key of %u bytes: bpfpin manages "
			      "sockhashes with keys of up to %u", info.key_size,
			      SOCKMAP_KEY_MAX);
	s->id = info.id;
	s->type = info.type;
	s->key_size = info.key_size;
	s->max_entries = info.max_entries;
	return 0;
}

static void charge(struct sockmap_mgr *m, struct sockmap *s, int n)
{
	struct sm_uid *u = sm_uid_get(m, s->uid, n > 0);

	m->nmaps += n;
	if (u) {
		u->maps += n;
		sm_uid_put(m, u);
	}
}

static int room(struct sockmap_mgr *m, uid_t uid, char *why, size_t whylen)
{
	struct sm_uid *u = sm_uid_get(m, uid, false);

	if (m->lim.maps && m->nmaps >= m->lim.maps)
		return sm_err(why, whylen, -EUSERS, "bpfpind manages %u sockmaps, its "
			      "limit (--sockmaps)", m->lim.maps);
	if (uid != 0 && u && m->lim.maps_per_uid && u->maps >= m->lim.maps_per_uid)
		return sm_err(why, whylen, -EDQUOT, "uid %u has %u sockmaps with "
			      "sockets, its limit (--max-sockmaps-per-uid)", (unsigned)uid,
			      u->maps);
	return 0;
}

struct sockmap *sockmap_find(struct sockmap_mgr *m, uint32_t id)
{
	struct sockmap *s;

	if (!m)
		return NULL;
	LIST_FOREACH(s, &m->maps, entry)
		if (s->id == id)
			return s;
	return NULL;
}

int sockmap_get(struct sockmap_mgr *m, int map_fd, uid_t uid,
		struct sockmap **out, char *why, size_t whylen)
{
	struct sockmap tmp = { .map_fd = map_fd };
	struct sockmap *s;
	int r;

	if (!m)
		return sm_err(why, whylen, -EOPNOTSUPP,
			      "this bpfpind manages no sockmaps (they need --store=bpffs)");
	if ((r = map_facts(&tmp, why, whylen)) < 0)
		return r;
	if ((*out = sockmap_find(m, tmp.id)))
		return 0;
	if ((r = room(m, uid, why, whylen)) < 0)
		return r;
	if (!(s = sm_new(m, tmp.id, uid)))
		return -ENOMEM;
	s->map_fd = fcntl(map_fd, F_DUPFD_CLOEXEC, 0);
	r = s->map_fd < 0 ? -errno : map_facts(s, why, whylen);
	if (r == 0)
		r = take_up(s, why, whylen);
	if (r < 0) {
		sm_free(s);
		return r;
	}
	sm_cidx_build(s);
	LIST_INSERT_HEAD(&m->maps, s, entry);
	charge(m, s, 1);
	*out = s;
	return 0;
}

/* Empty s->dir (pins, links, labels: unlinking a link's last pin
 * detaches it once our fds are closed) and remove it. */
static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(dir);
}

static void forget(struct sockmap_mgr *m, struct sockmap *s)
{
	LIST_REMOVE(s, entry);
	charge(m, s, -1);
	sm_lent_forget_map(s);
	remove_dir(s->dir);
	sm_free(s);
}

void sockmap_mgr_forget(struct sockmap_mgr *m, uint32_t id)
{
	struct sockmap *s = sockmap_find(m, id);

	if (s)
		forget(m, s);
}

void sockmap_mgr_gc(struct sockmap_mgr *m, bool (*pinned)(uint32_t id, void *arg),
		    void *arg)
{
	struct sockmap *s, *next;

	for (s = LIST_FIRST(&m->maps); s; s = next) {
		next = LIST_NEXT(s, entry);
		if (!pinned(s->id, arg))
			forget(m, s);
	}
}

/* What an earlier run left: m<ID>_u<UID> directories. One that cannot be
 * taken up again (its sockmap is gone) is removed. */
static void resume(struct sockmap_mgr *m)
{
	char why[256];
	DIR *d = opendir(m->dir);
	struct dirent *e;
	unsigned id, uid;
	char tail;

	if (!d)
		return;
	while ((e = readdir(d))) {
		struct sockmap *s;

		if (sscanf(e->d_name, "m%u_u%u%c", &id, &uid, &tail) != 2 ||
		    sockmap_find(m, id) || !(s = sm_new(m, id, uid)))
			continue;
		if (take_up(s, why, sizeof(why)) < 0 || map_facts(s, why, sizeof(why)) < 0 ||
		    s->id != id) {
			remove_dir(s->dir);
			sm_free(s);
			continue;
		}
		sm_cidx_build(s);   /* now that the key size is known */
		LIST_INSERT_HEAD(&m->maps, s, entry);
		charge(m, s, 1);
	}
	closedir(d);
}

int sockmap_mgr_open(struct sockmap_mgr **out, const char *dir,
		     const char *holder_path, const struct sm_keeper *keeper,
		     const struct sockmap_limits *lim, char *why, size_t whylen)
{
	struct sockmap_mgr *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	snprintf(m->dir, sizeof(m->dir), "%s", dir);
	m->lim = *lim;
	LIST_INIT(&m->maps);
	LIST_INIT(&m->uids);
	m->holder = -1;
	m->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (m->epfd < 0 || (mkdir(dir, 0700) < 0 && errno != EEXIST)) {
		int r = -errno;

		if (m->epfd >= 0)
			close(m->epfd);
		free(m);
		return sm_err(why, whylen, r, "sockmap store %s: %s", dir, strerror(-r));
	}
	resume(m);
	/* an earlier run's holder, if one is there; one is started at the
	 * first give (sm_hold.c) */
	if (keeper)
		m->keeper = *keeper;
	else if (holder_path) {
		snprintf(m->holder_path, sizeof(m->holder_path), "%s", holder_path);
		m->holder = holder_connect(holder_path, false);
	}
	sm_hold_resume(m);
	sm_lent_resume(m);
	*out = m;
	return 0;
}

void sockmap_mgr_close(struct sockmap_mgr *m)
{
	struct sockmap *s;
	struct sm_uid *u;

	if (!m)
		return;
	/* first: the holder or the keeper keeps the given sockets for the
	 * next start */
	if (m->holder >= 0)
		close(m->holder);
	m->holder = -1;
	m->keeper = (struct sm_keeper){ 0 };
	while ((s = LIST_FIRST(&m->maps))) {
		LIST_REMOVE(s, entry);
		sm_free(s);
	}
	while ((u = LIST_FIRST(&m->uids))) {
		LIST_REMOVE(u, entry);
		free(u);
	}
	sm_lent_close(m);
	close(m->epfd);
	free(m);
}

void sockmap_mgr_set_limits(struct sockmap_mgr *m, const struct sockmap_limits *lim)
{
	m->lim = *lim;
}

int sockmap_mgr_fd(const struct sockmap_mgr *m)
{
	return m->epfd;
}

void sockmap_info(struct sockmap *s, struct sockmap_info *out)
{
	struct sockmap_key k, next;
	unsigned n = 0;
	void *prev = NULL;

	while (bpf_map_get_next_key(s->members_fd, prev, next.b) == 0) {
		n++;
		k = next;
		prev = k.b;
	}
	*out = (struct sockmap_info){ .id = s->id, .type = s->type,
				      .key_size = s->key_size,
				      .max_entries = s->max_entries,
				      .members = n, .given = s->ngiven };
}

const struct sockmap_aux *sockmap_aux(struct sockmap *s)
{
	return &s->aux;
}
