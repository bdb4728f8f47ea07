/* lib/proto_text.c: the hot messages without json-c objects. A plain get,
 * a pin without stat and the {} result of most ops have one fixed shape
 * each; both ends write them straight into a buffer, and the client
 * matches a reply byte for byte against the shape bpfpind writes.
 * Anything else (an error, a stat or an info asked for, a path with bytes
 * JSON must escape) goes the general way: nothing is written or accepted
 * here that json-c would not. */
#include "config.h"

#include <string.h>

#include "lib/proto.h"

char *proto_put_u64(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put(char *p, const char *s, size_t len)
{
	memcpy(p, s, len);
	return p + len;
}

#define PUT_LIT(p, lit) put(p, lit, sizeof(lit) - 1)

/* A path json-c would write unescaped: no quote, backslash, slash escape
 * (we ask for none) or control character. */
static bool plain_string(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == '"' || c == '\\' || c == 0x7f)
			return false;
	}
	return true;
}

size_t proto_get_request(char *buf, size_t size, uint64_t id, const char *path,
			 const char *access)
{
	size_t plen = strlen(path), alen = strlen(access);
	char *p = buf;

	/* the fixed parts are < 64 bytes, a u64 20 */
	if (plen + alen + 96 > size || !plain_string(path, plen))
		return 0;
	p = PUT_LIT(p, "{\"v\":1,\"id\":");
	p = proto_put_u64(p, id);
	p = PUT_LIT(p, ",\"op\":\"get\",\"path\":\"");
	p = put(p, path, plen);
	p = PUT_LIT(p, "\",\"access\":\"");
	p = put(p, access, alen);
	p = PUT_LIT(p, "\"}");
	return (size_t)(p - buf);
}

size_t proto_pin_request(char *buf, size_t size, uint64_t id, const char *path,
			 unsigned umask)
{
	size_t plen = strlen(path);
	char *p = buf;

	if (plen + 128 > size || !plain_string(path, plen))
		return 0;
	p = PUT_LIT(p, "{\"v\":1,\"id\":");
	p = proto_put_u64(p, id);
	p = PUT_LIT(p, ",\"op\":\"pin\",\"path\":\"");
	p = put(p, path, plen);
	p = PUT_LIT(p, "\",\"fd\":0,\"umask\":");
	p = proto_put_u64(p, umask);
	p = PUT_LIT(p, ",\"stat\":false}");
	return (size_t)(p - buf);
}

size_t proto_get_result(char *buf, const char *kind, uint64_t obj_id)
{
	char *p = PUT_LIT(buf, "{\"fd\":0,\"kind\":\"");

	p = put(p, kind, strlen(kind));
	p = PUT_LIT(p, "\",\"id\":");
	p = proto_put_u64(p, obj_id);
	*p++ = '}';
	return (size_t)(p - buf);
}

size_t proto_result_text(char *buf, uint64_t id, const char *result, size_t len)
{
	char *p = PUT_LIT(buf, "{\"v\":1,\"id\":");

	p = proto_put_u64(p, id);
	p = PUT_LIT(p, ",\"result\":");
	p = put(p, result, len);
	*p++ = '}';
	return (size_t)(p - buf);
}

/* s at *p is the literal lit: then past it. */
static bool take(const char **p, const char *end, const char *lit, size_t len)
{
	if ((size_t)(end - *p) < len || memcmp(*p, lit, len))
		return false;
	*p += len;
	return true;
}

#define TAKE_LIT(p, end, lit) take(p, end, lit, sizeof(lit) - 1)

/* Decimal digits, no leading zero, that fit in a JSON parser's int64. */
static bool take_u64(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;
	uint64_t n = 0;

	if (s == end || *s < '0' || *s > '9' || (*s == '0' && s + 1 < end &&
						 s[1] >= '0' && s[1] <= '9'))
		return false;
	for (; s < end && *s >= '0' && *s <= '9' && s - *p < 18; s++)
		n = n * 10 + (uint64_t)(*s - '0');
	if (s < end && *s >= '0' && *s <= '9')
		return false;
	*v = n;
	*p = s;
	return true;
}

bool proto_reply_empty(const char *buf, size_t len, uint64_t id)
{
	const char *p = buf, *end = buf + len;
	uint64_t got;

	return TAKE_LIT(&p, end, "{\"v\":1,\"id\":") && take_u64(&p, end, &got) &&
	       got == id && TAKE_LIT(&p, end, ",\"result\":{}}") && p == end;
}

bool proto_get_reply_plain(const char *buf, size_t len, uint64_t id)
{
	const char *p = buf, *end = buf + len;
	uint64_t got, obj_id;

	if (!TAKE_LIT(&p, end, "{\"v\":1,\"id\":") || !take_u64(&p, end, &got) ||
	    got != id || !TAKE_LIT(&p, end, ",\"result\":{\"fd\":0,\"kind\":\""))
		return false;
	while (p < end && *p >= 'a' && *p <= 'z')
		p++;
	return TAKE_LIT(&p, end, "\",\"id\":") && take_u64(&p, end, &obj_id) &&
	       TAKE_LIT(&p, end, "}}") && p == end;
}
