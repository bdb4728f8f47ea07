/* bench/fuse_bench.c: the FUSE face against a kernel bpffs with one big
 * directory on each: COUNT pins of one map, made through libbpfpin on the
 * daemon's side and by BPF_OBJ_PIN on the kernel's; then `ls -l` of each
 * (first, on names the kernel has never looked up, and repeated) and a
 * loop of stat() over every pin once the dentries are cached. After the
 * first ls -l, the two sides take turns run by run; both list and stat
 * paths with as many components (see side_dir). */
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
#include <unistd.h>

#include <bpf/bpf.h>

#include "bench/bench.h"
#include "bpfpin/bpfpin.h"

#define MAX_REPEATS 16
#define DIR_NAME "fb"
#define PAD_NAME "pad"

struct cfg {
	const char *sock, *mount, *bpffs;
	int count, repeats, ls_repeats, stat_passes;
};

/* One of the two filesystems, and its figures per repeat. */
struct side {
	const char *label;
	char dir[4096];
	size_t root_len;               /* of the filesystem's root in dir */
	char **paths;                  /* count full paths of this repeat */
	double pin[MAX_REPEATS];       /* us per pin */
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

static int pin_all(const struct cfg *c, struct bpfpin *b, int map, struct side *s,
		   int rep)
{
	uint64_t t0 = bench_now_ns();
	int i, r = 0;

	for (i = 0; i < c->count && r == 0; i++) {
		if (b)
			r = bpfpin_pin(b, map, ns_path(c, s->paths[i]), NULL);
		else if (bpf_obj_pin(map, s->paths[i]) < 0)
			r = -errno;
	}
	s->pin[rep] = (double)(bench_now_ns() - t0) / 1e3 / c->count;
	if (r < 0)
		fprintf(stderr, "fuse_bench: %s pin %s: %s (%s)\n", s->label,
			s->paths[i - 1], strerror(-r), b ? bpfpin_errmsg(b) : "");
	return r;
}

/* Both sides unlink with unlink(2), the daemon's through its mount: the
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
 * of other work on this 2-CPU machine falls on both alike; all rounds
 * end well within the FUSE side's 1 s timeouts. The median of each side
 * in out. */
static int alternate(const struct cfg *c, struct side *both[2], int n,
		     double (*run)(const struct cfg *c, const struct side *s),
		     double out[2])
{
	double v[2][MAX_REPEATS];

	for (int i = 0; i < n; i++)
		for (int s = 0; s < 2; s++)
			if ((v[s][i] = run(c, both[s])) < 0)
				return (int)v[s][i];
	for (int s = 0; s < 2; s++)
		out[s] = bench_median(v[s], n);
	return 0;
}

/* Measure both sides on the pins of one repeat: the first ls -l of each
 * before anything else looks at the new names, then the repeated ls -l
 * and the stat passes (after one pass each to warm the caches). */
static int measure(const struct cfg *c, struct side *k, struct side *f, int rep)
{
	struct side *both[] = { k, f };
	double again[2], stat_us[2];
	int r = 0;

	for (int i = 0; i < 2 && r == 0; i++)
		if ((both[i]->ls_first[rep] = ls_l(both[i]->dir)) < 0)
			r = (int)both[i]->ls_first[rep];
	if (r == 0)
		r = alternate(c, both, c->ls_repeats, ls_side, again);
	if (r == 0)
		r = alternate(c, both, 1, stat_pass, stat_us);
	if (r == 0)
		r = alternate(c, both, c->stat_passes, stat_pass, stat_us);
	for (int i = 0; i < 2 && r == 0; i++) {
		both[i]->ls_again[rep] = again[i];
		both[i]->stat[rep] = stat_us[i];
	}
	return r;
}

static int one_repeat(const struct cfg *c, struct bpfpin *b, int map,
		      struct side *k, struct side *f, int rep)
{
	int r = make_paths(k, c->count, rep);

