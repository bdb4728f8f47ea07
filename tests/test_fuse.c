/* tests/test_fuse.c: the FUSE face of a real bpfpind, used with ordinary
 * tools: creations refused and ls -l output as on a kernel bpffs, pins read
 * as JSON (compared with bpftool), permissions as an unprivileged user,
 * xattrs, RPC changes seen within the cache timeout, crash and restart,
 * another mount namespace, unmount while busy, and big dumps: streamed
 * from a spool file on disk while they are written, without stalling
 * other requests, interruptible, one whole document per reader. */
#include "config.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpfpin/bpfpin.h>
#include <json-c/json.h>

#include "tests/harness.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
/* The mount's entry and attribute timeout (fs/fuse_int.h) plus slack. */
#define COHERENCE_MS 1500

static struct th_daemon d;
static struct bpfpin *b;
static int map = -1;
static char kroot[128];   /* a scratch kernel bpffs, when a test wants one */

static void start(void)
{
	umask(022);
	cr_assert_eq(th_daemon_start(&d, true, NULL), 0);
	cr_assert_eq(bpfpin_connect(d.sock, &b), 0);
	map = th_map_create(BPF_MAP_TYPE_HASH, 4, 8, 16);
	cr_assert_geq(map, 0);
}

static void stop(void)
{
	if (kroot[0])
		th_bpffs_umount(kroot);
	kroot[0] = '\0';
	bpfpin_close(b);
	b = NULL;
	if (map >= 0)
		close(map);
	map = -1;
	th_daemon_stop(&d);
}

static void kernel_bpffs(void)
{
	cr_assert_eq(th_bpffs_mount(kroot, sizeof(kroot)), 0);
}

static char *mnt_path(char *buf, size_t size, const char *rel)
{
	snprintf(buf, size, "%s%s", d.mnt, rel);
	return buf;
}

/* Map, program and link infos all begin with the type and the id. */
static uint32_t obj_id(int fd)
{
	struct { __u32 type, id; } info = { 0 };
	__u32 len = sizeof(info);

	cr_assert_eq(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	return info.id;
}

static void fill_map(int fd, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++) {
		uint64_t v = (uint64_t)k * 1000003;

		cr_assert_eq(bpf_map_update_elem(fd, &k, &v, BPF_ANY), 0);
	}
}

