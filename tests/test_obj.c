/* tests/test_obj.c: bpf/obj.h against real kernel objects: what
 * obj_identify() makes of maps, programs, links and every other kind of fd,
 * the type names, and obj_info_json() side by side with the JSON of
 * `bpftool -j {map,prog,link} show id N` for the same object. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <json-c/json.h>

#include "bpf/obj.h"

#define CGROUP2_ROOT "/sys/fs/cgroup/unified"
#define LONG_NAME "a_program_name_longer_than_fifteen_bytes"

/* Members bpftool prints that obj_info_json() leaves out on purpose. */
static const char *const omitted[] = { "pids", "pinned", "metadata" };

/* ---- real kernel objects ---- */

static int map_new(enum bpf_map_type type, __u32 key, __u32 value,
		   __u32 entries, const struct bpf_map_create_opts *opts)
{
	int fd = bpf_map_create(type, "objtest", key, value, entries, opts);

	cr_assert_geq(fd, 0, "bpf_map_create: %s", strerror(errno));
	return fd;
}

/* r0 = ret; exit */
static int prog_new(enum bpf_prog_type type, const char *name, int ret,
		    const struct bpf_prog_load_opts *opts)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = ret },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(type, name, "GPL", insns, 2, opts);

	cr_assert_geq(fd, 0, "bpf_prog_load(%s): %s", name ? name : "",
		      strerror(errno));
	return fd;
}

/* A socket filter that tail-calls through prog_array (which binds the
 * array to its type) and so also uses a map. */
static int prog_tail_call(int prog_array)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = 2,
		  .src_reg = BPF_PSEUDO_MAP_FD, .imm = prog_array },
		{ 0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 3, .imm = 0 },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_tail_call },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "tailer", "GPL",
			       insns, 6, NULL);

	cr_assert_geq(fd, 0, "bpf_prog_load: %s", strerror(errno));
	return fd;
}

/* BTF with [1] int, [2] int (void), [3] func LONG_NAME. */
static int btf_new(void)
{
	struct btf *btf = btf__new_empty();
	int fd;

	cr_assert_not_null(btf);
	cr_assert_eq(btf__add_int(btf, "int", 4, BTF_INT_SIGNED), 1);
	cr_assert_eq(btf__add_func_proto(btf, 1), 2);
	cr_assert_eq(btf__add_func(btf, LONG_NAME, BTF_FUNC_GLOBAL, 2), 3);
	cr_assert_eq(btf__load_into_kernel(btf), 0, "btf load: %s",
		     strerror(errno));
	fd = fcntl(btf__fd(btf), F_DUPFD_CLOEXEC, 0);
	btf__free(btf);
	cr_assert_geq(fd, 0);
	return fd;
}

static __u32 vmlinux_func(const char *name)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int id;

	cr_assert_not_null(vmlinux);
	id = btf__find_by_name_kind(vmlinux, name, BTF_KIND_FUNC);
	btf__free(vmlinux);
	cr_assert_gt(id, 0, "no %s in vmlinux BTF", name);
	return (__u32)id;
}

/* A tracing program of the given attach type on vmlinux function fn. */
static int tracing_prog(enum bpf_attach_type type, const char *fn)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = type,
		    .attach_btf_id = vmlinux_func(fn));

	return prog_new(BPF_PROG_TYPE_TRACING, "objtrace", 0, &o);
}

static int iter_link(const char *target, union bpf_iter_link_info *li)
{
	char fn[64];
	int prog, link;
	LIBBPF_OPTS(bpf_link_create_opts, o, .iter_info = li,
		    .iter_info_len = li ? sizeof(*li) : 0);

	snprintf(fn, sizeof(fn), "bpf_iter_%s", target);
	prog = tracing_prog(BPF_TRACE_ITER, fn);
	link = bpf_link_create(prog, 0, BPF_TRACE_ITER, &o);
	cr_assert_geq(link, 0, "iter link %s: %s", target, strerror(errno));
	close(prog);
	return link;
}

