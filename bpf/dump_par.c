/* bpf/dump_par.c: a large map of the hash family read by several
 * threads. Walking a hash map is bound by memory latency (every entry is
 * a cache miss in the kernel), so threads over disjoint ranges of buckets
 * add up. The buckets are cut into parts, started in order by whichever
 * thread is free (bpf/dump_part.c walks one). Part 0 writes the dump's
 * own output, the others spill files in spill_dir, each put in place
 * (appended, or handed to dump_opts.take_part) as soon as the parts
 * before it are: the document is the one a single walk writes. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf/dump_par.h"

/* Below this, threads cost more than they save. */
#define PAR_MIN_BUCKETS 65536
/* One part per thread. More parts than threads shorten the wait for the
 * last one, but every join reads a batch again and waits for its
 * neighbour: measured on 2 CPUs, 4 parts per thread read a 1M-entry map
 * through the mount in 230 ms, 1 part per thread in 210 ms (100k: 31 vs
 * 24 ms). */
#define PAR_THREADS_MAX DUMP_PARTS_MAX

static uint32_t par_threads(const struct dump_opts *o)
{
	cpu_set_t set;
	int n = (int)(o->threads < PAR_THREADS_MAX ? o->threads
						   : PAR_THREADS_MAX);

	if (!n && sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	return n < 1 ? 1 : n > PAR_THREADS_MAX ? PAR_THREADS_MAX : (uint32_t)n;
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

/* Everything but the buffers, which a part gets when it starts: a spill
 * dir without O_TMPFILE is known before any entry is read. */
static int part_setup(struct part *p, struct par *par, struct dump_ctx *c)
{
	p->par = par;
	if (p == par->parts) {
		p->c = c;
		return 0;
	}
	p->own = *c;
	p->own.count = 0;
	memset(&p->own.w, 0, sizeof(p->own.w));   /* never the dump's own */
	p->c = &p->own;
	p->spill = open(c->opts->spill_dir, O_TMPFILE | O_RDWR | O_CLOEXEC,
			0600);
	return p->spill < 0 ? -EOPNOTSUPP : 0;
}

static int part_start(struct part *p)
{
	const struct dump_ctx *c = p->par->parts[0].c;
	int err;

	if (p != p->par->parts) {
		err = jw_open(&p->own.w, p->spill, c->w.pretty);
		if (err)
			return err;
		/* Inside the dump's array, after the parts before: every entry
		 * takes a separator (dropped if it comes first after all). */
		p->own.w.depth = p->par->depth;
		p->own.w.sep = c->table ? '\0' : ',';
	}
	return dump_chunk_alloc(&p->k, p->c);
}

static void part_fini(struct part *p)
{
	if (p->c == &p->own)
		jw_discard(&p->own.w);
	if (p->spill >= 0)
		close(p->spill);
	free(p->head);
	free(p->head_slot);
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

static void par_fail_locked(struct par *par, int err)
{
	if (par->err)
		return;
	par->err = err;
	atomic_store(&par->stop, true);
	pthread_cond_broadcast(&par->cond);
}

/* Put every finished part that is next in order, one thread at a time
 * and outside the lock (appending is I/O). Called with the lock held. */
static void par_put_locked(struct par *par)
{
	struct dump_ctx *c = par->parts[0].c;

	if (par->putting)
		return;
	par->putting = true;
	while (!par->err && par->next_put < par->nparts &&
	       par->parts[par->next_put].done) {
		struct part *p = &par->parts[par->next_put];
		int err = 0;

		pthread_mutex_unlock(&par->lock);
		if (p != par->parts)
			err = part_append(c, p);
		pthread_mutex_lock(&par->lock);
		par->next_put++;
		if (err)
			par_fail_locked(par, err);
	}
	par->putting = false;
}

static void part_run(struct part *p)
{
	struct par *par = p->par;
	int err = part_start(p);

	if (!err)
		err = part_walk(p);
	if (p != par->parts && !p->head_ready)
		head_publish(p, 0, 0, err ? err : -EIO);
	if (p != par->parts) {
		int cerr = jw_close(&p->own.w);

		err = err ? err : cerr;
	}
	dump_chunk_free(&p->k);
	memset(&p->k, 0, sizeof(p->k));
	pthread_mutex_lock(&par->lock);
	p->done = true;
	if (err)
		par_fail_locked(par, err);
	par_put_locked(par);
	pthread_mutex_unlock(&par->lock);
}

/* Parts in order, until none is left or the walk stopped. */
static void *par_work(void *arg)
{
	struct par *par = arg;

	for (;;) {
		struct part *p = NULL;

		pthread_mutex_lock(&par->lock);
		if (!atomic_load(&par->stop) && par->next_start < par->nparts)
			p = &par->parts[par->next_start++];
		pthread_mutex_unlock(&par->lock);
		if (!p)
			return NULL;
		part_run(p);
	}
}

static struct par *par_new(uint32_t nparts, uint64_t buckets)
{
	struct par *par = calloc(1, sizeof(*par));

	if (!par)
		return NULL;
	pthread_mutex_init(&par->lock, NULL);
	pthread_cond_init(&par->cond, NULL);
	par->nparts = nparts;
	for (uint32_t i = 0; i < nparts; i++) {
		par->parts[i].lo = (uint32_t)(buckets / nparts * i);
		par->parts[i].hi = (uint32_t)(buckets / nparts * (i + 1));
		par->parts[i].spill = -1;
	}
	return par;
}

static void par_free(struct par *par)
{
	for (uint32_t i = 0; i < par->nparts; i++)
		part_fini(&par->parts[i]);
	pthread_cond_destroy(&par->cond);
	pthread_mutex_destroy(&par->lock);
	free(par);
}

/* The calling thread works too. A part waits for the next one to start,
 * so at least one more thread must run: with none, -EOPNOTSUPP before
 * any entry is read. */
static int par_run(struct par *par, uint32_t threads)
{
	pthread_t th[PAR_THREADS_MAX];
	uint32_t n = 0;

	while (n + 1 < threads &&
	       pthread_create(&th[n], NULL, par_work, par) == 0)
		n++;
	if (n == 0)
		return -EOPNOTSUPP;
	par_work(par);
	while (n > 0)
		pthread_join(th[--n], NULL);
	if (!par->err && par->next_put != par->nparts)
		return -EIO;
	return par->err;
}

int dump_iterate_parallel(struct dump_ctx *c)
{
	uint64_t buckets = par_buckets(c);
	uint32_t threads = par_threads(c->opts);
	struct par *par;
	int err = 0;

	if (!c->opts->spill_dir || !buckets || threads < 2)
		return -EOPNOTSUPP;
	par = par_new(threads, buckets);
	if (!par)
		return -ENOMEM;
	par->depth = c->w.depth;   /* part 0 changes it as it writes */
	for (uint32_t i = 0; i < par->nparts && !err; i++)
		err = part_setup(&par->parts[i], par, c);
	if (!err)
		err = par_run(par, threads);
	par_free(par);
	return err;
}
