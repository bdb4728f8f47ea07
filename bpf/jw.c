/* bpf/jw.c: the streaming JSON writer. Hot paths copy precomputed byte
 * images (a byte as "0x2a", and two decimal digits) instead of calling
 * printf, and the buffer is written out only when it is full. */
#include "config.h"

#include "bpf/jw.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static const char xdigits[] = "0123456789abcdef";
/* hexq[b] is "\"0x2a\"," (7 bytes) padded to 8, copied as one word. */
static char hexq[256][8];
/* hexs[b] is "2a". */
static char hexs[256][2];
static char digits2[200];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void tables_init(void)
{
	for (int b = 0; b < 256; b++) {
		memcpy(hexq[b], "\"0x", 3);
		hexq[b][3] = xdigits[b >> 4];
		hexq[b][4] = xdigits[b & 15];
		hexq[b][5] = '"';
		hexq[b][6] = ',';
		hexs[b][0] = xdigits[b >> 4];
		hexs[b][1] = xdigits[b & 15];
	}
	for (int i = 0; i < 100; i++) {
		digits2[2 * i] = (char)('0' + i / 10);
		digits2[2 * i + 1] = (char)('0' + i % 10);
	}
}

int jw_open(struct jw *w, int fd, bool pretty)
{
	struct stat st;

	pthread_once(&tables_once, tables_init);
	memset(w, 0, sizeof(*w));
	w->buf = malloc(JW_BUF_SIZE);
	if (!w->buf)
		return -ENOMEM;
	w->fd = fd;
	w->pretty = pretty;
	w->sock = fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
	return 0;
}

