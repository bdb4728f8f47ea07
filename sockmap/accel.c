/* sockmap/accel.c: the accelerate built-in (sockmap/accel.h): loads one
 * instance of bpf/progs/sm_accel.bpf.c on a sockhash (and its aux maps),
 * attaches its sk_msg verdict and its sock_ops program with BPF links,
 * then runs its tcp iterator once to add the connections that were
 * already established. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "sockmap/accel.h"
#include "sockmap/builtin.h"
#include "sockmap/sm_accel.skel.h"

/* err (-errno) with why "what: reason". */
static int fail(char *why, size_t whylen, int err, const char *what)
{
	snprintf(why, whylen, "%s: %s", what, strerror(-err));
	return err;
}

static int check_hash(int hash_fd, char *why, size_t whylen)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(hash_fd, &info, &len) < 0)
		return fail(why, whylen, -errno, "not a map");
	if (info.type != BPF_MAP_TYPE_SOCKHASH ||
	    info.key_size != SOCKMAP_ACCEL_KEY_SIZE) {
		snprintf(why, whylen, "accelerate needs a sockhash with key-size %d",
			 SOCKMAP_ACCEL_KEY_SIZE);
		return -EINVAL;
	}
	return 0;
}

/* A cgroup's id is its inode number on cgroup2 (what the kernel's
 * kernfs_node id is). */
static int cgroup_id(int cgroup_fd, uint64_t *id, char *why, size_t whylen)
{
	struct statfs fs;
	struct stat st;

	if (fstatfs(cgroup_fd, &fs) < 0 || fstat(cgroup_fd, &st) < 0)
		return fail(why, whylen, -errno, "cgroup");
	if (fs.f_type != CGROUP2_SUPER_MAGIC || !S_ISDIR(st.st_mode)) {
		snprintf(why, whylen, "not a cgroup v2 directory");
		return -EINVAL;
	}
	*id = st.st_ino;
	return 0;
}

static int reuse(struct bpf_map *map, int fd, char *why, size_t whylen)
{
	int r = bpf_map__reuse_fd(map, fd);

	return r < 0 ? fail(why, whylen, r, bpf_map__name(map)) : 0;
}

/* An opened (not loaded) instance on hash_fd for cgroup_fd, counting into
 * aux's maps when aux is not NULL; NULL with *err and why. */
static struct sm_accel *open_on(int hash_fd, int cgroup_fd,
				const struct sockmap_aux *aux, int *err,
				char *why, size_t whylen)
{
	struct sm_accel *skel;
	uint64_t id;

	if ((*err = check_hash(hash_fd, why, whylen)) < 0 ||
	    (*err = cgroup_id(cgroup_fd, &id, why, whylen)) < 0)
		return NULL;
	skel = sm_accel__open();
	if (!skel) {
		*err = fail(why, whylen, -errno, "open accelerate");
		return NULL;
	}
	skel->rodata->cgroup_id = id;
	skel->rodata->counting = aux != NULL;
	if ((*err = reuse(skel->maps.sm_hash, hash_fd, why, whylen)) < 0 ||
	    (aux && (*err = reuse(skel->maps.sm_cnt, aux->fds[SOCKMAP_AUX_CNT],
				  why, whylen)) < 0) ||
	    (aux && (*err = reuse(skel->maps.sm_sk, aux->fds[SOCKMAP_AUX_SK],
				  why, whylen)) < 0)) {
		sm_accel__destroy(skel);
		return NULL;
	}
	return skel;
}

static int load(struct sm_accel *skel, char *why, size_t whylen)
{
	int r = sm_accel__load(skel);

	return r < 0 ? fail(why, whylen, r, "load accelerate") : 0;
}

/* Run the loaded iterator once over the host's TCP sockets: the count it
 * added, or -errno. */
static int64_t run_iter(struct sm_accel *skel, char *why, size_t whylen)
{
	struct bpf_link *link;
	char buf[256];
	ssize_t n;
	int fd;     /* the iterator's read end; closed here */

	link = bpf_program__attach_iter(skel->progs.sm_accel_iter, NULL);
	if (!link)
		return fail(why, whylen, -errno, "tcp iterator");
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		bpf_link__destroy(link);
		return fail(why, whylen, fd, "tcp iterator");
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		;
	n = n < 0 ? -errno : 0;
	close(fd);
	bpf_link__destroy(link);
	if (n < 0)
		return fail(why, whylen, n, "tcp iterator");
	return skel->bss->caught_up;
}

/* The verdict first: a socket takes the map's programs when it is added,
 * so one added before the verdict would never be redirected. */
static int attach(struct sm_accel *skel, int hash_fd, int cgroup_fd,
		  struct sockmap_accel *out, char *why, size_t whylen)
{
	out->msg_link = bpf_link_create(bpf_program__fd(skel->progs.sm_accel_msg),
					hash_fd, BPF_SK_MSG_VERDICT, NULL);
	if (out->msg_link < 0)
		return fail(why, whylen, out->msg_link, "attach msg_verdict");
	out->ops_link = bpf_link_create(bpf_program__fd(skel->progs.sm_accel_ops),
					cgroup_fd, BPF_CGROUP_SOCK_OPS, NULL);
	if (out->ops_link < 0) {
		int r = out->ops_link;

		close(out->msg_link);
		return fail(why, whylen, r, "attach sock_ops");
	}
	return 0;
}

int sockmap_accel_start(int hash_fd, int cgroup_fd, const struct sockmap_aux *aux,
			struct sockmap_accel *out, char *why, size_t whylen)
{
	struct sm_accel *skel;
	int64_t n;
	int r;

	skel = open_on(hash_fd, cgroup_fd, aux, &r, why, whylen);
	if (!skel)
		return r;
	if ((r = load(skel, why, whylen)) < 0 ||
	    (r = attach(skel, hash_fd, cgroup_fd, out, why, whylen)) < 0)
		goto out;
	n = run_iter(skel, why, whylen);
	if (n < 0) {
		close(out->ops_link);
		close(out->msg_link);
		r = (int)n;
		goto out;
	}
	out->caught_up = (uint64_t)n;
out:
	/* The links hold the programs and the programs their maps. */
	sm_accel__destroy(skel);
	return r;
}

int64_t sockmap_accel_catch_up(int hash_fd, int cgroup_fd, char *why, size_t whylen)
{
	struct sm_accel *skel;
	int64_t n;
	int r;

	skel = open_on(hash_fd, cgroup_fd, NULL, &r, why, whylen);
	if (!skel)
		return r;
	bpf_program__set_autoload(skel->progs.sm_accel_ops, false);
	bpf_program__set_autoload(skel->progs.sm_accel_msg, false);
	r = load(skel, why, whylen);
	n = r < 0 ? r : run_iter(skel, why, whylen);
	sm_accel__destroy(skel);
	return n;
}
