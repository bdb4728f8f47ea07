/* bpf/obj.h: what a file descriptor is (a BPF map, program or link, or
 * something else), and a BPF object's info in the JSON shape of bpftool's
 * `map show -j`, `prog show -j` and `link show -j`. */
#ifndef BPFPIN_BPF_OBJ_H
#define BPFPIN_BPF_OBJ_H

#include <stddef.h>
#include <stdint.h>

struct json_object;

enum obj_kind { OBJ_NONE = 0, OBJ_MAP = 1, OBJ_PROG = 2, OBJ_LINK = 3 };

struct obj_ident {
	enum obj_kind kind;
	uint32_t id;       /* kernel object id */
	uint32_t type;     /* enum bpf_map_type / bpf_prog_type / bpf_link_type */
	char name[16];     /* object name ("" for links) */
};

/* Identify fd. A BPF map, program or link fills *out and returns 0.
 * Anything else returns -EINVAL and writes why into why[] in the form
 * "fd is a regular file, not a BPF object" (also for BTF objects, which
 * cannot be pinned here). -EBADF if fd is not open. Never a filesystem
 * call on fd that could wait for a FUSE server (no fstat, fstatfs, read):
 * only /proc/self/fd, /proc/self/fdinfo, /proc/self/mountinfo and statx
 * with AT_STATX_DONT_SYNC, so a client's fd from a FUSE mount that never
 * answers, or from the caller's own mount, cannot block it. */
int obj_identify(int fd, struct obj_ident *out, char *why, size_t whylen);

/* Refuse, in obj_identify, every fd of the mount with this id (the
 * caller's own FUSE mount, which the identifying thread may be the one to
 * serve) with -EINVAL before looking further. Set once, before the first
 * obj_identify; a negative id refuses none. */
void obj_refuse_mount(int mnt_id);
/* Keep /proc/self/fd open for obj_identify, whose readlink then walks one
 * component, not four (~0.8 us of each pin). Once, after any fork (a
 * child would read its parent's fds); without it the full path is used.
 * 0 or -errno. */
int obj_keep_proc_fd(void);

/* The fs type of the mount fd is on ("cgroup2", "nsfs", "pipefs" or "?"
 * if this mount namespace does not show it), from fdinfo and mountinfo
 * only, as obj_identify: 0; -EINVAL for a file on the refused mount,
 * with why saying so; -EBADF for an fd that is not open. */
int obj_fd_fstype(int fd, char *type, size_t size, char *why, size_t whylen);
/* The id of the mount on top at dir (an absolute, canonical path, as
 * /proc/self/mountinfo spells it), found without a lookup of dir, so
 * without entering the filesystem mounted there. -ENOENT if nothing is
 * mounted at dir, or -errno. */
int obj_mount_id(const char *dir);

/* "map", "prog", "link" (or "none"). */
const char *obj_kind_name(enum obj_kind kind);
/* bpftool's names: "hash", "percpu_array", "xdp", "tracing", ... or NULL. */
const char *obj_map_type_name(uint32_t type);
const char *obj_prog_type_name(uint32_t type);
const char *obj_link_type_name(uint32_t type);

/* The object's info as bpftool -j {map,prog,link} show prints it for one
 * object (an object, not an array). NULL with errno set on failure. The
 * caller owns the returned reference. */
struct json_object *obj_info_json(int fd, const struct obj_ident *ident);

#endif
