/* bpf/dump_key.c: a map key from the text a user typed: hex bytes in the
 * forms people paste ("0x01 0x00", "01 00", "0100"), or, for a key with
 * BTF, the JSON that the dump itself prints under "formatted". */
#include "config.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bpf/btf_fmt.h"
#include "bpf/dump_int.h"

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One word: "0x01" or "01" is a byte, longer runs are bytes in order. */
static int hex_word(const char *s, size_t n, uint8_t *key, uint32_t size,
		    uint32_t *at, char *err, size_t errlen)
{
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		n -= 2;
	}
	if (n == 0 || (n > 2 && n % 2))
		return fail(err, errlen, -EINVAL,
			    "\"%.*s\" is not a hex byte", (int)n, s);
	for (size_t i = 0; i < n; i += 2) {
		int hi = n == 1 ? 0 : hexval(s[i]);
		int lo = hexval(s[n == 1 ? i : i + 1]);

		if (hi < 0 || lo < 0)
			return fail(err, errlen, -EINVAL,
				    "\"%.*s\" is not a hex byte", (int)n, s);
		if (*at >= size)
			return fail(err, errlen, -EINVAL,
				    "more than the %u bytes of the key", size);
		key[(*at)++] = (uint8_t)(hi << 4 | lo);
		if (n == 1)
			break;
	}
	return 0;
}

static int parse_hex(const char *text, uint8_t *key, uint32_t size,
		     char *err, size_t errlen)
{
	uint32_t at = 0;

	while (*text) {
		size_t n;
		int e;

		text += strspn(text, " \t\n,");
		n = strcspn(text, " \t\n,");
		if (n == 0)
			break;
		e = hex_word(text, n, key, size, &at, err, errlen);
		if (e)
			return e;
		text += n;
	}
	if (at != size)
		return fail(err, errlen, -EINVAL,
			    "%u bytes given, the key has %u", at, size);
	return 0;
}

/* "0x.." or several words; commas do not count, JSON has them. */
static bool looks_hex(const char *text)
{
	size_t n = strcspn(text, " \t\n");

	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
		return true;
	return text[n + strspn(text + n, " \t\n")] != '\0';
}

/* JSON typed by the key's BTF; -ENOMSG when text is not JSON at all. */
static int parse_btf(const struct bpf_map_info *info, const char *text,
		     uint8_t *key, char *err, size_t errlen)
{
	struct btf *btf = btf__load_from_kernel_by_id(info->btf_id);
	struct btf_fmt *plan = NULL;
	int e;

	if (libbpf_get_error(btf))
		return fail(err, errlen, -ENOMSG, "cannot read the map's BTF");
	e = btf_fmt_new(btf, info->btf_key_type_id, info->key_size, &plan);
	if (e)
		e = fail(err, errlen, -ENOMSG, "cannot plan the key's BTF type");
	else
		e = dump_key_from_json(plan, text, key, err, errlen);
	btf_fmt_free(plan);
	btf__free(btf);
	return e;
}

int dump_parse_key(int map_fd, const char *text, void *key, uint32_t key_size,
		   char *err, size_t errlen)
{
	struct bpf_map_info info;
	int e = dump_map_info(map_fd, &info);

	if (e)
		return fail(err, errlen, e, "not a BPF map");
	if (key_size != info.key_size)
		return fail(err, errlen, -EINVAL,
			    "key buffer of %u bytes for a key of %u",
			    key_size, info.key_size);
	if (!text || (!key && key_size))
		return fail(err, errlen, -EINVAL, "no key given");
	text += strspn(text, " \t\n");
	memset(key, 0, key_size);
	if (!looks_hex(text) && info.btf_key_type_id) {
		e = parse_btf(&info, text, key, err, errlen);
		if (e != -ENOMSG)
			return e;
		memset(key, 0, key_size);
	}
	return parse_hex(text, key, key_size, err, errlen);
}
