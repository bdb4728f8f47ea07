/* tests/test_load.c: the load op against a real bpfpind, with objects
 * clang built from tests/progs/load_*.bpf.c: programs and maps pinned, a
 * program the verifier refuses (its log in the reply, the CLI and a
 * memfd; nothing pinned or leaked, counted with bpftool), maps shared
 * between two loads, all or nothing (also when the daemon is killed
 * between two pins), who may load, hostile fds, and GET served while a
 * long verification runs on the worker. */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpfpin/bpfpin.h>
#include <json-c/json.h>

#include "tests/harness.h"

#define NOBODY 65534
#define LOADERS 2000    /* bpfpind --load-group */

static struct th_daemon d;
static struct bpfpin *b;
static const char *const extra[] = { "--load-group", "2000", NULL };

static void start(void)
{
	umask(022);
	cr_assert_eq(th_daemon_start(&d, true, extra), 0);
	cr_assert_eq(bpfpin_connect(d.sock, &b), 0);
}

static void stop(void)
{
	bpfpin_close(b);
	b = NULL;
	th_daemon_stop(&d);
}

TestSuite(load, .init = start, .fini = stop, .timeout = 120);

static const char *obj(const char *name)
{
	static char path[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/load_%s.bpf.o", LOAD_PROGS_DIR, name);
	return path[i];
}

/* Load object name at path with opts (may be NULL); the result's JSON. */
static int load(const char *name, const char *path, struct bpfpin_load_opts *o)
{
	int fd = open(obj(name), O_RDONLY | O_CLOEXEC), r;

	cr_assert_geq(fd, 0, "%s", obj(name));
	r = bpfpin_load(b, fd, path, o);
	close(fd);
	return r;
}

static struct json_object *parsed(const char *json)
{
	struct json_object *o = json ? json_tokener_parse(json) : NULL;

	cr_assert(o, "no JSON: %s", json ? json : "(null)");
	return o;
}

static const char *at(struct json_object *o, const char *path)
{
	char buf[256], *save, *k;
	struct json_object *v = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (k = strtok_r(buf, ".", &save); k && v; k = strtok_r(NULL, ".", &save)) {
		if (k[0] >= '0' && k[0] <= '9')
			v = json_object_array_get_idx(v, atoi(k));
		else if (!json_object_object_get_ex(v, k, &v))
			v = NULL;
	}
	return v ? json_object_get_string(v) : NULL;
}

static bool exists(const char *path)
{
	struct bpfpin_stat st;

	return bpfpin_lstat(b, path, &st) == 0;
}

/* Programs or maps ("prog" or "map") the kernel holds now of the names
 * in names ("a|b"), by bpftool: the suite's tests run one at a time, but
 * other processes of the machine load programs too. */
static int kernel_count(const char *what, const char *names)
{
	char *out = th_run(NULL, "bpftool %s list | grep -cE ' name (%s) '", what, names);
	int n = atoi(out);

	free(out);
	return n;
}

struct counts {
	const char *progs, *maps;       /* the names */
	int nprogs, nmaps, nfds;
};

static struct counts count(const char *progs, const char *maps)
{
	return (struct counts){ progs, maps, kernel_count("prog", progs),
				kernel_count("map", maps), th_fd_count(d.pid) };
}

/* The kernel frees objects after an RCU grace period, the daemon its
 * snapshots after their jobs: wait for the counts to come back, up to
 * 3 s. */
static void expect_counts(const struct counts *c0)
{
	struct counts c = *c0;

	for (int i = 0; i < 60; i++) {
		c = count(c0->progs, c0->maps);
		if (c.nprogs == c0->nprogs && c.nmaps == c0->nmaps && c.nfds == c0->nfds)
			return;
		usleep(50000);
	}
	cr_expect_eq(c.nprogs, c0->nprogs, "programs: %d before, %d after", c0->nprogs, c.nprogs);
	cr_expect_eq(c.nmaps, c0->nmaps, "maps: %d before, %d after", c0->nmaps, c.nmaps);
	cr_expect_eq(c.nfds, c0->nfds, "daemon fds: %d before, %d after", c0->nfds, c.nfds);
}

Test(load, pins_programs_and_maps_with_who_loaded_them)
{
	struct bpfpin_load_opts o = { .sz = sizeof(o), .umask = -1,
				      .pinmaps = "/app/maps", .file_name = "load_count.bpf.o" };
	struct bpfpin_stat st;
	struct json_object *r;
	char *sum;

	cr_assert_eq(load("count", "/app", &o), 0, "%s", bpfpin_errmsg(b));
	r = parsed(o.json);
	cr_expect_str_eq(at(r, "programs.0.name"), "count_egress");
	cr_expect_str_eq(at(r, "programs.0.path"), "/app/count_egress");
	cr_expect_str_eq(at(r, "programs.0.type"), "cgroup_skb");
	cr_expect_str_eq(at(r, "maps.0.path"), "/app/maps/load_bytes");
	cr_assert_eq(bpfpin_stat(b, "/app/count_egress", &st), 0);
	cr_expect_eq(st.obj_kind, BPFPIN_OBJ_PROG);
	cr_expect_str_eq(st.obj_type_name, "cgroup_skb");
	cr_expect_eq((int)st.obj_id, atoi(at(r, "programs.0.id")));
	cr_expect_eq(st.mode & 07777, 0600);
	cr_assert_eq(bpfpin_stat(b, "/app/maps/load_bytes", &st), 0);
	cr_expect_str_eq(st.obj_type_name, "hash");
	/* who loaded what: the record's hash is the file's */
	sum = th_run(NULL, "sha256sum '%s' | cut -c1-64 | tr -d '\\n'", obj("count"));
	cr_expect_str_eq(at(r, "loaded_by.sha256"), sum);
	cr_expect_str_eq(at(r, "loaded_by.file"), "load_count.bpf.o");
	cr_expect_eq(atoi(at(r, "loaded_by.uid")), 0);
	cr_expect_eq(atoi(at(r, "loaded_by.pid")), getpid());
	cr_expect_eq(o.log_fd, -1, "no log asked for");
	free(sum);
	json_object_put(r);
	free(o.json);
}

/* The load's record goes on every pin it made (stat, the mount's xattr)
 * and stays there across a SIGKILL and restart. */
Test(load, who_loaded_what_is_on_its_pins_and_survives_a_restart)
{
	struct bpfpin_load_opts o = { .sz = sizeof(o), .umask = -1,
				      .pinmaps = "/rec/maps", .file_name = "load_count.bpf.o" };
	static const char *const pins[] = { "/rec/count_egress", "/rec/maps/load_bytes" };
	char *sum, *json, path[512], val[512];
	struct json_object *p;
	ssize_t n;

	cr_assert_eq(load("count", "/rec", &o), 0, "%s", bpfpin_errmsg(b));
	free(o.json);
	sum = th_run(NULL, "sha256sum '%s' | cut -c1-64 | tr -d '\\n'", obj("count"));
	bpfpin_close(b);
	b = NULL;
	cr_assert_eq(th_daemon_restart(&d, SIGKILL), 0);
	cr_assert_eq(bpfpin_connect(d.sock, &b), 0);
	for (size_t i = 0; i < 2; i++) {
		cr_assert_eq(bpfpin_provenance(b, pins[i], 0, &json), 0, "%s",
			     bpfpin_errmsg(b));
		p = parsed(json);
		cr_assert_not_null(at(p, "loaded.sha256"), "%s: no record: %s",
				   pins[i], json);
		cr_expect_str_eq(at(p, "loaded.sha256"), sum, "%s", pins[i]);
		cr_expect_str_eq(at(p, "loaded.file"), "load_count.bpf.o");
		cr_expect_eq(atoi(at(p, "loaded.uid")), 0);
		cr_expect_eq(atoi(at(p, "loaded.pid")), getpid());
		json_object_put(p);
		free(json);
		snprintf(path, sizeof(path), "%s%s", d.mnt, pins[i]);
		n = getxattr(path, "user.bpfpin.loaded_sha256", val, sizeof(val) - 1);
		cr_assert_gt(n, 0, "%s: getxattr: %s", path, strerror(errno));
		val[n] = '\0';
		cr_expect_str_eq(val, sum, "%s", pins[i]);
		n = getxattr(path, "user.bpfpin.loaded_by", val, sizeof(val) - 1);
		cr_assert_gt(n, 0, "%s: getxattr: %s", path, strerror(errno));
		val[n] = '\0';
		cr_expect(!strncmp(val, "uid=0 pid=", 10), "%s: %s", pins[i], val);
	}
	free(sum);
}

static char *read_memfd(int fd, size_t *len);

Test(load, log_level_gives_the_log_on_success_and_type_overrides)
{
	struct bpfpin_load_opts o = { .sz = sizeof(o), .umask = -1, .log_level = 1 };
	struct json_object *r;
	size_t len;
	char *log;

	cr_assert_eq(load("count", "/v", &o), 0, "%s", bpfpin_errmsg(b));
	cr_assert_geq(o.log_fd, 0, "a log was asked for");
	log = read_memfd(o.log_fd, &len);
	cr_expect_eq(len, o.log_size);
	cr_expect(strstr(log, "prog 'count_egress': -- BEGIN PROG LOAD LOG --\n"), "%s", log);
	cr_expect(strstr(log, "processed "), "%s", log);
	close(o.log_fd);
	free(log);
	free(o.json);
	/* "type socket": every program a socket filter */
	o = (struct bpfpin_load_opts){ .sz = sizeof(o), .umask = -1, .prog_type = "socket" };
	cr_assert_eq(load("count", "/t", &o), 0, "%s", bpfpin_errmsg(b));
	r = parsed(o.json);
	cr_expect_str_eq(at(r, "programs.0.type"), "socket_filter");
	json_object_put(r);
	free(o.json);
	o.json = NULL;
	o.prog_type = "no_such_type";
	cr_expect_eq(load("count", "/t2", &o), -EINVAL);
	cr_expect(strstr(bpfpin_errmsg(b), "member \"type\" is not a program type"),
		  "%s", bpfpin_errmsg(b));
	free(o.json);
}

static char *read_memfd(int fd, size_t *len)
{
	struct stat sb;
	char *s;

	cr_assert_eq(fstat(fd, &sb), 0);
	s = calloc(1, (size_t)sb.st_size + 1);
	cr_assert_eq(pread(fd, s, (size_t)sb.st_size, 0), sb.st_size);
	*len = (size_t)sb.st_size;
	return s;
}

Test(load, refused_program_gives_its_log_and_pins_nothing)
{
	struct bpfpin_load_opts o = { .sz = sizeof(o), .umask = -1 };
	struct counts c0 = count("unchecked", "vals");
	struct json_object *e;
	size_t len;
	char *log, *out;

	cr_assert_eq(load("bad", "/bad", &o), -EACCES);
	/* the message names the failing instruction, its reason and source */
	cr_expect(strstr(bpfpin_errmsg(b), "'unchecked' at instruction 7: (79) r1 = *(u64 *)(r0 +0)"),
		  "%s", bpfpin_errmsg(b));
	cr_expect(strstr(bpfpin_errmsg(b), "invalid mem access"), "%s", bpfpin_errmsg(b));
	cr_expect(strstr(bpfpin_errmsg(b), "load_bad.bpf.c:19"), "%s", bpfpin_errmsg(b));
	e = parsed(o.json);
	cr_expect_str_eq(at(e, "log.prog"), "unchecked");
	cr_expect(strstr(at(e, "log.tail"), "processed 7 insns"), "%s", at(e, "log.tail"));
	cr_expect(strstr(at(e, "log.libbpf"), "BPF program load failed"));
	/* the whole log, in the memfd, as long as the reply says */
	cr_assert_geq(o.log_fd, 0);
	log = read_memfd(o.log_fd, &len);
	cr_expect_eq(len, o.log_size);
	cr_expect_eq((long long)len, atoll(at(e, "log.size")));
	cr_expect(strstr(log, "prog 'unchecked': -- BEGIN PROG LOAD LOG --\n0: R1=ctx()"), "%s", log);
	cr_expect(strstr(log, "R0 invalid mem access 'map_value_or_null'\n"));
	cr_expect(strstr(log, "-- END PROG LOAD LOG --\n"));
	close(o.log_fd);
	free(log);
	json_object_put(e);
	free(o.json);
	cr_expect(!exists("/bad"), "nothing pinned");
	/* the CLI prints the log as bpftool does, then the error */
	out = th_run(NULL, "BPFPIN_SOCKET='%s' '%s' load '%s' /bad 2>&1", d.sock,
		     th_cli(), obj("bad"));
	cr_expect(strstr(out, "libbpf: prog 'unchecked': BPF program load failed"), "%s", out);
	cr_expect(strstr(out, "-- BEGIN PROG LOAD LOG --\n"), "%s", out);
	cr_expect(strstr(out, "7: (79) r1 = *(u64 *)(r0 +0)\nR0 invalid mem access"), "%s", out);
	cr_expect(strstr(out, "bpfpin: load "), "%s", out);
	free(out);
	cr_expect(!exists("/bad"));
	expect_counts(&c0);
}

/* Run the program pinned at path once on a small packet. */
static void run_prog(const char *path)
{
	char pkt[64] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt, .data_size_in = sizeof(pkt));
	int fd = bpfpin_get(b, path, O_RDWR);

	cr_assert_geq(fd, 0, "%s: %s", path, bpfpin_errmsg(b));
	cr_assert_eq(bpf_prog_test_run_opts(fd, &t), 0, "test run of %s", path);
	close(fd);
}

