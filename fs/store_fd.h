/* fs/store_fd.h: the store.h API over systemd's fd store (fs/store_fd.c),
 * for fs/store.c to dispatch to when the store's kind is STORE_FDSTORE.
 * Same contracts as the functions of store.h they stand for. */
#ifndef BPFPIN_FS_STORE_FD_H
#define BPFPIN_FS_STORE_FD_H

#include <stdbool.h>

#include "fs/store.h"

/* Whether store_use_fdstore() asked for an fd store. */
bool store_fd_wanted(void);
/* Whether path is one of the open fd store's. */
bool store_fd_owns(const char *path);

int store_fd_open(struct store *s, const char *dir, bool *fresh);
void store_fd_close(struct store *s);
int store_fd_create(struct store *s, const char *path,
		    const struct store_new *nw, struct stat *st);
int store_fd_change(struct store *s, const char *path,
		    const struct store_attr *to);
int store_fd_get(const char *path, int accmode);
int store_fd_remove(const char *path, bool dir);
int store_fd_rename(const char *from, const char *to, unsigned flags);
int store_fd_link(const char *from, const char *to);
int store_fd_lstat(const char *path, struct stat *st);
int store_fd_walk(const struct store *s, void *root, store_walk_fn fn,
		  void *arg);

#endif
