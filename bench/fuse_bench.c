/* bench/fuse_bench.c: the FUSE face against a kernel bpffs with one big
 * directory on each: COUNT pins of one map, made through libbpfpin on the
 * daemon's side and by BPF_OBJ_PIN on the kernel's; then `ls -l` of each
 * (first, on names the kernel has never looked up, and repeated) and a
 * loop of stat() over every pin once the dentries are cached. With --bare,
 * a third side: as many empty files on a mount of bench/fuse_bare, which
 * shows how close bpfpind comes to what any FUSE server gets. After the
 * first ls -l, the sides take turns run by run; all list and stat paths
 * with as many components (see side_dir). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bench/bench.h"
#include "bpfpin/bpfpin.h"

#define MAX_REPEATS 16
#define MAX_SIDES 3
#define DIR_NAME "fb"
#define PAD_NAME "pad"
/* Read on a directory of bench/fuse_bare: the kernel forgets its entries. */
#define BARE_XATTR_FORGET "user.fuse_bare.forget"

struct cfg {
	const char *sock, *mount, *bpffs, *bare;
	int count, repeats, ls_repeats, stat_passes;
};

enum side_kind { SIDE_KERNEL, SIDE_DAEMON, SIDE_BARE };

/* One of the filesystems, and its figures per repeat. */
struct side {
	enum side_kind kind;
	const char *label;
	char dir[4096];
	size_t root_len;               /* of the filesystem's root in dir */
	char **paths;                  /* count full paths of this repeat */
	double pin[MAX_REPEATS];       /* us per pin (or file) */
	double ls_first[MAX_REPEATS];  /* ms */
	double ls_again[MAX_REPEATS];  /* ms, median of ls_repeats */
	double stat[MAX_REPEATS];      /* us per stat, median of stat_passes */
};

static void free_paths(struct side *s, int count)
{
	if (!s->paths)
		return;
	for (int i = 0; i < count; i++)
		free(s->paths[i]);
	free(s->paths);
	s->paths = NULL;
}

static int make_paths(struct side *s, int count, int rep)
{
	if (!(s->paths = calloc(count, sizeof(char *))))
		return -ENOMEM;
	for (int i = 0; i < count; i++)
		if (asprintf(&s->paths[i], "%s/r%d_%05d", s->dir, rep, i) < 0) {
			s->paths[i] = NULL;
			return -ENOMEM;
		}
	return 0;
}

/* The daemon's name of a pin: its path below the mount point. */
static const char *ns_path(const struct cfg *c, const char *full)
{
	return full + strlen(c->mount);
}

/* One entry of a side: a pin of map, or on the bare FUSE side an empty
 * file, made through its mount with one request (mknod). */
static int fill_one(const struct cfg *c, struct bpfpin *b, int map,
		    const struct side *s, const char *path)
{
	switch (s->kind) {
	case SIDE_DAEMON:
		return bpfpin_pin(b, map, ns_path(c, path), NULL);
	case SIDE_KERNEL:
		return bpf_obj_pin(map, path) < 0 ? -errno : 0;
	default:
		return mknod(path, S_IFREG | 0600, 0) < 0 ? -errno : 0;
	}
}

static int fill_all(const struct cfg *c, struct bpfpin *b, int map,
		    struct side *s, int rep)
{
	uint64_t t0 = bench_now_ns();
	int i, r = 0;

	for (i = 0; i < c->count && r == 0; i++)
		r = fill_one(c, b, map, s, s->paths[i]);
	s->pin[rep] = (double)(bench_now_ns() - t0) / 1e3 / c->count;
	if (r < 0)
		fprintf(stderr, "fuse_bench: %s: make %s: %s (%s)\n", s->label,
			s->paths[i - 1], strerror(-r),
			s->kind == SIDE_DAEMON ? bpfpin_errmsg(b) : "");
	return r;
}