/* A cgroup of our own, so that attaching to it touches nobody else. */
static int cgroup_new(char *path, size_t size)
{
	int fd;

	snprintf(path, size, CGROUP2_ROOT "/bpfpin-objtest-%d", getpid());
	cr_assert(mkdir(path, 0755) == 0 || errno == EEXIST, "mkdir %s: %s",
		  path, strerror(errno));
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	return fd;
}

static int cgroup_link(int cgroup)
{
	int prog = prog_new(BPF_PROG_TYPE_CGROUP_SKB, "objcg", 1, NULL);
	int link = bpf_link_create(prog, cgroup, BPF_CGROUP_INET_INGRESS, NULL);

	cr_assert_geq(link, 0, "cgroup link: %s", strerror(errno));
	close(prog);
	return link;
}

/* Each test runs in its own process: a network namespace of our own keeps
 * XDP and sk_lookup links away from everyone else's loopback. */
static void private_netns(void)
{
	cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare: %s", strerror(errno));
}

/* Ids straight from the kernel, to check obj_identify() against. */
static uint32_t map_id(int fd)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	cr_assert_eq(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	return info.id;
}

static uint32_t link_id(int fd)
{
	struct bpf_link_info info = { 0 };
	__u32 len = sizeof(info);

	cr_assert_eq(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	return info.id;
}

/* ---- identify ---- */

static struct obj_ident identify_ok(int fd)
{
	struct obj_ident id;
	char why[128] = "";

	cr_assert_eq(obj_identify(fd, &id, why, sizeof(why)), 0, "%s", why);
	return id;
}

static void expect_refused(int fd, int err, const char *msg)
{
	struct obj_ident id;
	char why[256] = "";

	cr_expect_eq(obj_identify(fd, &id, why, sizeof(why)), -err);
	cr_expect_str_eq(why, msg);
	cr_expect_eq(id.kind, OBJ_NONE);
}

Test(identify, hash_map_is_a_map)
{
	int fd = map_new(BPF_MAP_TYPE_HASH, 4, 8, 16, NULL);
	struct obj_ident id = identify_ok(fd);

	cr_expect_eq(id.kind, OBJ_MAP);
	cr_expect_eq(id.id, map_id(fd));
	cr_expect_eq(id.type, BPF_MAP_TYPE_HASH);
	cr_expect_str_eq(id.name, "objtest");
	close(fd);
}

Test(identify, array_map_is_a_map)
{
	int fd = map_new(BPF_MAP_TYPE_ARRAY, 4, 4, 1, NULL);
	struct obj_ident id = identify_ok(fd);

	cr_expect_eq(id.kind, OBJ_MAP);
	cr_expect_eq(id.type, BPF_MAP_TYPE_ARRAY);
	close(fd);
}

Test(identify, map_opened_by_id_is_a_map)
{
	int fd = map_new(BPF_MAP_TYPE_ARRAY, 4, 4, 1, NULL);
	int again = bpf_map_get_fd_by_id(map_id(fd));
	struct obj_ident id = identify_ok(again);

	cr_expect_eq(id.kind, OBJ_MAP);
	cr_expect_eq(id.id, map_id(fd));
	close(again);
	close(fd);
}

Test(identify, socket_filter_is_a_prog)
{
	int fd = prog_new(BPF_PROG_TYPE_SOCKET_FILTER, "objfilter", 0, NULL);
	struct obj_ident id = identify_ok(fd);

	cr_expect_eq(id.kind, OBJ_PROG);
	cr_expect_eq(id.type, BPF_PROG_TYPE_SOCKET_FILTER);
	cr_expect_str_eq(id.name, "objfilter");
	cr_expect_gt(id.id, 0);
	close(fd);
}

Test(identify, cgroup_link_is_a_link)
{
	char path[128];
	int cg = cgroup_new(path, sizeof(path));
	int link = cgroup_link(cg);
	struct obj_ident id = identify_ok(link);

	cr_expect_eq(id.kind, OBJ_LINK);
	cr_expect_eq(id.type, BPF_LINK_TYPE_CGROUP);
	cr_expect_str_eq(id.name, "");
	cr_expect_gt(id.id, 0);
	close(link);
	close(cg);
	rmdir(path);
}

/* A link reopened by id is "anon_inode:bpf-link", not "bpf_link". */
Test(identify, link_opened_by_id_is_a_link)
{
	char path[128];
	int cg = cgroup_new(path, sizeof(path));
	int link = cgroup_link(cg);
	int again = bpf_link_get_fd_by_id(link_id(link));
	struct obj_ident id = identify_ok(again);

	cr_expect_eq(id.kind, OBJ_LINK);
	cr_expect_eq(id.id, link_id(link));
	close(again);
	close(link);
	close(cg);
	rmdir(path);
}

Test(identify, regular_file_is_refused)
{
	int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);

	expect_refused(fd, EINVAL, "fd is a regular file, not a BPF object");
	close(fd);
}

