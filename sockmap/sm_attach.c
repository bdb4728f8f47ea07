/* sockmap/sm_attach.c: programs on a sockmap's hooks, each held by a BPF
 * link pinned in the sockmap's private directory (link_HOOK), so that the
 * attachment outlives the daemon, with a symlink beside it (what_HOOK)
 * whose target says what it is ("builtin:pair", "prog:/path"): bpffs
 * holds no files, and a symlink's target is a string it does keep. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "sockmap/accel.h"
#include "sockmap/sm_int.h"

#define SOCK_OPS_LINK "link_sock_ops"   /* accelerate's, beside msg_verdict's */

static void hook_path(const struct sockmap *s, const char *what, enum sockmap_hook h,
		      char *buf, size_t size)
{
	char name[64];

	snprintf(name, sizeof(name), "%s_%s", what, sockmap_hook_name(h));
	sm_path(s, name, buf, size);
}

/* The label, replaced whole: a new symlink renamed over the old one. */
static int set_label(struct sockmap *s, enum sockmap_hook h, const char *label)
{
	char path[PATH_MAX], tmp[PATH_MAX];

	hook_path(s, "what", h, path, sizeof(path));
	hook_path(s, "new_what", h, tmp, sizeof(tmp));
	unlink(tmp);
	if (symlink(label, tmp) < 0 || rename(tmp, path) < 0)
		return -errno;
	return 0;
}

int sockmap_attached(struct sockmap *s, enum sockmap_hook h, char *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t n;

	hook_path(s, "link", h, path, sizeof(path));
	if (access(path, F_OK) < 0)
		return -ENOENT;
	hook_path(s, "what", h, path, sizeof(path));
	n = readlink(path, buf, size - 1);
	if (n < 0)
		n = snprintf(buf, size, "?") > 0 ? 1 : 0;
	buf[n] = '\0';
	return 0;
}

static int check_prog(int prog_fd, enum sockmap_hook h, char *why, size_t whylen)
{
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) < 0)
		return sm_err(why, whylen, -errno, "not a program: %s", strerror(errno));
	if (info.type != sockmap_hook_prog_type(h))
		return sm_err(why, whylen, -EINVAL, "%s takes a program of type %s, not "
			      "type %u", sockmap_hook_name(h),
			      h == SOCKMAP_MSG_VERDICT ? "sk_msg" : "sk_skb", info.type);
	return 0;
}

static int replace_prog(struct sockmap *s, enum sockmap_hook h, int link_fd,
			int prog_fd, const char *label, char *why, size_t whylen)
{
	if (bpf_link_update(link_fd, prog_fd, NULL) < 0)
		return sm_err(why, whylen, -errno, "the kernel refused the new program "
			      "on %s: %s", sockmap_hook_name(h), strerror(errno));
	set_label(s, h, label);
	return 0;
}

int sockmap_attach(struct sockmap *s, enum sockmap_hook h, int prog_fd,
		   const char *label, bool replace, char *why, size_t whylen)
{
	char path[PATH_MAX], have[256];
	int link, r = check_prog(prog_fd, h, why, whylen);

	if (r < 0)
		return r;
	hook_path(s, "link", h, path, sizeof(path));
	link = bpf_obj_get(path);
	if (link >= 0) {
		r = -EEXIST;
		if (replace)
			r = replace_prog(s, h, link, prog_fd, label, why, whylen);
		else if (sockmap_attached(s, h, have, sizeof(have)) == 0)
			sm_err(why, whylen, r, "%s has %s attached: detach it first, or "
			       "attach with replace", sockmap_hook_name(h), have);
		close(link);
		return r;
	}
	if (replace)
		return sm_err(why, whylen, -ENOENT, "nothing is attached to %s to "
			      "replace", sockmap_hook_name(h));
	link = bpf_link_create(prog_fd, s->map_fd, sockmap_hook_attach_type(h), NULL);
	if (link < 0)
		return sm_err(why, whylen, -errno, "the kernel refused the link on %s: "
			      "%s", sockmap_hook_name(h), strerror(errno));
	set_label(s, h, label);
	r = bpf_obj_pin(link, path) < 0 ? -errno : 0;
	close(link);                /* pinned, or detached by this close */
	if (r < 0)
		return sm_err(why, whylen, r, "cannot pin the link in the store: %s",
			      strerror(-r));
	return 0;
}

