/* tests/test_compare.c: bpfpind beside a real kernel bpffs. The same
 * sequences of operations run on both, errno compared step by step, with
 * mode, owner and link count compared at each stat: over the RPC and
 * through the FUSE mount, as root and as an unprivileged user. */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpfpin/bpfpin.h>

#include "tests/compare.h"
#include "tests/harness.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define LONG_NAME "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

/* As root: every errno of the namespace, in the order a user meets them. */
static const struct cmp_step root_steps[] = {
	{ C_MKDIR, "/a", NULL, 0755 },
	{ C_MKDIR, "/a", NULL, 0755 },                 /* EEXIST */
	{ C_MKDIR, "/nope/x", NULL, 0755 },            /* ENOENT */
	{ C_STAT, "/a" },
	{ C_PIN, "/a/m" },
	{ C_PIN, "/a/m" },                             /* EEXIST */
	{ C_PIN, "/nope/m" },                          /* ENOENT */
	{ C_PIN, "/a/m/x" },                           /* ENOTDIR */
	{ C_STAT, "/a/m" },
	{ C_STAT, "/a" },
	{ C_GET_RO, "/a/m" }, { C_GET_WO, "/a/m" }, { C_GET_RW, "/a/m" },
	{ C_GET_RW, "/a" },                            /* a directory */
	{ C_GET_RO, "/a/none" },                       /* ENOENT */
	{ C_MKDIR, "/a/m/x", NULL, 0755 },             /* ENOTDIR */
	{ C_RMDIR, "/a" },                             /* ENOTEMPTY */
	{ C_UNLINK, "/a" },                            /* EISDIR */
	{ C_RMDIR, "/a/m" },                           /* ENOTDIR */
	{ C_MKDIR, LONG_NAME, NULL, 0755 },            /* ENAMETOOLONG */
	{ C_PIN, LONG_NAME },                          /* ENAMETOOLONG */
	{ C_SYMLINK, "loop2", "/a/loop1" },
	{ C_SYMLINK, "loop1", "/a/loop2" },
	{ C_STAT, "/a/loop1" },                        /* ELOOP */
	{ C_GET_RO, "/a/loop1" },                      /* ELOOP */
	{ C_LSTAT, "/a/loop1" },
	{ C_SYMLINK, "m", "/a/lm" },
	{ C_SYMLINK, "x", "/a/lm" },                   /* EEXIST */
	{ C_GET_RO, "/a/lm" },                         /* follows */
	{ C_STAT, "/a/lm" }, { C_LSTAT, "/a/lm" },
	{ C_READLINK, "/a/lm" },
	{ C_READLINK, "/a/m" },                        /* EINVAL */
	{ C_SYMLINK, "a", "/la" },
	{ C_PIN, "/la/viasym" },                       /* through a dir symlink */
	{ C_STAT, "/a/viasym" },
	{ C_LINK, "/a", "/b" },                        /* EPERM */
	{ C_LINK, "/a/m", "/a/m2" },
	{ C_LINK, "/a/m", "/a/m2" },                   /* EEXIST */
	{ C_STAT, "/a/m" },                            /* nlink 2 */
	{ C_MKDIR, "/a/sub", NULL, 0700 },
	{ C_STAT, "/a" },                              /* nlink 3 */
	{ C_RENAME, "/a", "/a/sub/a", 0 },             /* EINVAL */
	{ C_RENAME, "/a/m", "/a/m2", RENAME_NOREPLACE },   /* EEXIST */
	{ C_RENAME, "/a/m", "/a/zz", RENAME_EXCHANGE },    /* ENOENT */
	{ C_RENAME, "/a/m", "/a/zz", RENAME_EXCHANGE | RENAME_NOREPLACE }, /* EINVAL */
	{ C_RENAME, "/a/m", "/a/sub", RENAME_EXCHANGE },   /* file <-> dir */
	{ C_STAT, "/a/m" }, { C_STAT, "/a/sub" },
	{ C_RENAME, "/a/m", "/a/sub", RENAME_EXCHANGE },   /* and back */
	{ C_MKDIR, "/d2", NULL, 0755 },
	{ C_PIN, "/d2/x" },
	{ C_MKDIR, "/e", NULL, 0755 },
	{ C_RENAME, "/e", "/d2", 0 },                  /* ENOTEMPTY */
	{ C_RENAME, "/d2/x", "/e", 0 },                /* EISDIR */
	{ C_RENAME, "/e", "/d2/x", 0 },                /* ENOTDIR */
	{ C_RENAME, "/a/m2", "/a/m", 0 },              /* same inode: no-op */
	{ C_STAT, "/a/m" },
	{ C_RENAME, "/d2/x", "/a/moved", 0 },
	{ C_RENAME, "/a/moved", "/a/m2", 0 },          /* over an existing pin */
	{ C_STAT, "/a/m2" }, { C_STAT, "/a/m" },
	{ C_RENAME, "/d2", "/e", 0 },                  /* dir over empty dir */
	{ C_STAT, "/e" }, { C_STAT, "/d2" },
	{ C_CHMOD, "/a/m", NULL, 0644 }, { C_STAT, "/a/m" },
	{ C_CHMOD, "/a/lm", NULL, 0640 }, { C_STAT, "/a/m" }, /* follows */
	{ C_CHOWN, "/a/m", NULL, 1000 << 16 | 1000 }, { C_STAT, "/a/m" },
	{ C_CHMOD, "/a", NULL, 02755 }, { C_MKDIR, "/a/g", NULL, 0777 },
	{ C_STAT, "/a/g" },                            /* setgid inherited */
	{ C_UNLINK, "/a/m2" }, { C_UNLINK, "/a/m2" },  /* ENOENT */
	{ C_UNLINK, "/a/lm" }, { C_STAT, "/a/m" },
	{ C_RMDIR, "/e" }, { C_RMDIR, "/" },
};

