/* TEMPORARY stub until the built-ins land (not to be merged). */
#include "config.h"
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "sockmap/builtin.h"
const char *const sockmap_aux_names[] = { "sm_cnt", "sm_sk", NULL };
const unsigned sockmap_aux_count = 1;
const struct sockmap_builtin sockmap_builtins[] = { { NULL, 0, NULL } };
void sockmap_aux_init(struct sockmap_aux *aux) { for (int i = 0; i < SOCKMAP_AUX_MAX; i++) aux->fds[i] = -1; }
int sockmap_aux_create(uint32_t max, struct sockmap_aux *aux, char *why, size_t len)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_NO_PREALLOC);
	(void)why; (void)len;
	sockmap_aux_init(aux);
	aux->fds[0] = bpf_map_create(BPF_MAP_TYPE_PERCPU_HASH, "sm_cnt", 8, sizeof(struct sockmap_counters), max, NULL);
	(void)o;
	if (aux->fds[0] < 0) { sockmap_aux_close(aux); return -errno; }
	return 0;
}
void sockmap_aux_close(struct sockmap_aux *aux) { for (int i = 0; i < SOCKMAP_AUX_MAX; i++) if (aux->fds[i] >= 0) { close(aux->fds[i]); aux->fds[i] = -1; } }
const struct sockmap_builtin *sockmap_builtin_find(const char *name) { (void)name; return NULL; }
int sockmap_builtin_load(const char *name, enum sockmap_hook hook, int sock_fd, const struct sockmap_aux *aux, char *why, size_t len)
{ (void)name; (void)hook; (void)sock_fd; (void)aux; (void)why; (void)len; return -ENOENT; }
int sockmap_aux_member_add(const struct sockmap_aux *aux, int sock_fd, const struct sockmap_member_cfg *cfg, char *why, size_t len)
{ (void)why; (void)len; (void)aux; (void)sock_fd; (void)cfg; return 0; }
void sockmap_aux_member_rm(const struct sockmap_aux *aux, uint64_t cookie) { (void)aux; (void)cookie; }
int sockmap_aux_counters(const struct sockmap_aux *aux, uint64_t cookie, struct sockmap_counters *out) { (void)aux; (void)cookie; memset(out, 0, sizeof(*out)); return 0; }
int sockmap_aux_event_fd(const struct sockmap_aux *aux) { (void)aux; return -1; }
int sockmap_aux_take_disconnects(const struct sockmap_aux *aux, uint64_t *c, unsigned max) { (void)aux; (void)c; (void)max; return 0; }
