/* fs/ns_name.c: the rules a name must follow beyond bpffs's: names and
 * symlink targets are UTF-8, so every reply that carries one (a listing,
 * a readlink) is valid JSON on the RPC face; and the length rules of a
 * whole path, for a face that wants to say which part is too long. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "fs/ns_int.h"

/* Length of the UTF-8 sequence at s (n bytes left), 0 if invalid:
 * RFC 3629, no overlong forms, no surrogates, nothing past U+10FFFF. */
static size_t seq_len(const unsigned char *s, size_t n)
{
	size_t len = s[0] < 0xc2 ? 0 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 :
		     s[0] < 0xf5 ? 4 : 0;
	unsigned char lo = 0x80, hi = 0xbf;

	if (len == 0 || len > n)
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	for (size_t i = 1; i < len; i++, lo = 0x80, hi = 0xbf)
		if (s[i] < lo || s[i] > hi)
			return 0;
	return len;
}

bool ns_name_utf8(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0, k; i < len; i += k)
		if (u[i] < 0x80)
			k = 1;
		else if (!(k = seq_len(u + i, len - i)))
			return false;
	return true;
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