/* The bare side's files were made through its mount, so the kernel holds
 * them all; bpfpind's pins came over the RPC, unseen. Dropped, so that
 * the first ls -l of each meets names the kernel never looked up. */
static int bare_forget(const struct side *s)
{
	int r;

	if (s->kind != SIDE_BARE || getxattr(s->dir, BARE_XATTR_FORGET, NULL, 0) >= 0)
		return 0;
	r = -errno;
	fprintf(stderr, "fuse_bench: %s: getxattr %s: %s\n", s->dir,
		BARE_XATTR_FORGET, strerror(-r));
	return r;
}

/* Every side unlinks with unlink(2), the daemon's through its mount: the
 * kernel then forgets the inodes at once. Unlinked through the RPC, they
 * stay looked up until the kernel's dentries time out, and bpfpind keeps
 * an object fd open for each (20,000 of them after two repeats: EMFILE). */
static int unlink_all(const struct cfg *c, struct side *s)
{
	int r = 0;

	for (int i = 0; i < c->count && s->paths[i]; i++)
		if (unlink(s->paths[i]) < 0 && r == 0)
			r = -errno;
	return r;
}

/* Wall time of `ls -l dir > /dev/null` in ms, or -errno. */
static double ls_l(const char *dir)
{
	char *const argv[] = { "ls", "-l", (char *)dir, NULL };
	char *const envp[] = { "LC_ALL=C", "PATH=/usr/bin:/bin", NULL };
	posix_spawn_file_actions_t fa;
	uint64_t t0 = bench_now_ns();
	int r, status;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	r = posix_spawnp(&pid, "ls", &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0)
		return -r;
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -EIO;
	return (double)(bench_now_ns() - t0) / 1e6;
}

static double ls_side(const struct cfg *c, const struct side *s)
{
	return ls_l(s->dir);
}

/* stat() of every pin of s once: us per stat, or -errno. */
static double stat_pass(const struct cfg *c, const struct side *s)
{
	uint64_t t0 = bench_now_ns();
	struct stat st;

	for (int i = 0; i < c->count; i++) {
		if (stat(s->paths[i], &st) < 0)
			return -errno;
		if (!S_ISREG(st.st_mode))
			return -EPROTO;
	}
	return (double)(bench_now_ns() - t0) / 1e3 / c->count;
}

/* n rounds of one timed run per side, the sides in turn, so that a burst
 * of other work on this 2-CPU machine falls on all alike; all rounds end
 * well within the FUSE sides' 1 s timeouts. The median of each side in
 * out. */
static int alternate(const struct cfg *c, struct side *sides, int nsides,
		     int n, double (*run)(const struct cfg *c, const struct side *s),
		     double out[MAX_SIDES])
{
	double v[MAX_SIDES][MAX_REPEATS];

	for (int i = 0; i < n; i++)
		for (int s = 0; s < nsides; s++)
			if ((v[s][i] = run(c, &sides[s])) < 0)
				return (int)v[s][i];
	for (int s = 0; s < nsides; s++)
		out[s] = bench_median(v[s], n);
	return 0;
}

/* Measure the sides on the entries of one repeat: the first ls -l of each
 * before anything else looks at the new names, then the repeated ls -l
 * and the stat passes (after one pass each to warm the caches). */
static int measure(const struct cfg *c, struct side *sides, int nsides,
		   int rep)
{
	double again[MAX_SIDES], stat_us[MAX_SIDES];
	int r = 0;

	for (int i = 0; i < nsides && r == 0; i++)
		if ((sides[i].ls_first[rep] = ls_l(sides[i].dir)) < 0)
			r = (int)sides[i].ls_first[rep];
	if (r == 0)
		r = alternate(c, sides, nsides, c->ls_repeats, ls_side, again);
	if (r == 0)
		r = alternate(c, sides, nsides, 1, stat_pass, stat_us);
	if (r == 0)
		r = alternate(c, sides, nsides, c->stat_passes, stat_pass, stat_us);
	for (int i = 0; i < nsides && r == 0; i++) {
		sides[i].ls_again[rep] = again[i];
		sides[i].stat[rep] = stat_us[i];
	}
	return r;
}

