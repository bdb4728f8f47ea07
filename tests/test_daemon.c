/* tests/test_daemon.c: bpfpind as a process: its options, a clean stop on
 * SIGTERM and SIGINT, pins that survive a SIGKILL and a restart, running
 * in the background, and the Python example client against it. */
#include "config.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpfpin/bpfpin.h>

#include "tests/harness.h"

TestSuite(daemon, .timeout = 120);

static bool statfs_is_fuse(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == 0x65735546;  /* FUSE */
}

Test(daemon, help_and_version)
{
	int st;
	char *out = th_run(&st, "%s --help", th_bpfpind());

	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	cr_expect(strstr(out, "--state-dir") && strstr(out, "--no-mount"), "%s", out);
	free(out);
	out = th_run(&st, "%s --version", th_bpfpind());
	cr_expect_str_eq(out, "bpfpind " PACKAGE_VERSION "\n");
	free(out);
	out = th_run(&st, "%s --bogus 2>&1", th_bpfpind());
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 2, "usage error exits 2");
	cr_expect(strstr(out, "--help") != NULL, "%s", out);
	free(out);
}

/* The soft "Max open files" of a process, from /proc/PID/limits. */
static long long soft_nofile(pid_t pid)
{
	char path[64], line[256];
	long long soft = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
	f = fopen(path, "re");
	cr_assert(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Max open files %lld", &soft) == 1)
			break;
	fclose(f);
	return soft;
}

/* Started with a soft RLIMIT_NOFILE of 1024 (systemd's default for a
 * service), the daemon raises it to the hard limit: its budgets are sized
 * for thousands of fds, and one uid's queued fds alone would fill 1024. */
Test(daemon, raises_its_soft_nofile_limit_to_the_hard_one)
{
	struct rlimit was, low;
	struct th_daemon d;

	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &was), 0);
	cr_assert_gt(was.rlim_max, 1024, "the hard limit leaves nothing to raise");
	low = (struct rlimit){ .rlim_cur = 1024, .rlim_max = was.rlim_max };
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	cr_assert_eq(th_daemon_start(&d, false, NULL), 0);
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &was), 0);
	cr_expect_eq(soft_nofile(d.pid), (long long)was.rlim_max);
	th_daemon_stop(&d);
}

/* A count is decimal digits only: an empty, signed, blank-led or
 * trailing-junk value, or one past the option's bound, is a usage error. */
Test(daemon, bad_counts_are_usage_errors)
{
	static const char *const bad[] = { "''", "' 5'", "+5", "-1", "5x", "16385" };
	static const char *const opts[] = { "--fd-cache", "--max-conns" };
	int st;

	for (size_t o = 0; o < 2; o++) {
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char *out = th_run(&st, "%s %s %s --help 2>&1", th_bpfpind(),
					   opts[o], bad[i]);

			cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 2, "%s %s: %s",
				  opts[o], bad[i], out);
			free(out);
		}
		free(th_run(&st, "%s %s 16384 --help >/dev/null", th_bpfpind(), opts[o]));
		cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s 16384", opts[o]);
	}
}

static void stops_cleanly_on(int sig)
{
	struct th_daemon d;
	int status;

	cr_assert_eq(th_daemon_start(&d, false, NULL), 0);
	cr_assert_eq(access(d.sock, F_OK), 0);
	kill(d.pid, sig);
	cr_assert_eq(waitpid(d.pid, &status, 0), d.pid);
	d.pid = 0;
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
	cr_expect_neq(access(d.sock, F_OK), 0, "the socket was removed");
	th_daemon_stop(&d);
}

Test(daemon, sigterm_stops_and_removes_socket) { stops_cleanly_on(SIGTERM); }
Test(daemon, sigint_stops_and_removes_socket) { stops_cleanly_on(SIGINT); }

static uint32_t id_of(int fd)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);

	cr_assert_eq(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	return info.id;
}

Test(daemon, pins_survive_sigkill_and_restart)
{
	struct th_daemon d;
	struct bpfpin *b;
	struct bpfpin_stat st;
	int map = th_map_create(BPF_MAP_TYPE_HASH, 4, 4, 8), fd;
	char target[64];

	cr_assert_eq(th_daemon_start(&d, false, NULL), 0);
	cr_assert_eq(bpfpin_connect(d.sock, &b), 0);
	cr_assert_eq(bpfpin_mkdir(b, "/keep", 0750), 0);
	cr_assert_eq(bpfpin_pin(b, map, "/keep/m", NULL), 0);
	cr_assert_eq(bpfpin_chown(b, "/keep/m", 12, 34), 0);
	cr_assert_eq(bpfpin_symlink(b, "keep/m", "/l"), 0);
	bpfpin_close(b);
	close(map);   /* only the daemon's store holds the map now */
	cr_assert_eq(th_daemon_restart(&d, SIGKILL), 0);
	cr_assert_eq(bpfpin_connect(d.sock, &b), 0);
	cr_assert_eq(bpfpin_stat(b, "/keep/m", &st), 0);
	cr_expect_eq(st.uid, 12);
	cr_expect_eq(st.gid, 34);
	cr_assert_eq(bpfpin_stat(b, "/keep", &st), 0);
	cr_expect_eq(st.mode & 07777, 0750);
	cr_assert_gt(bpfpin_readlink(b, "/l", target, sizeof(target)), 0);
	cr_expect_str_eq(target, "keep/m");
	fd = bpfpin_get(b, "/l", O_RDONLY);
	cr_assert_geq(fd, 0);
	cr_expect_gt(id_of(fd), 0);
	close(fd);
	bpfpin_close(b);
	th_daemon_stop(&d);
}

