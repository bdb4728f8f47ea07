/* bpf/load_log.c: what a load tells (load.h): a buffer per program for
 * the kernel's verifier log (bpf_program__set_log_buf: libbpf retries a
 * failed load with log level 1 into it, and never prints it), and
 * libbpf's own messages, caught by a print callback that writes to the
 * log of the load its thread is running. Buffers are anonymous mappings
 * the kernel fills lazily: only what the verifier writes costs memory. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "bpf/load.h"

struct load_log {
	size_t size;                    /* of each program's buffer */
	int nbufs;
	char *bufs[LOAD_PROGS_MAX];
	char msgs[LOAD_MSGS_MAX];       /* libbpf's messages, as they came */
	size_t nmsgs;
};

static __thread struct load_log *capturing;
static pthread_once_t print_once = PTHREAD_ONCE_INIT;

/* Messages of a load go to its log; others to stderr, as libbpf's own
 * default does (warnings and info). */
__attribute__((format(printf, 2, 0)))
static int print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	struct load_log *log = capturing;
	int n;

	if (!log)
		return level == LIBBPF_DEBUG ? 0 : vfprintf(stderr, fmt, ap);
	if (level == LIBBPF_DEBUG || log->nmsgs >= sizeof(log->msgs) - 1)
		return 0;
	n = vsnprintf(log->msgs + log->nmsgs, sizeof(log->msgs) - log->nmsgs, fmt, ap);
	if (n > 0)
		log->nmsgs += (size_t)n < sizeof(log->msgs) - log->nmsgs ?
			      (size_t)n : sizeof(log->msgs) - 1 - log->nmsgs;
	return n;
}

static void set_print(void)
{
	libbpf_set_print(print);
}

int load_log_new(struct load *l)
{
	pthread_once(&print_once, set_print);
	l->log = calloc(1, sizeof(*l->log));
	return l->log ? 0 : -ENOMEM;
}

int load_log_attach(struct load *l)
{
	struct load_log *log = l->log;
	struct bpf_program *p;
	size_t size = LOAD_LOG_BUDGET / (l->nprogs ? l->nprogs : 1);

	size = size < LOAD_LOG_MIN ? LOAD_LOG_MIN : size > LOAD_LOG_MAX ? LOAD_LOG_MAX : size;
	log->size = size;
	bpf_object__for_each_program(p, l->obj) {
		char *b = mmap(NULL, size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (b == MAP_FAILED)
			return -ENOMEM;
		log->bufs[log->nbufs++] = b;
		if (bpf_program__set_log_buf(p, b, size) < 0)
			return -EINVAL;
	}
	return 0;
}

void load_log_free(struct load_log *log)
{
	if (!log)
		return;
	for (int i = 0; i < log->nbufs; i++)
		munmap(log->bufs[i], log->size);
	free(log);
}

void load_log_capture(struct load_log *log)
{
	capturing = log;
}

/* The program that failed: libbpf frees every program of an object that
 * failed to load, so it is told by its log: the last program whose log
 * is not empty (without log_level, the only one). -1 if none has one. */
int load_log_failed(const struct load *l, struct bpf_program **out)
{
	struct bpf_program *p;
	int i = 0, found = -1;

	bpf_object__for_each_program(p, l->obj) {
		if (load_log_text(l, i)[0]) {
			found = i;
			*out = p;
		}
		i++;
	}
	return found;
}

const char *load_log_msgs(const struct load *l)
{
	if (!l->log)
		return "";
	l->log->msgs[l->log->nmsgs] = '\0';
	return l->log->msgs;
}

const char *load_log_text(const struct load *l, int i)
{
	if (!l->log || i < 0 || i >= l->log->nbufs)
		return "";
	/* the kernel NUL-terminates what it writes; the last byte stays 0 */
	l->log->bufs[i][l->log->size - 1] = '\0';
	return l->log->bufs[i];
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static int write_prog(int fd, const char *name, const char *text)
{
	char head[320];
	int r;

	snprintf(head, sizeof(head), "prog '%s': -- BEGIN PROG LOAD LOG --\n", name);
	if ((r = write_all(fd, head, strlen(head))) < 0 ||
	    (r = write_all(fd, text, strlen(text))) < 0)
		return r;
	if (text[0] && text[strlen(text) - 1] != '\n' && (r = write_all(fd, "\n", 1)) < 0)
		return r;
	return write_all(fd, "-- END PROG LOAD LOG --\n", 24);
}

/* Every program's log that is not empty (or only the failed one's). */
static int write_logs(const struct load *l, int fd, int only)
{
	struct bpf_program *p;
	int i = 0, n = 0, r;

	bpf_object__for_each_program(p, l->obj) {
		const char *text = load_log_text(l, i);

		if (text[0] && (only < 0 || only == i)) {
			if ((r = write_prog(fd, bpf_program__name(p), text)) < 0)
				return r;
			n++;
		}
		i++;
	}
	return n;
}

int load_log_memfd(const struct load *l, bool failed, uint64_t *size)
{
	struct bpf_program *p = NULL;
	int only = failed && !l->log_level && l->obj ? load_log_failed(l, &p) : -1;
	int fd = memfd_create("bpfpin-verifier-log", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	off_t end;
	int n = 0;

	if (fd < 0)
		return -errno;
	if (!l->obj || (n = write_logs(l, fd, only)) <= 0) {
		close(fd);
		return l->obj && n < 0 ? n : -ENODATA;
	}
	end = lseek(fd, 0, SEEK_END);
	fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
	lseek(fd, 0, SEEK_SET);
	*size = (uint64_t)end;
	return fd;
}