/* Prepared by root for the unprivileged sequence. */
static const struct cmp_step setup_steps[] = {
	{ C_MKDIR, "/p", NULL, 0755 }, { C_PIN, "/p/secret" },
	{ C_PIN, "/p/open" }, { C_CHMOD, "/p/open", NULL, 0644 },
	{ C_MKDIR, "/p/closed", NULL, 0700 }, { C_PIN, "/p/closed/x" },
	{ C_MKDIR, "/w", NULL, 0777 }, { C_PIN, "/w/rootpin" },
	{ C_MKDIR, "/t", NULL, 01777 }, { C_PIN, "/t/rootpin" },
	{ C_PIN, "/t/gift" }, { C_CHOWN, "/t/gift", NULL, 65534 << 16 | 65534 },
};

/* As uid 65534. */
static const struct cmp_step user_steps[] = {
	{ C_STAT, "/p/secret" }, { C_STAT, "/p/closed/x" },   /* EACCES */
	{ C_UNLINK, "/p/secret" },                              /* EACCES */
	{ C_MKDIR, "/p/x", NULL, 0755 },                        /* EACCES */
	{ C_CHMOD, "/p/secret", NULL, 0666 },                   /* EPERM */
	{ C_CHOWN, "/p/secret", NULL, 65534 << 16 | 65534 },    /* EPERM */
	{ C_RENAME, "/p/secret", "/w/stolen", 0 },              /* EACCES */
	{ C_MKDIR, "/w/mine", NULL, 0755 }, { C_STAT, "/w/mine" },
	{ C_SYMLINK, "../p/open", "/w/mine/l" }, { C_READLINK, "/w/mine/l" },
	{ C_STAT, "/w/mine/l" },
	{ C_UNLINK, "/w/rootpin" },                             /* allowed: w+x */
	{ C_UNLINK, "/t/rootpin" },                             /* EPERM: sticky */
	{ C_RENAME, "/t/rootpin", "/t/other", 0 },              /* EPERM: sticky */
	{ C_UNLINK, "/t/gift" },                                /* own entry */
	{ C_CHMOD, "/w/mine", NULL, 0700 }, { C_STAT, "/w/mine" },
	{ C_RMDIR, "/w/mine" },                                 /* ENOTEMPTY */
	{ C_UNLINK, "/w/mine/l" }, { C_RMDIR, "/w/mine" },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct th_daemon d;
static char kroot[128];
static struct bpfpin *b;
static int map;

static void start(bool mount)
{
	umask(022);
	cr_assert_eq(th_daemon_start(&d, mount, NULL), 0);
	cr_assert_eq(th_bpffs_mount(kroot, sizeof(kroot)), 0);
	cr_assert_eq(bpfpin_connect(d.sock, &b), 0);
	map = th_map_create(BPF_MAP_TYPE_HASH, 4, 4, 4);
	cr_assert_geq(map, 0);
}

static void start_rpc(void) { start(false); }
static void start_mount(void) { start(true); }

static void stop(void)
{
	bpfpin_close(b);
	close(map);
	th_bpffs_umount(kroot);
	th_daemon_stop(&d);
}

static void expect_same(const struct cmp_backend *x, const struct cmp_backend *y,
			const struct cmp_step *steps, size_t n)
{
	char report[8192];

	cr_expect_eq(cmp_sequence(x, y, steps, n, report, sizeof(report)), 0,
		     "differences:\n%s", report);
}

/* Drop to 65534 in a child, run the user steps, return the report. */
static void expect_same_unprivileged(bool mount)
{
	int p[2], status;
	char report[8192] = "";
	pid_t pid;

	cr_assert_eq(pipe(p), 0);
	if ((pid = fork()) == 0) {
		struct bpfpin *ub = NULL;
		struct cmp_backend k = cmp_kernel(kroot, -1), o;
		int n;

		close(p[0]);
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534) || bpfpin_connect(d.sock, &ub))
			_exit(100);
		o = mount ? cmp_mount(d.mnt, ub, -1) : cmp_rpc(ub, -1);
		n = cmp_sequence(&k, &o, user_steps, N(user_steps), report, sizeof(report));
		if (write(p[1], report, strlen(report)) < 0)
			_exit(101);
		_exit(n ? 1 : 0);
	}
	close(p[1]);
	cr_assert_geq(read(p[0], report, sizeof(report) - 1), 0);
	close(p[0]);
	waitpid(pid, &status, 0);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "status %d, differences:\n%s", status, report);
}