Test(identify, directory_is_refused)
{
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	expect_refused(fd, EINVAL, "fd is a directory, not a BPF object");
	close(fd);
}

Test(identify, socket_is_refused)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	expect_refused(fd, EINVAL, "fd is a socket, not a BPF object");
	close(fd);
}

Test(identify, pipe_is_refused)
{
	int p[2];

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	expect_refused(p[0], EINVAL, "fd is a pipe (fifo), not a BPF object");
	close(p[0]);
	close(p[1]);
}

Test(identify, character_device_is_refused)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	expect_refused(fd, EINVAL,
		       "fd is a character device, not a BPF object");
	close(fd);
}

Test(identify, symlink_opened_with_o_path_is_refused)
{
	char path[] = "/tmp/objtest-XXXXXX";
	int fd;

	cr_assert_not_null(mkdtemp(path));
	cr_assert_eq(chdir(path), 0);
	cr_assert_eq(symlink("/", "link"), 0);
	fd = open("link", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	expect_refused(fd, EINVAL, "fd is a symbolic link, not a BPF object");
	close(fd);
	unlink("link");
	rmdir(path);
}

Test(identify, eventfd_is_refused)
{
	int fd = eventfd(0, EFD_CLOEXEC);

	expect_refused(fd, EINVAL, "fd is an eventfd, not a BPF object");
	close(fd);
}

Test(identify, btf_is_refused)
{
	int fd = btf_new();

	expect_refused(fd, EINVAL,
		       "fd is a BTF object, which cannot be pinned here");
	close(fd);
}

Test(identify, unknown_anonymous_inode_is_named)
{
	int fd = (int)syscall(SYS_fsopen, "tmpfs", 1 /* FSOPEN_CLOEXEC */);

	cr_assert_geq(fd, 0, "fsopen: %s", strerror(errno));
	expect_refused(fd, EINVAL, "fd is an anonymous inode "
		       "(anon_inode:[fscontext]), not a BPF object");
	close(fd);
}

Test(identify, bpf_iterator_is_refused)
{
	int link = iter_link("bpf_map", NULL);
	int fd = bpf_iter_create(link);

	cr_assert_geq(fd, 0, "bpf_iter_create: %s", strerror(errno));
	expect_refused(fd, EINVAL,
		       "fd is a BPF iterator, which cannot be pinned here");
	close(fd);
	close(link);
}

/* bpffs has its own word: the pin is not the object. */
Test(identify, bpffs_pin_opened_with_o_path_is_refused)
{
	char dir[] = "/tmp/objtest-XXXXXX", pin[64];
	int map = map_new(BPF_MAP_TYPE_ARRAY, 4, 4, 1, NULL), fd;

	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(mount("bpf", dir, "bpf", 0, "mode=0700"), 0);
	snprintf(pin, sizeof(pin), "%s/m", dir);
	cr_assert_eq(bpf_obj_pin(map, pin), 0);
	fd = open(pin, O_PATH | O_CLOEXEC);
	expect_refused(fd, EINVAL, "fd is a file on a bpffs, not a BPF object "
		       "(open pins with BPF_OBJ_GET)");
	close(fd);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	close(map);
}

Test(identify, closed_fd_is_ebadf)
{
	int fd = eventfd(0, EFD_CLOEXEC);

	close(fd);
	expect_refused(fd, EBADF, "fd is not an open file descriptor");
}

Test(identify, negative_fd_is_ebadf)
{
	expect_refused(-1, EBADF, "fd is not an open file descriptor");
}

Test(identify, why_may_be_null)
{
	struct obj_ident id;

	cr_expect_eq(obj_identify(-5, &id, NULL, 0), -EBADF);
}

/* The daemon's way (obj_keep_proc_fd): the same answers, by readlinkat. */
Test(identify, kept_proc_fd_gives_the_same_answers)
{
	int map = map_new(BPF_MAP_TYPE_HASH, 4, 8, 16, NULL), p[2];
	struct obj_ident id;

	cr_assert_eq(obj_keep_proc_fd(), 0);
	id = identify_ok(map);
	cr_expect_eq(id.kind, OBJ_MAP);
	cr_expect_eq(id.id, map_id(map));
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	expect_refused(p[0], EINVAL, "fd is a pipe (fifo), not a BPF object");
	close(p[0]);
	expect_refused(p[0], EBADF, "fd is not an open file descriptor");
	close(p[1]);
	close(map);
}

/* ---- names ---- */

Test(names, every_map_type_of_the_headers_has_a_name)
{
	for (uint32_t t = 0; t <= BPF_MAP_TYPE_USER_RINGBUF; t++)
		cr_expect_not_null(obj_map_type_name(t), "map type %u", t);
}

Test(names, every_prog_type_of_the_headers_has_a_name)
{
	for (uint32_t t = 0; t <= BPF_PROG_TYPE_SYSCALL; t++)
		cr_expect_not_null(obj_prog_type_name(t), "prog type %u", t);
}

Test(names, every_link_type_of_the_headers_has_a_name)
{
	for (uint32_t t = 0; t < MAX_BPF_LINK_TYPE; t++)
		cr_expect_not_null(obj_link_type_name(t), "link type %u", t);
}

Test(names, are_bpftool_spellings)
{
	cr_expect_str_eq(obj_map_type_name(BPF_MAP_TYPE_PERCPU_ARRAY),
			 "percpu_array");
	cr_expect_str_eq(obj_map_type_name(BPF_MAP_TYPE_SOCKHASH), "sockhash");
	cr_expect_str_eq(obj_prog_type_name(BPF_PROG_TYPE_SCHED_CLS),
			 "sched_cls");
	cr_expect_str_eq(obj_prog_type_name(BPF_PROG_TYPE_SK_SKB), "sk_skb");
	cr_expect_str_eq(obj_link_type_name(BPF_LINK_TYPE_KPROBE_MULTI),
			 "kprobe_multi");
	cr_expect_str_eq(obj_link_type_name(BPF_LINK_TYPE_XDP), "xdp");
}

Test(names, unknown_types_have_none)
{
	cr_expect_null(obj_map_type_name(100000));
	cr_expect_null(obj_prog_type_name(100000));
	cr_expect_null(obj_link_type_name(100000));
}

Test(names, kinds)
{
	cr_expect_str_eq(obj_kind_name(OBJ_MAP), "map");
	cr_expect_str_eq(obj_kind_name(OBJ_PROG), "prog");
	cr_expect_str_eq(obj_kind_name(OBJ_LINK), "link");
	cr_expect_str_eq(obj_kind_name(OBJ_NONE), "none");
}

/* ---- info, side by side with bpftool ---- */

static char *slurp(FILE *f)
{
	size_t len = 0, cap = 4096, n;
	char *buf = malloc(cap);

	cr_assert_not_null(buf);
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 == cap) {
			buf = realloc(buf, cap *= 2);
			cr_assert_not_null(buf);
		}
	}
	buf[len] = '\0';
	return buf;
}

