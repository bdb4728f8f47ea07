/* tests/test_crash_load.c: crash under load. Four clients (two as root,
 * two as uid 65534; two with a umask that makes their pins 0400) pin maps
 * holding a value, rename and unpin, as fast as a real bpfpind answers,
 * while it is SIGKILLed at a random instant and restarted, for
 * $BPFPIN_CRASH_CYCLES cycles (20 by default; bench/crash_load.sh runs
 * 200). Each client logs every change in shared memory before it sends it
 * (intent) and its outcome after the reply. After every restart each
 * client's directory must hold exactly what its acknowledged changes
 * made, or that and the one change the kill cut off, whole: the same
 * names, owners and modes, each pin the same kernel map (by id, through
 * a GET) with the value written before it was pinned, and its maker's pid
 * (or none: the side log may lose a kill's last lines). And the kernel
 * must hold no map of this test that no name pins: none once emptied. */
#include "config.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpfpin/bpfpin.h>

#include "tests/harness.h"

#define NOBODY 65534
#define CLIENTS 4
#define CYCLES_DEFAULT 20
#define OPS_MAX 4096
#define POOL 96          /* maps a client makes (as root) per cycle */
#define LIVE_MAX 64      /* names a client holds at most */
#define LIVE_LOW 8       /* below this many it pins first */

enum op_kind { OP_PIN, OP_RENAME, OP_UNLINK };
enum op_state { OP_SENT = 1, OP_ACKED, OP_FAILED };

/* One change: the names are /cK/nSEQ. A rename to a name in use
 * replaces what it pinned. */
struct op {
	enum op_kind kind;
	int seq;                /* pin, unlink: its name; rename: from */
	int to;                 /* rename: the new name */
	uint32_t map_id;        /* pin: the map's kernel id */
	uint64_t value;         /* pin: what the map holds at key 0 */
	pid_t pid;              /* pin: the client's */
	int cycle;
	int state;
	int err;
};

/* One client's cycle, in memory shared with the test. */
struct clog {
	int n;
	struct op ops[OPS_MAX];
};

struct pin {
	int seq;
	uint32_t map_id;
	uint64_t value;
	pid_t pid;              /* who pinned it (the daemon's side log) */
	int cycle;              /* when */
};

/* What a client's directory holds. */
struct model {
	int n;
	struct pin p[LIVE_MAX + 1];
	int next_seq;
};

static struct th_daemon d;
static struct clog *logs;                  /* [CLIENTS], MAP_SHARED */
static struct model models[CLIENTS];       /* as the last check found it */
static char prefix[16];                    /* this run's map names */
static int cut_made, cut_not;              /* how the cut changes ended */
static int ops_limit = OPS_MAX;            /* changes per client and cycle */
/* The side log of pids may lose a kill's last lines (fs/ns_meta.c): a
 * pin shows its maker's pid or 0, never another; made from this cycle
 * on, only its maker's. */
static int exact_pids_from = 1 << 30;

static uid_t client_uid(int k)
{
	return k % 2 ? NOBODY : 0;
}

/* 0600 & ~umask: in place for root's 022, staged for the others. */
static mode_t client_umask(int k)
{
	return k < 2 ? 022 : 0277;
}

static mode_t client_mode(int k)
{
	return S_IFREG | (0600 & ~client_umask(k));
}

static void name_of(char *buf, size_t size, int k, int seq)
{
	snprintf(buf, size, "/c%d/n%d", k, seq);
}

static int model_find(const struct model *m, int seq)
{
	for (int i = 0; i < m->n; i++)
		if (m->p[i].seq == seq)
			return i;
	return -1;
}

static void model_drop(struct model *m, int seq)
{
	int i = model_find(m, seq);

	if (i >= 0)
		m->p[i] = m->p[--m->n];
}

static void model_apply(struct model *m, const struct op *o)
{
	int i;

	switch (o->kind) {
	case OP_PIN:
		m->p[m->n++] = (struct pin){ o->seq, o->map_id, o->value,
					     o->pid, o->cycle };
		break;
	case OP_UNLINK:
		model_drop(m, o->seq);
		break;
	case OP_RENAME:
		model_drop(m, o->to);
		if ((i = model_find(m, o->seq)) >= 0)
			m->p[i].seq = o->to;
		break;
	}
	if (o->seq >= m->next_seq)
		m->next_seq = o->seq + 1;
	if (o->kind == OP_RENAME && o->to >= m->next_seq)
		m->next_seq = o->to + 1;
}