static uint64_t slot(int map, uint32_t key)
{
	uint64_t v = 0;

	cr_assert_eq(bpf_map_lookup_elem(map, &key, &v), 0);
	return v;
}

Test(load, two_objects_share_one_pinned_map)
{
	struct bpfpin_load_opts o = { .sz = sizeof(o), .umask = -1, .pinmaps = "/sm" };
	struct bpfpin_load_map m = { "shared", "/sm/shared" };
	struct json_object *r1, *r2, *r3;
	int map;

	/* LIBBPF_PIN_BY_NAME: the first load pins it, the second reuses it */
	cr_assert_eq(load("share", "/s1", &o), 0, "%s", bpfpin_errmsg(b));
	r1 = parsed(o.json);
	cr_expect_str_eq(at(r1, "maps.0.reused"), "false");
	free(o.json);
	cr_assert_eq(load("share", "/s2", &o), 0, "%s", bpfpin_errmsg(b));
	r2 = parsed(o.json);
	cr_expect_str_eq(at(r2, "maps.0.reused"), "true");
	cr_expect_str_eq(at(r2, "maps.0.id"), at(r1, "maps.0.id"));
	free(o.json);
	/* a map named to reuse ("map shared /sm/shared") */
	o = (struct bpfpin_load_opts){ .sz = sizeof(o), .umask = -1, .maps = &m, .nmaps = 1 };
	cr_assert_eq(load("plain", "/s3", &o), 0, "%s", bpfpin_errmsg(b));
	r3 = parsed(o.json);
	cr_expect_str_eq(at(r3, "maps.0.id"), at(r1, "maps.0.id"));
	free(o.json);
	/* each object's program writes; every one sees the others' writes */
	run_prog("/s1/bump");
	run_prog("/s2/bump");
	run_prog("/s3/bump_too");
	map = bpfpin_get(b, "/sm/shared", O_RDONLY);
	cr_assert_geq(map, 0);
	cr_expect_eq(slot(map, 0), 2);
	cr_expect_eq(slot(map, 1), 1);
	close(map);
	json_object_put(r1);
	json_object_put(r2);
	json_object_put(r3);
}