static struct json_object *bpftool_show(const char *kind, uint32_t id)
{
	const char *tool = getenv("BPFTOOL");
	struct json_object *o;
	char cmd[256], *out;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "PATH=\"$PATH:/usr/sbin:/sbin\" %s -j %s "
		 "show id %u", tool ? tool : "bpftool", kind, id);
	f = popen(cmd, "re");
	cr_assert_not_null(f, "popen %s", cmd);
	out = slurp(f);
	cr_assert_eq(pclose(f), 0, "%s failed: %s", cmd, out);
	o = json_tokener_parse(out);
	cr_assert(json_object_is_type(o, json_type_object), "%s: %s", cmd, out);
	free(out);
	for (size_t i = 0; i < sizeof(omitted) / sizeof(omitted[0]); i++)
		json_object_object_del(o, omitted[i]);
	return o;
}

static const char *js(struct json_object *o)
{
	return o ? json_object_to_json_string(o) : "(absent)";
}

/* Same members, same values, same order. */
static void expect_same_json(struct json_object *ours,
			     struct json_object *theirs)
{
	struct json_object_iterator a = json_object_iter_begin(ours);
	struct json_object_iterator b = json_object_iter_begin(theirs);
	struct json_object_iterator ae = json_object_iter_end(ours);
	struct json_object_iterator be = json_object_iter_end(theirs);