/* A map made as root (uid 65534 may not), its value written, its id
 * read: fd or -errno. */
static int pool_map(uint64_t value, uint32_t *id)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	uint32_t key = 0;
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, prefix, 4, 8, 1, NULL);

	if (fd < 0)
		return -errno;
	if (bpf_map_update_elem(fd, &key, &value, BPF_ANY) < 0 ||
	    bpf_obj_get_info_by_fd(fd, &info, &len) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	*id = info.id;
	return fd;
}

struct pool {
	int fd[POOL];
	uint32_t id[POOL];
	uint64_t value[POOL];
	int used;
};

static void pool_make(struct pool *p, int cycle, int k, unsigned *seed)
{
	for (int i = 0; i < POOL; i++) {
		p->value[i] = (uint64_t)rand_r(seed) << 32 | (uint64_t)cycle << 8 | k;
		p->fd[i] = pool_map(p->value[i], &p->id[i]);
		if (p->fd[i] < 0)
			_exit(122);
	}
	p->used = 0;
}

static void drop_to_user(void)
{
	const gid_t groups[] = { NOBODY };

	if (setgroups(1, groups) < 0 || setgid(NOBODY) < 0 ||
	    setuid(NOBODY) < 0)
		_exit(120);
}

/* The next change: pins first while few names are held (and maps are
 * left); a rename to a new name or, one in four, over another held name;
 * an unpin while more than a few are held. false when nothing is left. */
static bool pick(struct model *m, struct pool *p, struct op *o, unsigned *seed)
{
	int r = rand_r(seed) % 100;
	bool can_pin = p->used < POOL && m->n < LIVE_MAX;

	*o = (struct op){ 0 };
	if (can_pin && (m->n < LIVE_LOW || r < 45)) {
		o->kind = OP_PIN;
		o->seq = m->next_seq++;
		o->map_id = p->id[p->used];
		o->value = p->value[p->used];
		o->pid = getpid();
		return true;
	}
	if (m->n == 0)
		return false;
	o->seq = m->p[rand_r(seed) % m->n].seq;
	if (r >= 80 && m->n > LIVE_LOW) {
		o->kind = OP_UNLINK;
		return true;
	}
	o->kind = OP_RENAME;
	o->to = m->p[rand_r(seed) % m->n].seq;
	if (o->to == o->seq || m->n <= LIVE_LOW || rand_r(seed) % 4)
		o->to = m->next_seq++;
	return true;
}

static int send_op(struct bpfpin *b, int k, const struct op *o, struct pool *p)
{
	char from[32], to[32];

	name_of(from, sizeof(from), k, o->seq);
	switch (o->kind) {
	case OP_PIN:
		return bpfpin_pin(b, p->fd[p->used], from, NULL);
	case OP_UNLINK:
		return bpfpin_unlink(b, from);
	default:
		name_of(to, sizeof(to), k, o->to);
		return bpfpin_rename(b, from, to, 0);
	}
}

/* Client k until its connection breaks (the kill) or it runs out. */
static void client(int cycle, int k)
{
	unsigned seed = (unsigned)(cycle * 7919 + k * 104729 + getpid());
	struct clog *lg = &logs[k];
	struct model m = models[k];
	struct pool p;
	struct bpfpin *b;

	pool_make(&p, cycle, k, &seed);
	if (client_uid(k))
		drop_to_user();
	umask(client_umask(k));
	if (bpfpin_connect(d.sock, &b) < 0)
		_exit(0);       /* killed before it connected */
	while (lg->n < ops_limit) {
		struct op *o = &lg->ops[lg->n];
		int r;

		if (!pick(&m, &p, o, &seed))
			break;
		o->cycle = cycle;
		o->state = OP_SENT;         /* the intent, before sending */
		lg->n++;
		r = send_op(b, k, o, &p);
		o->err = -r;
		o->state = r == 0 ? OP_ACKED : OP_FAILED;
		if (r < 0)
			break;
		model_apply(&m, o);
		if (o->kind == OP_PIN)
			close(p.fd[p.used++]);
	}
	_exit(0);
}

/* The change the kill cut off: no reply, or the connection broke. */
static bool cut_off(const struct op *o)
{
	return o->state == OP_SENT ||
	       (o->state == OP_FAILED && (o->err == ECONNRESET ||
					  o->err == EPIPE || o->err == ENOTCONN));
}

