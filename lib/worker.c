/* lib/worker.c: a small pool of threads for the daemon's long work.
 * Jobs wait on one queue under a mutex; a finished job goes on the done
 * queue and an eventfd wakes the loop, which calls its done(). Only the
 * loop thread touches the namespace and the connections. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/worker.h"

#define WORKERS_MAX 4

TAILQ_HEAD(jobq, job);

struct workers {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct jobq todo, done;
	bool stopping;
	unsigned pending;               /* loop thread only */
	int nthreads;
	pthread_t threads[WORKERS_MAX];
	int efd;                        /* counts finished jobs, for the loop */
	struct event *ev;
};

static void wake_loop(struct workers *w)
{
	uint64_t one = 1;

	while (write(w->efd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

static void *worker_main(void *arg)
{
	struct workers *w = arg;
	struct job *job;

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
		wake_loop(w);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static void reap(struct workers *w)
{
	struct jobq q = TAILQ_HEAD_INITIALIZER(q);
	struct job *job;

	pthread_mutex_lock(&w->mu);
	TAILQ_CONCAT(&q, &w->done, link);
	pthread_mutex_unlock(&w->mu);
	while ((job = TAILQ_FIRST(&q))) {
		TAILQ_REMOVE(&q, job, link);
		w->pending--;
		job->done(job);
	}
}

static void on_done(evutil_socket_t fd, short what, void *arg)
{
	uint64_t n;

	(void)what;
	/* The counter only wakes us; the done queue says what is done. */
	while (read(fd, &n, sizeof(n)) < 0 && errno == EINTR)
		;
	reap(arg);
}

/* Workers take no signals: the loop handles them. */
static int spawn(struct workers *w, int nthreads)
{
	sigset_t all, old;
	int r = 0;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	while (r == 0 && w->nthreads < nthreads) {
		r = -pthread_create(&w->threads[w->nthreads], NULL, worker_main, w);
		if (r == 0)
			w->nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

int workers_start(struct workers **out, struct event_base *base, int nthreads)
{
	struct workers *w = calloc(1, sizeof(*w));
	int r = -ENOMEM;

	if (!w)
		return -ENOMEM;
	if (nthreads < 1 || nthreads > WORKERS_MAX)
		nthreads = 1;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	TAILQ_INIT(&w->todo);
	TAILQ_INIT(&w->done);
	w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->efd < 0)
		r = -errno;
	else
		w->ev = event_new(base, w->efd, EV_READ | EV_PERSIST, on_done, w);
	if (w->ev && event_add(w->ev, NULL) == 0)
		r = spawn(w, nthreads);
	if (r < 0) {
		workers_stop(w);
		return r;
	}
	*out = w;
	return 0;
}

void workers_submit(struct workers *w, struct job *job)
{
	job->cancelled = false;
	w->pending++;
	pthread_mutex_lock(&w->mu);
	TAILQ_INSERT_TAIL(&w->todo, job, link);
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

unsigned workers_pending(const struct workers *w)
{
	return w->pending;
}

void workers_stop(struct workers *w)
{
	struct job *job;

	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	for (int i = 0; i < w->nthreads; i++)
		pthread_join(w->threads[i], NULL);
	TAILQ_FOREACH(job, &w->todo, link)
		job->cancelled = true;
	TAILQ_CONCAT(&w->done, &w->todo, link);
	reap(w);
	if (w->ev)
		event_free(w->ev);
	if (w->efd >= 0)
		close(w->efd);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}
