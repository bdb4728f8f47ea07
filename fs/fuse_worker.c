/* fs/fuse_worker.c: a small pool of threads for the FUSE face's long work
 * (dumps of big maps), so the loop keeps serving other requests meanwhile.
 * Finished jobs go back to the loop through an eventfd: only the loop
 * thread replies to FUSE and touches the namespace. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>

#include "fs/fuse_int.h"

/* Two dumps can run at once; more would only compete for the 2 cores. */
#define FSX_NWORKERS 2

TAILQ_HEAD(fsx_jobq, fsx_job);

struct fsx_workers {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct fsx_jobq todo, done;
	bool stopping;
	int nthreads;
	pthread_t threads[FSX_NWORKERS];
	int efd;               /* counts finished jobs, for the loop */
	struct event *ev;
};

static void fsx_worker_wake_loop(struct fsx_workers *w)
{
	uint64_t one = 1;

	while (write(w->efd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

static void *fsx_worker_main(void *arg)
{
	struct fsx_workers *w = arg;
	struct fsx_job *job;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->stopping && TAILQ_EMPTY(&w->todo))
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->stopping)
			break;
		job = TAILQ_FIRST(&w->todo);
		TAILQ_REMOVE(&w->todo, job, link);
		pthread_mutex_unlock(&w->mu);
		job->run(job);
		pthread_mutex_lock(&w->mu);
		TAILQ_INSERT_TAIL(&w->done, job, link);
		fsx_worker_wake_loop(w);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static void fsx_workers_reap(struct fsx_workers *w)
{
	struct fsx_jobq q = TAILQ_HEAD_INITIALIZER(q);
	struct fsx_job *job;

	pthread_mutex_lock(&w->mu);
	TAILQ_CONCAT(&q, &w->done, link);
	pthread_mutex_unlock(&w->mu);
	while ((job = TAILQ_FIRST(&q))) {
		TAILQ_REMOVE(&q, job, link);
		job->done(job);
	}
}

static void fsx_on_done(evutil_socket_t fd, short what, void *arg)
{
	uint64_t n;

	/* The counter only wakes us up; the done queue says what is done. */
	while (read(fd, &n, sizeof(n)) < 0 && errno == EINTR)
		;
	fsx_workers_reap(arg);
}

/* Workers take no signals: the daemon's loop handles them. */
static int fsx_workers_spawn(struct fsx_workers *w)
{
	sigset_t all, old;
	int r = 0;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	while (r == 0 && w->nthreads < FSX_NWORKERS) {
		r = -pthread_create(&w->threads[w->nthreads], NULL,
				    fsx_worker_main, w);
		if (r == 0)
			w->nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

int fsx_workers_start(struct fsx_workers **out, struct event_base *base)
{
	struct fsx_workers *w;
	int r = -ENOMEM;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	TAILQ_INIT(&w->todo);
	TAILQ_INIT(&w->done);
	w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->efd < 0)
		r = -errno;
	else
		w->ev = event_new(base, w->efd, EV_READ | EV_PERSIST,
				  fsx_on_done, w);
	if (w->ev && event_add(w->ev, NULL) == 0)
		r = fsx_workers_spawn(w);
	if (r < 0) {
		fsx_workers_stop(w);
		return r;
	}
	*out = w;
	return 0;
}

void fsx_workers_submit(struct fsx_workers *w, struct fsx_job *job)
{
	job->err = -EINTR;
	pthread_mutex_lock(&w->mu);
	TAILQ_INSERT_TAIL(&w->todo, job, link);
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

void fsx_workers_stop(struct fsx_workers *w)
{
	int i;

	pthread_mutex_lock(&w->mu);
	w->stopping = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	for (i = 0; i < w->nthreads; i++)
		pthread_join(w->threads[i], NULL);
	/* Queued jobs that never ran are done too, with err -EINTR. */
	TAILQ_CONCAT(&w->done, &w->todo, link);
	fsx_workers_reap(w);
	if (w->ev)
		event_free(w->ev);
	if (w->efd >= 0)
		close(w->efd);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}
