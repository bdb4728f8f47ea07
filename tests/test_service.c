/* tests/test_service.c: bpfpind as a system daemon, against the real
 * daemon of the build tree: its configuration file (bpfpind.conf(5):
 * every error named by FILE:LINE, exit 2; the command line wins), SIGHUP
 * (a limit applied live, a bad file refused with the running config kept,
 * the log file reopened), the locks on its state dir and socket (a second
 * daemon fails at once naming the first one's pid and touches nothing of
 * it), and the drain at SIGTERM (a slow load in flight is answered). */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpfpin/bpfpin.h>

#include "tests/harness.h"

TestSuite(service, .timeout = 120);

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
	chmod(path, 0644);   /* whatever the umask: a file others may write is refused */
}

/* Run bpfpind with a config file holding text (and args after it):
 * its exit status and output (stderr). */
static char *run_with_config(const char *text, const char *args, int *status)
{
	char dir[] = "/tmp/bpfpin-conf.XXXXXX", conf[64];
	char *out;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/bpfpind.conf", dir);
	write_file(conf, text);
	out = th_run(status, "cd %s && timeout 10 %s -f --config bpfpind.conf "
		     "--socket %s/sock --state-dir %s/state --no-mount %s 2>&1",
		     dir, th_bpfpind(), dir, dir, args);
	free(th_run(NULL, "umount -l %s/state/store 2>/dev/null; rm -rf --one-file-system %s",
		    dir, dir));
	return out;
}

static void refused(const char *text, const char *want)
{
	int st;
	char *out = run_with_config(text, "", &st);

	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 2, "exit 2 for %s: %s", want, out);
	cr_expect(strstr(out, want) != NULL, "want '%s' in: %s", want, out);
	free(out);
}

/* Each kind of bad line is refused at start with its file and line. */
Test(service, bad_config_lines_are_refused_with_their_line)
{
	char big[1200];

	refused("# ok\n\nmax-conns = 5\nbogus = 1\n",
		"bpfpind.conf:4: unknown option 'bogus'");
	refused("max-conns = 5x\n", "bpfpind.conf:1: max-conns: not a count");
	refused("max-conns = 16385\n", "bpfpind.conf:1: max-conns: not a count from 0 to 16384");
	refused("log-level = loud\n", "bpfpind.conf:1: log-level:");
	refused("\n\nfd-cache\n", "bpfpind.conf:3: fd-cache needs a value");
	refused("fd-cache =   \n", "bpfpind.conf:1: fd-cache needs a value");
	refused("no-mount = yes\n", "bpfpind.conf:1: no-mount is a flag");
	refused("config = /etc/x\n", "bpfpind.conf:1: 'config' is not allowed");
	refused("help\n", "bpfpind.conf:1: 'help' is not allowed");
	memset(big, 'a', sizeof(big) - 2);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	refused(big, "bpfpind.conf:1: line longer than 1024 bytes");
}

Test(service, oversized_or_missing_config_is_refused)
{
	char *text = malloc(70000), *out;
	int st;

	cr_assert_not_null(text);
	for (size_t i = 0; i < 69999; i++)
		text[i] = i % 20 == 19 ? '\n' : '#';
	text[69999] = '\0';
	refused(text, "bpfpind.conf: larger than 65536 bytes");
	free(text);
	out = th_run(&st, "%s -f --config /nonexistent/bpfpind.conf --no-mount 2>&1",
		     th_bpfpind());
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 2, "%s", out);
	cr_expect(strstr(out, "/nonexistent/bpfpind.conf: No such file") != NULL, "%s", out);
	free(out);
}

/* The file is as hostile as a client: binary junk, a NUL byte, a device,
 * a directory, or a file others may write are refused, never crash it. */
