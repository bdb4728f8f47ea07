/* tests/harness.c: real parts for the suites: a real bpfpind started from
 * the build tree on a temporary directory, real kernel maps and programs,
 * scratch kernel bpffs mounts, and shell commands. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "tests/harness.h"

#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC 0x65735546
#endif

const char *th_bpfpind(void)
{
	const char *p = getenv("BPFPIND");

	return p ? p : "../daemon/bpfpind";
}

const char *th_cli(void)
{
	const char *p = getenv("BPFPIN_CLI");

	return p ? p : "../cli/bpfpin";
}

static void exec_daemon(const struct th_daemon *d)
{
	char conf[sizeof(d->dir) + 16];
	/* an empty configuration file: never the host's (a later --config
	 * among the extra arguments wins) */
	const char *argv[32] = { th_bpfpind(), "--foreground", "--socket", d->sock,
				 "--state-dir", d->state, "--log-level", "debug",
				 "--config", conf };
	int n = 10, fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	snprintf(conf, sizeof(conf), "%s/empty.conf", d->dir);
	close(open(conf, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));

	if (d->mounted) {
		argv[n++] = "--mount";
		argv[n++] = d->mnt;
	} else {
		argv[n++] = "--no-mount";
	}
	for (int i = 0; d->extra && d->extra[i] && n < 31; i++)
		argv[n++] = d->extra[i];
	if (fd >= 0)
		dup2(fd, STDERR_FILENO);
	/* the daemon starts with stdio only, as under systemd */
	close_range(3, ~0U, 0);
	execv(argv[0], (char *const *)argv);
	_exit(127);
}

bool th_socket_answers(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	bool ok;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

int th_stage_entries(const struct th_daemon *d)
{
	char path[256];
	struct dirent *de;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/store/stage", d->state);
	if (!(dir = opendir(path)))
		return -errno;
	while ((de = readdir(dir)))
		n += de->d_name[0] != '.';
	closedir(dir);
	return n;
}

static bool is_mounted(const char *dir)
{
	struct statfs sf;

	return statfs(dir, &sf) == 0 && sf.f_type == FUSE_SUPER_MAGIC;
}

/* Wait up to 20 s for the daemon to serve (and mount); -ECHILD if it died. */
static int wait_ready(struct th_daemon *d)
{
	for (int i = 0; i < 2000; i++) {
		int status;

		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			d->pid = 0;
			return -ECHILD;
		}
		if (th_socket_answers(d->sock) && (!d->mounted || is_mounted(d->mnt)))
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

static int spawn(struct th_daemon *d)
{
	d->pid = fork();
	if (d->pid < 0)
		return -errno;
	if (d->pid == 0)
		exec_daemon(d);
	return wait_ready(d);
}

int th_daemon_start(struct th_daemon *d, bool mount, const char *const *extra)
{
	memset(d, 0, sizeof(*d));
	strcpy(d->dir, "/tmp/bpfpin-test.XXXXXX");
	if (!mkdtemp(d->dir))
		return -errno;
	chmod(d->dir, 0755);   /* unprivileged tests reach the socket and mount */
	snprintf(d->sock, sizeof(d->sock), "%s/sock", d->dir);
	snprintf(d->state, sizeof(d->state), "%s/state", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/log", d->dir);
	if (mount) {
		snprintf(d->mnt, sizeof(d->mnt), "%s/mnt", d->dir);
		mkdir(d->mnt, 0755);
	}
	d->mounted = mount;
	d->extra = extra;
	return spawn(d);
}

static void log_note(const struct th_daemon *d, const char *what, int v)
{
	FILE *f = fopen(d->log, "ae");

	if (!f)
		return;
	fprintf(f, "th_daemon: bpfpind %s %d\n", what, v);
	fclose(f);
}

/* An end the test did not ask for (a non-zero exit: a sanitizer's exit
 * code; a signal other than sig) is written into the daemon's log, where
 * th_daemon_stop finds it. */
static void note_exit(const struct th_daemon *d, int sig, int status)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		log_note(d, "exited with status", WEXITSTATUS(status));
	else if (WIFSIGNALED(status) && WTERMSIG(status) != sig)
		log_note(d, "killed by signal", WTERMSIG(status));
}

static void reap(struct th_daemon *d, int sig)
{
	int status;

	if (d->pid <= 0)
		return;
	kill(d->pid, sig);
	for (int i = 0; i < 1000; i++) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			note_exit(d, sig, status);
			d->pid = 0;
			return;
		}
		usleep(10000);
	}
	log_note(d, "did not exit within 10 s of signal", sig);
	kill(d->pid, SIGKILL);
	waitpid(d->pid, NULL, 0);
	d->pid = 0;
}

