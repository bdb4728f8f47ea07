/* daemon/ops_sock_ls.c: sock_ls: the members of a sockmap as JSON, each
 * with its key, cookie, kind, addresses, TCP state, who added it and its
 * counters. Read permission on the pin, as reading the map. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>
#include <stdlib.h>
#include <unistd.h>

#include <json-c/json.h>
#include <linux/bpf.h>
#include <sys/socket.h>

#include "daemon/ops.h"
#include "daemon/ops_sock.h"
#include "sockmap/sm_accept.h"

static struct json_object *addr_json(const struct sockaddr_in6 *sa)
{
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
	char host[INET6_ADDRSTRLEN], buf[INET6_ADDRSTRLEN + 16];

	switch (sa->sin6_family) {
	case AF_INET:
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(buf, sizeof(buf), "%s:%u", host, ntohs(s4->sin_port));
		return json_object_new_string(buf);
	case AF_INET6:
		inet_ntop(AF_INET6, &sa->sin6_addr, host, sizeof(host));
		snprintf(buf, sizeof(buf), "[%s]:%u", host, ntohs(sa->sin6_port));
		return json_object_new_string(buf);
	}
	return NULL;
}

static const char *family_name(int f)
{
	return f == AF_INET ? "inet" : f == AF_INET6 ? "inet6" : f == AF_UNIX ? "unix" :
	       f == AF_VSOCK ? "vsock" : "?";
}

static struct json_object *counters_json(const struct sockmap_counters *c)
{
	struct json_object *o = json_object_new_object();
	const struct { const char *name; uint64_t v; } f[] = {
		{ "rx_bytes", c->rx_bytes }, { "rx_msgs", c->rx_msgs },
		{ "tx_bytes", c->tx_bytes }, { "tx_msgs", c->tx_msgs },
		{ "passed", c->passed }, { "dropped", c->dropped },
		{ "redirected", c->redirected }, { "redirect_miss", c->redirect_miss },
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		json_object_object_add(o, f[i].name, json_object_new_int64((int64_t)f[i].v));
	return o;
}

static void add(struct json_object *o, const char *k, struct json_object *v)
{
	json_object_object_add(o, k, v ? v : json_object_new_null());
}

static int member_json(const struct sockmap_member *mb, void *arg)
{
	const struct sockmap_rec *r = &mb->rec;
	struct json_object *o = json_object_new_object();

	add(o, "key", sock_key_json(&mb->key));
	add(o, "cookie", json_object_new_int64((int64_t)r->cookie));
	add(o, "family", json_object_new_string(family_name(r->family)));
	add(o, "type", json_object_new_string(r->type == SOCK_STREAM ? "stream" :
					       r->type == SOCK_DGRAM ? "dgram" : "seqpacket"));
	add(o, "local", addr_json(&r->local));
	add(o, "remote", addr_json(&r->remote));
	add(o, "tcp_state", mb->tcp_state > 0 ?
	    json_object_new_string(sockmap_tcp_state_name(mb->tcp_state)) : NULL);
	add(o, "mode", json_object_new_string(mb->kernel ? "kernel" : r->give ? "give" : "lend"));
	if (!mb->kernel) {
		add(o, "uid", json_object_new_int64(r->uid));
		add(o, "pid", json_object_new_int64(r->pid));
		add(o, "sock_uid", json_object_new_int64(r->sock_uid));
		add(o, "time_ns", json_object_new_int64(r->time_ns));
	}
	if (r->peer_key_len) {
		struct sockmap_key pk = { .len = r->peer_key_len };

		memcpy(pk.b, r->peer_key, r->peer_key_len);
		add(o, "peer_key", sock_key_json(&pk));
	}
	add(o, "counters", counters_json(&mb->cnt));
	json_object_array_add(arg, o);
	return 0;
}

int op_sock_ls(struct request *req)
{
	const char *path;
	struct sockmap *s;
	int r = sockmap_show(req, &path, &s);

	if (r < 0)
		return r;
	if (!s) {
		req->result = json_object_new_object();
		json_object_object_add(req->result, "members", json_object_new_array());
		return 0;
	}
	return (r = sock_ls_json(s, &req->result)) < 0 ? op_fail(req, path, r) : 0;
}

static int listener_json(uint64_t cookie, const struct sockaddr_in6 *local, void *arg)
{
	struct json_object *o = json_object_new_object();

	add(o, "cookie", json_object_new_int64((int64_t)cookie));
	add(o, "local", addr_json(local));
	json_object_array_add(arg, o);
	return 0;
}

int sock_ls_json(struct sockmap *s, struct json_object **out)
{
	struct json_object *list = json_object_new_array(), *ls = json_object_new_array();
	int r = sockmap_members(s, member_json, list);

	if (r == 0)
		r = sockmap_accept_list(s, listener_json, ls);
	if (r < 0) {
		json_object_put(list);
		json_object_put(ls);
		return r;
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "members", list);
	json_object_object_add(*out, "listeners", ls);
	json_object_object_add(*out, "sockmap", sockmap_state_json(s));
	return 0;
}

/* A managed sockmap's file on the mount: what sock_ls says of it. */
char *sockmap_note(const struct obj_ident *obj, void *arg)
{
	struct server *srv = arg;
	struct sockmap *s = sockmap_find(srv->sm, obj->id);
	struct json_object *o;
	const char *text;
	char *copy = NULL;

	if (!s || sock_ls_json(s, &o) < 0)
		return NULL;
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text)
		copy = strdup(text);
	json_object_put(o);
	return copy;
}