static int wait_writable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	while (poll(&pfd, 1, -1) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* A non-blocking fd (a pipe or socket handed to us) is waited for rather
 * than failed with EAGAIN. */
static int write_all(struct jw *w, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t r = w->sock ? send(w->fd, p, n, MSG_NOSIGNAL)
				    : write(w->fd, p, n);

		if (r < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			if (e == EAGAIN || e == EWOULDBLOCK) {
				int err = wait_writable(w->fd);

				if (err)
					return err;
				continue;
			}
			return -e;
		}
		w->sent = true;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int jw_flush(struct jw *w)
{
	if (!w->err && w->len > 0)
		w->err = write_all(w, w->buf, w->len);
	w->len = 0;
	return w->err;
}

/* sendfile(2) copies in the kernel; a socket gets send(MSG_NOSIGNAL) (no
 * SIGPIPE), and a target sendfile refuses gets the same read and write. */
static int append_copy(struct jw *w, int fd, off_t off, size_t len)
{
	while (!w->err && len > 0) {
		ssize_t r = pread(fd, w->buf, len < JW_BUF_SIZE ? len
							 : JW_BUF_SIZE, off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return w->err = r < 0 ? -errno : -EIO;
		w->err = write_all(w, w->buf, (size_t)r);
		off += r;
		len -= (size_t)r;
	}
	return w->err;
}

int jw_append_fd(struct jw *w, int fd, off_t off, size_t len)
{
	if (jw_flush(w))
		return w->err;
	while (!w->sock && len > 0) {
		ssize_t r = sendfile(w->fd, fd, &off, len);

		if (r > 0) {
			w->sent = true;
			len -= (size_t)r;
		} else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			w->err = wait_writable(w->fd);
			if (w->err)
				return w->err;
		} else if (r < 0 && errno == EINTR) {
			continue;
		} else if (r < 0 && (errno == EINVAL || errno == ENOSYS)) {
			break;
		} else {
			return w->err = r < 0 ? -errno : -EIO;
		}
	}
	return append_copy(w, fd, off, len);
}

int jw_rewind(struct jw *w)
{
	if (w->sent)
		return -EALREADY;
	w->len = 0;
	w->sep = '\0';
	w->depth = 0;
	return 0;
}

char *jw_reserve_slow(struct jw *w, size_t n)
{
	(void)n;
	jw_flush(w);
	return w->buf;
}

int jw_close(struct jw *w)
{
	int err = jw_flush(w);

	free(w->buf);
	w->buf = NULL;
	return err;
}

void jw_discard(struct jw *w)
{
	free(w->buf);
	w->buf = NULL;
	w->len = 0;
}

static char *fmt_u64(char *p, uint64_t v)
{
	char tmp[20];
	char *t = tmp + sizeof(tmp);
	size_t n;

	while (v >= 100) {
		t -= 2;
		memcpy(t, digits2 + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10) {
		t -= 2;
		memcpy(t, digits2 + 2 * v, 2);
	} else {
		*--t = (char)('0' + v);
	}
	n = (size_t)(tmp + sizeof(tmp) - t);
	memcpy(p, t, n);
	return p + n;
}

/* The JSON escape of s, without quotes. */
static char *escape(char *p, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != '"' && c != '\\') {
			*p++ = (char)c;
			continue;
		}
		*p++ = '\\';
		switch (c) {
		case '"': *p++ = '"'; break;
		case '\\': *p++ = '\\'; break;
		case '\n': *p++ = 'n'; break;
		case '\t': *p++ = 't'; break;
		case '\r': *p++ = 'r'; break;
		case '\b': *p++ = 'b'; break;
		case '\f': *p++ = 'f'; break;
		default:
			memcpy(p, "u00", 3);
			p[3] = xdigits[c >> 4];
			p[4] = xdigits[c & 15];
			p += 5;
		}
	}
	return p;
}

char *jw_fmt_escaped(char *p, const char *s, size_t n)
{
	*p++ = '"';
	p = escape(p, s, n);
	*p++ = '"';
	return p;
}

/* bpftool's separator: a comma before every value but the first. */
static inline char *put_sep(struct jw *w, char *p)
{
	if (w->sep)
		*p++ = w->sep;
	w->sep = ',';
	return p;
}

static inline char *put_eol(struct jw *w, char *p)
{
	unsigned int d = w->depth < JW_DEPTH_MAX ? w->depth : JW_DEPTH_MAX;

	if (!w->pretty)
		return p;
	*p++ = '\n';
	memset(p, ' ', 4 * d);
	return p + 4 * d;
}

#define JW_EOL_MAX (1 + 4 * JW_DEPTH_MAX)

static void begin(struct jw *w, char c)
{
	char *p = put_sep(w, jw_reserve(w, 2));

	*p++ = c;
	jw_commit(w, p);
	w->depth++;
	w->sep = '\0';
}

static void end(struct jw *w, char c)
{
	char *p = jw_reserve(w, JW_EOL_MAX + 1);

	if (w->depth > 0)
		w->depth--;
	if (w->sep)
		p = put_eol(w, p);
	*p++ = c;
	jw_commit(w, p);
	w->sep = ',';
}

void jw_obj_begin(struct jw *w) { begin(w, '{'); }
void jw_obj_end(struct jw *w) { end(w, '}'); }
void jw_arr_begin(struct jw *w) { begin(w, '['); }
void jw_arr_end(struct jw *w) { end(w, ']'); }

void jw_key(struct jw *w, const char *quoted, size_t len)
{
	char *p;

	if (len > JW_RESERVE_MAX - JW_EOL_MAX - 4)
		len = JW_RESERVE_MAX - JW_EOL_MAX - 4;
	p = put_eol(w, put_sep(w, jw_reserve(w, len + JW_EOL_MAX + 4)));
	memcpy(p, quoted, len);
	p += len;
	*p++ = ':';
	if (w->pretty)
		*p++ = ' ';
	jw_commit(w, p);
	w->sep = '\0';
}

void jw_u64(struct jw *w, uint64_t v)
{
	char *p = put_sep(w, jw_reserve(w, 24));

	jw_commit(w, fmt_u64(p, v));
}

void jw_s64(struct jw *w, int64_t v)
{
	char *p = put_sep(w, jw_reserve(w, 24));

	if (v < 0) {
		*p++ = '-';
		jw_commit(w, fmt_u64(p, 0 - (uint64_t)v));
	} else {
		jw_commit(w, fmt_u64(p, (uint64_t)v));
	}
}

void jw_raw(struct jw *w, const char *s, size_t n)
{
	char *p;

	if (n > JW_RESERVE_MAX - 1)
		n = JW_RESERVE_MAX - 1;
	p = put_sep(w, jw_reserve(w, n + 1));
	memcpy(p, s, n);
	jw_commit(w, p + n);
}

void jw_bool(struct jw *w, bool v)
{
	if (v)
		jw_raw(w, "true", 4);
	else
		jw_raw(w, "false", 5);
}

void jw_null(struct jw *w)
{
	jw_raw(w, "null", 4);
}

/* Long strings are escaped in pieces, each fitting one reservation. */
void jw_string(struct jw *w, const char *s, size_t n)
{
	const size_t piece = (JW_RESERVE_MAX - 8) / 6;
	char *p = put_sep(w, jw_reserve(w, 2));

	n = strnlen(s, n);
	*p++ = '"';
	jw_commit(w, p);
	do {
		size_t k = n < piece ? n : piece;

		jw_commit(w, escape(jw_reserve(w, 6 * k), s, k));
		s += k;
		n -= k;
	} while (n > 0);
	p = jw_reserve(w, 1);
	*p++ = '"';
	jw_commit(w, p);
}

void jw_hex_array(struct jw *w, const uint8_t *b, size_t n)
{
	const size_t piece = (JW_RESERVE_MAX - JW_EOL_MAX - 8) / 7;
	char *p = put_sep(w, jw_reserve(w, 3));

	*p++ = '[';
	if (n == 0) {
		*p++ = ']';
		jw_commit(w, p);
		return;
	}
	jw_commit(w, p);
	while (n > 0) {
		size_t k = n < piece ? n : piece;

		p = jw_reserve(w, 7 * k + 1);
		for (size_t i = 0; i < k; i++, p += 7)
			memcpy(p, hexq[b[i]], 8);
		jw_commit(w, p);
		b += k;
		n -= k;
	}
	/* The last element's comma becomes the end of the array. */
	w->len--;
	p = put_eol(w, jw_reserve(w, JW_EOL_MAX + 1));
	*p++ = ']';
	jw_commit(w, p);
}

static char *put_hex(char *p, uint64_t v, int min_digits)
{
	int n = 1;

	while (n < 16 && (v >> (4 * n)) != 0)
		n++;
	if (n < min_digits)
		n = min_digits;
	for (int i = n - 1; i >= 0; i--)
		*p++ = xdigits[(v >> (4 * i)) & 15];
	return p;
}

void jw_hex128(struct jw *w, uint64_t hi, uint64_t lo)
{
	char *p = put_sep(w, jw_reserve(w, 40));

	memcpy(p, "\"0x", 3);
	p += 3;
	if (hi) {
		p = put_hex(p, hi, 1);
		p = put_hex(p, lo, 16);
	} else {
		p = put_hex(p, lo, 1);
	}
	*p++ = '"';
	jw_commit(w, p);
}

void jw_text(struct jw *w, const char *s, size_t n)
{
	while (n > 0) {
		size_t k = n < JW_RESERVE_MAX ? n : JW_RESERVE_MAX;
		char *p = jw_reserve(w, k);

		memcpy(p, s, k);
		jw_commit(w, p + k);
		s += k;
		n -= k;
	}
}

/* bpftool's layout: two spaces after 8 bytes, a new line after 16. */
void jw_text_hex(struct jw *w, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *p = jw_reserve(w, 4);

		if (i % 16 == 0 && i)
			*p++ = '\n';
		else if (i % 8 == 0 && i)
			*p++ = ' ';
		if (i % 16)
			*p++ = ' ';
		memcpy(p, hexs[b[i]], 2);
		jw_commit(w, p + 2);
	}
}

void jw_text_u64(struct jw *w, uint64_t v)
{
	jw_commit(w, fmt_u64(jw_reserve(w, 24), v));
}