static int one_repeat(const struct cfg *c, struct bpfpin *b, int map,
		      struct side *sides, int nsides, int rep)
{
	int i, r = 0;

	for (i = 0; i < nsides && r == 0; i++)
		if ((r = make_paths(&sides[i], c->count, rep)) == 0 &&
		    (r = fill_all(c, b, map, &sides[i], rep)) == 0)
			r = bare_forget(&sides[i]);
	if (r == 0 && (r = measure(c, sides, nsides, rep)) < 0)
		fprintf(stderr, "fuse_bench: ls -l or stat failed: %s\n", strerror(-r));
	for (i = 0; i < nsides; i++) {
		if (sides[i].paths)
			unlink_all(c, &sides[i]);
		free_paths(&sides[i], c->count);
	}
	return r;
}

static double med(const double *v, int n)
{
	double tmp[MAX_REPEATS];

	memcpy(tmp, v, n * sizeof(*v));
	return bench_median(tmp, n);
}

/* The medians of one side over the repeats. */
struct figures {
	double first, again, stat;
};

static struct figures side_figures(const struct cfg *c, const struct side *s)
{
	return (struct figures){
		.first = med(s->ls_first, c->repeats),
		.again = med(s->ls_again, c->repeats),
		.stat = med(s->stat, c->repeats),
	};
}

/* Rows of the bare FUSE side and how far bpfpind is from it: no target,
 * FUSE's own cost on this kernel is the floor (see bench/fuse_bare.c). */
static void report_bare(const struct cfg *c, const struct side *bare,
			struct figures f)
{
	struct figures b = side_figures(c, bare);

	bench_row("bare FUSE:    ls -l, first", b.first, "ms");
	bench_row("bare FUSE:    ls -l, repeated", b.again, "ms");
	bench_row("bare FUSE:    stat, cached", b.stat, "us/stat");
	bench_row("bpfpind / bare FUSE: ls -l, first", f.first / b.first, "x");
	bench_row("bpfpind / bare FUSE: ls -l, repeated", f.again / b.again, "x");
	bench_row("bpfpind / bare FUSE: stat, cached", f.stat / b.stat, "x");
}

static void report(const struct cfg *c, const struct side *sides, int nsides)
{
	const struct side *k = &sides[SIDE_KERNEL], *d = &sides[SIDE_DAEMON];
	struct figures kf = side_figures(c, k), ff = side_figures(c, d);

	printf("fuse: %d pins of one map in one directory, median of %d repeats\n",
	       c->count, c->repeats);
	for (int i = 0; i < nsides; i++)
		printf("  %s:%*s%s/NAME\n", sides[i].label,
		       (int)(8 - strlen(sides[i].label)), "", sides[i].dir);
	bench_row("kernel bpffs: pin (BPF_OBJ_PIN)", med(k->pin, c->repeats),
		  "us/pin");
	bench_row("bpfpind: pin (libbpfpin)", med(d->pin, c->repeats), "us/pin");
	bench_row("kernel bpffs: ls -l, first", kf.first, "ms");
	bench_row("FUSE mount:   ls -l, first", ff.first, "ms");
	bench_row("kernel bpffs: ls -l, repeated", kf.again, "ms");
	bench_row("FUSE mount:   ls -l, repeated", ff.again, "ms");
	bench_row("kernel bpffs: stat, cached", kf.stat, "us/stat");
	bench_row("FUSE mount:   stat, cached", ff.stat, "us/stat");
	if (nsides > SIDE_BARE)
		report_bare(c, &sides[SIDE_BARE], ff);
	bench_ratio("fuse ls -l first / kernel", ff.first / kf.first,
		    BENCH_AT_MOST, 1.5);
	bench_ratio("fuse ls -l repeated / kernel", ff.again / kf.again,
		    BENCH_AT_MOST, 1.5);
	bench_ratio("fuse stat cached / kernel", ff.stat / kf.stat,
		    BENCH_AT_MOST, 1.2);
}