Test(daemon, background_mode_returns_once_serving)
{
	char dir[] = "/tmp/bpfpin-bg.XXXXXX", sock[64], pidline[32];
	struct bpfpin *b;
	int st;
	char *out;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/sock", dir);
	out = th_run(&st, "%s --socket %s --state-dir %s/state --no-mount 2>%s/log",
		     th_bpfpind(), sock, dir, dir);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", out);
	free(out);
	cr_expect_eq(bpfpin_connect(sock, &b), 0, "it serves as soon as the parent returned");
	bpfpin_close(b);
	out = th_run(NULL, "pgrep -f -- '--socket %s' | head -1", sock);
	snprintf(pidline, sizeof(pidline), "%s", out);
	free(out);
	cr_assert_gt(atoi(pidline), 0);
	kill(atoi(pidline), SIGTERM);
	for (int i = 0; i < 500 && access(sock, F_OK) == 0; i++)
		usleep(10000);
	cr_expect_neq(access(sock, F_OK), 0);
	free(th_run(NULL, "umount -l %s/state/store; rm -rf %s", dir, dir));
}

Test(daemon, python_example_client_works)
{
	struct th_daemon d;
	int st;
	char *out;

	cr_assert_eq(th_daemon_start(&d, false, NULL), 0);
	out = th_run(&st, "BPFPIN_SOCKET=%s sh %s/examples/python/test_example.sh 2>&1",
		     d.sock, getenv("BPFPIN_SRCDIR"));
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", out);
	free(out);
	th_daemon_stop(&d);
}

/* A fresh machine has no /run/bpfpin: the daemon makes the socket's
 * directory, its state dir and its mount point. */
Test(daemon, makes_missing_directories)
{
	char dir[] = "/tmp/bpfpin-dirs.XXXXXX", path[128];
	struct bpfpin *b = NULL;
	struct stat st;
	pid_t pid;

	cr_assert_not_null(mkdtemp(dir));
	if ((pid = fork()) == 0) {
		char sock[96], state[96], mnt[96];

		snprintf(sock, sizeof(sock), "%s/run/a/sock", dir);
		snprintf(state, sizeof(state), "%s/lib/b/state", dir);
		snprintf(mnt, sizeof(mnt), "%s/run/a/fs", dir);
		close_range(3, ~0U, 0);
		execl(th_bpfpind(), "bpfpind", "-f", "--socket", sock, "--state-dir",
		      state, "--mount", mnt, (char *)NULL);
		_exit(127);
	}
	snprintf(path, sizeof(path), "%s/run/a/sock", dir);
	for (int i = 0; i < 500 && bpfpin_connect(path, &b) < 0; i++)
		usleep(10000);
	cr_expect_not_null(b, "the daemon serves on %s", path);
	bpfpin_close(b);
	snprintf(path, sizeof(path), "%s/lib/b/state", dir);
	cr_expect(stat(path, &st) == 0 && (st.st_mode & 07777) == 0700);
	snprintf(path, sizeof(path), "%s/run/a/fs", dir);
	cr_expect(statfs_is_fuse(path), "mounted on %s", path);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	free(th_run(NULL, "umount -l %s/lib/b/state/store; rm -rf --one-file-system %s",
		    dir, dir));
}

/* Socket activation, as systemd does it: the listening socket arrives as
 * fd 3 with LISTEN_FDS=1 and LISTEN_PID; the daemon serves it rather than
 * binding --socket. */
static int bind_seqpacket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 16) < 0)
		return -1;
	return fd;
}

Test(daemon, serves_a_socket_passed_by_systemd)
{
	char dir[] = "/tmp/bpfpin-act.XXXXXX", path[96], unused[96];
	struct bpfpin *b = NULL;
	pid_t pid;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/activated", dir);
	snprintf(unused, sizeof(unused), "%s/unused", dir);
	if ((pid = fork()) == 0) {
		char state[96], pidstr[16];
		int fd = bind_seqpacket(path);

		snprintf(state, sizeof(state), "%s/state", dir);
		snprintf(pidstr, sizeof(pidstr), "%d", (int)getpid());
		if (fd < 0 || dup2(fd, 3) < 0)
			_exit(126);
		close_range(4, ~0U, 0);
		setenv("LISTEN_FDS", "1", 1);
		setenv("LISTEN_PID", pidstr, 1);
		execl(th_bpfpind(), "bpfpind", "-f", "--socket", unused,
		      "--state-dir", state, "--no-mount", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500 && bpfpin_connect(path, &b) < 0; i++)
		usleep(10000);
	cr_expect_not_null(b, "the daemon serves the socket it was passed");
	cr_expect_neq(access(unused, F_OK), 0, "and binds no socket of its own");
	bpfpin_close(b);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	free(th_run(NULL, "umount -l %s/state/store; rm -rf --one-file-system %s",
		    dir, dir));
}