/* Whole contents of a file read with read(2), NUL-terminated. */
static char *slurp(const char *path, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
	while ((r = read(fd, buf + n, cap - n - 1)) > 0) {
		n += r;
		if (n + 1 == cap)
			buf = realloc(buf, cap *= 2);
	}
	cr_assert_eq(r, 0, "read %s: %s", path, strerror(errno));
	close(fd);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static json_object *parse(const char *text)
{
	json_object *o = json_tokener_parse(text);

	cr_assert_not_null(o, "not JSON: %.200s", text);
	return o;
}

static char *run(int *status, const char *cmd)
{
	char *out = th_run(status, "%s", cmd);

	cr_assert_not_null(out);
	return out;
}

/* The same shell command in a directory of the mount and of a kernel
 * bpffs: same output (relative paths keep messages identical). */
static void expect_same_shell(const char *kdir, const char *mdir,
			      const char *cmd)
{
	char line[1024];
	int ks, ms;
	char *ko, *mo;

	snprintf(line, sizeof(line), "cd '%s' && LC_ALL=C %s 2>&1", kdir, cmd);
	ko = run(&ks, line);
	snprintf(line, sizeof(line), "cd '%s' && LC_ALL=C %s 2>&1", mdir, cmd);
	mo = run(&ms, line);
	cr_expect_str_eq(mo, ko, "%s\non the mount:\n%s\non bpffs:\n%s", cmd,
			 mo, ko);
	cr_expect_eq(ms, ks, "%s: status %d on the mount, %d on bpffs", cmd,
		     ms, ks);
	free(ko);
	free(mo);
}

TestSuite(fuse, .init = start, .fini = stop, .timeout = 120);

Test(fuse, shell_creations_fail_as_on_bpffs)
{
	static const char *const cmds[] = {
		"touch x", "sh -c 'echo hi > y'", "cp /etc/hostname z",
		"mkfifo f", "mknod n c 1 3",
		"python3 -c 'import os; os.mknod(\"r\")'",
		"ls x y z f n r",
	};
	kernel_bpffs();
	for (size_t i = 0; i < N(cmds); i++)
		expect_same_shell(kroot, d.mnt, cmds[i]);
}

/* The caller's umask reaches the daemon (FUSE_CAP_DONT_MASK) and applies
 * as on bpffs, to the mode mkdir asks for. */
Test(fuse, mkdir_applies_caller_umask_as_on_bpffs)
{
	kernel_bpffs();
	expect_same_shell(kroot, d.mnt, "sh -c 'umask 077 && mkdir a && "
			  "umask 002 && mkdir -m 0777 b && mkdir c && "
			  "umask 0 && mkdir -m 1777 t && stat -c \"%n %a\" a b c t'");
}

/* One script builds the same tree on both (only the pin differs): ls -ln
 * then shows the same modes, link counts and owners. */
Test(fuse, ls_l_matches_bpffs)
{
	static const char *const script =
		"sh -c 'ln d/m d/m2 && ln -s m d/l && chmod 0640 d/m && "
		"chown 1000:1001 d/m2 && mkdir -m 0700 d/sub && "
		"mkdir d/sub/x && chmod 01777 d/sub'";
	static const char *const ls =
		"ls -lna --time-style=+T d d/sub | "
		"awk '/^total/ { next } NF >= 7 { $5 = \"size\" } { print }'";
	char path[512];

	kernel_bpffs();
	snprintf(path, sizeof(path), "%s/d", kroot);
	cr_assert_eq(mkdir(path, 0750), 0);
	snprintf(path, sizeof(path), "%s/d/m", kroot);
	cr_assert_eq(bpf_obj_pin(map, path), 0);
	cr_assert_eq(mkdir(mnt_path(path, sizeof(path), "/d"), 0750), 0);
	cr_assert_eq(bpfpin_pin(b, map, "/d/m", NULL), 0);
	expect_same_shell(kroot, d.mnt, script);
	expect_same_shell(kroot, d.mnt, ls);
}

static char *as_nobody(int *status, const char *cmd, const char *rel)
{
	char line[1024];

	snprintf(line, sizeof(line),
		 "cd '%s' && LC_ALL=C setpriv --reuid 65534 --regid 65534 "
		 "--clear-groups %s '.%s' 2>&1", d.mnt, cmd, rel);
	return run(status, line);
}

static void pin_with_mode(const char *path, mode_t mode)
{
	cr_assert_eq(bpfpin_pin(b, map, path, NULL), 0);
	cr_assert_eq(bpfpin_chmod(b, path, mode), 0);
}

Test(fuse, unprivileged_cannot_read_0600_root_pin)
{
	char *out;
	int st;

	pin_with_mode("/secret", 0600);
	out = as_nobody(&st, "cat", "/secret");
	cr_expect_neq(st, 0);
	cr_expect(strstr(out, "Permission denied"), "%s", out);
	free(out);
}

Test(fuse, unprivileged_cannot_unlink_root_pin_in_root_dir)
{
	struct bpfpin_stat bs;
	char *out;
	int st;

	cr_assert_eq(bpfpin_mkdir(b, "/p", 0755), 0);
	pin_with_mode("/p/secret", 0600);
	out = as_nobody(&st, "rm -f", "/p/secret");
	cr_expect_neq(st, 0);
	cr_expect(strstr(out, "Permission denied"), "%s", out);
	cr_expect_eq(bpfpin_stat(b, "/p/secret", &bs), 0);
	free(out);
}

Test(fuse, unprivileged_reads_0644_pin)
{
	char *out;
	int st;

	fill_map(map, 3);
	pin_with_mode("/open", 0644);
	out = as_nobody(&st, "jq -c length", "/open");
	cr_expect_eq(st, 0, "%s", out);
	cr_expect_str_eq(out, "3\n");
	free(out);
}

Test(fuse, unprivileged_lists_but_cannot_write_0755_dir)
{
	char *out;
	int st;

	cr_assert_eq(bpfpin_mkdir(b, "/p", 0755), 0);
	pin_with_mode("/p/open", 0644);
	out = as_nobody(&st, "ls", "/p");
	cr_expect_eq(st, 0, "%s", out);
	cr_expect_str_eq(out, "open\n");
	free(out);
	out = as_nobody(&st, "mkdir", "/p/new");
	cr_expect_neq(st, 0);
	cr_expect(strstr(out, "Permission denied"), "%s", out);
	free(out);
	out = as_nobody(&st, "ln -s open", "/p/link");
	cr_expect_neq(st, 0);
	cr_expect(strstr(out, "Permission denied"), "%s", out);
	free(out);
}

Test(fuse, hash_map_reads_as_bpftool_dump)
{
	char path[512], cmd[128];
	json_object *ours, *theirs;
	size_t len;
	char *text, *tool;

	fill_map(map, 10);
	cr_assert_eq(bpfpin_pin(b, map, "/h", NULL), 0);
	text = slurp(mnt_path(path, sizeof(path), "/h"), &len);
	cr_assert_gt(len, 0);
	cr_expect_eq(text[len - 1], '\n', "no trailing newline");
	snprintf(cmd, sizeof(cmd), "bpftool -j map dump id %u", obj_id(map));
	tool = run(NULL, cmd);
	ours = parse(text);
	theirs = parse(tool);
	cr_expect(json_object_equal(ours, theirs), "mount: %.300s\nbpftool: %.300s",
		  text, tool);
	json_object_put(ours);
	json_object_put(theirs);
	free(text);
	free(tool);
}

Test(fuse, prog_reads_as_its_info_json)
{
	int prog = th_prog_load();
	json_object *o, *id, *type;
	char path[512];
	char *text;

	cr_assert_geq(prog, 0);
	cr_assert_eq(bpfpin_pin(b, prog, "/p", NULL), 0);
	text = slurp(mnt_path(path, sizeof(path), "/p"), NULL);
	o = parse(text);
	cr_assert(json_object_object_get_ex(o, "id", &id));
	cr_assert(json_object_object_get_ex(o, "type", &type));
	cr_expect_eq((uint32_t)json_object_get_int64(id), obj_id(prog));
	cr_expect_str_eq(json_object_get_string(type), "socket_filter");
	json_object_put(o);
	free(text);
	close(prog);
}

Test(fuse, map_that_cannot_be_iterated_reads_as_json)
{
	int rb = th_map_create(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096);
	char path[512];
	json_object *o;
	char *text;

	cr_assert_geq(rb, 0);
	cr_assert_eq(bpfpin_pin(b, rb, "/rb", NULL), 0);
	text = slurp(mnt_path(path, sizeof(path), "/rb"), NULL);
	o = parse(text);
	json_object_put(o);
	free(text);
	close(rb);
}

/* cat, jq, python's json, tail and less all see the whole document, even
 * though a pin's st_size is 0 as on bpffs. */
Test(fuse, text_tools_read_pins)
{
	static const char *const tools[] = {
		"cat", "jq -c .", "tail -n 1", "less -FX",
		"python3 -c 'import json,sys; "
		"print(json.dumps(json.load(open(sys.argv[1])), "
		"separators=(\",\",\":\")))'",
	};
	char path[512], cmd[1024];
	struct stat st;
	char *want, *out;

	fill_map(map, 5);
	cr_assert_eq(bpfpin_pin(b, map, "/m", NULL), 0);
	mnt_path(path, sizeof(path), "/m");
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_size, 0);
	snprintf(cmd, sizeof(cmd), "jq -c . < '%s'", path);
	want = run(NULL, cmd);
	for (size_t i = 0; i < N(tools); i++) {
		snprintf(cmd, sizeof(cmd), "%s '%s' | jq -c .", tools[i], path);
		out = run(NULL, cmd);
		cr_expect_str_eq(out, want, "%s", tools[i]);
		free(out);
	}
	free(want);
}

