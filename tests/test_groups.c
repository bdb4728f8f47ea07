/* tests/test_groups.c: a user with real supplementary groups on the mount
 * of a real bpfpind, side by side with a kernel bpffs: chgrp to one of its
 * groups, and the set-group-ID rules of chmod, chown and mkdir in a
 * set-group-ID directory, errno for errno. And the one access rule of
 * both faces: a pin's info over the RPC, and its file on the mount, are
 * for those who may read the pin. */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpfpin/bpfpin.h>

#include "tests/harness.h"

#define NOBODY 65534
#define PRIMARY 2000     /* the user's gid */
#define SUPP1 1000       /* its supplementary groups */
#define SUPP2 1001
#define STRANGER 3000    /* a group it is not in */

static struct th_daemon d;
static struct bpfpin *b;
static int map = -1;
static char kroot[128];

static void start(void)
{
	umask(022);
	cr_assert_eq(th_daemon_start(&d, true, NULL), 0);
	cr_assert_eq(bpfpin_connect(d.sock, &b), 0);
	map = th_map_create(BPF_MAP_TYPE_HASH, 4, 8, 16);
	cr_assert_geq(map, 0);
	cr_assert_eq(th_bpffs_mount(kroot, sizeof(kroot)), 0);
}

static void stop(void)
{
	th_bpffs_umount(kroot);
	bpfpin_close(b);
	b = NULL;
	if (map >= 0)
		close(map);
	map = -1;
	th_daemon_stop(&d);
}

TestSuite(groups, .init = start, .fini = stop, .timeout = 60);

/* Run fn(arg, out) in a child with groups {1000, 1001}, gid 2000, uid
 * 65534 and umask 022; returns what it wrote to out (caller frees). */
static char *as_member(void (*fn)(const char *arg, FILE *out),
		       const char *arg)
{
	const gid_t groups[] = { SUPP1, SUPP2 };
	struct th_drain dr;
	int p[2], status;
	pid_t pid;

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		FILE *out = fdopen(p[1], "w");

		if (!out || setgroups(2, groups) < 0 || setgid(PRIMARY) < 0 ||
		    setuid(NOBODY) < 0)
			_exit(120);
		umask(022);
		fn(arg, out);
		fclose(out);
		_exit(0);
	}
	close(p[1]);
	cr_assert_eq(th_drain_start(&dr, p[0]), 0);
	th_drain_join(&dr);
	close(p[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cr_assert_not_null(dr.buf);
	return dr.buf;
}

/* One node as the test wants it, made on either side by root. */
struct node {
	const char *name;
	bool dir;
	uid_t uid;
	gid_t gid;
	mode_t mode;
};

static const struct node tree[] = {
	{ "p_chgrp", false, NOBODY, STRANGER, 0640 },
	{ "p_sgid_member", false, NOBODY, SUPP2, 0640 },
	{ "p_sgid_stranger", false, NOBODY, STRANGER, 0640 },
	{ "p_chgrp_kills", false, NOBODY, STRANGER, 02640 },
	{ "p_chgrp_keeps", false, NOBODY, SUPP2, 02640 },
	{ "s", true, NOBODY, SUPP2, 02775 },
	{ "d_member", true, NOBODY, SUPP1, 0755 },
	{ "d_stranger", true, NOBODY, STRANGER, 0755 },
};

static void make_kernel(const struct node *n)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", kroot, n->name);
	cr_assert_eq(n->dir ? mkdir(path, 0700) : bpf_obj_pin(map, path), 0);
	cr_assert_eq(chown(path, n->uid, n->gid), 0);
	cr_assert_eq(chmod(path, n->mode), 0);
}

static void make_ours(const struct node *n)
{
	char path[256];

	snprintf(path, sizeof(path), "/%s", n->name);
	cr_assert_eq(n->dir ? bpfpin_mkdir(b, path, 0700) :
		     bpfpin_pin(b, map, path, NULL), 0);
	cr_assert_eq(bpfpin_chown(b, path, n->uid, n->gid), 0);
	cr_assert_eq(bpfpin_chmod(b, path, n->mode), 0);
}

static void report(FILE *out, const char *root, const char *what,
		   const char *name, int r)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	if (lstat(path, &st) < 0)
		fprintf(out, "%s %s: %s, then %s\n", what, name,
			strerror(r), strerror(errno));
	else
		fprintf(out, "%s %s: %s, then %o %u:%u\n", what, name,
			strerror(r), st.st_mode, st.st_uid, st.st_gid);
}

static int at(const char *root, const char *name, char *buf)
{
	snprintf(buf, 256, "%s/%s", root, name);
	return 0;
}

#define DO(what, name, call) \
	do { char p_[256]; at(root, name, p_); \
	     report(out, root, what, name, (call) < 0 ? errno : 0); } while (0)

