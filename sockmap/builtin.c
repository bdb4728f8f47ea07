/* sockmap/builtin.c: the table of built-in programs and their loading
 * for one sockmap: the program of the right hook and map type from the
 * object its skeleton embeds, run on that sockmap and its aux maps. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sockmap/builtin_int.h"
#include "sockmap/sm_basic.skel.h"
#include "sockmap/sm_lenprefix.skel.h"
#include "sockmap/sm_pair.skel.h"
#include "sockmap/sm_tap.skel.h"

#define HOOK(h) (1u << (h))
#define SKB_VERDICTS (HOOK(SOCKMAP_STREAM_VERDICT) | HOOK(SOCKMAP_SKB_VERDICT))

const struct sockmap_builtin sockmap_builtins[] = {
	{ "pass", SKB_VERDICTS | HOOK(SOCKMAP_MSG_VERDICT),
	  "pass everything, counting" },
	{ "drop", SKB_VERDICTS | HOOK(SOCKMAP_MSG_VERDICT),
	  "drop everything, counting (a sender's sendmsg fails with EACCES)" },
	{ "pair", SKB_VERDICTS,
	  "send what a member receives out of its paired peer" },
	{ "lenprefix", HOOK(SOCKMAP_STREAM_PARSER) | HOOK(SOCKMAP_STREAM_VERDICT) |
		       HOOK(SOCKMAP_MSG_VERDICT),
	  "count frames of a 4-byte big-endian length; pass, or send to the peer when paired" },
	{ "tap", SKB_VERDICTS | HOOK(SOCKMAP_MSG_VERDICT),
	  "pass, drop or drop and disconnect each message by its first bytes" },
	{ NULL, 0, NULL },
};

/* How each of sockmap_builtins (same index) is loaded: its skeleton's
 * object and the program per hook, [0] for a sockmap, [1] a sockhash (a
 * program that differs there redirects, by a u32 key). */
static const struct {
	const void *(*elf)(size_t *size);
	const char *prog[SOCKMAP_HOOKS][2];
} impls[] = {
	{ sm_basic__elf_bytes, {
		[SOCKMAP_STREAM_VERDICT] = { "pass_skb", "pass_skb" },
		[SOCKMAP_SKB_VERDICT] = { "pass_skb", "pass_skb" },
		[SOCKMAP_MSG_VERDICT] = { "pass_msg", "pass_msg" } } },
	{ sm_basic__elf_bytes, {
		[SOCKMAP_STREAM_VERDICT] = { "drop_skb", "drop_skb" },
		[SOCKMAP_SKB_VERDICT] = { "drop_skb", "drop_skb" },
		[SOCKMAP_MSG_VERDICT] = { "drop_msg", "drop_msg" } } },
	{ sm_pair__elf_bytes, {
		[SOCKMAP_STREAM_VERDICT] = { "pair_map", "pair_hash" },
		[SOCKMAP_SKB_VERDICT] = { "pair_map", "pair_hash" } } },
	{ sm_lenprefix__elf_bytes, {
		[SOCKMAP_STREAM_PARSER] = { "lp_parse", "lp_parse" },
		[SOCKMAP_STREAM_VERDICT] = { "lp_map", "lp_hash" },
		[SOCKMAP_MSG_VERDICT] = { "lp_msg", "lp_msg" } } },
	{ sm_tap__elf_bytes, {
		[SOCKMAP_STREAM_VERDICT] = { "tap_skb", "tap_skb" },
		[SOCKMAP_SKB_VERDICT] = { "tap_skb", "tap_skb" },
		[SOCKMAP_MSG_VERDICT] = { "tap_msg", "tap_msg" } } },
};

_Static_assert(sizeof(impls) / sizeof(*impls) ==
	       sizeof(sockmap_builtins) / sizeof(*sockmap_builtins) - 1,
	       "a way to load each built-in");

const struct sockmap_builtin *sockmap_builtin_find(const char *name)
{
	for (const struct sockmap_builtin *b = sockmap_builtins; b->name; b++)
		if (strcmp(b->name, name) == 0)
			return b;
	return NULL;
}

int sm_why(char *why, size_t whylen, int err, const char *fmt, ...)
{
	va_list ap;

	if (whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return err;
}

struct bpf_object *sm_obj_open(const void *elf, size_t size, char *log,
			       size_t loglen)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .kernel_log_buf = log,
		    .kernel_log_size = loglen);

	if (log)
		log[0] = '\0';
	return bpf_object__open_mem(elf, size, &opts);
}

/* Point the object's maps at the sockmap and its aux maps; all of them
 * must be open, or the program would quietly get a map of its own. */
