/* tests/test_cli.c: the bpfpin command as a user runs it, through the real
 * binary, against a real bpfpind and real kernel maps; where bpffs,
 * coreutils or bpftool have the behaviour, side by side with them on a
 * scratch kernel bpffs. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <linux/bpf.h>

#include "tests/harness.h"

static struct th_daemon d;

static void setup(void)
{
	umask(022);
	cr_assert_eq(th_daemon_start(&d, false, NULL), 0, "bpfpind did not start");
}

static void teardown(void)
{
	th_daemon_stop(&d);
}

TestSuite(cli, .init = setup, .fini = teardown, .timeout = 60);

enum stream { OUT, ERR };

/* Run the CLI on d's socket with args; return what it wrote on one
 * stream, and its exit status in *rc. */
static char *cli(int *rc, enum stream s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static char *cli(int *rc, enum stream s, const char *fmt, ...)
{
	char args[4096];
	va_list ap;
	char *out;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	out = th_run(&st, "'%s' -s '%s' %s %s", th_cli(), d.sock, args,
		     s == OUT ? "2>/dev/null" : "2>&1 >/dev/null");
	cr_assert_not_null(out);
	*rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return out;
}

/* Run it and insist that it succeeds; stdout. */
static char *cli_ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *cli_ok(const char *fmt, ...)
{
	char args[4096];
	va_list ap;
	char *out;
	int rc;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	out = cli(&rc, OUT, "%s", args);
	cr_assert_eq(rc, 0, "bpfpin %s: exit %d", args, rc);
	return out;
}

static struct json_object *parse(char *text)
{
	struct json_object *o = json_tokener_parse(text);

	cr_assert_not_null(o, "not JSON: %s", text);
	free(text);
	return o;
}

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	cr_assert(json_object_object_get_ex(o, key, &v), "no \"%s\" in %s", key,
		  json_object_to_json_string(o));
	return v;
}

static int64_t member_int(struct json_object *o, const char *key)
{
	return json_object_get_int64(member(o, key));
}

static uint32_t fd_id(int fd)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);

	cr_assert_eq(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	return info.id;
}

/* A new hash map (4-byte keys, 8-byte values) pinned at path through the
 * CLI by its id; returns the id. */
static uint32_t pin_map(const char *path)
{
	int fd = th_map_create(BPF_MAP_TYPE_HASH, 4, 8, 16);
	uint32_t id;

	cr_assert_geq(fd, 0);
	id = fd_id(fd);
	free(cli_ok("pin map id %u %s", id, path));
	close(fd);
	return id;
}

static uint32_t get_id(const char *path)
{
	struct json_object *o = parse(cli_ok("-j get %s", path));
	uint32_t id = (uint32_t)member_int(o, "id");

	json_object_put(o);
	return id;
}

static struct json_object *stat_json(const char *path)
{
	struct json_object *o = parse(cli_ok("-j stat %s", path));
	struct json_object *st = json_object_get(member(o, "stat"));

	json_object_put(o);
	return st;
}

Test(cli, pin_map_id_then_get_prints_the_same_id)
{
	uint32_t id = pin_map("/m");
	char *out = cli_ok("get /m"), want[64];

	snprintf(want, sizeof(want), "%u: hash  name th_map  flags 0x0\n", id);
	cr_assert_eq(strncmp(out, want, strlen(want)), 0, "got %s", out);
	cr_assert(strstr(out, "\tkey 4B  value 8B  max_entries 16  memlock "),
		  "got %s", out);
	free(out);
}

Test(cli, get_json_is_bpftools_map_show_json)
{
	uint32_t id = pin_map("/m");
	struct json_object *ours = parse(cli_ok("-j get /m"));
	struct json_object *theirs = parse(th_run(NULL,
		"bpftool -j map show id %u", id));
	static const char *const keys[] = { "id", "type", "name", "flags",
		"bytes_key", "bytes_value", "max_entries", NULL };

	for (int i = 0; keys[i]; i++)
		cr_assert(json_object_equal(member(ours, keys[i]),
					    member(theirs, keys[i])),
			  "%s differs", keys[i]);
	json_object_put(ours);
	json_object_put(theirs);
}

Test(cli, get_exec_sets_socket_activation_environment)
{
	int rc;

	pin_map("/m");
	free(cli(&rc, OUT, "get /m rdonly -- sh -c '"
		 "test \"$LISTEN_FDS\" = 1 && test \"$LISTEN_PID\" = $$ && "
		 "test \"$LISTEN_FDNAMES\" = m && test -e /proc/self/fd/3'"));
	cr_assert_eq(rc, 0);
}

static char *probe_path(void)
{
	static char path[512];
	const char *dir = getenv("BPFPIN_BUILDDIR");

	snprintf(path, sizeof(path), "%s/tests/listen_probe", dir ? dir : "..");
	return path;
}

