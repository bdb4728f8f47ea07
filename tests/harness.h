/* tests/harness.h: what every suite needs to test against real parts: a
 * real bpfpind on a temporary socket, state dir and mount, real kernel
 * maps and programs, and a scratch kernel bpffs to compare with. */
#ifndef BPFPIN_TESTS_HARNESS_H
#define BPFPIN_TESTS_HARNESS_H

#include <stdbool.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct th_daemon {
	pid_t pid;
	char dir[64];      /* temporary directory holding all of it */
	char sock[100];    /* dir/sock */
	char state[100];   /* dir/state (the store is state/store) */
	char mnt[100];     /* dir/mnt, or "" when started without a mount */
	char log[100];     /* dir/log: the daemon's stderr */
	bool mounted;      /* started with --mount */
	const char *const *extra;
};

/* Start the bpfpind of the build tree ($BPFPIND, set by make check) in the
 * foreground on a fresh temporary directory, with --mount d->mnt when
 * mount is true and --no-mount otherwise; return once its socket answers.
 * extra: more arguments (NULL-terminated array) or NULL. 0 or -errno. */
int th_daemon_start(struct th_daemon *d, bool mount, const char *const *extra);
/* Kill it with sig (SIGKILL: a crash) and start it again on the same
 * socket, state dir and mount point. */
int th_daemon_restart(struct th_daemon *d, int sig);
/* SIGTERM, wait, then remove the temporary directory (unmounting the
 * store and any mount left behind). Safe to call twice. Fails the test if
 * the daemon's log holds a sanitizer's report, or if the daemon (here or
 * at a restart) exited non-zero or died of a signal it was not sent. */
void th_daemon_stop(struct th_daemon *d);

/* Open file descriptors of a process (entries of /proc/PID/fd). */
int th_fd_count(pid_t pid);
/* Whether a SOCK_SEQPACKET socket at path takes a connection. */
bool th_socket_answers(const char *path);
/* Entries in d's store's staging dir (empty once every change is whole). */
int th_stage_entries(const struct th_daemon *d);

/* A real kernel map / program; fd or -errno. */
int th_map_create(int map_type, uint32_t key_size, uint32_t value_size,
		  uint32_t max_entries);
int th_prog_load(void);            /* a socket filter that returns 0 */

/* A scratch kernel bpffs mounted on a new temporary dir (written to dir,
 * at least 64 bytes), and its removal. */
int th_bpffs_mount(char *dir, size_t size);
void th_bpffs_umount(const char *dir);

/* Run a shell command; return its stdout (malloc'd, NUL-terminated) and
 * its wait status in *status (may be NULL). */
char *th_run(int *status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Read an fd to its end on a thread while the test writes the other end:
 * th_drain_start, then th_drain_join; buf is NUL-terminated (or NULL if
 * memory ran out) and the caller frees it. */
struct th_drain {
	int fd;
	char *buf;
	size_t len;
	pthread_t thread;
};
int th_drain_start(struct th_drain *d, int fd);
void th_drain_join(struct th_drain *d);

/* The daemon and the CLI of the build tree ($BPFPIND, $BPFPIN_CLI). */
const char *th_bpfpind(void);
const char *th_cli(void);

#endif
