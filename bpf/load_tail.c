/* bpf/load_tail.c: what a failed load's reply quotes of the verifier log
 * (load_log_json): its last part, whole lines, and the instruction that
 * failed with its source line. The verifier prints each instruction it
 * walks as "N: (op) text" and, where the object has BTF line info, the
 * source line before it as "; text @ file:line". The quote is made
 * ASCII (other bytes become '?') so it is valid JSON whatever the
 * object's sources held; the memfd has the log as it was. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "bpf/load.h"

#define TAIL_MAX 4096

/* A copy of s[0..n) with every byte that is not printable ASCII, a tab
 * or a newline made '?'. */
static struct json_object *ascii(const char *s, size_t n)
{
	char *c = malloc(n + 1);
	struct json_object *o;

	if (!c)
		return NULL;
	for (size_t i = 0; i < n; i++)
		c[i] = (s[i] == '\n' || s[i] == '\t' ||
			((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f)) ? s[i] : '?';
	o = json_object_new_string_len(c, (int)n);
	free(c);
	return o;
}

/* The last part of text, at most TAIL_MAX bytes, from a line's start. */
static struct json_object *tail(const char *text)
{
	size_t n = strlen(text);
	const char *s = text;

	if (n > TAIL_MAX) {
		s = text + n - TAIL_MAX;
		const char *nl = memchr(s, '\n', TAIL_MAX);

		if (nl && nl + 1 < text + n)
			s = nl + 1;
	}
	return ascii(s, n - (size_t)(s - text));
}

static bool insn_line(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && isdigit((unsigned char)s[i]))
		i++;
	return i > 0 && i + 3 < n && s[i] == ':' && s[i + 1] == ' ' && s[i + 2] == '(';
}

struct insn_find {
	const char *insn, *src, *src_at_insn, *reason;
	size_t insn_n, src_n, src_at_n, reason_n;
};

/* One line of the log: a source line, an instruction, or the first other
 * line after the last instruction (the verifier's reason). */
static void scan_line(struct insn_find *f, const char *s, size_t n)
{
	if (n > 2 && s[0] == ';' && s[1] == ' ') {
		f->src = s;
		f->src_n = n;
	} else if (insn_line(s, n)) {
		f->insn = s;
		f->insn_n = n;
		f->src_at_insn = f->src;
		f->src_at_n = f->src_n;
		f->reason = NULL;
	} else if (f->insn && !f->reason && n) {
		f->reason = s;
		f->reason_n = n;
	}
}

/* The last instruction line of text, the last source line before it and
 * the verifier's reason after it. */
static void find_insn(const char *text, struct json_object *o)
{
	struct insn_find f = { 0 };

	for (const char *s = text; *s;) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);

		scan_line(&f, s, n);
		s += n + (nl ? 1 : 0);
	}
	if (f.insn)
		json_object_object_add(o, "insn", ascii(f.insn, f.insn_n));
	if (f.src_at_insn)
		json_object_object_add(o, "source", ascii(f.src_at_insn + 2, f.src_at_n - 2));
	if (f.reason)
		json_object_object_add(o, "reason", ascii(f.reason, f.reason_n));
}

struct json_object *load_log_json(const struct load *l, bool failed)
{
	struct json_object *o = json_object_new_object();
	struct bpf_program *p = NULL;
	int i;

	if (!o)
		return NULL;
	if (failed && l->obj && (i = load_log_failed(l, &p)) >= 0) {
		const char *text = load_log_text(l, i);

		json_object_object_add(o, "prog", json_object_new_string(bpf_program__name(p)));
		json_object_object_add(o, "tail", tail(text));
		find_insn(text, o);
	}
	if (load_log_msgs(l)[0])
		json_object_object_add(o, "libbpf", tail(load_log_msgs(l)));
	if (!json_object_object_length(o)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}
