/* bpf/load.c: an ELF object loaded from memory with libbpf (load.h).
 * libbpf never pins here: a map declared LIBBPF_PIN_BY_NAME would
 * otherwise be pinned (and reused) in /sys/fs/bpf with the daemon's
 * rights; its wish is recorded and its pin path cleared, and the daemon
 * applies it inside its own namespace. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "bpf/load.h"

static int say(char *why, size_t whylen, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int say(char *why, size_t whylen, int err, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* libbpf's own error codes (4000 and up) are no errno: they become
 * EINVAL (ENOEXEC for an object libbpf cannot read), and words. */
static int errno_of(int r, char *words, size_t size)
{
	libbpf_strerror(r, words, size);
	if (-r < __LIBBPF_ERRNO__START)
		return r;
	return -r <= LIBBPF_ERRNO__FORMAT ? -ENOEXEC : -EINVAL;
}

int load_parse_type(const char *s, uint32_t *prog_type, uint32_t *attach_type)
{
	enum bpf_prog_type pt;
	enum bpf_attach_type at;
	char sec[128];

	/* bpftool takes a type as the start of a section name: "xdp" and
	 * "cgroup_skb/egress" alike; libbpf wants the '/' of "kprobe/" */
	if (strlen(s) + 2 > sizeof(sec))
		return -EINVAL;
	if (libbpf_prog_type_by_name(s, &pt, &at) == 0)
		goto found;
	snprintf(sec, sizeof(sec), "%s/", s);
	if (libbpf_prog_type_by_name(sec, &pt, &at) < 0)
		return -EINVAL;
found:
	*prog_type = pt;
	*attach_type = at;
	return 0;
}

struct bpf_map *load_map(const struct load *l, int i)
{
	struct bpf_map *m = NULL;

	if (i < 0)
		return NULL;
	for (m = bpf_object__next_map(l->obj, NULL); m && i; i--)
		m = bpf_object__next_map(l->obj, m);
	return m;
}

int load_map_index(const struct load *l, const char *name)
{
	struct bpf_map *m;
	int i = 0;

	bpf_object__for_each_map(m, l->obj) {
		if (!strcmp(bpf_map__name(m), name))
			return i;
		i++;
	}
	return -1;
}

/* Count what the object holds, refuse more than the bounds, and take
 * libbpf's pinning into our hands. */
static int take_maps(struct load *l, char *why, size_t whylen)
{
	struct bpf_program *p;
	struct bpf_map *m;

	l->nprogs = l->nmaps = 0;
	bpf_object__for_each_program(p, l->obj)
		l->nprogs++;
	if (!l->nprogs)
		return say(why, whylen, -ENOENT, "the object holds no program");
	if (l->nprogs > LOAD_PROGS_MAX)
		return say(why, whylen, -E2BIG, "the object holds more than %d programs", LOAD_PROGS_MAX);
	bpf_object__for_each_map(m, l->obj) {
		if (l->nmaps >= LOAD_MAPS_MAX)
			return say(why, whylen, -E2BIG, "the object holds more than %d maps", LOAD_MAPS_MAX);
		l->by_name[l->nmaps++] = bpf_map__pin_path(m) != NULL;
		if (bpf_map__set_pin_path(m, NULL) < 0)
			return say(why, whylen, -ENOMEM, "out of memory");
	}
	return 0;
}

static void set_types(struct load *l)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, l->obj) {
		if (l->type_set) {
			bpf_program__set_type(p, l->prog_type);
			bpf_program__set_expected_attach_type(p, l->attach_type);
		}
		if (l->log_level)
			bpf_program__set_log_level(p, l->log_level);
	}
}

int load_open(struct load *l, char *why, size_t whylen)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = l->name);
	int r;

	if (!l->log && (r = load_log_new(l)) < 0)
		return say(why, whylen, r, "out of memory");
	load_log_capture(l->log);
	l->obj = bpf_object__open_mem(l->buf, l->len, &opts);
	if (!l->obj) {
		char words[128];

		r = errno_of(errno ? -errno : -EINVAL, words, sizeof(words));
		load_log_capture(NULL);
		return say(why, whylen, r, "libbpf cannot open the object file: %s",
			   words);
	}
	r = take_maps(l, why, whylen);
	if (r == 0 && load_log_attach(l) < 0)
		r = say(why, whylen, -ENOMEM, "out of memory for the verifier log");
	load_log_capture(NULL);
	return r;
}

int load_reuse(struct load *l, int i, int fd, char *why, size_t whylen)
{
	struct bpf_map *m = load_map(l, i);
	int r;

	if (!m)
		return say(why, whylen, -ENOENT, "no map %d", i);
	r = bpf_map__reuse_fd(m, fd);
	if (r < 0)
		return say(why, whylen, r, "map \"%s\" cannot reuse the pinned "
			   "map (not one of its type, key, value and size?)",
			   bpf_map__name(m));
	return 0;
}

int load_load(struct load *l, char *why, size_t whylen)
{
	int r;

	set_types(l);
	load_log_capture(l->log);
	r = bpf_object__load(l->obj);
	load_log_capture(NULL);
	if (r < 0) {
		char words[128];

		r = errno_of(r, words, sizeof(words));
		return say(why, whylen, r, "the object did not load: %s", words);
	}
	return 0;
}

void load_free(struct load *l)
{
	bpf_object__close(l->obj);
	l->obj = NULL;
	load_log_free(l->log);
	l->log = NULL;
	free(l->buf);
	l->buf = NULL;
}

void load_pin_name(const char *name, char out[256])
{
	size_t i;

	for (i = 0; name[i] && i < 255; i++)
		out[i] = name[i] == '.' || name[i] == '/' ? '_' : name[i];
	out[i] = '\0';
}

struct json_object *load_record_json(const struct load_record *rec)
{
	struct json_object *o = json_object_new_object();
	char hex[2 * SHA256_LEN + 1];

	sha256_hex(rec->sha256, hex);
	json_object_object_add(o, "uid", json_object_new_int64(rec->uid));
	json_object_object_add(o, "gid", json_object_new_int64(rec->gid));
	json_object_object_add(o, "pid", json_object_new_int64(rec->pid));
	json_object_object_add(o, "time_ns", json_object_new_int64(
		(int64_t)rec->time.tv_sec * 1000000000 + rec->time.tv_nsec));
	json_object_object_add(o, "file", json_object_new_string(rec->file));
	json_object_object_add(o, "size", json_object_new_int64((int64_t)rec->size));
	json_object_object_add(o, "sha256", json_object_new_string(hex));
	return o;
}