int th_daemon_restart(struct th_daemon *d, int sig)
{
	reap(d, sig);
	return spawn(d);
}

/* The daemon runs sanitized in the sanitizer build (quickstart.sh test
 * --sanitize) and its reports go to its stderr, the log: any report, or
 * an exit note_exit() wrote, fails the test that ran it. */
static void check_log(const struct th_daemon *d)
{
	int status;
	char *found = th_run(&status, "sed -n '/ERROR: [A-Za-z]*Sanitizer\\|"
			     "runtime error:\\|^th_daemon: /,$p' '%s' | head -n 200",
			     d->log);

	if (found && found[0]) {
		cr_log_error("bpfpind's log %s:\n%s", d->log, found);
		free(found);
		cr_assert_fail("bpfpind reported an error or exited badly (log above)");
	}
	free(found);
}

void th_daemon_stop(struct th_daemon *d)
{
	char store[256];

	if (!d->dir[0])
		return;
	reap(d, SIGTERM);
	check_log(d);
	if (d->mnt[0])
		umount2(d->mnt, MNT_DETACH);
	snprintf(store, sizeof(store), "%s/store", d->state);
	umount2(store, MNT_DETACH);
	free(th_run(NULL, "rm -rf --one-file-system '%s'", d->dir));
	d->dir[0] = '\0';
}

int th_fd_count(pid_t pid)
{
	char path[64];
	struct dirent *de;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if (!(dir = opendir(path)))
		return -errno;
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			n++;
	closedir(dir);
	return pid == getpid() ? n - 1 : n;
}

int th_map_create(int map_type, uint32_t key_size, uint32_t value_size,
		  uint32_t max_entries)
{
	int fd = bpf_map_create(map_type, "th_map", key_size, value_size,
				max_entries, NULL);

	return fd < 0 ? -errno : fd;
}

int th_prog_load(void)
{
	const struct bpf_insn insns[] = {
		{ .code = 0xb7, .dst_reg = 0, .imm = 0 },   /* r0 = 0 */
		{ .code = 0x95 },                           /* exit */
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "th_prog", "GPL",
			       insns, 2, NULL);

	return fd < 0 ? -errno : fd;
}

int th_bpffs_mount(char *dir, size_t size)
{
	if (size < 64)
		return -EINVAL;
	snprintf(dir, size, "/tmp/bpfpin-bpffs.XXXXXX");
	if (!mkdtemp(dir))
		return -errno;
	if (mount("bpf", dir, "bpf", 0, NULL) < 0) {
		int r = -errno;

		rmdir(dir);
		return r;
	}
	return 0;
}

void th_bpffs_umount(const char *dir)
{
	umount2(dir, MNT_DETACH);
	rmdir(dir);
}

char *th_run(int *status, const char *fmt, ...)
{
	char cmd[8192];
	size_t len = 0, cap = 4096;
	char *out = malloc(cap);
	va_list ap;
	FILE *p;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "re");
	if (!p || !out) {
		free(out);
		return NULL;
	}
	for (size_t n; (n = fread(out + len, 1, cap - len - 1, p)) > 0;) {
		char *bigger;

		len += n;
		if (len + 1 < cap)
			continue;
		if (!(bigger = realloc(out, cap * 2)))
			break;
		out = bigger;
		cap *= 2;
	}
	st = pclose(p);
	if (status)
		*status = st;
	out[len] = '\0';
	return out;
}

static void *drain(void *arg)
{
	struct th_drain *d = arg;
	size_t cap = 1 << 20;
	ssize_t n;

	d->buf = malloc(cap);
	while (d->buf && (n = read(d->fd, d->buf + d->len, cap - d->len - 1)) > 0) {
		char *bigger;

		d->len += (size_t)n;
		if (cap - d->len > 65536)
			continue;
		if (!(bigger = realloc(d->buf, cap * 2)))
			break;
		d->buf = bigger;
		cap *= 2;
	}
	if (d->buf)
		d->buf[d->len] = '\0';
	return NULL;
}

int th_drain_start(struct th_drain *d, int fd)
{
	*d = (struct th_drain){ .fd = fd };
	return -pthread_create(&d->thread, NULL, drain, d);
}

void th_drain_join(struct th_drain *d)
{
	pthread_join(d->thread, NULL);
}
