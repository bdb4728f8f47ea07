/* bpf/jw.h: a streaming JSON writer. It formats into one fixed-size buffer
 * that it flushes to a file descriptor, so its memory does not grow with
 * the output; its compact and pretty layouts are bpftool's -j and -p. */
#ifndef BPFPIN_BPF_JW_H
#define BPFPIN_BPF_JW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define JW_BUF_SIZE (256 * 1024)
/* The most any single jw_reserve() may ask for; longer output is cut in
 * pieces by the writer's functions. */
#define JW_RESERVE_MAX (16 * 1024)
/* Deeper nesting is written without indentation growth. */
#define JW_DEPTH_MAX 64

struct jw {
	char *buf;
	size_t len;
	int fd;
	int err;           /* first error (-errno); later output is dropped */
	bool pretty;
	bool sock;         /* fd is a socket: send(MSG_NOSIGNAL), no SIGPIPE */
	bool sent;         /* some output already reached fd */
	char sep;          /* ',' once the current container holds a value */
	unsigned int depth;
};

/* Start writing to fd (not owned). 0 or -ENOMEM. */
int jw_open(struct jw *w, int fd, bool pretty);
/* Write out what the buffer holds; the first error met, or 0. */
int jw_flush(struct jw *w);
/* Flush and free the buffer; the first error met, or 0. */
int jw_close(struct jw *w);
/* Free the buffer, dropping what was not flushed yet. */
void jw_discard(struct jw *w);
/* Forget everything written so far; -EALREADY if some of it was sent. */
int jw_rewind(struct jw *w);
/* Flush, then copy len bytes of fd from offset off to the output. */
int jw_append_fd(struct jw *w, int fd, off_t off, size_t len);

char *jw_reserve_slow(struct jw *w, size_t n);

/* Room for n <= JW_RESERVE_MAX bytes at the end of the buffer; commit
 * what was used with jw_commit(). Always valid, even after an error. */
static inline char *jw_reserve(struct jw *w, size_t n)
{
	if (JW_BUF_SIZE - w->len >= n)
		return w->buf + w->len;
	return jw_reserve_slow(w, n);
}

static inline void jw_commit(struct jw *w, char *end)
{
	w->len = (size_t)(end - w->buf);
}

/* JSON structure, with bpftool's separators and indentation. */
void jw_obj_begin(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr_begin(struct jw *w);
void jw_arr_end(struct jw *w);
/* A member name, already quoted and escaped ("\"key\""). */
void jw_key(struct jw *w, const char *quoted, size_t len);
/* The same for a string literal: JW_KEY(w, "value"). */
#define JW_KEY(w, lit) jw_key((w), "\"" lit "\"", sizeof(lit) + 1)

/* Values. */
void jw_u64(struct jw *w, uint64_t v);
void jw_s64(struct jw *w, int64_t v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* A string of at most n bytes (stops at a NUL), escaped for JSON. */
void jw_string(struct jw *w, const char *s, size_t n);
/* A value already formatted as JSON (a number, "quoted", ...). */
void jw_raw(struct jw *w, const char *s, size_t n);
/* ["0x2a","0x00",...] as bpftool prints bytes. */
void jw_hex_array(struct jw *w, const uint8_t *p, size_t n);
/* "0x..." as bpftool prints 128-bit integers and bitfields. */
void jw_hex128(struct jw *w, uint64_t hi, uint64_t lo);

/* Plain text outside of JSON's structure (DUMP_TABLE). */
void jw_text(struct jw *w, const char *s, size_t n);
#define JW_TEXT(w, lit) jw_text((w), lit, sizeof(lit) - 1)
/* "2a 00 ..." as bpftool prints bytes in plain text: 16 to a line. */
void jw_text_hex(struct jw *w, const uint8_t *p, size_t n);
void jw_text_u64(struct jw *w, uint64_t v);

/* The escaped, quoted form of s (at most n bytes, stops at a NUL) at p,
 * which has room for 6n+2 bytes; returns its end. */
char *jw_fmt_escaped(char *p, const char *s, size_t n);

#endif