Test(compare_rpc, root_sequence_matches_bpffs, .init = start_rpc, .fini = stop)
{
	struct cmp_backend k = cmp_kernel(kroot, map), o = cmp_rpc(b, map);

	expect_same(&k, &o, root_steps, N(root_steps));
}

Test(compare_rpc, unprivileged_sequence_matches_bpffs, .init = start_rpc, .fini = stop)
{
	struct cmp_backend k = cmp_kernel(kroot, map), o = cmp_rpc(b, map);

	expect_same(&k, &o, setup_steps, N(setup_steps));
	expect_same_unprivileged(false);
}

/* Creating files and nodes other than pins fails as it does on bpffs. */
static const struct cmp_step mount_only_steps[] = {
	{ C_CREATE, "/file" }, { C_MKFIFO, "/fifo" },
	{ C_MKDIR, "/dir", NULL, 0755 }, { C_CREATE, "/dir/file" },
	{ C_STAT, "/file" },
};

Test(compare_mount, root_sequence_matches_bpffs, .init = start_mount, .fini = stop)
{
	struct cmp_backend k = cmp_kernel(kroot, map), o = cmp_mount(d.mnt, b, map);

	expect_same(&k, &o, root_steps, N(root_steps));
	expect_same(&k, &o, mount_only_steps, N(mount_only_steps));
}