/* What a name holds, as seen through the daemon and the kernel. */
struct seen {
	int n;
	struct pin p[LIVE_MAX + 8];
	char why[256];          /* a node that is no whole pin of the client */
};

static void see_object(struct bpfpin *b, const char *path, struct pin *p)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), key = 0;
	int fd = bpfpin_get(b, path, O_RDONLY);

	p->map_id = 0;
	p->value = 0;
	if (fd < 0)
		return;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
		p->map_id = info.id;
	if (bpf_map_lookup_elem(fd, &key, &p->value) < 0)
		p->value = 0;
	close(fd);
}

static void see_entry(struct bpfpin *b, int k, const struct bpfpin_dirent *e,
		      struct seen *s)
{
	char path[80], tail;
	struct pin *p = &s->p[s->n];

	if (sscanf(e->name, "n%d%c", &p->seq, &tail) != 1) {
		snprintf(s->why, sizeof(s->why), "/c%d holds %.64s", k, e->name);
		return;
	}
	p->pid = e->st.pid;
	if (e->st.type != BPFPIN_NODE_PIN || e->st.uid != client_uid(k) ||
	    e->st.gid != client_uid(k) || e->st.mode != client_mode(k))
		snprintf(s->why, sizeof(s->why), "/c%d/%.64s: type %d uid %u gid %u "
			 "mode 0%o, not a pin %u:%u 0%o", k, e->name, e->st.type,
			 e->st.uid, e->st.gid, e->st.mode, client_uid(k),
			 client_uid(k), client_mode(k));
	snprintf(path, sizeof(path), "/c%d/%.64s", k, e->name);
	see_object(b, path, p);
	if (p->map_id != e->st.obj_id)
		snprintf(s->why, sizeof(s->why), "%.80s: stat says map %u, GET %u",
			 path, e->st.obj_id, p->map_id);
	if (s->n < LIVE_MAX + 7)
		s->n++;
}

static void see(struct bpfpin *b, int k, struct seen *s)
{
	struct bpfpin_dirent ents[64];
	uint64_t cursor = 0;
	char dir[16];
	int r;

	s->n = 0;
	s->why[0] = '\0';
	snprintf(dir, sizeof(dir), "/c%d", k);
	do {
		r = bpfpin_list(b, dir, &cursor, ents, 64);
		cr_assert_geq(r, 0, "list %s: %s", dir, strerror(-r));
		for (int i = 0; i < r; i++)
			see_entry(b, k, &ents[i], s);
	} while (r > 0);
}

static bool holds(const struct seen *s, const struct model *m)
{
	if (s->why[0] || s->n != m->n)
		return false;
	for (int i = 0; i < m->n; i++) {
		int j = 0;

		while (j < s->n && s->p[j].seq != m->p[i].seq)
			j++;
		if (j == s->n || s->p[j].map_id != m->p[i].map_id ||
		    s->p[j].value != m->p[i].value)
			return false;
		if (s->p[j].pid != m->p[i].pid &&
		    (s->p[j].pid != 0 || m->p[i].cycle >= exact_pids_from))
			return false;
	}
	return true;
}

static const struct pin *pin_of(const struct pin *p, int n, int seq)
{
	for (int i = 0; i < n; i++)
		if (p[i].seq == seq)
			return &p[i];
	return NULL;
}

/* What differs between the acknowledged state and what was found. */
static void log_diff(int k, const struct model *m, const struct seen *s)
{
	for (int i = 0; i < m->n; i++) {
		const struct pin *a = &m->p[i], *f = pin_of(s->p, s->n, a->seq);

		if (!f)
			cr_log_error("  /c%d/n%d: acknowledged (map %u), gone", k,
				     a->seq, a->map_id);
		else if (f->map_id != a->map_id || f->value != a->value ||
			 f->pid != a->pid)
			cr_log_error("  /c%d/n%d: acknowledged map %u value %#llx pid %d, "
				     "holds map %u value %#llx pid %d", k, a->seq,
				     a->map_id, (unsigned long long)a->value, (int)a->pid,
				     f->map_id, (unsigned long long)f->value, (int)f->pid);
	}
	for (int i = 0; i < s->n; i++)
		if (!pin_of(m->p, m->n, s->p[i].seq))
			cr_log_error("  /c%d/n%d: holds map %u, not acknowledged "
				     "(an unpin or rename undone?)", k, s->p[i].seq,
				     s->p[i].map_id);
}

