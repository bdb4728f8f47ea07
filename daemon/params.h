/* daemon/params.h: request parameters parsed by tables of (member name,
 * type, offset) into an op's argument struct, with an errno and a message
 * naming the member when one is missing or ill-typed. */
#ifndef BPFPIN_DAEMON_PARAMS_H
#define BPFPIN_DAEMON_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;
struct request;

enum param_type {
	P_PATH,     /* const char *: absolute, lengths checked (ENAMETOOLONG) */
	P_STRING,   /* const char *: any UTF-8 string up to 4095 bytes */
	P_U64,      /* uint64_t */
	P_ID,       /* int64_t: -1 or a uid/gid */
	P_MODE,     /* mode_t: 0..07777 */
	P_UMASK,    /* mode_t: 0..0777 */
	P_BOOL,     /* bool */
	P_FD,       /* int *: index into the request's fds -> its slot there */
	P_ACCESS,   /* int: "rdonly" / "wronly" / "rdwr" -> O_RDONLY/... */
	P_RENAME,   /* unsigned: array of "noreplace" / "exchange" */
	P_PATHS,    /* struct json_object *: array of 1..253 paths (as P_PATH) */
	P_TIME,     /* struct timespec: ns, -1 = UTIME_OMIT (absent = now) */
	P_MAPS,     /* struct json_object *: array of 0..64 objects
	             * {"name": string of 1..255 bytes, "path": path} */
	P_KEY,      /* struct param_key: a sockmap key: an integer (an index,
	             * or a key's value in host byte order), "auto", or
	             * "0x" and 2 to 128 hex digits (the key's bytes) */
};

#define PARAM_KEY_MAX 64
struct param_key {
	bool set;
	bool is_auto;
	bool is_num;
	uint64_t num;
	uint32_t len;               /* hex: bytes in b */
	uint8_t b[PARAM_KEY_MAX];
};

#define PARAM_MAPS_MAX 64

struct param {
	const char *name;
	enum param_type type;
	size_t offset;
	bool required;
};

#define PARAM(st, member, type, req) { #member, type, offsetof(st, member), req }
#define PARAM_AS(name, st, member, type, req) { name, type, offsetof(st, member), req }

/* Fill args from req->msg per the table (terminated by a NULL name).
 * Absent optional members keep the values args already holds; a member
 * that is neither in the table nor v, id or op is refused (EINVAL), as is
 * a string that is not UTF-8 or holds a NUL, and a path that is relative
 * or too long (ENAMETOOLONG). On error, returns -errno with req->errmsg
 * naming the member. */
int params_parse(const struct param *table, struct request *req, void *args);

#endif
