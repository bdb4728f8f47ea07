/* lib/proto.h: the wire protocol shared by bpfpind and its clients.
 *
 * A Unix SOCK_SEQPACKET socket; one JSON object per message, at most
 * PROTO_MSG_MAX bytes, with up to PROTO_FDS_MAX fds as SCM_RIGHTS. Every
 * message carries "v" (PROTO_VERSION) and "id" (the request id, echoed in
 * the reply). doc/protocol.md is the specification. */
#ifndef BPFPIN_LIB_PROTO_H
#define BPFPIN_LIB_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct json_object;

#define PROTO_VERSION 1
#define PROTO_MSG_MAX 65536
#define PROTO_FDS_MAX 253
#define PROTO_DEFAULT_SOCKET "/run/bpfpin/bpfpind.sock"

/* Send one message with nfds fds. The fds are not consumed. Returns 0 or
 * -errno (-EPIPE when the peer is gone; never raises SIGPIPE). */
int proto_send(int sock, const void *buf, size_t len, const int *fds, int nfds);
/* Serialize msg compactly and send it. */
int proto_send_json(int sock, struct json_object *msg, const int *fds, int nfds);
/* Receive one message into buf (size bytes; a NUL is appended, so the
 * message may hold size - 1 bytes). Received fds are O_CLOEXEC and stored
 * in fds[] (room for PROTO_FDS_MAX), their count in *nfds. Returns the
 * length, 0 at end of stream, or -errno: -EMSGSIZE when the message or its
 * fds were truncated, -EBADMSG for a message of 0 bytes (with or without
 * fds); on both every fd that did arrive is closed and *nfds is 0. An
 * empty message without fds read after the peer shut down its sending
 * side cannot be told from the end and counts as the end. */
ssize_t proto_recv(int sock, char *buf, size_t size, int *fds, int *nfds);
/* Close n fds, skipping negative entries. */
void proto_close_fds(const int *fds, int n);

/* "ENOENT" for ENOENT; "E<number>" for an errno without a name here. */
const char *proto_errno_name(int err);
/* The inverse; 0 if unknown. */
int proto_errno_value(const char *name);

/* Whether s[0..len) is valid UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF). JSON strings must be. */
bool proto_utf8_valid(const char *s, size_t len);
/* A malloc'd copy of s[0..len) as valid UTF-8 (NULL if out of memory):
 * each invalid byte becomes U+FFFD, except an unfinished sequence at the
 * very end, which a truncation cut: it is dropped. */
char *proto_utf8_repair(const char *s, size_t len);
/* Build {"v":1,"id":id,"error":{"errno":err,"name":..,"message":msg}}.
 * msg NULL gives strerror(err); msg need not be valid UTF-8 (it may quote
 * a client's bytes or be cut by a truncation): invalid bytes become
 * U+FFFD and a sequence cut at the end is dropped. */
struct json_object *proto_error(uint64_t id, int err, const char *msg);
/* Build {"v":1,"id":id,"result":result} (result is consumed; NULL gives {}). */
struct json_object *proto_result(uint64_t id, struct json_object *result);

/* proto_text.c: a plain get (no stat, no info), a pin without stat and
 * the {} result written and matched as text, byte for byte what json-c
 * makes of the same objects. */
#define PROTO_GET_RESULT_MAX 64        /* proto_get_result's longest */
/* v in decimal at p; returns the end. */
char *proto_put_u64(char *p, uint64_t v);
/* The request {"v":1,"id":..,"op":"get","path":..,"access":..} in buf;
 * its length, or 0 if it does not fit or path needs escaping. */
size_t proto_get_request(char *buf, size_t size, uint64_t id, const char *path,
			 const char *access);
/* The request {"v":1,"id":..,"op":"pin","path":..,"fd":0,"umask":..,
 * "stat":false} in buf; its length, or 0 as for proto_get_request. */
size_t proto_pin_request(char *buf, size_t size, uint64_t id, const char *path,
			 unsigned umask);
/* {"fd":0,"kind":kind,"id":obj_id} in buf (PROTO_GET_RESULT_MAX bytes;
 * kind is a name of bpf/obj.h); its length. */
size_t proto_get_result(char *buf, const char *kind, uint64_t obj_id);
/* {"v":1,"id":id,"result":RESULT} with the len bytes of result in buf
 * (len + 48 bytes); its length. */
size_t proto_result_text(char *buf, uint64_t id, const char *result, size_t len);
/* Whether buf[0..len) is exactly {"v":1,"id":id,"result":{}}. */
bool proto_reply_empty(const char *buf, size_t len, uint64_t id);
/* Whether buf[0..len) is exactly the reply to plain get id that
 * proto_result_text(proto_get_result()) writes. */
bool proto_get_reply_plain(const char *buf, size_t len, uint64_t id);

#endif