static const char *op_text(const struct op *o, char *buf, size_t size)
{
	static const char *const kinds[] = { "pin", "rename", "unlink" };

	snprintf(buf, size, "%s n%d%s%.0d map %u: %s", kinds[o->kind], o->seq,
		 o->kind == OP_RENAME ? " -> n" : "", o->kind == OP_RENAME ? o->to : 0,
		 o->map_id, o->state == OP_ACKED ? "acknowledged" :
		 o->state == OP_SENT ? "sent, no reply" : strerror(o->err));
	return buf;
}

/* Client k's directory: the acknowledged state (before), or that and
 * the change cut off (after); then the model is what was found. */
static void check_client(struct bpfpin *b, int cycle, int k)
{
	const struct clog *lg = &logs[k];
	struct model before = models[k], after;
	const struct op *cut = NULL;
	struct seen s;
	char text[128];

	for (int i = 0; i < lg->n; i++) {
		const struct op *o = &lg->ops[i];

		if (o->state == OP_ACKED)
			model_apply(&before, o);
		else if (cut_off(o) && i == lg->n - 1)
			cut = o;
		else
			cr_expect_fail("cycle %d client %d: %s", cycle, k,
				       op_text(o, text, sizeof(text)));
	}
	after = before;
	if (cut)
		model_apply(&after, cut);
	see(b, k, &s);
	if (holds(&s, &before)) {
		models[k] = before;
		cut_not += cut != NULL;
	} else if (cut && holds(&s, &after)) {
		models[k] = after;
		cut_made++;
	} else {
		cr_log_error("cycle %d client %d, %d changes, the last %s", cycle, k,
			     lg->n, lg->n ? op_text(&lg->ops[lg->n - 1], text,
						    sizeof(text)) : "none");
		log_diff(k, &before, &s);
		cr_assert_fail("cycle %d client %d: the namespace holds neither what was "
			       "acknowledged nor that and the change cut off, whole%s%s",
			       cycle, k, s.why[0] ? ": " : "", s.why);
	}
	if (after.next_seq > models[k].next_seq)
		models[k].next_seq = after.next_seq;
}

/* Maps of this run alive in the kernel (a pin, a cached fd or a client's
 * fd holds each). */
static int count_maps(void)
{
	uint32_t id = 0;
	int n = 0;

	while (bpf_map_get_next_id(id, &id) == 0) {
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_map_get_fd_by_id(id);

		if (fd < 0)
			continue;       /* freed meanwhile */
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
		    !strcmp(info.name, prefix))
			n++;
		close(fd);
	}
	return n;
}

/* The same count as bpftool sees it. */
static int bpftool_maps(void)
{
	int status, n = -1;
	char *out = th_run(&status, "bpftool -j map show | grep -o '\"name\":\"%s\"' "
			   "| wc -l", prefix);

	cr_assert_not_null(out);
	cr_assert_eq(status, 0, "bpftool -j map show failed");
	sscanf(out, "%d", &n);
	free(out);
	return n;
}

/* Freeing a map waits for RCU and a work queue: poll up to 5 s. */
static void expect_maps(int want, const char *when)
{
	int n = count_maps();

	for (int i = 0; i < 500 && n != want; i++) {
		usleep(10000);
		n = count_maps();
	}
	cr_assert_eq(n, want, "%s: %d maps of this run in the kernel, %d pinned",
		     when, n, want);
}


static int pinned(void)
{
	int n = 0;

	for (int k = 0; k < CLIENTS; k++)
		n += models[k].n;
	return n;
}

/* One cycle: the clients start, the daemon is killed at a random
 * instant and restarted (kill false: the clients run to their end), and
 * everything is checked. Returns the changes acknowledged. */
static int cycle(int c, unsigned *seed, bool kill)
{
	pid_t pids[CLIENTS];
	struct bpfpin *b;
	char when[32];
	int acked = 0;

	memset(logs, 0, sizeof(*logs) * CLIENTS);
	for (int k = 0; k < CLIENTS; k++) {
		pids[k] = fork();
		cr_assert_geq(pids[k], 0);
		if (pids[k] == 0)
			client(c, k);
	}
	usleep(5000 + rand_r(seed) % 120000);
	if (kill)
		cr_assert_eq(th_daemon_restart(&d, SIGKILL), 0, "cycle %d: no restart", c);
	for (int k = 0; k < CLIENTS; k++) {
		int status;

		cr_assert_eq(waitpid(pids[k], &status, 0), pids[k]);
		cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			  "cycle %d: client %d ended with status %#x", c, k, status);
	}
	cr_assert_eq(bpfpin_connect(d.sock, &b), 0);
	for (int k = 0; k < CLIENTS; k++) {
		check_client(b, c, k);
		for (int i = 0; i < logs[k].n; i++)
			acked += logs[k].ops[i].state == OP_ACKED;
	}
	bpfpin_close(b);
	cr_expect_eq(th_stage_entries(&d), 0, "cycle %d: the stage is not empty", c);
	snprintf(when, sizeof(when), "after cycle %d", c);
	expect_maps(pinned(), when);
	return acked;
}