Test(cli, get_exec_hands_the_object_as_fd_3)
{
	uint32_t id;
	char *out, want[64];

	free(cli_ok("mkdir /app"));
	id = pin_map("/app/counters");
	out = cli_ok("get /app/counters -- %s", probe_path());
	snprintf(want, sizeof(want), "counters %u ok\n", id);
	cr_assert_str_eq(out, want);
	free(out);
}

Test(cli, get_exec_rdonly_fd_refuses_writes)
{
	uint32_t id;
	char *out, want[64];

	free(cli_ok("mkdir /app"));
	id = pin_map("/app/counters");
	out = cli_ok("get /app/counters rdonly -- %s", probe_path());
	snprintf(want, sizeof(want), "counters %u EPERM\n", id);
	cr_assert_str_eq(out, want);
	free(out);
}

Test(cli, get_exec_missing_command_exits_127)
{
	int rc;

	pin_map("/m");
	free(cli(&rc, OUT, "get /m -- /nonexistent/cmd"));
	cr_assert_eq(rc, 127);
}

Test(cli, export_pins_on_a_kernel_bpffs)
{
	uint32_t id = pin_map("/m");
	char kdir[128];
	struct json_object *o;

	cr_assert_eq(th_bpffs_mount(kdir, sizeof(kdir)), 0);
	free(cli_ok("export /m %s/m", kdir));
	o = parse(th_run(NULL, "bpftool -j map show pinned %s/m", kdir));
	cr_assert_eq(member_int(o, "id"), id);
	json_object_put(o);
	th_bpffs_umount(kdir);
}

Test(cli, export_refuses_a_directory_that_is_not_bpffs)
{
	char dir[] = "/tmp/bpfpin-cli.XXXXXX", *err, kpath[64], want[160];
	int rc;

	pin_map("/m");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(kpath, sizeof(kpath), "%s/m", dir);
	err = cli(&rc, ERR, "export /m %s", kpath);
	snprintf(want, sizeof(want), "bpfpin: export %s: %s is not on a bpffs\n",
		 kpath, dir);
	cr_assert_eq(rc, 1);
	cr_assert_str_eq(err, want);
	cr_assert_eq(access(kpath, F_OK), -1, "something was pinned");
	free(err);
	rmdir(dir);
}

/* "MODE NLINK USER GROUP SIZE NAME[ -> TARGET]" of an ls -l line whose
 * name is name, with the date and time columns dropped. */
static void ls_fields(const char *listing, const char *name, char *buf,
		      size_t size)
{
	char mode[16], user[32], group[32], rest[512], *tail;
	const char *line = listing;
	unsigned int nlink;
	unsigned long long sz;

	for (; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (sscanf(line, "%15s %u %31s %31s %llu %*s %*s %511[^\n]", mode,
			   &nlink, user, group, &sz, rest) != 6 ||
		    strncmp(rest, name, strlen(name)) != 0 ||
		    (rest[strlen(name)] != '\0' && rest[strlen(name)] != ' '))
			continue;
		tail = strstr(rest, "  map:");  /* our object column */
		if (tail)
			*tail = '\0';
		snprintf(buf, size, "%s %u %s %s %llu %s", mode, nlink, user,
			 group, sz, rest);
		return;
	}
	cr_assert_fail("no %s in:\n%s", name, listing);
}

/* The same tree here and on a kernel bpffs: ls -l agrees but for times. */
Test(cli, ls_long_matches_coreutils_on_bpffs)
{
	static const char *const names[] = { "d", "m", "s" };
	char kdir[128], ours[600], theirs[600], *mine, *kernel;
	int fd = th_map_create(BPF_MAP_TYPE_HASH, 4, 8, 16);

	cr_assert_eq(th_bpffs_mount(kdir, sizeof(kdir)), 0);
	free(th_run(NULL, "cd %s && mkdir t t/d && ln -s /t/m t/s", kdir));
	free(th_run(NULL, "bpftool map pin id %u %s/t/m", fd_id(fd), kdir));
	free(cli_ok("mkdir /t /t/d"));
	free(cli_ok("pin map id %u /t/m", fd_id(fd)));
	free(cli_ok("ln -s /t/m /t/s"));
	mine = cli_ok("ls -l /t");
	kernel = th_run(NULL, "ls -l --time-style=long-iso %s/t", kdir);
	for (int i = 0; i < 3; i++) {
		ls_fields(mine, names[i], ours, sizeof(ours));
		ls_fields(kernel, names[i], theirs, sizeof(theirs));
		cr_assert_str_eq(ours, theirs);
	}
	free(mine);
	free(kernel);
	close(fd);
	th_bpffs_umount(kdir);
}

Test(cli, ls_long_shows_the_object_column)
{
	uint32_t id = pin_map("/m");
	char *out = cli_ok("ls -l /"), want[64];

	snprintf(want, sizeof(want), " m  map:hash id %u\n", id);
	cr_assert(strstr(out, want), "got %s", out);
	free(out);
}

