/* tests/attach_util.c: the attach suites' shared parts (attach_util.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <json-c/json.h>

#include "bpfpin/bpfpin.h"
#include "tests/attach_util.h"

struct th_daemon au_d;
struct bpfpin *au_b;

void au_setup(void)
{
	umask(022);
	cr_assert_eq(th_daemon_start(&au_d, true, NULL), 0, "bpfpind did not start");
	cr_assert_eq(bpfpin_connect(au_d.sock, &au_b), 0);
	cr_assert_eq(bpfpin_mkdir(au_b, "/p", 0755), 0);
	cr_assert_eq(bpfpin_mkdir(au_b, "/m", 0755), 0);
	cr_assert_eq(bpfpin_mkdir(au_b, "/l", 0777), 0);
	cr_assert_eq(bpfpin_chmod(au_b, "/l", 0777), 0);
}

void au_teardown(void)
{
	if (au_b)
		bpfpin_close(au_b);
	au_b = NULL;
	th_daemon_stop(&au_d);
}

char *au_cli(int *rc, bool err, const char *fmt, ...)
{
	char args[4096];
	va_list ap;
	char *out;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	out = th_run(&st, "'%s' -s '%s' %s %s", th_cli(), au_d.sock, args,
		     err ? "2>&1 >/dev/null" : "2>/dev/null");
	cr_assert_not_null(out);
	*rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return out;
}

struct json_object *au_parse(char *text)
{
	struct json_object *o = json_tokener_parse(text);

	cr_assert_not_null(o, "not JSON: %s", text);
	free(text);
	return o;
}

static void pin_all(struct bpf_object *obj)
{
	struct bpf_program *p;
	struct bpf_map *m;
	char path[256];

	bpf_object__for_each_program(p, obj) {
		snprintf(path, sizeof(path), "/p/%s", bpf_program__name(p));
		cr_assert_eq(bpfpin_pin(au_b, bpf_program__fd(p), path, NULL), 0,
			     "pin %s: %s", path, bpfpin_errmsg(au_b));
	}
	bpf_object__for_each_map(m, obj) {
		if (bpf_map__fd(m) < 0 || strchr(bpf_map__name(m), '.'))
			continue;
		snprintf(path, sizeof(path), "/m/%s", bpf_map__name(m));
		cr_assert_eq(bpfpin_pin(au_b, bpf_map__fd(m), path, NULL), 0,
			     "pin %s: %s", path, bpfpin_errmsg(au_b));
	}
}

struct bpf_object *au_load(const char *name, void (*fix)(struct bpf_object *))
{
	char path[512];
	struct bpf_object *obj;

	snprintf(path, sizeof(path), "%s/tests/progs/%s.bpf.o",
		 getenv("BPFPIN_BUILDDIR"), name);
	obj = bpf_object__open_file(path, NULL);
	cr_assert_not_null(obj, "open %s: %s", path, strerror(errno));
	if (fix)
		fix(obj);
	cr_assert_eq(bpf_object__load(obj), 0, "load %s: %s", path, strerror(errno));
	pin_all(obj);
	return obj;
}

void au_cgroup_make(char *buf, size_t size)
{
	static int n;

	snprintf(buf, size, CGROUP2_ROOT "/bpfpin-test-%d-%d", (int)getpid(), n++);
	cr_assert_eq(mkdir(buf, 0755), 0, "mkdir %s: %s", buf, strerror(errno));
}

void au_cgroup_remove(const char *path)
{
	rmdir(path);
}

/* The child: into the cgroup, then n datagrams to port on loopback. */
static void send_from(const char *cgroup, int port, int n, int len)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char path[512], buf[1500] = { 0 };
	int fd, s;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0\n", 2) != 2)
		_exit(2);
	close(fd);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	for (int i = 0; i < n; i++)
		if (sendto(s, buf, (size_t)len, 0, (struct sockaddr *)&to, sizeof(to)) != len)
			_exit(3);
	_exit(0);
}

void au_traffic(const char *cgroup, int n, int len)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), st;
	pid_t pid;

	cr_assert_eq(bind(rx, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(rx, (struct sockaddr *)&a, &alen), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		send_from(cgroup, ntohs(a.sin_port), n, len);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "traffic child: %d", st);
	close(rx);
}

uint64_t au_count(const char *path, uint32_t key)
{
	int fd = bpfpin_get(au_b, path, O_RDONLY);
	uint64_t v = 0;

	cr_assert_geq(fd, 0, "get %s: %s", path, bpfpin_errmsg(au_b));
	if (bpf_map_lookup_elem(fd, &key, &v) < 0)
		v = 0;
	close(fd);
	return v;
}

/* An entry's key and value as numbers, from BTF's formatted pair. */
static bool entry_value(struct json_object *e, uint32_t key, uint64_t *v)
{
	struct json_object *f = NULL, *k = NULL, *val = NULL;

	if (json_object_object_get_ex(e, "formatted", &f))
		e = f;
	if (!json_object_object_get_ex(e, "key", &k) ||
	    !json_object_object_get_ex(e, "value", &val) ||
	    json_object_get_int64(k) != key)
		return false;
	*v = (uint64_t)json_object_get_int64(val);
	return true;
}

uint64_t au_count_cli(const char *path, uint32_t key)
{
	struct json_object *o;
	uint64_t v = 0;
	int rc;

	o = au_parse(au_cli(&rc, false, "-j lookup %s %u 0 0 0", path, key));
	if (rc == 0)
		cr_assert(entry_value(o, key, &v), "lookup: %s",
			  json_object_to_json_string(o));
	json_object_put(o);
	return v;
}

uint64_t au_count_mount(const char *path, uint32_t key)
{
	struct json_object *o;
	uint64_t v = 0;
	int rc;

	o = au_parse(th_run(&rc, "cat '%s%s'", au_d.mnt, path));
	cr_assert(json_object_is_type(o, json_type_array));
	for (size_t i = 0; i < json_object_array_length(o); i++)
		if (entry_value(json_object_array_get_idx(o, i), key, &v))
			break;
	json_object_put(o);
	return v;
}

uint32_t au_id(const char *path)
{
	struct bpfpin_stat st;

	cr_assert_eq(bpfpin_stat(au_b, path, &st), 0, "stat %s", path);
	return st.obj_id;
}

bool au_egress_idle(const char *cgroup)
{
	int fd = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	__u32 n = 1;

	cr_assert_geq(fd, 0);
	for (int i = 0; i < 200 && n; i++) {
		n = 0;
		cr_assert_eq(bpf_prog_query(fd, BPF_CGROUP_INET_EGRESS, 0, NULL,
					    NULL, &n), 0, "query: %s", strerror(errno));
		if (n)
			usleep(10000);
	}
	close(fd);
	return n == 0;
}
