/* tests/test_ns_fix.h: what the namespace suite's tests share: a namespace
 * on a temporary store, real kernel maps, programs and links with their
 * identity read from the kernel, credentials, a scratch kernel bpffs, and
 * counting this process's open fds. */
#ifndef BPFPIN_TESTS_TEST_NS_FIX_H
#define BPFPIN_TESTS_TEST_NS_FIX_H

#include <stddef.h>

#include "fs/ns.h"

struct nsf {
	char tmp[64];           /* temporary dir holding it all */
	char store[128];        /* tmp/state/store: the store's mount */
	struct ns *ns;
	int map;                /* an array map, rdwr */
	struct obj_ident ident; /* and its identity */
};

/* The namespace of the running test, and criterion's .init and .fini
 * that set it up and tear it down. */
extern struct nsf nsf_cur;
void nsf_init(void);
void nsf_fini(void);

/* A fresh namespace with one map (asserts on failure). */
void nsf_setup(struct nsf *f);
/* ns_close then ns_open on the same store. */
void nsf_reopen(struct nsf *f);
/* Close, unmount the store, remove the temporary dir. */
void nsf_teardown(struct nsf *f);

/* The identity of a map, program or link fd, from the kernel. */
void nsf_ident(int fd, struct obj_ident *id);
int nsf_map_create(void);
/* A BPF link (a cgroup_skb program on an empty cgroup) and its cleanup. */
int nsf_link_create(char *cgroup, size_t size);
void nsf_link_destroy(int link, const char *cgroup);

/* uid 0 and an ordinary user: uid 65534, gid 65534, groups {100}. */
struct ns_cred nsf_root(void);
struct ns_cred nsf_user(void);
extern const gid_t nsf_user_groups[1];

/* A scratch kernel bpffs like the namespace's root (01777). */
void nsf_bpffs_mount(char *dir, size_t size);
void nsf_bpffs_umount(const char *dir);

int nsf_fd_count(void);

/* The whole tree as text, one sorted line per name: path, type, mode,
 * owner, link count, symlink target or object id and pid. Caller frees. */
char *nsf_snapshot(struct ns *ns);

#endif