/* Headings differ only by the mount point: compare below it. */
Test(cli, ls_recursive_matches_coreutils_on_bpffs)
{
	char kdir[128], *mine, *kernel;
	int fd = th_map_create(BPF_MAP_TYPE_HASH, 4, 8, 16);

	cr_assert_eq(th_bpffs_mount(kdir, sizeof(kdir)), 0);
	free(th_run(NULL, "mkdir -p %s/a/b/c", kdir));
	free(th_run(NULL, "bpftool map pin id %u %s/a/b/c/m", fd_id(fd), kdir));
	free(cli_ok("mkdir -p /a/b/c"));
	free(cli_ok("pin map id %u /a/b/c/m", fd_id(fd)));
	mine = th_run(NULL, "'%s' -s '%s' ls -R /a | sed 's|^/a|a|'", th_cli(),
		      d.sock);
	kernel = th_run(NULL, "cd %s && ls -R a", kdir);
	cr_assert_str_eq(mine, kernel);
	free(mine);
	free(kernel);
	close(fd);
	th_bpffs_umount(kdir);
}

Test(cli, ls_json_is_one_array_of_entries_with_stat)
{
	uint32_t id = pin_map("/m");
	struct json_object *o, *e = NULL;

	free(cli_ok("mkdir /d"));
	o = parse(cli_ok("-j ls /"));
	cr_assert(json_object_is_type(o, json_type_array));
	cr_assert_eq(json_object_array_length(o), 2);
	for (size_t i = 0; i < 2; i++)
		if (!strcmp(json_object_get_string(member(
			json_object_array_get_idx(o, i), "name")), "m"))
			e = json_object_array_get_idx(o, i);
	cr_assert_not_null(e);
	cr_assert_str_eq(json_object_get_string(member(e, "path")), "/m");
	cr_assert_eq(member_int(member(member(e, "stat"), "object"), "id"), id);
	json_object_put(o);
}

/* More entries than one page of the protocol's list (256). */
Test(cli, ls_pages_through_a_big_directory)
{
	struct json_object *o;
	char *out;
	int lines = 0;

	free(cli_ok("mkdir /d $(seq -f /d/%%g 0 599)"));
	out = cli_ok("ls /d");
	for (char *p = out; (p = strchr(p, '\n')); p++)
		lines++;
	cr_assert_eq(lines, 600);
	free(out);
	o = parse(cli_ok("-j ls /d"));
	cr_assert_eq(json_object_array_length(o), 600);
	json_object_put(o);
}

Test(cli, stat_prints_every_field_and_the_objects_info)
{
	uint32_t id = pin_map("/m");
	char *out = cli_ok("stat /m"), want[64];

	cr_assert(strstr(out, "  File: /m\n"), "got %s", out);
	cr_assert(strstr(out, "Type: pin"), "got %s", out);
	cr_assert(strstr(out, "Access: (0600/-rw-------)  Uid: (0/root)  Gid: (0/root)"),
		  "got %s", out);
	cr_assert(strstr(out, "Modify: "), "got %s", out);
	snprintf(want, sizeof(want), "Object: map:hash id %u name th_map\n%u: hash",
		 id, id);
	cr_assert(strstr(out, want), "got %s", out);
	free(out);
}

Test(cli, stat_json_has_stat_and_info)
{
	uint32_t id = pin_map("/m");
	struct json_object *o = parse(cli_ok("-j stat /m")), *st;

	st = member(o, "stat");
	cr_assert_str_eq(json_object_get_string(member(st, "type")), "pin");
	cr_assert_eq(member_int(st, "mode"), S_IFREG | 0600);
	cr_assert_eq(member_int(st, "nlink"), 1);
	cr_assert_eq(member_int(member(o, "info"), "id"), id);
	json_object_put(o);
}

Test(cli, mkdir_p_creates_parents_and_accepts_an_existing_dir)
{
	struct json_object *st;
	char *err;
	int rc;

	free(cli_ok("mkdir -p /x/y/z"));
	free(cli_ok("mkdir -p /x/y/z"));
	st = stat_json("/x/y/z");
	cr_assert_str_eq(json_object_get_string(member(st, "type")), "dir");
	json_object_put(st);
	err = cli(&rc, ERR, "mkdir /x/y");
	cr_assert_eq(rc, 1);
	cr_assert_str_eq(err, "bpfpin: mkdir /x/y: File exists\n");
	free(err);
}

Test(cli, mkdir_m_sets_the_mode_regardless_of_umask)
{
	struct json_object *st;

	free(cli_ok("mkdir -m 0777 /open"));
	st = stat_json("/open");
	cr_assert_eq(member_int(st, "mode"), S_IFDIR | 0777);
	json_object_put(st);
}

Test(cli, mv_exchange_swaps_two_pins)
{
	uint32_t a = pin_map("/a"), b = pin_map("/b");

	free(cli_ok("mv --exchange /a /b"));
	cr_assert_eq(get_id("/a"), b);
	cr_assert_eq(get_id("/b"), a);
}