Test(compare_mount, unprivileged_sequence_matches_bpffs, .init = start_mount, .fini = stop)
{
	struct cmp_backend k = cmp_kernel(kroot, map), o = cmp_mount(d.mnt, b, map);

	expect_same(&k, &o, setup_steps, N(setup_steps));
	expect_same_unprivileged(true);
}

/* Times on an existing pin: touch(1) through the mount sets them as it
 * does on a kernel bpffs, and utimensat's permission rules match. */
static void pin_both(const char *name)
{
	char kpath[256];

	snprintf(kpath, sizeof(kpath), "%s%s", kroot, name);
	cr_assert_eq(bpf_obj_pin(map, kpath), 0);
	cr_assert_eq(bpfpin_pin(b, map, name, NULL), 0);
}

static void stat_under(const char *root, const char *name, struct stat *st)
{
	char path[256];

	snprintf(path, sizeof(path), "%s%s", root, name);
	cr_assert_eq(stat(path, st), 0, "%s: %s", path, strerror(errno));
}

Test(compare_mount, touch_sets_pin_times_as_on_bpffs, .init = start_mount, .fini = stop)
{
	struct stat k, o;
	int st;

	pin_both("/t");
	free(th_run(&st, "touch -m -d @1000000000 %s/t %s/t && touch -a -d @1100000000 %s/t %s/t",
		    kroot, d.mnt, kroot, d.mnt));
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	stat_under(kroot, "/t", &k);
	stat_under(d.mnt, "/t", &o);
	cr_expect_eq(o.st_mtime, k.st_mtime);
	cr_expect_eq(o.st_atime, k.st_atime);
	cr_expect_eq(o.st_mtime, 1000000000);
	cr_expect_eq(o.st_atime, 1100000000);
	free(th_run(&st, "touch %s/t %s/t", kroot, d.mnt));   /* now */
	stat_under(d.mnt, "/t", &o);
	cr_expect_geq(o.st_mtime, time(NULL) - 5);
}

/* As uid 65534 on a root 0644 pin: explicit times need ownership (EPERM),
 * "now" needs write permission (EACCES); both as bpffs says. */
Test(compare_mount, unprivileged_touch_errors_match_bpffs, .init = start_mount, .fini = stop)
{
	const struct timespec then[2] = { { .tv_sec = 5 }, { .tv_sec = 5 } };
	int p[2], status, errs[4];
	char kpath[256];
	pid_t pid;

	pin_both("/u");
	snprintf(kpath, sizeof(kpath), "%s/u", kroot);
	cr_assert_eq(chmod(kpath, 0644), 0);
	cr_assert_eq(bpfpin_chmod(b, "/u", 0644), 0);
	cr_assert_eq(pipe(p), 0);
	if ((pid = fork()) == 0) {
		const char *roots[2] = { kroot, d.mnt };

		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(100);
		for (int i = 0; i < 2; i++) {
			char path[256];

			snprintf(path, sizeof(path), "%s/u", roots[i]);
			errs[2 * i] = utimensat(AT_FDCWD, path, then, 0) ? errno : 0;
			errs[2 * i + 1] = utimensat(AT_FDCWD, path, NULL, 0) ? errno : 0;
		}
		_exit(write(p[1], errs, sizeof(errs)) == sizeof(errs) ? 0 : 101);
	}
	close(p[1]);
	cr_assert_eq(read(p[0], errs, sizeof(errs)), sizeof(errs));
	close(p[0]);
	waitpid(pid, &status, 0);
	cr_expect_eq(errs[0], EPERM, "bpffs, explicit times");
	cr_expect_eq(errs[1], EACCES, "bpffs, now");
	cr_expect_eq(errs[2], errs[0], "mount, explicit times: %s", strerrorname_np(errs[2]));
	cr_expect_eq(errs[3], errs[1], "mount, now: %s", strerrorname_np(errs[3]));
}
