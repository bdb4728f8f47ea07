/* tests/dt_util.c: the pattern, the echo, reads to EOF and sock ls
 * helpers of the daemon-level sockmap suite (tests/test_sm_daemon.c). */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tests/dt_util.h"

#define CHUNK (256u << 10)

void dt_pattern(char *buf, size_t n, uint64_t off)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t x = (uint32_t)(off + i);

		/* every byte of the offset counts: a shift, a loss or a
		 * repeat of any length below 4 GiB shows */
		buf[i] = (char)(x + (x >> 8) * 7 + (x >> 16) * 13 + (x >> 24) * 29);
	}
}

/* Offset in buf of the first byte that is not the pattern at off, or n. */
static size_t first_bad(const char *buf, size_t n, uint64_t off)
{
	static __thread char want[CHUNK];
	size_t done = 0;

	while (done < n) {
		size_t k = n - done < CHUNK ? n - done : CHUNK;

		dt_pattern(want, k, off + done);
		if (memcmp(want, buf + done, k))
			for (size_t i = 0; i < k; i++)
				if (want[i] != buf[done + i])
					return done + i;
		done += k;
	}
	return n;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The state of one echo: A's send window of pattern, B's echo buffer. */
struct echo_state {
	char out[CHUNK], in[CHUNK], mid[CHUNK];
	uint64_t sent, out_base;
	size_t out_len, have;
};

static void a_send(struct dt_echo *e, struct echo_state *s, bool *moved)
{
	ssize_t w;

	if (s->sent == e->total)
		return;
	if (s->sent == s->out_base + s->out_len) {
		s->out_base = s->sent;
		s->out_len = e->total - s->sent < CHUNK ? e->total - s->sent : CHUNK;
		dt_pattern(s->out, s->out_len, s->out_base);
	}
	w = send(e->a, s->out + (s->sent - s->out_base),
		 s->out_base + s->out_len - s->sent, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (w > 0) {
		s->sent += w;
		*moved = true;
	}
}

/* B: take what came, give it back. -EPIPE if B's side ended. */
static int b_echo(struct dt_echo *e, struct echo_state *s, bool *moved)
{
	ssize_t r = 0, w;

	if (s->have < CHUNK) {
		r = recv(e->b, s->mid + s->have, CHUNK - s->have, MSG_DONTWAIT);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
			return -EPIPE;
		if (r > 0) {
			s->have += r;
			*moved = true;
		}
	}
	if (!s->have)
		return 0;
	w = send(e->b, s->mid, s->have, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (w > 0) {
		memmove(s->mid, s->mid + w, s->have - w);
		s->have -= w;
		*moved = true;
	}
	return 0;
}

/* A: read back and check. */
static int a_recv(struct dt_echo *e, struct echo_state *s, bool *moved)
{
	uint64_t got = atomic_load(&e->got);
	ssize_t r = recv(e->a, s->in, sizeof(s->in), MSG_DONTWAIT);
	size_t bad;

	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
		return -EPIPE;
	if (r < 0)
		return 0;
	if (got + r > e->total) {
		e->bad_at = e->total;
		return -EIO;
	}
	bad = first_bad(s->in, r, got);
	if (bad < (size_t)r) {
		e->bad_at = got + bad;
		return -EIO;
	}
	atomic_store(&e->got, got + r);
	*moved = true;
	return 0;
}

int dt_echo_run(struct dt_echo *e)
{
	static struct echo_state s;         /* one echo at a time */
	long last = now_ms();
	int r = 0;

	memset(&s, 0, sizeof(s));
	atomic_store(&e->got, 0);
	e->bad_at = UINT64_MAX;
	while (r == 0 && atomic_load(&e->got) < e->total) {
		struct pollfd p[2] = {
			{ .fd = e->a, .events = POLLIN | (s.sent < e->total ? POLLOUT : 0) },
			{ .fd = e->b, .events = (s.have < CHUNK ? POLLIN : 0) |
						(s.have ? POLLOUT : 0) },
		};
		bool moved = false;

		poll(p, 2, 100);
		a_send(e, &s, &moved);
		r = b_echo(e, &s, &moved);
		if (r == 0)
			r = a_recv(e, &s, &moved);
		if (moved)
			last = now_ms();
		else if (now_ms() - last > e->stall_ms)
			r = -ETIMEDOUT;
	}
	return r;
}

int dt_send_pattern(int fd, uint64_t n)
{
	static __thread char out[CHUNK];
	uint64_t off = 0;

	while (off < n) {
		size_t k = n - off < CHUNK ? n - off : CHUNK, done = 0;

		dt_pattern(out, k, off);
		while (done < k) {
			ssize_t w = send(fd, out + done, k - done, MSG_NOSIGNAL);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return -errno;
			done += w;
		}
		off += k;
	}
	return 0;
}

int dt_recv_pattern(int fd, int ms, uint64_t *got)
{
	static __thread char in[CHUNK];

	*got = 0;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;
		size_t bad;

		if (poll(&p, 1, ms) != 1)
			return -ETIMEDOUT;
		r = recv(fd, in, sizeof(in), MSG_DONTWAIT);
		if (r == 0)
			return 0;
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r < 0)
			return -errno;
		bad = first_bad(in, r, *got);
		*got += bad;
		if (bad < (size_t)r)
			return -EIO;
	}
}

struct json_object *dt_ls(struct bpfpin *b, const char *path)
{
	struct json_object *root;
	char *text = NULL;

	cr_assert_eq(bpfpin_sock_ls(b, path, &text), 0, "sock ls %s: %s", path,
		     bpfpin_errmsg(b));
	root = json_tokener_parse(text);
	free(text);
	cr_assert(root, "sock ls gave no JSON");
	return root;
}

static struct json_object *members(struct json_object *root)
{
	struct json_object *m;

	cr_assert(json_object_object_get_ex(root, "members", &m), "no members");
	return m;
}

size_t dt_nmembers(struct bpfpin *b, const char *path)
{
	struct json_object *root = dt_ls(b, path);
	size_t n = json_object_array_length(members(root));

	json_object_put(root);
	return n;
}

bool dt_wait_nmembers(struct bpfpin *b, const char *path, size_t n, int ms)
{
	long end = now_ms() + ms;

	while (dt_nmembers(b, path) != n) {
		if (now_ms() > end)
			return false;
		usleep(20000);
	}
	return true;
}

struct json_object *dt_member(struct json_object *root, uint64_t cookie)
{
	struct json_object *m = members(root);

	for (size_t i = 0; i < json_object_array_length(m); i++) {
		struct json_object *e = json_object_array_get_idx(m, i);

		if ((uint64_t)dt_int(e, "cookie") == cookie)
			return e;
	}
	return NULL;
}

int64_t dt_int(struct json_object *o, const char *k)
{
	struct json_object *v;

	cr_assert(o, "no such member");
	cr_assert(json_object_object_get_ex(o, k, &v), "no %s", k);
	return json_object_get_int64(v);
}

int64_t dt_counter(struct json_object *member, const char *k)
{
	struct json_object *c;

	cr_assert(member, "no such member");
	cr_assert(json_object_object_get_ex(member, "counters", &c), "no counters");
	return dt_int(c, k);
}

const char *dt_attached(struct json_object *root, const char *hook)
{
	struct json_object *sm, *a, *v;

	if (json_object_object_get_ex(root, "sockmap", &sm) &&
	    json_object_object_get_ex(sm, "attached", &a) &&
	    json_object_object_get_ex(a, hook, &v))
		return json_object_get_string(v);
	return "";
}