Test(cli, mv_noreplace_refuses_an_existing_target)
{
	char *err;
	int rc;

	pin_map("/a");
	pin_map("/b");
	err = cli(&rc, ERR, "mv --noreplace /a /b");
	cr_assert_eq(rc, 1);
	cr_assert_str_eq(err, "bpfpin: mv /a /b: File exists\n");
	free(err);
}

Test(cli, mv_into_a_directory_keeps_the_name)
{
	uint32_t id = pin_map("/a");

	free(cli_ok("mkdir /dir"));
	free(cli_ok("mv /a /dir"));
	cr_assert_eq(get_id("/dir/a"), id);
}

Test(cli, ln_s_makes_a_symlink_that_get_follows)
{
	uint32_t id = pin_map("/m");
	char *out;

	free(cli_ok("ln -s /m /l"));
	cr_assert_eq(get_id("/l"), id);
	out = cli_ok("ls -l /");
	cr_assert(strstr(out, " l -> /m\n"), "got %s", out);
	free(out);
}

Test(cli, ln_makes_a_hard_link)
{
	struct json_object *st;

	pin_map("/m");
	free(cli_ok("ln /m /h"));
	st = stat_json("/m");
	cr_assert_eq(member_int(st, "nlink"), 2);
	json_object_put(st);
}

static uint32_t kernel_mode(const char *path)
{
	struct stat st;

	cr_assert_eq(stat(path, &st), 0);
	return st.st_mode & 07777;
}

/* chmod(1) on a kernel pin and bpfpin chmod, mode after mode. */
Test(cli, chmod_octal_and_symbolic_match_chmod_on_bpffs)
{
	static const char *const modes[] = { "640", "g+w,o+r", "a-w", "u=rwx,go=",
					     "g=u", "o+X", "0600" };
	int fd = th_map_create(BPF_MAP_TYPE_HASH, 4, 8, 16);
	char kdir[128], kpath[160];
	struct json_object *st;

	cr_assert_eq(th_bpffs_mount(kdir, sizeof(kdir)), 0);
	snprintf(kpath, sizeof(kpath), "%s/m", kdir);
	cr_assert_eq(bpf_obj_pin(fd, kpath), 0);
	free(cli_ok("pin map id %u /m", fd_id(fd)));
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		free(th_run(NULL, "chmod %s %s", modes[i], kpath));
		free(cli_ok("chmod %s /m", modes[i]));
		st = stat_json("/m");
		cr_assert_eq(member_int(st, "mode") & 07777, kernel_mode(kpath),
			     "after %s", modes[i]);
		json_object_put(st);
	}
	close(fd);
	th_bpffs_umount(kdir);
}

Test(cli, chown_takes_names_and_numbers)
{
	struct json_object *st;

	pin_map("/m");
	free(cli_ok("chown nobody:nogroup /m"));
	st = stat_json("/m");
	cr_assert_eq(member_int(st, "uid"), 65534);
	cr_assert_eq(member_int(st, "gid"), 65534);
	json_object_put(st);
	free(cli_ok("chown 0 /m"));
	free(cli_ok("chown :0 /m"));
	st = stat_json("/m");
	cr_assert_eq(member_int(st, "uid"), 0);
	cr_assert_eq(member_int(st, "gid"), 0);
	json_object_put(st);
}

Test(cli, rm_and_rmdir_remove)
{
	char *err;
	int rc;

	free(cli_ok("mkdir /d"));
	pin_map("/d/m");
	err = cli(&rc, ERR, "rmdir /d");
	cr_assert_eq(rc, 1);
	cr_assert_str_eq(err, "bpfpin: rmdir /d: Directory not empty\n");
	free(err);
	free(cli_ok("rm /d/m"));
	free(cli_ok("rmdir /d"));
	free(cli(&rc, OUT, "stat /d"));
	cr_assert_eq(rc, 1);
}

Test(cli, rm_goes_on_after_a_failure_and_exits_1)
{
	char *err;
	int rc;

	pin_map("/a");
	pin_map("/b");
	err = cli(&rc, ERR, "rm /a /nope /b");
	cr_assert_eq(rc, 1);
	cr_assert_str_eq(err, "bpfpin: rm /nope: No such file or directory\n");
	free(err);
	free(cli(&rc, OUT, "stat /b"));
	cr_assert_eq(rc, 1, "/b is still there");
}

Test(cli, pin_from_a_kernel_pin_and_an_inherited_fd)
{
	int fd = th_map_create(BPF_MAP_TYPE_HASH, 4, 8, 16);
	char kdir[128];

	cr_assert_eq(th_bpffs_mount(kdir, sizeof(kdir)), 0);
	free(th_run(NULL, "bpftool map pin id %u %s/k", fd_id(fd), kdir));
	free(cli_ok("pin pinned %s/k /a", kdir));
	free(cli_ok("pin map pinned %s/k /b", kdir));
	cr_assert_eq(fcntl(fd, F_SETFD, 0), 0);    /* the CLI inherits it */
	free(cli_ok("pin fd %d /c", fd));
	cr_assert_eq(get_id("/a"), fd_id(fd));
	cr_assert_eq(get_id("/b"), fd_id(fd));
	cr_assert_eq(get_id("/c"), fd_id(fd));
	close(fd);
	th_bpffs_umount(kdir);
}