/* One directory of a side, made or removed through the daemon (b) or
 * with mkdir(2) (b NULL: the kernel bpffs, the bare FUSE mount). */
static int mkdir_one(const struct cfg *c, struct bpfpin *b, const char *path)
{
	int r;

	if (b)
		r = bpfpin_mkdir(b, ns_path(c, path), 0755);
	else
		r = mkdir(path, 0755) < 0 ? -errno : 0;
	if (r < 0 && r != -EEXIST) {
		fprintf(stderr, "fuse_bench: mkdir %s: %s\n", path,
			b ? bpfpin_errmsg(b) : strerror(-r));
		return r;
	}
	return 0;
}

static void rmdir_one(const struct cfg *c, struct bpfpin *b, const char *path)
{
	if (b)
		bpfpin_rmdir(b, ns_path(c, path));
	else
		rmdir(path);
}

/* Every directory of s->dir below the filesystem's root, top down. */
static int dirs_make(const struct cfg *c, struct bpfpin *b,
		     const struct side *s)
{
	char path[sizeof(s->dir)];
	size_t len = strlen(s->dir);
	int r = 0;

	for (size_t i = s->root_len + 1; i <= len && r == 0; i++)
		if (i == len || s->dir[i] == '/') {
			memcpy(path, s->dir, i);
			path[i] = '\0';
			r = mkdir_one(c, b, path);
		}
	return r;
}

static void dirs_remove(const struct cfg *c, struct bpfpin *b,
			const struct side *s)
{
	char path[sizeof(s->dir)];

	memcpy(path, s->dir, sizeof(path));
	while (strlen(path) > s->root_len) {
		rmdir_one(c, b, path);
		*strrchr(path, '/') = '\0';
	}
}

/* The daemon's connection for the daemon's side only. */
static struct bpfpin *side_rpc(struct bpfpin *b, const struct side *s)
{
	return s->kind == SIDE_DAEMON ? b : NULL;
}

static int run(const struct cfg *c, int map, struct side *sides, int nsides)
{
	struct bpfpin *b;
	int i, r = bpfpin_connect(c->sock, &b);

	if (r < 0) {
		fprintf(stderr, "fuse_bench: connect %s: %s\n", c->sock, strerror(-r));
		return r;
	}
	for (i = 0; i < nsides && r == 0; i++)
		r = dirs_make(c, side_rpc(b, &sides[i]), &sides[i]);
	for (int rep = 0; rep < c->repeats && r == 0; rep++)
		r = one_repeat(c, b, map, sides, nsides, rep);
	for (i = 0; i < nsides; i++)
		dirs_remove(c, side_rpc(b, &sides[i]), &sides[i]);
	bpfpin_close(b);
	return r;
}

/* Components of path once resolved ("/" has none), or -errno. */
static int path_depth(const char *path)
{
	char *real = realpath(path, NULL);
	int n = 0;

	if (!real)
		return -errno;
	for (const char *p = real; *p; p++)
		if (*p == '/' && p[1])
			n++;
	free(real);
	return n;
}

/* A stat walks the whole path, one dentry per component; run.sh mounts
 * the FUSE faces one directory deeper than its bpffs ($WORK/fuse/mnt vs
 * $WORK/bpffs). A shallower side puts its directory pad levels lower, so
 * that all walk as many components and a ratio compares the filesystems,
 * not the paths to them. */
static int side_dir(struct side *s, const char *root, int pad)
{
	int n = snprintf(s->dir, sizeof(s->dir), "%s", root);

	s->root_len = strlen(root);
	for (int i = 0; i < pad && n > 0 && (size_t)n < sizeof(s->dir); i++)
		n += snprintf(s->dir + n, sizeof(s->dir) - n, "/" PAD_NAME);
	if (n > 0 && (size_t)n < sizeof(s->dir))
		n += snprintf(s->dir + n, sizeof(s->dir) - n, "/" DIR_NAME);
	return n > 0 && (size_t)n < sizeof(s->dir) ? 0 : -ENAMETOOLONG;
}