	json_object_object_foreach(theirs, key, want) {
		struct json_object *got = NULL;

		json_object_object_get_ex(ours, key, &got);
		cr_expect(json_object_equal(got, want),
			  "member %s: ours %s, bpftool's %s", key, js(got),
			  js(want));
	}
	json_object_object_foreach(ours, k, v)
		cr_expect(json_object_object_get_ex(theirs, k, NULL),
			  "member %s: ours %s, bpftool has none", k, js(v));
	while (!json_object_iter_equal(&a, &ae) &&
	       !json_object_iter_equal(&b, &be)) {
		cr_expect_str_eq(json_object_iter_peek_name(&a),
				 json_object_iter_peek_name(&b),
				 "order: ours has %s where bpftool has %s",
				 json_object_iter_peek_name(&a),
				 json_object_iter_peek_name(&b));
		json_object_iter_next(&a);
		json_object_iter_next(&b);
	}
}

static void expect_as_bpftool(int fd)
{
	struct obj_ident id = identify_ok(fd);
	struct json_object *ours = obj_info_json(fd, &id);
	struct json_object *theirs = bpftool_show(obj_kind_name(id.kind), id.id);

	cr_assert_not_null(ours, "obj_info_json: %s", strerror(errno));
	expect_same_json(ours, theirs);
	json_object_put(ours);
	json_object_put(theirs);
}

Test(info, hash_map_as_bpftool)
{
	int fd = map_new(BPF_MAP_TYPE_HASH, 4, 8, 16, NULL);

	expect_as_bpftool(fd);
	close(fd);
}

Test(info, unnamed_map_with_flags_as_bpftool)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_NO_PREALLOC |
		    BPF_F_RDONLY_PROG);
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, NULL, 8, 8, 4, &o);

	cr_assert_geq(fd, 0, "bpf_map_create: %s", strerror(errno));
	expect_as_bpftool(fd);
	close(fd);
}

Test(info, array_map_with_btf_as_bpftool)
{
	int btf = btf_new();
	LIBBPF_OPTS(bpf_map_create_opts, o, .btf_fd = btf,
		    .btf_key_type_id = 1, .btf_value_type_id = 1);
	int fd = map_new(BPF_MAP_TYPE_ARRAY, 4, 4, 8, &o);
	struct json_object *j = obj_info_json(fd, NULL);

	cr_expect(json_object_object_get_ex(j, "btf_id", NULL));
	json_object_put(j);
	expect_as_bpftool(fd);
	close(fd);
	close(btf);
}

Test(info, frozen_map_as_bpftool)
{
	int fd = map_new(BPF_MAP_TYPE_ARRAY, 4, 4, 1, NULL);
	struct json_object *j, *frozen;

	cr_assert_eq(bpf_map_freeze(fd), 0);
	j = obj_info_json(fd, NULL);
	cr_assert(json_object_object_get_ex(j, "frozen", &frozen));
	cr_expect_eq(json_object_get_int(frozen), 1);
	json_object_put(j);
	expect_as_bpftool(fd);
	close(fd);
}

Test(info, bloom_filter_as_bpftool)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_extra = 3);
	int fd = map_new(BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 64, &o);

	expect_as_bpftool(fd);
	close(fd);
}

