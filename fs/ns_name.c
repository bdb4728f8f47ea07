/* fs/ns_name.c: the rules a name must follow beyond bpffs's: names and
 * symlink targets are UTF-8, so every reply that carries one (a listing,
 * a readlink) is valid JSON on the RPC face; and the length rules of a
 * whole path, for a face that wants to say which part is too long. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "fs/ns_int.h"
#include "lib/utf8.h"

bool ns_name_utf8(const char *s, size_t len)
{
	return utf8_valid(s, len);
}

int ns_name_absent(const char *name, size_t len)
{
	return ns_name_utf8(name, len) ? -ENOENT : -EILSEQ;
}

int ns_path_check(const char *path, size_t len, const char **why)
{
	if (len >= NS_PATH_MAX) {
		*why = "longer than 4095 bytes";
		return -ENAMETOOLONG;
	}
	for (size_t i = 0, k; i < len; i += k + 1) {
		const char *slash = memchr(path + i, '/', len - i);

		k = slash ? (size_t)(slash - (path + i)) : len - i;
		if (k > NS_NAME_MAX) {
			*why = "component longer than 255 bytes";
			return -ENAMETOOLONG;
		}
	}
	return 0;
}