static int cycles(void)
{
	const char *s = getenv("BPFPIN_CRASH_CYCLES");
	int n = s ? atoi(s) : CYCLES_DEFAULT;

	return n > 0 ? n : CYCLES_DEFAULT;
}

static void setup(void)
{
	struct bpfpin *b;

	snprintf(prefix, sizeof(prefix), "crl%x", (unsigned)getpid() & 0xfffff);
	logs = mmap(NULL, sizeof(*logs) * CLIENTS, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(logs, MAP_FAILED);
	cr_assert_eq(th_daemon_start(&d, false, NULL), 0);
	cr_assert_eq(bpfpin_connect(d.sock, &b), 0);
	for (int k = 0; k < CLIENTS; k++) {
		char path[16];

		snprintf(path, sizeof(path), "/c%d", k);
		cr_assert_eq(bpfpin_mkdir(b, path, 0755), 0);
		cr_assert_eq(bpfpin_chown(b, path, client_uid(k), client_uid(k)), 0);
		models[k] = (struct model){ 0 };
	}
	bpfpin_close(b);
}

static void teardown(void)
{
	th_daemon_stop(&d);
	if (logs && logs != MAP_FAILED)
		munmap(logs, sizeof(*logs) * CLIENTS);
	logs = NULL;
}

/* 20 cycles take 2-3 s, 200 about 22 s (bench/crash_load.sh) */
TestSuite(crash_load, .init = setup, .fini = teardown, .timeout = 300);

/* A kill with nothing in flight: every pin the last round made shows
 * its maker's pid (the side log's lines were written after each reply). */
static void quiet_kill(int c)
{
	struct bpfpin *b;

	memset(logs, 0, sizeof(*logs) * CLIENTS);
	cr_assert_eq(th_daemon_restart(&d, SIGKILL), 0);
	exact_pids_from = c;
	cr_assert_eq(bpfpin_connect(d.sock, &b), 0);
	for (int k = 0; k < CLIENTS; k++)
		check_client(b, c + 1, k);
	bpfpin_close(b);
}

/* Empty the namespace the clients filled: no map of theirs is left,
 * as this test and bpftool count them. */
static void empty_all(void)
{
	struct bpfpin *b;
	char path[32];

	cr_expect_eq(bpftool_maps(), pinned(), "bpftool counts %d maps, %d pinned",
		     bpftool_maps(), pinned());
	cr_assert_eq(bpfpin_connect(d.sock, &b), 0);
	for (int k = 0; k < CLIENTS; k++) {
		for (int i = 0; i < models[k].n; i++) {
			name_of(path, sizeof(path), k, models[k].p[i].seq);
			cr_assert_eq(bpfpin_unlink(b, path), 0, "unlink %s", path);
		}
		models[k].n = 0;
	}
	bpfpin_close(b);
	expect_maps(0, "the namespace emptied");
	cr_expect_eq(bpftool_maps(), 0, "bpftool still shows maps of this run");
}

Test(crash_load, acknowledged_changes_survive_random_kills_whole)
{
	unsigned seed = (unsigned)time(NULL);
	int n = cycles(), acked = 0;
	struct timespec t0, t1;

	cr_log_info("%d cycles, seed %u, maps named %s", n, seed, prefix);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int c = 0; c < n; c++)
		acked += cycle(c, &seed, true);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* A last round that no kill ends: what this daemon holds after it
	 * (fds it leaked would keep maps) is all the check sees. */
	ops_limit = 500;
	acked += cycle(n, &seed, false);
	quiet_kill(n);
	cr_log_info("%d cycles in %.1f s: %d changes acknowledged; of those cut "
		    "off, %d were made and %d not; %d pins held at the end", n,
		    (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
		    acked, cut_made, cut_not, pinned());
	cr_expect_gt(acked, n, "the clients hardly got anything done");
	empty_all();
}