/* Each open pin costs the daemon an fd and a snapshot: 1024 at most
 * (FSX_SNAPS_MAX), then ENFILE until one is closed. */
Test(fuse, open_pins_are_limited)
{
	static int fds[1024];
	char path[512];
	int extra;

	cr_assert_eq(bpfpin_pin(b, map, "/m", NULL), 0);
	mnt_path(path, sizeof(path), "/m");
	for (size_t i = 0; i < N(fds); i++) {
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		cr_assert_geq(fds[i], 0, "open %zu: %s", i, strerror(errno));
	}
	cr_expect_eq(open(path, O_RDONLY | O_CLOEXEC), -1);
	cr_expect_eq(errno, ENFILE, "%s", strerror(errno));
	close(fds[0]);
	extra = -1;
	for (int i = 0; i < 100 && extra < 0; i++) {
		extra = open(path, O_RDONLY | O_CLOEXEC);
		if (extra < 0)
			usleep(20000);   /* the kernel releases after close */
	}
	cr_expect_geq(extra, 0, "%s", strerror(errno));
	close(extra);
	for (size_t i = 1; i < N(fds); i++)
		close(fds[i]);
}

/* An open file keeps its node: after rm it still reads, and fstat says
 * it has no name left. */
Test(fuse, unlinked_pin_still_reads_while_open)
{
	char path[512];
	struct stat st;
	char buf[4096];
	ssize_t n;
	int fd;

	fill_map(map, 2);
	cr_assert_eq(bpfpin_pin(b, map, "/m", NULL), 0);
	fd = open(mnt_path(path, sizeof(path), "/m"), O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	cr_assert_eq(unlink(path), 0);
	cr_expect_eq(fstat(fd, &st), 0);
	cr_expect_eq(st.st_nlink, 0);
	n = read(fd, buf, sizeof(buf) - 1);
	cr_assert_gt(n, 0);
	buf[n] = '\0';
	json_object_put(parse(buf));
	close(fd);
}

Test(fuse, write_opens_are_refused)
{
	static const int flags[] = { O_WRONLY, O_RDWR, O_RDONLY | O_TRUNC };
	char path[512];

	cr_assert_eq(bpfpin_pin(b, map, "/m", NULL), 0);
	mnt_path(path, sizeof(path), "/m");
	for (size_t i = 0; i < N(flags); i++) {
		cr_expect_eq(open(path, flags[i] | O_CLOEXEC), -1);
		cr_expect_eq(errno, EACCES, "flags %#x: %s", flags[i],
			     strerror(errno));
	}
}

/* The daemon's open fds once it is idle: the kernel sends RELEASE after
 * close(2) returns, so give it a moment to settle at want. */
static int settled_fd_count(int want)
{
	int n = th_fd_count(d.pid);

	for (int i = 0; i < 300 && n != want; i++) {
		usleep(50000);
		n = th_fd_count(d.pid);
	}
	return n;
}

/* The daemon keeps a read-only fd of a pin it opened (its fd cache): have
 * it opened over the RPC, then make one more round trip so that the
 * daemon has closed the copy it sent. */
static void warm_fd_cache(const char *path)
{
	struct bpfpin_stat bs;

	close(bpfpin_get(b, path, O_RDONLY));
	cr_assert_eq(bpfpin_stat(b, path, &bs), 0);
}

/* Every open takes an object fd and a memfd in the daemon: release gives
 * both back. */
Test(fuse, reads_leave_no_fds_in_daemon)
{
	char path[512], cmd[600];
	int before, after;

	fill_map(map, 5);
	cr_assert_eq(bpfpin_pin(b, map, "/m", NULL), 0);
	warm_fd_cache("/m");
	before = th_fd_count(d.pid);
	snprintf(cmd, sizeof(cmd), "for i in $(seq 50); do cat '%s'; done "
		 "> /dev/null", mnt_path(path, sizeof(path), "/m"));
	free(run(NULL, cmd));
	after = settled_fd_count(before);
	cr_expect_eq(after, before, "%d fds before, %d after", before, after);
}

Test(fuse, getfattr_shows_id_type_and_name)
{
	char path[512], cmd[600], want[64];
	char *out;
	int st;

	cr_assert_eq(bpfpin_pin(b, map, "/m", NULL), 0);
	snprintf(cmd, sizeof(cmd), "getfattr -d '%s' 2>&1",
		 mnt_path(path, sizeof(path), "/m"));
	out = run(&st, cmd);
	cr_expect_eq(st, 0, "%s", out);
	snprintf(want, sizeof(want), "user.bpf.id=\"%u\"\n", obj_id(map));
	cr_expect(strstr(out, want), "%s", out);
	cr_expect(strstr(out, "user.bpf.type=\"map\"\n"), "%s", out);
	cr_expect(strstr(out, "user.bpf.name=\"th_map\"\n"), "%s", out);
	cr_expect(strstr(out, "user.bpf.map_type=\"hash\"\n"), "%s", out);
	free(out);
}

/* ls -l asks every file for its ACL and security label unless the first
 * answer says the filesystem has none, as bpffs does. */
Test(fuse, acl_and_label_xattrs_unsupported_as_on_bpffs)
{
	static const char *const names[] = {
		"system.posix_acl_access", "security.selinux", "trusted.x",
	};
	char kpin[256], mpin[512], buf[64];
	int kerr, merr;

	kernel_bpffs();
	snprintf(kpin, sizeof(kpin), "%s/m", kroot);
	cr_assert_eq(bpf_obj_pin(map, kpin), 0);
	cr_assert_eq(bpfpin_pin(b, map, "/m", NULL), 0);
	mnt_path(mpin, sizeof(mpin), "/m");
	for (size_t i = 0; i < N(names); i++) {
		kerr = getxattr(kpin, names[i], buf, sizeof(buf)) < 0 ? errno : 0;
		merr = getxattr(mpin, names[i], buf, sizeof(buf)) < 0 ? errno : 0;
		cr_expect_eq(merr, kerr, "%s: %s on the mount, %s on bpffs",
			     names[i], strerror(merr), strerror(kerr));
	}
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

Test(fuse, rpc_unlink_shows_on_mount_within_timeout)
{
	struct timespec t0;
	struct stat st;
	char path[512];

	cr_assert_eq(bpfpin_pin(b, map, "/m", NULL), 0);
	mnt_path(path, sizeof(path), "/m");
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(bpfpin_unlink(b, "/m"), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (stat(path, &st) == 0 && elapsed_ms(&t0) < 5000)
		usleep(20000);
	cr_expect_eq(errno, ENOENT);
	cr_expect_leq(elapsed_ms(&t0), COHERENCE_MS);
}

Test(fuse, rpc_pin_shows_on_mount_at_once)
{
	struct stat st;
	char path[512];

	mnt_path(path, sizeof(path), "/m");
	cr_assert_eq(stat(path, &st), -1);
	cr_assert_eq(bpfpin_pin(b, map, "/m", NULL), 0);
	cr_expect_eq(stat(path, &st), 0, "%s", strerror(errno));
}

Test(fuse, restart_after_sigkill_serves_same_mount)
{
	char path[512];
	struct stat st;
	char *text;

	cr_assert_eq(bpfpin_pin(b, map, "/m", NULL), 0);
	bpfpin_close(b);
	b = NULL;
	cr_assert_eq(th_daemon_restart(&d, SIGKILL), 0);
	cr_assert_eq(bpfpin_connect(d.sock, &b), 0);
	cr_expect_eq(stat(mnt_path(path, sizeof(path), "/m"), &st), 0,
		     "%s", strerror(errno));
	text = slurp(path, NULL);
	json_object_put(parse(text));
	free(text);
}

static bool mounted_at_path(const char *dir, const char *rel)
{
	char path[300];
	struct stat here, up;

	snprintf(path, sizeof(path), "%s%s", dir, rel);
	if (stat(path, &here) < 0)
		return false;
	snprintf(path, sizeof(path), "%s%s/..", dir, rel);
	return stat(path, &up) == 0 && here.st_dev != up.st_dev;
}

Test(fuse, bind_mount_from_other_mount_namespace_works)
{
	char cmd[1024], path[512];
	char *out, *want;
	int st;

	fill_map(map, 2);
	cr_assert_eq(bpfpin_pin(b, map, "/m", NULL), 0);
	want = slurp(mnt_path(path, sizeof(path), "/m"), NULL);
	/* The new namespace binds under a private mount of our own, so nothing
	 * propagates back, without changing the propagation of "/" (which
	 * cannot be done where "/" is no mount point, as in a chroot). */
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s/ns && mount --bind %s/ns %s/ns && "
		 "mount --make-private %s/ns && "
		 "unshare -m --propagation unchanged sh -c 'mkdir -p %s/ns/bind && "
		 "mount --bind %s %s/ns/bind && cat %s/ns/bind/m' 2>&1",
		 d.dir, d.dir, d.dir, d.dir, d.dir, d.mnt, d.dir, d.dir);
	out = run(&st, cmd);
	cr_expect_eq(st, 0, "%s", out);
	cr_expect_str_eq(out, want);
	cr_expect(!mounted_at_path(d.dir, "/ns/bind"), "the bind stayed in its namespace");
	free(out);
	free(want);
	free(th_run(NULL, "umount -l '%s/ns'", d.dir));
}

static bool mounted_at(const char *dir)
{
	char *out, cmd[300];
	bool yes;

	snprintf(cmd, sizeof(cmd), "awk '$5 == \"%s\"' /proc/self/mountinfo",
		 dir);
	out = run(NULL, cmd);
	yes = out[0] != '\0';
	free(out);
	return yes;
}

Test(fuse, mounted_as_fuse_bpfpin_with_kernel_permission_checks)
{
	char cmd[300];
	char *out;

	/* After the optional fields and "-": type, source, super options. */
	snprintf(cmd, sizeof(cmd), "awk '$5 == \"%s\" { for (i = 7; $i != "
		 "\"-\"; i++); print $(i + 1), $(i + 2), $(i + 3) }'"
		 " /proc/self/mountinfo", d.mnt);
	out = run(NULL, cmd);
	cr_expect(strstr(out, "fuse.bpfpin bpfpin "), "%s", out);
	cr_expect(strstr(out, "default_permissions"), "%s", out);
	cr_expect(strstr(out, "allow_other"), "%s", out);
	free(out);
}

Test(fuse, statfs_counts_nodes)
{
	struct statvfs before, after;

	cr_assert_eq(statvfs(d.mnt, &before), 0);
	cr_assert_eq(bpfpin_mkdir(b, "/a", 0755), 0);
	cr_assert_eq(bpfpin_pin(b, map, "/a/m", NULL), 0);
	cr_assert_eq(bpfpin_symlink(b, "a/m", "/l"), 0);
	cr_assert_eq(statvfs(d.mnt, &after), 0);
	cr_expect_eq(after.f_files, before.f_files + 3);
	cr_expect_eq(after.f_namemax, 255);
	cr_expect_eq(after.f_bsize, 4096);
}

/* A listing larger than one reply resumes where it stopped: every name
 * once, in several readdirplus rounds. */
Test(fuse, long_listing_returns_every_entry_once)
{
	char path[600], cmd[1200], dir[512];
	char *out;

	cr_assert_eq(mkdir(mnt_path(dir, sizeof(dir), "/d"), 0755), 0);
	for (int i = 0; i < 3000; i++) {
		snprintf(path, sizeof(path), "%s/dir-with-a-longish-name-%04d",
			 dir, i);
		cr_assert_eq(mkdir(path, 0755), 0, "%s", strerror(errno));
	}
	snprintf(cmd, sizeof(cmd), "ls -fa '%s' | sort | uniq -c | "
		 "awk '$1 != 1' | wc -l; ls -fa '%s' | wc -l", dir, dir);
	out = run(NULL, cmd);
	cr_expect_str_eq(out, "0\n3002\n");
	free(out);
}

/* The daemon is stopped while a shell sits in the mount: it still exits
 * and the mount is gone (detached). */
Test(fuse, stop_unmounts_busy_mount)
{
	pid_t busy = fork();
	int status, i;

	cr_assert_geq(busy, 0);
	if (busy == 0) {
		if (chdir(d.mnt) == 0)
			pause();
		_exit(1);
	}
	usleep(100000);
	cr_assert_eq(kill(d.pid, SIGTERM), 0);
	for (i = 0; i < 500 && waitpid(d.pid, &status, WNOHANG) != d.pid; i++)
		usleep(20000);
	cr_expect_lt(i, 500, "the daemon did not exit");
	if (i < 500)
		d.pid = 0;
	cr_expect_not(mounted_at(d.mnt), "still mounted");
	kill(busy, SIGKILL);
	waitpid(busy, NULL, 0);
}

/* A big map: its dump takes long enough to watch the loop meanwhile. */
#define BIG_ENTRIES (1u << 20)

static int big_map_of(uint32_t entries)
{
	int fd = th_map_create(BPF_MAP_TYPE_HASH, 4, 8, entries);
	uint32_t *keys = malloc(entries * sizeof(*keys));
	uint64_t *vals = malloc(entries * sizeof(*vals));
	__u32 n = entries;

	cr_assert_geq(fd, 0);
	for (uint32_t i = 0; i < entries; i++) {
		keys[i] = i;
		vals[i] = i;
	}
	cr_assert_eq(bpf_map_update_batch(fd, keys, vals, &n, NULL), 0);
	free(keys);
	free(vals);
	return fd;
}

static int big_map(void)
{
	return big_map_of(BIG_ENTRIES);
}

/* Read an open file to its end; its size, or -errno. */
static long long drain(int fd)
{
	static char buf[1 << 17];
	long long total = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	return n < 0 ? -errno : total;
}

struct reader {
	const char *path;
	volatile bool done;
	int err;
};

/* Open and read to the end: the dump runs while the reader reads. */
static void *read_big(void *arg)
{
	struct reader *r = arg;
	int fd = open(r->path, O_RDONLY | O_CLOEXEC);
	long long n = fd < 0 ? -errno : drain(fd);

	r->err = n < 0 ? (int)-n : 0;
	if (fd >= 0)
		close(fd);
	r->done = true;
	return NULL;
}

Test(fuse, slow_dump_does_not_stall_other_requests)
{
	struct reader rd = { 0 };
	struct timespec t0;
	char path[512], other[600];
	long worst = 0, ms;
	int fd = big_map(), during = 0;
	pthread_t th;
	struct stat st;

	cr_assert_eq(bpfpin_pin(b, fd, "/big", NULL), 0);
	rd.path = mnt_path(path, sizeof(path), "/big");
	cr_assert_eq(pthread_create(&th, NULL, read_big, &rd), 0);
	/* Names never seen before: each stat is a lookup the daemon serves. */
	while (!rd.done) {
		snprintf(other, sizeof(other), "%s/none-%d", d.mnt, during);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		cr_assert_eq(stat(other, &st), -1);
		ms = elapsed_ms(&t0);
		worst = ms > worst ? ms : worst;
		if (!rd.done)
			during++;
		usleep(5000);
	}
	pthread_join(th, NULL);
	cr_expect_eq(rd.err, 0, "%s", strerror(rd.err));
	cr_expect_geq(during, 5, "the dump was too quick to test (%d)", during);
	cr_expect_lt(worst, 100, "a lookup waited %ld ms", worst);
	close(fd);
}

/* The daemon's spool files for open pins: its fds that are unlinked files
 * of its state dir ("STATE/#123 (deleted)"), with the spill files of a
 * dump's later parts; their sizes added to *size, the number of its
 * memfds in *memfds (both may be NULL). */
static int spools_of_daemon(off_t *size, int *memfds)
{
	char dir[64], link[600], target[600];
	struct dirent *de;
	struct stat st;
	size_t plen = strlen(d.state);
	int found = 0;
	ssize_t n;
	DIR *fds;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)d.pid);
	cr_assert_not_null(fds = opendir(dir));
	while ((de = readdir(fds))) {
		snprintf(link, sizeof(link), "%s/%s", dir, de->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (memfds && !strncmp(target, "/memfd:", 7))
			++*memfds;
		if (strncmp(target, d.state, plen) || target[plen] != '/' ||
		    target[plen + 1] != '#' || !strstr(target, " (deleted)"))
			continue;
		if (stat(link, &st) == 0 && size)
			*size += st.st_size;
		found++;
	}
	closedir(fds);
	return found;
}

/* Open a big pin and read its first 4 KiB. */
static int open_big_and_read_first_bytes(char *path, size_t size, int map_fd)
{
	char buf[4096];
	int fd;

	cr_assert_eq(bpfpin_pin(b, map_fd, "/big", NULL), 0);
	fd = open(mnt_path(path, size, "/big"), O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0, "%s", strerror(errno));
	cr_assert_eq(read(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	return fd;
}

/* The first bytes arrive while the dump is still being written: the spool
 * then holds less than the whole document. */
Test(fuse, first_read_of_big_map_returns_before_dump_ends)
{
	int map_fd = big_map(), fd;
	off_t spooled = 0;
	char path[512];
	long long rest;

	fd = open_big_and_read_first_bytes(path, sizeof(path), map_fd);
	/* The spool, and the spill files of the dump's later parts. */
	cr_assert_geq(spools_of_daemon(&spooled, NULL), 1);
	rest = drain(fd);
	cr_assert_geq(rest, 0, "%s", strerror((int)-rest));
	cr_expect_lt(spooled, rest + 4096,
		     "the first read came after the whole dump (%lld bytes)",
		     rest + 4096);
	close(fd);
	close(map_fd);
}

/* The document is spooled in an unlinked file of the state dir (page cache
 * the kernel can reclaim), not in a memfd (shared memory). */
Test(fuse, snapshot_is_spooled_in_state_dir_not_shared_memory)
{
	int map_fd = big_map(), fd, memfds = 0;
	char path[512];

	fd = open_big_and_read_first_bytes(path, sizeof(path), map_fd);
	cr_expect_geq(spools_of_daemon(NULL, &memfds), 1,
		      "no spool file in %s", d.state);
	cr_expect_eq(memfds, 0, "the daemon holds a memfd");
	close(fd);
	close(map_fd);
}

/* Two readers of one map at once: each its own snapshot, both whole and
 * the same as the CLI's dump of the map. */
Test(fuse, concurrent_readers_get_same_whole_document)
{
	struct th_drain s[2];
	int map_fd = big_map_of(1u << 18), fds[2];
	char path[512];
	char *want;

	cr_assert_eq(bpfpin_pin(b, map_fd, "/big", NULL), 0);
	mnt_path(path, sizeof(path), "/big");
	for (int i = 0; i < 2; i++) {
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		cr_assert_geq(fds[i], 0, "%s", strerror(errno));
	}
	for (int i = 0; i < 2; i++)
		cr_assert_eq(th_drain_start(&s[i], fds[i]), 0);
	for (int i = 0; i < 2; i++)
		th_drain_join(&s[i]);
	want = th_run(NULL, "'%s' -s '%s' dump -j /big", th_cli(), d.sock);
	cr_assert_not_null(want);
	for (int i = 0; i < 2; i++) {
		cr_assert_not_null(s[i].buf);
		cr_expect_eq(s[i].len, strlen(want), "reader %d: %zu bytes, "
			     "not %zu", i, s[i].len, strlen(want));
		cr_expect(s[i].len == strlen(want) &&
			  !memcmp(s[i].buf, want, s[i].len),
			  "reader %d: not the CLI's dump", i);
		close(fds[i]);
		free(s[i].buf);
	}
	free(want);
	close(map_fd);
}

/* A read far past what the worker has written waits for the dump, then
 * finds the end of the document. */
Test(fuse, read_past_end_waits_for_dump_then_returns_eof)
{
	char path[512], buf[16];
	int map_fd = big_map(), fd;

	cr_assert_eq(bpfpin_pin(b, map_fd, "/big", NULL), 0);
	fd = open(mnt_path(path, sizeof(path), "/big"), O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0, "%s", strerror(errno));
	cr_expect_eq(pread(fd, buf, sizeof(buf), (off_t)1 << 40), 0,
		     "%s", strerror(errno));
	close(fd);
	close(map_fd);
}

struct parked {
	int fd;
	volatile bool reading;
	ssize_t n;
	int err;
};

static void on_usr1(int sig)
{
}

static void *read_far(void *arg)
{
	struct parked *p = arg;
	char buf[16];

	p->reading = true;
	p->n = pread(p->fd, buf, sizeof(buf), (off_t)1 << 40);
	p->err = errno;
	return NULL;
}

/* A signal to a reader waiting for bytes not written yet answers its read
 * with EINTR: it does not wait for the rest of the dump. */
Test(fuse, interrupted_parked_read_returns_eintr)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct parked p = { .fd = -1 };
	int map_fd = big_map();
	char path[512];
	pthread_t th;

	cr_assert_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	cr_assert_eq(bpfpin_pin(b, map_fd, "/big", NULL), 0);
	p.fd = open(mnt_path(path, sizeof(path), "/big"), O_RDONLY | O_CLOEXEC);
	cr_assert_geq(p.fd, 0, "%s", strerror(errno));
	cr_assert_eq(pthread_create(&th, NULL, read_far, &p), 0);
	while (!p.reading)
		usleep(1000);
	usleep(20000);
	cr_assert_eq(pthread_kill(th, SIGUSR1), 0);
	pthread_join(th, NULL);
	cr_expect_eq(p.n, -1, "the read waited for the dump's end");
	cr_expect_eq(p.err, EINTR, "%s", strerror(p.err));
	close(p.fd);
	close(map_fd);
}

/* libfuse keeps one pipe for spliced replies once it has sent one: read
 * a big pin once so that counts of the daemon's fds include it. The
 * kernel releases the file after close(2) returns: wait for its spool
 * file to go. */
static void warm_splice_pipe(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), i;

	cr_assert_geq(fd, 0, "%s", strerror(errno));
	cr_assert_gt(drain(fd), 0);
	close(fd);
	for (i = 0; i < 300 && spools_of_daemon(NULL, NULL) > 0; i++)
		usleep(50000);
	cr_assert_lt(i, 300, "the spool file of a closed file stays open");
}

/* Closing a file whose dump is still being written: the dump ends, then
 * its spool file and object fd are closed. */
Test(fuse, close_during_dump_leaves_no_fds_in_daemon)
{
	char path[512], buf[4096];
	int map_fd = big_map(), fd, before, after;

	cr_assert_eq(bpfpin_pin(b, map_fd, "/big", NULL), 0);
	warm_fd_cache("/big");
	warm_splice_pipe(mnt_path(path, sizeof(path), "/big"));
	before = th_fd_count(d.pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0, "%s", strerror(errno));
	cr_assert_eq(read(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	close(fd);
	after = settled_fd_count(before);
	cr_expect_eq(after, before, "%d fds before, %d after", before, after);
	close(map_fd);
}

/* Ctrl-C on a reader of a big dump ends it at once. */
Test(fuse, interrupted_open_of_big_map_returns_promptly)
{
	struct timespec t0;
	char path[512], cmd[600];
	int fd = big_map(), st;
	long full, cut;
	char *out;

	cr_assert_eq(bpfpin_pin(b, fd, "/big", NULL), 0);
	snprintf(cmd, sizeof(cmd), "cat '%s' > /dev/null",
		 mnt_path(path, sizeof(path), "/big"));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	free(run(&st, cmd));
	full = elapsed_ms(&t0);
	snprintf(cmd, sizeof(cmd), "timeout -s INT 0.05 cat '%s' > /dev/null",
		 path);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	out = run(&st, cmd);
	cut = elapsed_ms(&t0);
	free(out);
	cr_expect_neq(st, 0, "cat was not interrupted (full read %ld ms)", full);
	cr_expect_lt(cut, 50 + full / 2, "interrupted after %ld ms, full %ld",
		     cut, full);
	close(fd);
}

/* The dump of an interrupted reader runs to its end, then is dropped with
 * its fds. */
Test(fuse, interrupted_open_leaves_no_fds_in_daemon)
{
	char path[512], cmd[600];
	int fd = big_map(), before, after;

	cr_assert_eq(bpfpin_pin(b, fd, "/big", NULL), 0);
	warm_fd_cache("/big");
	warm_splice_pipe(mnt_path(path, sizeof(path), "/big"));
	before = th_fd_count(d.pid);
	snprintf(cmd, sizeof(cmd), "timeout -s INT 0.05 cat '%s' > /dev/null",
		 path);
	free(run(NULL, cmd));
	after = settled_fd_count(before);
	cr_expect_eq(after, before, "%d fds before, %d after", before, after);
	close(fd);
}

/* Pins removed over the RPC while the kernel still remembers their names
 * from an ls -l must not make the daemon hold an fd each: what it keeps of
 * them is bounded by its fd cache (here 64). */
static void start_small_cache(void)
{
	static const char *const extra[] = { "--fd-cache", "64", NULL };

	umask(022);
	cr_assert_eq(th_daemon_start(&d, true, extra), 0);
	cr_assert_eq(bpfpin_connect(d.sock, &b), 0);
	map = th_map_create(BPF_MAP_TYPE_HASH, 4, 8, 16);
	cr_assert_geq(map, 0);
}

Test(fuse_fds, removed_looked_up_pins_hold_fds_only_within_cache_bound,
     .init = start_small_cache, .fini = stop, .timeout = 120)
{
	char path[64], *out;
	int before;

	cr_assert_eq(bpfpin_mkdir(b, "/many", 0755), 0);
	before = th_fd_count(d.pid);
	for (int i = 0; i < 1000; i++) {
		snprintf(path, sizeof(path), "/many/p%d", i);
		cr_assert_eq(bpfpin_pin(b, map, path, NULL), 0);
	}
	out = th_run(NULL, "ls -l %s/many | wc -l", d.mnt);   /* FUSE lookups */
	cr_expect_str_eq(out, "1001\n");
	free(out);
	for (int i = 0; i < 1000; i++) {
		snprintf(path, sizeof(path), "/many/p%d", i);
		cr_assert_eq(bpfpin_unlink(b, path), 0);
	}
	cr_expect_leq(th_fd_count(d.pid), before + 64, "%d fds, %d before",
		      th_fd_count(d.pid), before);
}