Test(load, by_name_map_without_pinmaps_is_refused)
{
	cr_assert_eq(load("share", "/s", NULL), -EINVAL);
	cr_expect(strstr(bpfpin_errmsg(b), "pinned by name"), "%s", bpfpin_errmsg(b));
	cr_expect(!exists("/s"));
}

Test(load, second_program_failing_leaves_nothing)
{
	struct bpfpin_load_opts o = { .sz = sizeof(o), .umask = -1, .pinmaps = "/an/maps" };
	struct counts c0 = count("first_ok|second_bad", "slots");

	cr_assert_eq(bpfpin_mkdir(b, "/an", 0755), 0);
	cr_expect_lt(load("second_bad", "/an/progs", &o), 0);
	cr_expect(strstr(bpfpin_errmsg(b), "'second_bad'"), "%s", bpfpin_errmsg(b));
	if (o.log_fd >= 0)
		close(o.log_fd);
	free(o.json);
	cr_expect(!exists("/an/progs"));
	cr_expect(!exists("/an/maps"));
	expect_counts(&c0);
}

Test(load, pin_failing_midway_is_undone)
{
	struct bpfpin_load_opts o = { .sz = sizeof(o), .umask = -1, .pinmaps = "/col/maps" };
	int map = th_map_create(BPF_MAP_TYPE_ARRAY, 4, 4, 1);
	struct counts c0;

	cr_assert_eq(bpfpin_mkdir(b, "/col", 0755), 0);
	cr_assert_eq(bpfpin_mkdir(b, "/col/maps", 0755), 0);
	cr_assert_eq(bpfpin_pin(b, map, "/col/maps/load_bytes", NULL), 0);
	close(map);
	c0 = count("count_egress", "load_bytes");
	/* the program's pin is made, then the map's name is taken */
	cr_assert_eq(load("count", "/col/progs", &o), -EEXIST);
	cr_expect(strstr(bpfpin_errmsg(b), "/col/maps/load_bytes"), "%s", bpfpin_errmsg(b));
	free(o.json);
	cr_expect(!exists("/col/progs/count_egress"));
	cr_expect(!exists("/col/progs"), "the directory the load made is gone");
	cr_expect(exists("/col/maps/load_bytes"), "what was there stays");
	expect_counts(&c0);
}

