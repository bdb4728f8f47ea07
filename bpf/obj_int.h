/* bpf/obj_int.h: what the bpf/obj*.c files share and nobody else needs: a
 * JSON object builder that keeps the first allocation failure, the lines
 * of /proc/self/fdinfo that bpftool reads, and the per-kind show JSON. */
#ifndef BPFPIN_BPF_OBJ_INT_H
#define BPFPIN_BPF_OBJ_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

/* Members are added in call order (bpftool's order matters to readers
 * that diff outputs); after the first failure every call is a no-op and
 * err stays -ENOMEM. */
struct objj {
	struct json_object *o;
	int err;
};

/* Take ownership of v (NULL counts as an allocation failure). Keys are
 * string constants, each added once: json-c neither copies nor looks them
 * up. */
void objj_add(struct objj *b, const char *key, struct json_object *v);
void objj_u64(struct objj *b, const char *key, uint64_t v);
void objj_i64(struct objj *b, const char *key, int64_t v);
void objj_bool(struct objj *b, const char *key, bool v);
void objj_str(struct objj *b, const char *key, const char *s);
/* A type as bpftool prints it: its name, or its number when unnamed. */
void objj_type(struct objj *b, const char *key, const char *name,
	       uint32_t type);
/* bpftool's "dev" object for an object offloaded to a device. */
void objj_dev(struct objj *b, uint32_t ifindex, uint64_t ns_dev,
	      uint64_t ns_ino);

/* The /proc/self/fdinfo lines bpftool shows; has_* say which were there. */
struct obj_fdinfo {
	bool has_memlock, has_owner_prog_type, has_owner_jited;
	int64_t memlock;
	int frozen;
	uint32_t owner_prog_type;
	bool owner_jited;
};

int obj_fdinfo_read(int fd, struct obj_fdinfo *fi);

/* The fs type ("bpf", "fuse.bpfpin", "tmpfs") of the mount with id
 * mnt_id, from /proc/self/mountinfo (obj_mnt.c). 0, -ENOENT if this mount
 * namespace has no such mount, or -errno. */
int obj_mount_fstype(int mnt_id, char *type, size_t size);

/* fd's mount id, from /proc/self/fdinfo (asks no filesystem); obj.c. */
int obj_fd_mount(int fd, int *mnt_id);
/* Whether mnt_id is the mount obj_refuse_mount named. */
bool obj_mount_refused(int mnt_id);

/* libbpf's (and so bpftool's) name of an enum bpf_attach_type, or NULL. */
const char *obj_attach_type_name(uint32_t type);

/* Fill b->o with bpftool's show JSON of a map, program or link fd.
 * 0 or -errno. */
int obj_map_json(int fd, struct objj *b);
int obj_prog_json(int fd, struct objj *b);
int obj_link_json(int fd, struct objj *b);

#endif