Test(cli, pin_pinned_of_the_wrong_kind_is_refused)
{
	int fd = th_map_create(BPF_MAP_TYPE_HASH, 4, 8, 16);
	char kdir[128], *err, want[256];
	int rc;

	cr_assert_eq(th_bpffs_mount(kdir, sizeof(kdir)), 0);
	free(th_run(NULL, "bpftool map pin id %u %s/k", fd_id(fd), kdir));
	err = cli(&rc, ERR, "pin prog pinned %s/k /a", kdir);
	snprintf(want, sizeof(want), "bpfpin: pin %s/k: not a prog\n", kdir);
	cr_assert_eq(rc, 1);
	cr_assert_str_eq(err, want);
	free(err);
	close(fd);
	th_bpffs_umount(kdir);
}

Test(cli, pin_of_a_file_says_what_the_fd_is)
{
	char *err;
	int rc;

	err = cli(&rc, ERR, "pin fd 5 /x 5</etc/passwd");
	cr_assert_eq(rc, 1);
	cr_assert_str_eq(err,
		"bpfpin: pin /x: fd is a regular file, not a BPF object\n");
	free(err);
}

Test(cli, pin_of_a_closed_fd_is_refused_locally)
{
	char *err;
	int rc;

	err = cli(&rc, ERR, "pin fd 99 /x");
	cr_assert_eq(rc, 1);
	cr_assert_str_eq(err, "bpfpin: pin fd 99: Bad file descriptor\n");
	free(err);
}

Test(cli, error_reads_command_path_and_reason)
{
	char *err;
	int rc;

	err = cli(&rc, ERR, "get /nope");
	cr_assert_eq(rc, 1);
	cr_assert_str_eq(err, "bpfpin: get /nope: No such file or directory\n");
	free(err);
}

Test(cli, json_error_goes_to_stdout_as_json)
{
	char *out;
	int rc;

	out = cli(&rc, OUT, "-j get /nope");
	cr_assert_eq(rc, 1);
	cr_assert_str_eq(out, "{\"error\":\"get /nope: No such file or directory\"}\n");
	free(out);
}

Test(cli, json_success_without_result_prints_null)
{
	char *out = cli_ok("-j mkdir /d");

	cr_assert_str_eq(out, "null\n");
	free(out);
}

Test(cli, pretty_implies_json)
{
	uint32_t id = pin_map("/m");
	struct json_object *o = parse(cli_ok("get /m -p"));

	cr_assert_eq(member_int(o, "id"), id);
	json_object_put(o);
}

Test(cli, a_commands_letter_hides_the_global_one_but_not_its_long_form)
{
	struct json_object *st;
	char *out;

	pin_map("/m");
	out = cli_ok("mkdir --pretty -p /a/b");
	cr_assert_str_eq(out, "null\n");
	free(out);
	free(cli_ok("ln -s /m /a/l"));
	st = stat_json("/a/l");
	cr_assert_str_eq(json_object_get_string(member(st, "type")), "symlink");
	json_object_put(st);
}

Test(cli, help_and_version)
{
	char *out = cli_ok("--version"), want[64];

	snprintf(want, sizeof(want), "bpfpin %s\n", PACKAGE_VERSION);
	cr_assert_str_eq(out, want);
	free(out);
	out = cli_ok("get --help");
	cr_assert_eq(strncmp(out, "Usage: bpfpin get PATH", 22), 0, "got %s", out);
	free(out);
	out = cli_ok("help get");
	cr_assert_eq(strncmp(out, "Usage: bpfpin get PATH", 22), 0, "got %s", out);
	free(out);
	out = cli_ok("-h");
	cr_assert(strstr(out, "bpfpin chown OWNER[:GROUP] PATH..."), "got %s", out);
	free(out);
}

Test(cli, usage_errors_exit_2)
{
	static const char *const bad[] = { "frobnicate", "r /x", "get",
		"ls -Z", "mv --noreplace --exchange /a /b", "chmod zz /x",
		"pin map id x /m", "get /m sideways", "mkdir -m" };
	char *err;
	int rc;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = cli(&rc, ERR, "%s", bad[i]);
		cr_assert_eq(rc, 2, "bpfpin %s: exit %d", bad[i], rc);
		cr_assert_eq(strncmp(err, "bpfpin: ", 8), 0, "got %s", err);
		free(err);
	}
}

Test(cli, commands_match_unique_prefixes)
{
	pin_map("/m");
	free(cli_ok("st /m"));
	free(cli_ok("g /m rdo"));
	free(cli_ok("mkd /d"));
}

static bool same_entries(struct json_object *a, struct json_object *b)
{
	size_t n = json_object_array_length(a);

	if (n != json_object_array_length(b))
		return false;
	for (size_t i = 0; i < n; i++) {
		bool found = false;

		for (size_t j = 0; j < n && !found; j++)
			found = json_object_equal(json_object_array_get_idx(a, i),
						  json_object_array_get_idx(b, j));
		if (!found)
			return false;
	}
	return true;
}

