/* lib/client_req.c: building request objects ({"v":1,"id":N,"op":...}
 * and their parameters) with one sticky error, so an operation checks
 * nothing until it calls client_call(); and the process's umask. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/client.h"

void client_req_fail(struct client_req *q, int err, const char *why)
{
	if (q->err)
		return;
	q->err = err;
	q->why = why;
}

void client_req_add(struct client_req *q, const char *key, struct json_object *v)
{
	if (!v) {
		client_req_fail(q, -ENOMEM, "out of memory");
		return;
	}
	/* Every key is a literal: json-c need not copy it (an allocation and
	 * a free per member of every request). */
	if (q->err || json_object_object_add_ex(q->obj, key, v,
						JSON_C_OBJECT_ADD_CONSTANT_KEY) < 0) {
		json_object_put(v);
		client_req_fail(q, -ENOMEM, "out of memory");
	}
}

void client_req_init(struct client_req *q, struct bpfpin *b, const char *op)
{
	*q = (struct client_req){ .err = 0 };
	if (!b) {
		client_req_fail(q, -EINVAL, "no connection");
		return;
	}
	q->id = b->next_id++;
	q->umask = b->umask;
	q->obj = json_object_new_object();
	if (!q->obj) {
		client_req_fail(q, -ENOMEM, "out of memory");
		return;
	}
	client_req_int(q, "v", PROTO_VERSION);
	client_req_add(q, "id", json_object_new_uint64(q->id));
	client_req_str(q, "op", op);
}

void client_req_str(struct client_req *q, const char *key, const char *s)
{
	if (!s) {
		client_req_fail(q, -EINVAL, "a string argument is NULL");
		return;
	}
	client_req_add(q, key, json_object_new_string(s));
}

void client_req_path(struct client_req *q, const char *key, const char *path)
{
	if (path && strnlen(path, CLIENT_PATH_MAX + 1) > CLIENT_PATH_MAX) {
		client_req_fail(q, -ENAMETOOLONG, "path longer than 4095 bytes");
		return;
	}
	client_req_str(q, key, path);
}

void client_req_int(struct client_req *q, const char *key, int64_t v)
{
	client_req_add(q, key, json_object_new_int64(v));
}

void client_req_bool(struct client_req *q, const char *key, bool v)
{
	client_req_add(q, key, json_object_new_boolean(v));
}

void client_req_umask(struct client_req *q, int mask)
{
	if (mask < 0)
		mask = q->umask;
	if (mask < 0 || mask > 0777) {
		client_req_fail(q, -EINVAL, "umask out of range");
		return;
	}
	client_req_int(q, "umask", mask);
}

/* The "Umask:" line of /proc/self/status (Linux >= 4.7); -errno if it
 * cannot be had. */
static int umask_from_proc(void)
{
	char buf[512];
	const char *line;
	unsigned int mask;
	ssize_t n;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	line = strstr(buf, "\nUmask:");
	if (!line || sscanf(line + 7, "%o", &mask) != 1)
		return -ENOENT;
	return mask & 0777;
}

int client_umask(void)
{
	mode_t old;
	int mask = umask_from_proc();

	if (mask >= 0)
		return mask;
	/* Racy against other threads creating files, hence only a fallback. */
	old = umask(022);
	umask(old);
	return old & 0777;
}

size_t client_json_len(struct json_object *v)
{
	size_t len = 0;

	json_object_to_json_string_length(v,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	return len;
}
