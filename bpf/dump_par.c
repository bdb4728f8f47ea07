/* bpf/dump_par.c: a large map of the hash family read by one thread per
 * CPU. Walking a hash map is bound by memory latency (every entry is a
 * cache miss in the kernel), so threads over disjoint ranges of buckets
 * add up. The kernel's batch cursor for these maps is the index of the
 * next bucket, which is how a range is started; a batch returns whole
 * buckets, so the one that crosses the end of a range is trimmed by the
 * keys the next range began with. Each part after the first formats its
 * entries into an unlinked spill file that the first appends to the
 * output in order (or hands to the caller, dump_opts.take_part): the
 * document is the one a single walk writes. */
#include "config.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf/dump_int.h"

/* Below this, a thread costs more than it saves. */
#define PAR_MIN_BUCKETS 65536

struct par;

struct part {
	struct par *par;
	struct dump_ctx *c;       /* the first part: the dump's own context */
	struct dump_ctx own;      /* the others: own writer, shared plans */
	struct dump_chunk k;
	uint32_t lo, hi;          /* buckets [lo, hi); the last: to the end */
	int spill;
	pthread_t th;
	int err;
	/* The keys of this part's first batch, sorted: they are this part's
	 * or a later one's, so the part before drops them. */
	uint8_t *head;
	uint32_t head_n;
	int head_err;             /* the part failed before its first batch */
	bool head_ready;
};

struct par {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	atomic_bool stop;         /* a part failed: the others end early */
	uint32_t n;
	struct part parts[DUMP_PARTS_MAX];
};