static uint32_t map_with_entries(const char *path)
{
	int fd = th_map_create(BPF_MAP_TYPE_HASH, 4, 8, 16);
	uint32_t id;

	cr_assert_geq(fd, 0);
	for (uint32_t k = 1; k <= 3; k++) {
		uint64_t v = k * 100;

		cr_assert_eq(bpf_map_update_elem(fd, &k, &v, BPF_ANY), 0);
	}
	id = fd_id(fd);
	free(cli_ok("pin map id %u %s", id, path));
	close(fd);
	return id;
}

Test(cli, dump_json_matches_bpftool_map_dump)
{
	uint32_t id = map_with_entries("/m");
	struct json_object *ours = parse(cli_ok("-j dump /m"));
	struct json_object *theirs = parse(th_run(NULL,
		"bpftool -j map dump id %u", id));

	cr_assert(same_entries(ours, theirs), "ours %s\nbpftool's %s",
		  json_object_to_json_string(ours),
		  json_object_to_json_string(theirs));
	json_object_put(ours);
	json_object_put(theirs);
}

Test(cli, lookup_matches_bpftool_map_lookup)
{
	uint32_t id = map_with_entries("/m");
	struct json_object *ours = parse(cli_ok("-j lookup /m 02 00 00 00"));
	struct json_object *theirs = parse(th_run(NULL,
		"bpftool -j map lookup id %u key 2 0 0 0", id));

	cr_assert(json_object_equal(member(ours, "key"), member(theirs, "key")));
	cr_assert(json_object_equal(member(ours, "value"), member(theirs, "value")));
	json_object_put(ours);
	json_object_put(theirs);
}

Test(cli, lookup_of_a_missing_key_fails)
{
	char *err;
	int rc;

	map_with_entries("/m");
	err = cli(&rc, ERR, "lookup /m 09 00 00 00");
	cr_assert_eq(rc, 1);
	cr_assert_str_eq(err, "bpfpin: lookup /m: key not found\n");
	free(err);
}


/* ---- -j and -p print only JSON ---- */

struct split {
	char *out, *err;
	int rc;
};

/* Run the CLI (behind prefix, e.g. setpriv) with both streams kept apart. */
static struct split cli_split(const char *prefix, const char *args)
{
	char errfile[] = "/tmp/bpfpin-cli-err.XXXXXX";
	struct split s;
	int fd = mkstemp(errfile), st;

	cr_assert_geq(fd, 0);
	close(fd);
	chmod(errfile, 0666);
	s.out = th_run(&st, "%s '%s' -s '%s' %s 2>'%s'", prefix, th_cli(),
		       d.sock, args, errfile);
	s.err = th_run(NULL, "cat '%s'", errfile);
	unlink(errfile);
	cr_assert(s.out && s.err);
	s.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return s;
}

/* text is exactly one JSON value (and a newline); it is returned. */
static struct json_object *one_value(const char *text, const char *args)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = json_tokener_parse_ex(tok, text, (int)strlen(text));
	size_t used = json_tokener_get_parse_end(tok);

	cr_assert_not_null(o, "bpfpin %s: not JSON: '%s'", args, text);
	cr_assert(strspn(text + used, " \n") == strlen(text + used) &&
		  text[strlen(text) - 1] == '\n',
		  "bpfpin %s: not one value and a newline: '%s'", args, text);
	json_tokener_free(tok);
	return o;
}

static const char *error_of(struct json_object *o, const char *args)
{
	struct json_object *e = NULL;

	cr_assert(json_object_is_type(o, json_type_object) &&
		  json_object_object_get_ex(o, "error", &e) &&
		  json_object_is_type(e, json_type_string) &&
		  json_object_object_length(o) == 1,
		  "bpfpin %s: not an error object: %s", args,
		  json_object_to_json_string(o));
	return json_object_get_string(e);
}

/* What text mode said on stderr, as -j reports it: the "bpfpin: "
 * lines without that prefix, joined by newlines, the hint to help left
 * out. */
static void text_errors(const char *err, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (const char *l = err; *l;) {
		const char *nl = strchr(l, '\n');
		int len = nl ? (int)(nl - l) : (int)strlen(l);

		if (strncmp(l, "bpfpin: ", 8) == 0)
			n += (size_t)snprintf(buf + n, size - n, "%s%.*s",
					      n ? "\n" : "", len - 8, l + 8);
		else
			cr_assert_eq(strncmp(l, "Try 'bpfpin ", 12), 0,
				     "stray stderr line '%.*s'", len, l);
		l = nl ? nl + 1 : l + len;
		cr_assert_lt(n, size);
	}
}

/* args fail with status rc in -j and in -p, printing one {"error": MSG}
 * on stdout and nothing on stderr; MSG is what text mode says on stderr. */