	if (r == 0)
		r = make_paths(f, c->count, rep);
	if (r == 0 && (r = pin_all(c, NULL, map, k, rep)) == 0 &&
	    (r = pin_all(c, b, map, f, rep)) == 0 &&
	    (r = measure(c, k, f, rep)) < 0)
		fprintf(stderr, "fuse_bench: ls -l or stat failed: %s\n", strerror(-r));
	if (k->paths)
		unlink_all(c, k);
	if (f->paths)
		unlink_all(c, f);
	free_paths(k, c->count);
	free_paths(f, c->count);
	return r;
}

static double med(const double *v, int n)
{
	double tmp[MAX_REPEATS];

	memcpy(tmp, v, n * sizeof(*v));
	return bench_median(tmp, n);
}

static void report(const struct cfg *c, const struct side *k, const struct side *f)
{
	double kf = med(k->ls_first, c->repeats), ff = med(f->ls_first, c->repeats);
	double ka = med(k->ls_again, c->repeats), fa = med(f->ls_again, c->repeats);
	double ks = med(k->stat, c->repeats), fs = med(f->stat, c->repeats);

	printf("fuse: %d pins of one map in one directory, median of %d repeats\n"
	       "  kernel: %s/NAME\n  FUSE:   %s/NAME\n",
	       c->count, c->repeats, k->dir, f->dir);
	bench_row("kernel bpffs: pin (BPF_OBJ_PIN)", med(k->pin, c->repeats), "us/pin");
	bench_row("bpfpind: pin (libbpfpin)", med(f->pin, c->repeats), "us/pin");
	bench_row("kernel bpffs: ls -l, first", kf, "ms");
	bench_row("FUSE mount:   ls -l, first", ff, "ms");
	bench_row("kernel bpffs: ls -l, repeated", ka, "ms");
	bench_row("FUSE mount:   ls -l, repeated", fa, "ms");
	bench_row("kernel bpffs: stat, cached", ks, "us/stat");
	bench_row("FUSE mount:   stat, cached", fs, "us/stat");
	bench_ratio("fuse ls -l first / kernel", ff / kf, BENCH_AT_MOST, 1.5);
	bench_ratio("fuse ls -l repeated / kernel", fa / ka, BENCH_AT_MOST, 1.5);
	bench_ratio("fuse stat cached / kernel", fs / ks, BENCH_AT_MOST, 1.2);
}

/* One directory of a side, made or removed through the daemon (b) or on
 * the kernel bpffs (b NULL). */
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
static int dirs_make(const struct cfg *c, struct bpfpin *b, const struct side *s)
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

static void dirs_remove(const struct cfg *c, struct bpfpin *b, const struct side *s)
{
	char path[sizeof(s->dir)];

	memcpy(path, s->dir, sizeof(path));
	while (strlen(path) > s->root_len) {
		rmdir_one(c, b, path);
		*strrchr(path, '/') = '\0';
	}
}

static int run(const struct cfg *c, int map, struct side *k, struct side *f)
{
	struct bpfpin *b;
	int r = bpfpin_connect(c->sock, &b);

	if (r < 0) {
		fprintf(stderr, "fuse_bench: connect %s: %s\n", c->sock, strerror(-r));
		return r;
	}
	if ((r = dirs_make(c, b, f)) == 0)
		r = dirs_make(c, NULL, k);
	for (int rep = 0; rep < c->repeats && r == 0; rep++)
		r = one_repeat(c, b, map, k, f, rep);
	dirs_remove(c, b, f);
	dirs_remove(c, NULL, k);
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
 * the FUSE face one directory deeper than its bpffs ($WORK/fuse/mnt vs
 * $WORK/bpffs). The shallower side puts its directory pad levels lower,
 * so that both walk as many components and a ratio compares the two
 * filesystems, not the paths to them. */
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
	"Usage: fuse_bench --socket SOCK --mount DIR --bpffs DIR [--count N]\n"
	"                  [--repeats N] [--ls-repeats N] [--stat-passes N]\n";

static int parse(struct cfg *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "mount", required_argument, NULL, 'm' },
		{ "bpffs", required_argument, NULL, 'b' },
		{ "count", required_argument, NULL, 'n' },
		{ "repeats", required_argument, NULL, 'r' },
		{ "ls-repeats", required_argument, NULL, 'l' },
		{ "stat-passes", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	*c = (struct cfg){ .count = 10000, .repeats = 3, .ls_repeats = 3, .stat_passes = 5 };
	while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (o) {
		case 's': c->sock = optarg; break;
		case 'm': c->mount = optarg; break;
		case 'b': c->bpffs = optarg; break;
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

int main(int argc, char **argv)
{
	struct side k = { .label = "kernel bpffs" }, f = { .label = "bpfpind" };
	struct cfg c;
	int map, r, kd, md;

	if (parse(&c, argc, argv) < 0) {
		fputs(usage, stderr);
		return 2;
	}
	kd = path_depth(c.bpffs);
	md = path_depth(c.mount);
	if (kd < 0 || md < 0 || side_dir(&k, c.bpffs, md - kd) < 0 ||
	    side_dir(&f, c.mount, kd - md) < 0) {
		fprintf(stderr, "fuse_bench: %s or %s: %s\n", c.bpffs, c.mount,
			strerror(kd < 0 ? -kd : md < 0 ? -md : ENAMETOOLONG));
		return 1;
	}
	if ((map = bench_map_create("fuse_bench", 1)) < 0) {
		fprintf(stderr, "fuse_bench: map: %s\n", strerror(-map));
		return 1;
	}
	r = run(&c, map, &k, &f);
	close(map);
	if (r < 0)
		return 1;
	report(&c, &k, &f);
	return 0;
}