int sockmap_attach_builtin(struct sockmap *s, enum sockmap_hook h,
			   const char *name, bool replace, char *why, size_t whylen)
{
	char label[64];
	int prog = sockmap_builtin_load(name, h, s->map_fd, &s->aux, why, whylen);
	int r;

	if (prog < 0)
		return prog;
	snprintf(label, sizeof(label), "builtin:%s", name);
	r = sockmap_attach(s, h, prog, label, replace, why, whylen);
	close(prog);
	return r;
}

/* Detach now (a link someone still holds an fd of would stay), then
 * unpin. */
static void unpin_link(const char *path)
{
	int fd = bpf_obj_get(path);

	if (fd >= 0) {
		bpf_link_detach(fd);
		close(fd);
	}
	unlink(path);
}

/* The sockets accelerate added keep the verdict the kernel copied into
 * them at their insert: without its links they must leave the sockhash,
 * or they would go on being redirected. */
static void flush(struct sockmap *s)
{
	uint8_t key[SOCKMAP_KEY_MAX];

	while (bpf_map_get_next_key(s->map_fd, NULL, key) == 0)
		if (bpf_map_delete_elem(s->map_fd, key) < 0)
			break;
}

int sockmap_detach(struct sockmap *s, enum sockmap_hook h, char *why, size_t whylen)
{
	char path[PATH_MAX], label[64] = "";

	hook_path(s, "link", h, path, sizeof(path));
	if (access(path, F_OK) < 0)
		return sm_err(why, whylen, -ENOENT, "nothing is attached to %s",
			      sockmap_hook_name(h));
	sockmap_attached(s, h, label, sizeof(label));
	unpin_link(path);
	if (h == SOCKMAP_MSG_VERDICT) {
		sm_path(s, SOCK_OPS_LINK, path, sizeof(path));
		unpin_link(path);
	}
	if (!strncmp(label, "builtin:accelerate", 18))
		flush(s);
	hook_path(s, "what", h, path, sizeof(path));
	unlink(path);
	return 0;
}

static int pin_new(struct sockmap *s, int fd, const char *name, char *why, size_t whylen)
{
	char path[PATH_MAX];

	sm_path(s, name, path, sizeof(path));
	unlink(path);
	if (bpf_obj_pin(fd, path) < 0)
		return sm_err(why, whylen, -errno, "cannot pin the link in the store: %s",
			      strerror(errno));
	return 0;
}

int sockmap_accelerate(struct sockmap *s, int cgroup_fd, const char *label,
		       char *why, size_t whylen)
{
	char path[PATH_MAX], what[PATH_MAX + 32];
	struct sockmap_accel acc;
	int r;

	hook_path(s, "link", SOCKMAP_MSG_VERDICT, path, sizeof(path));
	if (access(path, F_OK) == 0)
		return sm_err(why, whylen, -EEXIST, "msg_verdict has a program attached: "
			      "detach it first");
	if ((r = sockmap_accel_start(s->map_fd, cgroup_fd, &s->aux, &acc, why, whylen)) < 0)
		return r;
	snprintf(what, sizeof(what), "builtin:accelerate cgroup:%s", label);
	set_label(s, SOCKMAP_MSG_VERDICT, what);
	r = pin_new(s, acc.ops_link, SOCK_OPS_LINK, why, whylen);
	if (r == 0)
		r = pin_new(s, acc.msg_link, "link_msg_verdict", why, whylen);
	close(acc.ops_link);
	close(acc.msg_link);
	if (r < 0)
		sockmap_detach(s, SOCKMAP_MSG_VERDICT, NULL, 0);
	return r;
}