Test(info, bound_prog_array_as_bpftool)
{
	int arr = map_new(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, NULL);
	int prog = prog_tail_call(arr);
	struct json_object *j = obj_info_json(arr, NULL);

	cr_expect(json_object_object_get_ex(j, "owner_prog_type", NULL));
	json_object_put(j);
	expect_as_bpftool(arr);
	close(prog);
	close(arr);
}

Test(info, socket_filter_as_bpftool)
{
	int fd = prog_new(BPF_PROG_TYPE_SOCKET_FILTER, "objfilter", 0, NULL);

	expect_as_bpftool(fd);
	close(fd);
}

Test(info, unnamed_prog_as_bpftool)
{
	int fd = prog_new(BPF_PROG_TYPE_SOCKET_FILTER, NULL, 0, NULL);

	expect_as_bpftool(fd);
	close(fd);
}

Test(info, prog_using_a_map_as_bpftool)
{
	int arr = map_new(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, NULL);
	int prog = prog_tail_call(arr);
	struct json_object *j = obj_info_json(prog, NULL), *ids;

	cr_assert(json_object_object_get_ex(j, "map_ids", &ids));
	cr_expect_eq(json_object_get_int64(json_object_array_get_idx(ids, 0)),
		     map_id(arr));
	json_object_put(j);
	expect_as_bpftool(prog);
	close(prog);
	close(arr);
}

/* The kernel keeps 15 bytes of the name; both show the one in BTF. */
Test(info, prog_with_long_btf_name_as_bpftool)
{
	int btf = btf_new();
	const struct bpf_func_info fi = { .insn_off = 0, .type_id = 3 };
	LIBBPF_OPTS(bpf_prog_load_opts, o, .prog_btf_fd = btf,
		    .func_info = &fi, .func_info_cnt = 1,
		    .func_info_rec_size = sizeof(fi));
	int fd = prog_new(BPF_PROG_TYPE_SOCKET_FILTER, LONG_NAME, 0, &o);
	struct json_object *j = obj_info_json(fd, NULL), *name;

	cr_assert(json_object_object_get_ex(j, "name", &name));
	cr_expect_str_eq(json_object_get_string(name), LONG_NAME);
	json_object_put(j);
	expect_as_bpftool(fd);
	close(fd);
	close(btf);
}

Test(info, cgroup_link_as_bpftool)
{
	char path[128];
	int cg = cgroup_new(path, sizeof(path));
	int link = cgroup_link(cg);

	expect_as_bpftool(link);
	close(link);
	close(cg);
	rmdir(path);
}

/* The device an xdp link is on, which bpftool shows from v7.3 on, v7.1
 * (ours) not: checked, then left out of the comparison. */
static void expect_xdp_as_bpftool(int fd)
{
	struct obj_ident id = identify_ok(fd);
	struct json_object *ours = obj_info_json(fd, &id);
	struct json_object *theirs = bpftool_show("link", id.id), *v;

	cr_assert_not_null(ours, "obj_info_json: %s", strerror(errno));
	cr_assert(json_object_object_get_ex(ours, "devname", &v));
	cr_assert_str_eq(json_object_get_string(v), "lo");
	cr_assert(json_object_object_get_ex(ours, "ifindex", &v));
	cr_assert_eq(json_object_get_int(v), 1);
	json_object_object_del(ours, "devname");
	json_object_object_del(ours, "ifindex");
	expect_same_json(ours, theirs);
	json_object_put(ours);
	json_object_put(theirs);
}

Test(info, xdp_link_as_bpftool)
{
	int prog, link;

	private_netns();
	prog = prog_new(BPF_PROG_TYPE_XDP, "objxdp", 2 /* XDP_PASS */, NULL);
	link = bpf_link_create(prog, 1 /* lo */, BPF_XDP, NULL);
	cr_assert_geq(link, 0, "xdp link: %s", strerror(errno));
	expect_xdp_as_bpftool(link);
	close(link);
	close(prog);
}