Test(service, hostile_config_files_are_refused)
{
	char dir[] = "/tmp/bpfpin-hostile.XXXXXX", path[80];
	const char *const what[] = { "/dev/zero", "/dev/null", "/tmp", path };
	int st;
	char *out;

	refused("max-conns = 5\n\x01\x02\xff\xfe = \x80\n", "bpfpind.conf:2: unknown option");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/open.conf", dir);
	write_file(path, "max-conns = 5\n");
	chmod(path, 0666);
	for (size_t i = 0; i < sizeof(what) / sizeof(what[0]); i++) {
		out = th_run(&st, "timeout 10 %s -f --config %s --no-mount 2>&1",
			     th_bpfpind(), what[i]);
		cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 2, "%s: %s", what[i], out);
		cr_expect(strstr(out, i < 3 ? "not a regular file" : "writable by group or others"),
			  "%s: %s", what[i], out);
		free(out);
	}
	/* a NUL byte inside a line */
	out = th_run(&st, "printf 'max-conns = 5\\000junk\\n' > %s/nul.conf; chmod 644 %s/nul.conf; "
		     "timeout 10 %s -f --config %s/nul.conf --no-mount 2>&1",
		     dir, dir, th_bpfpind(), dir);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 2, "%s", out);
	cr_expect(strstr(out, "nul.conf:1: a NUL byte") != NULL, "%s", out);
	free(out);
	free(th_run(NULL, "rm -rf %s", dir));
}

/* The limit on nodes one uid may own, as `bpfpin limits uid 4242` says. */
static long nodes_limit(const struct th_daemon *d)
{
	char *out = th_run(NULL, "%s -s %s limits uid 4242 | awk '$1 == \"nodes\" { print $NF }'",
			   th_cli(), d->sock);
	long v = out && out[0] >= '0' && out[0] <= '9' ? strtol(out, NULL, 10) : -1;

	free(out);
	return v;
}

static long wait_nodes_limit(const struct th_daemon *d, long want)
{
	long v = -1;

	for (int i = 0; i < 200 && (v = nodes_limit(d)) != want; i++)
		usleep(10000);
	return v;
}

struct conf_daemon {
	struct th_daemon d;
	char conf[128];
	const char *extra[8];
};

/* A daemon reading the config file text (in a directory of its own, which
 * outlives the daemon's), with more arguments after --config. */