static const char usage[] =
	"Usage: fuse_bench --socket SOCK --mount DIR --bpffs DIR [--bare DIR]\n"
	"                  [--count N] [--repeats N] [--ls-repeats N]\n"
	"                  [--stat-passes N]\n"
	"  --bare DIR: a mount of bench/fuse_bare, measured as a third side\n";

static int parse(struct cfg *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "mount", required_argument, NULL, 'm' },
		{ "bpffs", required_argument, NULL, 'b' },
		{ "bare", required_argument, NULL, 'B' },
		{ "count", required_argument, NULL, 'n' },
		{ "repeats", required_argument, NULL, 'r' },
		{ "ls-repeats", required_argument, NULL, 'l' },
		{ "stat-passes", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	*c = (struct cfg){ .count = 10000, .repeats = 3, .ls_repeats = 3,
			   .stat_passes = 5 };
	while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (o) {
		case 's': c->sock = optarg; break;
		case 'm': c->mount = optarg; break;
		case 'b': c->bpffs = optarg; break;
		case 'B': c->bare = optarg; break;
		case 'n': c->count = atoi(optarg); break;
		case 'r': c->repeats = atoi(optarg); break;
		case 'l': c->ls_repeats = atoi(optarg); break;
		case 'p': c->stat_passes = atoi(optarg); break;
		default: return -EINVAL;
		}
	}
	if (!c->sock || !c->mount || !c->bpffs || optind != argc || c->count < 1 ||
	    c->count > 100000 || c->repeats < 1 || c->repeats > MAX_REPEATS ||
	    c->ls_repeats < 1 || c->ls_repeats > MAX_REPEATS ||
	    c->stat_passes < 1 || c->stat_passes > MAX_REPEATS)
		return -EINVAL;
	return 0;
}

/* Each side's directory, all at the depth of the deepest root. */
static int sides_place(struct side *sides, int nsides, const char *const *roots)
{
	int depth[MAX_SIDES], max = 0;

	for (int i = 0; i < nsides; i++) {
		if ((depth[i] = path_depth(roots[i])) < 0) {
			fprintf(stderr, "fuse_bench: %s: %s\n", roots[i],
				strerror(-depth[i]));
			return depth[i];
		}
		max = depth[i] > max ? depth[i] : max;
	}
	for (int i = 0; i < nsides; i++)
		if (side_dir(&sides[i], roots[i], max - depth[i]) < 0) {
			fprintf(stderr, "fuse_bench: %s: %s\n", roots[i],
				strerror(ENAMETOOLONG));
			return -ENAMETOOLONG;
		}
	return 0;
}

int main(int argc, char **argv)
{
	struct side sides[MAX_SIDES] = {
		[SIDE_KERNEL] = { .kind = SIDE_KERNEL, .label = "kernel" },
		[SIDE_DAEMON] = { .kind = SIDE_DAEMON, .label = "FUSE" },
		[SIDE_BARE] = { .kind = SIDE_BARE, .label = "bare" },
	};
	struct cfg c;
	int map, r, nsides;

	if (parse(&c, argc, argv) < 0) {
		fputs(usage, stderr);
		return 2;
	}
	nsides = c.bare ? 3 : 2;
	if (sides_place(sides, nsides,
			(const char *const[]){ c.bpffs, c.mount, c.bare }) < 0)
		return 1;
	if ((map = bench_map_create("fuse_bench", 1)) < 0) {
		fprintf(stderr, "fuse_bench: map: %s\n", strerror(-map));
		return 1;
	}
	r = run(&c, map, sides, nsides);
	close(map);
	if (r < 0)
		return 1;
	report(&c, sides, nsides);
	return 0;
}