static int reuse_maps(struct bpf_object *obj, int sock_fd,
		      const struct sockmap_aux *aux, char *why, size_t whylen)
{
	struct bpf_map *m;
	int rc;

	m = bpf_object__find_map_by_name(obj, "sock");
	if (m && (rc = bpf_map__reuse_fd(m, sock_fd)) < 0)
		return sm_why(why, whylen, rc, "reusing the sockmap: %s", strerror(-rc));
	for (unsigned i = 0; i < sockmap_aux_count; i++) {
		m = bpf_object__find_map_by_name(obj, sockmap_aux_names[i]);
		if (!m)
			continue;
		if (aux->fds[i] < 0)
			return sm_why(why, whylen, -EINVAL, "aux map %s is not open",
				      sockmap_aux_names[i]);
		rc = bpf_map__reuse_fd(m, aux->fds[i]);
		if (rc < 0)
			return sm_why(why, whylen, rc, "reusing aux map %s: %s",
				      sockmap_aux_names[i], strerror(-rc));
	}
	return 0;
}

/* The verifier's last line before its statistics: what it refused. */
static const char *log_tail(char *log)
{
	char *line;

	for (;;) {
		size_t n = strlen(log);

		while (n && log[n - 1] == '\n')
			log[--n] = '\0';
		line = strrchr(log, '\n');
		line = line ? line + 1 : log;
		if (strncmp(line, "processed ", 10) != 0 || line == log)
			return line;
		*line = '\0';
	}
}

#define LOG_SIZE (64 * 1024)

/* Load only prog of the object, for hook; its fd dup'ed (the caller's),
 * the object closed. */
static int load_prog(const void *(*elf)(size_t *), const char *prog,
		     enum sockmap_hook hook, int sock_fd,
		     const struct sockmap_aux *aux, char *why, size_t whylen)
{
	char *log = malloc(LOG_SIZE);
	size_t size;
	const void *bytes = elf(&size);
	struct bpf_object *obj;
	struct bpf_program *p;
	int rc;

	if (!log)
		return sm_why(why, whylen, -ENOMEM, "out of memory");
	obj = sm_obj_open(bytes, size, log, LOG_SIZE);
	if (!obj) {
		rc = -errno;
		free(log);
		return sm_why(why, whylen, rc, "opening %s: %s", prog, strerror(-rc));
	}
	rc = reuse_maps(obj, sock_fd, aux, why, whylen);
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, strcmp(bpf_program__name(p), prog) == 0);
	p = bpf_object__find_program_by_name(obj, prog);
	if (rc == 0)
		bpf_program__set_expected_attach_type(p, sockmap_hook_attach_type(hook));
	if (rc == 0 && (rc = bpf_object__load(obj)) < 0)
		sm_why(why, whylen, rc, "loading %s for %s: %s: %s", prog,
		       sockmap_hook_name(hook), strerror(-rc), log_tail(log));
	if (rc == 0) {
		rc = fcntl(bpf_program__fd(p), F_DUPFD_CLOEXEC, 0);
		if (rc < 0)
			rc = sm_why(why, whylen, -errno, "dup of %s: %s", prog,
				    strerror(errno));
	}
	bpf_object__close(obj);
	free(log);
	return rc;
}

int sockmap_builtin_load(const char *name, enum sockmap_hook hook, int sock_fd,
			 const struct sockmap_aux *aux, char *why, size_t whylen)
{
	const struct sockmap_builtin *b = sockmap_builtin_find(name);
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);
	const char *const *prog;
	int hash;

	if (!b)
		return sm_why(why, whylen, -ENOENT, "no built-in named %s", name);
	if ((unsigned)hook >= SOCKMAP_HOOKS || !(b->hooks & HOOK(hook)))
		return sm_why(why, whylen, -EINVAL, "%s has no %s program", name,
			      sockmap_hook_name(hook));
	if (bpf_obj_get_info_by_fd(sock_fd, &info, &len) < 0)
		return sm_why(why, whylen, -errno, "fd %d is not a map: %s",
			      sock_fd, strerror(errno));
	if (info.type != BPF_MAP_TYPE_SOCKMAP && info.type != BPF_MAP_TYPE_SOCKHASH)
		return sm_why(why, whylen, -EINVAL, "map %s is not a sockmap or sockhash",
			      info.name);
	hash = info.type == BPF_MAP_TYPE_SOCKHASH;
	prog = impls[b - sockmap_builtins].prog[hook];
	if (hash && strcmp(prog[0], prog[1]) != 0 && info.key_size != 4)
		return sm_why(why, whylen, -EINVAL, "%s on a sockhash needs key-size 4",
			      name);
	return load_prog(impls[b - sockmap_builtins].elf, prog[hash], hook,
			 sock_fd, aux, why, whylen);
}
