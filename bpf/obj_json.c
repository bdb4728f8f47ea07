/* bpf/obj_json.c: obj_info_json(), bpftool's `{map,prog,link} show -j`
 * object for one fd, and the pieces the per-kind files share: the JSON
 * builder, /proc/self/fdinfo and the "dev" object of offloaded objects.
 *
 * Left out, everywhere: "pids" (bpftool walks every process with a BPF
 * iterator to list the holders; the Debian bpftool here prints none) and
 * "pinned" (only with -f, a walk of every bpffs). For programs also
 * "metadata" (a BTF dump of the bpf_metadata_* variables in .rodata). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bpf/obj.h"
#include "bpf/obj_int.h"

void objj_add(struct objj *b, const char *key, struct json_object *v)
{
	/* the older name of JSON_C_OBJECT_ADD_CONSTANT_KEY, for json-c 0.15 */
	const unsigned opts = JSON_C_OBJECT_ADD_KEY_IS_NEW |
			      JSON_C_OBJECT_KEY_IS_CONSTANT;

	if (b->err || !v || json_object_object_add_ex(b->o, key, v, opts)) {
		json_object_put(v);
		b->err = -ENOMEM;
	}
}

void objj_u64(struct objj *b, const char *key, uint64_t v)
{
	if (!b->err)
		objj_add(b, key, json_object_new_uint64(v));
}

void objj_i64(struct objj *b, const char *key, int64_t v)
{
	if (!b->err)
		objj_add(b, key, json_object_new_int64(v));
}

void objj_bool(struct objj *b, const char *key, bool v)
{
	if (!b->err)
		objj_add(b, key, json_object_new_boolean(v));
}

void objj_str(struct objj *b, const char *key, const char *s)
{
	if (!b->err)
		objj_add(b, key, json_object_new_string(s));
}

void objj_type(struct objj *b, const char *key, const char *name,
	       uint32_t type)
{
	if (name)
		objj_str(b, key, name);
	else
		objj_u64(b, key, type);
}

/* bpftool names the device only when it lives in our network namespace. */
static bool dev_name(uint32_t ifindex, uint64_t ns_dev, uint64_t ns_ino,
		     char *name)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st) < 0)
		return false;
	if (st.st_dev != ns_dev || st.st_ino != ns_ino)
		return false;
	return if_indextoname(ifindex, name) != NULL;
}

void objj_dev(struct objj *b, uint32_t ifindex, uint64_t ns_dev,
	      uint64_t ns_ino)
{
	struct objj dev = { .o = NULL };
	char name[IF_NAMESIZE];

	if (!ifindex || b->err)
		return;
	dev.o = json_object_new_object();
	if (!dev.o) {
		b->err = -ENOMEM;
		return;
	}
	objj_u64(&dev, "ifindex", ifindex);
	objj_u64(&dev, "ns_dev", ns_dev);
	objj_u64(&dev, "ns_inode", ns_ino);
	if (dev_name(ifindex, ns_dev, ns_ino, name))
		objj_str(&dev, "ifname", name);
	if (dev.err)
		b->err = dev.err;
	objj_add(b, "dev", dev.o);
}

/* The value of "key:\t..." in fdinfo text, or NULL. */
static const char *fdinfo_value(const char *text, const char *key)
{
	size_t len = strlen(key);
	const char *line, *next;

	for (line = text; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			next++;
		if (!strncmp(line, key, len) && line[len] == ':')
			return line + len + 1;
	}
	return NULL;
}

static void fdinfo_parse(const char *text, struct obj_fdinfo *fi)
{
	const char *v;

	if ((v = fdinfo_value(text, "memlock"))) {
		fi->has_memlock = true;
		fi->memlock = strtoll(v, NULL, 10);
	}
	if ((v = fdinfo_value(text, "frozen")))
		fi->frozen = (int)strtol(v, NULL, 10);
	if ((v = fdinfo_value(text, "owner_prog_type"))) {
		fi->has_owner_prog_type = true;
		fi->owner_prog_type = (uint32_t)strtoul(v, NULL, 10);
	}
	if ((v = fdinfo_value(text, "owner_jited"))) {
		fi->has_owner_jited = true;
		fi->owner_jited = strtol(v, NULL, 10) != 0;
	}
}

int obj_fdinfo_read(int fd, struct obj_fdinfo *fi)
{
	char path[40], text[4096];
	size_t len = 0;
	ssize_t n;
	int pfd;

	memset(fi, 0, sizeof(*fi));
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	pfd = open(path, O_RDONLY | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	while (len < sizeof(text) - 1 &&
	       (n = read(pfd, text + len, sizeof(text) - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;

			close(pfd);
			return -err;
		}
		len += (size_t)n;
	}
	close(pfd);
	text[len] = '\0';
	fdinfo_parse(text, fi);
	return 0;
}

struct json_object *obj_info_json(int fd, const struct obj_ident *ident)
{
	struct obj_ident mine;
	struct objj b = { .o = NULL };
	int r;

	if (!ident || ident->kind == OBJ_NONE) {
		r = obj_identify(fd, &mine, NULL, 0);
		if (r < 0) {
			errno = -r;
			return NULL;
		}
		ident = &mine;
	}
	b.o = json_object_new_object();
	if (!b.o) {
		errno = ENOMEM;
		return NULL;
	}
	if (ident->kind == OBJ_MAP)
		r = obj_map_json(fd, &b);
	else if (ident->kind == OBJ_PROG)
		r = obj_prog_json(fd, &b);
	else
		r = obj_link_json(fd, &b);
	if (r == 0 && b.err)
		r = b.err;
	if (r < 0) {
		json_object_put(b.o);
		errno = -r;
		return NULL;
	}
	return b.o;
}
