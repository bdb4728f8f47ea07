/* sockmap/builtin_aux.c: one sockmap's aux maps: made from the object of
 * bpf/progs/sm_aux.bpf.c (the socket storage map needs its BTF), what a
 * member's entries hold, and its counters. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sockmap/builtin_int.h"
#include "sockmap/sm_aux.skel.h"

const char *const sockmap_aux_names[] = {
	[SOCKMAP_AUX_CNT] = "sm_cnt",
	[SOCKMAP_AUX_SK] = "sm_sk",
	[SM_AUX_PEER] = "sm_peer",
	[SM_AUX_FRAME] = "sm_frame",
	[SM_AUX_TAP] = "sm_tap",
	[SM_AUX_DEAD] = "sm_dead",
	[SM_AUX_EV] = "sm_ev",
	[SM_AUX_N] = NULL,
};
const unsigned sockmap_aux_count = SM_AUX_N;

_Static_assert(SM_AUX_N <= SOCKMAP_AUX_MAX, "too many aux maps");
_Static_assert(sizeof(struct sockmap_counters) == 8 * sizeof(uint64_t),
	       "sockmap_counters is struct sm_counters of sm_common.bpf.h");

void sockmap_aux_init(struct sockmap_aux *aux)
{
	for (unsigned i = 0; i < SOCKMAP_AUX_MAX; i++)
		aux->fds[i] = -1;
}

void sockmap_aux_close(struct sockmap_aux *aux)
{
	for (unsigned i = 0; i < SOCKMAP_AUX_MAX; i++) {
		if (aux->fds[i] >= 0)
			close(aux->fds[i]);
		aux->fds[i] = -1;
	}
}

/* The maps keyed by socket get room for every member; the sockmap itself
 * is not made here. */
static int size_maps(struct bpf_object *obj, uint32_t max_entries)
{
	static const unsigned per_socket[] = {
		SOCKMAP_AUX_CNT, SM_AUX_PEER, SM_AUX_FRAME, SM_AUX_DEAD,
	};
	int rc;

	rc = bpf_map__set_autocreate(bpf_object__find_map_by_name(obj, "sock"), false);
	for (unsigned i = 0; rc == 0 && i < sizeof(per_socket) / sizeof(*per_socket); i++)
		rc = bpf_map__set_max_entries(bpf_object__find_map_by_name(obj,
				sockmap_aux_names[per_socket[i]]), max_entries);
	return rc;
}

/* Each map's fd dup'ed into aux (aux owns them from here). */
static int take_fds(struct bpf_object *obj, struct sockmap_aux *aux)
{
	for (unsigned i = 0; i < sockmap_aux_count; i++) {
		int fd = bpf_map__fd(bpf_object__find_map_by_name(obj,
				     sockmap_aux_names[i]));

		aux->fds[i] = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (aux->fds[i] < 0)
			return -errno;
	}
	return 0;
}

int sockmap_aux_create(uint32_t max_entries, struct sockmap_aux *aux,
		       char *why, size_t whylen)
{
	size_t size;
	const void *elf = sm_aux__elf_bytes(&size);
	struct bpf_object *obj;
	int rc;

	sockmap_aux_init(aux);
	if (max_entries == 0)
		return sm_why(why, whylen, -EINVAL, "a sockmap of 0 entries");
	obj = sm_obj_open(elf, size, NULL, 0);
	if (!obj)
		return sm_why(why, whylen, -errno, "opening the aux maps: %s",
			      strerror(errno));
	rc = size_maps(obj, max_entries);
	if (rc == 0)
		rc = bpf_object__load(obj);
	if (rc == 0)
		rc = take_fds(obj, aux);
	bpf_object__close(obj);
	if (rc < 0) {
		sockmap_aux_close(aux);
		return sm_why(why, whylen, rc, "creating the aux maps: %s",
			      strerror(-rc));
	}
	return 0;
}

/* Delete key from aux map i; a missing entry is no error. */
static int forget(const struct sockmap_aux *aux, unsigned i, uint64_t cookie)
{
	if (bpf_map_delete_elem(aux->fds[i], &cookie) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* Zero counters for every possible CPU. */
static int zero_counters(const struct sockmap_aux *aux, uint64_t cookie)
{
	int ncpu = libbpf_num_possible_cpus();
	struct sockmap_counters *zero;
	int rc = 0;

	if (ncpu < 0)
		return ncpu;
	zero = calloc(ncpu, sizeof(*zero));
	if (!zero)
		return -ENOMEM;
	if (bpf_map_update_elem(aux->fds[SOCKMAP_AUX_CNT], &cookie, zero, BPF_ANY) < 0)
		rc = -errno;
	free(zero);
	return rc;
}

int sockmap_aux_member_add(const struct sockmap_aux *aux, int sock_fd,
			   const struct sockmap_member_cfg *cfg,
			   char *why, size_t whylen)
{
	uint64_t cookie = cfg->cookie;
	int rc;

	if (cookie == 0)
		return sm_why(why, whylen, -EINVAL, "socket cookie 0");
	if (bpf_map_update_elem(aux->fds[SOCKMAP_AUX_SK], &sock_fd, &cookie, BPF_ANY) < 0)
		return sm_why(why, whylen, -errno, "socket storage of fd %d: %s",
			      sock_fd, strerror(errno));
	rc = zero_counters(aux, cookie);
	if (rc < 0)
		return sm_why(why, whylen, rc, "counters: %s", strerror(-rc));
	if (cfg->paired)
		rc = bpf_map_update_elem(aux->fds[SM_AUX_PEER], &cookie,
					 &cfg->peer_key, BPF_ANY) < 0 ? -errno : 0;
	else
		rc = forget(aux, SM_AUX_PEER, cookie);
	if (rc == 0)
		rc = forget(aux, SM_AUX_FRAME, cookie);
	if (rc == 0)
		rc = forget(aux, SM_AUX_DEAD, cookie);
	if (rc < 0)
		return sm_why(why, whylen, rc, "member state: %s", strerror(-rc));
	return 0;
}

void sockmap_aux_member_rm(const struct sockmap_aux *aux, uint64_t cookie)
{
	/* The socket storage goes with the socket. */
	forget(aux, SOCKMAP_AUX_CNT, cookie);
	forget(aux, SM_AUX_PEER, cookie);
	forget(aux, SM_AUX_FRAME, cookie);
	forget(aux, SM_AUX_DEAD, cookie);
}

int sockmap_aux_counters(const struct sockmap_aux *aux, uint64_t cookie,
			 struct sockmap_counters *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct sockmap_counters *per;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (ncpu < 0)
		return ncpu;
	per = calloc(ncpu, sizeof(*per));
	if (!per)
		return -ENOMEM;
	if (bpf_map_lookup_elem(aux->fds[SOCKMAP_AUX_CNT], &cookie, per) < 0)
		rc = errno == ENOENT ? 0 : -errno;
	for (int c = 0; rc == 0 && c < ncpu; c++) {
		uint64_t *dst = (uint64_t *)out, *src = (uint64_t *)&per[c];

		for (size_t f = 0; f < sizeof(*out) / sizeof(uint64_t); f++)
			dst[f] += src[f];
	}
	free(per);
	return rc;
}