static void assert_json_error(const char *args, int rc)
{
	struct split text = cli_split("", args);
	char want[4200];

	text_errors(text.err, want, sizeof(want));
	cr_assert_eq(text.rc, rc, "bpfpin %s: exit %d in text", args, text.rc);
	for (int pretty = 0; pretty < 2; pretty++) {
		char line[4200];
		struct split s;
		struct json_object *o;

		snprintf(line, sizeof(line), "%s %s", pretty ? "-p" : "-j", args);
		s = cli_split("", line);
		cr_assert_eq(s.rc, rc, "bpfpin %s: exit %d", line, s.rc);
		cr_assert_str_empty(s.err, "bpfpin %s: stderr '%s'", line, s.err);
		o = one_value(s.out, line);
		cr_assert_str_eq(error_of(o, line), want,
				 "bpfpin %s: '%s', text mode said '%s'", line,
				 error_of(o, line), text.err);
		json_object_put(o);
		free(s.out);
		free(s.err);
	}
	free(text.out);
	free(text.err);
}

Test(cli, every_commands_errors_are_one_json_object_and_no_stderr)
{
	static const struct { const char *args; int rc; } cases[] = {
		/* usage errors, found before the daemon is asked */
		{ "frobnicate", 2 }, { "-Z get /m", 2 }, { "get -Z /m", 2 },
		{ "", 2 }, { "get", 2 }, { "get /m sideways", 2 },
		{ "get /m --", 2 }, { "pin", 2 }, { "pin map id x /n", 2 },
		{ "pin fd x /n", 2 }, { "export /m", 2 }, { "ls -Z", 2 },
		{ "ls /a /b", 2 }, { "stat", 2 }, { "rm", 2 }, { "rmdir", 2 },
		{ "mkdir", 2 }, { "mkdir -m zz /x", 2 }, { "mkdir -m", 2 },
		{ "mv /a", 2 }, { "mv --noreplace --exchange /a /b", 2 },
		{ "ln /a", 2 }, { "chmod 0644", 2 }, { "chmod zz /m", 2 },
		{ "chown root", 2 }, { "chown 1:2:3 /m", 1 }, { "dump", 2 },
		{ "lookup /m", 2 }, { "lookup /m zz", 2 }, { "help frob", 2 },
		{ "help get ls", 2 }, { "version 1", 2 }, { "-s", 2 },
		/* the daemon unreachable */
		{ "-s /nonexistent/sock get /m", 1 },
		{ "-s /nonexistent/sock ls", 1 },
		/* errors of the ops, and local ones */
		{ "get /nope", 1 }, { "get /nope rdonly -- true", 1 },
		{ "get /m -- /nonexistent/cmd", 127 },
		{ "pin map id 4294967295 /n", 1 }, { "pin pinned /nonexistent /n", 1 },
		{ "pin fd 99 /n", 1 }, { "pin prog id 4294967295 /n", 1 },
		{ "export /nope /sys/fs/bpf/x", 1 }, { "export /m /tmp/x", 1 },
		{ "ls /nope", 1 }, { "ls -l /nope", 1 }, { "stat /nope", 1 },
		{ "rm /nope", 1 }, { "rmdir /m", 1 }, { "mkdir /m", 1 },
		{ "mkdir -p /m/x", 1 }, { "mv /nope /n", 1 }, { "ln /nope /n", 1 },
		{ "ln -s /m /m", 1 }, { "chmod 0644 /nope", 1 },
		{ "chown nosuchuser-bpfpin /m", 1 }, { "chown 0 /nope", 1 },
		{ "dump /nope", 1 }, { "lookup /nope 1 0 0 0", 1 },
		/* several paths, several failures: one object */
		{ "rm /nope /nope2", 1 }, { "rmdir /nope /nope2", 1 },
		{ "mkdir /m /nope/x", 1 }, { "chmod 0644 /m /nope", 1 },
		{ "chown 0:0 /nope /m", 1 },
	};

	pin_map("/m");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_json_error(cases[i].args, cases[i].rc);
}

/* bpftool -j map lookup of a missing key prints null and fails. */
Test(cli, json_lookup_of_a_missing_key_is_null_as_bpftool)
{
	uint32_t id = map_with_entries("/m");
	struct split s = cli_split("", "-j lookup /m 09 00 00 00");
	int st;
	char *theirs = th_run(&st, "bpftool -j map lookup id %u key 9 0 0 0",
			      id);

	cr_assert_neq(st, 0, "bpftool found the key");
	cr_assert_eq(s.rc, 1);
	cr_assert_str_empty(s.err);
	cr_assert_str_eq(s.out, theirs);
	free(s.out);
	free(s.err);
	free(theirs);
}

Test(cli, several_failures_are_one_error_one_line_each)
{
	struct split s = cli_split("", "-j rm /a /b");
	struct json_object *o = one_value(s.out, "-j rm /a /b");

	cr_assert_str_eq(error_of(o, "rm"), "rm /a: No such file or directory\n"
			 "rm /b: No such file or directory");
	json_object_put(o);
	free(s.out);
	free(s.err);
}