static void start_with_config(struct conf_daemon *c, const char *text,
			      const char *more)
{
	static char dir[] = "/tmp/bpfpin-confd.XXXXXX";

	strcpy(dir, "/tmp/bpfpin-confd.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(c->conf, sizeof(c->conf), "%s/bpfpind.conf", dir);
	write_file(c->conf, text);
	c->extra[0] = "--config";
	c->extra[1] = c->conf;
	c->extra[2] = more ? more : NULL;
	c->extra[3] = more ? strchr(more, '\0') + 1 : NULL;
	c->extra[4] = NULL;
	cr_assert_eq(th_daemon_start(&c->d, false, c->extra), 0);
}

static void stop_with_config(struct conf_daemon *c)
{
	char *slash;

	th_daemon_stop(&c->d);
	slash = strrchr(c->conf, '/');
	*slash = '\0';
	free(th_run(NULL, "rm -rf %s", c->conf));
}

/* The file's options apply, and the command line wins over the file. */
Test(service, config_applies_and_command_line_wins)
{
	struct conf_daemon c;

	start_with_config(&c, "max-nodes-per-uid = 5\n", NULL);
	cr_expect_eq(nodes_limit(&c.d), 5);
	stop_with_config(&c);
	start_with_config(&c, "max-nodes-per-uid = 5\n", "--max-nodes-per-uid\0" "6");
	cr_expect_eq(nodes_limit(&c.d), 6);
	stop_with_config(&c);
}

static bool log_has(const struct th_daemon *d, const char *what)
{
	char *out = th_run(NULL, "cat %s", d->log);
	bool has = out && strstr(out, what);

	free(out);
	return has;
}

static bool wait_log(const struct th_daemon *d, const char *what)
{
	for (int i = 0; i < 200; i++) {
		if (log_has(d, what))
			return true;
		usleep(10000);
	}
	return false;
}

/* SIGHUP: a changed limit applies live (same process); a bad file is
 * refused with its line and changes nothing; the command line still wins
 * over the file at a reload. */
Test(service, sighup_reloads_live_and_keeps_config_on_a_bad_file)
{
	struct conf_daemon c;
	char want[200];

	start_with_config(&c, "max-nodes-per-uid = 5\n", "--max-conns\0" "33");
	cr_assert_eq(nodes_limit(&c.d), 5);
	write_file(c.conf, "# raised\nmax-nodes-per-uid = 9\nmax-conns = 1\n");
	cr_assert_eq(kill(c.d.pid, SIGHUP), 0);
	cr_expect_eq(wait_nodes_limit(&c.d, 9), 9, "the new limit applies live");
	cr_expect(kill(c.d.pid, 0) == 0, "the same daemon runs");
	write_file(c.conf, "max-nodes-per-uid = 11\nmax-conns = 2x\n");
	cr_assert_eq(kill(c.d.pid, SIGHUP), 0);
	snprintf(want, sizeof(want), "%s:2: max-conns: not a count", c.conf);
	cr_expect(wait_log(&c.d, want), "the reload names the bad line");
	cr_expect(log_has(&c.d, "the running configuration is kept"));
	cr_expect_eq(nodes_limit(&c.d), 9, "nothing of the bad file applied");
	/* --max-conns 33 on the command line beats the file's 1 at the
	 * reload that applied the file: two connections are served */
	{
		struct bpfpin *b1, *b2;
		struct bpfpin_stat st;

		cr_assert_eq(bpfpin_connect(c.d.sock, &b1), 0);
		cr_assert_eq(bpfpin_connect(c.d.sock, &b2), 0);
		cr_expect_eq(bpfpin_stat(b1, "/", &st), 0);
		cr_expect_eq(bpfpin_stat(b2, "/", &st), 0, "%s", bpfpin_errmsg(b2));
		bpfpin_close(b1);
		bpfpin_close(b2);
	}
	stop_with_config(&c);
}

/* A daemon whose every option comes from its config file conf (no
 * --socket or --state-dir on the command line to win over it), its
 * stderr to log. */
static pid_t spawn_from_config(const char *conf, const char *log)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		dup2(fd, STDERR_FILENO);
		close_range(3, ~0U, 0);
		execl(th_bpfpind(), "bpfpind", "--config", conf, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static bool answers(const char *sock)
{
	struct bpfpin *b;
	struct bpfpin_stat st;
	bool ok = bpfpin_connect(sock, &b) == 0 && bpfpin_stat(b, "/", &st) == 0;

	if (b)
		bpfpin_close(b);
	return ok;
}

/* A socket, state dir, mount or foreground changed in the file: logged as
 * needing a restart, and the daemon goes on as it was. */
Test(service, sighup_keeps_fixed_options_and_says_so)
{
	char dir[] = "/tmp/bpfpin-fixed.XXXXXX", conf[64], log[64], text[512];
	char sock[64], sock2[64], *out;
	struct th_daemon d = { 0 };
	pid_t pid;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/bpfpind.conf", dir);
	snprintf(log, sizeof(log), "%s/log", dir);
	snprintf(sock, sizeof(sock), "%s/sock", dir);
	snprintf(sock2, sizeof(sock2), "%s/sock2", dir);
	snprintf(text, sizeof(text), "socket = %s\nstate-dir = %s/state\nno-mount\n"
		 "foreground\nmax-nodes-per-uid = 3\n", sock, dir);
	write_file(conf, text);
	pid = spawn_from_config(conf, log);
	cr_assert_gt(pid, 0);
	for (int i = 0; i < 500 && !answers(sock); i++)
		usleep(10000);
	cr_assert(answers(sock), "serves on the file's socket");
	snprintf(text, sizeof(text), "socket = %s\nstate-dir = %s/state\nno-mount\n"
		 "foreground\nmax-nodes-per-uid = 8\n", sock2, dir);
	write_file(conf, text);
	snprintf(d.sock, sizeof(d.sock), "%s", sock);
	snprintf(d.log, sizeof(d.log), "%s", log);
	kill(pid, SIGHUP);
	cr_expect_eq(wait_nodes_limit(&d, 8), 8, "the limit applies");
	out = th_run(NULL, "grep -c 'reload: socket changed (%s to %s): needs a restart' %s",
		     sock, sock2, log);
	cr_expect_str_eq(out, "1\n", "the socket change is reported");
	free(out);
	cr_expect(answers(sock), "still on the old socket");
	cr_expect_neq(access(sock2, F_OK), 0, "nothing bound on the new one");
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	free(th_run(NULL, "umount -l %s/state/store; rm -rf --one-file-system %s", dir, dir));
}

/* --log-file: the log goes there, and SIGHUP reopens it (logrotate moves
 * the file, then signals). */
Test(service, sighup_reopens_the_log_file)
{
	struct conf_daemon c;
	char logf[160], moved[170];
	struct stat st;

	start_with_config(&c, "", NULL);
	th_daemon_stop(&c.d);
	snprintf(logf, sizeof(logf), "%s.log", c.conf);
	snprintf(moved, sizeof(moved), "%s.1", logf);
	{
		const char *extra[] = { "--log-file", logf, NULL };

		cr_assert_eq(th_daemon_start(&c.d, false, extra), 0);
		cr_expect(stat(logf, &st) == 0 && st.st_size > 0, "logs go to --log-file");
		cr_assert_eq(rename(logf, moved), 0);
		cr_assert_eq(kill(c.d.pid, SIGHUP), 0);
		for (int i = 0; i < 200 && stat(logf, &st) < 0; i++)
			usleep(10000);
		cr_expect(stat(logf, &st) == 0, "reopened at SIGHUP");
		free(th_run(NULL, "sleep 0.2"));
		cr_expect(stat(logf, &st) == 0 && st.st_size > 0, "and written to");
		th_daemon_stop(&c.d);
	}
	unlink(logf);
	unlink(moved);
	stop_with_config(&c);
}

static uint32_t pinned_id(const char *sock, const char *path)
{
	struct bpfpin *b;
	struct bpfpin_stat st;
	uint32_t id = 0;

	cr_assert_eq(bpfpin_connect(sock, &b), 0);
	if (bpfpin_stat(b, path, &st) == 0)
		id = st.obj_id;
	bpfpin_close(b);
	return id;
}

/* A second bpfpind on the first one's state dir or socket: it fails at
 * once, naming the first one's pid, and the first one serves on with its
 * store as it was. */
static void second_fails(const struct th_daemon *d, const char *sock,
			 const char *state, const char *in_use)
{
	char want[200];
	double t0 = now();
	int st;
	char *out = th_run(&st, "timeout 10 %s -f --socket %s --state-dir %s --no-mount 2>&1",
			   th_bpfpind(), sock, state);

	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 1, "status %d: %s", st, out);
	cr_expect_lt(now() - t0, 2.0, "it fails at once");
	snprintf(want, sizeof(want), "%s is in use by bpfpind pid %d", in_use, (int)d->pid);
	cr_expect(strstr(out, want) != NULL, "want '%s' in: %s", want, out);
	free(out);
}

Test(service, a_second_daemon_on_the_same_state_dir_or_socket_fails)
{
	struct th_daemon d;
	struct bpfpin *b;
	char other[128], store[160];
	int map = th_map_create(1 /* hash */, 4, 4, 8);
	uint32_t id;
	struct stat st;

	cr_assert_eq(th_daemon_start(&d, false, NULL), 0);
	cr_assert_eq(bpfpin_connect(d.sock, &b), 0);
	cr_assert_eq(bpfpin_pin(b, map, "/m", NULL), 0);
	bpfpin_close(b);
	close(map);
	id = pinned_id(d.sock, "/m");
	cr_assert_gt(id, 0);

	snprintf(other, sizeof(other), "%s/other-sock", d.dir);
	second_fails(&d, other, d.state, d.state);
	cr_expect_neq(access(other, F_OK), 0, "the second bound no socket");
	snprintf(other, sizeof(other), "%s/other-state", d.dir);
	second_fails(&d, d.sock, other, d.sock);
	snprintf(store, sizeof(store), "%s/store", other);
	cr_expect(stat(store, &st) < 0, "the second opened no store of its own");
	umount2(store, MNT_DETACH);   /* if it did, nothing is left behind */

	cr_expect_eq(pinned_id(d.sock, "/m"), id, "the first serves on, its pin as it was");
	th_daemon_stop(&d);
}

/* A crashed daemon leaves no stale lock: the kernel drops it. */
Test(service, a_killed_daemon_leaves_no_lock)
{
	struct th_daemon d;

	cr_assert_eq(th_daemon_start(&d, false, NULL), 0);
	cr_expect_eq(th_daemon_restart(&d, SIGKILL), 0, "the next daemon starts");
	th_daemon_stop(&d);
}

struct slow_load {
	const char *sock;
	int r;
	bool connected;
};

static void *slow_thread(void *arg)
{
	struct slow_load *s = arg;
	struct bpfpin *c;
	int fd = open(LOAD_PROGS_DIR "/load_slow.bpf.o", O_RDONLY | O_CLOEXEC);

	s->r = bpfpin_connect(s->sock, &c);
	if (s->r == 0) {
		__atomic_store_n(&s->connected, true, __ATOMIC_SEQ_CST);
		s->r = bpfpin_load(c, fd, "/slow", NULL);
		bpfpin_close(c);
	}
	close(fd);
	return NULL;
}

/* Whether root has a request in flight besides the `limits` asking. */
static bool load_in_flight(const struct th_daemon *d)
{
	for (int i = 0; i < 500; i++) {
		char *out = th_run(NULL, "%s -s %s limits | awk '$1 == \"requests\" { print $2 }'",
				   th_cli(), d->sock);
		bool yes = out && atoi(out) >= 2;

		free(out);
		if (yes)
			return true;
		usleep(2000);
	}
	return false;
}

/* SIGTERM while a load (over a second of verification, answered later by
 * its job) is in flight: the daemon stops accepting, answers the load,
 * then exits 0; the loaded programs are in the store at the next start. */
Test(service, sigterm_drains_a_load_in_flight)
{
	struct slow_load s = { 0 };
	struct th_daemon d;
	struct bpfpin *b = NULL;
	pthread_t t;
	int status;
	double t0;

	cr_assert_eq(th_daemon_start(&d, false, NULL), 0);
	s.sock = d.sock;
	cr_assert_eq(pthread_create(&t, NULL, slow_thread, &s), 0);
	while (!__atomic_load_n(&s.connected, __ATOMIC_SEQ_CST))
		usleep(1000);
	cr_assert(load_in_flight(&d), "the load is being served");
	t0 = now();
	cr_assert_eq(kill(d.pid, SIGTERM), 0);
	usleep(50000);
	cr_expect_neq(bpfpin_connect(d.sock, &b), 0, "no new connection while draining");
	if (b)
		bpfpin_close(b);
	pthread_join(t, NULL);
	cr_expect_eq(s.r, 0, "the load in flight was answered: %d", s.r);
	cr_assert_eq(waitpid(d.pid, &status, 0), d.pid);
	d.pid = 0;
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
	cr_expect_lt(now() - t0, 6.0, "within the drain's bound");
	cr_assert_eq(th_daemon_restart(&d, 0), 0);
	cr_expect_gt(pinned_id(d.sock, "/slow/slow"), 0, "what it loaded is kept");
	th_daemon_stop(&d);
}

/* bpfpind.conf(5) documents every option the file takes: each long option
 * of --help (but config, help and version) has its entry there. */
Test(service, the_man_page_lists_every_option)
{
	char *help = th_run(NULL, "'%s' --help", th_bpfpind());
	char *page = th_run(NULL, "cat '%s/doc/man/bpfpind.conf.5'",
			    getenv("BPFPIN_SRCDIR") ? getenv("BPFPIN_SRCDIR") : "..");
	unsigned seen = 0;

	cr_assert(help && page && *page);
	for (char *p = help; (p = strstr(p, "--")); ) {
		char name[64], esc[160], *e = esc;
		size_t n = 0;

		for (p += 2; n < sizeof(name) - 1 && (p[0] == '-' || (p[0] >= 'a' && p[0] <= 'z')); p++)
			name[n++] = *p;
		name[n] = '\0';
		if (!n || !strcmp(name, "config") || !strcmp(name, "help") ||
		    !strcmp(name, "version"))
			continue;
		for (const char *c = name; *c; c++) {
			if (*c == '-')
				*e++ = '\\';
			*e++ = *c;
		}
		*e = '\0';
		cr_expect(strstr(page, esc), "bpfpind.conf(5) does not name %s", name);
		seen++;
	}
	cr_expect_gt(seen, 20, "only %u options in --help", seen);
	free(help);
	free(page);
}
