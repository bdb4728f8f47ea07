/* tests/test_ns_fix.c: fixtures of the namespace suite: a namespace over a
 * real store (a bpffs mounted on a temporary dir), real kernel objects,
 * credentials and a scratch kernel bpffs to compare with. */
#include "config.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "tests/test_ns_fix.h"

const gid_t nsf_user_groups[1] = { 100 };
struct nsf nsf_cur;

void nsf_init(void)
{
	nsf_setup(&nsf_cur);
}

void nsf_fini(void)
{
	nsf_teardown(&nsf_cur);
}

struct ns_cred nsf_root(void)
{
	return (struct ns_cred){ .uid = 0, .gid = 0, .pid = getpid(),
				 .umask = 022 };
}

struct ns_cred nsf_user(void)
{
	return (struct ns_cred){ .uid = 65534, .gid = 65534, .pid = getpid(),
				 .umask = 022, .ngroups = 1,
				 .groups = nsf_user_groups };
}

int nsf_map_create(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "ns_test", 4, 8, 4, NULL);

	cr_assert_geq(fd, 0, "bpf_map_create: %s", strerror(-fd));
	return fd;
}

void nsf_ident(int fd, struct obj_ident *id)
{
	char why[128];

	cr_assert_eq(obj_identify(fd, id, why, sizeof(why)), 0, "%s", why);
}

int nsf_link_create(char *cgroup, size_t size)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
		  .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int prog, cg, link;

	snprintf(cgroup, size, "/sys/fs/cgroup/unified/bpfpin_ns_test_%d",
		 getpid());
	cr_assert(mkdir(cgroup, 0755) == 0 || errno == EEXIST);
	cg = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(cg, 0);
	prog = bpf_prog_load(BPF_PROG_TYPE_CGROUP_SKB, "ns_test", "GPL", insns,
			     2, NULL);
	cr_assert_geq(prog, 0, "prog load: %s", strerror(-prog));
	link = bpf_link_create(prog, cg, BPF_CGROUP_INET_INGRESS, NULL);
	cr_assert_geq(link, 0, "link create: %s", strerror(-link));
	close(prog);
	close(cg);
	return link;
}

void nsf_link_destroy(int link, const char *cgroup)
{
	close(link);
	rmdir(cgroup);
}

void nsf_setup(struct nsf *f)
{
	int r;

	snprintf(f->tmp, sizeof(f->tmp), "/tmp/bpfpin_ns.XXXXXX");
	cr_assert_not_null(mkdtemp(f->tmp));
	snprintf(f->store, sizeof(f->store), "%s/state/store", f->tmp);
	r = ns_open(&f->ns, f->store);
	cr_assert_eq(r, 0, "ns_open: %s", strerror(-r));
	f->map = nsf_map_create();
	nsf_ident(f->map, &f->ident);
}

void nsf_reopen(struct nsf *f)
{
	int r;

	ns_close(f->ns);
	f->ns = NULL;
	r = ns_open(&f->ns, f->store);
	cr_assert_eq(r, 0, "ns_open again: %s", strerror(-r));
}

void nsf_teardown(struct nsf *f)
{
	char path[192];

	ns_close(f->ns);
	f->ns = NULL;
	if (f->map >= 0)
		close(f->map);
	umount2(f->store, MNT_DETACH);
	rmdir(f->store);
	snprintf(path, sizeof(path), "%s/state/meta.log", f->tmp);
	unlink(path);
	snprintf(path, sizeof(path), "%s/state", f->tmp);
	rmdir(path);
	rmdir(f->tmp);
}

void nsf_bpffs_mount(char *dir, size_t size)
{
	snprintf(dir, size, "/tmp/bpfpin_kfs.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(mount("bpf", dir, "bpf", 0, "mode=01777"), 0,
		     "mount bpffs: %s", strerror(errno));
}

void nsf_bpffs_umount(const char *dir)
{
	umount2(dir, MNT_DETACH);
	rmdir(dir);
}

int nsf_fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	cr_assert_not_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

struct snap {
	struct ns *ns;
	char **lines;
	size_t n, cap;
	char path[NS_PATH_MAX];
};

static void snap_add(struct snap *s, const char *line)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->lines = realloc(s->lines, s->cap * sizeof(*s->lines));
		cr_assert_not_null(s->lines);
	}
	s->lines[s->n] = strdup(line);
	cr_assert_not_null(s->lines[s->n++]);
}

static void snap_dir(struct snap *s);

static int snap_entry(const struct ns_dirent *de, void *arg)
{
	struct snap *s = arg;
	struct ns_cred root = nsf_root();
	size_t len = strlen(s->path);
	char line[2 * NS_PATH_MAX + 256], extra[NS_PATH_MAX] = "";
	const struct ns_stat *st = &de->st;

	snprintf(s->path + len, sizeof(s->path) - len, "/%s", de->name);
	if (st->type == NS_SYMLINK)
		cr_assert_geq(ns_readlink(s->ns, &root, NS_AT(s->path), extra,
					  sizeof(extra)), 0);
	else if (st->type == NS_PIN)
		snprintf(extra, sizeof(extra), "%s#%u", st->obj.name,
			 st->obj.id);
	snprintf(line, sizeof(line), "%s type %d mode %o uid %u gid %u "
		 "nlink %u pid %d %s", s->path, st->type, st->mode, st->uid,
		 st->gid, st->nlink, st->pid, extra);
	snap_add(s, line);
	if (st->type == NS_DIR)
		snap_dir(s);
	s->path[len] = '\0';
	return 0;
}

static void snap_dir(struct snap *s)
{
	struct ns_cred root = nsf_root();
	const char *p = s->path[0] ? s->path : "/";

	cr_assert_eq(ns_readdir(s->ns, &root, NS_AT(p), 0, snap_entry, s), 0);
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *nsf_snapshot(struct ns *ns)
{
	struct snap *s = calloc(1, sizeof(*s));
	struct ns_stat root;
	size_t size = 1;
	char *out;

	cr_assert_not_null(s);
	s->ns = ns;
	cr_assert_eq(ns_stat_ino(ns, NS_ROOT_INO, &root), 0);
	snprintf(s->path, sizeof(s->path), "/ mode %o uid %u gid %u nlink %u",
		 root.mode, root.uid, root.gid, root.nlink);
	snap_add(s, s->path);
	s->path[0] = '\0';
	snap_dir(s);
	qsort(s->lines, s->n, sizeof(*s->lines), line_cmp);
	for (size_t i = 0; i < s->n; i++)
		size += strlen(s->lines[i]) + 1;
	out = calloc(1, size);
	cr_assert_not_null(out);
	for (size_t i = 0; i < s->n; i++) {
		strcat(strcat(out, s->lines[i]), "\n");
		free(s->lines[i]);
	}
	free(s->lines);
	free(s);
	return out;
}
