/* sockmap/builtin.h: the built-in programs (bpf/progs/sm_*.bpf.c, carried
 * inside bpfpind as bpftool skeletons) and the maps they share on one
 * sockmap (its "aux" maps: per-socket counters, pair peers, tap rules...).
 * Each sockmap gets its own instance of a built-in, loaded with that
 * sockmap and its aux maps reused, so a verdict redirects within the map
 * it is attached to. No policy and no membership here: sockmap/sm*.c
 * decides who may do what and keeps the members. */
#ifndef BPFPIN_SOCKMAP_BUILTIN_H
#define BPFPIN_SOCKMAP_BUILTIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sockmap/hooks.h"

/* The aux maps of one sockmap: fds[i] is the map named
 * sockmap_aux_names[i] (the manager pins each under that name and reopens
 * it by it after a restart), -1 where not open. */
#define SOCKMAP_AUX_MAX 8
struct sockmap_aux {
	int fds[SOCKMAP_AUX_MAX];
};
/* Two are fixed, as accelerate (sockmap/accel.h) uses them too:
 * "sm_cnt", BPF_MAP_TYPE_PERCPU_HASH, key the u64 socket cookie, value
 * struct sockmap_counters; "sm_sk", BPF_MAP_TYPE_SK_STORAGE, value the u64
 * cookie (sk_msg cannot call bpf_get_socket_cookie). */
#define SOCKMAP_AUX_CNT 0
#define SOCKMAP_AUX_SK 1
extern const char *const sockmap_aux_names[];  /* NULL-terminated */
extern const unsigned sockmap_aux_count;

/* Set every fd to -1. */
void sockmap_aux_init(struct sockmap_aux *aux);
/* Create the aux maps for a sockmap of max_entries sockets. 0 or -errno
 * with why. On error nothing is left open. */
int sockmap_aux_create(uint32_t max_entries, struct sockmap_aux *aux,
		       char *why, size_t whylen);
/* Close the open ones (and set them to -1). */
void sockmap_aux_close(struct sockmap_aux *aux);

/* One built-in: its name and the hooks it has a program for (a bit
 * 1u << enum sockmap_hook each). */
struct sockmap_builtin {
	const char *name;
	unsigned hooks;
	const char *summary;    /* one line for help and docs */
};
extern const struct sockmap_builtin sockmap_builtins[];  /* NULL name ends */
const struct sockmap_builtin *sockmap_builtin_find(const char *name);

/* Load built-in name's program for hook, for the sockmap or sockhash
 * sock_fd (its type and key size pick the variant) with aux's maps.
 * Returns a program fd (O_CLOEXEC, the caller's) or -errno with why:
 * -ENOENT no such built-in, -EINVAL no program of it for hook or for this
 * map (e.g. "pair on a sockhash needs key-size 4"), else the kernel's. */
int sockmap_builtin_load(const char *name, enum sockmap_hook hook, int sock_fd,
			 const struct sockmap_aux *aux, char *why, size_t whylen);

/* What the aux maps need to know of a member, set before it is inserted
 * into the sockmap (so its first byte is counted). */
struct sockmap_member_cfg {
	uint64_t cookie;        /* SO_COOKIE of the socket */
	bool paired;            /* pair: redirect to peer_key's egress */
	uint32_t peer_key;
};
/* sock_fd: the member's socket (the key of socket storage; not
 * consumed). Zeroes its counters. 0 or -errno with why. */
int sockmap_aux_member_add(const struct sockmap_aux *aux, int sock_fd,
			   const struct sockmap_member_cfg *cfg,
			   char *why, size_t whylen);
/* Forget a member's state (counters, peer, framing, tap marks). */
void sockmap_aux_member_rm(const struct sockmap_aux *aux, uint64_t cookie);

/* Per-socket counters, summed over CPUs. Messages: sk_msg sendmsg calls
 * (tx), skbs or frames seen by a verdict (rx). passed/dropped/redirected/
 * redirect_miss count verdicts (messages), tx and rx together. */
struct sockmap_counters {
	uint64_t rx_bytes, rx_msgs, tx_bytes, tx_msgs;
	uint64_t passed, dropped, redirected, redirect_miss;
};
/* 0 (all zero for a socket never counted) or -errno. */
int sockmap_aux_counters(const struct sockmap_aux *aux, uint64_t cookie,
			 struct sockmap_counters *out);

/* The socket tap's policy: a rule matches a message whose first len bytes
 * are prefix[0..len); the longest match wins; len 0 is the default
 * (pass when there is none). dir: which path the rule applies to. */
enum sockmap_tap_action { SOCKMAP_TAP_PASS, SOCKMAP_TAP_DROP, SOCKMAP_TAP_DISCONNECT };
enum sockmap_tap_dir { SOCKMAP_TAP_RX = 1, SOCKMAP_TAP_TX = 2, SOCKMAP_TAP_BOTH = 3 };
#define SOCKMAP_TAP_PREFIX_MAX 16
#define SOCKMAP_TAP_RULES_MAX 256
struct sockmap_tap_rule {
	uint8_t prefix[SOCKMAP_TAP_PREFIX_MAX];
	uint8_t len;
	enum sockmap_tap_dir dir;
	enum sockmap_tap_action action;
};
/* Add or replace (same prefix and dir) / remove (-ENOENT) / list up to
 * max rules (returns the count or -errno). */
int sockmap_tap_rule_add(const struct sockmap_aux *aux,
			 const struct sockmap_tap_rule *r, char *why, size_t whylen);
int sockmap_tap_rule_rm(const struct sockmap_aux *aux,
			const struct sockmap_tap_rule *r);
int sockmap_tap_rules(const struct sockmap_aux *aux,
		      struct sockmap_tap_rule *out, unsigned max);

/* Sockets a program asked to have disconnected (tap's drop-and-disconnect:
 * a program cannot end a connection, so it drops from then on and tells
 * the manager, which kills the socket): the fd to poll (readable when
 * some are waiting; owned by aux) and the cookies taken, up to max. */
int sockmap_aux_event_fd(const struct sockmap_aux *aux);
int sockmap_aux_take_disconnects(const struct sockmap_aux *aux,
				 uint64_t *cookies, unsigned max);
/* All the programs' events, disconnects and budget ticks (pair tells
 * every 1 MiB it redirected, so the manager can check the peer's
 * backlog): up to max taken, the count or -errno. */
enum sockmap_event_kind { SOCKMAP_EV_DISCONNECT = 0, SOCKMAP_EV_BUDGET = 1 };
struct sockmap_event {
	uint64_t cookie;
	enum sockmap_event_kind kind;
};
int sockmap_aux_take_events(const struct sockmap_aux *aux,
			    struct sockmap_event *ev, unsigned max);

#endif