/* In a child as uid 65534 with groups, load the count object at path:
 * returns the errno and the message in msg. */
static int load_as(gid_t gid, const char *path, char *msg, size_t size)
{
	int p[2], status, r;
	pid_t pid;

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct bpfpin *c;
		char out[300];
		int fd = open(obj("count"), O_RDONLY | O_CLOEXEC);

		if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(NOBODY) < 0 ||
		    bpfpin_connect(d.sock, &c) < 0)
			_exit(120);
		r = bpfpin_load(c, fd, path, NULL);
		snprintf(out, sizeof(out), "%d %s", r, bpfpin_errmsg(c));
		if (write(p[1], out, strlen(out)) < 0)
			_exit(121);
		_exit(0);
	}
	close(p[1]);
	r = (int)read(p[0], msg, size - 1);
	msg[r > 0 ? r : 0] = '\0';
	close(p[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %d", status);
	return atoi(msg);
}

Test(load, only_root_and_the_load_group_may_load)
{
	char msg[300];

	cr_assert_eq(bpfpin_mkdir(b, "/pub", 0777), 0);
	cr_assert_eq(bpfpin_chmod(b, "/pub", 01777), 0);
	cr_expect_eq(load_as(NOBODY, "/pub/x", msg, sizeof(msg)), -EPERM, "%s", msg);
	cr_expect(strstr(msg, "root and the members of group 2000"), "%s", msg);
	cr_expect(strstr(msg, "uid 65534 is not one"), "%s", msg);
	cr_expect(!exists("/pub/x"));
	cr_expect_eq(load_as(LOADERS, "/pub/y", msg, sizeof(msg)), 0, "%s", msg);
	cr_expect(exists("/pub/y/count_egress"));
}

Test(load, hostile_fds_are_refused_and_closed)
{
	struct counts c0;
	int p[2], fd, mfd, map;
	char path[160];

	/* a pin whose file on the mount was opened once: the daemon's fds
	 * for it are counted before */
	map = th_map_create(BPF_MAP_TYPE_ARRAY, 4, 4, 1);
	cr_assert_eq(bpfpin_pin(b, map, "/m", NULL), 0);
	close(map);
	snprintf(path, sizeof(path), "%s/m", d.mnt);
	close(open(path, O_RDONLY | O_CLOEXEC));
	usleep(200000);
	c0 = count("none", "none");
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	cr_expect_eq(bpfpin_load(b, p[0], "/h", NULL), -EINVAL);
	cr_expect(strstr(bpfpin_errmsg(b), "pipe"), "%s", bpfpin_errmsg(b));
	close(p[0]);
	close(p[1]);
	/* a file on our own mount: never read */
	mfd = open(path, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(mfd, 0, "%s", path);
	cr_expect_eq(bpfpin_load(b, mfd, "/h", NULL), -EINVAL);
	cr_expect(strstr(bpfpin_errmsg(b), "own mount"), "%s", bpfpin_errmsg(b));
	close(mfd);
	/* a huge file, sparse */
	snprintf(path, sizeof(path), "%s/huge", d.dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	cr_assert_eq(ftruncate(fd, 65 << 20), 0);
	cr_expect_eq(bpfpin_load(b, fd, "/h", NULL), -EFBIG);
	cr_expect(strstr(bpfpin_errmsg(b), "more than"), "%s", bpfpin_errmsg(b));
	close(fd);
	/* not open for reading, a directory, garbage */
	fd = open(path, O_WRONLY | O_CLOEXEC);
	cr_expect_eq(bpfpin_load(b, fd, "/h", NULL), -EBADF);
	close(fd);
	fd = open(d.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_expect_eq(bpfpin_load(b, fd, "/h", NULL), -EINVAL);
	close(fd);
	fd = open(path, O_RDWR | O_TRUNC | O_CLOEXEC);
	cr_assert_eq(write(fd, "not an ELF file", 15), 15);
	cr_expect_eq(bpfpin_load(b, fd, "/h", NULL), -ENOEXEC, "%s", bpfpin_errmsg(b));
	close(fd);
	cr_expect(!exists("/h"));
	expect_counts(&c0);
}

struct slow_load {
	const char *sock;
	int r;
	double secs;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *slow_thread(void *arg)
{
	struct slow_load *s = arg;
	struct bpfpin *c;
	int fd = open(obj("slow"), O_RDONLY | O_CLOEXEC);
	double t0 = now();

	s->r = bpfpin_connect(s->sock, &c);
	if (s->r == 0)
		s->r = bpfpin_load(c, fd, "/slow", NULL);
	s->secs = now() - t0;
	bpfpin_close(c);
	close(fd);
	return NULL;
}

static int cmp_double(const void *pa, const void *pb)
{
	double x = *(const double *)pa, y = *(const double *)pb;

	return (x > y) - (x < y);
}

/* GETs go on being answered while a load verifies for over a second: the
 * typical one within a few ms and none held for anything like the load's
 * length (a loop blocked by the load would hold one for all of it). The
 * bounds leave room for the CPU the suites running beside this one take
 * on two cores. */
#define GETS_MAX 20000

Test(load, long_load_does_not_delay_get)
{
	static double lat[GETS_MAX];
	struct slow_load s = { .sock = d.sock };
	int map = th_map_create(BPF_MAP_TYPE_ARRAY, 4, 4, 1), n = 0;
	double t0;
	pthread_t t;

	cr_assert_eq(bpfpin_pin(b, map, "/g", NULL), 0);
	close(map);
	cr_assert_eq(pthread_create(&t, NULL, slow_thread, &s), 0);
	usleep(100000);
	t0 = now();
	while (!exists("/slow/slow") && now() - t0 < 10 && n < GETS_MAX) {
		double t1 = now();
		int fd = bpfpin_get(b, "/g", O_RDONLY);

		cr_assert_geq(fd, 0);
		close(fd);
		lat[n++] = now() - t1;
		usleep(1000);
	}
	pthread_join(t, NULL);
	cr_assert_eq(s.r, 0, "the slow load failed");
	cr_expect_gt(s.secs, 1.0, "the load took %.2f s only", s.secs);
	cr_assert_gt(n, 100, "only %d GETs during a %.2f s load", n, s.secs);
	qsort(lat, (size_t)n, sizeof(lat[0]), cmp_double);
	cr_expect_lt(lat[n / 2], 0.005, "the median GET took %.1f ms during the load",
		     lat[n / 2] * 1e3);
	cr_expect_lt(lat[n - 1], 0.25, "a GET took %.1f ms during a %.2f s load",
		     lat[n - 1] * 1e3, s.secs);
	cr_log_info("load %.2f s; %d GETs meanwhile: median %.2f ms, p99 %.2f ms, "
		    "slowest %.2f ms", s.secs, n, lat[n / 2] * 1e3,
		    lat[n * 99 / 100] * 1e3, lat[n - 1] * 1e3);
}

static int connect_raw(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d.sock);
	cr_assert_eq(connect(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return s;
}

static void send_with_fd(int s, const char *msg, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { (void *)msg, strlen(msg) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	cr_assert_eq(sendmsg(s, &mh, 0), (ssize_t)strlen(msg));
}

Test(load, connection_closed_mid_load_pins_nothing)
{
	int fd = open(obj("slow"), O_RDONLY | O_CLOEXEC), s;
	struct counts c0 = count("slow|slow_too", "none");

	/* the request alone, then the connection goes */
	s = connect_raw();
	send_with_fd(s, "{\"v\":1,\"id\":1,\"op\":\"load\",\"fd\":0,\"path\":\"/gone\"}", fd);
	usleep(200000);
	close(s);
	close(fd);
	sleep(2);       /* the job ends on its own */
	cr_expect(!exists("/gone"));
	expect_counts(&c0);
}

Test(load, the_examples_load_and_show_the_log)
{
	const char *py = getenv("PYTHON3") ? getenv("PYTHON3") : "python3";
	char *out;
	int st;

	out = th_run(&st, "BPFPIN_SOCKET='%s' %s/examples/c/load '%s' /c 2>&1",
		     d.sock, getenv("BPFPIN_BUILDDIR"), obj("count"));
	cr_expect_eq(st, 0, "%s", out);
	cr_expect(strstr(out, "\"path\":\"/c/count_egress\""), "%s", out);
	free(out);
	out = th_run(&st, "BPFPIN_SOCKET='%s' %s %s/examples/python/bpfpin.py load /py "
		     "--object '%s' --pinmaps /py/maps 2>&1", d.sock, py,
		     getenv("BPFPIN_SRCDIR"), obj("count"));
	cr_expect_eq(st, 0, "%s", out);
	cr_expect(strstr(out, "/py/count_egress: prog "), "%s", out);
	cr_expect(exists("/py/maps/load_bytes"));
	free(out);
	out = th_run(&st, "BPFPIN_SOCKET='%s' %s %s/examples/python/bpfpin.py load /pyb "
		     "--object '%s' 2>&1", d.sock, py, getenv("BPFPIN_SRCDIR"), obj("bad"));
	cr_expect_neq(st, 0);
	cr_expect(strstr(out, "-- BEGIN PROG LOAD LOG --"), "%s", out);
	cr_expect(strstr(out, "EACCES: the verifier refused program 'unchecked'"), "%s", out);
	free(out);
}

/* One test at a time: several count the kernel's objects. */
int main(int argc, char **argv)
{
	struct criterion_test_set *tests = criterion_initialize();
	int r = 0;

	criterion_options.jobs = 1;
	if (criterion_handle_args(argc, argv, true))
		r = !criterion_run_all_tests(tests);
	criterion_finalize(tests);
	return r;
}

static uint64_t nodes_used(void)
{
	struct bpfpin_limits l = { .sz = sizeof(l) };

	cr_assert_eq(bpfpin_limits(b, 0, &l), 0, "limits: %s", bpfpin_errmsg(b));
	return l.nodes.used;
}

/* Load name at path with o (may be NULL) by a daemon that dies at
 * load-between-pins, then restart it. */
static void load_killed(const char *name, const char *path, struct bpfpin_load_opts *o)
{
	bpfpin_close(b);
	setenv("BPFPIND_CRASH_AT", "load-between-pins", 1);
	cr_assert_eq(th_daemon_restart(&d, SIGTERM), 0);
	unsetenv("BPFPIND_CRASH_AT");
	cr_assert_eq(bpfpin_connect(d.sock, &b), 0);
	cr_assert_lt(load(name, path, o), 0, "the daemon did not die mid-load");
	bpfpin_close(b);
	cr_assert_eq(th_daemon_restart(&d, SIGKILL), 0);
	cr_assert_eq(bpfpin_connect(d.sock, &b), 0);
}

/* A daemon killed between two pins of a load (the test hook) never
 * replied: after the restart nothing of that load is in the namespace or
 * in the store, its nodes are not counted, and the same load succeeds. */
Test(load, a_load_killed_between_its_pins_leaves_nothing_after_a_restart)
{
	static const char *const pins[] = { "/lj/slow", "/lj/slow_too", "/lj/slow_three" };
	uint64_t used = nodes_used();
	char path[512];

	load_killed("slow", "/lj", NULL);
	cr_expect(!exists("/lj"), "/lj is left from the killed load");
	snprintf(path, sizeof(path), "%s/store/ns/lj", d.state);
	cr_expect_eq(access(path, F_OK), -1, "%s is left in the store", path);
	snprintf(path, sizeof(path), "%s/intent.log", d.state);
	cr_expect_eq(access(path, F_OK), -1, "%s is left", path);
	cr_expect_eq(nodes_used(), used);
	cr_assert_eq(load("slow", "/lj", NULL), 0, "%s", bpfpin_errmsg(b));
	for (size_t i = 0; i < 3; i++)
		cr_expect(exists(pins[i]), "%s", pins[i]);
	cr_expect_eq(nodes_used(), used + 4);
}

/* Only what the killed load made goes: a directory that was there and
 * what is in it stay, the map directory it made and its program's pin
 * go, and the kernel holds none of its programs or maps. */
Test(load, a_killed_load_takes_away_only_what_it_made)
{
	struct bpfpin_load_opts o = { .sz = sizeof(o), .umask = -1, .pinmaps = "/keep/maps" };
	int progs = kernel_count("prog", "count_egress"), maps = kernel_count("map", "load_bytes");

	cr_assert_eq(bpfpin_mkdir(b, "/keep", 0755), 0, "%s", bpfpin_errmsg(b));
	cr_assert_eq(bpfpin_symlink(b, "elsewhere", "/keep/other"), 0, "%s", bpfpin_errmsg(b));
	load_killed("count", "/keep", &o);
	cr_expect(exists("/keep"), "/keep, there before the load, is gone");
	cr_expect(exists("/keep/other"), "/keep/other, there before the load, is gone");
	cr_expect(!exists("/keep/count_egress"), "the killed load's program pin is left");
	cr_expect(!exists("/keep/maps"), "the killed load's map directory is left");
	/* the kernel frees a dead daemon's objects a moment later (RCU) */
	for (int i = 0; i < 60 && (kernel_count("prog", "count_egress") != progs ||
				   kernel_count("map", "load_bytes") != maps); i++)
		usleep(50000);
	cr_expect_eq(kernel_count("prog", "count_egress"), progs);
	cr_expect_eq(kernel_count("map", "load_bytes"), maps);
	cr_assert_eq(load("count", "/keep", &o), 0, "%s", bpfpin_errmsg(b));
	free(o.json);
	cr_expect(exists("/keep/count_egress") && exists("/keep/maps/load_bytes"));
}