static uint32_t par_parts(const struct dump_opts *o)
{
	cpu_set_t set;
	int n = (int)(o->parts < DUMP_PARTS_MAX ? o->parts : DUMP_PARTS_MAX);

	if (!n && sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	return n < 1 ? 1 : n > DUMP_PARTS_MAX ? DUMP_PARTS_MAX : (uint32_t)n;
}

/* The kernel's bucket count: max_entries rounded up to a power of two;
 * 0 for a map too small to split. */
static uint64_t par_buckets(const struct dump_ctx *c)
{
	uint64_t n = 1;

	while (n < c->info.max_entries)
		n <<= 1;
	return n >= PAR_MIN_BUCKETS && n <= (1ULL << 31) ? n : 0;
}

static int key_cmp(const void *a, const void *b, void *ks)
{
	return memcmp(a, b, *(const uint32_t *)ks);
}

static bool head_has(const struct part *p, const uint8_t *key)
{
	uint32_t ks = p->c->info.key_size, lo = 0, hi = p->head_n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int r = memcmp(p->head + (size_t)mid * ks, key, ks);

		if (r == 0)
			return true;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Called once by each part after the first, even when it failed before
 * its first batch (err): the part before waits for it. */
static void head_publish(struct part *p, uint32_t n, int err)
{
	uint32_t ks = p->c->info.key_size;
	uint8_t *head = n ? malloc((size_t)n * ks) : NULL;

	if (n && !head) {
		err = -ENOMEM;
	} else if (n) {
		memcpy(head, p->k.keys, (size_t)n * ks);
		qsort_r(head, n, ks, key_cmp, &ks);
	}
	pthread_mutex_lock(&p->par->lock);
	p->head = head;
	p->head_n = head ? n : 0;
	p->head_err = err;
	p->head_ready = true;
	pthread_cond_broadcast(&p->par->cond);
	pthread_mutex_unlock(&p->par->lock);
}

static int head_wait(struct part *next)
{
	pthread_mutex_lock(&next->par->lock);
	while (!next->head_ready)
		pthread_cond_wait(&next->par->cond, &next->par->lock);
	pthread_mutex_unlock(&next->par->lock);
	return next->head_err;
}

static void part_emit(struct part *p, uint32_t n, const struct part *next)
{
	uint32_t ks = p->c->info.key_size, vb = p->c->vbytes;

	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *key = p->k.keys + (size_t)i * ks;

		if (!next || !head_has(next, key))
			dump_entry(p->c, key, p->k.values + (size_t)i * vb);
	}
}

/* One batch from in; a bucket larger than the chunk grows it. */
static int part_batch(struct part *p, uint32_t *in, uint32_t *n)
{
	for (;;) {
		int err;

		*n = p->k.cap;
		err = bpf_map_lookup_batch(p->c->map_fd, in, p->k.token,
					   p->k.keys, p->k.values, n, NULL);
		if (err != -ENOSPC || *n != 0 ||
		    p->k.cap >= p->c->info.max_entries)
			return err;
		err = dump_chunk_grow(&p->k, p->c, 2 * p->k.cap);
		if (err)
			return err;
	}
}

static int part_walk(struct part *p)
{
	struct part *next = p + 1 < p->par->parts + p->par->n ? p + 1 : NULL;
	uint32_t *in = p->lo ? &p->lo : NULL;
	uint32_t cursor = p->lo, n, out;

	for (;;) {
		int err = part_batch(p, in, &n);

		if (err && err != -ENOENT)
			return err;
		if (!p->head_ready && p != p->par->parts)
			head_publish(p, n, 0);
		memcpy(&out, p->k.token, sizeof(out));
		if (next && (err == -ENOENT || out >= p->hi)) {
			err = head_wait(next);
			if (!err)
				part_emit(p, n, next);
			return err;
		}
		part_emit(p, n, NULL);
		if (err == -ENOENT || atomic_load(&p->par->stop))
			return 0;
		/* The cursor is a bucket index: it only moves forward. */
		if (out <= cursor && in)
			return -EPROTO;
		cursor = out;
		in = &cursor;
	}
}

static void *part_main(void *arg)
{
	struct part *p = arg;
	int err = part_walk(p);

	if (!p->head_ready)
		head_publish(p, 0, err ? err : -EIO);
	if (!err)
		err = jw_close(&p->own.w);
	if (err) {
		p->err = err;
		atomic_store(&p->par->stop, true);
	}
	return NULL;
}

static int part_init(struct part *p, struct par *par, struct dump_ctx *c)
{
	int err;

	p->par = par;
	if (p == par->parts) {
		p->c = c;
		return dump_chunk_alloc(&p->k, c);
	}
	p->own = *c;
	p->own.count = 0;
	memset(&p->own.w, 0, sizeof(p->own.w));   /* never the dump's own */
	p->c = &p->own;
	p->spill = open(c->opts->spill_dir, O_TMPFILE | O_RDWR | O_CLOEXEC,
			0600);
	if (p->spill < 0)
		return -EOPNOTSUPP;
	err = jw_open(&p->own.w, p->spill, c->w.pretty);
	if (err)
		return err;
	/* Inside the dump's array, after entries of the parts before: every
	 * entry takes a separator (dropped when it comes first after all). */
	p->own.w.depth = c->w.depth;
	p->own.w.sep = c->table ? '\0' : ',';
	return dump_chunk_alloc(&p->k, c);
}

static void part_fini(struct part *p)
{
	if (p->c == &p->own)
		jw_discard(&p->own.w);
	if (p->spill >= 0)
		close(p->spill);
	dump_chunk_free(&p->k);
	free(p->head);
}

static struct par *par_new(uint32_t n, uint64_t buckets)
{
	struct par *par = calloc(1, sizeof(*par));

	if (!par)
		return NULL;
	pthread_mutex_init(&par->lock, NULL);
	pthread_cond_init(&par->cond, NULL);
	par->n = n;
	for (uint32_t i = 0; i < n; i++) {
		par->parts[i].lo = (uint32_t)(buckets / n * i);
		par->parts[i].hi = (uint32_t)(buckets / n * (i + 1));
		par->parts[i].spill = -1;
	}
	return par;
}

static void par_free(struct par *par)
{
	for (uint32_t i = 0; i < par->n; i++)
		part_fini(&par->parts[i]);
	pthread_cond_destroy(&par->cond);
	pthread_mutex_destroy(&par->lock);
	free(par);
}

/* The output of part p, after the entries before it. */
static int part_append(struct dump_ctx *c, struct part *p)
{
	const struct dump_opts *o = c->opts;
	struct stat st;
	off_t skip;
	int err, fd;

	if (p->own.count == 0)
		return 0;
	if (fstat(p->spill, &st) < 0)
		return -errno;
	/* The separator before the first entry of all is not written. */
	skip = !c->table && c->count == 0 ? 1 : 0;
	c->count += p->own.count;
	if (!c->table)
		c->w.sep = ',';
	if (!o->take_part)
		return jw_append_fd(&c->w, p->spill, skip,
				    (size_t)(st.st_size - skip));
	fd = p->spill;
	p->spill = -1;
	err = jw_flush(&c->w);
	if (err) {
		close(fd);
		return err;
	}
	return o->take_part(o->take_arg, fd, skip, st.st_size - skip);
}

/* Start the parts after the first; on failure, none is left running (the
 * part before the one that could not start stops waiting for it). */
static int par_start(struct par *par)
{
	for (uint32_t i = 1; i < par->n; i++) {
		if (pthread_create(&par->parts[i].th, NULL, part_main,
				   &par->parts[i]) == 0)
			continue;
		head_publish(&par->parts[i], 0, -EAGAIN);
		atomic_store(&par->stop, true);
		while (--i >= 1)
			pthread_join(par->parts[i].th, NULL);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int par_run(struct par *par, struct dump_ctx *c)
{
	int err = par_start(par);

	if (err)
		return err;
	err = part_walk(&par->parts[0]);
	if (err)
		atomic_store(&par->stop, true);
	for (uint32_t i = 1; i < par->n; i++) {
		pthread_join(par->parts[i].th, NULL);
		if (!err)
			err = par->parts[i].err;
		if (!err)
			err = part_append(c, &par->parts[i]);
	}
	return err;
}

int dump_iterate_parallel(struct dump_ctx *c)
{
	uint64_t buckets = par_buckets(c);
	uint32_t n = par_parts(c->opts);
	struct par *par;
	int err = 0;

	if (!c->opts->spill_dir || !buckets || n < 2)
		return -EOPNOTSUPP;
	par = par_new(n, buckets);
	if (!par)
		return -ENOMEM;
	for (uint32_t i = 0; i < n && !err; i++)
		err = part_init(&par->parts[i], par, c);
	if (!err)
		err = par_run(par, c);
	par_free(par);
	return err;
}