/* The user's steps, the same on both sides. */
static void member_steps(const char *root, FILE *out)
{
	DO("chgrp 1001", "p_chgrp", chown(p_, -1, SUPP2));
	DO("chgrp 1002", "p_chgrp", chown(p_, -1, 1002));
	DO("chgrp 2000", "p_chgrp", chown(p_, -1, PRIMARY));
	DO("chmod 02640", "p_sgid_member", chmod(p_, 02640));
	DO("chmod 02640", "p_sgid_stranger", chmod(p_, 02640));
	DO("chgrp 1000", "p_chgrp_kills", chown(p_, -1, SUPP1));
	DO("chgrp 1000", "p_chgrp_keeps", chown(p_, -1, SUPP1));
	DO("chown 65534:1001", "p_chgrp", chown(p_, NOBODY, SUPP2));
	DO("chown 0", "p_chgrp", chown(p_, 0, -1));
	DO("mkdir", "s/sub", mkdir(p_, 0777));
	DO("mkdir", "s/sub/deeper", mkdir(p_, 0700));
	DO("symlink", "s/l", symlink("x", p_));
	DO("chmod 02755", "d_member", chmod(p_, 02755));
	DO("chmod 02755", "d_stranger", chmod(p_, 02755));
	DO("chmod 0755", "s/sub", chmod(p_, 0755));
	DO("chmod 02755", "s/sub", chmod(p_, 02755));
}

/* chgrp to a supplementary group, set-group-ID kept for a member by
 * supplementary group only and taken from others, handed down in a
 * set-group-ID directory: what bpffs does, line for line. */
Test(groups, supplementary_groups_rule_chgrp_and_setgid_as_on_bpffs)
{
	char *ours, *kernel;

	for (size_t i = 0; i < sizeof(tree) / sizeof(tree[0]); i++) {
		make_kernel(&tree[i]);
		make_ours(&tree[i]);
	}
	kernel = as_member(member_steps, kroot);
	ours = as_member(member_steps, d.mnt);
	cr_expect_str_eq(ours, kernel, "on the mount:\n%s\non bpffs:\n%s",
			 ours, kernel);
	/* and bpffs did what the rules say, so the comparison means it */
	cr_expect(strstr(kernel, "chgrp 1001 p_chgrp: Success, then 100640 "
			 "65534:1001"), "%s", kernel);
	cr_expect(strstr(kernel, "chmod 02640 p_sgid_member: Success, then "
			 "102640"), "%s", kernel);
	cr_expect(strstr(kernel, "chgrp 1000 p_chgrp_keeps: Success, then "
			 "102640"), "%s", kernel);
	cr_expect(strstr(kernel, "mkdir s/sub: Success, then 42755 "
			 "65534:1001"), "%s", kernel);
	free(ours);
	free(kernel);
}

/* Over the RPC, the daemon sees the same groups (SO_PEERGROUPS). */
static void rpc_steps(const char *sock, FILE *out)
{
	struct bpfpin *c;
	struct bpfpin_stat st;

	if (bpfpin_connect(sock, &c) < 0)
		_exit(121);
	fprintf(out, "chgrp %d\n", bpfpin_chown(c, "/p_chgrp", -1, SUPP2));
	fprintf(out, "chmod %d\n", bpfpin_chmod(c, "/p_sgid_member", 02640));
	bpfpin_stat(c, "/p_sgid_member", &st);
	fprintf(out, "mode %o\n", st.mode);
	bpfpin_close(c);
}

Test(groups, rpc_sees_the_same_supplementary_groups)
{
	char *out;

	for (size_t i = 0; i < 2; i++)
		make_ours(&tree[i]);
	out = as_member(rpc_steps, d.sock);
	cr_expect_str_eq(out, "chgrp 0\nchmod 0\nmode 102640\n");
	free(out);
}

/* Pins of every kind of access for the user, made by root. */
static const struct node shown[] = {
	{ "owner_only", false, 0, 0, 0600 },
	{ "group_member", false, 0, SUPP2, 0640 },
	{ "group_stranger", false, 0, STRANGER, 0640 },
	{ "others_read", false, 0, 0, 0604 },
	{ "everyone", false, 0, 0, 0644 },
};

struct show_arg {
	const char *sock, *mnt;
};

static int read_errno(const char *mnt, const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", mnt, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static void show_steps(const char *arg, FILE *out)
{
	const struct show_arg *a = (const struct show_arg *)(const void *)arg;
	struct bpfpin *c;

	if (bpfpin_connect(a->sock, &c) < 0)
		_exit(121);
	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
		char path[64], *json = NULL;
		int r;

		snprintf(path, sizeof(path), "/%s", shown[i].name);
		r = bpfpin_info(c, path, &json);
		free(json);
		fprintf(out, "%s: info %s, read %s\n", shown[i].name,
			strerror(-r), strerror(read_errno(a->mnt,
							  shown[i].name)));
	}
	bpfpin_close(c);
}

/* One rule for both faces: info needs what reading the file needs. */
Test(groups, info_and_reading_the_file_share_one_access_rule)
{
	struct show_arg a = { d.sock, d.mnt };
	char *out;

	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++)
		make_ours(&shown[i]);
	out = as_member(show_steps, (const char *)(const void *)&a);
	cr_expect_str_eq(out,
			 "owner_only: info Permission denied, read Permission denied\n"
			 "group_member: info Success, read Success\n"
			 "group_stranger: info Permission denied, read Permission denied\n"
			 "others_read: info Success, read Success\n"
			 "everyone: info Success, read Success\n");
	free(out);
}

Test(groups, info_of_a_directory_is_eisdir)
{
	char *json = NULL;

	cr_assert_eq(bpfpin_mkdir(b, "/dir", 0755), 0);
	cr_expect_eq(bpfpin_info(b, "/dir", &json), -EISDIR);
	free(json);
}
