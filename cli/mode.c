/* cli/mode.c: file modes as text. The symbolic grammar is chmod(1)'s:
 * [ugoa]*([-+=]([rwxXst]*|[ugo]))+ clauses separated by commas. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/mode.h"

#define ALL_BITS 07777u

void mode_string(uint32_t mode, char buf[11])
{
	static const char rwx[] = "rwxrwxrwx";

	buf[0] = S_ISDIR(mode) ? 'd' : S_ISLNK(mode) ? 'l' : '-';
	for (int i = 0; i < 9; i++)
		buf[1 + i] = mode & (0400u >> i) ? rwx[i] : '-';
	if (mode & S_ISUID)
		buf[3] = buf[3] == 'x' ? 's' : 'S';
	if (mode & S_ISGID)
		buf[6] = buf[6] == 'x' ? 's' : 'S';
	if (mode & S_ISVTX)
		buf[9] = buf[9] == 'x' ? 't' : 'T';
	buf[10] = '\0';
}

bool mode_is_octal(const char *spec)
{
	return *spec && strspn(spec, "01234567") == strlen(spec);
}

static uint32_t who_bits(char c)
{
	switch (c) {
	case 'u':
		return S_ISUID | S_IRWXU;
	case 'g':
		return S_ISGID | S_IRWXG;
	case 'o':
		return S_ISVTX | S_IRWXO;
	}
	return ALL_BITS;
}

static uint32_t perm_bits(char c, uint32_t cur)
{
	switch (c) {
	case 'r':
		return 0444;
	case 'w':
		return 0222;
	case 'x':
		return 0111;
	case 'X':
		return S_ISDIR(cur) || (cur & 0111) ? 0111 : 0;
	case 's':
		return S_ISUID | S_ISGID;
	}
	return S_ISVTX; /* 't' */
}

/* "g=u": the rwx of one class of cur, repeated in every class. */
static uint32_t copy_bits(char c, uint32_t cur)
{
	unsigned int shift = c == 'u' ? 6 : c == 'g' ? 3 : 0;

	return ((cur >> shift) & 7u) * 0111u;
}

static uint32_t apply_op(char op, uint32_t mode, uint32_t who, uint32_t bits)
{
	if (op == '+')
		return mode | bits;
	if (op == '-')
		return mode & ~bits;
	return (mode & ~who) | bits;
}

/* One clause at *p: who, then one or more op and its permissions. */
static int clause(const char **p, uint32_t *mode, mode_t umask)
{
	uint32_t who = 0, mask;
	const char *s = *p;

	for (; *s && strchr("ugoa", *s); s++)
		who |= who_bits(*s);
	mask = who ? who : ALL_BITS & ~(uint32_t)umask;
	if (!*s || !strchr("+-=", *s))
		return -EINVAL;
	while (*s && strchr("+-=", *s)) {
		char op = *s++;
		uint32_t bits = 0;

		if (*s && strchr("ugo", *s))
			bits = copy_bits(*s++, *mode);
		else
			for (; *s && strchr("rwxXst", *s); s++)
				bits |= perm_bits(*s, *mode);
		*mode = apply_op(op, *mode, who ? who : ALL_BITS, bits & mask);
	}
	*p = s;
	return 0;
}

int mode_parse(const char *spec, uint32_t cur, mode_t umask, uint32_t *out)
{
	uint32_t mode = cur;

	if (mode_is_octal(spec)) {
		unsigned long v = strtoul(spec, NULL, 8);

		if (v > ALL_BITS)
			return -EINVAL;
		*out = (uint32_t)v;
		return 0;
	}
	for (const char *p = spec;; p++) {
		if (clause(&p, &mode, umask) < 0)
			return -EINVAL;
		if (*p == '\0')
			break;
		if (*p != ',')
			return -EINVAL;
	}
	*out = mode & ALL_BITS;
	return 0;
}