/* -j may come after what is wrong: the error is JSON all the same. */
Test(cli, json_is_honoured_behind_a_bad_option_or_command)
{
	static const char *const lines[] = { "frobnicate -j", "frob --pretty",
		"-Z get /m -j", "get -Z /m -j", "get -Z -p /m",
		"mv --noreplace --exchange /a /b --json", "mkdir -m zz /x -j" };

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct split s = cli_split("", lines[i]);
		struct json_object *o;

		cr_assert_eq(s.rc, 2, "bpfpin %s: exit %d", lines[i], s.rc);
		cr_assert_str_empty(s.err, "bpfpin %s: stderr '%s'", lines[i], s.err);
		o = one_value(s.out, lines[i]);
		error_of(o, lines[i]);
		json_object_put(o);
		free(s.out);
		free(s.err);
	}
}

/* An error inside an output already begun (a listing) is one of its
 * elements, as in bpftool's show: stdout stays one JSON value. */
static void assert_array_with_error(const char *prefix, const char *args,
				    size_t want_len)
{
	struct split s = cli_split(prefix, args);
	struct json_object *o = one_value(s.out, args), *last;

	cr_assert_eq(s.rc, 1, "bpfpin %s: exit %d", args, s.rc);
	cr_assert_str_empty(s.err, "bpfpin %s: stderr '%s'", args, s.err);
	cr_assert(json_object_is_type(o, json_type_array), "%s", s.out);
	cr_assert_eq(json_object_array_length(o), want_len, "%s", s.out);
	last = json_object_array_get_idx(o, want_len - 1);
	error_of(last, args);
	json_object_put(o);
	free(s.out);
	free(s.err);
}

Test(cli, partial_failures_of_listings_stay_one_json_value)
{
	pin_map("/m");
	free(cli_ok("mkdir -m 0700 /secret"));
	free(cli_ok("mkdir -m 0755 /open"));
	assert_array_with_error("", "-j stat /m /nope", 2);
	assert_array_with_error("", "-p stat /m /nope", 2);
	/* uid 65534 lists / (open, secret, m) and fails inside /secret */
	assert_array_with_error("setpriv --reuid 65534 --regid 65534 "
				"--clear-groups", "-j ls -R /", 4);
	assert_array_with_error("setpriv --reuid 65534 --regid 65534 "
				"--clear-groups", "-p ls -R /", 4);
}

Test(cli, help_in_json_mode_is_null)
{
	static const char *const lines[] = { "-j help", "-j --help",
		"-p help get", "get --help -j" };

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char *out = cli_ok("%s", lines[i]);

		cr_assert_str_eq(out, "null\n", "bpfpin %s: %s", lines[i], out);
		free(out);
	}
}

/* bpftool's -p output of the same command, byte for byte. */
static void assert_same_bytes(const char *ours_args, const char *bpftool_args)
{
	char *ours = cli_ok("%s", ours_args);
	char *theirs = th_run(NULL, "bpftool %s", bpftool_args);

	cr_assert_str_eq(ours, theirs, "bpfpin %s:\n%s\nbpftool %s:\n%s",
			 ours_args, ours, bpftool_args, theirs);
	free(ours);
	free(theirs);
}

Test(cli, pretty_is_bpftools_layout_byte_for_byte)
{
	uint32_t id = map_with_entries("/m");
	char ours[64], theirs[96];
	int prog = th_prog_load();

	snprintf(theirs, sizeof(theirs), "-p map show id %u", id);
	assert_same_bytes("-p get /m", theirs);
	snprintf(theirs, sizeof(theirs), "-p map dump id %u", id);
	assert_same_bytes("-p dump /m", theirs);
	snprintf(theirs, sizeof(theirs), "-p map lookup id %u key 2 0 0 0", id);
	assert_same_bytes("-p lookup /m 2 0 0 0", theirs);
	cr_assert_geq(prog, 0);
	snprintf(ours, sizeof(ours), "pin prog id %u /p", fd_id(prog));
	free(cli_ok("%s", ours));
	snprintf(theirs, sizeof(theirs), "-p prog show id %u", fd_id(prog));
	assert_same_bytes("-p get /p", theirs);
	close(prog);
}

/* bpftool's error object, its message replaced by ours: the same bytes. */
Test(cli, pretty_error_is_bpftools_layout)
{
	char *theirs = th_run(NULL, "bpftool -p map show id 4294967295");
	struct json_object *o = one_value(theirs, "bpftool");
	const char *msg = error_of(o, "bpftool"), *at = strstr(theirs, msg);
	struct split s = cli_split("", "-p get /nope");
	char want[512];

	cr_assert_not_null(at);
	snprintf(want, sizeof(want), "%.*s%s%s", (int)(at - theirs), theirs,
		 "get /nope: No such file or directory", at + strlen(msg));
	cr_assert_str_eq(s.out, want);
	json_object_put(o);
	free(theirs);
	free(s.out);
	free(s.err);
}