Test(info, netns_link_as_bpftool)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o,
		    .expected_attach_type = BPF_SK_LOOKUP);
	int prog, ns, link;

	private_netns();
	prog = prog_new(BPF_PROG_TYPE_SK_LOOKUP, "objlookup", 1, &o);
	ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	link = bpf_link_create(prog, ns, BPF_SK_LOOKUP, NULL);
	cr_assert_geq(link, 0, "netns link: %s", strerror(errno));
	expect_as_bpftool(link);
	close(link);
	close(ns);
	close(prog);
}

Test(info, raw_tracepoint_link_as_bpftool)
{
	int prog = prog_new(BPF_PROG_TYPE_RAW_TRACEPOINT, "objrawtp", 0, NULL);
	int link = bpf_raw_tracepoint_open("bpf_trace_printk", prog);

	cr_assert_geq(link, 0, "raw tracepoint: %s", strerror(errno));
	expect_as_bpftool(link);
	close(link);
	close(prog);
}

Test(info, map_iter_link_as_bpftool)
{
	int link = iter_link("bpf_map", NULL);

	expect_as_bpftool(link);
	close(link);
}

Test(info, prog_iter_link_as_bpftool)
{
	int link = iter_link("bpf_prog", NULL);

	expect_as_bpftool(link);
	close(link);
}

Test(info, tcp_iter_link_as_bpftool)
{
	int link = iter_link("tcp", NULL);

	expect_as_bpftool(link);
	close(link);
}

/* Map-element iterators may be refused at load (this machine's kernel
 * answers EPERM): a refusal is an answer, a crash or any other errno is
 * not; where the kernel loads one, its link must read as bpftool's. */
Test(info, map_elem_iter_link_as_bpftool_or_refused)
{
	int map = map_new(BPF_MAP_TYPE_HASH, 4, 4, 4, NULL);
	union bpf_iter_link_info li = { .map.map_fd = (__u32)map };
	LIBBPF_OPTS(bpf_prog_load_opts, o,
		    .expected_attach_type = BPF_TRACE_ITER,
		    .attach_btf_id = vmlinux_func("bpf_iter_bpf_map_elem"));
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, "objtrace", "GPL",
				 insns, 2, &o);
	int link;

	if (prog < 0) {
		cr_expect_eq(errno, EPERM, "bpf_map_elem iterator: %s",
			     strerror(errno));
		close(map);
		return;
	}
	LIBBPF_OPTS(bpf_link_create_opts, lo, .iter_info = &li,
		    .iter_info_len = sizeof(li));
	link = bpf_link_create(prog, 0, BPF_TRACE_ITER, &lo);
	cr_assert_geq(link, 0, "iter link: %s", strerror(errno));
	expect_as_bpftool(link);
	close(link);
	close(prog);
	close(map);
}

Test(info, task_iter_link_as_bpftool)
{
	union bpf_iter_link_info li = { .task.tid = (__u32)gettid() };
	int link = iter_link("task", &li);

	expect_as_bpftool(link);
	close(link);
}

Test(info, cgroup_iter_link_as_bpftool)
{
	char path[128];
	int cg = cgroup_new(path, sizeof(path));
	union bpf_iter_link_info li = {
		.cgroup.cgroup_fd = (__u32)cg,
		.cgroup.order = BPF_CGROUP_ITER_SELF_ONLY,
	};
	int link = iter_link("cgroup", &li);

	expect_as_bpftool(link);
	close(link);
	close(cg);
	rmdir(path);
}

Test(info, without_ident_identifies_the_fd)
{
	int fd = map_new(BPF_MAP_TYPE_HASH, 4, 8, 16, NULL);
	struct json_object *j = obj_info_json(fd, NULL), *type;

	cr_assert_not_null(j);
	cr_assert(json_object_object_get_ex(j, "type", &type));
	cr_expect_str_eq(json_object_get_string(type), "hash");
	json_object_put(j);
	close(fd);
}

Test(info, of_a_non_bpf_fd_is_einval)
{
	int fd = eventfd(0, EFD_CLOEXEC);

	errno = 0;
	cr_expect_null(obj_info_json(fd, NULL));
	cr_expect_eq(errno, EINVAL);
	close(fd);
}
